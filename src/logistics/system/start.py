"""The administrator's start page panel: scheduled jobs that failed in the last week, and the administration
pages one tap away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.service import Service, query
from logistics.scheduler import JobRun
from logistics.system.policy import VIEW_JOBS, policy
from logistics.web.layout import register_panel

FAILED_SINCE = timedelta(days=7)


class SystemStartService(Service):
    @query
    async def failed_runs(self) -> int:
        """Job runs that failed in the last seven days."""
        self.require(VIEW_JOBS)
        since = datetime.now(UTC) - FAILED_SINCE
        return int(
            await self.session.scalar(
                select(func.count()).select_from(JobRun).where(JobRun.outcome == "failed", JobRun.started_at >= since)
            )
            or 0
        )


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    return {"failed_runs": await SystemStartService(session, actor).failed_runs()}


register_panel("home", "system/start_panel.html", policy.roles(VIEW_JOBS), start_panel, order=5)
