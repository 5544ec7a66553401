"""Shelter given in a period (schronienie, MRPiPS-03): persons, families, bed-nights, admissions and exits by kind
of facility; persons by sex and age; exits by reason.

Four statements, whatever the number of stays (never a loop over stays in Python):
- the people: per person the kinds of facility they stayed at (a bit mask), counted by sex, year of birth and
  kinds — the people of each kind and in all, and the ages, from one GROUP BY;
- the families: the same per family;
- the bed-nights and admissions per site;
- the exits per site and reason, from the stays;
run at once, each on a connection of its own (`reports.core.fetch_many`).
The assignments carry their bed's site, their stay's family and whether they opened it (`BedAssignment.begin`),
so a year of a region is read from one index (`ix_bed_assignments_nights`) without joining stays or beds.

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

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

from logistics.core.i18n import _l
from logistics.core.i18n import gettext as _
from logistics.people.models import Person, Sex
from logistics.reports.core import (
    Cell,
    Period,
    Table,
    as_date,
    days_between,
    earlier_of,
    fetch_many,
    later_of,
    report,
    totals,
)
from logistics.shelter.labels import CHECKOUT_REASON
from logistics.shelter.models import BedAssignment, CheckoutReason, Stay, night_start
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


def _kinds_mask(ranks: Any) -> ColumnElement[int]:
    """Per person (or family) grouped: the kinds of facility of their assignments as a bit mask (bit `rank`), so
    one GROUP BY gives the distinct people of every kind and of all kinds at once."""
    return func.sum(distinct(literal(1).op("<<")(func.coalesce(ranks.c.rank, literal(OTHER)))))


def _per_kind(masks: dict[int, int]) -> dict[int, int]:
    """kind rank → the people (families) whose mask has its bit, from mask → count."""
    found: dict[int, int] = {}
    for mask, count in masks.items():
        for rank in range(OTHER + 1):
            if mask & (1 << rank):
                found[rank] = found.get(rank, 0) + count
    return found


@dataclass
class Sheltered:
    """What the report counts, per kind of facility (its rank in SHELTER_ORDER; OTHER: no shelter kind)."""

    people: dict[int, int]
    families: dict[int, int]
    nights: dict[int, int]
    admissions: dict[int, int]
    exits: dict[int, int]
    all_families: int
    by_reason: dict[str, int]
    by_band_and_sex: dict[tuple[int, str], int]


async def _count(session: AsyncSession, period: Period) -> Sheltered:
    """Four statements over the period's bed assignments and stays (see the module's docstring), run at once."""
    nights, gave_shelter = nights_in(period)
    ranks = site_rank()
    first = as_date(period.first)

    # People: per person the kinds of their assignments, then counted by year of birth, sex and kinds.
    age = period.last.year - Person.birth_year
    band = case(
        (Person.birth_year.is_(None), len(AGE_BANDS)),
        *((age <= high if high is not None else age >= low, index) for index, (low, high) in enumerate(AGE_BANDS)),
        else_=len(AGE_BANDS),
    )

    def kinds_of(who: Any) -> Any:
        """Per person (or family): the kinds of facility of their assignments in the period, as a mask."""
        return (
            select(who.label("who"), _kinds_mask(ranks).label("mask"))
            .select_from(BedAssignment)
            .outerjoin(ranks, ranks.c.site_id == BedAssignment.site_id)
            .where(gave_shelter)
            .group_by(who)
            .subquery()
        )

    per_person = kinds_of(BedAssignment.person_id)
    people = (
        select(band, Person.sex, per_person.c.mask, func.count())
        .select_from(per_person)
        .join(Person, Person.id == per_person.c.who)
        .group_by(band, Person.sex, per_person.c.mask)
    )
    # Families: the same per family.
    per_family = kinds_of(BedAssignment.family_id)
    families = select(per_family.c.mask, func.count()).group_by(per_family.c.mask)
    # Bed-nights (never negative for an assignment that gave shelter in the period) and admissions (a stay begun
    # in the period: the assignment it began with has its first night in it) per site.
    opened = and_(BedAssignment.opens_stay.is_(True), BedAssignment.first_night >= first)
    per_site = (
        select(
            BedAssignment.site_id,
            func.coalesce(func.sum(nights), 0),
            func.coalesce(func.sum(case((opened, 1), else_=0)), 0),
        )
        .where(gave_shelter)
        .group_by(BedAssignment.site_id)
    )
    # Exits: stays checked out from 06:00 on the period's first day to 06:00 after its last (the end night in the
    # period), under the kind of the site of the last bed (the stay's site).
    exited = (
        select(Stay.site_id, Stay.checkout_reason, func.count())
        .where(Stay.ended_at >= night_start(period.first), Stay.ended_at < night_start(period.after))
        .group_by(Stay.site_id, Stay.checkout_reason)
    )
    site_ranks, people_rows, family_rows, site_rows, exit_rows = await fetch_many(
        session, select(ranks.c.site_id, ranks.c.rank), people, families, per_site, exited
    )

    rank_of = {site_id: int(rank) for site_id, rank in site_ranks}
    people_masks: dict[int, int] = {}
    by_band_and_sex: dict[tuple[int, str], int] = {}
    for index, sex, mask, count in people_rows:
        key = (int(index), str(sex))
        by_band_and_sex[key] = by_band_and_sex.get(key, 0) + int(count)
        people_masks[int(mask)] = people_masks.get(int(mask), 0) + int(count)
    family_masks = {int(mask): int(count) for mask, count in family_rows}
    night_sum: dict[int, int] = {}
    admissions: dict[int, int] = {}
    for site_id, site_nights, began in site_rows:
        rank = rank_of.get(site_id, OTHER)
        night_sum[rank] = night_sum.get(rank, 0) + int(site_nights)
        admissions[rank] = admissions.get(rank, 0) + int(began)
    exits: dict[int, int] = {}
    by_reason: dict[str, int] = {}
    for site_id, reason, count in exit_rows:
        rank = rank_of.get(site_id, OTHER)
        exits[rank] = exits.get(rank, 0) + int(count)
        by_reason[reason] = by_reason.get(reason, 0) + int(count)

    return Sheltered(
        people=_per_kind(people_masks),
        families=_per_kind(family_masks),
        nights=night_sum,
        admissions=admissions,
        exits=exits,
        all_families=sum(family_masks.values()),
        by_reason=by_reason,
        by_band_and_sex=by_band_and_sex,
    )


def _kind_rows(counted: Sheltered) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for index, kind in enumerate((*SHELTER_ORDER, None)):
        figures = [
            counted.people.get(index, 0),
            counted.families.get(index, 0),
            counted.nights.get(index, 0),
            counted.admissions.get(index, 0),
            counted.exits.get(index, 0),
        ]
        row: list[Cell] = [str(KIND_LABELS[kind]) if kind else _("Other sites (no shelter kind now)"), *figures]
        if kind is not None or any(figures):
            rows.append(row)
    return rows


def _reason_rows(counted: Sheltered) -> list[list[Cell]]:
    reasons = [reason.value for reason in CheckoutReason]
    rows: list[list[Cell]] = [
        [str(CHECKOUT_REASON[CheckoutReason(reason)]), counted.by_reason.get(reason, 0)] for reason in reasons
    ]
    unrecorded = sum(counted.exits.values()) - sum(counted.by_reason.get(reason, 0) for reason in reasons)
    if unrecorded:
        rows.append([_("Not recorded"), unrecorded])
    return rows


def _band_label(low: int, high: int | None) -> str:
    return _("%(low)s and over", low=low) if high is None else f"{low}–{high}"


def _age_rows(counted: Sheltered) -> list[list[Cell]]:
    counts = counted.by_band_and_sex
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
    counted = await _count(session, period)
    kinds, reasons, ages = _kind_rows(counted), _reason_rows(counted), _age_rows(counted)
    ages_total = totals(ages, _("Total"))
    kinds_total = totals(kinds, _("Total"))
    # A person (a family) staying at facilities of two kinds is one person (family) in all.
    kinds_total[1], kinds_total[2] = ages_total[-1], counted.all_families
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
