"""Demo rooms and beds for the demo shelters, filled to realistic levels (`logistics seed demo`)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.people.models import HouseholdMember, HouseholdReason, Person, Relationship
from logistics.shelter.models import Bed, BedState, OccupancySnapshot, PlaceKind, Room, Stay
from logistics.shelter.places import BulkBeds, PlacesService, RoomInput
from logistics.shelter.rollcall import take_snapshot, tonight
from logistics.shelter.stays import StayService
from logistics.shelter.waiting import WaitingInput, WaitingService
from logistics.sites.models import Site

ACTOR = Actor(user_id=None, username="seed", role="coordinator", sees_all_sites=True)


async def load_shelter_demo(session: AsyncSession, data: dict[str, Any]) -> int:
    """Rooms, beds, residents and holds for each demo shelter that has no rooms yet, a short waiting list and 90
    nights of occupancy history; returns beds added."""
    places, stays = PlacesService(session, ACTOR), StayService(session, ACTOR)
    added = 0
    data = dict(data)
    waiting = data.pop("_waiting", [])
    for site_name, plan in data.items():
        site = await session.scalar(select(Site).where(Site.name == site_name))
        if site is None or await session.scalar(select(Room.id).where(Room.site_id == site.id)):
            continue
        for spec in plan["rooms"]:
            room = await places.add_room(
                site.id, RoomInput(spec["name"], spec["category"], spec["accessible"], spec["floor"])
            )
            for first, last, bunk in spec["beds"]:
                beds = await places.add_beds(
                    room.id, BulkBeds(first=first, last=last, bunk=bunk, kind=spec.get("kind", PlaceKind.BED))
                )
                added += len(beds)
            if "out_of_service" in spec:
                repair = spec["out_of_service"]
                for bed in await session.scalars(select(Bed).where(Bed.room_id == room.id)):
                    await places.take_out_of_service(
                        bed.id, repair["reason"], local_today() + timedelta(days=repair["days"]), repair["note"]
                    )
        await _fill(session, stays, site, plan.get("fill", {}))
        for hold in plan.get("holds", []):
            free = await session.scalar(
                select(Bed).where(Bed.site_id == site.id, Bed.state == BedState.AVAILABLE).order_by(Bed.label)
            )
            if free is not None:
                await stays.hold(free.id, None, hold["note"], hold["hours"])
    if added:
        for request in waiting:
            await WaitingService(session, ACTOR).add(WaitingInput(person_id=None, site_id=None, **request))
        await _history(session)
    return added


async def _history(session: AsyncSession) -> None:
    """90 past nights: tonight's figures, a little lower on milder nights (fictional, so the chart has a shape)."""
    await session.flush()
    rng = random.Random(90)
    today = tonight()
    await take_snapshot(session, today)
    await session.flush()
    current = list(await session.scalars(select(OccupancySnapshot).where(OccupancySnapshot.night == today)))
    for days_ago in range(1, 90):
        cold = 0.75 + 0.25 * (1 - days_ago / 90) + rng.uniform(-0.06, 0.06)
        for snap in current:
            occupied = max(0, min(snap.total - snap.out_of_service, round(snap.occupied * cold)))
            session.add(
                OccupancySnapshot(
                    site_id=snap.site_id,
                    night=today - timedelta(days=days_ago),
                    category=snap.category,
                    total=snap.total,
                    occupied=occupied,
                    held=0,
                    out_of_service=snap.out_of_service,
                    free=snap.total - snap.out_of_service - occupied,
                    taken_at=snap.taken_at,
                )
            )


async def _fill(session: AsyncSession, stays: StayService, site: Site, fill: dict[str, Any]) -> None:
    """Check in demo people with the given reason for assistance who are not staying anywhere yet."""
    if not fill:
        return
    staying = select(Stay.person_id).where(Stay.ended_at.is_(None))
    heads = (
        select(HouseholdMember.person_id)
        .join(HouseholdReason, HouseholdReason.household_id == HouseholdMember.household_id)
        .where(HouseholdReason.reason == fill["reason"], HouseholdMember.relationship == Relationship.HEAD)
    )
    candidates = list(
        await session.scalars(
            select(Person)
            .where(Person.sex == fill["sex"], Person.id.in_(heads), Person.id.not_in(staying))
            .order_by(Person.family_name)
            .limit(fill.get("people", 0) + fill.get("families", 0))
        )
    )
    for family_head in candidates[: fill.get("families", 0)]:
        membership = await session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == family_head.id))
        if membership is None:
            continue
        members = list(
            await session.scalars(
                select(HouseholdMember.person_id).where(HouseholdMember.household_id == membership.household_id)
            )
        )
        room = await session.scalar(
            select(Room)
            .where(Room.site_id == site.id, Room.category == "family")
            .where(~Room.id.in_(select(Bed.room_id).where(Bed.state != BedState.AVAILABLE)))
            .order_by(Room.name)
        )
        if room is None or len(members) > len(room.beds):
            continue
        await stays.check_in_family(list(zip(members, [bed.id for bed in room.beds], strict=False)))
    for person in candidates[fill.get("families", 0) :]:
        proposals = await stays.proposals(person, site_id=site.id)
        if proposals:
            await stays.check_in(person.id, proposals[0].bed.id)
