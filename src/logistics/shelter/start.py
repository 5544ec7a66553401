"""The shelter parts of the start page: tonight at the desk (shelter staff and coordinators) — free places by
room category, holds, how many are not marked on tonight's roll call, with check-in and the roll call one tap
away — and, for case workers, the stays due for review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.roles import Role
from logistics.core.service import query
from logistics.shelter.labels import CATEGORY
from logistics.shelter.models import BedAssignment, RollCallMark, RoomCategory, Stay
from logistics.shelter.occupancy import Figures, occupancy
from logistics.shelter.places import ShelterService
from logistics.shelter.policy import CHECK_IN, REVIEW, ROLL_CALL, policy
from logistics.shelter.rollcall import RollCallService, tonight
from logistics.sites.models import Site
from logistics.web.layout import register_panel


@dataclass(frozen=True)
class SiteTonight:
    site: Site
    figures: Figures
    free_by_category: list[tuple[str, int]]  # (room category, free places), categories the site has
    staying: int  # open stays with a bed
    unmarked: int  # of them, not marked present or absent for tonight
    may_check_in: bool
    may_roll_call: bool


class ShelterStartService(ShelterService):
    @query
    async def tonight(self) -> list[SiteTonight]:
        """Tonight at each shelter site where the actor works the desk (checks in or takes the roll call)."""
        self.require(ROLL_CALL)
        night = tonight()
        sites = [
            entry
            for entry in await occupancy(self.session, self.actor)
            if self.can(CHECK_IN, entry.site) or self.can(ROLL_CALL, entry.site)
        ]
        if not sites:
            return []
        ids = [entry.site.id for entry in sites]
        staying = dict(
            (
                await self.session.execute(
                    select(Stay.site_id, func.count())
                    .join(BedAssignment, (BedAssignment.stay_id == Stay.id) & BedAssignment.ended_at.is_(None))
                    .where(Stay.site_id.in_(ids), Stay.ended_at.is_(None))
                    .group_by(Stay.site_id)
                )
            ).all()
        )
        marked_tonight = (
            select(RollCallMark.stay_id).where(RollCallMark.night == night, RollCallMark.site_id.in_(ids)).distinct()
        )
        marked = dict(
            (
                await self.session.execute(
                    select(Stay.site_id, func.count())
                    .join(BedAssignment, (BedAssignment.stay_id == Stay.id) & BedAssignment.ended_at.is_(None))
                    .where(Stay.site_id.in_(ids), Stay.ended_at.is_(None), Stay.id.in_(marked_tonight))
                    .group_by(Stay.site_id)
                )
            ).all()
        )
        return [
            SiteTonight(
                site=entry.site,
                figures=entry.all,
                free_by_category=[
                    (category.value, entry.by_category[category.value].free)
                    for category in RoomCategory
                    if entry.by_category[category.value].total
                ],
                staying=int(staying.get(entry.site.id, 0)),
                unmarked=int(staying.get(entry.site.id, 0)) - int(marked.get(entry.site.id, 0)),
                may_check_in=self.can(CHECK_IN, entry.site),
                may_roll_call=self.can(ROLL_CALL, entry.site),
            )
            for entry in sites
        ]


async def tonight_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    return {"sites": await ShelterStartService(session, actor).tonight(), "night": tonight(), "categories": CATEGORY}


async def review_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    rows = await RollCallService(session, actor).due_for_review()
    return {"count": len(rows), "rows": rows[:5]}


register_panel("home", "shelter/start_panel.html", policy.roles(ROLL_CALL), tonight_panel, order=10)
#: Stays due for review, for the case workers and coordinators who review them.
register_panel("home", "shelter/review_panel.html", policy.roles(REVIEW) - {Role.ADMIN}, review_panel, order=25)
