"""Report `activities`: per activity and per category — sessions held, participants, places, attendance rate and
completions in the period.

- Sessions held: not cancelled, starting on a day of the period and not later than now.
- Participants: distinct people who had a confirmed place at a session held in the period (a course sign-up, or
  a sign-up for that session) or were marked present (or late) at one — walk-ins included. "Attended": those
  present (or late) at least once. A person in two activities of a category counts once in that category's row.
- Places taken / places: a course's places, or the sum over its sessions held in the period (sign-up by session),
  as they stand now (places are not kept as history).
- Attendance rate: present and late marks over all marks (present, late, no-show) at the sessions held; a session
  not closed yet has no no-show marks.
- Completions: participants present (or late) at no fewer than the activity's required share of its sessions held
  in the period (`Activity.required_share`, the certificate's threshold). Summed over activities for a category.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, String, case, cast, distinct, func, literal_column, null, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.forms import CATEGORIES
from logistics.activities.models import (
    COURSE,
    Activity,
    ActivitySession,
    Attendance,
    AttendanceStatus,
    Category,
    Places,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from logistics.core.i18n import _l, day_start, localized
from logistics.core.i18n import gettext as _
from logistics.reports.core import Cell, Period, Table, report
from logistics.sites.models import Site

ATTENDED = [AttendanceStatus.PRESENT, AttendanceStatus.LATE]


@dataclass
class Figures:
    sessions: int = 0
    participants: int = 0
    attended: int = 0
    taken: int = 0
    places: int = 0
    present_marks: int = 0
    absent_marks: int = 0
    completions: int = 0
    activities: set[Any] = field(default_factory=set)

    @property
    def rate(self) -> Decimal | None:
        marks = self.present_marks + self.absent_marks
        if not marks:
            return None
        return (Decimal(100 * self.present_marks) / marks).quantize(Decimal("0.1"))

    def with_activities(self) -> list[Cell]:
        return [len(self.activities), *self.cells()]

    def cells(self) -> list[Cell]:
        return [
            self.sessions,
            self.participants,
            self.attended,
            self.taken,
            self.places,
            self.present_marks,
            self.absent_marks,
            self.rate,
            self.completions,
        ]


def held_sessions(period: Period) -> Any:
    """(session_id, activity_id, category) of the sessions held in the period."""
    stop = min(day_start(period.after), datetime.now(UTC))
    return (
        select(
            ActivitySession.id.label("session_id"),
            ActivitySession.activity_id.label("activity_id"),
            Activity.category.label("category"),
        )
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(
            ActivitySession.status == SessionStatus.SCHEDULED,
            ActivitySession.starts_at >= day_start(period.first),
            ActivitySession.starts_at < stop,
        )
        .cte("held")
        .prefix_with("MATERIALIZED")
    )


def _marks(held: Any) -> Any:
    """(activity_id, category, person_id, present: 1 present or late, 0 a no-show) of the sessions held."""
    return (
        select(
            held.c.activity_id,
            held.c.category,
            Attendance.person_id,
            case((Attendance.status.in_(ATTENDED), 1), else_=0).label("present"),
        )
        .join(held, held.c.session_id == Attendance.session_id)
        .cte("marks")
        .prefix_with("MATERIALIZED")
    )


def _participants(held: Any, marks: Any, period: Period) -> Any:
    """(person_id, activity_id, category) of everyone with a confirmed place at a session held, or present at one."""
    return union(
        select(SignUp.person_id, SignUp.activity_id, Activity.category)
        .join(Activity, Activity.id == SignUp.activity_id)
        .where(
            SignUp.status == SignUpStatus.CONFIRMED,
            SignUp.scope == COURSE,
            SignUp.activity_id.in_(select(held.c.activity_id)),
            SignUp.created_at < day_start(period.after),
        ),
        select(SignUp.person_id, held.c.activity_id, held.c.category)
        .join(held, held.c.session_id == SignUp.session_id)
        .where(SignUp.status == SignUpStatus.CONFIRMED),
        select(marks.c.person_id, marks.c.activity_id, marks.c.category).where(marks.c.present == 1),
    ).subquery("with_place")


#: The levels the figures are grouped at: per activity (with its category), per category, in all.
ACTIVITY, CATEGORY, ALL = 0, 1, 2
SESSIONS, MARKS, PARTICIPANTS, ATTENDED_PEOPLE, COMPLETIONS = range(5)


async def _figures(session: AsyncSession, period: Period, held: Any) -> dict[tuple[int, Any], Figures]:
    """Every figure but places, keyed by (level, activity id or category or None) — in one statement, so the
    period's attendance is read once."""
    marks = _marks(held)
    people = _participants(held, marks, period)
    parts = []

    def grouped(level: int, metric: int, source: Any, first: Any, second: Any, where: Any = None) -> Any:
        activity = source.c.activity_id if level == ACTIVITY else cast(null(), Activity.id.type)
        category = source.c.category if level in (ACTIVITY, CATEGORY) else cast(null(), String)
        statement = select(
            literal_column(str(10 * level + metric), Integer), activity, category, first, second
        ).select_from(source)
        if where is not None:
            statement = statement.where(where)
        keys = [activity, category] if level == ACTIVITY else [category] if level == CATEGORY else []
        return statement.group_by(*keys) if keys else statement

    zero = literal_column("0", Integer)
    for level in (ACTIVITY, CATEGORY, ALL):
        parts += [
            grouped(level, SESSIONS, held, func.count(), zero),
            grouped(level, MARKS, marks, func.coalesce(func.sum(marks.c.present), 0), func.count()),
            grouped(level, PARTICIPANTS, people, func.count(distinct(people.c.person_id)), zero),
            grouped(level, ATTENDED_PEOPLE, marks, func.count(distinct(marks.c.person_id)), zero, marks.c.present == 1),
        ]
    per_person = (
        select(marks.c.activity_id, marks.c.category, func.sum(marks.c.present).label("attended"))
        .group_by(marks.c.activity_id, marks.c.category, marks.c.person_id)
        .subquery("per_person")
    )
    sessions = select(held.c.activity_id, func.count().label("held")).group_by(held.c.activity_id).subquery("sessions")
    completed = (
        select(per_person.c.activity_id, per_person.c.category)
        .join(sessions, sessions.c.activity_id == per_person.c.activity_id)
        .join(Activity, Activity.id == per_person.c.activity_id)
        .where(per_person.c.attended * 100 >= Activity.required_share * sessions.c.held)
        .subquery("completed")
    )
    for level in (ACTIVITY, CATEGORY, ALL):
        parts.append(grouped(level, COMPLETIONS, completed, func.count(), zero))
    figures: dict[tuple[int, Any], Figures] = defaultdict(Figures)
    result: Any = await session.execute(union_all(*parts))
    for kind, activity_id, category, first, second in result.all():
        level, metric = divmod(int(kind), 10)
        found = figures[(level, activity_id if level == ACTIVITY else category if level == CATEGORY else None)]
        first, second = int(first or 0), int(second or 0)
        if metric == SESSIONS:
            found.sessions = first
        elif metric == MARKS:
            found.present_marks, found.absent_marks = first, second - first
        elif metric == PARTICIPANTS:
            found.participants = first
        elif metric == ATTENDED_PEOPLE:
            found.attended = first
        else:
            found.completions = first
    return figures


async def _places(session: AsyncSession, held: Any) -> dict[UUID, tuple[int, int]]:
    """Per activity: places taken and places — the course's, or the sum over its sessions held (as now)."""
    held_ids = {str(session_id) for (session_id,) in (await session.execute(select(held.c.session_id))).all()}
    rows: Any = await session.execute(
        select(Places.activity_id, Places.scope, Places.taken, Places.capacity, Activity.per_session)
        .join(Activity, Activity.id == Places.activity_id)
        .where(Places.activity_id.in_(select(held.c.activity_id)))
    )
    places: dict[UUID, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for activity_id, scope, taken, capacity, per_session in rows.all():
        if (scope != COURSE and per_session and scope in held_ids) or (scope == COURSE and not per_session):
            before = places[activity_id]
            places[activity_id] = (before[0] + int(taken), before[1] + int(capacity))
    return places


HEADINGS = [
    _l("Sessions held"),
    _l("Participants"),
    _l("Attended"),
    _l("Places taken"),
    _l("Places"),
    _l("Present marks"),
    _l("No-show marks"),
    _l("Attendance rate (%)"),
    _l("Completions"),
]


@report(
    "activities",
    _l("Activities"),
    _l(
        "Per activity and per category: sessions held in the period, participants, places taken, attendance "
        "rate and completions."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    held = held_sessions(period)
    figures_by = await _figures(session, period, held)
    places = await _places(session, held)
    activities: Any = await session.execute(
        select(Activity, Site.name)
        .join(Site, Site.id == Activity.venue_id)
        .where(Activity.id.in_(select(held.c.activity_id)))
    )
    order = {str(category): index for index, category in enumerate(Category)}
    found = sorted(
        activities.all(), key=lambda row: (order.get(row[0].category, len(order)), localized(row[0], "title"))
    )
    categories: dict[str, str] = {str(key): str(label) for key, label in CATEGORIES.items()}

    overall = figures_by[(ALL, None)]
    rows: list[list[Cell]] = []
    for activity, venue in found:
        figures = figures_by[(ACTIVITY, activity.id)]
        figures.taken, figures.places = places[activity.id]
        category = figures_by[(CATEGORY, activity.category)]
        for total in (category, overall):  # places are added up; every other figure was counted in SQL
            total.taken, total.places = total.taken + figures.taken, total.places + figures.places
            total.activities.add(activity.id)
        labels = [localized(activity, "title"), categories.get(activity.category, activity.category), venue]
        rows.append([*labels, *figures.cells()])
    headings = [str(heading) for heading in HEADINGS]
    note = _(
        "Sessions held: not cancelled, in the period and already begun. Participants: people with a confirmed "
        "place at a session held or present at one (walk-ins included); attended: present at least once. Places "
        "as they stand now. Attendance rate: present and late marks over all marks. Completions: present at no "
        "fewer than the activity's required share of its sessions held in the period."
    )
    by_activity = Table(
        _("By activity"),
        [_("Activity"), _("Category"), _("Venue"), *headings],
        rows,
        [_("In all"), None, None, *overall.cells()],
        note + " " + _("In all: each person counts once, however many activities they took part in."),
    )
    keys = [str(category) for category in Category]
    keys += sorted({key for level, key in figures_by if level == CATEGORY} - set(keys))
    by_category = Table(
        _("By category"),
        [_("Category"), _("Activities"), *headings],
        [
            [
                categories.get(key, key),
                len(figures_by[(CATEGORY, key)].activities),
                *figures_by[(CATEGORY, key)].cells(),
            ]
            for key in keys
        ],
        [_("In all"), *overall.with_activities()],
        _("A person in several activities of a category counts once in its row and once in all."),
    )
    return [by_activity, by_category]
