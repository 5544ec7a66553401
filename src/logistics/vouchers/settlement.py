"""Settlement with the partner shops: per shop and month, the spends on value vouchers and the total to pay; a
closed month is frozen (its spends can no longer be undone)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import local_time
from logistics.sites.models import Site
from logistics.vouchers.models import SettlementMonth


def month_of(at: datetime) -> str:
    """The settlement month of a moment: its month in the centre's time zone ("2026-12")."""
    return local_time(at).strftime("%Y-%m")


async def lock_shop(session: AsyncSession, shop_id: UUID) -> None:
    """Lock the shop's row until the transaction ends (PostgreSQL; SQLite's writers never overlap): closing a month
    and undoing a spend at the shop take it first, so an undo never slips in under a month being closed."""
    await session.execute(select(Site.id).where(Site.id == shop_id).with_for_update())


async def month_closed(session: AsyncSession, shop_id: UUID, at: datetime) -> bool:
    """Whether the shop's settlement month of `at` is closed (call after `lock_shop` when about to change it)."""
    found = await session.scalar(
        select(SettlementMonth.id).where(SettlementMonth.shop_id == shop_id, SettlementMonth.month == month_of(at))
    )
    return found is not None
