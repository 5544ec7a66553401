"""Occupancy: board figures per site and category, the API, the free-places list (CSV, public page), and two
desks taking the last bed at the same moment through a real server."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import httpx
import pytest
from sqlalchemy import select

from logistics.shelter.models import BedAssignment, Stay

from ..conftest import PASSWORD, login
from ..helpers import count, db_session, post_form
from ..live import serve
from .helpers import bed_state, make_person, make_rooms


async def _fill(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Męska", "men", 3, False), ("Rodzinna", "family", 2, True)])
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Męska"][0].id)})
    await post_form(client, f"/shelter/beds/{beds['Męska'][1].id}/out-of-service", {"reason": "repair"})
    await post_form(client, f"/shelter/beds/{beds['Rodzinna'][0].id}/hold", {"note": "rodzina w drodze"})
    return beds


async def test_board_and_api_figures(app, client, people):
    await _fill(app, client, people)
    client.cookies.clear()
    await login(client, "coordinator")
    api = (await client.get("/api/v1/occupancy")).json()
    site = next(s for s in api["sites"] if s["name"] == "Noclegownia A")
    assert {k: site[k] for k in ("total", "occupied", "held", "out_of_service", "free")} == {
        "total": 5,
        "occupied": 1,
        "held": 1,
        "out_of_service": 1,
        "free": 2,
    }
    assert site["categories"]["men"]["free"] == 1
    assert site["categories"]["family"] == {"total": 2, "occupied": 0, "held": 1, "out_of_service": 0, "free": 1}
    assert site["accessible"]["free"] == 1
    assert "Marek" not in str(api)
    board = await client.get("/shelter/board")
    assert board.status_code == 200
    assert "Noclegownia A" in board.text
    partial = await client.get("/shelter/board", headers={"hx-request": "true"})
    assert partial.text.lstrip().startswith('<div id="board"')
    assert 'hx-trigger="every 20s"' in partial.text  # LOGISTICS_BOARD_REFRESH_SECONDS
    by_kind = await client.get("/shelter/board?kind=shelter", headers={"hx-request": "true"})
    assert "Noclegownia A" not in by_kind.text


async def test_free_places_csv_and_print(app, client, people):
    await _fill(app, client, people)
    client.cookies.clear()
    await login(client, "caseworker")
    response = await client.get("/shelter/free.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    row = next(r for r in rows if r["site"] == "Noclegownia A")
    assert (row["free"], row["free_men"], row["free_family"], row["phone"]) == ("2", "1", "1", "+48 32 000 00 01")
    assert (await client.get("/shelter/free")).status_code == 200


async def test_public_page_only_when_enabled(app, client, people, monkeypatch):
    await _fill(app, client, people)
    client.cookies.clear()
    assert (await client.get("/public/free-places")).status_code == 404
    from logistics.settings import get_settings

    monkeypatch.setenv("LOGISTICS_PUBLIC_FREE_PLACES", "on")
    get_settings.cache_clear()
    page = await client.get("/public/free-places")
    assert page.status_code == 200
    assert "Noclegownia A" in page.text
    assert "Marek" not in page.text


async def test_api_is_guarded(app, client, people):
    assert (await client.get("/api/v1/occupancy")).status_code == 401
    await login(client, "volunteer")
    assert (await client.get("/api/v1/occupancy")).status_code == 403


async def test_shelter_staff_open_records_of_their_residents(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Męska", "men", 1, False)])
    man = await make_person(app, "Marek", "male")
    other = await make_person(app, "Jan", "male")
    await login(client, "shelter")
    assert (await client.get(f"/people/{man.id}")).status_code == 403
    await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Męska"][0].id)})
    assert (await client.get(f"/people/{man.id}")).status_code == 200
    assert (await client.get(f"/people/{other.id}")).status_code == 403
    client.cookies.clear()
    await login(client, "caseworker")
    export = (await client.get(f"/people/{man.id}/export.json")).json()
    assert export["shelter"][0]["beds"][0]["room"] == "Męska"


@pytest.fixture
def live_url(app, people):
    with serve(app) as url:
        yield url


async def _desk(url: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"_csrf_token": token, "username": "shelter", "password": PASSWORD})
    return client


async def test_two_desks_take_the_last_bed_at_once(app, live_url, people):
    beds = await make_rooms(app, people.site_a.id, [("Męska", "men", 1, False)])
    bed = beds["Męska"][0]
    first, second = await make_person(app, "Marek", "male"), await make_person(app, "Jan", "male")
    desks = [await _desk(live_url), await _desk(live_url)]
    try:
        responses = await asyncio.gather(
            *(
                desk.post(
                    "/shelter/check-in",
                    data={
                        "_csrf_token": desk.cookies.get("przystan_csrf"),
                        "person": str(person.id),
                        "bed": str(bed.id),
                    },
                )
                for desk, person in zip(desks, (first, second), strict=True)
            )
        )
    finally:
        for desk in desks:
            await desk.aclose()
    assert sorted(r.status_code for r in responses) == [303, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "To łóżko zostało właśnie zajęte. Wybierz inne." in loser.text
    assert await bed_state(app, bed.id) == "occupied"
    assert await count(app, Stay) == 1
    assert await count(app, BedAssignment, BedAssignment.ended_at.is_(None)) == 1
    async with db_session(app) as session:
        assert (await session.scalar(select(Stay.person_id))) in {first.id, second.id}
