"""Scheduled jobs: each due run happens once however many processes run the scheduler; runs are recorded."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from logistics.accounts.models import LoginFailure, WebSession
from logistics.core.actor import Actor
from logistics.core.errors import Forbidden
from logistics.scheduler import (
    REGISTRY,
    JobLease,
    JobRun,
    JobRunner,
    create_scheduler,
    load_jobs,
    now_utc,
    register_job,
)
from logistics.system.services import JobsService

from ..conftest import login
from ..helpers import count, db_session


def _session_maker(settings):
    engine = create_async_engine(settings.database_url)
    return engine, async_sessionmaker(engine, expire_on_commit=False)


async def test_two_runners_claim_a_due_run_once(settings, app):
    calls: list[str] = []

    @register_job("test.once", CronTrigger(minute="*/5", timezone="UTC"), "test job")
    async def once(_session: AsyncSession) -> str:
        calls.append("ran")
        await asyncio.sleep(0.05)
        return "done"

    engine, maker = _session_maker(settings)
    try:
        first, second = JobRunner(maker, "process-1"), JobRunner(maker, "process-2")
        # The first fire anywhere creates the lease and runs; right after, the run is no longer due.
        assert (await first.run("test.once")).outcome == "ok"
        assert await second.run("test.once") is None
        calls.clear()
        async with maker() as session:
            await session.execute(
                update(JobLease)
                .where(JobLease.name == "test.once")
                .values(next_run_at=now_utc() - timedelta(seconds=1))
            )
            await session.commit()
        results = await asyncio.gather(first.run("test.once"), second.run("test.once"))
        assert calls == ["ran"]
        assert sorted(r is None for r in results) == [False, True]
        async with maker() as session:
            runs = list(
                await session.scalars(select(JobRun).where(JobRun.name == "test.once").order_by(JobRun.started_at))
            )[1:]
            lease = await session.scalar(select(JobLease).where(JobLease.name == "test.once"))
        assert len(runs) == 1
        assert runs[0].outcome == "ok"
        assert runs[0].message == "done"
        assert runs[0].finished_at is not None
        assert lease.next_run_at > now_utc()
        assert lease.locked_until is None
    finally:
        REGISTRY.pop("test.once", None)
        await engine.dispose()


async def test_two_real_schedulers_run_each_due_second_once(settings, app):
    """Two APScheduler instances (as two processes would run them) fire a job every second for ~3 s."""
    calls: list[float] = []

    @register_job("test.every_second", IntervalTrigger(seconds=1), "test job", lease=timedelta(seconds=30))
    async def tick(_session: AsyncSession) -> str:
        calls.append(now_utc().timestamp())
        return "tick"

    engine, maker = _session_maker(settings)
    schedulers = [create_scheduler(JobRunner(maker, f"process-{n}")) for n in (1, 2)]
    try:
        for scheduler in schedulers:
            scheduler.start()
        await asyncio.sleep(3.5)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)
        REGISTRY.pop("test.every_second", None)
    async with maker() as session:
        runs = list(await session.scalars(select(JobRun).where(JobRun.name == "test.every_second")))
    await engine.dispose()
    # Each process fires about three times; together the job ran once per second, never twice at once.
    assert 3 <= len(calls) <= 4
    assert len(runs) == len(calls)
    gaps = [b - a for a, b in zip(sorted(calls), sorted(calls)[1:], strict=False)]
    assert all(gap > 0.5 for gap in gaps), gaps


async def test_a_failing_job_is_recorded_and_releases_its_lease(settings, app):
    @register_job("test.fails", CronTrigger(hour=3, timezone="UTC"), "test job")
    async def fails(_session: AsyncSession) -> str:
        raise RuntimeError("out of coffee")

    engine, maker = _session_maker(settings)
    try:
        record = await JobRunner(maker, "p").run("test.fails", force=True)
        assert record.outcome == "failed"
        assert "out of coffee" in record.message
    finally:
        REGISTRY.pop("test.fails", None)
        await engine.dispose()


async def test_purge_job_deletes_only_expired_sessions_and_old_failures(settings, app, client, people):
    await login(client, "admin")
    await login(client, "nobody", "wrong-password-1")
    async with db_session(app) as session:
        session.add(WebSession(session_id="old", data=b"{}", expires_at=now_utc() - timedelta(minutes=1)))
        session.add(LoginFailure(username="x", ip="1.2.3.4", at=now_utc() - timedelta(days=2)))
        await session.commit()
    engine, maker = _session_maker(settings)
    try:
        record = await JobRunner(maker).run("accounts.purge_expired", force=True)
    finally:
        await engine.dispose()
    assert record.outcome == "ok"
    assert record.message.startswith("1 sessions, 1 log-in failures")
    assert await count(app, WebSession, WebSession.session_id == "old") == 0
    assert await count(app, LoginFailure) == 1
    assert (await client.get("/")).status_code == 200  # the live session survived


async def test_admin_sees_jobs_and_their_history(settings, app, client, people):
    engine, maker = _session_maker(settings)
    try:
        await JobRunner(maker, "worker-7").run("accounts.purge_expired", force=True)
    finally:
        await engine.dispose()
    await login(client, "admin")
    page = await client.get("/admin/jobs")
    assert page.status_code == 200
    assert "accounts.purge_expired" in page.text
    assert "worker-7" in page.text
    filtered = await client.get("/admin/jobs?job=accounts.purge_expired", headers={"hx-request": "true"})
    assert 'id="job-runs"' in filtered.text
    client.cookies.clear()
    await login(client, "coordinator")
    assert (await client.get("/admin/jobs")).status_code == 403


async def test_every_domains_jobs_module_registers_its_jobs_and_only_admins_read_them(settings, app):
    jobs = load_jobs()
    assert {"inventory.stock_alerts", "notifications.deliver"} <= set(jobs)
    assert jobs["inventory.stock_alerts"].func.__module__ == "logistics.inventory.jobs"
    assert jobs["notifications.deliver"].func.__module__ == "logistics.notifications.jobs"
    async with db_session(app) as session:
        overview = await JobsService(session, Actor.system("test")).overview("notifications.deliver")
        assert "inventory.stock_alerts" in [job.name for job in overview.jobs]
        with pytest.raises(Forbidden):
            await JobsService(session, Actor(user_id=None, username="k", role="coordinator")).overview()
