"""What the activity pages show: the list with fill and attendance rates, an activity's page, the printable
participant list and the week at a venue — each only for activities at venues the actor may see. Opening a page
that names the participants is written to the audit log (who looked at which group)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from logistics.activities.attendance import AttendanceService, PersonRate
from logistics.activities.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceStatus,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from logistics.activities.policy import VIEW, own_venues_only
from logistics.audit import services as audit
from logistics.core.errors import NotFound
from logistics.core.i18n import day_start, local_zone
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.people.models import Person
from logistics.sites.models import Site


@dataclass(frozen=True)
class ListedActivity:
    activity: Activity
    venue: str
    counts: dict[str, int]  # sign-ups by status
    upcoming: datetime | None  # the next session
    rate: int | None  # attendance so far, per cent


@dataclass(frozen=True)
class ActivityPage:
    activity: Activity
    venue: Site | None
    sessions: list[ActivitySession]
    confirmed: list[tuple[SignUp, Person]]
    waiting: list[tuple[SignUp, Person]]
    rates: list[PersonRate]


@dataclass(frozen=True)
class ParticipantList:
    activity: Activity
    venue: Site | None
    people: list[Person]


@dataclass(frozen=True)
class Week:
    venue: Site | None
    venues: list[Site]
    monday: date
    by_day: dict[date, list[tuple[ActivitySession, Activity]]]


class ActivityPages(AttendanceService):
    @query
    async def overview(self) -> list[ListedActivity]:
        """Every activity at the actor's venues: next session, places taken, waiting, attendance so far (in three
        grouped queries, whatever the number of activities)."""
        self.require(VIEW)
        statement = (
            select(Activity, Site.name)
            .join(Site, Site.id == Activity.venue_id)
            .order_by(Activity.is_active.desc(), Activity.title)
        )
        if own_venues_only(self.actor):
            statement = statement.where(Activity.venue_id.in_(self.actor.site_ids))
        listed = (await self.session.execute(statement)).all()
        ids = [activity.id for activity, _venue in listed]
        counts: dict[Any, dict[str, int]] = defaultdict(dict)
        for activity_id, status, n in await self.session.execute(
            select(SignUp.activity_id, SignUp.status, func.count())
            .where(SignUp.activity_id.in_(ids))
            .group_by(SignUp.activity_id, SignUp.status)
        ):
            counts[activity_id][status] = n
        upcoming = dict(
            (
                await self.session.execute(
                    select(ActivitySession.activity_id, func.min(ActivitySession.starts_at))
                    .where(
                        ActivitySession.activity_id.in_(ids),
                        ActivitySession.starts_at > datetime.now(UTC),
                        ActivitySession.status == SessionStatus.SCHEDULED,
                    )
                    .group_by(ActivitySession.activity_id)
                )
            ).all()
        )
        marks: dict[Any, dict[str, int]] = defaultdict(dict)
        for activity_id, status, n in await self.session.execute(
            select(ActivitySession.activity_id, Attendance.status, func.count())
            .join(ActivitySession, ActivitySession.id == Attendance.session_id)
            .where(ActivitySession.activity_id.in_(ids))
            .group_by(ActivitySession.activity_id, Attendance.status)
        ):
            marks[activity_id][status] = n
        rows = []
        for activity, venue in listed:
            total = sum(marks[activity.id].values())
            absent = marks[activity.id].get(AttendanceStatus.ABSENT, 0)
            rate = round(100 * (total - absent) / total) if total else None
            rows.append(ListedActivity(activity, venue, counts[activity.id], upcoming.get(activity.id), rate))
        return rows

    async def page(self, activity_id: UUID) -> ActivityPage:
        """An activity's page: sessions, participants, the waiting list in order, attendance so far."""
        activity = await self._activity(activity_id, VIEW)
        sign_ups = (
            await self.session.execute(
                select(SignUp, Person)
                .join(Person, Person.id == SignUp.person_id)
                .where(SignUp.activity_id == activity.id, SignUp.status != SignUpStatus.CANCELLED)
                .order_by(SignUp.waiting_rank, SignUp.id)
            )
        ).all()
        await audit.record(self.session, self.actor, "activity.view", "activity", activity.id)
        return ActivityPage(
            activity,
            await self.session.get(Site, activity.venue_id),
            await self._sessions(activity),
            [(s, p) for s, p in sign_ups if s.status == SignUpStatus.CONFIRMED],
            [(s, p) for s, p in sign_ups if s.status == SignUpStatus.WAITING],
            await self._rates(activity),
        )

    async def participant_list(self, activity_id: UUID) -> ParticipantList:
        """The printable list of everyone with a place."""
        activity = await self._activity(activity_id, VIEW)
        people = await self.session.scalars(
            select(Person)
            .join(SignUp, SignUp.person_id == Person.id)
            .where(SignUp.activity_id == activity.id, SignUp.status == SignUpStatus.CONFIRMED)
            .order_by(Person.family_name, Person.given_name)
        )
        await audit.record(self.session, self.actor, "activity.participant_list", "activity", activity.id)
        return ParticipantList(activity, await self.session.get(Site, activity.venue_id), list(people))

    @query
    async def week(self, venue_id: UUID | None, day: date) -> Week:
        """The sessions of the week of `day` at a venue (the actor's first venue with activities when none is
        named); a venue outside the actor's sites is not found."""
        self.require(VIEW)
        monday = day - timedelta(days=day.weekday())
        statement = select(Site).join(Activity, Activity.venue_id == Site.id).distinct().order_by(Site.name)
        if own_venues_only(self.actor):
            statement = statement.where(Site.id.in_(self.actor.site_ids))
        venues = list(await self.session.scalars(statement))
        venue = venues[0] if venues else None
        if venue_id is not None:
            venue = await self.session.get(Site, venue_id)
            if venue is None or not self.can(VIEW, venue):
                raise NotFound(_("This site does not exist or is not one of yours."))
        days = [monday + timedelta(days=n) for n in range(7)]
        by_day: dict[date, list[tuple[ActivitySession, Activity]]] = {d: [] for d in days}
        if venue is not None:
            start = day_start(monday)
            rows = await self.session.execute(
                select(ActivitySession, Activity)
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(
                    Activity.venue_id == venue.id,
                    ActivitySession.starts_at >= start,
                    ActivitySession.starts_at < start + timedelta(days=7),
                )
                .order_by(ActivitySession.starts_at)
            )
            for activity_session, activity in rows.all():
                by_day[activity_session.starts_at.astimezone(local_zone()).date()].append((activity_session, activity))
        return Week(venue, venues, monday, by_day)
