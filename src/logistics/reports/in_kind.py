"""Report "in-kind": aid in kind handed out in the period — the vouchers redeemed at distribution points (food
packages, products, clothing), by programme, by point and by kind of goods — and the goods issued from stock
without a voucher.

Counted: redemptions not undone whose time falls in the period (the centre's days). Families are the distinct
households whose vouchers were redeemed; persons are their members as the voucher froze them when it was issued
(`Voucher.household_size`; a household with vouchers of several sizes counts with its largest); handouts are the
redemptions. Each total row counts a family once however many programmes, points or kinds of goods it had.
Kilograms: the quantity issued times the item's net weight, for items whose weight the catalogue knows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from logistics.core.i18n import _l, day_start
from logistics.core.i18n import gettext as _
from logistics.inventory.models import Item, Movement, MovementKind, MovementLine
from logistics.inventory.stock import CATEGORIES
from logistics.reports.core import Cell, Period, Table, report
from logistics.sites.models import Site
from logistics.vouchers.models import Programme, Redemption, Voucher

KG = Decimal("0.001")
#: Kilograms of goods none of which has a net weight in the catalogue.
NO_WEIGHT = "—"


def kilograms(value: Any) -> Decimal:
    """A sum of kilograms as the report shows it: to the gram."""
    return Decimal(str(value or 0)).quantize(KG)


def redemptions(period: Period) -> tuple[Any, ...]:
    """The filter of the redemptions a report of the period counts: not undone, in the period's local days."""
    return (
        Redemption.undone_at.is_(None),
        Redemption.at >= day_start(period.first),
        Redemption.at < day_start(period.after),
    )


def _helped(period: Period, *extra: Any) -> Any:
    """One row per (redemption, …): its point, programme, family (household, or the voucher when the household
    is gone) and the household size the voucher froze."""
    return (
        select(
            Redemption.id.label("redemption"),
            Redemption.point_id.label("point"),
            Voucher.programme_id.label("programme"),
            func.coalesce(Voucher.household_id, Voucher.id).label("family"),
            Voucher.household_size.label("size"),
            *extra,
        )
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(*redemptions(period))
    )


async def _counts(session: AsyncSession, rows: Any, key: str | None) -> dict[Any, list[Any]]:
    """key → [families, persons, handouts, kilograms, lines of unknown weight] over the subquery `rows` (one row
    per redemption, or per stock line when it has `kg`) grouped by its column `key` (None: all) — one query: per
    (key, family) its largest size and its redemptions, then summed."""
    weighed = "kg" in rows.c
    if weighed:  # lines: first one row per redemption and kind of goods (no DISTINCT: a hash aggregate will do)
        rows = (
            select(
                rows.c.redemption,
                rows.c.family,
                rows.c.size,
                rows.c[key],
                func.sum(rows.c.kg).label("kg"),
                func.sum(rows.c.unknown).label("unknown"),
            )
            .group_by(rows.c.redemption, rows.c.family, rows.c.size, rows.c[key])
            .subquery()
        )
    group = [rows.c[key]] if key else []
    families = (
        select(
            *group,
            func.max(rows.c.size).label("size"),
            func.count().label("handouts"),
            *([func.sum(rows.c.kg).label("kg"), func.sum(rows.c.unknown).label("unknown")] if weighed else []),
        )
        .group_by(*group, rows.c.family)
        .subquery()
    )
    outer = [families.c[key]] if key else []
    query = select(
        *outer,
        func.count(),
        func.sum(families.c.size),
        func.sum(families.c.handouts),
        *([func.sum(families.c.kg), func.sum(families.c.unknown)] if weighed else []),
    ).group_by(*outer)
    return {
        (row[0] if key else None): [int(value or 0) for value in row[len(outer) : len(outer) + 3]]
        + ([kilograms(row[-2]), int(row[-1] or 0)] if weighed else [])
        for row in (await session.execute(query)).all()
    }


def _category(value: str) -> str:
    return str(CATEGORIES.get(value, value))  # type: ignore[call-overload]


@report(
    "in-kind",
    _l("Aid in kind"),
    _l(
        "Food packages, products and clothing handed out on vouchers in the period — persons, families and "
        "handouts by programme, by distribution point and by kind of goods — and goods issued without a voucher."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    columns = [_("Families"), _("Persons"), _("Handouts")]
    base = _helped(period).subquery()
    total = (await _counts(session, base, None)).get(None, [0, 0, 0])

    programmes = {row[0]: row[1] for row in (await session.execute(select(Programme.id, Programme.name))).all()}
    by_programme = await _counts(session, base, "programme")
    programme_rows: list[list[Cell]] = sorted(
        ([programmes.get(key, "?"), *figures] for key, figures in by_programme.items()), key=lambda row: str(row[0])
    )
    points = {row[0]: row[1] for row in (await session.execute(select(Site.id, Site.name))).all()}
    by_point = await _counts(session, base, "point")
    point_rows: list[list[Cell]] = sorted(
        ([points.get(key, "?"), *figures] for key, figures in by_point.items()), key=lambda row: str(row[0])
    )

    # By kind of goods: the lines of the redemptions' stock movements (issue lines are negative), by item category.
    goods = (
        _helped(
            period,
            Item.category.label("category"),
            (-MovementLine.quantity * Item.net_weight_kg).label("kg"),
            case((Item.net_weight_kg.is_(None), 1), else_=0).label("unknown"),
        )
        .join(MovementLine, MovementLine.movement_id == Redemption.movement_id)
        .join(Item, Item.id == MovementLine.item_id)
        .subquery()
    )
    by_category = await _counts(session, goods, "category")
    order: list[str] = [str(category) for category in CATEGORIES]
    category_rows: list[list[Cell]] = []
    unknown = False
    kg_total = Decimal(0)
    for category, (families, persons, handouts, kg, unknown_lines) in sorted(
        by_category.items(), key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order)
    ):
        unknown = unknown or unknown_lines > 0
        kg_total += kg
        weighed = not unknown_lines or kg  # goods none of which has a weight show "—", not 0
        category_rows.append([_category(category), families, persons, handouts, kg if weighed else NO_WEIGHT])
    note = _("Kilograms count only the items whose net weight the catalogue knows.") if unknown else ""

    # Goods issued from stock without a voucher (to a household, a kitchen): the recipient is free text.
    reversal = aliased(Movement)
    not_on_voucher = (
        Movement.kind == MovementKind.ISSUE,
        Movement.source != "voucher",
        Movement.at >= day_start(period.first),
        Movement.at < day_start(period.after),
        ~exists().where(reversal.reverses_id == Movement.id),
    )
    issues = (
        select(
            Movement.id,
            Item.category,
            func.sum(-MovementLine.quantity * Item.net_weight_kg).label("kg"),
            func.sum(case((Item.net_weight_kg.is_(None), 1), else_=0)).label("unknown"),
        )
        .select_from(Movement)
        .join(MovementLine, MovementLine.movement_id == Movement.id)
        .join(Item, Item.id == MovementLine.item_id)
        .where(*not_on_voucher)
        .group_by(Movement.id, Item.category)
        .subquery()
    )
    other = select(issues.c.category, func.count(), func.sum(issues.c.kg), func.sum(issues.c.unknown)).group_by(
        issues.c.category
    )
    other_rows: list[list[Cell]] = []
    other_unknown = False
    other_kg = Decimal(0)
    other_found: list[tuple[Any, ...]] = [tuple(row) for row in (await session.execute(other)).all()]
    for category, count, kg, unknown_lines in sorted(
        other_found, key=lambda row: order.index(row[0]) if row[0] in order else len(order)
    ):
        other_unknown = other_unknown or bool(unknown_lines)
        other_kg += kilograms(kg)
        shown = kilograms(kg) if kg is not None else NO_WEIGHT
        other_rows.append([_category(category), int(count), shown])
    other_total = await session.scalar(select(func.count()).select_from(Movement).where(*not_on_voucher))

    label = _("Total")
    return [
        Table(
            _("By programme"),
            [_("Programme"), *columns],
            programme_rows,
            [label, *total],
            _("The total counts a family helped by several programmes once."),
        ),
        Table(
            _("By distribution point"),
            [_("Distribution point"), *columns],
            point_rows,
            [label, *total],
            _("The total counts a family helped at several points once."),
        ),
        Table(
            _("By kind of goods"),
            [_("Kind of goods"), *columns, _("Kilograms")],
            category_rows,
            [label, *total, kilograms(kg_total)],
            " ".join(
                filter(
                    None,
                    [_("A handout with goods of several kinds is counted in each of them; the total once."), note],
                )
            ),
        ),
        Table(
            _("Goods issued without a voucher"),
            [_("Kind of goods"), _("Issues"), _("Kilograms")],
            other_rows,
            [label, int(other_total or 0), kilograms(other_kg)],
            " ".join(
                filter(
                    None,
                    [
                        _(
                            "Issues from stock to a recipient named in words (a household, a kitchen): they are not "
                            "counted as persons or families. An issue that was reversed is not counted."
                        ),
                        _("Kilograms count only the items whose net weight the catalogue knows.")
                        if other_unknown
                        else "",
                    ],
                )
            ),
        ),
    ]
