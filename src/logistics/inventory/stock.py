"""Reading stock: a location's lots, an item across locations, and the movement history with filters."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.inventory.models import Balance, Item, Lot


async def stock_at(session: AsyncSession, location_id: UUID) -> list[tuple[Item, Lot, Decimal]]:
    """Every lot in stock at a location, by category, item and expiry (the location's stock page)."""
    rows = await session.execute(
        select(Item, Lot, Balance.quantity)
        .join(Balance, Balance.item_id == Item.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location_id, Balance.quantity > 0)
        .order_by(Item.category, Item.name, Lot.expiry)
    )
    return [(item, lot, quantity) for item, lot, quantity in rows.all()]
