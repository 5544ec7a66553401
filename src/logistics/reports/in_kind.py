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

from sqlalchemy import case, distinct, exists, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from logistics.core.i18n import _l, day_start
from logistics.core.i18n import gettext as _
from logistics.inventory.models import Item, Movement, MovementKind, MovementLine
from logistics.inventory.stock import CATEGORIES
from logistics.reports.core import Cell, Period, Table, fetch_many, report
from logistics.sites.models import Site
from logistics.vouchers.models import Programme, Redemption

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


def per_family(groups: Any, key: str | None, table: str) -> Any:
    """table, key, families, persons, handouts over `groups` (rows of …, family, size, handouts): a family counts
    once per key (NULL: in all), with its largest household size; `table` names the rows of one UNION."""
    keys = [groups.c[key]] if key else []
    families = (
        select(*keys, func.max(groups.c.size).label("size"), func.sum(groups.c.handouts).label("handouts"))
        .group_by(*keys, groups.c.family)
        .subquery()
    )
    outer = [families.c[key]] if key else []
    return select(
        literal(table).label("table"),
        *(outer or [null().label("key")]),
        func.count(),
        func.sum(families.c.size),
        func.sum(families.c.handouts),
    ).group_by(*outer)


def _figures(row: Any, skip: int) -> list[int]:
    return [int(value or 0) for value in row[skip : skip + 3]]


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
    # The first two tables and the total: the period's redemptions per programme, point and family (read from a
    # covering index of redemptions alone), then counted per programme, per point and in all.
    groups = (
        select(
            Redemption.programme_id.label("programme"),
            Redemption.point_id.label("point"),
            Redemption.family_id.label("family"),
            func.max(Redemption.household_size).label("size"),
            func.count().label("handouts"),
        )
        .where(*redemptions(period))
        .group_by(Redemption.programme_id, Redemption.point_id, Redemption.family_id)
        .cte("groups")
        .prefix_with("MATERIALIZED")
    )
    # One statement, the groups computed once: per programme, per point, and in all (its key NULL).
    tables = union_all(
        per_family(groups, "programme", table="programme"),
        per_family(groups, "point", table="point"),
        per_family(groups, None, table="all"),
    )
    # By kind of goods: the lines of the redemptions' stock movements (issue lines are negative), by item category
    # and family (the lines from ix_movement_lines_movement).
    goods = (
        select(
            Item.category.label("category"),
            Redemption.family_id.label("family"),
            func.max(Redemption.household_size).label("size"),
            # a redemption with goods has a movement of its own (in the covering index, unlike the id)
            func.count(distinct(Redemption.movement_id)).label("handouts"),
            func.sum(-MovementLine.quantity * Item.net_weight_kg).label("kg"),
            func.sum(case((Item.net_weight_kg.is_(None), 1), else_=0)).label("unknown"),
        )
        .select_from(Redemption)
        .join(MovementLine, MovementLine.movement_id == Redemption.movement_id)
        .join(Item, Item.id == MovementLine.item_id)
        .where(*redemptions(period))
        .group_by(Item.category, Redemption.family_id)
        .subquery()
    )
    # Already one row per (kind of goods, family): families, persons and handouts are sums over it.
    by_category = select(
        goods.c.category,
        func.count(),
        func.sum(goods.c.size),
        func.sum(goods.c.handouts),
        func.sum(goods.c.kg),
        func.sum(goods.c.unknown),
    ).group_by(goods.c.category)
    # Goods issued from stock without a voucher (to a household, a kitchen): the recipient is free text.
    reversal = aliased(Movement)
    not_on_voucher = (
        Movement.kind == MovementKind.ISSUE,
        Movement.source != "voucher",
        Movement.at >= day_start(period.first),
        Movement.at < day_start(period.after),
        ~exists().where(reversal.reverses_id == Movement.id),
    )
    # Per kind of goods: the issues with goods of that kind (an issue of two kinds counts in each), their kilograms
    # and the lines of unknown weight; the issues in all are counted on their own (each once).
    other = (
        select(
            Item.category,
            func.count(distinct(MovementLine.movement_id)),
            func.sum(-MovementLine.quantity * Item.net_weight_kg),
            func.sum(case((Item.net_weight_kg.is_(None), 1), else_=0)),
        )
        .select_from(Movement)
        .join(MovementLine, MovementLine.movement_id == Movement.id)
        .join(Item, Item.id == MovementLine.item_id)
        .where(*not_on_voucher)
        .group_by(Item.category)
    )
    (
        table_rows,
        category_found,
        other_found,
        other_count,
        programme_names,
        point_names,
    ) = await fetch_many(
        session,
        tables,
        by_category,
        other,
        select(func.count()).select_from(Movement).where(*not_on_voucher),
        select(Programme.id, Programme.name),
        select(Site.id, Site.name),
    )

    programme_found = [row[1:] for row in table_rows if row[0] == "programme"]
    point_found = [row[1:] for row in table_rows if row[0] == "point"]
    total = next((_figures(row, 2) for row in table_rows if row[0] == "all"), [0, 0, 0])
    programmes = dict(programme_names)
    programme_rows: list[list[Cell]] = sorted(
        ([programmes.get(row[0], "?"), *_figures(row, 1)] for row in programme_found), key=lambda row: str(row[0])
    )
    points = dict(point_names)
    point_rows: list[list[Cell]] = sorted(
        ([points.get(row[0], "?"), *_figures(row, 1)] for row in point_found), key=lambda row: str(row[0])
    )

    order: list[str] = [str(category) for category in CATEGORIES]
    category_rows: list[list[Cell]] = []
    unknown = False
    kg_total = Decimal(0)
    for row in sorted(category_found, key=lambda row: order.index(row[0]) if row[0] in order else len(order)):
        kg, unknown_lines = kilograms(row[4]), int(row[5] or 0)
        unknown = unknown or unknown_lines > 0
        kg_total += kg
        weighed = not unknown_lines or kg  # goods none of which has a weight show "—", not 0
        category_rows.append([_category(row[0]), *_figures(row, 1), kg if weighed else NO_WEIGHT])
    note = _("Kilograms count only the items whose net weight the catalogue knows.") if unknown else ""

    other_total = other_count[0][0]
    other_rows: list[list[Cell]] = []
    other_unknown = False
    other_kg = Decimal(0)
    for category, count, kg, unknown_lines in sorted(
        other_found, key=lambda row: order.index(row[0]) if row[0] in order else len(order)
    ):
        other_unknown = other_unknown or bool(unknown_lines)
        other_kg += kilograms(kg)
        shown = kilograms(kg) if kg is not None else NO_WEIGHT
        other_rows.append([_category(category), int(count), shown])

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
