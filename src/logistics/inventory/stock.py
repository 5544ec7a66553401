"""Reading stock: a location's lots, an item across locations, and the movement history with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import _l, day_start
from logistics.inventory.models import (
    Balance,
    Item,
    ItemCategory,
    Lot,
    Movement,
    MovementKind,
    MovementLine,
    StocktakeStatus,
    TransferStatus,
)
from logistics.sites.models import Site

CATEGORIES = {
    ItemCategory.FOOD: _l("Food"),
    ItemCategory.HYGIENE: _l("Hygiene"),
    ItemCategory.BABY: _l("Baby"),
    ItemCategory.CLOTHING: _l("Clothing"),
    ItemCategory.BEDDING: _l("Bedding"),
    ItemCategory.CLEANING: _l("Cleaning"),
    ItemCategory.OTHER: _l("Other"),
}
TRANSFER_STATUSES = {
    TransferStatus.IN_TRANSIT: _l("in transit"),
    TransferStatus.RECEIVED: _l("received"),
    TransferStatus.CANCELLED: _l("called back"),
}
STOCKTAKE_STATUSES = {
    StocktakeStatus.OPEN: _l("open"),
    StocktakeStatus.CONFIRMED: _l("confirmed"),
    StocktakeStatus.CANCELLED: _l("cancelled"),
}
MOVEMENT_KINDS = {
    MovementKind.RECEIPT: _l("Receipt"),
    MovementKind.TRANSFER: _l("Transfer sent"),
    MovementKind.TRANSFER_IN: _l("Transfer received"),
    MovementKind.ISSUE: _l("Issue"),
    MovementKind.ADJUSTMENT: _l("Adjustment"),
    MovementKind.WRITE_OFF: _l("Write-off"),
    MovementKind.STOCKTAKE: _l("Stocktake"),
    MovementKind.REVERSAL: _l("Reversal"),
}


@dataclass(frozen=True)
class StockRow:
    """One lot in stock at a location: plain values, not ORM objects (a warehouse lists thousands of lots)."""

    item_id: UUID
    name: str
    category: str
    unit: str
    lot_id: UUID
    expiry: date
    producer_lot: str
    quantity: Decimal


async def stock_at(session: AsyncSession, location_id: UUID) -> list[StockRow]:
    """Every lot in stock at a location, by category, item and expiry (the location's stock page)."""
    rows = await session.execute(
        select(Item.id, Item.name, Item.category, Item.unit, Lot.id, Lot.expiry, Lot.producer_lot, Balance.quantity)
        .join(Balance, Balance.item_id == Item.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location_id, Balance.quantity > 0)
        .order_by(Item.category, Item.name, Lot.expiry)
    )
    return [StockRow(*row) for row in rows.all()]


async def usable_at(session: AsyncSession, location_id: UUID, today: date) -> list[tuple[Item, Decimal]]:
    """Per item, the stock at a location that may still be handed out (lots not expired), by category and name."""
    rows = await session.execute(
        select(Item, func.sum(Balance.quantity))
        .join(Balance, Balance.item_id == Item.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location_id, Balance.quantity > 0, Lot.expiry >= today)
        .group_by(Item.id)
        .order_by(Item.category, Item.name)
    )
    return [(item, quantity) for item, quantity in rows.all()]


def visible(actor: Actor | None, column: Any) -> list[ColumnElement[bool]]:
    """No condition for everyone-seeing roles (and jobs); the actor's sites for the others."""
    if actor is None or actor.sees_all_sites:
        return []
    return [column.in_(actor.site_ids)]


async def item_totals(session: AsyncSession, actor: Actor, today: date, search: str = "") -> list[ItemTotal]:
    """Every item of the catalogue with its stock across the user's locations: usable and expired."""
    usable = func.sum(case((Lot.expiry >= today, Balance.quantity), else_=0))
    expired = func.sum(case((Lot.expiry < today, Balance.quantity), else_=0))
    totals = (
        select(
            Balance.item_id,
            usable.label("usable"),
            expired.label("expired"),
            func.count(func.distinct(Balance.location_id)).label("locations"),
        )
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.quantity > 0, *visible(actor, Balance.location_id))
        .group_by(Balance.item_id)
        .subquery()
    )
    query = (
        select(Item, totals.c.usable, totals.c.expired, totals.c.locations)
        .outerjoin(totals, totals.c.item_id == Item.id)
        .order_by(Item.category, Item.name)
    )
    if search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Item.name.ilike(pattern), Item.name_en.ilike(pattern), Item.name_uk.ilike(pattern)))
    rows = (await session.execute(query)).all()
    return [ItemTotal(row[0], Decimal(row[1] or 0), Decimal(row[2] or 0), int(row[3] or 0)) for row in rows]


@dataclass(frozen=True)
class ItemTotal:
    item: Item
    usable: Decimal
    expired: Decimal
    locations: int


async def item_stock(session: AsyncSession, actor: Actor, item_id: UUID) -> list[tuple[Site, Lot, Decimal]]:
    """One item's lots at each of the user's locations, by location and expiry."""
    rows = await session.execute(
        select(Site, Lot, Balance.quantity)
        .join(Balance, Balance.location_id == Site.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.item_id == item_id, Balance.quantity > 0, *visible(actor, Balance.location_id))
        .order_by(Site.name, Lot.expiry)
    )
    return [(site, lot, quantity) for site, lot, quantity in rows.all()]


@dataclass(frozen=True)
class HistoryFilter:
    location_id: UUID | None = None
    item_id: UUID | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None


async def movement_history(
    session: AsyncSession, actor: Actor, where: HistoryFilter, offset: int = 0, limit: int = 50
) -> list[tuple[Movement, MovementLine, Item, Lot, Site]]:
    """Movement lines, newest first, at the user's locations, narrowed by location, item, kind and days."""
    query = (
        select(Movement, MovementLine, Item, Lot, Site)
        .join(MovementLine, MovementLine.movement_id == Movement.id)
        .join(Item, Item.id == MovementLine.item_id)
        .join(Lot, Lot.id == MovementLine.lot_id)
        .join(Site, Site.id == MovementLine.location_id)
        .where(*visible(actor, MovementLine.location_id))
        .order_by(Movement.at.desc(), Movement.id.desc(), MovementLine.id)
        .offset(offset)
        .limit(limit)
    )
    if where.location_id:
        query = query.where(MovementLine.location_id == where.location_id)
    if where.item_id:
        query = query.where(MovementLine.item_id == where.item_id)
    if where.kind:
        query = query.where(Movement.kind == where.kind)
    if where.since:
        query = query.where(Movement.at >= day_start(where.since))
    if where.until:
        query = query.where(Movement.at < day_start(where.until + timedelta(days=1)))
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]
