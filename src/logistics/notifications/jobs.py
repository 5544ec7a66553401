"""The notifications' scheduled job: deliver the outbox.

Unlike other jobs it commits as it goes — each message is claimed (committed), sent outside any transaction, then
its outcome recorded (committed) — so a message is never sent twice, whatever happens to the run (see `outbox`)."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.notifications.outbox import deliver_due
from logistics.scheduler import register_job


@register_job(
    "notifications.deliver",
    IntervalTrigger(minutes=1),
    "Send due e-mails and SMS from the outbox; retry failed deliveries with back-off, never send one twice.",
    lease=timedelta(minutes=5),
)
async def deliver_outbox(session: AsyncSession) -> str:
    return (await deliver_due(session)).summary()
