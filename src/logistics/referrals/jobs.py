"""The referrals' scheduled job: open referrals past their expected date become overdue. It runs every hour (one
UPDATE), so a referral is overdue soon after midnight of the day after its date, and a server that was down at
that hour catches up at the next."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.referrals.services import ReferralService
from logistics.scheduler import register_job


@register_job(
    "referrals.overdue",
    CronTrigger(minute=23, timezone="UTC"),
    "Mark open referrals past their expected date as overdue.",
)
async def overdue_job(session: AsyncSession) -> str:
    count = await ReferralService(session, Actor.system("referrals.overdue")).mark_overdue(local_today())
    return f"{count} referrals overdue"
