"""Roll call, length-of-stay review, bed-nights, occupancy history and the waiting list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import select, update

from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.shelter.jobs import occupancy_snapshot
from logistics.shelter.models import BedAssignment, Hold, OccupancySnapshot, RollCallMark, Stay, WaitingRequest
from logistics.shelter.rollcall import RollCallService, tonight

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import bed_state, make_person, make_rooms


async def _resident(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False)])
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Sala 1"][0].id)})
    async with db_session(app) as session:
        stay = await session.scalar(select(Stay))
    return beds, man, stay


async def test_roll_call_marks_and_corrections(app, client, people):
    _beds, _man, stay = await _resident(app, client, people)
    sheet = await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")
    assert sheet.status_code == 200
    assert "Marek Testowy" in sheet.text
    night = tonight().isoformat()
    response = await post_form(
        client, f"/shelter/stays/{stay.id}/roll-call", {"night": night, "present": "no"}, headers={"hx-request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="roll-call">')
    assert 'class="absent"' in response.text
    # A correction is a new mark; the newest counts, the old one stays.
    await post_form(client, f"/shelter/stays/{stay.id}/roll-call", {"night": night, "present": "yes"})
    assert await count(app, RollCallMark) == 2
    sheet = await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")
    assert 'class="present"' in sheet.text
    future = (tonight() + timedelta(days=1)).isoformat()
    assert (
        await post_form(client, f"/shelter/stays/{stay.id}/roll-call", {"night": future, "present": "yes"})
    ).status_code == 422
    assert await count(app, RollCallMark) == 2


async def test_three_absent_nights_propose_check_out_and_bed_nights_count_held_nights(app, client, people):
    _beds, _man, stay = await _resident(app, client, people)
    async with db_session(app) as session:
        started = datetime.now(UTC) - timedelta(days=10)
        await session.execute(update(Stay).values(started_at=started))
        await session.execute(update(BedAssignment).values(started_at=started))
        await session.commit()
    for days_ago, present in ((4, True), (3, True), (2, False), (1, False), (0, False)):
        night = (tonight() - timedelta(days=days_ago)).isoformat()
        await post_form(
            client, f"/shelter/stays/{stay.id}/roll-call", {"night": night, "present": "yes" if present else "no"}
        )
    sheet = await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")
    assert "nieobecny 3 noce z rzędu — rozważ wypisanie" in sheet.text
    async with db_session(app) as session:
        actor = Actor(user_id=None, username="t", role="coordinator", sees_all_sites=True)
        nights = await RollCallService(session, actor).bed_nights(
            people.site_a.id, tonight() - timedelta(days=7), tonight()
        )
    assert nights == 8  # every night the bed was held, absent ones too: the bed was kept for him


async def test_stays_past_the_review_period_are_flagged(app, client, people):
    await _resident(app, client, people)
    assert "pobyt do przeglądu" not in (await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")).text
    async with db_session(app) as session:
        await session.execute(update(Stay).values(started_at=datetime.now(UTC) - timedelta(days=31)))
        await session.commit()
    sheet = await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")
    assert 'badge">' in sheet.text
    assert sheet.text.count('<span class="badge">') >= 1


async def test_nightly_snapshot_and_history(app, client, people):
    await _resident(app, client, people)
    async with db_session(app) as session:
        message = await occupancy_snapshot(session)
        await session.commit()
        again = await occupancy_snapshot(session)  # idempotent: replaces the night's snapshot
        await session.commit()
        snap = await session.scalar(
            select(OccupancySnapshot).where(
                OccupancySnapshot.category == "all", OccupancySnapshot.site_id == people.site_a.id
            )
        )
    assert message == again
    assert (snap.total, snap.occupied, snap.free) == (2, 1, 1)
    assert await count(app, OccupancySnapshot, OccupancySnapshot.category == "all") == 2  # both test shelters
    client.cookies.clear()
    await login(client, "coordinator")
    page = await client.get("/shelter/history/", params={"night": tonight().isoformat()})
    assert page.status_code == 200
    assert "Noclegownia A" in page.text
    assert "<polyline" in page.text
    csv_text = (await client.get("/shelter/history/export.csv", params={"night": tonight().isoformat()})).text
    assert csv_text.splitlines()[0] == "night,site,total,out_of_service,occupied,held,free"
    assert ",Noclegownia A,2,0,1,0,1" in csv_text


async def test_waiting_list_offers_the_first_fitting_bed(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False), ("Rodzinna", "family", 3, False)])
    await login(client, "caseworker")
    for data in (
        {"description": "Pan A., 60 lat", "category": "men", "priority": "3", "family_size": "1"},
        {
            "description": "Matka z dwójką dzieci",
            "category": "family",
            "priority": "1",
            "family_size": "3",
            "priority_reason": "mróz, dzieci",
        },
        {"description": "Pan B.", "category": "men", "priority": "2", "family_size": "1"},
    ):
        assert (await post_form(client, "/shelter/waiting/", data)).status_code == 303
    page = await client.get("/shelter/waiting/")
    text = page.text
    assert text.index("Matka z dwójką dzieci") < text.index("Pan B.") < text.index("Pan A., 60 lat")
    async with db_session(app) as session:
        first_men = await session.scalar(select(WaitingRequest).where(WaitingRequest.description == "Pan B."))
    # Pan B. is first for the one men's bed; offering it holds the bed.
    bad = await post_form(client, "/shelter/waiting/", {"description": "", "category": "men", "priority": "2"})
    assert bad.status_code == 422
    assert (
        await post_form(client, f"/shelter/waiting/{first_men.id}/offer", {"bed": str(beds["Sala 1"][0].id)})
    ).status_code == 303
    assert await bed_state(app, beds["Sala 1"][0].id) == "held"
    async with db_session(app) as session:
        request = await session.get(WaitingRequest, first_men.id)
        hold = await session.scalar(select(Hold))
    assert request.status == "offered"
    assert request.hold_id == hold.id
    again = await post_form(client, f"/shelter/waiting/{first_men.id}/offer", {"bed": str(beds["Rodzinna"][0].id)})
    assert again.status_code == 303
    assert await count(app, Hold) == 1


async def test_site_map_highlights_the_first_fitting_request(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False)])
    await login(client, "shelter")
    await post_form(client, "/shelter/waiting/", {"description": "Pan C.", "category": "men", "priority": "2"})
    page = await client.get(f"/shelter/sites/{people.site_a.id}")
    assert "Pan C." in page.text
    assert "/offer" in page.text


async def test_case_workers_see_the_stays_due_for_review(app, client, people):
    await _resident(app, client, people)
    async with db_session(app) as session:
        await session.execute(update(Stay).values(started_at=datetime.now(UTC) - timedelta(days=45)))
        await session.commit()
    client.cookies.clear()
    await login(client, "caseworker")
    page = await client.get("/shelter/review/")
    assert page.status_code == 200
    assert "Marek Testowy" in page.text
    assert "<td>45</td>" in page.text
    client.cookies.clear()
    await login(client, "shelter")
    assert (await client.get("/shelter/review/")).status_code == 403


async def test_shelter_staff_cannot_cancel_a_request_meant_for_another_site(app, client, people):
    await make_rooms(app, people.site_b.id, [("Sala B", "men", 1, False)])
    await login(client, "caseworker")
    for description, site in (("Pan D., do B", people.site_b.id), ("Pan E., gdziekolwiek", "")):
        data = {"description": description, "category": "men", "priority": "2", "site": str(site)}
        assert (await post_form(client, "/shelter/waiting/", data)).status_code == 303
    async with db_session(app) as session:
        for_b = await session.scalar(select(WaitingRequest).where(WaitingRequest.site_id == people.site_b.id))
        anywhere = await session.scalar(select(WaitingRequest).where(WaitingRequest.site_id.is_(None)))
    client.cookies.clear()
    await login(client, "shelter")  # works at site A only
    page = await client.get("/shelter/waiting/")
    assert "Pan E., gdziekolwiek" in page.text
    assert "Pan D., do B" not in page.text  # not listed: nothing offered that would be refused
    cancel = await post_form(client, f"/shelter/waiting/{for_b.id}/close", {"status": "cancelled"})
    assert cancel.status_code == 403
    offer = await post_form(client, f"/shelter/waiting/{for_b.id}/offer", {"bed": str(uuid4())})
    assert offer.status_code == 403
    async with db_session(app) as session:
        assert (await session.get(WaitingRequest, for_b.id)).status == "open"
    assert await count(app, AuditEntry, AuditEntry.action.like("waiting.%"), AuditEntry.action != "waiting.add") == 0
    # A request for any site is theirs to cancel; a coordinator cancels the one for site B.
    assert (
        await post_form(client, f"/shelter/waiting/{anywhere.id}/close", {"status": "cancelled"})
    ).status_code == 303
    client.cookies.clear()
    await login(client, "coordinator")
    assert (await post_form(client, f"/shelter/waiting/{for_b.id}/close", {"status": "cancelled"})).status_code == 303
    async with db_session(app) as session:
        statuses = {r.description: r.status for r in await session.scalars(select(WaitingRequest))}
    assert statuses == {"Pan D., do B": "cancelled", "Pan E., gdziekolwiek": "cancelled"}
