"""Report `grants`: grants for urgent needs (zasiłek celowy, art. 39–41 of the Social Assistance Act) given as
value vouchers, by legal basis and purpose — granted in the period and spent in the period.

- Granted: the grants whose decision is dated in the period (`GrantDecision.decided_on`): families (a household
  counts once per row, and once in the totals row however many grants it had), persons (the sizes of those
  households, as recorded on the vouchers) and the amount granted. A revoked voucher counts with what had been
  spent on it (a lost voucher's replacement counts the rest), one revoked with nothing spent does not count.
- Spent: the purchases at the partner shops in the period (local days) not undone — the amount spent and their
  number — under the legal basis and purpose of the voucher's decision, whenever it was decided.

Two grouped statements, one per part; the amounts are exact (`Money`: whole grosze summed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, func, literal_column, not_, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import _l, day_start
from logistics.core.i18n import gettext as _
from logistics.reports.core import Cell, Period, Table, as_date, fetch_many, report
from logistics.vouchers.grants import basis_label, categories, category_label, legal_bases
from logistics.vouchers.models import MONEY, GrantDecision, Spend, Voucher, VoucherStatus

ALL = "*"  # the key of the totals row in the statement's result

Key = tuple[str, str]  # (legal basis, purpose)


def granted_statement(period: Period) -> Any:
    """(basis, purpose, families, persons, amount) per basis and purpose, and (*, *, ...) for all grants with each
    family once: the period's grants are grouped into families first (per row, then in all)."""
    amount = case(
        (Voucher.status == VoucherStatus.REVOKED, Voucher.spent),
        else_=Voucher.amount,
    )
    grants = (
        select(
            GrantDecision.legal_basis.label("basis"),
            GrantDecision.purpose.label("purpose"),
            func.coalesce(Voucher.household_id, Voucher.id).label("family_id"),
            Voucher.household_size.label("size"),
            type_coerce(amount, MONEY).label("amount"),
        )
        .join(Voucher, Voucher.id == GrantDecision.voucher_id)
        .where(
            GrantDecision.decided_on >= as_date(period.first),
            GrantDecision.decided_on <= as_date(period.last),
            Voucher.amount.is_not(None),
            not_(and_(Voucher.status == VoucherStatus.REVOKED, Voucher.spent == 0)),
        )
        .cte("grants")
    )

    def by(*keys: Any) -> Any:
        """Families of `keys` (each family once in it): its largest household size and its amount."""
        return (
            select(
                *keys,
                grants.c.family_id,
                func.max(grants.c.size).label("size"),
                type_coerce(func.sum(grants.c.amount), MONEY).label("amount"),
            )
            .group_by(*keys, grants.c.family_id)
            .subquery()
        )

    rows = by(grants.c.basis, grants.c.purpose)
    families = by()
    per_row = select(
        rows.c.basis,
        rows.c.purpose,
        func.count(),
        func.sum(rows.c.size),
        type_coerce(func.sum(rows.c.amount), MONEY),
    ).group_by(rows.c.basis, rows.c.purpose)
    marker = literal_column(f"'{ALL}'", String)
    overall = select(
        marker, marker, func.count(), func.sum(families.c.size), type_coerce(func.sum(families.c.amount), MONEY)
    )
    return union_all(per_row, overall)


def spent_statement(period: Period) -> Any:
    """(basis, purpose, purchases, amount) of the period's purchases not undone, by their grants' basis and purpose."""
    return (
        select(
            GrantDecision.legal_basis,
            GrantDecision.purpose,
            func.count(),
            type_coerce(func.sum(Spend.amount), MONEY),
        )
        .join(GrantDecision, GrantDecision.voucher_id == Spend.voucher_id)
        .where(
            Spend.at >= day_start(period.first),
            Spend.at < day_start(period.after),
            Spend.undone_at.is_(None),
        )
        .group_by(GrantDecision.legal_basis, GrantDecision.purpose)
    )


def _order(keys: set[Key]) -> list[Key]:
    """The configured legal bases and purposes first, in their order; codes no longer configured after them."""
    bases = {code: index for index, (code, _label) in enumerate(legal_bases())}
    purposes = {code: index for index, (code, _label) in enumerate(categories())}
    return sorted(
        keys,
        key=lambda key: (bases.get(key[0], len(bases)), key[0], purposes.get(key[1], len(purposes)), key[1]),
    )


async def grants_table(session: AsyncSession, period: Period) -> Table:
    """The table of grants granted and spent in the period by legal basis and purpose, with its totals row."""
    granted_rows, spent_rows = await fetch_many(session, granted_statement(period), spent_statement(period))
    zero = Decimal("0.00")
    granted: dict[Key, tuple[int, int, Decimal]] = {}
    for basis, purpose, families, persons, amount in granted_rows:
        granted[(basis, purpose)] = (int(families or 0), int(persons or 0), amount or zero)
    overall = granted.pop((ALL, ALL), (0, 0, zero))
    spent = {(basis, purpose): (int(count or 0), amount or zero) for basis, purpose, count, amount in spent_rows}
    rows: list[list[Cell]] = []
    for key in _order(set(granted) | set(spent)):
        families, persons, amount = granted.get(key, (0, 0, zero))
        purchases, spent_amount = spent.get(key, (0, zero))
        rows.append([basis_label(key[0]), category_label(key[1]), families, persons, amount, purchases, spent_amount])
    total: list[Cell] = [
        _("Total (each family once)"),
        None,
        overall[0],
        overall[1],
        overall[2],
        sum((count for count, _amount in spent.values()), 0),
        sum((amount for _count, amount in spent.values()), zero),
    ]
    return Table(
        _("Grants by legal basis and purpose"),
        [
            _("Legal basis"),
            _("Purpose"),
            _("Families granted"),
            _("Persons in these families"),
            _("Amount granted (zł)"),
            _("Purchases"),
            _("Amount spent (zł)"),
        ],
        rows,
        total,
        _(
            "Granted: grants whose decision is dated in the period — families, the persons in their households and "
            "the amount (a revoked voucher counts what had been spent on it). Spent: purchases at the partner shops "
            "in the period that were not undone, under their grant's legal basis and purpose, whenever it was "
            "granted. A family granted under several rows counts once in the totals row."
        ),
    )


@report(
    "grants",
    _l("Grants for urgent needs"),
    _l(
        "Grants given as value vouchers by legal basis and purpose: families, persons and the amount granted in the "
        "period, and the amount spent at the partner shops in the period."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    return [await grants_table(session, period)]
