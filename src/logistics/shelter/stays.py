"""Stays: beds that fit a person, check-in (alone or as a family), check-out, moves, holds.

Every use case takes the bed through `gate()` first — one conditional UPDATE — so when two desks take the last
bed at the same moment one wins and the other is told the bed was just taken, with the next fitting beds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.roles import Role
from logistics.people.models import HouseholdMember, Person, Sex
from logistics.people.services import current_person
from logistics.scheduler import register_job
from logistics.shelter.models import (
    Bed,
    BedAssignment,
    BedState,
    Bunk,
    CheckoutReason,
    Hold,
    Room,
    RoomCategory,
    Stay,
)
from logistics.shelter.places import DESK_ROLES, HOLD_ROLES, ShelterService

DEFAULT_HOLD = timedelta(hours=2)
MAX_HOLD = timedelta(days=7)
#: Who may place someone in a room of another sex's category (audit-logged).
OVERRIDE_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
PROPOSALS = 40


class BedTaken(DomainError):
    """The bed was taken (or held, or repaired) a moment ago; the page offers the next fitting beds."""

    status_code = 409


@dataclass(frozen=True)
class Proposal:
    bed: Bed
    room: Room
    reasons: list[str]  # why it fits: "accessible", "lower bunk" ...


def categories_for(sex: str, *, family: bool) -> set[str]:
    """Room categories a person may be placed in: family rooms for a family checked in together; otherwise
    by sex (a woman alone may also take a free place in a family room, as women's shelters do)."""
    if family:
        return {RoomCategory.FAMILY}
    if sex == Sex.FEMALE:
        return {RoomCategory.WOMEN, RoomCategory.MIXED, RoomCategory.FAMILY}
    return {RoomCategory.MEN, RoomCategory.MIXED}


class StayService(ShelterService):
    async def person(self, person_id: UUID) -> Person:
        """A current person of the registry, or NotFound."""
        return await current_person(self.session, person_id)

    async def open_stay(self, person_id: UUID) -> Stay | None:
        return await self.session.scalar(select(Stay).where(Stay.person_id == person_id, Stay.ended_at.is_(None)))

    # --- proposals ----------------------------------------------------------------------------------------

    async def proposals(self, person: Person, *, site_id: UUID | None = None, family: bool = False) -> list[Proposal]:
        """Free beds that fit: room category for the person's sex (or family rooms), accessible beds first for
        those who need them, then lower bunks; at the sites the actor sees (or one site)."""
        query = (
            select(Bed, Room)
            .join(Room, Room.id == Bed.room_id)
            .where(
                Bed.state == BedState.AVAILABLE,
                Bed.is_active.is_(True),
                Room.is_active.is_(True),
                Room.category.in_(categories_for(person.sex, family=family)),
            )
        )
        if site_id is not None:
            query = query.where(Bed.site_id == site_id)
        elif not self.actor.sees_all_sites:
            query = query.where(Bed.site_id.in_(self.actor.site_ids))
        if person.needs_accessible:
            query = query.order_by(Bed.accessible.desc())
        query = query.order_by(
            (Room.category == RoomCategory.FAMILY).asc() if not family else Room.name,
            (Bed.bunk == Bunk.UPPER).asc(),
            Room.name,
            Bed.label,
        ).limit(PROPOSALS)
        proposals = []
        for bed, room in (await self.session.execute(query)).all():
            reasons = []
            if bed.accessible:
                reasons.append("accessible")
            if bed.bunk == Bunk.LOWER:
                reasons.append("lower")
            proposals.append(Proposal(bed=bed, room=room, reasons=reasons))
        return proposals

    async def family_plan(self, person: Person) -> tuple[list[Person], list[Proposal]] | None:
        """For a parent with children: the household members not staying anywhere, and a family room at one
        site with enough free beds for all of them (its beds, in order). None when there is no family to place."""
        membership = await self.session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person.id))
        if membership is None:
            return None
        members = list(
            await self.session.scalars(
                select(Person)
                .join(HouseholdMember, HouseholdMember.person_id == Person.id)
                .where(
                    HouseholdMember.household_id == membership.household_id,
                    Person.id.not_in(select(Stay.person_id).where(Stay.ended_at.is_(None))),
                )
                .order_by(HouseholdMember.position)
            )
        )
        if len(members) < 2:
            return None
        beds = await self.proposals(person, family=True)
        by_room: dict[UUID, list[Proposal]] = {}
        for proposal in beds:
            by_room.setdefault(proposal.room.id, []).append(proposal)
        room = next((room_beds for room_beds in by_room.values() if len(room_beds) >= len(members)), None)
        return members, (room or [])[: len(members)]

    # --- check-in -----------------------------------------------------------------------------------------

    async def check_in(self, person_id: UUID, bed_id: UUID, *, override: bool = False) -> Stay:
        """Check one person into a bed."""
        self._require(DESK_ROLES)
        return (await self._check_in([(person_id, bed_id)], override=override, family=False))[0]

    async def check_in_family(self, placements: list[tuple[UUID, UUID]]) -> list[Stay]:
        """Check a parent with children in together, into family rooms; all or nothing."""
        self._require(DESK_ROLES)
        if len(placements) < 2 or len({p for p, _b in placements}) != len(placements):
            raise DomainError(_("Choose a bed for each member of the family."))
        return await self._check_in(placements, override=False, family=True)

    async def _check_in(self, placements: list[tuple[UUID, UUID]], *, override: bool, family: bool) -> list[Stay]:
        now = datetime.now(UTC)
        group_id = uuid4() if family else None
        stays = []
        for person_id, bed_id in placements:
            person = await self.person(person_id)
            bed = await self.bed(bed_id)
            room = await self.session.get(Room, bed.room_id)
            assert room is not None
            current = await self.open_stay(person.id)
            if current is not None:
                raise DomainError(
                    _("%(name)s is already checked in. Check them out or move them instead.", name=person.full_name)
                )
            if room.category not in categories_for(person.sex, family=family):
                if not override:
                    raise DomainError(
                        _(
                            "This room is for another group (%(category)s). A coordinator can override.",
                            category=room.category,
                        ),
                        "bed",
                    )
                if self.actor.role not in OVERRIDE_ROLES:
                    raise DomainError(_("Only a coordinator can place someone in a room of another category."), "bed")
                await audit.record(self.session, self.actor, "stay.category_override", "person", person.id, ["bed"])
            await self._take(bed, person)
            stay = Stay(person_id=person.id, site_id=bed.site_id, started_at=now, group_id=group_id)
            self.session.add(stay)
            await self.session.flush()
            self.session.add(BedAssignment(stay_id=stay.id, bed_id=bed.id, person_id=person.id, started_at=now))
            person.last_activity_at = now
            await audit.record(self.session, self.actor, "stay.check_in", "person", person.id, ["stay", "bed"])
            stays.append(stay)
        try:
            await self.session.flush()
        except IntegrityError as error:  # a concurrent check-in of the same person, caught by the indexes
            raise DomainError(_("This person was checked in a moment ago.")) from error
        return stays

    async def _take(self, bed: Bed, person: Person) -> None:
        """Occupy the bed: free, or held for this very person (the hold is then used)."""
        hold = await self.session.scalar(select(Hold).where(Hold.bed_id == bed.id, Hold.ended_at.is_(None)))
        allowed: set[str] = {BedState.AVAILABLE}
        if hold is not None and hold.until < datetime.now(UTC):
            # Past its time (the release job has not run yet): the hold no longer keeps the bed.
            hold.ended_at, hold.end_reason = datetime.now(UTC), "expired"
            await audit.record(self.session, self.actor, "bed.hold_expired", "bed", bed.id, ["state"])
            allowed.add(BedState.HELD)
            hold = None
        elif hold is not None and hold.person_id == person.id:
            allowed.add(BedState.HELD)
        if not await self.gate(bed.id, allowed, BedState.OCCUPIED):
            await self.session.refresh(bed, ["state"])
            messages = {
                BedState.OCCUPIED: _("This bed was just taken. Choose another one."),
                BedState.HELD: _("This bed is held for someone else. Choose another one."),
                BedState.OUT_OF_SERVICE: _("This bed is out of service. Choose another one."),
            }
            raise BedTaken(messages.get(BedState(bed.state), messages[BedState.OCCUPIED]))
        if hold is not None and hold.person_id == person.id:
            hold.ended_at, hold.end_reason = datetime.now(UTC), "used"

    # --- check-out and moves ------------------------------------------------------------------------------

    async def check_out(self, stay_id: UUID, reason: str, destination: str) -> Stay:
        self._require(DESK_ROLES)
        if reason not in {r.value for r in CheckoutReason}:
            raise DomainError(_("Choose the reason for leaving."), "reason")
        stay = await self.stay(stay_id)
        now = datetime.now(UTC)
        ended = await self.session.execute(
            update(Stay)
            .where(Stay.id == stay.id, Stay.ended_at.is_(None))
            .values(ended_at=now, checkout_reason=reason, destination=destination[:200])
            .execution_options(synchronize_session=False)
        )
        if not ended.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This person has already been checked out."))
        await self.session.refresh(stay)
        assignment = await self._open_assignment(stay.id)
        if assignment is not None:
            assignment.ended_at = now
            await self.gate(assignment.bed_id, {BedState.OCCUPIED}, BedState.AVAILABLE)
        person = await self.session.get(Person, stay.person_id)
        if person is not None:
            person.last_activity_at = now
        await audit.record(self.session, self.actor, "stay.check_out", "person", stay.person_id, ["stay"])
        return stay

    async def move(self, stay_id: UUID, bed_id: UUID, *, override: bool = False) -> Stay:
        """Move to another bed, at this site or another; the stay continues, a new assignment starts."""
        self._require(DESK_ROLES)
        stay = await self.stay(stay_id)
        if stay.ended_at is not None:
            raise DomainError(_("This person has already been checked out."))
        person = await self.person(stay.person_id)
        bed = await self.bed(bed_id)
        room = await self.session.get(Room, bed.room_id)
        assert room is not None
        old = await self._open_assignment(stay.id)
        if old is not None and old.bed_id == bed.id:
            raise DomainError(_("The person is already in this bed."), "bed")
        if room.category not in categories_for(person.sex, family=stay.group_id is not None):
            if not (override and self.actor.role in OVERRIDE_ROLES):
                raise DomainError(
                    _(
                        "This room is for another group (%(category)s). A coordinator can override.",
                        category=room.category,
                    ),
                    "bed",
                )
            await audit.record(self.session, self.actor, "stay.category_override", "person", person.id, ["bed"])
        await self._take(bed, person)
        now = datetime.now(UTC)
        if old is not None:
            old.ended_at = now
            await self.session.flush()
            await self.gate(old.bed_id, {BedState.OCCUPIED}, BedState.AVAILABLE)
        self.session.add(BedAssignment(stay_id=stay.id, bed_id=bed.id, person_id=person.id, started_at=now))
        stay.site_id = bed.site_id
        await audit.record(self.session, self.actor, "stay.move", "person", person.id, ["bed"])
        return stay

    async def stay(self, stay_id: UUID) -> Stay:
        stay = await self.session.get(Stay, stay_id)
        if stay is None or not self.actor.can_see_site(stay.site_id):
            raise NotFound(_("This stay does not exist or is not at one of your sites."))
        return stay

    async def _open_assignment(self, stay_id: UUID) -> BedAssignment | None:
        return await self.session.scalar(
            select(BedAssignment).where(BedAssignment.stay_id == stay_id, BedAssignment.ended_at.is_(None))
        )

    # --- holds --------------------------------------------------------------------------------------------

    async def hold(self, bed_id: UUID, person_id: UUID | None, note: str, hours: float | None = None) -> Hold:
        """Keep a free bed for a person, or for a referral on its way, until a time (2 hours by default)."""
        self._require(HOLD_ROLES)
        bed = await self.bed(bed_id)
        length = timedelta(hours=hours) if hours is not None else DEFAULT_HOLD
        if length <= timedelta(0) or length > MAX_HOLD:
            raise DomainError(_("A hold lasts from a few minutes to 7 days."), "hours")
        if person_id is None and not note.strip():
            raise DomainError(_("Name the person or describe the referral."), "note")
        if person_id is not None:
            await self.person(person_id)
        if not await self.gate(bed.id, {BedState.AVAILABLE}, BedState.HELD):
            raise BedTaken(_("This bed is no longer free. Choose another one."))
        now = datetime.now(UTC)
        hold = Hold(
            bed_id=bed.id,
            person_id=person_id,
            note=note[:200],
            until=now + length,
            created_at=now,
            created_by=self.actor.username,
        )
        self.session.add(hold)
        await self.session.flush()
        await audit.record(self.session, self.actor, "bed.hold", "bed", bed.id, ["state"])
        return hold

    async def release_hold(self, bed_id: UUID) -> None:
        self._require(HOLD_ROLES)
        bed = await self.bed(bed_id)
        hold = await self.session.scalar(select(Hold).where(Hold.bed_id == bed.id, Hold.ended_at.is_(None)))
        if hold is None:
            raise DomainError(_("This bed is not held."))
        hold.ended_at, hold.end_reason = datetime.now(UTC), "released"
        await self.gate(bed.id, {BedState.HELD}, BedState.AVAILABLE)
        await audit.record(self.session, self.actor, "bed.release_hold", "bed", bed.id, ["state"])

    async def open_holds(self, site_id: UUID) -> dict[UUID, Hold]:
        rows = await self.session.scalars(
            select(Hold).join(Bed, Bed.id == Hold.bed_id).where(Bed.site_id == site_id, Hold.ended_at.is_(None))
        )
        return {hold.bed_id: hold for hold in rows}

    async def occupants(self, site_id: UUID) -> dict[UUID, tuple[Stay, Person]]:
        """Who is in which bed at the site now."""
        rows = await self.session.execute(
            select(BedAssignment.bed_id, Stay, Person)
            .join(Stay, Stay.id == BedAssignment.stay_id)
            .join(Person, Person.id == BedAssignment.person_id)
            .join(Bed, Bed.id == BedAssignment.bed_id)
            .where(Bed.site_id == site_id, BedAssignment.ended_at.is_(None))
        )
        return {bed_id: (stay, person) for bed_id, stay, person in rows.all()}


@register_job(
    "shelter.release_expired_holds",
    IntervalTrigger(minutes=5),
    "Release bed holds whose time has passed.",
    lease=timedelta(minutes=4),
)
async def release_expired_holds(session: AsyncSession) -> str:
    now = datetime.now(UTC)
    expired = list(await session.scalars(select(Hold).where(Hold.ended_at.is_(None), Hold.until < now)))
    actor = Actor.system("holds")
    for hold in expired:
        hold.ended_at, hold.end_reason = now, "expired"
        await session.execute(
            update(Bed).where(Bed.id == hold.bed_id, Bed.state == BedState.HELD).values(state=BedState.AVAILABLE)
        )
        await audit.record(session, actor, "bed.hold_expired", "bed", hold.bed_id, ["state"])
    return f"{len(expired)} expired holds released"
