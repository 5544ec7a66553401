"""Messages that could not be delivered (given up, waiting to be retried by hand), on the start page of those
who may retry them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.service import Service, query
from logistics.notifications.models import MessageStatus, OutboxMessage
from logistics.notifications.policy import RETRY, VIEW_MESSAGES, policy
from logistics.web.layout import register_panel


class MessagesStartService(Service):
    @query
    async def failed(self) -> int:
        self.require(VIEW_MESSAGES)
        return int(
            await self.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
            )
            or 0
        )


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    return {"failed": await MessagesStartService(session, actor).failed()}


register_panel("home", "notifications/start_panel.html", policy.roles(RETRY), start_panel, order=60)
