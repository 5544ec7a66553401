"""Administrators see the scheduled jobs and the history of their runs, and can run one now."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import _
from logistics.core.roles import Role
from logistics.scheduler import REGISTRY, JobLease, JobRun
from logistics.web.guards import requires
from logistics.web.layout import register_nav
from logistics.web.templating import render

register_nav(lambda: _("Scheduled jobs"), "/admin/jobs", {Role.ADMIN}, order=94)


class JobsController(Controller):
    path = "/admin/jobs"
    guards = [requires(Role.ADMIN)]

    @get("/")
    async def jobs(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], job: FromQuery[str] = ""
    ) -> Any:
        leases = {lease.name: lease for lease in await db_session.scalars(select(JobLease))}
        query = select(JobRun).order_by(JobRun.started_at.desc()).limit(100)
        if job in REGISTRY:
            query = query.where(JobRun.name == job)
        runs = list(await db_session.scalars(query))
        return render(
            request,
            "system/jobs.html",
            block="runs",
            jobs=sorted(REGISTRY.values(), key=lambda j: j.name),
            leases=leases,
            runs=runs,
            selected=job,
        )
