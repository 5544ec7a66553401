"""The shape every report has, the period it is for, and the registry of reports.

A report is a title, its period and one or more tables of figures (headings, rows, an optional totals row) with
notes saying what is counted. Cells are text, whole numbers or `Decimal`s — never personal data. The renderers
(`render.py`) turn any report into CSV, XLSX, PDF or a page, so a report module only counts.

Register a report with `@report("name", _l("Title"), _l("What it counts"))` on an `async def build(session,
period) -> list[Table]`; the modules are imported by `reports.catalogue`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, case, func, literal, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from logistics.core.errors import DomainError
from logistics.core.i18n import format_date
from logistics.core.i18n import gettext as _
from logistics.db import read_at_once

Cell = str | int | Decimal | None

#: The earliest and latest dates a period may name (a typo like 20026 is refused, not counted).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class Period:
    """The days from `first` to `last`, both included (for shelter: the nights starting on those days)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def after(self) -> date:
        """The first day after the period."""
        return self.last + timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{format_date(self.first)} – {format_date(self.last)}"

    @property
    def slug(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def parse(cls, first: str | None, last: str | None, named: str | None = None) -> Period:
        """A period from two ISO dates, or named: `2026` (a year), `2026-H1`/`2026-H2` (a half-year),
        `2026-11` (a month). DomainError names the field that is wrong."""
        if named:
            return cls.named(named)
        if not first:
            raise DomainError(_("Enter the first day of the period."), "from")
        if not last:
            raise DomainError(_("Enter the last day of the period."), "to")
        start, end = _day(first, "from"), _day(last, "to")
        if end < start:
            raise DomainError(_("The period ends before it begins."), "to")
        return cls(start, end)

    @classmethod
    def named(cls, value: str) -> Period:
        value = value.strip().upper()
        if match := re.fullmatch(r"(\d{4})", value):
            year = _year(int(match[1]))
            return cls(date(year, 1, 1), date(year, 12, 31))
        if match := re.fullmatch(r"(\d{4})-H([12])", value):
            year = _year(int(match[1]))
            return (
                cls(date(year, 1, 1), date(year, 6, 30))
                if match[2] == "1"
                else cls(date(year, 7, 1), date(year, 12, 31))
            )
        if match := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = _year(int(match[1])), int(match[2])
            if not 1 <= month <= 12:
                raise DomainError(_("Choose a month from 01 to 12."), "period")
            return cls.month(year, month)
        raise DomainError(_("Name a year (2026), a half-year (2026-H1) or a month (2026-11)."), "period")


def _year(year: int) -> int:
    if not EARLIEST.year <= year <= LATEST.year:
        raise DomainError(_("Choose a year from %(low)s to %(high)s.", low=EARLIEST.year, high=LATEST.year), "period")
    return year


def _day(value: str, field: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field) from None
    if not EARLIEST <= day <= LATEST:
        raise DomainError(
            _("Enter a date from %(low)s to %(high)s.", low=format_date(EARLIEST), high=format_date(LATEST)), field
        )
    return day


@dataclass
class Table:
    """One table of figures. `rows` hold cells in the order of `columns`; `total` is the totals row, if any."""

    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: list[Cell] | None = None
    note: str = ""


@dataclass
class Report:
    name: str
    title: str
    description: str
    period: Period
    tables: list[Table]


Builder = Callable[[AsyncSession, Period], Awaitable[list[Table]]]


@dataclass(frozen=True)
class Definition:
    name: str
    title: Any  # a lazy string: translated when shown
    description: Any
    build: Builder


REPORTS: dict[str, Definition] = {}


def report(name: str, title: Any, description: Any) -> Callable[[Builder], Builder]:
    """Register a report under `name` (used in URLs and on the command line)."""

    def register(build: Builder) -> Builder:
        if name in REPORTS:
            raise ValueError(f"report {name!r} registered twice")
        REPORTS[name] = Definition(name, title, description, build)
        return build

    return register


def totals(rows: list[list[Cell]], label: str, skip: int = 1) -> list[Cell]:
    """A totals row: `label`, blanks for the other `skip - 1` leading columns, then each column's sum."""
    if not rows:
        return [label, *[None] * (skip - 1)]
    sums: list[Cell] = [label, *[None] * (skip - 1)]
    for column in range(skip, len(rows[0])):
        values = [row[column] for row in rows if isinstance(row[column], int | Decimal)]
        sums.append(sum(values, start=0) if values else None)  # type: ignore[arg-type]
    return sums


#: PostgreSQL's memory for a report's sorts and hashes (the server's default of 4 MB sends a year of a region's
#: distinct counts to disk); only for the report's own transactions, which also run without JIT compilation.
REPORT_WORK_MEM = "64MB"


async def fetch(session: AsyncSession, statement: Any) -> list[Any]:
    """The rows of a grouped statement (untyped: the report folds them into its tables)."""
    return list((await session.execute(statement)).all())


async def for_reports(session: AsyncSession) -> None:
    """Settings for a transaction that counts a report (PostgreSQL: `work_mem` and no JIT, for this transaction
    only)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
        # Compiling a report's statements to machine code takes ~90 ms each and saves less than that here.
        await session.execute(text("SET LOCAL jit = off"))


async def fetch_many(session: AsyncSession, *statements: Any) -> list[list[Any]]:
    """The rows of independent statements of one report, run at once (`logistics.db.read_at_once`): a report of
    four statements over a year of a region waits for the slowest of them rather than for their sum. A report of
    a past period gives the same figures whichever moment each statement reads (erasure keeps them); a report of
    today's period may be a moment apart between its tables, as it would be when rendered a moment later."""

    def read(statement: Any) -> Callable[[AsyncSession], Awaitable[list[Any]]]:
        async def run(own: AsyncSession) -> list[Any]:
            if own is not session:
                await for_reports(own)
            return await fetch(own, statement)

        return run

    return await read_at_once(session, *(read(statement) for statement in statements))


# --- SQL helpers for counting over dates on SQLite and PostgreSQL alike -------------------------------------------


class days_between(FunctionElement[int]):
    """`days_between(later, earlier)`: whole days from `earlier` to `later` (dates)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


def later_of(a: Any, b: Any) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)


def earlier_of(a: Any, b: Any) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


def as_date(value: date) -> ColumnElement[date]:
    """A date parameter typed as a date (so `days_between` compares dates on both databases)."""
    return literal(value, Date)


def coalesce_date(column: Any, value: date) -> ColumnElement[Any]:
    return func.coalesce(column, as_date(value))
