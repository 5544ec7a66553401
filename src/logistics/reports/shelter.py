"""Shelter given in a period (schronienie, MRPiPS-03): persons, families, bed-nights, admissions and exits by kind
of facility; persons by sex and age; exits by reason.

Three statements, whatever the number of stays: one GROUP BY over the bed assignments of the period (with their
stays and beds) gives every figure per kind of facility, one counts the families in all, one the people by sex and
age — never a loop over stays in Python.

- A bed-night is a night a stay held a bed (`shelter.occupancy`): the nights of an assignment run from its
  `first_night` up to, not including, its `end_night` (an open one: up to tonight). Only the nights inside the
  period count — a stay across the period's edges gives only its nights in the period. The sum equals
  `shelter.occupancy.bed_nights()` for the same nights.
- A night counts under the kind of facility of the bed's site; a site of several shelter kinds counts under the
  first of them in `sites.labels.SHELTER_ORDER`; a site that no longer has a shelter kind under "Other sites".
- A person is counted under a kind when they held a bed there on a night of the period, or checked in there on a
  night of the period (someone who came at 20:00 and left before 06:00 holds no bed-night but was given shelter);
  once in the totals, however many kinds and stays.
- A family: the people checked in together (one `Stay.group_id`); a person checked in alone is a one-person family.
- An admission: a stay begun in the period (its first assignment, begun with it, has its first night in the
  period), under the kind of its first bed's site. An exit: a stay ended in the period (check-out from 06:00 on the
  first day to 06:00 after the last: its last assignment, ended with it, has its end night in the period), under
  the kind of its last bed's site.
- Age is counted by year of birth (the period's last year minus the year of birth), so the figures of a past
  period do not change when a person is erased.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

from logistics.core.i18n import _l
from logistics.core.i18n import gettext as _
from logistics.people.models import Person, Sex
from logistics.reports.core import Cell, Period, Table, as_date, days_between, earlier_of, later_of, report, totals
from logistics.shelter.labels import CHECKOUT_REASON
from logistics.shelter.models import Bed, BedAssignment, CheckoutReason, Stay
from logistics.shelter.occupancy import tonight
from logistics.sites.labels import KIND_LABELS, SHELTER_ORDER
from logistics.sites.models import SiteKindRow

#: Age bands (first and last age, None: no upper limit): children; young adults (18–24, e.g. leaving foster care,
#: with programmes of their own); working age; 60–64 (women past the retirement age); 65 and over (seniors, the
#: people of the shelters with care services).
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 17), (18, 24), (25, 59), (60, 64), (65, None))

OTHER = len(SHELTER_ORDER)  # the rank of a site without a shelter kind


def site_rank() -> Any:
    """Per site: the position in SHELTER_ORDER of its first shelter kind (a subquery: site_id, rank)."""
    rank = case(*((SiteKindRow.kind == kind.value, index) for index, kind in enumerate(SHELTER_ORDER)))
    return (
        select(SiteKindRow.site_id.label("site_id"), func.min(rank).label("rank"))
        .where(SiteKindRow.kind.in_([kind.value for kind in SHELTER_ORDER]))
        .group_by(SiteKindRow.site_id)
        .subquery("site_rank")
    )


def nights_in(period: Period) -> tuple[ColumnElement[int], ColumnElement[bool]]:
    """The bed-nights of an assignment inside the period, and the condition for an assignment that gave shelter in
    it (held a night in it, or began on a night of it)."""
    end = func.coalesce(BedAssignment.end_night, as_date(tonight() + timedelta(days=1)))
    nights = days_between(
        earlier_of(end, as_date(period.after)), later_of(BedAssignment.first_night, as_date(period.first))
    )
    gave_shelter = and_(
        BedAssignment.first_night <= as_date(period.last),
        or_(end > as_date(period.first), BedAssignment.first_night >= as_date(period.first)),
    )
    return nights, gave_shelter


def _rank_of(rank: Any) -> ColumnElement[int]:
    return func.coalesce(rank, literal(OTHER))


async def _by_kind(session: AsyncSession, period: Period) -> tuple[list[list[Cell]], int, list[list[Cell]]]:
    """Per kind of facility: people, families, bed-nights, admissions, exits (and exits by reason) — one pass over
    the assignments of the period; then the families in all (a family of two kinds is one family)."""
    nights, gave_shelter = nights_in(period)
    ranks = site_rank()
    family = func.coalesce(Stay.group_id, Stay.person_id)
    first, last = as_date(period.first), as_date(period.last)
    end = func.coalesce(BedAssignment.end_night, as_date(tonight() + timedelta(days=1)))
    # A stay begun in the period: its first assignment (begun with it) has its first night in the period.
    starts_stay = and_(BedAssignment.started_at == Stay.started_at, BedAssignment.first_night >= first)
    # A stay ended in the period (check-out from 06:00 on the first day to 06:00 after the last): its last
    # assignment (ended with it) has its end night in the period.
    ends_stay = and_(
        BedAssignment.ended_at == Stay.ended_at, BedAssignment.end_night >= first, BedAssignment.end_night <= last
    )
    scope = and_(BedAssignment.first_night <= last, or_(end >= first, BedAssignment.first_night >= first))

    def when(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rank = _rank_of(ranks.c.rank)
    reasons = [reason.value for reason in CheckoutReason]
    query = (
        select(
            rank,
            func.count(distinct(case((gave_shelter, BedAssignment.person_id)))),
            func.count(distinct(case((gave_shelter, family)))),
            func.coalesce(func.sum(case((and_(gave_shelter, nights > 0), nights), else_=0)), 0),
            when(starts_stay),
            when(ends_stay),
            *(when(and_(ends_stay, Stay.checkout_reason == reason)) for reason in reasons),
        )
        .select_from(BedAssignment)
        .join(Stay, Stay.id == BedAssignment.stay_id)
        .join(Bed, Bed.id == BedAssignment.bed_id)
        .outerjoin(ranks, ranks.c.site_id == Bed.site_id)
        .where(scope)
        .group_by(rank)
    )
    per_kind = {int(row[0]): [int(cell) for cell in row[1:]] for row in await session.execute(query)}
    families_of_period = (
        select(family.label("family"))
        .select_from(BedAssignment)
        .join(Stay, Stay.id == BedAssignment.stay_id)
        .where(gave_shelter)
        .group_by(family)
        .subquery()
    )
    families = await session.scalar(select(func.count()).select_from(families_of_period))
    rows: list[list[Cell]] = []
    by_reason = [0] * len(reasons)
    for index, kind in enumerate((*SHELTER_ORDER, None)):
        figures = per_kind.get(index, [0] * (5 + len(reasons)))
        row: list[Cell] = [str(KIND_LABELS[kind]) if kind else _("Other sites (no shelter kind now)"), *figures[:5]]
        if kind is not None or any(figures):
            rows.append(row)
        by_reason = [a + b for a, b in zip(by_reason, figures[5:], strict=True)]
    exits = sum(figures[4] for figures in per_kind.values())
    reason_rows: list[list[Cell]] = [
        [str(CHECKOUT_REASON[CheckoutReason(reason)]), count] for reason, count in zip(reasons, by_reason, strict=True)
    ]
    if exits > sum(by_reason):
        reason_rows.append([_("Not recorded"), exits - sum(by_reason)])
    return rows, int(families or 0), reason_rows


def _band_label(low: int, high: int | None) -> str:
    return _("%(low)s and over", low=low) if high is None else f"{low}–{high}"


async def _by_sex_and_age(session: AsyncSession, period: Period) -> list[list[Cell]]:
    _nights, gave_shelter = nights_in(period)
    age = period.last.year - Person.birth_year
    band = case(
        (Person.birth_year.is_(None), len(AGE_BANDS)),
        *((age <= high if high is not None else age >= low, index) for index, (low, high) in enumerate(AGE_BANDS)),
        else_=len(AGE_BANDS),
    )
    people = select(BedAssignment.person_id.label("person_id")).where(gave_shelter).distinct().subquery()
    counts: dict[tuple[int, str], int] = {}
    rows_by_band = await session.execute(
        select(band, Person.sex, func.count())
        .select_from(people)
        .join(Person, Person.id == people.c.person_id)
        .group_by(band, Person.sex)
    )
    for index, sex, count in rows_by_band.all():
        key = (int(cast(int, index)), str(sex))
        counts[key] = counts.get(key, 0) + int(cast(int, count))
    rows: list[list[Cell]] = []
    labels = [_band_label(low, high) for low, high in AGE_BANDS] + [_("Year of birth not recorded")]
    for index, label in enumerate(labels):
        women = counts.get((index, Sex.FEMALE.value), 0)
        men = counts.get((index, Sex.MALE.value), 0)
        everyone = sum(count for (band_index, _sex), count in counts.items() if band_index == index)
        rows.append([label, women, men, everyone])
    return rows


@report(
    "shelter",
    _l("Shelter given (MRPiPS-03)"),
    _l(
        "People given shelter in the period, families, bed-nights, admissions and exits by kind of facility; "
        "people by sex and age; exits by reason."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    kinds, families, reasons = await _by_kind(session, period)
    ages = await _by_sex_and_age(session, period)
    ages_total = totals(ages, _("Total"))
    kinds_total = totals(kinds, _("Total"))
    # A person (a family) staying at facilities of two kinds is one person (family) in all.
    kinds_total[1], kinds_total[2] = ages_total[-1], families
    return [
        Table(
            _("Shelter by kind of facility"),
            [_("Kind of facility"), _("People"), _("Families"), _("Bed-nights"), _("Admissions"), _("Exits")],
            kinds,
            kinds_total,
            _(
                "Only the nights inside the period count. A person staying at facilities of two kinds is counted "
                "under each, and once in the total; a person checked in alone is a one-person family."
            ),
        ),
        Table(
            _("People given shelter by sex and age"),
            [_("Age (by year of birth)"), _("Women and girls"), _("Men and boys"), _("All people")],
            ages,
            ages_total,
            _("Age is the last year of the period minus the year of birth."),
        ),
        Table(
            _("Exits by reason"),
            [_("Reason for leaving"), _("Exits")],
            reasons,
            totals(reasons, _("Total")),
        ),
    ]
