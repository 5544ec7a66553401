"""Occupancy figures per site and room category — the board, the "free places now" list and the API.

Counted with one GROUP BY over beds (state × room category × accessible), so the board stays fast with
thousands of beds and years of stays (stays are not read at all).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.errors import NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.settings import get_settings
from logistics.shelter.models import Bed, BedState, Room, RoomCategory
from logistics.shelter.places import SHELTER_KINDS, ShelterService
from logistics.shelter.policy import VIEW
from logistics.sites.models import Site, SiteKindRow


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
