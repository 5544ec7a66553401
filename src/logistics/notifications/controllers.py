"""Administrators and coordinators see the outbox (recipients masked) and send a failed message again."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from logistics.core.i18n import _, _l
from logistics.mail import mail_configured
from logistics.notifications.errors import delivery_error
from logistics.notifications.models import Channel, MessageStatus
from logistics.notifications.outbox import FILTERS, PAGE_SIZE, OutboxService, mask_recipient
from logistics.notifications.policy import RETRY, VIEW_MESSAGES, policy
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import attempt
from logistics.web.templating import render

register_nav(lambda: _("Messages"), "/admin/messages", policy.roles(VIEW_MESSAGES), order=93)

STATUSES = {
    MessageStatus.PENDING: _l("pending"),
    MessageStatus.SENDING: _l("sending"),
    MessageStatus.SENT: _l("sent"),
    MessageStatus.FAILED: _l("failed"),
}
FILTER_LABELS = {"all": _l("All"), "pending": _l("Waiting"), "sent": _l("Sent"), "failed": _l("Failed")}
CHANNELS = {Channel.EMAIL: _l("E-mail"), Channel.SMS: _l("SMS")}


class MessagesController(Controller):
    path = "/admin/messages"
    dependencies = services(outbox=OutboxService)

    @get("/", guards=[may(VIEW_MESSAGES)])
    async def messages(
        self,
        request: Request[Any, Any, Any],
        outbox: NamedDependency[OutboxService],
        status: FromQuery[str] = "all",
        page: FromQuery[int] = 1,
    ) -> Any:
        """The outbox newest first, 50 a page, filtered by status; no message bodies, recipients masked."""
        status = status if status in FILTERS else "all"
        page = min(max(page, 1), 100_000)
        messages, total = await outbox.browse(status, page)
        return render(
            request,
            "notifications/messages.html",
            block="results",
            messages=messages,
            total=total,
            status=status,
            page=page,
            pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            filters=FILTER_LABELS,
            statuses=STATUSES,
            channels=CHANNELS,
            mask=mask_recipient,
            delivery_error=delivery_error,
            mail_ready=mail_configured(),
        )

    @post("/{message_id:uuid}/retry", guards=[may(RETRY)])
    async def retry(
        self, request: Request[Any, Any, Any], outbox: NamedDependency[OutboxService], message_id: FromPath[UUID]
    ) -> Any:
        """A failed message goes back to the outbox, due now."""
        form = Form(await request.form())
        status = form.raw("status")
        back = f"/admin/messages?status={status if status in FILTERS else 'all'}"
        return await attempt(
            request, outbox.retry(message_id), back, _("The message is back in the outbox and will be sent shortly.")
        )
