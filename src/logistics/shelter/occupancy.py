"""Occupancy figures per site and room category — the board, the "free places now" list and the API — and
bed-nights.

Counted with one GROUP BY over beds (state × room category × accessible), so the board stays fast with
thousands of beds and years of stays (stays are not read at all).

A bed-night is one night on which a stay held a bed (`nights_held`, used by every page, CSV and export that shows
bed-nights): the night of the check-in counts, the night of the check-out does not (leaving in the morning ends the
last night), a night is counted once per stay however often the person moved that night, and a night marked absent
still counts (the bed was kept for the person). Nights run from 06:00 to 06:00 in the centre's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.errors import NotFound
from logistics.core.i18n import day_start
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.settings import get_settings
from logistics.shelter.models import Bed, BedAssignment, BedState, Room, RoomCategory, Stay, night_of
from logistics.shelter.places import SHELTER_KINDS, ShelterService
from logistics.shelter.policy import VIEW
from logistics.sites.models import Site, SiteKindRow


def tonight() -> date:
    """The night a roll call is for now."""
    return night_of(datetime.now(UTC))


def nights_held(start: datetime, end: datetime | None, *, until: date | None = None) -> list[date]:
    """The bed-nights of one bed assignment from `start` to `end` (None: still in the bed, counted up to `until`,
    tonight by default): every night from the night of `start` up to, but not including, the night of `end`."""
    first = night_of(start)
    stop = night_of(end) if end is not None else (until or tonight()) + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((stop - first).days)]


@dataclass(frozen=True)
class BedNights:
    """Bed-nights counted per stay and per site (the site of the bed held that night), and in all."""

    by_stay: dict[UUID, int]
    by_site: dict[UUID, int]

    @property
    def total(self) -> int:
        return sum(self.by_stay.values())


async def bed_nights(
    session: AsyncSession,
    *,
    person_id: UUID | None = None,
    stay_ids: Iterable[UUID] | None = None,
    site_ids: Iterable[UUID] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> BedNights:
    """Bed-nights (see the module's docstring) of a person's stays, of some stays, or at some sites, in the nights
    from `first` to `last` (both included; without them, every night up to tonight). One function for every page,
    CSV and export that shows them — e.g. `bed_nights(session, person_id=...)` for a person's RODO export."""
    query = select(BedAssignment.stay_id, Bed.site_id, BedAssignment.started_at, BedAssignment.ended_at).join(
        Bed, Bed.id == BedAssignment.bed_id
    )
    if person_id is not None:
        query = query.where(BedAssignment.stay_id.in_(select(Stay.id).where(Stay.person_id == person_id)))
    if stay_ids is not None:
        query = query.where(BedAssignment.stay_id.in_(list(stay_ids)))
    if site_ids is not None:
        query = query.where(Bed.site_id.in_(list(site_ids)))
    if first is not None:  # assignments that ended before the period began hold none of its nights
        query = query.where(or_(BedAssignment.ended_at.is_(None), BedAssignment.ended_at >= day_start(first)))
    if last is not None:
        query = query.where(BedAssignment.started_at < day_start(last + timedelta(days=2)))
    nights: dict[UUID, dict[date, UUID]] = defaultdict(dict)  # stay → night → site
    for stay_id, site_id, started_at, ended_at in await session.execute(query.order_by(BedAssignment.started_at)):
        for night in nights_held(started_at, ended_at, until=min(last, tonight()) if last else None):
            if (first is None or night >= first) and (last is None or night <= last):
                nights[stay_id][night] = site_id
    by_site: dict[UUID, int] = defaultdict(int)
    for held in nights.values():
        for site_id in held.values():
            by_site[site_id] += 1
    return BedNights(by_stay={stay: len(held) for stay, held in nights.items()}, by_site=dict(by_site))


@dataclass
class Figures:
    total: int = 0
    occupied: int = 0
    held: int = 0
    out_of_service: int = 0

    @property
    def free(self) -> int:
        return self.total - self.occupied - self.held - self.out_of_service

    def add(self, state: str, count: int) -> None:
        self.total += count
        if state == BedState.OCCUPIED:
            self.occupied += count
        elif state == BedState.HELD:
            self.held += count
        elif state == BedState.OUT_OF_SERVICE:
            self.out_of_service += count

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "occupied": self.occupied,
            "held": self.held,
            "out_of_service": self.out_of_service,
            "free": self.free,
        }


@dataclass
class SiteOccupancy:
    site: Site
    all: Figures = field(default_factory=Figures)
    by_category: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    accessible: Figures = field(default_factory=Figures)

    @property
    def level(self) -> str:
        """For colour: full (nothing free), low (under 10 % free), ok."""
        if self.all.free <= 0:
            return "full"
        return "low" if self.all.free * 10 < self.all.total else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "site_id": str(self.site.id),
            "name": self.site.name,
            "address": self.site.address,
            "phone": self.site.phone,
            "kinds": [kind.value for kind in self.site.kinds],
            **self.all.as_dict(),
            "categories": {c.value: self.by_category[c.value].as_dict() for c in RoomCategory},
            "accessible": self.accessible.as_dict(),
        }


async def occupancy(session: AsyncSession, actor: Actor | None, kind: str | None = None) -> list[SiteOccupancy]:
    """Figures for every active shelter-kind site the actor sees (all sites when `actor` is None: public list)."""
    kinds = {kind} & SHELTER_KINDS if kind else SHELTER_KINDS
    sites_query = (
        select(Site)
        .where(Site.is_active.is_(True), Site.id.in_(select(SiteKindRow.site_id).where(SiteKindRow.kind.in_(kinds))))
        .order_by(Site.name)
    )
    if actor is not None and not actor.sees_all_sites:
        sites_query = sites_query.where(Site.id.in_(actor.site_ids))
    result: dict[UUID, SiteOccupancy] = {site.id: SiteOccupancy(site) for site in await session.scalars(sites_query)}
    if not result:
        return []
    rows = await session.execute(
        select(Bed.site_id, Room.category, Bed.accessible, Bed.state, func.count())
        .join(Room, Room.id == Bed.room_id)
        .where(Bed.site_id.in_(result), Bed.is_active.is_(True), Room.is_active.is_(True))
        .group_by(Bed.site_id, Room.category, Bed.accessible, Bed.state)
    )
    for site_id, category, accessible, state, count in rows.all():
        entry = result[site_id]
        entry.all.add(state, count)
        entry.by_category[category].add(state, count)
        if accessible:
            entry.accessible.add(state, count)
    return list(result.values())


class OccupancyService(ShelterService):
    @query
    async def board(self, kind: str | None = None) -> list[SiteOccupancy]:
        """The figures of the sites the actor sees (of one kind, if given)."""
        self.require(VIEW)
        return await occupancy(self.session, self.actor, kind)

    @query
    async def public_free_places(self) -> list[SiteOccupancy]:
        """Every shelter's figures for the public page — only when LOGISTICS_PUBLIC_FREE_PLACES is on."""
        if not get_settings().public_free_places:
            raise NotFound(_("Page not found."))
        return await occupancy(self.session, None)
