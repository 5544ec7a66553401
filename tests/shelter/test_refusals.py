"""Bad input on every shelter form: a clear refusal next to its field (or at the top of the form when the page
cannot show the field), in the user's language, and nothing changed in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.shelter.models import Hold, OutOfService, RollCallMark, Room, Stay, WaitingRequest
from logistics.shelter.places import PlacesService, RoomInput
from logistics.shelter.rollcall import night_of, tonight
from logistics.shelter.stays import StayService
from logistics.shelter.waiting import WaitingInput, WaitingService

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import bed_state, make_person, make_rooms

STAFF = Actor(user_id=None, username="test", role="shelter_staff", sees_all_sites=True)
LONG = "x" * 201


async def _signed_in(client, username: str = "shelter") -> None:
    """Signed in, in English (the messages as written in the code)."""
    await login(client, username)
    await post_form(client, "/language", {"locale": "en", "next": "/"})


async def _resident(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False)])
    man = await make_person(app, "Marek", "male")
    await _signed_in(client)
    checked_in = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Sala 1"][0].id)})
    assert checked_in.status_code == 303
    async with db_session(app) as session:
        stay = await session.scalar(select(Stay))
    return beds, stay


# --- roll call ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"night": "2026-13-45", "present": "no"}, {"night": "Enter a date as YYYY-MM-DD."}),
        ({"night": "0001-01-01", "present": "no"}, {"night": "Enter a date from"}),
        ({"present": "maybe"}, {"night": "This field is required.", "present": "This option is not available."}),
        ({"night": "", "present": ""}, {"night": "This field is required.", "present": "Choose one of the options."}),
        ({}, {"night": "This field is required.", "present": "Choose one of the options."}),
    ],
)
async def test_a_roll_call_mark_that_is_no_date_or_no_known_value_is_refused(app, client, people, data, errors):
    _beds, stay = await _resident(app, client, people)
    for headers in ({}, {"hx-request": "true"}):
        response = await post_form(client, f"/shelter/stays/{stay.id}/roll-call", data, headers=headers)
        assert response.status_code == 422
        for field, message in errors.items():
            assert f'id="{field}-error">{message}' in response.text
        assert "Marek Testowy" in response.text  # tonight's sheet, shown again
    assert response.text.lstrip().startswith('<div id="roll-call">')  # htmx: the sheet only
    assert await count(app, RollCallMark) == 0


async def test_a_roll_call_mark_for_a_night_before_the_stay_began_is_refused(app, client, people):
    _beds, stay = await _resident(app, client, people)
    before = (night_of(stay.started_at) - timedelta(days=1)).isoformat()
    response = await post_form(client, f"/shelter/stays/{stay.id}/roll-call", {"night": before, "present": "no"})
    assert response.status_code == 422
    assert 'id="night-error">A roll call can be marked for a night of the stay up to tonight.' in response.text
    assert await count(app, RollCallMark) == 0
    # The night the stay began (and tonight) can be marked.
    first = night_of(stay.started_at).isoformat()
    ok = await post_form(client, f"/shelter/stays/{stay.id}/roll-call", {"night": first, "present": "yes"})
    assert ok.status_code == 303
    assert await count(app, RollCallMark) == 1


async def test_the_first_night_is_the_local_night_the_stay_began(app, client, people):
    """Checked in at 13:00 in Warsaw: the night before cannot be marked. Checked in at 02:00: the stay began on
    the night before, which can be marked; the one before that cannot."""
    _beds, stay = await _resident(app, client, people)
    url = f"/shelter/stays/{stay.id}/roll-call"
    for started, refused, first in (
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "2026-01-14", "2026-01-15"),
        (datetime(2026, 1, 15, 1, 0, tzinfo=UTC), "2026-01-13", "2026-01-14"),
    ):
        async with db_session(app) as session:
            await session.execute(update(Stay).values(started_at=started))
            await session.commit()
        assert night_of(started).isoformat() == first
        assert (await post_form(client, url, {"night": refused, "present": "yes"})).status_code == 422
        assert (await post_form(client, url, {"night": first, "present": "yes"})).status_code == 303
    async with db_session(app) as session:
        marked = [
            mark.night.isoformat()
            for mark in await session.scalars(select(RollCallMark).order_by(RollCallMark.marked_at))
        ]
    assert marked == ["2026-01-15", "2026-01-14"]


async def test_the_roll_call_sheet_refuses_a_far_or_future_night(app, client, people):
    await _resident(app, client, people)
    url = f"/shelter/sites/{people.site_a.id}/roll-call"
    for night in ("0001-01-01", "9999-12-31", (tonight() + timedelta(days=1)).isoformat(), "jutro"):
        response = await client.get(url, params={"night": night})
        assert response.status_code == 422, night  # was a 500 (OverflowError) for 0001-01-01
        assert 'id="night-error"' in response.text
        assert "Marek Testowy" in response.text  # tonight's sheet instead
    assert (await client.get(url, params={"night": (tonight() - timedelta(days=3)).isoformat()})).status_code == 200


# --- occupancy history --------------------------------------------------------------------------------------


async def test_the_history_refuses_a_night_that_is_no_date_far_or_to_come(app, client, people):
    await _signed_in(client, "coordinator")
    for night in ("9999-12-31", "0001-01-01", "2026-13-45", (tonight() + timedelta(days=1)).isoformat()):
        page = await client.get("/shelter/history/", params={"night": night})
        assert page.status_code == 422, night
        assert 'id="night-error"' in page.text
        assert f'name="night" value="{tonight().isoformat()}"' in page.text
        export = await client.get("/shelter/history/export.csv", params={"night": night})
        assert export.status_code == 422, night
    assert (await client.get("/shelter/history/", params={"night": "2025-01-01"})).status_code == 200
    assert (await client.get("/shelter/history/export.csv", params={"night": "2025-01-01"})).status_code == 200


# --- the board and the check-in search ----------------------------------------------------------------------


async def test_the_board_refuses_an_unknown_kind_and_shows_every_kind(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False)])
    await _signed_in(client, "coordinator")
    for headers in ({}, {"hx-request": "true"}):
        page = await client.get("/shelter/board", params={"kind": "warehouse"}, headers=headers)
        assert page.status_code == 422
        assert 'id="kind-error">This option is not available.' in page.text
        assert "Noclegownia A" in page.text  # every kind, not an empty board


async def test_the_check_in_search_refuses_a_long_query_and_says_a_stale_link(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False)])
    await _signed_in(client)
    long = await client.get("/shelter/check-in", params={"q": "Marek " * 20})
    assert long.status_code == 422
    assert 'id="q-error">At most 100 characters.' in long.text
    for params in ({"person": "not-an-id"}, {"bed": "not-an-id"}, {"person": "0" * 8 + "-0000-0000-0000-" + "0" * 12}):
        stale = await client.get("/shelter/check-in", params=params)
        assert stale.status_code == 422, params
        assert 'class="alert alert-error"' in stale.text
    man = await make_person(app, "Marek", "male")
    gone_bed = await client.get("/shelter/check-in", params={"person": str(man.id), "bed": "not-an-id"})
    assert gone_bed.status_code == 422
    assert "Marek Testowy" in gone_bed.text and "This option is not available." in gone_bed.text
    assert await bed_state(app, beds["Sala 1"][0].id) == "available"


# --- repairs, holds, check-out ------------------------------------------------------------------------------


async def test_expected_back_from_repair_is_today_to_a_year_ahead(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False)])
    bed = beds["Sala 1"][0]
    await _signed_in(client)
    url = f"/shelter/beds/{bed.id}/out-of-service"
    too_far = (local_today() + timedelta(days=366)).isoformat()
    for expected_back in (too_far, "9999-12-31", "2020-01-01", "2026-13-45"):
        response = await post_form(client, url, {"reason": "repair", "expected_back": expected_back})
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert "flash-error" in page.text, expected_back
        assert await bed_state(app, bed.id) == "available"
        assert await count(app, OutOfService) == 0
    a_year = (local_today() + timedelta(days=365)).isoformat()
    assert (await post_form(client, url, {"reason": "repair", "expected_back": a_year})).status_code == 303
    assert await bed_state(app, bed.id) == "out_of_service"


async def test_a_check_out_destination_too_long_is_refused_not_cut(app, client, people):
    beds, stay = await _resident(app, client, people)
    response = await post_form(
        client, f"/shelter/stays/{stay.id}/check-out", {"reason": "hospital", "destination": "Szpital " * 30}
    )
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "At most 200 characters." in page.text
    async with db_session(app) as session:
        kept = await session.get(Stay, stay.id)
        assert kept.ended_at is None and kept.destination == ""
    assert await bed_state(app, beds["Sala 1"][0].id) == "occupied"


async def test_the_services_refuse_texts_too_long_instead_of_cutting_them(app, people):
    """What the forms refuse, the use cases refuse too (an API or another domain calling them): never cut."""
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 3, False)])
    free, other, _third = beds["Sala 1"]
    async with db_session(app) as session:
        with pytest.raises(DomainError) as note:
            await StayService(session, STAFF).hold(free.id, None, LONG)
        assert note.value.field == "note"
        with pytest.raises(DomainError) as repair_note:
            await PlacesService(session, STAFF).take_out_of_service(other.id, "repair", None, LONG)
        assert repair_note.value.field == "note"
        with pytest.raises(DomainError) as too_far:
            await PlacesService(session, STAFF).take_out_of_service(
                other.id, "repair", local_today() + timedelta(days=400), ""
            )
        assert too_far.value.field == "expected_back"
        coordinator = Actor(user_id=None, username="test", role="coordinator", sees_all_sites=True)
        with pytest.raises(DomainError) as name:
            await PlacesService(session, coordinator).add_room(
                people.site_a.id, RoomInput(name="x" * 61, category="men", accessible=False, floor="")
            )
        assert name.value.field == "name"
        waiting = WaitingService(session, coordinator)
        for field in ("description", "priority_reason"):
            data = {"description": "Pan K.", "priority_reason": "", field: LONG}
            with pytest.raises(DomainError) as refused:
                await waiting.add(
                    WaitingInput(
                        person_id=None,
                        category="men",
                        needs_accessible=False,
                        family_size=1,
                        priority=2,
                        site_id=None,
                        **data,
                    )
                )
            assert refused.value.field == field
        await session.commit()
    assert await count(app, Hold) == 0
    assert await count(app, OutOfService) == 0
    assert await count(app, WaitingRequest) == 0
    assert await count(app, Room) == 1
    assert await bed_state(app, free.id) == "available"
    assert await bed_state(app, other.id) == "available"
