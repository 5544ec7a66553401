"""The activities' scheduled job: reminders 24 h and 2 h before each session to everyone with a place, queued in the
notification outbox (which sends them once committed) in each person's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.messages import notify
from logistics.activities.models import Activity, ActivitySession, SessionStatus
from logistics.activities.sessions import participants
from logistics.core.i18n import _l, format_datetime
from logistics.scheduler import register_job

REMINDERS = ((timedelta(hours=24), "24h"), (timedelta(hours=2), "2h"))


@register_job(
    "activities.reminders",
    IntervalTrigger(minutes=10),
    "Queue reminders 24 h and 2 h before each session to everyone with a place.",
)
async def reminders(session: AsyncSession, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    queued = 0
    for ahead, label in REMINDERS:
        due = await session.scalars(
            select(ActivitySession).where(
                ActivitySession.status == SessionStatus.SCHEDULED,
                ActivitySession.starts_at > now,
                ActivitySession.starts_at <= now + ahead,
            )
        )
        for activity_session in list(due):
            if label == "24h" and activity_session.starts_at <= now + timedelta(hours=2):
                continue  # within 2 hours: only the 2-hour reminder
            activity = await session.get(Activity, activity_session.activity_id)
            for person in await participants(session, activity_session):
                await notify(
                    session,
                    person,
                    _l("Reminder: %(activity)s"),
                    _l("%(activity)s on %(when)s, %(room)s."),
                    activity,
                    key=f"reminder-{label}:{activity_session.id}:{person.id}",
                    when=format_datetime(activity_session.starts_at),
                    room=activity_session.room or "",
                )
                queued += 1
    return f"{queued} reminders considered"
