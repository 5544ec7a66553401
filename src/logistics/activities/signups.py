"""Signing people up: a place while there is one, else the waiting list in order; a place given up goes to the
first person waiting at once; capacity changes; the waiting list reordered with a reason. Each use case is one
transaction; places are taken and given with conditional UPDATEs, and every use case that changes the places or the
waiting list of a scope first locks that scope's places row, so that concurrent ones run one after the other and
each sees the sign-ups as the one before left them (a cancellation never misses a promotion made meanwhile).

Who may do which of these, to which activity: `policy.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from logistics.activities.messages import notify
from logistics.activities.models import COURSE, Activity, ActivitySession, Places, SessionStatus, SignUp, SignUpStatus
from logistics.activities.policy import MANAGE, SIGN_UP, VIEW
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _l, format_datetime, local_today, localized, ngettext
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.people.models import Person

MAX_CAPACITY = 1000


@dataclass(frozen=True)
class Outcome:
    sign_up: SignUp
    warnings: list[str]  # conflicts shown to the one signing up: overlapping sessions, outside the audience


@dataclass(frozen=True)
class Cancellation:
    promoted: SignUp | None  # the first person waiting, who has the place now
    promoted_person: Person | None


def age_on(person: Person, day: date) -> int | None:
    if person.birth_date:
        born = person.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if person.birth_year:
        return day.year - person.birth_year
    return None


class SignUpService(Service):
    @query
    async def activity(self, activity_id: UUID, action: str = VIEW) -> Activity:
        """The activity, when the actor may do `action` to it (by default: see it)."""
        return await self._activity(activity_id, action)

    async def _activity(self, activity_id: UUID, action: str) -> Activity:
        """NotFound for an activity that does not exist or is held outside the actor's venues (they must not learn
        of it); Forbidden when their role may not do `action`."""
        activity = await self.session.get(Activity, activity_id)
        if activity is None or (self.can(VIEW) and not self.can(VIEW, activity)):
            raise NotFound(_("This activity does not exist."))
        self.require(action, activity)
        return activity

    @query
    async def activity_of_sign_up(self, sign_up_id: UUID, action: str = VIEW) -> Activity:
        """The activity of a sign-up, when the actor may do `action` to it."""
        activity_id = await self.session.scalar(select(SignUp.activity_id).where(SignUp.id == sign_up_id))
        if activity_id is None:
            raise NotFound(_("This sign-up does not exist."))
        return await self._activity(activity_id, action)

    @query
    async def activity_of_session(self, session_id: UUID, action: str = VIEW) -> Activity:
        """The activity of a session, when the actor may do `action` to it."""
        activity_id = await self.session.scalar(
            select(ActivitySession.activity_id).where(ActivitySession.id == session_id)
        )
        if activity_id is None:
            raise NotFound(_("This session does not exist."))
        return await self._activity(activity_id, action)

    async def _person(self, person_id: UUID) -> Person:
        person = await self.session.get(Person, person_id)
        if person is None or person.anonymised_at is not None:
            raise NotFound(_("This person does not exist."))
        return person

    async def _sessions(self, activity: Activity) -> list[ActivitySession]:
        return list(
            await self.session.scalars(
                select(ActivitySession)
                .where(ActivitySession.activity_id == activity.id)
                .order_by(ActivitySession.starts_at)
            )
        )

    @query
    async def open_sessions(self, activity_id: UUID) -> tuple[Activity, list[ActivitySession]]:
        """The activity and its sessions still to come, for someone signing people up."""
        activity = await self._activity(activity_id, SIGN_UP)
        now = datetime.now(UTC)
        upcoming = [
            s for s in await self._sessions(activity) if s.starts_at > now and s.status == SessionStatus.SCHEDULED
        ]
        return activity, upcoming

    async def _lock_places(self, activity: Activity, scope: str) -> None:
        """The places row of a scope, created on first use (concurrent first uses create one), locked until the
        transaction ends: sign-ups, cancellations, promotions, capacity changes and reorders of one scope run one
        after the other, each seeing what the one before committed (PostgreSQL; on SQLite write transactions run
        one at a time anyway)."""
        values = {"activity_id": activity.id, "scope": scope, "capacity": activity.capacity, "taken": 0}
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(Places).values(**values)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["activity_id", "scope"]))
        await self.session.execute(
            select(Places.id).where(Places.activity_id == activity.id, Places.scope == scope).with_for_update()
        )

    async def _take_place(self, activity: Activity, scope: str) -> bool:
        result = await self.session.execute(
            update(Places)
            .where(Places.activity_id == activity.id, Places.scope == scope, Places.taken < Places.capacity)
            .values(taken=Places.taken + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _give_back_place(self, activity_id: UUID, scope: str) -> None:
        await self.session.execute(
            update(Places)
            .where(Places.activity_id == activity_id, Places.scope == scope, Places.taken > 0)
            .values(taken=Places.taken - 1)
            .execution_options(synchronize_session=False)
        )

    async def sign_up(self, activity_id: UUID, person_id: UUID, session_id: UUID | None = None) -> Outcome:
        """A place if there is one, else the end of the waiting list. Refused: someone already signed up, a
        cancelled or past session, a course that has ended."""
        activity = await self._activity(activity_id, SIGN_UP)
        person = await self._person(person_id)
        now = datetime.now(UTC)
        if not activity.is_active:
            raise DomainError(_("This activity is closed."))
        session = None
        if activity.per_session:
            session = await self.session.get(ActivitySession, session_id) if session_id else None
            if session is None or session.activity_id != activity.id:
                raise DomainError(_("Choose the session: people sign up for this activity session by session."))
            if session.status == SessionStatus.CANCELLED:
                raise DomainError(_("This session is cancelled."))
            if session.starts_at <= now:
                raise DomainError(_("This session has already started or is over."))
            scope = str(session.id)
        else:
            upcoming = [
                s for s in await self._sessions(activity) if s.starts_at > now and s.status != SessionStatus.CANCELLED
            ]
            if not upcoming:
                raise DomainError(_("This course has no more sessions."))
            scope = COURSE
        # Locked before looking: a place given up meanwhile is given to this person if they end up waiting.
        await self._lock_places(activity, scope)
        active = await self.session.scalar(
            select(SignUp.status).where(
                SignUp.activity_id == activity.id,
                SignUp.scope == scope,
                SignUp.person_id == person.id,
                SignUp.status != SignUpStatus.CANCELLED,
            )
        )
        if active is not None:
            raise DomainError(_("%(name)s is already signed up.", name=person.given_name))
        confirmed = await self._take_place(activity, scope)
        rank = 0
        if not confirmed:
            rank = 1 + int(
                await self.session.scalar(
                    select(func.max(SignUp.waiting_rank)).where(
                        SignUp.activity_id == activity.id, SignUp.scope == scope
                    )
                )
                or 0
            )
        sign_up = SignUp(
            activity_id=activity.id,
            scope=scope,
            session_id=session.id if session else None,
            person_id=person.id,
            status=SignUpStatus.CONFIRMED if confirmed else SignUpStatus.WAITING,
            signed_up_by=self.actor.username,
            waiting_rank=rank,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(sign_up)
                await self.session.flush()
        except IntegrityError as error:  # the same person, signed up a moment ago by someone else
            raise DomainError(_("%(name)s is already signed up.", name=person.given_name)) from error
        await audit.record(self.session, self.actor, "activity.sign_up", "person", person.id, ["sign_up"])
        await notify(
            self.session,
            person,
            _l("Signed up: %(activity)s") if confirmed else _l("On the waiting list: %(activity)s"),
            _l("You have a place in %(activity)s.")
            if confirmed
            else _l("You are on the waiting list for %(activity)s; we will let you know when a place frees up."),
            activity,
            key=f"sign-up:{sign_up.id}",
        )
        return Outcome(sign_up, await self._conflicts(activity, person, session))

    async def _conflicts(self, activity: Activity, person: Person, session: ActivitySession | None) -> list[str]:
        """Overlapping sessions of the person's other sign-ups, and an age outside the activity's audience."""
        warnings = []
        age = age_on(person, local_today())
        if age is not None and (
            (activity.age_min is not None and age < activity.age_min)
            or (activity.age_max is not None and age > activity.age_max)
        ):
            warnings.append(
                _("%(name)s is outside the audience of this activity (age %(age)s).", name=person.given_name, age=age)
            )
        mine = (
            [session]
            if session
            else [
                s
                for s in await self._sessions(activity)
                if s.status != SessionStatus.CANCELLED and s.starts_at > datetime.now(UTC)
            ]
        )
        if not mine:
            return warnings
        others = await self.session.execute(
            select(ActivitySession, Activity)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .join(SignUp, SignUp.activity_id == Activity.id)
            .where(
                SignUp.person_id == person.id,
                SignUp.status == SignUpStatus.CONFIRMED,
                Activity.id != activity.id,
                ActivitySession.status != SessionStatus.CANCELLED,
                (SignUp.session_id.is_(None)) | (SignUp.session_id == ActivitySession.id),
                ActivitySession.starts_at < max(s.ends_at for s in mine),
                ActivitySession.ends_at > min(s.starts_at for s in mine),
            )
        )
        for other, other_activity in others.all():
            if any(other.starts_at < s.ends_at and other.ends_at > s.starts_at for s in mine):
                warnings.append(
                    _(
                        "At the same time as %(activity)s on %(when)s.",
                        activity=localized(other_activity, "title"),
                        when=format_datetime(other.starts_at),
                    )
                )
                break
        return warnings

    async def cancel(self, sign_up_id: UUID) -> Cancellation:
        """Cancel a sign-up (the person's wish or staff's); a place freed goes to the first person waiting, who is
        notified."""
        sign_up = await self.session.get(SignUp, sign_up_id)
        if sign_up is None:
            raise NotFound(_("This sign-up does not exist."))
        activity = await self._activity(sign_up.activity_id, SIGN_UP)
        await self._lock_places(activity, sign_up.scope)
        while True:  # the state now, not as first read: a concurrent cancellation may have promoted them meanwhile
            was = await self.session.scalar(select(SignUp.status).where(SignUp.id == sign_up.id))
            if was is None or was == SignUpStatus.CANCELLED:
                raise DomainError(_("This sign-up has already been cancelled."))
            result = await self.session.execute(
                update(SignUp)
                .where(SignUp.id == sign_up.id, SignUp.status == was)
                .values(status=SignUpStatus.CANCELLED, cancelled_at=datetime.now(UTC), cancelled_by=self.actor.username)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                break
        await self.session.refresh(sign_up)
        await audit.record(self.session, self.actor, "activity.cancel_sign_up", "person", sign_up.person_id, ["status"])
        if was != SignUpStatus.CONFIRMED:
            return Cancellation(None, None)
        promoted = await self._promote(activity, sign_up.scope)
        if promoted is None:
            await self._give_back_place(activity.id, sign_up.scope)
            return Cancellation(None, None)
        return Cancellation(promoted, await self._person(promoted.person_id))

    async def _promote(self, activity: Activity, scope: str) -> SignUp | None:
        """Give a place (already counted as taken) to the first person waiting; None when nobody waits."""
        while True:
            first = await self.session.scalar(
                select(SignUp)
                .where(SignUp.activity_id == activity.id, SignUp.scope == scope, SignUp.status == SignUpStatus.WAITING)
                .order_by(SignUp.waiting_rank, SignUp.id)
                .limit(1)
            )
            if first is None:
                return None
            result = await self.session.execute(
                update(SignUp)
                .where(SignUp.id == first.id, SignUp.status == SignUpStatus.WAITING)
                .values(status=SignUpStatus.CONFIRMED, promoted_at=datetime.now(UTC))
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                await self.session.refresh(first)
                await notify(
                    self.session,
                    await self._person(first.person_id),
                    _l("A place for you: %(activity)s"),
                    _l("A place has freed up in %(activity)s and it is yours now."),
                    activity,
                    key=f"promoted:{first.id}",
                )
                return first

    async def set_capacity(self, activity_id: UUID, capacity: int) -> list[SignUp]:
        """Change the number of places; refused below the places already taken (with the numbers). People waiting
        get the new places, in order."""
        activity = await self._activity(activity_id, MANAGE)
        if capacity < 1 or capacity > MAX_CAPACITY:
            raise DomainError(_("The capacity is a number from 1 to %(n)s.", n=MAX_CAPACITY), "capacity")
        scopes = list(  # every scope's places locked, in a fixed order
            await self.session.scalars(
                select(Places.scope).where(Places.activity_id == activity.id).order_by(Places.scope).with_for_update()
            )
        )
        taken = int(
            await self.session.scalar(select(func.max(Places.taken)).where(Places.activity_id == activity.id)) or 0
        )
        if capacity < taken:
            raise DomainError(
                ngettext(
                    "%(num)s place is taken already: the capacity cannot go down to %(capacity)s.",
                    "%(num)s places are taken already: the capacity cannot go down to %(capacity)s.",
                    taken,
                    capacity=capacity,
                ),
                "capacity",
            )
        activity.capacity = capacity
        await self.session.execute(
            update(Places)
            .where(Places.activity_id == activity.id)
            .values(capacity=capacity)
            .execution_options(synchronize_session=False)
        )
        promoted = []
        for scope in scopes:
            while await self._take_place(activity, scope):
                first = await self._promote(activity, scope)
                if first is None:  # nobody waits: give the place back
                    await self._give_back_place(activity.id, scope)
                    break
                promoted.append(first)
        await audit.record(self.session, self.actor, "activity.capacity", "activity", activity.id, ["capacity"])
        return promoted

    async def reorder(self, sign_up_id: UUID, rank: int, reason: str) -> None:
        """Move someone on the waiting list (1 = first), with the reason in the audit log."""
        sign_up = await self.session.get(SignUp, sign_up_id)
        if sign_up is None:
            raise NotFound(_("This sign-up does not exist."))
        activity = await self._activity(sign_up.activity_id, SIGN_UP)
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        if len(reason) > 200:
            raise DomainError(ngettext("At most %(num)s character.", "At most %(num)s characters.", 200), "reason")
        await self._lock_places(activity, sign_up.scope)
        await self.session.refresh(sign_up)
        if sign_up.status != SignUpStatus.WAITING:
            raise DomainError(_("Only someone on the waiting list can be moved."))
        waiting = list(
            await self.session.scalars(
                select(SignUp)
                .where(
                    SignUp.activity_id == sign_up.activity_id,
                    SignUp.scope == sign_up.scope,
                    SignUp.status == SignUpStatus.WAITING,
                    SignUp.id != sign_up.id,
                )
                .order_by(SignUp.waiting_rank, SignUp.id)
                .execution_options(populate_existing=True)
            )
        )
        rank = max(1, min(rank, len(waiting) + 1))
        waiting.insert(rank - 1, sign_up)
        for position, row in enumerate(waiting, start=1):
            row.waiting_rank = position
        await self.session.flush()
        await audit.record(
            self.session, self.actor, "activity.reorder", "person", sign_up.person_id, [f"rank {rank}: {reason}"]
        )
