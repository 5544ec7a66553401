"""Stock alerts: items below their minimum level, and lots that expire within N days (default 14) or already have.

Computed on demand for the alerts page (two grouped queries), and by a daily job whose run history records the
counts for the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.inventory.models import NO_EXPIRY, Balance, Item, Lot, MinimumLevel
from logistics.inventory.stock import visible
from logistics.scheduler import register_job
from logistics.sites.models import Site
from logistics.web.actor import Actor

EXPIRY_DAYS = 14


@dataclass(frozen=True)
class BelowMinimum:
    location: str
    item: str
    unit: str
    quantity: Decimal
    minimum: Decimal


@dataclass(frozen=True)
class Expiring:
    location: str
    item: str
    unit: str
    expiry: date
    quantity: Decimal

    @property
    def expired(self) -> bool:
        return self.expiry < date.today()


async def below_minimum(session: AsyncSession, actor: Actor | None, today: date | None = None) -> list[BelowMinimum]:
    """Usable stock (not expired) under the minimum level, per location and item."""
    today = today or date.today()
    usable = (
        select(Balance.location_id, Balance.item_id, func.sum(Balance.quantity).label("quantity"))
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Lot.expiry >= today)
        .group_by(Balance.location_id, Balance.item_id)
        .subquery()
    )
    rows = await session.execute(
        select(Site.name, Item.name, Item.unit, func.coalesce(usable.c.quantity, 0), MinimumLevel.quantity)
        .select_from(MinimumLevel)
        .join(Site, Site.id == MinimumLevel.location_id)
        .join(Item, Item.id == MinimumLevel.item_id)
        .outerjoin(
            usable, (usable.c.location_id == MinimumLevel.location_id) & (usable.c.item_id == MinimumLevel.item_id)
        )
        .where(func.coalesce(usable.c.quantity, 0) < MinimumLevel.quantity, *visible(actor, MinimumLevel.location_id))
        .order_by(Site.name, Item.name)
    )
    return [
        BelowMinimum(location, item, unit, Decimal(quantity), minimum)
        for location, item, unit, quantity, minimum in rows.all()
    ]


async def expiring(
    session: AsyncSession, actor: Actor | None, days: int = EXPIRY_DAYS, today: date | None = None
) -> list[Expiring]:
    """Lots in stock that expire within `days` days or have already expired, soonest first."""
    today = today or date.today()
    rows = await session.execute(
        select(Site.name, Item.name, Item.unit, Lot.expiry, Balance.quantity)
        .join(Lot, Lot.id == Balance.lot_id)
        .join(Item, Item.id == Balance.item_id)
        .join(Site, Site.id == Balance.location_id)
        .where(
            Balance.quantity > 0,
            Lot.expiry <= today + timedelta(days=days),
            Lot.expiry != NO_EXPIRY,
            *visible(actor, Balance.location_id),
        )
        .order_by(Lot.expiry, Site.name, Item.name)
    )
    return [Expiring(location, item, unit, expiry, quantity) for location, item, unit, expiry, quantity in rows.all()]


@register_job(
    "inventory.stock_alerts",
    CronTrigger(hour=6, minute=15, timezone="Europe/Warsaw"),
    "List items below their minimum level and lots expiring within 14 days or expired.",
)
async def stock_alerts(session: AsyncSession) -> str:
    low = await below_minimum(session, None)
    soon = await expiring(session, None)
    expired = sum(1 for lot in soon if lot.expired)
    return f"{len(low)} below minimum, {len(soon) - expired} lots expiring within {EXPIRY_DAYS} days, {expired} expired"
