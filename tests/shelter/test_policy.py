"""What a page offers is exactly what is allowed: the site's bed map shows an action to a role if and only if the
route and the service let that role do it (both ask the shelter's policy)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from logistics.core.actor import Actor
from logistics.core.policy import can
from logistics.shelter.models import Stay
from logistics.shelter.places import PlacesService
from logistics.shelter.stays import StayService

from ..conftest import login
from ..helpers import db_session, post_form
from .helpers import bed_state, make_person, make_rooms

ACTIONS = ("check_in", "hold", "out_of_service", "release", "back_in_service", "check_out", "move")
EXPECTED = {
    "admin": {"out_of_service", "back_in_service"},
    "coordinator": set(ACTIONS),
    "caseworker": {"hold", "release"},
    "shelter": set(ACTIONS),
}


async def _site_with_every_state(app, people):
    """Site A with a free bed for each free-bed action, a held bed, a bed out of service and two residents."""
    beds = await make_rooms(app, people.site_a.id, [("Sala", "men", 8, False)])
    free_in, free_hold, free_repair, held, repaired, occupied, moving, target = beds["Sala"]
    residents = [await make_person(app, "Marek", "male"), await make_person(app, "Jan", "male")]
    desk = Actor(user_id=None, username="desk", role="coordinator", sees_all_sites=True)
    async with db_session(app) as session:
        stays = StayService(session, desk)
        first = await stays.check_in(residents[0].id, occupied.id)
        second = await stays.check_in(residents[1].id, moving.id)
        await stays.hold(held.id, None, "skierowanie")
        await PlacesService(session, desk).take_out_of_service(repaired.id, "repair", None, "")
        await session.commit()
    return {
        "free_in": free_in,
        "free_hold": free_hold,
        "free_repair": free_repair,
        "held": held,
        "repaired": repaired,
        "occupied": occupied,
        "target": target,
        "stay": first,
        "moving": second,
    }


def _offered(page: str, things: dict) -> dict[str, bool]:
    markers = {
        "check_in": f'href="/shelter/check-in?bed={things["free_in"].id}"',
        "hold": f'action="/shelter/beds/{things["free_hold"].id}/hold"',
        "out_of_service": f'action="/shelter/beds/{things["free_repair"].id}/out-of-service"',
        "release": f'action="/shelter/beds/{things["held"].id}/release"',
        "back_in_service": f'action="/shelter/beds/{things["repaired"].id}/back-in-service"',
        "check_out": f'action="/shelter/stays/{things["stay"].id}/check-out"',
        "move": f'action="/shelter/stays/{things["moving"].id}/move"',
    }
    return {action: marker in page for action, marker in markers.items()}


async def _allowed(app, client, things: dict) -> dict[str, bool]:
    """Try every action; allowed when it is not refused (403) and the bed changed as asked."""
    stay, moving = things["stay"].id, things["moving"].id
    tries = {
        "hold": (f"/shelter/beds/{things['free_hold'].id}/hold", {"note": "referral"}, "free_hold", "held"),
        "out_of_service": (
            f"/shelter/beds/{things['free_repair'].id}/out-of-service",
            {"reason": "repair"},
            "free_repair",
            "out_of_service",
        ),
        "release": (f"/shelter/beds/{things['held'].id}/release", {}, "held", "available"),
        "back_in_service": (f"/shelter/beds/{things['repaired'].id}/back-in-service", {}, "repaired", "available"),
        "check_out": (f"/shelter/stays/{stay}/check-out", {"reason": "hospital"}, "occupied", "available"),
        "move": (f"/shelter/stays/{moving}/move", {"bed": str(things["target"].id)}, "target", "occupied"),
    }
    page = await client.get("/shelter/check-in", params={"bed": str(things["free_in"].id)})
    allowed = {"check_in": page.status_code == 200}
    for action, (url, data, bed, state) in tries.items():
        response = await post_form(client, url, data)
        allowed[action] = response.status_code != 403 and await bed_state(app, things[bed].id) == state
    return allowed


@pytest.mark.parametrize("username", sorted(EXPECTED))
async def test_the_bed_map_offers_exactly_what_the_policy_allows(app, client, people, username):
    things = await _site_with_every_state(app, people)
    await login(client, username)
    page = await client.get(f"/shelter/sites/{people.site_a.id}")
    assert page.status_code == 200
    offered = _offered(page.text, things)
    allowed = await _allowed(app, client, things)
    assert offered == allowed
    assert {action for action, yes in allowed.items() if yes} == EXPECTED[username]


async def test_an_administrator_is_not_offered_to_end_a_hold_and_may_not(app, client, people):
    """The defect: the map offered "End the hold" to administrators, and the service answered 403."""
    things = await _site_with_every_state(app, people)
    admin = Actor(user_id=None, username="admin", role="admin", sees_all_sites=True)
    assert not can(admin, "shelter.hold", things["held"])
    await login(client, "admin")
    page = await client.get(f"/shelter/sites/{people.site_a.id}")
    assert "Zakończ rezerwację" not in page.text
    assert (await post_form(client, f"/shelter/beds/{things['held'].id}/release")).status_code == 403
    assert await bed_state(app, things["held"].id) == "held"


async def test_shelter_staff_see_no_actions_at_another_site(app, client, people):
    beds = await make_rooms(app, people.site_b.id, [("Sala B", "men", 1, False)])
    await login(client, "shelter")  # works at site A
    assert (await client.get(f"/shelter/sites/{people.site_b.id}")).status_code == 404
    assert (await post_form(client, f"/shelter/beds/{beds['Sala B'][0].id}/hold", {"note": "x"})).status_code == 404
    assert await bed_state(app, beds["Sala B"][0].id) == "available"
    async with db_session(app) as session:
        assert await session.scalar(select(Stay)) is None
