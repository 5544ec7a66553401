"""Shelter test set-up: rooms and beds at the test sites, people to check in, two desks at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.people.services import PersonInput, PersonService
from logistics.shelter.models import Bed, Room
from logistics.shelter.places import BulkBeds, PlacesService, RoomInput

from ..helpers import db_session

ADMIN = Actor(user_id=None, username="test", role="admin", sees_all_sites=True)
CASE_WORKER = Actor(user_id=None, username="test", role="case_worker", sees_all_sites=True)


async def make_rooms(app: Any, site_id: Any, rooms: list[tuple[str, str, int, bool]]) -> dict[str, list[Bed]]:
    """rooms: (name, category, number of beds, accessible) → beds by room name."""
    result = {}
    async with db_session(app) as session:
        places = PlacesService(session, ADMIN)
        for name, category, count, accessible in rooms:
            room = await places.add_room(
                site_id, RoomInput(name=name, category=category, accessible=accessible, floor="")
            )
            result[name] = await places.add_beds(room.id, BulkBeds(first=1, last=count))
        await session.commit()
    return result


async def make_person(app: Any, given: str, sex: str, *, accessible: bool = False, year: int = 1970) -> Any:
    async with db_session(app) as session:
        person = await PersonService(session, CASE_WORKER).register(
            PersonInput(
                given_name=given,
                family_name="Testowy",
                birth_date=None,
                birth_year=year,
                sex=sex,
                needs_accessible=accessible,
            ),
            confirmed_new=True,
        )
        await session.commit()
        return person


async def bed_state(app: Any, bed_id: Any) -> str:
    async with db_session(app) as session:
        return str(await session.scalar(select(Bed.state).where(Bed.id == bed_id)))


async def room_of(app: Any, name: str) -> Any:
    async with db_session(app) as session:
        return await session.scalar(select(Room).where(Room.name == name))


async def _until_someone_waits_for_a_lock(app: Any, finished: asyncio.Event) -> None:
    """Until a transaction of this test's database waits for a lock (PostgreSQL), or `finished` is set."""
    async with db_session(app) as probe:
        for _ in range(400):
            waiting = await probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            await probe.rollback()  # pg_stat_activity is read once per transaction
            if waiting or finished.is_set():
                return
            await asyncio.sleep(0.025)
    raise AssertionError("the second transaction neither waited for the first nor finished")


async def at_once(
    app: Any,
    first: Callable[[AsyncSession], Awaitable[Any]],
    second: Callable[[AsyncSession], Awaitable[Any]],
) -> list[Any]:
    """Two desks at the same moment, on two connections: `first` does its work in its transaction; while that is
    still open, `second` starts in another; `first` commits once `second` is waiting for one of its locks (or has
    finished); then `second` completes and commits. Both outcomes: what each returned, or the error it raised."""
    async with db_session(app) as one, db_session(app) as two:
        first_done, second_done = asyncio.Event(), asyncio.Event()

        async def run_first() -> Any:
            try:
                return await first(one)
            finally:
                first_done.set()
                await _until_someone_waits_for_a_lock(app, second_done)
                await one.commit()

        async def run_second() -> Any:
            await first_done.wait()
            try:
                outcome = await second(two)
                await two.commit()
                return outcome
            finally:
                second_done.set()

        return await asyncio.gather(run_first(), run_second(), return_exceptions=True)
