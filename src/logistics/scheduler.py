"""Scheduled jobs: one registry, APScheduler 3 to fire them, and a lease row so each due run happens once.

Every process (each `logistics serve` worker, or a separate `logistics scheduler`) may run the scheduler. When a
job fires, the process tries to claim the job's lease row with one conditional UPDATE: it succeeds only when the
run is due (`next_run_at <= now`) and no other process holds the lease. The claim moves `next_run_at` to the
trigger's next fire time, so the other processes, firing the same run a moment later, find nothing due. This holds
on SQLite and PostgreSQL alike. Jobs are idempotent, so a run retried after a crash does no harm.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from uuid import uuid4

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import Index, String, Text, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from logistics.core.service import unit_of_work
from logistics.db.base import DateTimeUTC, UUIDv7Base

log = logging.getLogger("logistics.scheduler")

#: Modules whose import registers their jobs (each domain's jobs.py).
JOB_MODULES = (
    "logistics.accounts.jobs",
    "logistics.people.jobs",
    "logistics.shelter.jobs",
    "logistics.inventory.jobs",
    "logistics.vouchers.jobs",
    "logistics.activities.jobs",
    "logistics.referrals.jobs",
    "logistics.notifications.jobs",
)

JobFunction = Callable[[AsyncSession], Awaitable[str]]


class JobLease(UUIDv7Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    next_run_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    locked_by: Mapped[str] = mapped_column(String(120), default="")


class JobRun(UUIDv7Base):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_name_started", "name", "started_at"),)

    name: Mapped[str] = mapped_column(String(100))
    runner: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    message: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Job:
    name: str
    trigger: BaseTrigger
    func: JobFunction
    description: str
    lease: timedelta = timedelta(minutes=30)


REGISTRY: dict[str, Job] = {}


def register_job(
    name: str, trigger: BaseTrigger, description: str, lease: timedelta = timedelta(minutes=30)
) -> Callable[[JobFunction], JobFunction]:
    """Decorator for a job: an async function that takes a session and returns a one-line outcome."""

    def decorate(func: JobFunction) -> JobFunction:
        REGISTRY[name] = Job(name=name, trigger=trigger, func=func, description=description, lease=lease)
        return func

    return decorate


def load_jobs() -> dict[str, Job]:
    for module in JOB_MODULES:
        import_module(module)
    return REGISTRY


def now_utc() -> datetime:
    return datetime.now(UTC)


class JobRunner:
    """Claims leases and runs jobs against one database; one per process."""

    def __init__(self, session_maker: Callable[[], AsyncSession], runner_id: str | None = None) -> None:
        self.session_maker = session_maker
        self.runner_id = runner_id or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"

    async def ensure_lease(self, job: Job, now: datetime) -> None:
        """Create the job's lease row the first time the job fires anywhere, due at once."""
        async with self.session_maker() as session:
            exists = await session.scalar(select(JobLease.id).where(JobLease.name == job.name))
            if exists is not None:
                return
            session.add(JobLease(name=job.name, next_run_at=now))
            try:
                await session.commit()
            except IntegrityError:  # another process created it first
                await session.rollback()

    async def claim(self, job: Job, now: datetime) -> bool:
        """Take the lease for the run that is due now; False when it is not due or another process has it."""
        await self.ensure_lease(job, now)
        # The first fire time strictly after this one: every process firing this same run finds nothing due.
        following = job.trigger.get_next_fire_time(None, now + timedelta(microseconds=1)) or now + timedelta(days=365)
        async with self.session_maker() as session:
            result = await session.execute(
                update(JobLease)
                .where(
                    and_(
                        JobLease.name == job.name,
                        JobLease.next_run_at <= now,
                        or_(JobLease.locked_until.is_(None), JobLease.locked_until < now),
                    )
                )
                .values(next_run_at=following, locked_until=now + job.lease, locked_by=self.runner_id)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def run(self, name: str, *, force: bool = False) -> JobRun | None:
        """Run the job if this runner wins its lease (or unconditionally with force); return the run record."""
        job = load_jobs()[name]  # the registry is complete however the runner was reached
        now = now_utc()
        if not force and not await self.claim(job, now):
            return None
        async with self.session_maker() as session:
            record = JobRun(name=name, runner=self.runner_id, started_at=now)
            session.add(record)
            await session.commit()
        outcome, message = "ok", ""
        try:
            async with unit_of_work(self.session_maker) as session:
                message = await job.func(session)
        except Exception:
            outcome, message = "failed", traceback.format_exc(limit=5)
            log.exception("job %s failed", name)
        async with self.session_maker() as session:
            record.finished_at, record.outcome, record.message = now_utc(), outcome, message[:4000]
            await session.merge(record)
            await session.execute(
                update(JobLease)
                .where(JobLease.name == name, JobLease.locked_by == self.runner_id)
                .values(locked_until=None)
            )
            await session.commit()
        log.info("job %s %s: %s", name, outcome, message.splitlines()[0] if message else "")
        return record


def create_scheduler(runner: JobRunner) -> AsyncIOScheduler:
    """An AsyncIOScheduler with every registered job; start it inside a running event loop."""
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "misfire_grace_time": 3600})
    for job in load_jobs().values():
        scheduler.add_job(runner.run, job.trigger, args=[job.name], id=job.name, max_instances=1)
    return scheduler


async def run_forever(session_maker: Callable[[], AsyncSession]) -> None:
    """`logistics scheduler`: run only the scheduler until interrupted."""
    scheduler = create_scheduler(JobRunner(session_maker))
    scheduler.start()
    log.info("scheduler started with jobs: %s", ", ".join(sorted(REGISTRY)))
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
