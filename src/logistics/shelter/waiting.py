"""The waiting list: requests for a place, ordered by priority then age; a free bed that fits is offered to the
first fitting request, which creates a hold for it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import or_, select, update

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.people.services import current_person
from logistics.shelter.models import Bed, BedState, Room, RoomCategory, WaitingRequest, WaitingStatus
from logistics.shelter.places import ShelterService, short_text
from logistics.shelter.policy import WAITING
from logistics.shelter.sorting import natural_key
from logistics.shelter.stays import StayService


@dataclass(frozen=True)
class WaitingInput:
    person_id: UUID | None
    description: str
    category: str
    needs_accessible: bool
    family_size: int
    priority: int
    priority_reason: str
    site_id: UUID | None


@dataclass(frozen=True)
class Match:
    request: WaitingRequest
    bed: Bed | None  # the first free bed that fits, if any


class WaitingService(ShelterService):
    async def add(self, data: WaitingInput) -> WaitingRequest:
        self.require(WAITING)
        if data.category not in {c.value for c in RoomCategory}:
            raise DomainError(_("This option is not available."), "category")
        if data.priority not in {1, 2, 3}:
            raise DomainError(_("This option is not available."), "priority")
        if not 1 <= data.family_size <= 15:
            raise DomainError(_("Enter a number from %(low)s to %(high)s.", low=1, high=15), "family_size")
        if data.person_id is None and not data.description.strip():
            raise DomainError(_("Name the person or describe the request."), "description")
        short_text(data.description, "description")
        short_text(data.priority_reason, "priority_reason")
        if data.person_id is not None:
            await current_person(self.session, data.person_id)
        if data.site_id is not None:
            await self.shelter_site(data.site_id)
        request = WaitingRequest(
            person_id=data.person_id,
            description=data.description,
            category=data.category,
            needs_accessible=data.needs_accessible,
            family_size=data.family_size,
            priority=data.priority,
            priority_reason=data.priority_reason,
            site_id=data.site_id,
            created_by=self.actor.username,
        )
        self.require(WAITING, request)
        self.session.add(request)
        await self.session.flush()
        await audit.record(
            self.session, self.actor, "waiting.add", "waiting_request", request.id, ["category", "priority"]
        )
        return request

    @query
    async def open_requests(self) -> list[Match]:
        """Open requests for any site or for the actor's sites, most urgent and oldest first, each with the first
        free bed that fits it.

        Two queries whatever the length of the list: the requests, and the free beds at the sites the actor sees;
        earlier requests take the first fitting beds."""
        self.require(WAITING)
        waiting = select(WaitingRequest).where(WaitingRequest.status == WaitingStatus.OPEN)
        if not self.actor.sees_all_sites:
            waiting = waiting.where(
                or_(WaitingRequest.site_id.is_(None), WaitingRequest.site_id.in_(self.actor.site_ids))
            )
        requests = list(
            await self.session.scalars(waiting.order_by(WaitingRequest.priority, WaitingRequest.created_at).limit(200))
        )
        free = (
            select(Bed, Room.category, Room.name)
            .join(Room, Room.id == Bed.room_id)
            .where(Bed.state == BedState.AVAILABLE, Bed.is_active.is_(True), Room.is_active.is_(True))
        )
        if not self.actor.sees_all_sites:
            free = free.where(Bed.site_id.in_(self.actor.site_ids))
        rows = (await self.session.execute(free)).all() if requests else []
        rows = sorted(rows, key=lambda row: (natural_key(row[2]), natural_key(row[0].label)))
        beds = [(bed, category) for bed, category, _room in rows]
        taken: set[UUID] = set()
        matches = []
        for request in requests:
            bed = next(
                (
                    bed
                    for bed, category in beds
                    if bed.id not in taken
                    and category == request.category
                    and (request.site_id is None or bed.site_id == request.site_id)
                    and (bed.accessible or not request.needs_accessible)
                ),
                None,
            )
            if bed is not None:
                taken.add(bed.id)
            matches.append(Match(request, bed))
        return matches

    async def offer(self, request_id: UUID, bed_id: UUID) -> WaitingRequest:
        """Offer a bed to the request: the bed is held for the person (or the described referral). Of two offers
        for the same request at the same moment, one wins (a conditional UPDATE of its status)."""
        request = await self.waiting_request(request_id)
        if not await self._change_status(request, {WaitingStatus.OPEN}, WaitingStatus.OFFERED):
            raise DomainError(_("This request is no longer waiting."))
        note = request.description or _("Waiting list")
        hold = await StayService(self.session, self.actor).hold(bed_id, request.person_id, note, hours=None)
        request.hold_id = hold.id
        await audit.record(self.session, self.actor, "waiting.offer", "waiting_request", request.id, ["status"])
        return request

    async def close(self, request_id: UUID, status: str) -> WaitingRequest:
        """Mark the request placed, or cancel it — a request for one of the actor's sites (or for any site)."""
        request = await self.waiting_request(request_id)
        if status not in {WaitingStatus.PLACED, WaitingStatus.CANCELLED}:
            raise DomainError(_("This option is not available."))
        if not await self._change_status(request, {WaitingStatus.OPEN, WaitingStatus.OFFERED}, status):
            raise DomainError(_("This request is no longer waiting."))
        await audit.record(self.session, self.actor, f"waiting.{status}", "waiting_request", request.id, ["status"])
        return request

    @query
    async def first_fitting(self) -> dict[UUID, WaitingRequest]:
        """Free bed id → the request it should go to first (highlighted on a site's map); nothing for those who
        do not keep the waiting list."""
        if not self.can(WAITING):
            return {}
        return {match.bed.id: match.request for match in await self.open_requests() if match.bed is not None}

    @query
    async def waiting_request(self, request_id: UUID) -> WaitingRequest:
        """The request, if the actor may act on it: Forbidden when it is meant for another site."""
        request = await self.session.get(WaitingRequest, request_id)
        if request is None:
            raise NotFound(_("This request does not exist."))
        self.require(WAITING, request)
        return request

    async def _change_status(self, request: WaitingRequest, from_statuses: set[str], to_status: str) -> bool:
        """Move the request to `to_status` if it is in one of `from_statuses` now — one statement."""
        result = await self.session.execute(
            update(WaitingRequest)
            .where(WaitingRequest.id == request.id, WaitingRequest.status.in_(from_statuses))
            .values(status=to_status)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await self.session.refresh(request, ["status"])
        return True
