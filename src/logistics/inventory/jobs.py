"""The inventory's scheduled job: the morning's stock alerts, e-mailed through the notification outbox."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today
from logistics.inventory.alerts import alerts_text, below_minimum, expiring
from logistics.mail import mail_configured
from logistics.notifications.models import Channel
from logistics.notifications.outbox import enqueue
from logistics.scheduler import register_job
from logistics.settings import get_settings


@register_job(
    "inventory.stock_alerts",
    CronTrigger(hour=6, minute=15, timezone="Europe/Warsaw"),
    "List items below their minimum level and lots expiring soon or expired; e-mail them when configured.",
)
async def stock_alerts(session: AsyncSession) -> str:
    """The counts for the run history; with e-mail configured, the list for each of LOGISTICS_STOCK_ALERTS_TO.

    The e-mails go into the outbox in this job's transaction: they are sent by the delivery job once it has
    committed — never while it is open, not at all when it fails — and once a day per recipient (the outbox key),
    however often the job is run."""
    settings = get_settings()
    low = await below_minimum(session, None)
    soon = await expiring(session, None)
    expired = sum(1 for lot in soon if lot.expired)
    summary = (
        f"{len(low)} below minimum, {len(soon) - expired} lots expiring within {settings.stock_alert_days} days,"
        f" {expired} expired"
    )
    if (low or soon) and settings.stock_alerts_to and mail_configured():
        subject, body, today = _("Stock alerts"), alerts_text(low, soon), local_today().isoformat()
        queued = 0
        for recipient in settings.stock_alerts_to:
            key = f"stock-alerts:{today}:{recipient}"[:200]
            if await enqueue(session, Channel.EMAIL, recipient, subject, body, key=key) is not None:
                queued += 1
        summary += f"; e-mail queued for {queued} of {len(settings.stock_alerts_to)}"
    return summary
