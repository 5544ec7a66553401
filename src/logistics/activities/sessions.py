"""Scheduling an activity's sessions (one date, or weekly until a date), cancelling or moving one (everyone signed
up is told), and the reminders 24 h and 2 h before a session."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.forms import ActivityInput
from logistics.activities.messages import notify
from logistics.activities.models import COURSE, Activity, ActivitySession, SessionStatus, SignUp, SignUpStatus
from logistics.activities.signups import SIGN_UP_ROLES, SignUpService
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _l, format_datetime, local_zone
from logistics.core.i18n import gettext as _
from logistics.people.models import Person
from logistics.scheduler import register_job
from logistics.sites.models import Site

MAX_SESSIONS = 200
REMINDERS = ((timedelta(hours=24), "24h"), (timedelta(hours=2), "2h"))


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_zone())


async def participants(session: AsyncSession, activity_session: ActivitySession) -> list[Person]:
    """Everyone with a place at this session: signed up for the course, or for this session."""
    rows = await session.scalars(
        select(Person)
        .join(SignUp, SignUp.person_id == Person.id)
        .where(
            SignUp.activity_id == activity_session.activity_id,
            SignUp.status == SignUpStatus.CONFIRMED,
            (SignUp.scope == COURSE) | (SignUp.scope == str(activity_session.id)),
        )
        .order_by(Person.family_name, Person.given_name)
    )
    return list(rows)


class SessionService(SignUpService):
    async def save(self, activity_id: UUID | None, data: ActivityInput) -> Activity:
        """Create or change an activity; a new capacity goes through `set_capacity` (refusal below the places
        taken, promotion from the waiting list above)."""
        self._require(SIGN_UP_ROLES)
        try:
            venue = await self.session.get(Site, UUID(data.venue))
        except ValueError:
            venue = None
        if venue is None:
            raise DomainError(_("Choose the venue."), "venue")
        activity = await self.activity(activity_id) if activity_id else Activity(capacity=data.capacity)
        activity.title, activity.title_en, activity.title_uk = data.title, data.title_en, data.title_uk
        activity.description, activity.category, activity.venue_id = data.description, data.category, venue.id
        activity.organiser, activity.age_min, activity.age_max = data.organiser, data.age_min, data.age_max
        activity.audience, activity.required_share = data.audience, data.required_share
        if activity_id is None:
            activity.per_session = data.per_session
            self.session.add(activity)
        elif activity.per_session != data.per_session and await self.session.scalar(
            select(SignUp.id).where(SignUp.activity_id == activity.id).limit(1)
        ):
            raise DomainError(_("People have signed up already: the way of signing up cannot change."), "per_session")
        activity.per_session = data.per_session
        await self.session.flush()
        if activity_id is not None and data.capacity != activity.capacity:
            await self.set_capacity(activity.id, data.capacity)
        await audit.record(self.session, self.actor, "activity.save", "activity", activity.id, ["activity"])
        return activity

    async def add_sessions(
        self, activity_id: UUID, first: datetime, minutes: int, until: date | None = None, room: str = ""
    ) -> list[ActivitySession]:
        """One session at `first` (local time), or one every week on that weekday and hour until `until`."""
        self._require(SIGN_UP_ROLES)
        activity = await self.activity(activity_id)
        if not 10 <= minutes <= 24 * 60:
            raise DomainError(_("A session lasts from 10 minutes to 24 hours."), "minutes")
        if first <= datetime.now(UTC):
            raise DomainError(_("The first session must be in the future."), "first")
        local_first = first.astimezone(local_zone())
        if until is not None and until < local_first.date():
            raise DomainError(_("The series ends before it starts."), "until")
        days = [local_first.date()]
        while until is not None and days[-1] + timedelta(days=7) <= until:
            days.append(days[-1] + timedelta(days=7))
        if len(days) > MAX_SESSIONS:
            raise DomainError(_("At most %(n)s sessions at once.", n=MAX_SESSIONS), "until")
        created = []
        for day in days:
            starts = local(day, local_first.hour, local_first.minute).astimezone(UTC)
            created.append(
                ActivitySession(
                    activity_id=activity.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=minutes),
                    room=room[:80],
                )
            )
        self.session.add_all(created)
        await self.session.flush()
        await audit.record(self.session, self.actor, "activity.sessions", "activity", activity.id, [f"{len(created)}"])
        return created

    async def _session(self, session_id: UUID) -> ActivitySession:
        activity_session = await self.session.get(ActivitySession, session_id)
        if activity_session is None:
            raise NotFound(_("This session does not exist."))
        return activity_session

    async def cancel_session(self, session_id: UUID, reason: str) -> int:
        """Cancel a session and tell everyone with a place; returns how many were told."""
        self._require(SIGN_UP_ROLES)
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        activity_session = await self._session(session_id)
        result = await self.session.execute(
            update(ActivitySession)
            .where(ActivitySession.id == activity_session.id, ActivitySession.status == SessionStatus.SCHEDULED)
            .values(status=SessionStatus.CANCELLED, note=reason[:200])
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This session is cancelled."))
        activity = await self.activity(activity_session.activity_id)
        people = await participants(self.session, activity_session)
        for person in people:
            await notify(
                self.session,
                person,
                _l("Cancelled: %(activity)s"),
                _l("The session of %(activity)s on %(when)s is cancelled: %(reason)s"),
                activity,
                key=f"cancelled:{activity_session.id}:{person.id}",
                when=format_datetime(activity_session.starts_at),
                reason=reason,
            )
        await audit.record(self.session, self.actor, "activity.cancel_session", "activity", activity.id, ["status"])
        return len(people)

    async def move_session(self, session_id: UUID, starts: datetime, room: str, reason: str) -> int:
        """A new time or room; everyone with a place is told."""
        self._require(SIGN_UP_ROLES)
        activity_session = await self._session(session_id)
        if activity_session.status == SessionStatus.CANCELLED:
            raise DomainError(_("This session is cancelled."))
        if starts <= datetime.now(UTC):
            raise DomainError(_("The new time must be in the future."), "starts")
        length = activity_session.ends_at - activity_session.starts_at
        was = format_datetime(activity_session.starts_at)
        activity_session.starts_at, activity_session.ends_at = starts, starts + length
        activity_session.room, activity_session.note = room[:80] or activity_session.room, reason[:200]
        await self.session.flush()
        activity = await self.activity(activity_session.activity_id)
        people = await participants(self.session, activity_session)
        for person in people:
            await notify(
                self.session,
                person,
                _l("Changed: %(activity)s"),
                _l("The session of %(activity)s on %(was)s is now on %(when)s, room: %(room)s."),
                activity,
                key=f"moved:{activity_session.id}:{starts.isoformat()}:{activity_session.room}:{person.id}",
                was=was,
                when=format_datetime(starts),
                room=activity_session.room or "—",
            )
        await audit.record(self.session, self.actor, "activity.move_session", "activity", activity.id, ["starts_at"])
        return len(people)


@register_job(
    "activities.reminders",
    IntervalTrigger(minutes=10),
    "Queue reminders 24 h and 2 h before each session to everyone with a place.",
)
async def reminders(session: AsyncSession, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    queued = 0
    for ahead, label in REMINDERS:
        due = await session.scalars(
            select(ActivitySession).where(
                ActivitySession.status == SessionStatus.SCHEDULED,
                ActivitySession.starts_at > now,
                ActivitySession.starts_at <= now + ahead,
            )
        )
        for activity_session in list(due):
            if label == "24h" and activity_session.starts_at <= now + timedelta(hours=2):
                continue  # within 2 hours: only the 2-hour reminder
            activity = await session.get(Activity, activity_session.activity_id)
            for person in await participants(session, activity_session):
                await notify(
                    session,
                    person,
                    _l("Reminder: %(activity)s"),
                    _l("%(activity)s on %(when)s, %(room)s."),
                    activity,
                    key=f"reminder-{label}:{activity_session.id}:{person.id}",
                    when=format_datetime(activity_session.starts_at),
                    room=activity_session.room or "",
                )
                queued += 1
    return f"{queued} reminders considered"
