"""Stays: beds that fit a person, check-in (alone or as a family), check-out, moves, holds.

Every use case takes the bed through `_gate()` first — one conditional UPDATE — so when two desks take the last
bed at the same moment one wins and the other is told the bed was just taken, with the next fitting beds. A stay
changes only under its row lock (check-out's conditional UPDATE, a move's `SELECT ... FOR UPDATE`), and a hold
ends with a conditional UPDATE, so it ends exactly once: used, released or expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, lazyload

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.people.models import HouseholdMember, Person, Sex
from logistics.people.services import current_person
from logistics.shelter.labels import CATEGORY
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
    night_of,
)
from logistics.shelter.occupancy import bed_nights
from logistics.shelter.places import ShelterService, short_text
from logistics.shelter.policy import CHECK_IN, CHECK_OUT, HOLD, MOVE, OVERRIDE_CATEGORY, VIEW
from logistics.shelter.sorting import natural_key
from logistics.sites.models import Site

DEFAULT_HOLD = timedelta(hours=2)
MAX_HOLD = timedelta(days=7)


class BedTaken(DomainError):
    """The bed was taken (or held, or repaired) a moment ago; the page offers the next fitting beds."""

    status_code = 409


@dataclass(frozen=True)
class Proposal:
    bed: Bed
    room: Room
    reasons: list[str]  # why it fits: "accessible", "lower bunk" ...
    site_name: str = ""


def categories_for(sex: str, *, family: bool) -> set[str]:
    """Room categories a person may be placed in: family rooms for a family checked in together; otherwise
    by sex (a woman alone may also take a free place in a family room, as women's shelters do)."""
    if family:
        return {RoomCategory.FAMILY}
    if sex == Sex.FEMALE:
        return {RoomCategory.WOMEN, RoomCategory.MIXED, RoomCategory.FAMILY}
    return {RoomCategory.MEN, RoomCategory.MIXED}


async def end_hold(session: AsyncSession, hold_id: UUID, reason: str) -> bool:
    """End the hold if it has not ended yet — one conditional UPDATE, so of a check-in using the hold, a release
    and the expiry job at the same moment exactly one ends it (the others find it ended)."""
    result = await session.execute(
        update(Hold)
        .where(Hold.id == hold_id, Hold.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


class StayService(ShelterService):
    @query
    async def person(self, person_id: UUID) -> Person:
        """A current person of the registry, or NotFound."""
        return await current_person(self.session, person_id)

    @query
    async def open_stay(self, person_id: UUID) -> Stay | None:
        return await self.session.scalar(select(Stay).where(Stay.person_id == person_id, Stay.ended_at.is_(None)))

    # --- proposals ----------------------------------------------------------------------------------------

    @query
    async def proposals(
        self, person: Person, *, site_id: UUID | None = None, family: bool = False, other_categories: bool = False
    ) -> list[Proposal]:
        """Free beds that fit: room category for the person's sex (or family rooms), accessible beds first for
        those who need them, then lower bunks; at the sites the actor sees (or one site). Every fitting bed, in
        natural order of site, room and label. With `other_categories`: the free beds of the other categories
        instead (what a coordinator's override may use)."""
        fitting = categories_for(person.sex, family=family)
        # The bed's room comes from the join (contains_eager), and the room's other beds are not read: the models'
        # selectin loads would otherwise query the rooms again and then every bed of every fitting room, occupied
        # ones too — at region scale thousands of ORM objects per call, the bulk of its time.
        query = (
            select(Bed, Room, Site.name)
            .join(Bed.room)
            .join(Site, Site.id == Bed.site_id)
            .options(contains_eager(Bed.room), lazyload(Room.beds))
            .where(
                Bed.state == BedState.AVAILABLE,
                Bed.is_active.is_(True),
                Room.is_active.is_(True),
                Site.is_active.is_(True),
                Room.category.not_in(fitting) if other_categories else Room.category.in_(fitting),
            )
        )
        if site_id is not None:
            query = query.where(Bed.site_id == site_id)
        elif not self.actor.sees_all_sites:
            query = query.where(Bed.site_id.in_(self.actor.site_ids))

        def order(row: tuple[Bed, Room, str]) -> tuple[object, ...]:
            bed, room, site = row
            first = (not bed.accessible) if person.needs_accessible else False
            if family:
                return (
                    first,
                    natural_key(site),
                    natural_key(room.name),
                    bed.bunk == Bunk.UPPER,
                    natural_key(bed.label),
                )
            return (
                first,
                room.category == RoomCategory.FAMILY,
                bed.bunk == Bunk.UPPER,
                natural_key(site),
                natural_key(room.name),
                natural_key(bed.label),
            )

        proposals = []
        for bed, room, site in sorted((await self.session.execute(query)).tuples().all(), key=order):
            reasons = []
            if bed.accessible:
                reasons.append("accessible")
            if bed.bunk == Bunk.LOWER:
                reasons.append("lower")
            proposals.append(Proposal(bed=bed, room=room, reasons=reasons, site_name=site))
        return proposals

    @query
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
        return (await self._check_in([(person_id, bed_id)], override=override, family=False))[0]

    async def check_in_family(self, placements: list[tuple[UUID, UUID]]) -> list[Stay]:
        """Check a parent with children in together, into family rooms — one use case: when any member cannot be
        placed (a bed taken a moment ago), nobody is checked in."""
        people, beds = {p for p, _b in placements}, {b for _p, b in placements}
        if len(placements) < 2 or len(people) != len(placements) or len(beds) != len(placements):
            raise DomainError(_("Choose a bed for each member of the family."))
        return await self._check_in(placements, override=False, family=True)

    async def _check_in(self, placements: list[tuple[UUID, UUID]], *, override: bool, family: bool) -> list[Stay]:
        now = datetime.now(UTC)
        group_id = uuid4() if family else None
        stays: dict[UUID, Stay] = {}
        try:
            # Beds are taken in a fixed order, so two families reaching for the same beds cannot deadlock.
            for person_id, bed_id in sorted(placements, key=lambda placement: placement[1]):
                person = await self.person(person_id)
                bed = await self.bed(bed_id)
                self.require(CHECK_IN, bed)
                room = await self.session.get(Room, bed.room_id)
                assert room is not None
                if await self.open_stay(person.id) is not None:
                    raise DomainError(
                        _(
                            "%(name)s is already checked in. Check them out or move them instead.",
                            name=person.full_name,
                        )
                    )
                await self._check_category(person, bed, room, override=override, family=family)
                await self._take(bed, person)
                stay = Stay(person_id=person.id, site_id=bed.site_id, started_at=now, group_id=group_id)
                self.session.add(stay)
                await self.session.flush()
                self.session.add(BedAssignment.begin(stay, bed, now))
                person.last_activity_at = now
                await audit.record(self.session, self.actor, "stay.check_in", "person", person.id, ["stay", "bed"])
                stays[person_id] = stay
            await self.session.flush()
        except IntegrityError as error:  # a concurrent check-in of the same person, caught by the indexes
            raise DomainError(_("This person was checked in a moment ago.")) from error
        return [stays[person_id] for person_id, _bed in placements]

    async def _check_category(self, person: Person, bed: Bed, room: Room, *, override: bool, family: bool) -> None:
        """A room of the person's category, or a coordinator's override (audit-logged)."""
        if room.category in categories_for(person.sex, family=family):
            return
        if not override:
            raise DomainError(
                _(
                    "This room is for another group (%(category)s). A coordinator can override.",
                    category=str(CATEGORY.get(RoomCategory(room.category), room.category)).lower(),
                ),
                "bed",
            )
        if not self.can(OVERRIDE_CATEGORY, bed):
            raise DomainError(_("Only a coordinator can place someone in a room of another category."), "bed")
        await audit.record(self.session, self.actor, "stay.category_override", "person", person.id, ["bed"])

    async def _take(self, bed: Bed, person: Person) -> None:
        """Occupy the bed: free, or held for this very person (the hold is then used).

        The open hold is read under its row lock, so a release or the expiry job ending it at the same moment
        either ends it first (this check-in then sees no hold) or waits and finds it used."""
        hold = await self.session.scalar(
            select(Hold)
            .where(Hold.bed_id == bed.id, Hold.ended_at.is_(None))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        allowed: set[str] = {BedState.AVAILABLE}
        if hold is not None:
            # Past its time (the release job has not run yet), the hold no longer keeps the bed; in time, it keeps
            # it for its person only.
            expired = hold.until < datetime.now(UTC)
            if (expired or hold.person_id == person.id) and await end_hold(
                self.session, hold.id, "expired" if expired else "used"
            ):
                allowed.add(BedState.HELD)
                if expired:
                    await audit.record(self.session, self.actor, "bed.hold_expired", "bed", bed.id, ["state"])
        if not await self._gate(bed.id, allowed, BedState.OCCUPIED):
            await self.session.refresh(bed, ["state"])
            messages = {
                BedState.OCCUPIED: _("This bed was just taken. Choose another one."),
                BedState.HELD: _("This bed is held for someone else. Choose another one."),
                BedState.OUT_OF_SERVICE: _("This bed is out of service. Choose another one."),
            }
            raise BedTaken(messages.get(BedState(bed.state), messages[BedState.OCCUPIED]))

    # --- check-out and moves ------------------------------------------------------------------------------

    async def check_out(self, stay_id: UUID, reason: str, destination: str) -> Stay:
        stay = await self.stay(stay_id)
        self.require(CHECK_OUT, stay)
        if reason not in {r.value for r in CheckoutReason}:
            raise DomainError(_("Choose the reason for leaving."), "reason")
        short_text(destination, "destination")
        now = datetime.now(UTC)
        # The conditional UPDATE takes the stay's row lock: a move of the same stay waits for it, or goes first.
        ended = await self.session.execute(
            update(Stay)
            .where(Stay.id == stay.id, Stay.ended_at.is_(None))
            .values(ended_at=now, checkout_reason=reason, destination=destination)
            .execution_options(synchronize_session=False)
        )
        if not ended.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This person has already been checked out."))
        await self.session.refresh(stay)
        bed_id = await self._end_assignment(stay.id, now)
        if bed_id is not None:
            await self._gate(bed_id, {BedState.OCCUPIED}, BedState.AVAILABLE)
        person = await self.session.get(Person, stay.person_id)
        if person is not None:
            person.last_activity_at = now
        await audit.record(self.session, self.actor, "stay.check_out", "person", stay.person_id, ["stay"])
        return stay

    async def move(self, stay_id: UUID, bed_id: UUID, *, override: bool = False) -> Stay:
        """Move to another bed, at this site or another; the stay continues, a new assignment starts.

        The stay is locked first (`SELECT ... FOR UPDATE`, only if it has not ended): a check-out at the same
        moment either waits for the move, or ends the stay first — and then the move is refused, instead of
        freeing a bed that has meanwhile been given to someone else."""
        stay = await self.stay(stay_id)
        self.require(MOVE, stay)
        stay = await self._lock_open_stay(stay.id)
        person = await self.person(stay.person_id)
        bed = await self.bed(bed_id)
        self.require(MOVE, bed)
        room = await self.session.get(Room, bed.room_id)
        assert room is not None
        old = await self._open_assignment(stay.id)
        if old is not None and old.bed_id == bed.id:
            raise DomainError(_("The person is already in this bed."), "bed")
        await self._check_category(person, bed, room, override=override, family=stay.group_id is not None)
        await self._take(bed, person)
        now = datetime.now(UTC)
        old_bed_id = await self._end_assignment(stay.id, now)
        if old_bed_id is not None:
            await self._gate(old_bed_id, {BedState.OCCUPIED}, BedState.AVAILABLE)
        self.session.add(BedAssignment.begin(stay, bed, now))
        stay.site_id = bed.site_id
        await audit.record(self.session, self.actor, "stay.move", "person", person.id, ["bed"])
        return stay

    async def _lock_open_stay(self, stay_id: UUID) -> Stay:
        """The stay under its row lock, read afresh — or refused if it has ended (or ends while we wait)."""
        stay = await self.session.scalar(
            select(Stay)
            .where(Stay.id == stay_id, Stay.ended_at.is_(None))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if stay is None:
            raise DomainError(_("This person has already been checked out."))
        return stay

    async def _end_assignment(self, stay_id: UUID, now: datetime) -> UUID | None:
        """End the stay's open bed assignment (one conditional UPDATE); the bed it was for, if there was one."""
        assignment = await self._open_assignment(stay_id)
        if assignment is None:
            return None
        ended = await self.session.execute(
            update(BedAssignment)
            .where(BedAssignment.id == assignment.id, BedAssignment.ended_at.is_(None))
            .values(ended_at=now, end_night=night_of(now))
            .execution_options(synchronize_session=False)
        )
        if not ended.rowcount:  # type: ignore[attr-defined]
            return None
        await self.session.refresh(assignment, ["ended_at", "end_night"])
        return assignment.bed_id

    async def _open_assignment(self, stay_id: UUID) -> BedAssignment | None:
        return await self.session.scalar(
            select(BedAssignment)
            .where(BedAssignment.stay_id == stay_id, BedAssignment.ended_at.is_(None))
            .execution_options(populate_existing=True)
        )

    # --- holds --------------------------------------------------------------------------------------------

    async def hold(self, bed_id: UUID, person_id: UUID | None, note: str, hours: float | None = None) -> Hold:
        """Keep a free bed for a person, or for a referral on its way, until a time (2 hours by default)."""
        bed = await self.bed(bed_id)
        self.require(HOLD, bed)
        length = timedelta(hours=hours) if hours is not None else DEFAULT_HOLD
        if length <= timedelta(0) or length > MAX_HOLD:
            raise DomainError(_("A hold lasts from a few minutes to 7 days."), "hours")
        if person_id is None and not note.strip():
            raise DomainError(_("Name the person or describe the referral."), "note")
        short_text(note, "note")
        if person_id is not None:
            await self.person(person_id)
        if not await self._gate(bed.id, {BedState.AVAILABLE}, BedState.HELD):
            raise BedTaken(_("This bed is no longer free. Choose another one."))
        now = datetime.now(UTC)
        hold = Hold(
            bed_id=bed.id,
            person_id=person_id,
            note=note,
            until=now + length,
            created_at=now,
            created_by=self.actor.username,
        )
        self.session.add(hold)
        await self.session.flush()
        await audit.record(self.session, self.actor, "bed.hold", "bed", bed.id, ["state"])
        return hold

    async def release_hold(self, bed_id: UUID) -> None:
        """End the bed's hold and free the bed — unless the hold has just been used (or expired): it ends once."""
        bed = await self.bed(bed_id)
        self.require(HOLD, bed)
        hold = await self.session.scalar(select(Hold).where(Hold.bed_id == bed.id, Hold.ended_at.is_(None)))
        if hold is None or not await end_hold(self.session, hold.id, "released"):
            raise DomainError(_("This bed is not held."))
        await self._gate(bed.id, {BedState.HELD}, BedState.AVAILABLE)
        await audit.record(self.session, self.actor, "bed.release_hold", "bed", bed.id, ["state"])

    @query
    async def open_holds(self, site_id: UUID) -> dict[UUID, Hold]:
        site = await self.shelter_site(site_id)
        self.require(VIEW, site)
        rows = await self.session.scalars(
            select(Hold).join(Bed, Bed.id == Hold.bed_id).where(Bed.site_id == site.id, Hold.ended_at.is_(None))
        )
        return {hold.bed_id: hold for hold in rows}

    @query
    async def occupants(self, site_id: UUID) -> dict[UUID, tuple[Stay, Person]]:
        """Who is in which bed at the site now."""
        site = await self.shelter_site(site_id)
        self.require(VIEW, site)
        rows = await self.session.execute(
            select(BedAssignment.bed_id, Stay, Person)
            .join(Stay, Stay.id == BedAssignment.stay_id)
            .join(Person, Person.id == BedAssignment.person_id)
            .join(Bed, Bed.id == BedAssignment.bed_id)
            .where(Bed.site_id == site.id, BedAssignment.ended_at.is_(None))
        )
        return {bed_id: (stay, person) for bed_id, stay, person in rows.all()}


# --- a stay's record and a person's stays ------------------------------------------------------------------------


@dataclass(frozen=True)
class BedPeriod:
    """One bed a stay used, from when to when (None: still in it)."""

    site: str
    room: str
    bed: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class StayRecord:
    """A stay as its page shows it: who, where, when, why it ended, the beds, and its bed-nights."""

    stay: Stay
    person: Person | None
    site: str
    beds: list[BedPeriod]
    bed_nights: int


class StayRecordService(ShelterService):
    @query
    async def record(self, stay_id: UUID) -> StayRecord:
        """One stay at a site the actor sees, with its beds and bed-nights."""
        stay = await self.stay(stay_id)
        self.require(VIEW, stay)
        return (await self._records([stay]))[0]

    @query
    async def of_person(self, person_id: UUID) -> list[StayRecord]:
        """The person's stays at the sites the actor sees, newest first. Staff of some sites only are told nothing
        (NotFound) about a person who never stayed at one of them."""
        self.require(VIEW)
        query = select(Stay).where(Stay.person_id == person_id).order_by(Stay.started_at.desc())
        if not self.actor.sees_all_sites:
            query = query.where(Stay.site_id.in_(self.actor.site_ids))
        stays = list(await self.session.scalars(query))
        if not stays and not self.actor.sees_all_sites:
            raise NotFound(_("This person has no stay at your sites."))
        return await self._records(stays)

    async def _records(self, stays: list[Stay]) -> list[StayRecord]:
        if not stays:
            return []
        ids = [stay.id for stay in stays]
        nights = await bed_nights(self.session, stay_ids=ids)
        rows = await self.session.execute(
            select(BedAssignment, Bed.label, Room.name, Site.name)
            .join(Bed, Bed.id == BedAssignment.bed_id)
            .join(Room, Room.id == Bed.room_id)
            .join(Site, Site.id == Bed.site_id)
            .where(BedAssignment.stay_id.in_(ids))
            .order_by(BedAssignment.started_at)
        )
        beds: dict[UUID, list[BedPeriod]] = {}
        for assignment, label, room, site in rows.tuples():
            beds.setdefault(assignment.stay_id, []).append(
                BedPeriod(site, room, label, assignment.started_at, assignment.ended_at)
            )
        sites = dict(
            (await self.session.execute(select(Site.id, Site.name).where(Site.id.in_({s.site_id for s in stays}))))
            .tuples()
            .all()
        )
        people = {
            person.id: person
            for person in await self.session.scalars(select(Person).where(Person.id.in_({s.person_id for s in stays})))
        }
        return [
            StayRecord(
                stay=stay,
                person=people.get(stay.person_id),
                site=sites.get(stay.site_id, ""),
                beds=beds.get(stay.id, []),
                bed_nights=nights.by_stay.get(stay.id, 0),
            )
            for stay in stays
        ]
