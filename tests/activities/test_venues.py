"""Who sees which activities: a volunteer (trainer) only those of their own venues — every activity route of an
activity elsewhere answers 403/404 and changes nothing, and the lists leave it out — while shelter staff sign people
up wherever an activity is held. The pages decide what to offer from the policy, never from role names; the pages
that name the participants write their audit entry (so they declare it and work on SQLite)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar.handlers import HTTPRouteHandler
from sqlalchemy import select

from logistics.activities.models import Activity, ActivitySession, Attendance, SignUp
from logistics.activities.signups import SignUpService
from logistics.audit.models import AuditEntry

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import STAFF

PARAM = re.compile(r"\{(\w+):\w+\}")


def activity_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) of the app under /activities."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/activities"):
            continue
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler):
                found += [(method, route.path) for method in handler.http_methods if method in {"GET", "POST"}]
    return sorted(found)


async def _course_begun_with_two_people(app, classes):
    """The course (at the activity centre) with two people, its first session running now."""
    async with db_session(app) as session:
        sign_ups = [
            (await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[n].id)).sign_up
            for n in (1, 2)
        ]
        first = await session.get(ActivitySession, classes.sessions[0].id)
        first.starts_at, first.ends_at = (
            datetime.now(UTC) - timedelta(minutes=10),
            datetime.now(UTC) + timedelta(hours=1),
        )
        await session.commit()
    return sign_ups


async def test_a_volunteer_is_refused_every_activity_route_of_another_venue(app, client, people, classes):
    sign_ups = await _course_begun_with_two_people(app, classes)
    values = {
        "activity_id": str(classes.course.id),
        "session_id": str(classes.sessions[0].id),
        "sign_up_id": str(sign_ups[0].id),
        "person_id": str(classes.people[1].id),
    }
    form = {
        "person": str(classes.people[3].id),
        "status": "present",
        "walk_in": "on",
        "reason": "test",
        "rank": "1",
        "capacity": "5",
        "day": (datetime.now(UTC) + timedelta(days=3)).date().isoformat(),
        "start": "17:00",
        "minutes": "90",
        "title": "Inny tytuł",
        "category": "other",
        "venue": str(people.site_a.id),
    }
    entries_before = await count(app, AuditEntry)
    await login(client, "volunteer")  # a trainer at Noclegownia A, not at the activity centre
    routes = activity_routes(app)
    assert len(routes) >= 20
    answers = {}
    for method, path in routes:
        url = PARAM.sub(lambda match: values[match.group(1)], path)
        if url == path:
            continue  # the routes of no activity: below
        response = await client.get(url) if method == "GET" else await post_form(client, url, form)
        answers[f"{method} {path}"] = response.status_code
    assert {key for key, status in answers.items() if status not in {403, 404}} == set()
    assert answers["GET /activities/{activity_id:uuid}"] == 404  # not told that it exists
    assert answers["GET /activities/{activity_id:uuid}/participants"] == 404
    assert answers["GET /activities/sessions/{session_id:uuid}/attendance"] == 404

    listing = await client.get("/activities")
    assert listing.status_code == 200 and "Język polski A1" not in listing.text
    today = await client.get("/activities/today")
    assert today.status_code == 200 and "Język polski A1" not in today.text
    assert (await client.get(f"/activities/week?venue={classes.venue.id}")).status_code == 404
    week = await client.get("/activities/week")
    assert week.status_code == 200 and "Język polski A1" not in week.text
    assert (await client.get("/activities/new")).status_code == 403

    async with db_session(app) as session:
        statuses = {s.person_id: s.status for s in await session.scalars(select(SignUp))}
        assert (await session.get(Activity, classes.course.id)).capacity == 3
    assert statuses == {classes.people[1].id: "confirmed", classes.people[2].id: "confirmed"}
    assert await count(app, Attendance) == 0
    assert await count(app, ActivitySession, ActivitySession.activity_id == classes.course.id) == 4
    assert await count(app, AuditEntry) == entries_before + 1  # the volunteer's sign-in, nothing else


async def test_a_volunteer_takes_attendance_at_their_own_venue_and_offers_no_sign_ups(app, client, people, classes):
    async with db_session(app) as session:
        own = Activity(title="Zajęcia w noclegowni", category="other", venue_id=people.site_a.id, capacity=5)
        session.add(own)
        await session.flush()
        now = datetime.now(UTC)
        today = ActivitySession(
            activity_id=own.id, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1)
        )
        later = ActivitySession(
            activity_id=own.id, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=1)
        )
        session.add_all([today, later])
        await session.commit()
        await SignUpService(session, STAFF).sign_up(own.id, classes.people[1].id)
        await session.commit()
    await login(client, "volunteer")
    assert "Zajęcia w noclegowni" in (await client.get("/activities")).text
    assert "Zajęcia w noclegowni" in (await client.get("/activities/today")).text
    page = await client.get(f"/activities/{own.id}")
    assert page.status_code == 200 and "Osoba01 Testowa" in page.text
    assert f"/activities/sessions/{today.id}/attendance" in page.text
    for offer in ("/sign-ups/", "/capacity", "/edit", 'id="sign-up"', f"/activities/{own.id}/sessions"):
        assert offer not in page.text  # volunteers sign nobody up and change nothing
    assert 'href="/activities/new"' not in (await client.get("/activities")).text
    sheet_url = f"/activities/sessions/{today.id}/attendance"
    assert (await client.get(sheet_url)).status_code == 200
    marked = await post_form(client, sheet_url, {"person": str(classes.people[1].id), "status": "late"})
    assert marked.status_code == 200
    async with db_session(app) as session:
        record = await session.scalar(select(Attendance))
    assert (record.person_id, record.status) == (classes.people[1].id, "late")


async def test_shelter_staff_sign_people_up_wherever_an_activity_is_held(app, client, people, classes):
    await login(client, "shelter")  # works at Noclegownia A; the course is at the activity centre
    listing = await client.get("/activities")
    assert listing.status_code == 200 and "Język polski A1" in listing.text
    page = await client.get(f"/activities/{classes.course.id}")
    assert page.status_code == 200 and 'id="sign-up"' in page.text
    signed = await post_form(client, f"/activities/{classes.course.id}/sign-up", {"person": str(classes.people[5].id)})
    assert signed.status_code == 303
    async with db_session(app) as session:
        sign_up = await session.scalar(select(SignUp))
    assert (sign_up.person_id, sign_up.status, sign_up.signed_up_by) == (classes.people[5].id, "confirmed", "shelter")


def test_the_activity_templates_name_no_roles(settings):
    templates = Path(settings.templates_dir) / "activities"
    for template in templates.glob("*.html"):
        text = template.read_text()
        assert ".role" not in text and "volunteer" not in text, template.name


async def test_the_pages_naming_the_participants_are_audited(app, client, people, classes):
    await _course_begun_with_two_people(app, classes)
    await login(client, "caseworker")
    page = await client.get(f"/activities/{classes.course.id}")
    assert page.status_code == 200 and "Osoba02 Testowa" in page.text
    listing = await client.get(f"/activities/{classes.course.id}/participants")
    assert listing.status_code == 200 and "Osoba01 Testowa" in listing.text
    async with db_session(app) as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "activity")))
    assert sorted(e.action for e in entries) == ["activity.participant_list", "activity.view"]
    assert all(e.entity_id == str(classes.course.id) and e.actor_name == "caseworker" for e in entries)
