"""Bad input and odd states in activities: a clear refusal (next to its field where the page shows one), and
nothing changed — the response and the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from logistics.accounts.models import User
from logistics.activities import attendance as attendance_module
from logistics.activities.models import Activity, ActivitySession, Attendance, SignUp
from logistics.activities.signups import SignUpService
from logistics.audit.models import AuditEntry
from logistics.sites.models import Site

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import STAFF


async def _two_held_two_ahead(app, classes) -> None:
    """The course's first two sessions are over, both people 1 and 2 attended them; two sessions are ahead."""
    async with db_session(app) as session:
        for n in (1, 2):
            await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[n].id)
        now = datetime.now(UTC)
        for weeks, held in enumerate(classes.sessions[:2]):
            row = await session.get(ActivitySession, held.id)
            row.starts_at = now - timedelta(days=14 - 7 * weeks, hours=2)
            row.ends_at = row.starts_at + timedelta(minutes=90)
            for n in (1, 2):
                session.add(
                    Attendance(session_id=row.id, person_id=classes.people[n].id, status="present", recorded_at=now)
                )
        await session.commit()


async def test_a_certificate_is_refused_until_the_course_has_ended(app, client, people, classes, monkeypatch):
    await _two_held_two_ahead(app, classes)
    await _in_english(app)
    await login(client, "caseworker")
    url = f"/activities/{classes.course.id}/certificate/{classes.people[1].id}"
    audited = await count(app, AuditEntry, AuditEntry.action == "activity.certificate")
    early = await client.get(url)
    assert early.status_code == 422
    assert "once the course has ended" in early.text
    assert await count(app, AuditEntry, AuditEntry.action == "activity.certificate") == audited  # nothing issued
    page = await client.get(f"/activities/{classes.course.id}")
    assert "2 / 2 (100 %)" in page.text and f"/certificate/{classes.people[1].id}" not in page.text

    # The third session is held without them, the fourth cancelled: the course has ended, 2 of 3 held attended.
    async with db_session(app) as session:
        third = await session.get(ActivitySession, classes.sessions[2].id)
        third.starts_at = datetime.now(UTC) - timedelta(days=1)
        third.ends_at = third.starts_at + timedelta(minutes=90)
        (await session.get(ActivitySession, classes.sessions[3].id)).status = "cancelled"
        (await session.get(Activity, classes.course.id)).required_share = 60
        await session.commit()
    issued = []
    real = attendance_module.certificate_pdf

    def spy(name, title, venue, first, last, rate):
        issued.append((rate.attended, rate.held))
        return real(name, title, venue, first, last, rate)

    monkeypatch.setattr(attendance_module, "certificate_pdf", spy)
    pdf = await client.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert issued == [(2, 3)]
    assert await count(app, AuditEntry, AuditEntry.action == "activity.certificate") == audited + 1
    page = await client.get(f"/activities/{classes.course.id}")
    assert f"/certificate/{classes.people[1].id}" in page.text


async def test_a_certificate_of_an_activity_without_sessions_is_refused(app, client, people, classes):
    async with db_session(app) as session:
        activity = Activity(title="Bez zajęć", category="other", venue_id=classes.venue.id, capacity=5)
        session.add(activity)
        await session.commit()
    await login(client, "caseworker")
    refused = await client.get(f"/activities/{activity.id}/certificate/{classes.people[1].id}")
    assert refused.status_code == 422
    assert await count(app, AuditEntry, AuditEntry.action == "activity.certificate") == 0
    async with db_session(app) as session:
        assert (
            await session.scalars(select(ActivitySession).where(ActivitySession.activity_id == activity.id))
        ).all() == []


async def _in_english(app, username: str = "caseworker") -> None:
    """The user reads the site in English (the refusals below are checked by their English text)."""
    async with db_session(app) as session:
        await session.execute(update(User).where(User.username == username).values(locale="en"))
        await session.commit()


def _session_form(day, **extra) -> dict[str, str]:
    return {"day": day.isoformat(), "start": "17:00", "minutes": "90", **extra}


async def test_sessions_are_scheduled_from_today_to_two_years_ahead(app, client, people, classes):
    await _in_english(app)
    await login(client, "caseworker")
    url = f"/activities/{classes.course.id}/sessions"
    today = datetime.now(UTC).date()
    before = await count(app, ActivitySession)
    cases = [
        (_session_form(today - timedelta(days=1)), "Day:"),  # in the past
        (_session_form(today + timedelta(days=3 * 365)), "Day:"),  # a typo for next year
        (
            _session_form(today + timedelta(days=7), until=(today + timedelta(days=900)).isoformat()),
            "Every week until:",
        ),
        (_session_form(today + timedelta(days=7), room="x" * 81), "Room:"),
        (_session_form(today + timedelta(days=7), minutes="5"), "Length in minutes:"),
    ]
    for data, label in cases:
        refused = await post_form(client, url, data, follow_redirects=True)
        assert refused.status_code == 200 and label in refused.text, data
        assert await count(app, ActivitySession) == before, data  # nothing scheduled
    ok = await post_form(client, url, _session_form(today + timedelta(days=700)))
    assert ok.status_code == 303
    assert await count(app, ActivitySession) == before + 1


async def test_the_service_refuses_sessions_beyond_two_years(app, classes):
    from logistics.activities.sessions import SessionService
    from logistics.core.errors import DomainError

    async with db_session(app) as session:
        service = SessionService(session, STAFF)
        far = datetime.now(UTC) + timedelta(days=3 * 365)
        for call, field in (
            (service.add_sessions(classes.course.id, far, 90), "day"),
            (service.move_session(classes.sessions[0].id, far, "", ""), "day"),
            (service.add_sessions(classes.course.id, datetime.now(UTC) + timedelta(days=1), 90, room="x" * 81), "room"),
            (service.cancel_session(classes.sessions[0].id, "x" * 201), "reason"),
        ):
            with pytest.raises(DomainError) as refused:
                await call
            assert refused.value.field == field
        await session.commit()
    async with db_session(app) as session:
        first = await session.get(ActivitySession, classes.sessions[0].id)
        assert first.status == "scheduled" and first.starts_at == classes.sessions[0].starts_at
        assert await session.scalar(select(func.count()).select_from(ActivitySession)) == 5


async def test_a_session_cannot_move_beyond_two_years_or_into_the_past(app, client, people, classes):
    await _in_english(app)
    await login(client, "caseworker")
    url = f"/activities/sessions/{classes.sessions[0].id}/move"
    today = datetime.now(UTC).date()
    for day in (today + timedelta(days=3 * 365), today - timedelta(days=2)):
        refused = await post_form(client, url, {"day": day.isoformat(), "start": "10:00"}, follow_redirects=True)
        assert refused.status_code == 200 and "Day:" in refused.text
    async with db_session(app) as session:
        assert (await session.get(ActivitySession, classes.sessions[0].id)).starts_at == classes.sessions[0].starts_at


async def test_capacity_and_waiting_list_moves_out_of_bounds_are_refused(app, client, people, classes):
    async with db_session(app) as session:
        for n in range(4):  # three places, one waiting
            await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[n + 1].id)
        await session.commit()
        waiting = await session.scalar(select(SignUp).where(SignUp.status == "waiting"))
    await _in_english(app)
    await login(client, "caseworker")
    for value in ("0", "1001", "1e3", "-1"):
        refused = await post_form(
            client, f"/activities/{classes.course.id}/capacity", {"capacity": value}, follow_redirects=True
        )
        assert refused.status_code == 200 and "Places:" in refused.text, value
    for data in ({"rank": "0", "reason": "x"}, {"rank": "1", "reason": "x" * 201}):
        refused = await post_form(client, f"/activities/sign-ups/{waiting.id}/move", data, follow_redirects=True)
        assert refused.status_code == 200
    async with db_session(app) as session:
        assert (await session.get(Activity, classes.course.id)).capacity == 3
        assert (await session.get(SignUp, waiting.id)).waiting_rank == 1


async def test_the_activity_form_refuses_next_to_the_field(app, client, people, classes):
    async with db_session(app) as session:
        closed = Site(name="Zamknięta świetlica", address="", is_active=False)
        session.add(closed)
        await session.commit()
    await login(client, "caseworker")
    base = {"title": "Nowe zajęcia", "category": "culture", "venue": str(classes.venue.id), "capacity": "10"}
    before = await count(app, Activity)
    for field, value in (
        ("category", "astrology"),
        ("capacity", "1001"),
        ("capacity", "0"),
        ("title", "x" * 151),
        ("description", "x" * 4001),
        ("required_share", "101"),
        ("venue", str(closed.id)),
        ("venue", "not-a-venue"),
    ):
        refused = await post_form(client, "/activities/new", {**base, field: value})
        assert refused.status_code == 422, (field, value)
        assert f'id="{field}-error"' in refused.text, (field, value)
    assert await count(app, Activity) == before


async def test_an_unknown_attendance_status_is_refused(app, client, people, classes):
    async with db_session(app) as session:
        await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[1].id)
        first = await session.get(ActivitySession, classes.sessions[0].id)
        first.starts_at = datetime.now(UTC) - timedelta(minutes=5)
        await session.commit()
    await _in_english(app)
    await login(client, "caseworker")
    url = f"/activities/sessions/{classes.sessions[0].id}/attendance"
    refused = await post_form(client, url, {"person": str(classes.people[1].id), "status": "sleeping"})
    assert refused.status_code == 422 and "This option is not available." in refused.text
    assert await count(app, Attendance) == 0
