"""Rooms and beds: bulk-adding beds, who may change the structure, beds out of service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.i18n import local_today
from logistics.shelter.models import Bed, OutOfService

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import bed_state, make_rooms, room_of


async def test_admin_adds_a_room_and_beds_1_to_24(app, client, people):
    await login(client, "admin")
    site = people.site_a.id
    assert (await client.get(f"/shelter/sites/{site}/rooms")).status_code == 200
    response = await post_form(client, f"/shelter/sites/{site}/rooms", {"name": "Sala 3", "category": "men"})
    assert response.status_code == 303
    room = await room_of(app, "Sala 3")
    response = await post_form(
        client, f"/shelter/rooms/{room.id}/beds", {"first": "1", "last": "24", "kind": "bed", "bunk": "lower"}
    )
    assert response.status_code == 303
    async with db_session(app) as session:
        labels = list(await session.scalars(select(Bed.label).where(Bed.room_id == room.id)))
    assert sorted(labels, key=int) == [str(n) for n in range(1, 25)]
    assert await count(app, AuditEntry, AuditEntry.action == "room.add_beds") == 1
    page = await client.get(f"/shelter/sites/{site}")
    assert page.text.count('class="bed state-available"') == 24


@pytest.mark.parametrize(
    ("data", "beds_after"),
    [
        ({"first": "20", "last": "30", "kind": "bed"}, 24),  # 20–24 exist already: nothing added
        ({"first": "5", "last": "1", "kind": "bed"}, 24),
        ({"first": "1", "last": "500", "prefix": "X", "kind": "bed"}, 24),
        ({"first": "1", "last": "2", "kind": "sofa"}, 24),
        ({"first": "jeden", "last": "2", "kind": "bed"}, 24),
        ({"first": "1", "last": "3", "prefix": "M", "kind": "mat"}, 27),
    ],
)
async def test_bulk_add_refusals(app, client, people, data, beds_after):
    await make_rooms(app, people.site_a.id, [("Sala 3", "men", 24, False)])
    room = await room_of(app, "Sala 3")
    await login(client, "admin")
    response = await post_form(client, f"/shelter/rooms/{room.id}/beds", data)
    assert response.status_code == 303
    assert await count(app, Bed, Bed.room_id == room.id) == beds_after


async def test_only_admins_and_coordinators_change_the_structure(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False)])
    room = await room_of(app, "Sala 1")
    await login(client, "shelter")
    assert (await client.get(f"/shelter/sites/{people.site_a.id}/rooms")).status_code == 403
    assert (
        await post_form(client, f"/shelter/sites/{people.site_a.id}/rooms", {"name": "X", "category": "men"})
    ).status_code == 403
    assert (
        await post_form(client, f"/shelter/rooms/{room.id}/beds", {"first": "3", "last": "4", "kind": "bed"})
    ).status_code == 403
    assert await count(app, Bed) == 2


async def test_room_form_errors(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False)])
    await login(client, "admin")
    duplicate = await post_form(
        client, f"/shelter/sites/{people.site_a.id}/rooms", {"name": "Sala 1", "category": "men"}
    )
    assert duplicate.status_code == 422
    bad = await post_form(client, f"/shelter/sites/{people.site_a.id}/rooms", {"name": "Sala 2", "category": "kids"})
    assert bad.status_code == 422


async def test_out_of_service_and_back(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False)])
    bed = beds["Sala 1"][0]
    await login(client, "shelter")
    back = (local_today() + timedelta(days=3)).isoformat()
    response = await post_form(
        client, f"/shelter/beds/{bed.id}/out-of-service", {"reason": "disinfection", "expected_back": back}
    )
    assert response.status_code == 303
    assert await bed_state(app, bed.id) == "out_of_service"
    async with db_session(app) as session:
        period = await session.scalar(select(OutOfService))
        assert period.reason == "disinfection"
        assert period.expected_back.isoformat() == back
    again = await post_form(client, f"/shelter/beds/{bed.id}/out-of-service", {"reason": "repair"})
    assert again.status_code == 303
    assert await count(app, OutOfService) == 1
    assert (await post_form(client, f"/shelter/beds/{bed.id}/back-in-service")).status_code == 303
    assert await bed_state(app, bed.id) == "available"
    past = await post_form(
        client,
        f"/shelter/beds/{beds['Sala 1'][1].id}/out-of-service",
        {"reason": "repair", "expected_back": "2020-01-01"},
    )
    assert past.status_code == 303
    assert await bed_state(app, beds["Sala 1"][1].id) == "available"


async def test_a_bed_of_another_site_is_not_found(app, client, people):
    beds = await make_rooms(app, people.site_b.id, [("Pokój B", "women", 1, False)])
    await login(client, "shelter")  # works at site A
    bed = beds["Pokój B"][0]
    assert (await post_form(client, f"/shelter/beds/{bed.id}/out-of-service", {"reason": "repair"})).status_code == 404
    assert (await client.get(f"/shelter/sites/{people.site_b.id}")).status_code == 404
    assert await bed_state(app, bed.id) == "available"
