"""The vouchers' scheduled jobs: the nightly expiry. Importing this module also registers how the outbox makes
the files of a voucher's e-mail (the delivery job may run in a process that has no web app)."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.scheduler import register_job
from logistics.vouchers import sending as _sending  # noqa: F401 — registers the voucher e-mails' attachments
from logistics.vouchers.issuing import expire_vouchers


@register_job(
    "vouchers.expire",
    CronTrigger(hour=0, minute=20, timezone="Europe/Warsaw"),
    "Mark vouchers past their last valid day as expired.",
)
async def expire_job(session: AsyncSession) -> str:
    return f"{await expire_vouchers(session)} vouchers expired"
