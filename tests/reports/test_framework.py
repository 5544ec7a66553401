"""The reports' frame: periods, the registry, the three exports and the pages — with a report of known figures
registered by the test (the real reports have tests of their own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from logistics.core.errors import DomainError
from logistics.reports.core import REPORTS, Period, Report, Table, report, totals
from logistics.reports.render import to_csv, to_pdf, to_xlsx

from ..conftest import login
from .conftest import csv_tables, xlsx_tables

KNOWN = Table(
    "Known figures",
    ["Site", "Persons", "Kilograms"],
    [["A", 3, Decimal("12.5")], ["B", 0, Decimal("0.25")], ['C; "quoted"', 7, None]],
)
KNOWN.total = totals(KNOWN.rows, "Total")


@pytest.fixture
def known_report() -> Iterator[str]:
    async def build(_session: Any, period: Period) -> list[Table]:
        days = Table("Days", ["What", "Days"], [["days", period.days]])
        return [KNOWN, days]

    report("known", "Known report", "Counts nothing real")(build)
    yield "known"
    del REPORTS["known"]


@pytest.mark.parametrize(
    ("named", "first", "last"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-h2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_named_periods(named: str, first: date, last: date) -> None:
    period = Period.named(named)
    assert (period.first, period.last) == (first, last)
    assert period.days == (last - first).days + 1


@pytest.mark.parametrize(
    ("first", "last", "named", "field"),
    [
        ("", "2026-01-31", None, "from"),
        ("2026-01-01", "", None, "to"),
        ("2026-02-01", "2026-01-31", None, "to"),
        ("2026-13-01", "2026-12-31", None, "from"),
        ("1999-12-31", "2026-12-31", None, "from"),
        ("2026-01-01", "20026-01-01", None, "to"),
        (None, None, "2026-13", "period"),
        (None, None, "26", "period"),
        (None, None, "1899", "period"),
    ],
)
def test_bad_periods_are_refused_on_their_field(first: str, last: str, named: str | None, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        Period.parse(first, last, named)
    assert refused.value.field == field


def test_totals_sum_numbers_and_skip_blanks() -> None:
    assert KNOWN.total == ["Total", 10, Decimal("12.75")]
    assert totals([], "Total", skip=2) == ["Total", None]


def _known() -> Report:
    return Report("known", "Known report", "", Period.named("2026-11"), [KNOWN])


def test_csv_and_xlsx_hold_the_same_figures() -> None:
    [table] = csv_tables(to_csv(_known()))
    assert table == [
        ["Site", "Persons", "Kilograms"],
        ["A", "3", "12.5"],
        ["B", "0", "0.25"],
        ['C; "quoted"', "7", ""],
        ["Total", "10", "12.75"],
    ]
    [sheet] = xlsx_tables(to_xlsx(_known()))
    assert sheet[0] == ["Site", "Persons", "Kilograms"]
    assert sheet[1:] == [["A", 3, 12.5], ["B", 0, 0.25], ['C; "quoted"', 7, None], ["Total", 10, 12.75]]


def test_pdf_is_a_document() -> None:
    assert to_pdf(_known()).startswith(b"%PDF")


async def test_pages_and_exports(app: Any, client: Any, people: Any, known_report: str) -> None:
    await login(client, "coordinator")
    listing = await client.get("/reports/")
    assert listing.status_code == 200
    assert "/reports/known" in listing.text
    page = await client.get("/reports/known?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "Known figures" in page.text and "12,5" in page.text  # Polish decimal comma on screen
    exported = await client.get("/reports/known/export.csv?period=2026-02")
    assert exported.status_code == 200
    assert 'filename="known_2026-02-01_2026-02-28.csv"' in exported.headers["content-disposition"]
    assert csv_tables(exported.text)[1] == [["What", "Days"], ["days", "28"]]
    workbook = await client.get("/reports/known/export.xlsx?from=2026-01-01&to=2026-12-31")
    assert workbook.status_code == 200
    assert xlsx_tables(workbook.content)[1] == [["What", "Days"], ["days", 365]]
    pdf = await client.get("/reports/known/export.pdf?from=2026-01-01&to=2026-01-31")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_a_bad_period_is_shown_next_to_its_field(client: Any, people: Any, known_report: str) -> None:
    await login(client, "coordinator")
    page = await client.get("/reports/known?from=2026-02-01&to=2026-01-01")
    assert page.status_code == 422
    assert 'id="to-error"' in page.text and "Known figures" not in page.text
    export = await client.get("/reports/known/export.csv?from=2026-02-01&to=2026-01-01")
    assert export.status_code == 422


async def test_unknown_report_is_not_found(client: Any, people: Any) -> None:
    await login(client, "coordinator")
    assert (await client.get("/reports/nothing-like-it")).status_code == 404
    assert (await client.get("/reports/nothing-like-it/export.csv")).status_code == 404


@pytest.mark.parametrize("username", ["caseworker", "shelter", "warehouse", "volunteer"])
async def test_only_coordinators_and_administrators(client: Any, people: Any, known_report: str, username: str) -> None:
    await login(client, username)
    for path in ("/reports/", "/reports/known", "/reports/known/export.csv", "/reports/known/export.xlsx"):
        assert (await client.get(path)).status_code == 403, path
