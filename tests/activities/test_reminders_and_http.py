"""A reminder reaches a real local SMTP server (aiosmtpd) in the person's language; the reminder job, run by the
scheduler from the activities' jobs module, queues them in the outbox; ten sign-up requests at once for the last
three places over HTTP; a past session refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from logistics.activities.jobs import reminders
from logistics.activities.models import ActivitySession, Places, SignUp
from logistics.activities.signups import SignUpService
from logistics.core.errors import DomainError
from logistics.db import make_alchemy_config
from logistics.notifications.jobs import deliver_outbox
from logistics.notifications.models import OutboxMessage
from logistics.people.models import Person
from logistics.scheduler import JOB_MODULES, JobRunner, load_jobs

from ..conftest import login
from ..helpers import count, db_session, post_form
from ..notifications.test_outbox import inbox  # noqa: F401 — the real local SMTP server fixture
from .conftest import STAFF


async def test_a_reminder_reaches_a_real_smtp_server_in_the_persons_language(app, classes, inbox):  # noqa: F811
    async with db_session(app) as session:
        person = await session.get(Person, classes.people[1].id)  # prefers Ukrainian
        person.email = "olena@example.org"
        await session.commit()
        await SignUpService(session, STAFF).sign_up(classes.course.id, person.id)
        await session.commit()
        await reminders(session, now=classes.sessions[0].starts_at - timedelta(hours=20))
        await session.commit()
        await deliver_outbox(session)
        await session.commit()
        await reminders(session, now=classes.sessions[0].starts_at - timedelta(hours=19))  # again: nothing new
        await session.commit()
        await deliver_outbox(session)
    subjects = [message["Subject"] for message in inbox.messages]
    assert subjects.count("Нагадування: Польська мова A1") == 1
    assert all(message["To"] == "olena@example.org" for message in inbox.messages)


async def test_a_past_session_is_refused(app, classes):
    async with db_session(app) as session:
        trip = await session.get(ActivitySession, classes.outing_session.id)
        trip.starts_at = datetime.now(UTC) - timedelta(hours=1)
        await session.commit()
        with pytest.raises(DomainError, match="już się zaczęły"):
            await SignUpService(session, STAFF).sign_up(classes.outing.id, classes.people[1].id, trip.id)
    assert await count(app, SignUp) == 0


async def test_ten_sign_up_requests_at_once_for_the_last_three_places(app, client, people, classes):
    await login(client, "caseworker")
    url = f"/activities/{classes.course.id}/sign-up"
    responses = await asyncio.gather(
        *(post_form(client, url, {"person": str(classes.people[n].id)}) for n in range(1, 11))
    )
    assert [r.status_code for r in responses] == [303] * 10
    async with db_session(app) as session:
        statuses = [s.status for s in await session.scalars(select(SignUp))]
        places = await session.scalar(select(Places))
    assert sorted(statuses) == ["confirmed"] * 3 + ["waiting"] * 7
    assert places.taken == 3


async def test_the_reminder_job_runs_from_the_activities_jobs_module_into_the_outbox(app, classes, settings):
    """The scheduler finds the job in logistics.activities.jobs; run as the scheduler runs it, it queues the
    reminder in the notification outbox (by SMS: no e-mail configured) and sends nothing itself."""
    async with db_session(app) as session:
        await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[2].id)  # first session: in 24 h
        await session.commit()
    assert "logistics.activities.jobs" in JOB_MODULES
    job = load_jobs()["activities.reminders"]
    assert job.func.__module__ == "logistics.activities.jobs"
    config = make_alchemy_config(settings)
    try:
        record = await JobRunner(config.create_session_maker(), "test").run("activities.reminders", force=True)
    finally:
        await config.get_engine().dispose()
    assert record is not None and record.outcome == "ok", record and record.message
    async with db_session(app) as session:
        reminders_queued = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith("reminder-24h")))
        )
    assert [(m.channel, m.recipient, m.status) for m in reminders_queued] == [("sms", "+48 600 000 002", "pending")]
