"""Reading the scheduler's state: the registered jobs, their leases and the history of their runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from logistics.core.service import Service, query
from logistics.scheduler import REGISTRY, Job, JobLease, JobRun
from logistics.system.policy import VIEW_JOBS


@dataclass(frozen=True)
class JobsOverview:
    jobs: list[Job]
    leases: dict[str, JobLease]
    runs: list[JobRun]


class JobsService(Service):
    @query
    async def overview(self, job: str = "") -> JobsOverview:
        """Every registered job by name with its lease, and the last 100 runs (of `job` only, when it is one)."""
        self.require(VIEW_JOBS)
        leases = {lease.name: lease for lease in await self.session.scalars(select(JobLease))}
        runs = select(JobRun).order_by(JobRun.started_at.desc()).limit(100)
        if job in REGISTRY:
            runs = runs.where(JobRun.name == job)
        return JobsOverview(
            jobs=sorted(REGISTRY.values(), key=lambda registered: registered.name),
            leases=leases,
            runs=list(await self.session.scalars(runs)),
        )
