"""Activity pages through HTTP: create, schedule, sign up from the registry, cancel and promote, capacity, the
week view, the participant list, attendance on the tablet (card code, walk-in confirmation, no-shows), rates
and the certificate — the response and the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from logistics import codes
from logistics.activities.models import Activity, ActivitySession, Attendance, SignUp
from logistics.activities.signups import SignUpService
from logistics.people.models import BeneficiaryCard

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import STAFF


async def test_create_an_activity_and_schedule_a_series(app, client, people, classes):
    await login(client, "caseworker")
    assert (await client.get("/activities")).status_code == 200
    assert (await client.get("/activities/new")).status_code == 200
    base = {
        "title": "Szkolenie zawodowe",
        "category": "job_training",
        "venue": str(classes.venue.id),
        "capacity": "10",
        "required_share": "80",
    }
    bad = await post_form(client, "/activities/new", {**base, "age_min": "30", "age_max": "20"})
    assert bad.status_code == 422
    created = await post_form(client, "/activities/new", base)
    assert created.status_code == 303
    url = created.headers["location"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    backwards = await post_form(
        client,
        f"{url}/sessions",
        {
            "day": tomorrow.isoformat(),
            "start": "17:00",
            "minutes": "90",
            "until": (tomorrow - timedelta(days=1)).isoformat(),
        },
    )
    assert backwards.status_code == 303
    async with db_session(app) as session:
        activity = await session.scalar(select(Activity).where(Activity.title == "Szkolenie zawodowe"))
    assert await count(app, ActivitySession, ActivitySession.activity_id == activity.id) == 0
    series = await post_form(
        client,
        f"{url}/sessions",
        {
            "day": tomorrow.isoformat(),
            "start": "17:00",
            "minutes": "90",
            "until": (tomorrow + timedelta(days=28)).isoformat(),
            "room": "s. 4",
        },
    )
    assert series.status_code == 303
    assert await count(app, ActivitySession, ActivitySession.activity_id == activity.id) == 5
    page = await client.get(url)
    assert page.status_code == 200 and "s. 4" in page.text
    week = await client.get(f"/activities/week?venue={classes.venue.id}&day={tomorrow.isoformat()}")
    assert week.status_code == 200 and "Szkolenie zawodowe" in week.text


async def test_sign_up_from_the_registry_cancel_and_promote(app, client, people, classes):
    await login(client, "caseworker")
    url = f"/activities/{classes.course.id}"
    found = await client.get(f"{url}/people?q=Osoba05", headers={"hx-request": "true"})
    assert found.status_code == 200 and "Osoba05 Testowa" in found.text
    for n in range(1, 5):
        response = await post_form(client, f"{url}/sign-up", {"person": str(classes.people[n].id)})
        assert response.status_code == 303
    again = await post_form(client, f"{url}/sign-up", {"person": str(classes.people[1].id)})
    assert again.status_code == 303
    assert await count(app, SignUp) == 4  # the repeat changed nothing
    page = await client.get(url)
    assert 'id="waiting"' in page.text and "Osoba04" in page.text
    async with db_session(app) as session:
        first = await session.scalar(select(SignUp).where(SignUp.person_id == classes.people[1].id))
    cancelled = await post_form(client, f"/activities/sign-ups/{first.id}/cancel")
    assert cancelled.status_code == 303
    async with db_session(app) as session:
        promoted = await session.scalar(select(SignUp).where(SignUp.person_id == classes.people[4].id))
    assert promoted.status == "confirmed" and promoted.promoted_at is not None
    lower = await post_form(client, f"{url}/capacity", {"capacity": "2"})
    assert lower.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Activity, classes.course.id)).capacity == 3  # refused: three places are taken
    listing = await client.get(f"{url}/participants")
    assert listing.status_code == 200 and "Osoba04 Testowa" in listing.text


async def test_attendance_by_card_walk_in_no_shows_and_certificate(app, client, people, classes):
    async with db_session(app) as session:
        for n in (1, 2):
            await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[n].id)
        code = codes.normalize(codes.generate())
        session.add(BeneficiaryCard(person_id=classes.people[1].id, code=code))
        walker = codes.normalize(codes.generate())
        session.add(BeneficiaryCard(person_id=classes.people[7].id, code=walker))
        first = await session.get(ActivitySession, classes.sessions[0].id)
        first.starts_at, first.ends_at = (
            datetime.now(UTC) - timedelta(minutes=10),
            datetime.now(UTC) + timedelta(minutes=80),
        )
        await session.commit()
    await login(client, "caseworker")
    url = f"/activities/sessions/{classes.sessions[0].id}/attendance"
    sheet = await client.get(url)
    assert sheet.status_code == 200 and "Osoba01 T." in sheet.text
    bad = await post_form(client, url, {"card": "ABCD"})
    assert bad.status_code == 422
    scanned = await post_form(client, url, {"card": codes.format_code(code)}, headers={"hx-request": "true"})
    assert scanned.status_code == 200
    stranger = await post_form(client, url, {"card": codes.format_code(walker)}, headers={"hx-request": "true"})
    assert 'id="walk-in"' in stranger.text
    assert await count(app, Attendance) == 1  # not recorded before the confirmation
    confirmed = await post_form(
        client, url, {"card": codes.format_code(walker), "walk_in": "on"}, headers={"hx-request": "true"}
    )
    assert confirmed.status_code == 200
    closed = await post_form(
        client, f"/activities/sessions/{classes.sessions[0].id}/close", headers={"hx-request": "true"}
    )
    assert closed.status_code == 200
    async with db_session(app) as session:
        records = {r.person_id: (r.status, r.walk_in) for r in await session.scalars(select(Attendance))}
    assert records == {
        classes.people[1].id: ("present", False),
        classes.people[7].id: ("present", True),
        classes.people[2].id: ("absent", False),
    }
    page = await client.get(f"/activities/{classes.course.id}")
    assert "1 / 1 (100 %)" in page.text
    early = await client.get(f"/activities/{classes.course.id}/certificate/{classes.people[1].id}")
    assert early.status_code == 422  # three sessions are still ahead
    async with db_session(app) as session:
        for later in classes.sessions[1:]:
            (await session.get(ActivitySession, later.id)).status = "cancelled"
        first = await session.get(ActivitySession, classes.sessions[0].id)
        first.ends_at = datetime.now(UTC) - timedelta(minutes=1)
        await session.commit()
    pdf = await client.get(f"/activities/{classes.course.id}/certificate/{classes.people[1].id}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    refused = await client.get(f"/activities/{classes.course.id}/certificate/{classes.people[2].id}")
    assert refused.status_code == 422


async def test_volunteers_see_only_their_venues_and_cannot_sign_up(app, client, people, classes):
    await login(client, "volunteer")  # works at Noclegownia A
    assert (await client.get(f"/activities/sessions/{classes.sessions[0].id}/attendance")).status_code == 404
    refused = await post_form(client, f"/activities/{classes.course.id}/sign-up", {"person": str(classes.people[1].id)})
    assert refused.status_code == 403
    assert await count(app, SignUp) == 0
