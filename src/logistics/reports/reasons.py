"""Report `reasons`: persons and families helped in the period, by reason for assistance (art. 7 of the Social
Assistance Act) and by form of help — for the MRPiPS-03 section "Powody przyznania pomocy".

Who was helped, and how:
- shelter: a bed assignment holding at least one night of the period (`first_night`/`end_night`, the same nights
  as the `shelter` report's bed-nights);
- in kind: a voucher redemption in the period that has not been undone — every member of the voucher's household;
- activities: present (or late) at a session of an activity held in the period;
- grants: a grant for urgent needs (a value voucher) whose decision is dated in the period — every member of the
  grant's household (a revoked voucher with nothing spent on it does not count, as in the `grants` report).

A family is a household (people.models.Household); a person in no household is a family of one with no reason
recorded. A family counts under each of its reasons (as the form counts them), so the rows of the first table add
up to more than its totals row; a person helped in several forms counts once under "any form". Reasons and
household membership are those recorded now: the registry keeps no history of them (erasure keeps both).
The third table is the `grants` report's: the grants granted and spent in the period by legal basis and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import String, and_, case, distinct, func, literal_column, not_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.models import ActivitySession, Attendance, AttendanceStatus, SessionStatus
from logistics.core.i18n import _l, day_start
from logistics.core.i18n import gettext as _
from logistics.people.forms import REASON_LABELS
from logistics.people.models import HouseholdMember, HouseholdReason, Person, Reason
from logistics.reports.core import Cell, Period, Table, as_date, coalesce_date, report
from logistics.reports.grants import grants_table
from logistics.shelter.models import BedAssignment
from logistics.shelter.occupancy import tonight
from logistics.vouchers.models import GrantDecision, Redemption, Voucher, VoucherStatus

SHELTER, IN_KIND, ACTIVITIES, GRANTS = "shelter", "in_kind", "activities", "grants"
FORMS = (SHELTER, IN_KIND, ACTIVITIES, GRANTS)
NOT_RECORDED = ""  # the reason key of families with none recorded (and of people in no household)


def helped(period: Period) -> Any:
    """(person_id, family_id, form) of everyone helped in the period, each once per form; family_id is the
    household, or the person themself when in no household. Each branch picks the people first (a semi-join: a
    person with many assignments, redemptions or marks is joined to the registry once)."""
    start, stop = day_start(period.first), day_start(period.after)
    end = coalesce_date(BedAssignment.end_night, tonight() + timedelta(days=1))
    sheltered = select(BedAssignment.person_id).where(
        BedAssignment.first_night < as_date(period.after),
        end > as_date(period.first),
        end > BedAssignment.first_night,
    )
    served = select(Redemption.family_id).where(
        Redemption.at >= start, Redemption.at < stop, Redemption.undone_at.is_(None)
    )
    attended = (
        select(Attendance.person_id)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .where(
            Attendance.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
            ActivitySession.status == SessionStatus.SCHEDULED,
            ActivitySession.starts_at >= start,
            ActivitySession.starts_at < stop,
        )
    )

    granted = (
        select(GrantDecision.household_id)
        .join(Voucher, Voucher.id == GrantDecision.voucher_id)
        .where(
            GrantDecision.decided_on >= as_date(period.first),
            GrantDecision.decided_on <= as_date(period.last),
            not_(and_(Voucher.status == VoucherStatus.REVOKED, Voucher.spent == 0)),
        )
    )

    def people(form: str, chosen: Any) -> Any:
        return (
            select(
                Person.id.label("person_id"),
                func.coalesce(HouseholdMember.household_id, Person.id).label("family_id"),
                _form(form),
            )
            .outerjoin(HouseholdMember, HouseholdMember.person_id == Person.id)
            .where(Person.id.in_(chosen))
        )

    in_kind = select(HouseholdMember.person_id, HouseholdMember.household_id, _form(IN_KIND)).where(
        HouseholdMember.household_id.in_(served)
    )
    grants = select(HouseholdMember.person_id, HouseholdMember.household_id, _form(GRANTS)).where(
        HouseholdMember.household_id.in_(granted)
    )
    return union_all(people(SHELTER, sheltered), in_kind, people(ACTIVITIES, attended), grants).subquery("helped")


def _form(name: str) -> Any:
    return literal_column(f"'{name}'", String).label("form")


@dataclass
class Figures:
    """Families and persons helped: per form (shelter, in kind, activities, grants) and in any form."""

    families: dict[str, int] = field(default_factory=dict)  # form → families
    persons: dict[str, int] = field(default_factory=dict)  # form → persons helped
    members: dict[str, int] = field(default_factory=dict)  # form → persons in those families
    any_families: int = 0
    any_persons: int = 0
    any_members: int = 0


async def figures(session: AsyncSession, period: Period) -> tuple[dict[str, Figures], Figures]:
    """The figures by reason ("" for none recorded) and in all, in one statement: the people helped are grouped
    into families first (a person is in one family), then the families are counted by reason and in all."""
    rows = helped(period)
    families = (
        select(
            rows.c.family_id,
            *[func.sum(case((rows.c.form == form, 1), else_=0)).label(form) for form in FORMS],
            func.count(distinct(rows.c.person_id)).label("persons"),
        )
        .group_by(rows.c.family_id)
        .cte("families")
        .prefix_with("MATERIALIZED")
    )
    sizes = (
        select(HouseholdMember.household_id.label("family_id"), func.count().label("size"))
        .group_by(HouseholdMember.household_id)
        .subquery("sizes")
    )
    size = func.coalesce(sizes.c.size, 1)  # a person in no household is a family of one
    columns = [
        func.count(),
        func.sum(families.c.persons),
        func.sum(size),
    ]
    for form in FORMS:
        helped_in = families.c[form] > 0
        columns += [
            func.sum(case((helped_in, 1), else_=0)),
            func.sum(families.c[form]),
            func.sum(case((helped_in, size), else_=0)),
        ]
    base = families.outerjoin(sizes, sizes.c.family_id == families.c.family_id)
    by_reason = (
        select(HouseholdReason.reason, *columns)
        .select_from(base.outerjoin(HouseholdReason, HouseholdReason.household_id == families.c.family_id))
        .group_by(HouseholdReason.reason)
    )
    overall = select(literal_column("'*'", String), *columns).select_from(base)
    result: Any = await session.execute(union_all(overall, by_reason))
    found: dict[str, Figures] = {}
    for reason, *numbers in result.all():
        values = [int(number or 0) for number in numbers]
        figure = Figures(any_families=values[0], any_persons=values[1], any_members=values[2])
        for index, form in enumerate(FORMS):
            figure.families[form], figure.persons[form], figure.members[form] = values[3 + 3 * index : 6 + 3 * index]
        found["*" if reason == "*" else reason or NOT_RECORDED] = figure
    return found, found.pop("*", Figures())


def form_labels() -> dict[str, str]:
    return {
        SHELTER: _("Shelter given"),
        IN_KIND: _("In-kind aid"),
        ACTIVITIES: _("Activities"),
        GRANTS: _("Grants for urgent needs"),
    }


@report(
    "reasons",
    _l("Reasons for assistance"),
    _l(
        "Persons and families helped in the period by reason for assistance (art. 7 of the Social Assistance Act) "
        "and by form of help: shelter, in-kind aid, activities, grants for urgent needs; and the grants by legal "
        "basis and purpose."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    by_reason, overall = await figures(session, period)

    reasons = [str(reason) for reason in Reason]
    reasons += sorted(set(by_reason) - {*reasons, NOT_RECORDED})  # a code no longer offered, if any
    reasons.append(NOT_RECORDED)
    labels: dict[str, str] = {str(key): str(label) for key, label in REASON_LABELS.items()}
    labels[NOT_RECORDED] = _("Reason not recorded")

    def reason_row(label: str, figure: Figures) -> list[Cell]:
        cells: list[Cell] = [label]
        for form in FORMS:
            cells += [figure.families.get(form, 0), figure.persons.get(form, 0)]
        return [*cells, figure.any_families, figure.any_persons, figure.any_members]

    forms = form_labels()
    columns = [
        _("Reason for assistance"),
        _("Shelter: families"),
        _("Shelter: persons"),
        _("In-kind aid: families"),
        _("In-kind aid: persons"),
        _("Activities: families"),
        _("Activities: persons"),
        _("Grants: families"),
        _("Grants: persons"),
        _("Any form: families"),
        _("Any form: persons"),
        _("Any form: persons in these families"),
    ]
    by_reason_table = Table(
        _("Families and persons by reason for assistance"),
        columns,
        [reason_row(labels.get(reason, reason), by_reason.get(reason, Figures())) for reason in reasons],
        reason_row(_("All families helped (each once)"), overall),
        _(
            "A family with several reasons counts under each of them (as MRPiPS-03 counts the reasons for "
            "assistance), so the rows add up to more than the last row, where each family and person counts once. "
            "A person helped in several forms counts once under any form. A person in no household is a family of "
            "one with no reason recorded. Persons in these families: every member of the families helped."
        ),
    )

    def form_row(form: str) -> list[Cell]:
        return [forms[form], overall.families.get(form, 0), overall.persons.get(form, 0), overall.members.get(form, 0)]

    by_form_table = Table(
        _("Families and persons by form of help"),
        [_("Form of help"), _("Families"), _("Persons helped"), _("Persons in these families")],
        [form_row(form) for form in FORMS],
        [_("Any form (each once)"), overall.any_families, overall.any_persons, overall.any_members],
        _(
            "Shelter: at least one bed-night in the period. In-kind aid: a voucher redeemed in the period and not "
            "undone (every member of its household). Activities: present at a session held in the period. Grants "
            "for urgent needs: a grant whose decision is dated in the period (every member of its household)."
        ),
    )
    return [by_reason_table, by_form_table, await grants_table(session, period)]
