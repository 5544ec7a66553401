"""Creating and changing an activity, scheduling its sessions (one date, or weekly until a date), cancelling or
moving one (everyone signed up is told). The reminders before a session are a job: `jobs.py`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.forms import ActivityInput
from logistics.activities.messages import notify
from logistics.activities.models import COURSE, Activity, ActivitySession, Category, SessionStatus, SignUp, SignUpStatus
from logistics.activities.policy import MANAGE
from logistics.activities.signups import SignUpService
from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import _l, format_datetime, local_zone, ngettext
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.people.models import Person
from logistics.sites.models import Site

MAX_SESSIONS = 200
#: How far ahead a session may be scheduled or moved: further is a typing mistake.
AHEAD = timedelta(days=2 * 365)
MAX_ROOM, MAX_NOTE = 80, 200


def check_text(value: str, limit: int, field: str) -> None:
    """Text longer than its column is refused, never cut."""
    if len(value) > limit:
        raise DomainError(ngettext("At most %(num)s character.", "At most %(num)s characters.", limit), field)


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
    @query
    async def venues(self) -> list[Site]:
        """The sites an activity can be held at: every active site."""
        self.require(MANAGE)
        return list(await self.session.scalars(select(Site).where(Site.is_active.is_(True)).order_by(Site.name)))

    async def save(self, activity_id: UUID | None, data: ActivityInput) -> Activity:
        """Create or change an activity; a new capacity goes through `set_capacity` (refusal below the places
        taken, promotion from the waiting list above)."""
        self.require(MANAGE)
        activity = await self._activity(activity_id, MANAGE) if activity_id else Activity(capacity=data.capacity)
        try:
            venue = await self.session.get(Site, UUID(data.venue))
        except ValueError:
            venue = None
        if venue is None or (not venue.is_active and venue.id != activity.venue_id):
            raise DomainError(_("Choose the venue."), "venue")
        if data.category not in set(Category):
            raise DomainError(_("This option is not available."), "category")
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
        activity = await self._activity(activity_id, MANAGE)
        if not 10 <= minutes <= 24 * 60:
            raise DomainError(_("A session lasts from 10 minutes to 24 hours."), "minutes")
        now = datetime.now(UTC)
        if first <= now:
            raise DomainError(_("The first session must be in the future."), "day")
        if first > now + AHEAD:
            raise DomainError(_("A session can be scheduled at most two years ahead."), "day")
        check_text(room, MAX_ROOM, "room")
        local_first = first.astimezone(local_zone())
        if until is not None and until < local_first.date():
            raise DomainError(_("The series ends before it starts."), "until")
        if until is not None and until > (now + AHEAD).astimezone(local_zone()).date():
            raise DomainError(_("A session can be scheduled at most two years ahead."), "until")
        days = [local_first.date()]
        while until is not None and days[-1] + timedelta(days=7) <= until:
            days.append(days[-1] + timedelta(days=7))
        if len(days) > MAX_SESSIONS:
            raise DomainError(
                ngettext("At most %(num)s session at once.", "At most %(num)s sessions at once.", MAX_SESSIONS), "until"
            )
        created = []
        for day in days:
            starts = local(day, local_first.hour, local_first.minute).astimezone(UTC)
            created.append(
                ActivitySession(
                    activity_id=activity.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=minutes),
                    room=room,
                )
            )
        self.session.add_all(created)
        await self.session.flush()
        await audit.record(self.session, self.actor, "activity.sessions", "activity", activity.id, [f"{len(created)}"])
        return created

    async def _session(self, session_id: UUID) -> tuple[ActivitySession, Activity]:
        """A session of an activity the actor may manage (NotFound outside their venues)."""
        activity = await self.activity_of_session(session_id, MANAGE)
        activity_session = await self.session.get(ActivitySession, session_id)
        assert activity_session is not None
        return activity_session, activity

    async def cancel_session(self, session_id: UUID, reason: str) -> int:
        """Cancel a session and tell everyone with a place; returns how many were told."""
        activity_session, activity = await self._session(session_id)
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        check_text(reason, MAX_NOTE, "reason")
        result = await self.session.execute(
            update(ActivitySession)
            .where(ActivitySession.id == activity_session.id, ActivitySession.status == SessionStatus.SCHEDULED)
            .values(status=SessionStatus.CANCELLED, note=reason)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This session is cancelled."))
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
        activity_session, activity = await self._session(session_id)
        if activity_session.status == SessionStatus.CANCELLED:
            raise DomainError(_("This session is cancelled."))
        now = datetime.now(UTC)
        if starts <= now:
            raise DomainError(_("The new time must be in the future."), "day")
        if starts > now + AHEAD:
            raise DomainError(_("A session can be scheduled at most two years ahead."), "day")
        check_text(room, MAX_ROOM, "room")
        check_text(reason, MAX_NOTE, "reason")
        length = activity_session.ends_at - activity_session.starts_at
        was = format_datetime(activity_session.starts_at)
        activity_session.starts_at, activity_session.ends_at = starts, starts + length
        activity_session.room, activity_session.note = room or activity_session.room, reason
        await self.session.flush()
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
