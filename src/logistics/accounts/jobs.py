"""Housekeeping jobs of the accounts domain."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.accounts.models import LoginFailure, WebSession
from logistics.scheduler import now_utc, register_job


@register_job(
    "accounts.purge_expired",
    CronTrigger(minute=17, timezone="UTC"),
    "Delete expired web sessions and log-in failures older than a day.",
)
async def purge_expired(session: AsyncSession) -> str:
    now = now_utc()
    sessions = await session.execute(delete(WebSession).where(WebSession.expires_at < now))
    failures = await session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
    return f"{sessions.rowcount} sessions, {failures.rowcount} log-in failures deleted"  # type: ignore[attr-defined]
