"""Demo rooms and beds for the demo shelters, filled to realistic levels (`logistics seed demo`)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today, local_zone
from logistics.people.models import HouseholdMember, HouseholdReason, Person, Relationship
from logistics.settings import get_settings
from logistics.shelter.models import (
    Bed,
    BedAssignment,
    BedState,
    CheckoutReason,
    OccupancySnapshot,
    PlaceKind,
    RollCallMark,
    Room,
    Stay,
)
from logistics.shelter.places import BulkBeds, PlacesService, RoomInput
from logistics.shelter.rollcall import night_of, review_days, take_snapshot, tonight
from logistics.shelter.stays import StayService
from logistics.shelter.waiting import WaitingInput, WaitingService
from logistics.sites.models import Site

ACTOR = Actor(user_id=None, username="seed", role="coordinator", sees_all_sites=True)
#: People per shelter who stayed in the past weeks and have left, with the reason and where they went.
PAST_STAYS = 6
LEAVING = [
    (CheckoutReason.OWN_HOUSING, "mieszkanie socjalne, ul. Zwycięstwa"),
    (CheckoutReason.OTHER_FACILITY, "Dom Pomocy Społecznej w Gliwicach"),
    (CheckoutReason.HOSPITAL, "Szpital Miejski nr 4"),
    (CheckoutReason.LEFT_WITHOUT_NOTICE, ""),
    (CheckoutReason.OTHER, "u rodziny w Zabrzu"),
    (CheckoutReason.RULES_VIOLATION, ""),
]
#: Tonight's roll call is left to do; on the past nights these many residents per shelter were away the last nights.
ABSENT = 2
ROLL_CALL_NIGHTS = 42


def demo_night(today: date) -> date:
    """The night the demo loaded for `today` treats as tonight: the current night on the real day (before 06:00
    that is still yesterday's night), the load day itself on any other day."""
    return tonight() if today == local_today() else today


async def load_shelter_demo(session: AsyncSession, data: dict[str, Any], today: date | None = None) -> int:
    """Rooms, beds, residents and holds for each demo shelter that has no rooms yet, a short waiting list and 90
    nights of occupancy history; returns beds added.

    Relative to `today` (the load day): the residents arrived over the past weeks (some long enough ago to be due
    for review), others stayed and left with a reason, and the past nights' roll calls are marked — a few people
    absent on the last nights, so absence proposals show — while tonight's roll call is left to do."""
    places, stays = PlacesService(session, ACTOR), StayService(session, ACTOR)
    real = local_today()
    today = today or real
    night = demo_night(today)
    now = datetime.now(UTC) if today == real else datetime.combine(today, time(14), local_zone()).astimezone(UTC)
    rng = random.Random(42)
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
                        bed.id, repair["reason"], today + timedelta(days=repair["days"]), repair["note"]
                    )
        await _fill(session, stays, site, plan.get("fill", {}))
        await _past_stays(session, stays, site, plan.get("fill", {}), now, rng)
        await _spread(session, site, now, rng)
        await _roll_calls(session, site, night, rng)
        for hold in plan.get("holds", []):
            free = await session.scalar(
                select(Bed).where(Bed.site_id == site.id, Bed.state == BedState.AVAILABLE).order_by(Bed.label)
            )
            if free is not None:
                await stays.hold(free.id, None, hold["note"], hold["hours"])
    if added:
        for request in waiting:
            await WaitingService(session, ACTOR).add(WaitingInput(person_id=None, site_id=None, **request))
        await _history(session, night)
    return added


async def _history(session: AsyncSession, today: date) -> None:
    """90 past nights: tonight's figures, a little lower on milder nights (fictional, so the chart has a shape)."""
    await session.flush()
    rng = random.Random(90)
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


async def _past_stays(
    session: AsyncSession, stays: StayService, site: Site, fill: dict[str, Any], now: datetime, rng: random.Random
) -> None:
    """People who stayed at the site in the past weeks and have left (checked in and out through the service, then
    dated back: started 10 to 60 days ago, for 2 to 20 nights)."""
    if not fill:
        return
    staying_or_stayed = select(Stay.person_id)
    candidates = list(
        await session.scalars(
            select(Person)
            .where(Person.sex == fill["sex"], Person.birth_year < 2006, Person.id.not_in(staying_or_stayed))
            .order_by(Person.family_name.desc(), Person.given_name)
            .limit(PAST_STAYS)
        )
    )
    for number, person in enumerate(candidates):
        proposals = await stays.proposals(person, site_id=site.id)
        if not proposals:
            continue
        stay = await stays.check_in(person.id, proposals[0].bed.id)
        reason, destination = LEAVING[number % len(LEAVING)]
        await stays.check_out(stay.id, reason, destination)
        started = now - timedelta(days=rng.randint(10, 60), hours=rng.randint(0, 5))
        ended = started + timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 10))
        stay.started_at, stay.ended_at = started, min(ended, now - timedelta(days=1))
        for assignment in await session.scalars(select(BedAssignment).where(BedAssignment.stay_id == stay.id)):
            assignment.started_at, assignment.ended_at = stay.started_at, stay.ended_at
    await session.flush()


async def _spread(session: AsyncSession, site: Site, now: datetime, rng: random.Random) -> None:
    """Date the current residents' arrivals back over the past weeks: a quarter in the last days, most within the
    site's review period, some past it (due for the case worker's review). A family arrived together."""
    review = review_days([k.value for k in site.kinds])
    open_stays = list(
        await session.scalars(
            select(Stay).where(Stay.site_id == site.id, Stay.ended_at.is_(None)).order_by(Stay.started_at, Stay.id)
        )
    )
    by_group: dict[Any, datetime] = {}
    for stay in open_stays:
        roll = rng.random()
        days = (
            rng.randint(0, 6)
            if roll < 0.25
            else rng.randint(7, review - 1)
            if roll < 0.8
            else review + rng.randint(2, 30)
        )
        started = now - timedelta(days=days, hours=rng.randint(1, 8))
        if stay.group_id is not None:
            started = by_group.setdefault(stay.group_id, started)
        stay.started_at = started
        for assignment in await session.scalars(
            select(BedAssignment).where(BedAssignment.stay_id == stay.id, BedAssignment.ended_at.is_(None))
        ):
            assignment.started_at = started
    await session.flush()


async def _roll_calls(session: AsyncSession, site: Site, night: date, rng: random.Random) -> None:
    """Roll-call marks for the past nights of every stay at the site (up to ROLL_CALL_NIGHTS back, not tonight):
    mostly present, now and then away; ABSENT current residents were away on their last nights in a row."""
    zone = local_zone()
    stays = list(await session.scalars(select(Stay).where(Stay.site_id == site.id).order_by(Stay.started_at, Stay.id)))
    current = [stay for stay in stays if stay.ended_at is None and night_of(stay.started_at) < night - timedelta(5)]
    away = {stay.id for stay in rng.sample(current, min(ABSENT, len(current)))}
    absence = get_settings().absence_nights
    marks = []
    for stay in stays:
        first = max(night_of(stay.started_at), night - timedelta(days=ROLL_CALL_NIGHTS))
        last = night - timedelta(days=1) if stay.ended_at is None else night_of(stay.ended_at) - timedelta(days=1)
        day = first
        while day <= last:
            present = rng.random() > 0.05
            if stay.id in away and day > night - timedelta(days=absence + 1):
                present = False
            marked = datetime.combine(day, time(21, rng.randint(0, 50)), zone).astimezone(UTC)
            marks.append(
                RollCallMark(
                    stay_id=stay.id, site_id=site.id, night=day, present=present, marked_at=marked, marked_by="shelter"
                )
            )
            day += timedelta(days=1)
    session.add_all(marks)
    await session.flush()
