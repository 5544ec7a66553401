"""Report "fepz": the EU food-aid programme (FEPŻ) — per distribution point and in total, the people who received
food, by the categories partner organisations report, the packages handed out and the kilograms distributed.

The programme is the one whose code is `LOGISTICS_FEPZ_PROGRAMME` (default "FEPZ"). People: the current members
of the households whose FEPŻ vouchers were redeemed (not undone) in the period — once per point however many
packages, and once in the total. Age is counted by year of birth: period.last.year − birth year (so erasing a
person changes nothing); the children's bands are `LOGISTICS_FEPZ_CHILD_BANDS` (default 0-15,16-17). Homeless:
the household's reason "homelessness" or a shelter stay overlapping the period. Foreign origin: a citizenship
category other than PL (and known). Kilograms: quantity issued × the item's net weight.

Referrals: the food-aid referrals (kind food_aid) issued in the period, per partner organisation (the directory's
service referred to): how many, the people they refer (the household sizes copied at issue; cancelled referrals
aside), how many the partner confirmed and how many are still open (open or overdue) or were cancelled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import _l, day_start, localized
from logistics.core.i18n import gettext as _
from logistics.directory.models import Service
from logistics.inventory.models import Item, MovementLine
from logistics.inventory.names import item_name, unit_name
from logistics.people.models import Household, HouseholdMember, HouseholdReason, Person, Reason, Sex
from logistics.referrals.models import Referral, ReferralKind, ReferralStatus
from logistics.reports.core import Cell, Period, Table, fetch_many, report
from logistics.reports.in_kind import NO_WEIGHT, kilograms, redemptions
from logistics.settings import get_settings, parse_age_bands
from logistics.shelter.models import Stay
from logistics.sites.models import Site
from logistics.vouchers.models import Programme, Redemption


def _flags(period: Period, bands: tuple[tuple[int, int], ...]) -> list[Any]:
    """The categories a person is counted in, each as 1/0 (children's bands, 65+, age unknown, women, disability,
    homeless, foreign origin)."""
    year = period.last.year
    born = Person.birth_year
    homeless = or_(
        exists().where(
            HouseholdReason.household_id == HouseholdMember.household_id,
            HouseholdReason.reason == Reason.HOMELESSNESS,
        ),
        exists().where(
            Stay.person_id == Person.id,
            Stay.started_at < day_start(period.after),
            or_(Stay.ended_at.is_(None), Stay.ended_at >= day_start(period.first)),
        ),
    )
    conditions = [and_(born >= year - high, born <= year - low) for low, high in bands]
    conditions += [
        born <= year - 65,
        born.is_(None),
        Person.sex == Sex.FEMALE,
        Person.has_disability.is_(True),
        homeless,
        and_(Person.citizenship != "PL", Person.citizenship != ""),
    ]
    return [func.sum(case((condition, 1), else_=0)) for condition in conditions]


def _people(households: Any, flags: list[Any], by_point: bool) -> Any:
    """[point,] people, *categories over the distinct (point,) household rows given (grouped by point or not)."""
    group = [households.c.point] if by_point else []
    return (
        select(*group, func.count(), *flags)
        .select_from(households)
        .join(HouseholdMember, HouseholdMember.household_id == households.c.household)
        .join(Person, Person.id == HouseholdMember.person_id)
        .group_by(*group)
    )


def _figures(rows: list[Any], by_point: bool) -> dict[Any, list[int]]:
    """point (None for the total) → [people, *categories]."""
    skip = 1 if by_point else 0
    return {(row[0] if by_point else None): [int(value or 0) for value in row[skip:]] for row in rows}


def _referrals(period: Period) -> Any:
    """Per partner (the service referred to): institution, name (pl, en, uk), referrals, people, confirmed, still
    open, cancelled — the food-aid referrals issued in the period (an index on kind and issue day)."""

    def count(*statuses: ReferralStatus) -> Any:
        return func.sum(case((Referral.status.in_([status.value for status in statuses]), 1), else_=0))

    cancelled = Referral.status == ReferralStatus.CANCELLED.value
    return (
        select(
            Service.institution,
            Service.name,
            Service.name_en,
            Service.name_uk,
            func.count(),
            func.sum(case((cancelled, 0), else_=Referral.household_size)),
            count(ReferralStatus.CONFIRMED),
            count(ReferralStatus.OPEN, ReferralStatus.OVERDUE),
            count(ReferralStatus.CANCELLED),
        )
        .join(Service, Service.id == Referral.service_id)
        .where(
            Referral.kind == ReferralKind.FOOD_AID.value,
            Referral.issued_on >= period.first,
            Referral.issued_on <= period.last,
        )
        .group_by(Service.id, Service.institution, Service.name, Service.name_en, Service.name_uk)
    )


def _referral_table(rows: list[Any]) -> Table:
    partners: list[list[Cell]] = sorted(
        ([f"{row[0]} — {localized(row, 'name')}", *(int(value or 0) for value in row[4:])] for row in rows),
        key=lambda partner: str(partner[0]).lower(),
    )
    total: list[Cell] = [_("Total"), *(sum(int(partner[n] or 0) for partner in partners) for n in range(1, 6))]
    return Table(
        _("FEPŻ referrals, by partner organisation"),
        [_("Partner organisation"), _("Referrals"), _("People"), _("Confirmed"), _("Still open"), _("Cancelled")],
        partners,
        total,
        _(
            "Food-aid referrals issued in the period, by the partner organisation's service referred to. People: "
            "the household sizes of the referrals, cancelled ones aside. Confirmed: the partner confirmed the "
            "person came. Still open: not confirmed yet (overdue ones too)."
        ),
    )


@report(
    "fepz",
    _l("FEPŻ food aid"),
    _l(
        "The EU food-aid programme: people who received food by the categories partners report (children, 65+, "
        "women, people with disabilities, homeless people, people of foreign origin), packages and kilograms, "
        "per distribution point and in total."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    settings = get_settings()
    bands = parse_age_bands(settings.fepz_child_bands)
    code = settings.fepz_programme
    programme = await session.scalar(select(Programme.id).where(Programme.code == code))
    in_programme = (Redemption.programme_id == programme, *redemptions(period))

    columns = [
        _("Distribution point"),
        _("People"),
        *[_("Children %(low)s–%(high)s", low=low, high=high) for low, high in bands],
        _("Aged 65 and over"),
        _("Age unknown"),
        _("Females"),
        _("People with disabilities"),
        _("Homeless people"),
        _("People of foreign origin"),
        _("Families"),
        _("Packages"),
        _("Kilograms"),
    ]
    flags = _flags(period, bands)
    # The period's FEPŻ redemptions per point and family (from a covering index of redemptions alone): packages and
    # families; the people of those households, per point and (once) in all; the goods the redemptions' stock
    # movements took out, per point and item — at once.
    helped = (
        select(Redemption.point_id.label("point"), Redemption.family_id.label("household"))
        .where(*in_programme)
        .distinct()
        .subquery()
    )
    all_households = select(helped.c.household).distinct().subquery()
    # Goods: what the FEPŻ redemptions' stock movements took out, per point and item — summed per item (the
    # products table) and, in kilograms, per point, in one statement.
    goods = (
        select(
            Redemption.point_id.label("point"),
            MovementLine.item_id.label("item"),
            func.sum(-MovementLine.quantity).label("quantity"),
        )
        .select_from(Redemption)
        .join(MovementLine, MovementLine.movement_id == Redemption.movement_id)
        .where(*in_programme)
        .group_by(Redemption.point_id, MovementLine.item_id)
        .cte("goods")
        .prefix_with("MATERIALIZED")
    )
    issued = union_all(
        select(literal("item"), goods.c.item, func.sum(goods.c.quantity)).group_by(goods.c.item),
        select(literal("point"), goods.c.point, func.sum(goods.c.quantity * Item.net_weight_kg))
        .join(Item, Item.id == goods.c.item)
        .group_by(goods.c.point),
    )
    per_family = (
        select(Redemption.point_id.label("point"), Redemption.family_id.label("family"), func.count().label("count"))
        .where(*in_programme)
        .group_by(Redemption.point_id, Redemption.family_id)
        .subquery()
    )
    is_household = exists().where(Household.id == per_family.c.family)  # not a voucher issued to no household
    per_point_counts = select(
        per_family.c.point, func.sum(per_family.c.count), func.sum(case((is_household, 1), else_=0))
    ).group_by(per_family.c.point)
    (
        point_counts,
        household_count,
        point_people,
        all_people,
        issued_rows,
        item_rows,
        site_names,
        referral_rows,
    ) = await fetch_many(
        session,
        per_point_counts,
        select(func.count())
        .select_from(Household)
        .where(Household.id.in_(select(Redemption.family_id).where(*in_programme))),
        _people(helped, flags, by_point=True),
        _people(all_households, flags, by_point=False),
        issued,
        select(Item.id, Item.name, Item.name_en, Item.name_uk, Item.unit, Item.net_weight_kg),
        select(Site.id, Site.name),
        _referrals(period),
    )
    packages = {row[0]: int(row[1]) for row in point_counts}
    families = {row[0]: int(row[2]) for row in point_counts}
    total_families = int(household_count[0][0])
    per_point = _figures(point_people, by_point=True)
    overall = _figures(all_people, by_point=False).get(None)

    items = {row.id: row for row in item_rows}
    quantities: dict[UUID, Decimal] = {}
    point_kg: dict[UUID, Decimal] = {}
    for sum_of, key, amount in issued_rows:
        if sum_of == "item":
            quantities[key] = Decimal(str(amount))
        elif amount is not None:
            point_kg[key] = Decimal(str(amount))

    names = dict(site_names)
    points = set(per_point) | set(packages)
    width = 1 + len(bands) + 7
    rows: list[list[Cell]] = sorted(
        (
            [
                names.get(point_id, "?"),
                *per_point.get(point_id, [0] * width),
                families.get(point_id, 0),
                packages.get(point_id, 0),
                kilograms(point_kg.get(point_id)),
            ]
            for point_id in points
        ),
        key=lambda row: str(row[0]),
    )
    total_kg = kilograms(sum(point_kg.values(), Decimal(0)))
    total: list[Cell] = [
        _("Total"),
        *(overall or [0] * width),
        total_families,
        sum(packages.values()),
        total_kg,
    ]

    product_rows: list[list[Cell]] = []
    unknown = False
    for item_id, quantity in quantities.items():
        item = items[item_id]
        weight = item.net_weight_kg
        unknown = unknown or weight is None
        product_rows.append(
            [
                item_name(item.name, item.name_en, item.name_uk),
                unit_name(item.unit),
                int(quantity) if quantity == quantity.to_integral_value() else quantity.normalize(),
                NO_WEIGHT if weight is None else weight,
                NO_WEIGHT if weight is None else kilograms(quantity * weight),
            ]
        )
    product_rows.sort(key=lambda row: str(row[0]))

    if programme is None:
        note = _("There is no programme with the code %(code)s (LOGISTICS_FEPZ_PROGRAMME).", code=code)
    else:
        note = _(
            "People: the current members of the households whose FEPŻ vouchers were redeemed, once per point and "
            "once in the total. Age by year of birth in the period's last year. Homeless: the household's reason "
            "is homelessness or the person stayed in a shelter in the period."
        )
    product_note = (
        _("Items marked — have no net weight in the catalogue: their kilograms are not in the total.")
        if unknown
        else ""
    )
    return [
        Table(_("People who received food, by distribution point"), columns, rows, total, note),
        Table(
            _("Food distributed, by product"),
            [_("Product"), _("Unit"), _("Quantity"), _("Net weight of a unit (kg)"), _("Kilograms")],
            product_rows,
            [_("Total"), None, None, None, total_kg],
            product_note,
        ),
        _referral_table(referral_rows),
    ]
