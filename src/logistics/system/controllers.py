"""Administrators see the scheduled jobs and the history of their runs."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from logistics.core.i18n import _
from logistics.system.outcomes import job_description, job_name, outcome_label, run_message
from logistics.system.policy import VIEW_JOBS, policy
from logistics.system.services import JobsService
from logistics.web.dependencies import services
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.templating import render

register_nav(lambda: _("Scheduled jobs"), "/admin/jobs", policy.roles(VIEW_JOBS), order=94)


class JobsController(Controller):
    path = "/admin/jobs"
    guards = [may(VIEW_JOBS)]
    dependencies = services(jobs=JobsService)

    @get("/")
    async def jobs(
        self, request: Request[Any, Any, Any], jobs: NamedDependency[JobsService], job: FromQuery[str] = ""
    ) -> Any:
        overview = await jobs.overview(job)
        return render(
            request,
            "system/jobs.html",
            block="runs",
            jobs=overview.jobs,
            leases=overview.leases,
            runs=overview.runs,
            selected=job,
            job_name=job_name,
            job_description=job_description,
            outcome_label=outcome_label,
            run_message=run_message,
        )
