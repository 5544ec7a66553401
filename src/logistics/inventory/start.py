"""The stock part of the start page (warehouse staff, coordinators, administrators): transfers on their way to the
user's locations (to confirm on arrival), the stock alerts, and one tap to receive goods at each location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from logistics.core.actor import Actor
from logistics.core.roles import Role
from logistics.core.service import Service, query
from logistics.inventory.alerts import below_minimum, expiring
from logistics.inventory.models import Transfer, TransferStatus
from logistics.inventory.policy import RECEIVE, RECEIVE_TRANSFER, VIEW_STOCK, policy
from logistics.inventory.stock import StockService, visible
from logistics.settings import get_settings
from logistics.sites.models import Site
from logistics.web.layout import register_panel


@dataclass(frozen=True)
class Arriving:
    """A transfer in transit to one of the user's locations."""

    transfer: Transfer
    sender: str
    receiver: str
    sent_at: datetime


@dataclass(frozen=True)
class StockStart:
    arriving: list[Arriving]
    receive_at: list[Site]  # the locations where the user may receive goods
    low: int
    expiring: int
    expired: int
    days: int


class StockStartService(Service):
    @query
    async def start(self) -> StockStart:
        """What the stock keeper starts the day with, at the locations the actor sees."""
        self.require(VIEW_STOCK)
        sender, receiver = aliased(Site), aliased(Site)
        rows = await self.session.execute(
            select(Transfer, sender.name, receiver.name)
            .join(sender, sender.id == Transfer.from_location_id)
            .join(receiver, receiver.id == Transfer.to_location_id)
            .where(Transfer.status == TransferStatus.IN_TRANSIT, *visible(self.actor, Transfer.to_location_id))
            .order_by(Transfer.sent_at)
        )
        arriving = [
            Arriving(transfer, from_name, to_name, transfer.sent_at)
            for transfer, from_name, to_name in rows.all()
            if self.can(RECEIVE_TRANSFER, transfer)
        ]
        locations = await StockService(self.session, self.actor).locations()
        soon = await expiring(self.session, self.actor)
        return StockStart(
            arriving=arriving,
            receive_at=[site for site in locations if self.can(RECEIVE, site)],
            low=len(await below_minimum(self.session, self.actor)),
            expiring=sum(1 for lot in soon if not lot.expired),
            expired=sum(1 for lot in soon if lot.expired),
            days=get_settings().stock_alert_days,
        )


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    return {"stock": await StockStartService(session, actor).start()}


#: The stock keepers' panel (administrators, who may keep stock too, start from the administration panel).
register_panel(
    "home",
    "inventory/start_panel.html",
    policy.roles(VIEW_STOCK) - {Role.ADMIN},
    start_panel,
    order=30,
)
