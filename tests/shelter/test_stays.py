"""Check-in, check-out, moves and holds — each rule and each refusal, with the database state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from logistics.audit.models import AuditEntry
from logistics.shelter.jobs import release_expired_holds
from logistics.shelter.models import Bed, BedAssignment, Hold, Room, Stay

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import bed_state, make_person, make_rooms

ROOMS = [
    ("Męska", "men", 2, False),
    ("Damska", "women", 2, False),
    ("Rodzinna", "family", 3, False),
    ("Dostępna", "men", 1, True),
]


async def _setup(app, people):
    return await make_rooms(app, people.site_a.id, ROOMS)


async def test_proposals_fit_the_person(app, client, people):
    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male", accessible=True)
    woman = await make_person(app, "Ewa", "female")
    await login(client, "shelter")
    page = await client.get("/shelter/check-in", params={"person": str(man.id)})
    assert page.status_code == 200
    text = page.text
    assert "Dostępna" in text and "Męska" in text
    assert "Damska" not in text and "Rodzinna" not in text
    assert text.index("Dostępna") < text.index("Męska")  # accessible beds first for someone who needs one
    page = await client.get("/shelter/check-in", params={"person": str(woman.id)})
    assert "Damska" in page.text and "Męska" not in page.text
    assert page.text.index("Damska") < page.text.index("Rodzinna")  # women's rooms before family rooms
    assert beds


async def test_proposals_read_each_free_bed_with_its_own_room_and_nothing_more(app, people):
    from sqlalchemy import event, inspect

    from logistics.shelter.stays import StayService

    from .helpers import CASE_WORKER

    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male", accessible=True)
    taken = beds["Męska"][0]
    async with db_session(app) as session:
        await session.execute(update(Bed).where(Bed.id == taken.id).values(state="occupied"))
        await session.commit()
    async with db_session(app) as session:
        statements: list[str] = []
        engine = session.bind.sync_engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            proposals = await StayService(session, CASE_WORKER).proposals(man, site_id=people.site_a.id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        # The free men's beds, the accessible one first; the occupied one is not proposed.
        assert [(p.room.name, p.bed.label) for p in proposals] == [
            ("Dostępna", beds["Dostępna"][0].label),
            ("Męska", beds["Męska"][1].label),
        ]
        assert proposals[0].reasons == ["accessible"]
        for proposal in proposals:
            assert proposal.bed.room is proposal.room and proposal.room.id == proposal.bed.room_id
            assert "beds" not in inspect(proposal.room).dict  # the room's other beds were not read
        assert len(statements) == 1  # one query: no selectin loads of rooms or of their beds
        # Asked for later, the room's beds are all there (a later read loads them, not the proposals).
        room = await session.scalar(select(Room).where(Room.name == "Męska"))
        assert room is proposals[1].room
        assert sorted(bed.label for bed in room.beds) == sorted(bed.label for bed in beds["Męska"])


async def test_check_in_and_out(app, client, people):
    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male")
    bed = beds["Męska"][0]
    await login(client, "shelter")
    response = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(bed.id)})
    assert response.status_code == 303
    assert await bed_state(app, bed.id) == "occupied"
    async with db_session(app) as session:
        stay = await session.scalar(select(Stay))
        assert stay.person_id == man.id
        assert stay.site_id == people.site_a.id
        assert stay.ended_at is None
    page = await client.get(f"/shelter/sites/{people.site_a.id}")
    assert "Marek Testowy" in page.text
    twice = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Męska"][1].id)})
    assert twice.status_code == 422
    assert await count(app, Stay) == 1
    # Check-out needs a reason; then the bed is free again; a second check-out is refused.
    assert (await post_form(client, f"/shelter/stays/{stay.id}/check-out", {"reason": ""})).status_code == 303
    assert await bed_state(app, bed.id) == "occupied"
    out = await post_form(
        client, f"/shelter/stays/{stay.id}/check-out", {"reason": "hospital", "destination": "Szpital"}
    )
    assert out.status_code == 303
    assert await bed_state(app, bed.id) == "available"
    async with db_session(app) as session:
        stay = await session.get(Stay, stay.id)
        assert stay.checkout_reason == "hospital"
        assert (await session.scalar(select(BedAssignment))).ended_at is not None
    again = await post_form(client, f"/shelter/stays/{stay.id}/check-out", {"reason": "hospital"})
    assert again.status_code == 303
    assert await count(app, AuditEntry, AuditEntry.action == "stay.check_out") == 1


async def test_a_man_into_a_womens_room_needs_a_coordinators_override(app, client, people):
    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male")
    bed = beds["Damska"][0]
    await login(client, "shelter")
    refused = await post_form(
        client, "/shelter/check-in", {"person": str(man.id), "bed": str(bed.id), "override": "on"}
    )
    assert refused.status_code == 422
    assert await bed_state(app, bed.id) == "available"
    client.cookies.clear()
    await login(client, "coordinator")
    plain = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(bed.id)})
    assert plain.status_code == 422
    allowed = await post_form(
        client, "/shelter/check-in", {"person": str(man.id), "bed": str(bed.id), "override": "on"}
    )
    assert allowed.status_code == 303
    assert await count(app, AuditEntry, AuditEntry.action == "stay.category_override") == 1


async def test_out_of_service_and_held_beds_cannot_be_taken(app, client, people):
    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male")
    other = await make_person(app, "Jan", "male")
    broken, held = beds["Męska"]
    await login(client, "shelter")
    await post_form(client, f"/shelter/beds/{broken.id}/out-of-service", {"reason": "repair"})
    response = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(broken.id)})
    assert response.status_code == 409
    assert "To łóżko jest wyłączone z użytku. Wybierz inne." in response.text
    await post_form(client, f"/shelter/beds/{held.id}/hold", {"person": str(other.id), "note": "", "hours": "2"})
    response = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(held.id)})
    assert response.status_code == 409
    assert await count(app, Stay) == 0
    # The person the bed is held for gets it, and the hold is used.
    assert (
        await post_form(client, "/shelter/check-in", {"person": str(other.id), "bed": str(held.id)})
    ).status_code == 303
    async with db_session(app) as session:
        hold = await session.scalar(select(Hold))
        assert hold.end_reason == "used"


async def test_move_keeps_one_stay(app, client, people):
    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male")
    first, second = beds["Męska"]
    await login(client, "shelter")
    await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(first.id)})
    async with db_session(app) as session:
        stay = await session.scalar(select(Stay))
    assert (await post_form(client, f"/shelter/stays/{stay.id}/move", {"bed": str(second.id)})).status_code == 303
    assert await bed_state(app, first.id) == "available"
    assert await bed_state(app, second.id) == "occupied"
    async with db_session(app) as session:
        assignments = list(await session.scalars(select(BedAssignment).order_by(BedAssignment.started_at)))
    assert [a.bed_id for a in assignments] == [first.id, second.id]
    assert assignments[0].ended_at is not None
    assert assignments[1].ended_at is None
    assert await count(app, Stay) == 1
    # Into a women's room without override: refused, nothing changes.
    assert (
        await post_form(client, f"/shelter/stays/{stay.id}/move", {"bed": str(beds["Damska"][0].id)})
    ).status_code == 303
    assert await bed_state(app, beds["Damska"][0].id) == "available"


async def test_holds_expire(app, client, people):
    beds = await _setup(app, people)
    bed = beds["Męska"][0]
    await login(client, "caseworker")
    assert (await post_form(client, f"/shelter/beds/{bed.id}/hold", {"note": ""})).status_code == 303
    assert await bed_state(app, bed.id) == "available"  # a hold names a person or a referral
    assert (
        await post_form(client, f"/shelter/beds/{bed.id}/hold", {"note": "skierowanie z MOPS", "hours": "500"})
    ).status_code == 303
    assert await bed_state(app, bed.id) == "available"  # longer than 7 days
    assert (await post_form(client, f"/shelter/beds/{bed.id}/hold", {"note": "skierowanie z MOPS"})).status_code == 303
    assert await bed_state(app, bed.id) == "held"
    async with db_session(app) as session:
        hold = await session.scalar(select(Hold))
        assert timedelta(hours=1, minutes=59) < hold.until - hold.created_at <= timedelta(hours=2)
        await session.execute(update(Hold).values(until=datetime.now(UTC) - timedelta(minutes=1)))
        await session.commit()
        assert await release_expired_holds(session) == "1 expired holds released"
        await session.commit()
    assert await bed_state(app, bed.id) == "available"


async def test_release_a_hold(app, client, people):
    beds = await _setup(app, people)
    bed = beds["Męska"][0]
    await login(client, "shelter")
    await post_form(client, f"/shelter/beds/{bed.id}/hold", {"note": "ratownicy wiozą osobę"})
    assert (await post_form(client, f"/shelter/beds/{bed.id}/release")).status_code == 303
    assert await bed_state(app, bed.id) == "available"
    async with db_session(app) as session:
        assert (await session.scalar(select(Hold))).end_reason == "released"


async def test_volunteers_and_warehouse_have_no_beds(app, client, people):
    beds = await _setup(app, people)
    man = await make_person(app, "Marek", "male")
    for username in ("volunteer", "warehouse"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/shelter/board")).status_code == 403
        assert (
            await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Męska"][0].id)})
        ).status_code == 403
    assert await count(app, Stay) == 0


async def test_a_family_is_checked_in_together_into_one_family_room(app, client, people):
    from logistics.people.households import HouseholdService
    from logistics.people.services import PersonInput, PersonService

    from .helpers import CASE_WORKER

    beds = await make_rooms(app, people.site_a.id, [("Rodzinna", "family", 3, False), ("Damska", "women", 2, False)])
    async with db_session(app) as session:
        registry = PersonService(session, CASE_WORKER)
        mother = await registry.register(PersonInput("Anna", "Rodzinna", None, 1990, "female"), confirmed_new=True)
        son = await registry.register(PersonInput("Jaś", "Rodzinny", None, 2016, "male"), confirmed_new=True)
        daughter = await registry.register(PersonInput("Ola", "Rodzinna", None, 2019, "female"), confirmed_new=True)
        homes = HouseholdService(session, CASE_WORKER)
        home = await homes.create(mother.id)
        await homes.add_member(home.id, son.id, "child")
        await homes.add_member(home.id, daughter.id, "child")
        await session.commit()
    await login(client, "shelter")
    page = await client.get("/shelter/check-in", params={"person": str(mother.id)})
    assert "Przyjmij całą rodzinę" in page.text
    data = {"person": [str(mother.id), str(son.id), str(daughter.id)], "bed": [str(b.id) for b in beds["Rodzinna"]]}
    assert (await post_form(client, "/shelter/check-in/family", data)).status_code == 303
    async with db_session(app) as session:
        stays = list(await session.scalars(select(Stay)))
    assert len(stays) == 3
    assert len({stay.group_id for stay in stays}) == 1
    assert stays[0].group_id is not None
    # A boy alone may not take a bed in the women's room, and a family must go to a family room: all or nothing.
    more = {"person": [str(son.id)], "bed": [str(beds["Damska"][0].id)]}
    assert (await post_form(client, "/shelter/check-in/family", more)).status_code == 422
    assert await count(app, Stay) == 3


async def test_a_hold_past_its_time_no_longer_keeps_the_bed(app, client, people):
    beds = await _setup(app, people)
    bed = beds["Męska"][0]
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    zero = await post_form(client, f"/shelter/beds/{bed.id}/hold", {"note": "skierowanie", "hours": "0"})
    assert zero.status_code == 303
    assert await bed_state(app, bed.id) == "available"
    await post_form(client, f"/shelter/beds/{bed.id}/hold", {"note": "skierowanie"})
    async with db_session(app) as session:
        await session.execute(update(Hold).values(until=datetime.now(UTC) - timedelta(minutes=5)))
        await session.commit()
    # The release job has not run yet; the desk may still give the bed to someone else.
    assert (
        await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(bed.id)})
    ).status_code == 303
    async with db_session(app) as session:
        assert (await session.scalar(select(Hold))).end_reason == "expired"
    assert await bed_state(app, bed.id) == "occupied"


async def test_move_to_another_site_keeps_the_stay(app, client, people):
    here = await make_rooms(app, people.site_a.id, [("Męska", "men", 1, False)])
    there = await make_rooms(app, people.site_b.id, [("Męska B", "men", 1, False)])
    man = await make_person(app, "Marek", "male")
    await login(client, "coordinator")
    await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(here["Męska"][0].id)})
    async with db_session(app) as session:
        stay = await session.scalar(select(Stay))
    page = await client.get(f"/shelter/stays/{stay.id}/move")
    assert page.status_code == 200
    assert "Schronisko B" in page.text
    assert (
        await post_form(client, f"/shelter/stays/{stay.id}/move", {"bed": str(there["Męska B"][0].id)})
    ).status_code == 303
    async with db_session(app) as session:
        moved = await session.get(Stay, stay.id)
    assert moved.site_id == people.site_b.id
    assert await count(app, Stay) == 1
    assert await bed_state(app, here["Męska"][0].id) == "available"


async def _family(app, people, beds_in_family_room=3):
    """A mother with two children in one household, and a family room with a bed for each."""
    from logistics.people.households import HouseholdService
    from logistics.people.services import PersonInput, PersonService

    from .helpers import CASE_WORKER

    beds = await make_rooms(app, people.site_a.id, [("Rodzinna", "family", beds_in_family_room, False)])
    async with db_session(app) as session:
        registry = PersonService(session, CASE_WORKER)
        mother = await registry.register(PersonInput("Anna", "Rodzinna", None, 1990, "female"), confirmed_new=True)
        son = await registry.register(PersonInput("Jaś", "Rodzinny", None, 2016, "male"), confirmed_new=True)
        daughter = await registry.register(PersonInput("Ola", "Rodzinna", None, 2019, "female"), confirmed_new=True)
        homes = HouseholdService(session, CASE_WORKER)
        home = await homes.create(mother.id)
        await homes.add_member(home.id, son.id, "child")
        await homes.add_member(home.id, daughter.id, "child")
        await session.commit()
    return beds["Rodzinna"], [mother, son, daughter]


async def test_a_family_check_in_refused_for_one_taken_bed_keeps_nobody(app, client, people):
    """Another desk takes one of the family's beds between showing the form and posting it: the family check-in is
    refused as a whole — no stay, no bed assignment, no audit entry of a check-in for any member, beds still free."""
    beds, family = await _family(app, people)
    stranger = await make_person(app, "Ewa", "female")  # a woman alone may take a bed in a family room
    await login(client, "shelter")
    form = await client.get("/shelter/check-in", params={"person": str(family[0].id)})
    assert "Przyjmij całą rodzinę" in form.text
    # The beds are taken in the order of their ids: the last one taken away, so the others are placed first.
    taken = max(beds, key=lambda bed: bed.id)
    assert all(f'name="bed" value="{bed.id}"' in form.text for bed in beds)
    other_desk = await post_form(client, "/shelter/check-in", {"person": str(stranger.id), "bed": str(taken.id)})
    assert other_desk.status_code == 303
    data = {"person": [str(member.id) for member in family], "bed": [str(bed.id) for bed in beds]}
    response = await post_form(client, "/shelter/check-in/family", data)
    assert response.status_code == 409
    assert "To łóżko zostało właśnie zajęte. Wybierz inne." in response.text
    async with db_session(app) as session:
        stays = list(await session.scalars(select(Stay)))
        assignments = list(await session.scalars(select(BedAssignment)))
        check_ins = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "stay.check_in")))
    assert [stay.person_id for stay in stays] == [stranger.id]
    assert [assignment.person_id for assignment in assignments] == [stranger.id]
    assert [entry.entity_id for entry in check_ins] == [str(stranger.id)]
    assert [await bed_state(app, bed.id) for bed in beds if bed.id != taken.id] == ["available", "available"]
    # The page shown again says what is true now: no family room has a bed for each of them.
    assert "Żadna sala rodzinna nie ma dość wolnych łóżek dla całej rodziny." in response.text


async def test_a_family_is_checked_in_with_its_beds_taken_in_a_fixed_order(app, client, people):
    beds, family = await _family(app, people)
    await login(client, "shelter")
    data = {"person": [str(member.id) for member in family], "bed": [str(bed.id) for bed in reversed(beds)]}
    assert (await post_form(client, "/shelter/check-in/family", data)).status_code == 303
    async with db_session(app) as session:
        placed = dict((await session.execute(select(BedAssignment.person_id, BedAssignment.bed_id))).all())
    assert placed == {member.id: bed.id for member, bed in zip(family, reversed(beds), strict=True)}
    assert await count(app, AuditEntry, AuditEntry.action == "stay.check_in") == 3
