"""Shelter test set-up: rooms and beds at the test sites, people to check in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
