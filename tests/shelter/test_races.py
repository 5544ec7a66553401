"""Races that only PostgreSQL shows (SQLite runs one write transaction at a time): two desks at the same moment on
two connections, and the database checked afterwards. Each rule holds in SQL — a row lock taken first, or a
condition in the UPDATE — so the loser waits for the winner and then sees what it did."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.shelter.models import BedAssignment, Hold, Stay
from logistics.shelter.stays import StayService

from ..conftest import TEST_DB
from ..helpers import count, db_session
from .helpers import at_once, bed_state, make_person, make_rooms

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="needs two transactions writing at once: SQLite runs one writer at a time"
)


def _desk(people) -> Actor:
    return Actor(user_id=None, username="desk", role="shelter_staff", site_ids=frozenset({people.site_a.id}))


async def _resident(app, people):
    beds = await make_rooms(app, people.site_a.id, [("Męska", "men", 3, False)])
    leaving, arriving = await make_person(app, "Marek", "male"), await make_person(app, "Jan", "male")
    async with db_session(app) as session:
        stay = await StayService(session, _desk(people)).check_in(leaving.id, beds["Męska"][0].id)
        await session.commit()
    return beds["Męska"], stay, arriving


async def _open_assignments(app) -> dict:
    async with db_session(app) as session:
        rows = await session.execute(
            select(BedAssignment.bed_id, BedAssignment.person_id).where(BedAssignment.ended_at.is_(None))
        )
        return dict(rows.all())


async def test_a_move_of_a_stay_that_is_being_checked_out_and_its_bed_reused_is_refused(app, people):
    (old_bed, new_bed, _spare), stay, arriving = await _resident(app, people)

    async def check_out_and_reuse_the_bed(session):
        stays = StayService(session, _desk(people))
        await stays.check_out(stay.id, "hospital", "")
        return await stays.check_in(arriving.id, old_bed.id)

    async def move(session):
        return await StayService(session, _desk(people)).move(stay.id, new_bed.id)

    reused, moved = await at_once(app, check_out_and_reuse_the_bed, move)
    assert isinstance(reused, Stay)
    assert isinstance(moved, DomainError)
    assert moved.message == "Ta osoba została już wypisana."
    # The new resident's bed is still theirs (the move did not free it), the bed of the move was not taken.
    assert await bed_state(app, old_bed.id) == "occupied"
    assert await bed_state(app, new_bed.id) == "available"
    assert await _open_assignments(app) == {old_bed.id: arriving.id}
    async with db_session(app) as session:
        assert (await session.get(Stay, stay.id)).ended_at is not None
    assert await count(app, AuditEntry, AuditEntry.action == "stay.move") == 0


async def test_a_check_out_during_a_move_waits_and_frees_the_new_bed(app, people):
    (old_bed, new_bed, _spare), stay, _arriving = await _resident(app, people)

    async def move(session):
        return await StayService(session, _desk(people)).move(stay.id, new_bed.id)

    async def check_out(session):
        return await StayService(session, _desk(people)).check_out(stay.id, "own_housing", "")

    moved, checked_out = await at_once(app, move, check_out)
    assert isinstance(moved, Stay)
    assert isinstance(checked_out, Stay)
    assert await bed_state(app, old_bed.id) == "available"
    assert await bed_state(app, new_bed.id) == "available"
    assert await _open_assignments(app) == {}
    assert await count(app, BedAssignment) == 2


async def _held(app, people):
    beds = await make_rooms(app, people.site_a.id, [("Męska", "men", 1, False)])
    bed = beds["Męska"][0]
    person = await make_person(app, "Marek", "male")
    async with db_session(app) as session:
        await StayService(session, _desk(people)).hold(bed.id, person.id, "ratownicy wiozą")
        await session.commit()
    return bed, person


async def _hold_ends(app) -> list[str]:
    async with db_session(app) as session:
        return list(await session.scalars(select(Hold.end_reason)))


async def test_a_hold_just_used_for_a_check_in_is_not_released(app, people):
    bed, person = await _held(app, people)

    async def check_in(session):
        return await StayService(session, _desk(people)).check_in(person.id, bed.id)

    async def release(session):
        return await StayService(session, _desk(people)).release_hold(bed.id)

    checked_in, released = await at_once(app, check_in, release)
    assert isinstance(checked_in, Stay)
    assert isinstance(released, DomainError)
    assert released.message == "To łóżko nie jest zarezerwowane."
    assert await _hold_ends(app) == ["used"]
    assert await bed_state(app, bed.id) == "occupied"
    assert await _open_assignments(app) == {bed.id: person.id}
    assert await count(app, AuditEntry, AuditEntry.action == "bed.release_hold") == 0


async def test_a_hold_released_a_moment_before_the_check_in_stays_released(app, people):
    """The release goes first: the hold ends as released (the check-in does not overwrite it as used), and the
    check-in, which waited, finds the bed free and takes it."""
    bed, person = await _held(app, people)

    async def release(session):
        return await StayService(session, _desk(people)).release_hold(bed.id)

    async def check_in(session):
        return await StayService(session, _desk(people)).check_in(person.id, bed.id)

    released, checked_in = await at_once(app, release, check_in)
    assert released is None
    assert isinstance(checked_in, Stay)
    assert await _hold_ends(app) == ["released"]
    assert await bed_state(app, bed.id) == "occupied"
    assert await _open_assignments(app) == {bed.id: person.id}
    assert await count(app, AuditEntry, AuditEntry.action == "bed.release_hold") == 1
