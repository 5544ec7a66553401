"""Rooms and beds of shelter sites: structure (administrators and coordinators), and beds out of service."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today, ngettext
from logistics.core.service import Service, query
from logistics.shelter.models import (
    Bed,
    BedState,
    Bunk,
    OutOfService,
    PlaceKind,
    Room,
    RoomCategory,
    ServiceReason,
    Stay,
)
from logistics.shelter.policy import MANAGE_PLACES, OUT_OF_SERVICE, VIEW
from logistics.shelter.sorting import natural_key
from logistics.sites.models import Site, SiteKind
from logistics.sites.services import SiteService

SHELTER_KINDS = frozenset(
    {
        SiteKind.NIGHT_SHELTER,
        SiteKind.SHELTER,
        SiteKind.SHELTER_WITH_CARE,
        SiteKind.WARMING_CENTRE,
        SiteKind.SUPPORTED_FLAT,
        SiteKind.COLLECTIVE_ACCOMMODATION,
    }
)
MAX_BULK = 200
#: The longest note, destination or description the shelter keeps (its columns' length).
MAX_NOTE = 200
#: How far ahead a bed taken out of service may be expected back.
MAX_REPAIR = timedelta(days=365)


def short_text(value: str, field: str, max_length: int = MAX_NOTE) -> str:
    """`value` if it fits its column: a longer text is refused with a message on `field`, never cut."""
    if len(value) > max_length:
        raise DomainError(ngettext("At most %(num)s character.", "At most %(num)s characters.", max_length), field)
    return value


@dataclass(frozen=True)
class RoomInput:
    name: str
    category: str
    accessible: bool
    floor: str


@dataclass(frozen=True)
class BulkBeds:
    """`prefix` + numbers `first`..`last` (e.g. "1".."24"), all of one kind and bunk level."""

    first: int
    last: int
    prefix: str = ""
    kind: str = PlaceKind.BED
    bunk: str = Bunk.NONE
    accessible: bool = False


class ShelterService(Service):
    """The checks every shelter use case starts with: the site, bed or stay, if the actor may see it."""

    @query
    async def shelter_site(self, site_id: UUID) -> Site:
        """A shelter-kind site the actor may see, or NotFound."""
        site = await SiteService(self.session, self.actor).get_site(site_id)
        if not set(site.kinds) & SHELTER_KINDS:
            raise NotFound(_("This site has no beds or places."))
        return site

    @query
    async def bed(self, bed_id: UUID) -> Bed:
        bed = await self.session.get(Bed, bed_id)
        if bed is None or not self.actor.can_see_site(bed.site_id):
            raise NotFound(_("This bed does not exist or is not at one of your sites."))
        return bed

    @query
    async def stay(self, stay_id: UUID) -> Stay:
        stay = await self.session.get(Stay, stay_id)
        if stay is None or not self.actor.can_see_site(stay.site_id):
            raise NotFound(_("This stay does not exist or is not at one of your sites."))
        return stay

    async def _gate(self, bed_id: UUID, from_states: set[str], to_state: str) -> bool:
        """Move the bed to `to_state` if it is in one of `from_states` now — one statement, so at most one
        concurrent request wins."""
        result = await self.session.execute(
            update(Bed)
            .where(Bed.id == bed_id, Bed.state.in_(from_states), Bed.is_active.is_(True))
            .values(state=to_state)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            bed = await self.session.get(Bed, bed_id)
            if bed is not None:
                await self.session.refresh(bed, ["state"])
            return True
        return False


class PlacesService(ShelterService):
    @query
    async def rooms(self, site_id: UUID) -> list[Room]:
        """The site's rooms in natural order of their names (Sala 2 before Sala 10); `Room.active_beds` likewise."""
        site = await self.shelter_site(site_id)
        self.require(VIEW, site)
        rooms = await self.session.scalars(select(Room).where(Room.site_id == site.id, Room.is_active.is_(True)))
        return sorted(rooms, key=lambda room: natural_key(room.name))

    async def add_room(self, site_id: UUID, data: RoomInput) -> Room:
        site = await self.shelter_site(site_id)
        self.require(MANAGE_PLACES, site)
        if data.category not in {c.value for c in RoomCategory}:
            raise DomainError(_("This option is not available."), "category")
        short_text(data.name, "name", 60)
        short_text(data.floor, "floor", 60)
        if await self.session.scalar(select(Room.id).where(Room.site_id == site.id, Room.name == data.name)):
            raise DomainError(_("A room with this name already exists here."), "name")
        room = Room(
            site_id=site.id,
            name=data.name,
            category=data.category,
            accessible=data.accessible,
            floor=data.floor,
            beds=[],
        )
        self.session.add(room)
        await self.session.flush()
        await audit.record(self.session, self.actor, "room.create", "room", room.id, ["name", "category"])
        return room

    @query
    async def room(self, room_id: UUID) -> Room:
        room = await self.session.get(Room, room_id)
        if room is None or not self.actor.can_see_site(room.site_id):
            raise NotFound(_("This room does not exist."))
        return room

    async def add_beds(self, room_id: UUID, data: BulkBeds) -> list[Bed]:
        """Bulk-add beds, e.g. "beds 1–24 in room 3"; labels already in the room are refused, nothing is added."""
        room = await self.room(room_id)
        self.require(MANAGE_PLACES, room)
        if data.kind not in {k.value for k in PlaceKind} or data.bunk not in {b.value for b in Bunk}:
            raise DomainError(_("This option is not available."), "kind")
        if data.first < 1 or data.last < data.first:
            raise DomainError(_("The last number must not be smaller than the first."), "last")
        if data.last - data.first + 1 > MAX_BULK:
            raise DomainError(
                ngettext("At most %(num)s bed at once.", "At most %(num)s beds at once.", MAX_BULK), "last"
            )
        if not re.fullmatch(r"[\w .-]{0,10}", data.prefix):
            raise DomainError(_("Use letters, digits, spaces, dots and dashes only."), "prefix")
        labels = [f"{data.prefix}{number}" for number in range(data.first, data.last + 1)]
        taken = set(await self.session.scalars(select(Bed.label).where(Bed.room_id == room.id, Bed.label.in_(labels))))
        if taken:
            raise DomainError(
                _("These labels already exist in the room: %(labels)s", labels=", ".join(sorted(taken))), "first"
            )
        beds = [
            Bed(
                room_id=room.id,
                site_id=room.site_id,
                label=label,
                kind=data.kind,
                bunk=data.bunk,
                accessible=data.accessible or room.accessible,
                state=BedState.AVAILABLE,
            )
            for label in labels
        ]
        self.session.add_all(beds)
        await self.session.flush()
        await audit.record(self.session, self.actor, "room.add_beds", "room", room.id, ["beds"])
        return beds

    async def take_out_of_service(self, bed_id: UUID, reason: str, expected_back: date | None, note: str) -> Bed:
        bed = await self.bed(bed_id)
        self.require(OUT_OF_SERVICE, bed)
        if reason not in {r.value for r in ServiceReason}:
            raise DomainError(_("This option is not available."), "reason")
        if expected_back and expected_back < local_today():
            raise DomainError(_("The expected return cannot be in the past."), "expected_back")
        if expected_back and expected_back > local_today() + MAX_REPAIR:
            raise DomainError(_("The expected return can be at most a year ahead."), "expected_back")
        short_text(note, "note")
        if not await self._gate(bed.id, {BedState.AVAILABLE}, BedState.OUT_OF_SERVICE):
            raise DomainError(_("Only a free bed can be taken out of service. Move the person or end the hold first."))
        self.session.add(
            OutOfService(
                bed_id=bed.id, reason=reason, note=note, expected_back=expected_back, started_at=datetime.now(UTC)
            )
        )
        await audit.record(self.session, self.actor, "bed.out_of_service", "bed", bed.id, ["state", "reason"])
        return bed

    async def return_to_service(self, bed_id: UUID) -> Bed:
        bed = await self.bed(bed_id)
        self.require(OUT_OF_SERVICE, bed)
        if not await self._gate(bed.id, {BedState.OUT_OF_SERVICE}, BedState.AVAILABLE):
            raise DomainError(_("This bed is not out of service."))
        period = await self.session.scalar(
            select(OutOfService).where(OutOfService.bed_id == bed.id, OutOfService.ended_at.is_(None))
        )
        if period is not None:
            period.ended_at = datetime.now(UTC)
        await audit.record(self.session, self.actor, "bed.back_in_service", "bed", bed.id, ["state"])
        return bed

    @query
    async def out_of_service_periods(self, site_id: UUID) -> dict[UUID, OutOfService]:
        site = await self.shelter_site(site_id)
        self.require(VIEW, site)
        rows = await self.session.scalars(
            select(OutOfService)
            .join(Bed, Bed.id == OutOfService.bed_id)
            .where(Bed.site_id == site.id, OutOfService.ended_at.is_(None))
        )
        return {row.bed_id: row for row in rows}
