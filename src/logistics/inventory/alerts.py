"""Stock alerts: items below their minimum level, and lots that expire within N days (LOGISTICS_STOCK_ALERT_DAYS,
default 14) or already have.

Computed on demand for the alerts page and the start page of warehouse staff and coordinators (grouped queries),
and by a daily job (`inventory.jobs`) whose run history records the counts for the day and which e-mails the list
to LOGISTICS_STOCK_ALERTS_TO when e-mail is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import format_date, format_number, local_today, ngettext
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.models import NO_EXPIRY, Balance, Item, Lot, MinimumLevel
from logistics.inventory.names import item_name, unit_name
from logistics.inventory.policy import VIEW_STOCK
from logistics.inventory.stock import visible
from logistics.settings import get_settings
from logistics.sites.models import Site


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
        return self.expiry < local_today()


async def below_minimum(session: AsyncSession, actor: Actor | None, today: date | None = None) -> list[BelowMinimum]:
    """Usable stock (not expired) under the minimum level, per location and item."""
    today = today or local_today()
    # Only the balances of (location, item) pairs that have a minimum: a region has hundreds of thousands of
    # balances and a few hundred minimum levels.
    usable = (
        select(MinimumLevel.location_id, MinimumLevel.item_id, func.sum(Balance.quantity).label("quantity"))
        .join(
            Balance,
            (Balance.location_id == MinimumLevel.location_id) & (Balance.item_id == MinimumLevel.item_id),
        )
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Lot.expiry >= today)
        .group_by(MinimumLevel.location_id, MinimumLevel.item_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Site.name,
            Item.name,
            Item.name_en,
            Item.name_uk,
            Item.unit,
            func.coalesce(usable.c.quantity, 0),
            MinimumLevel.quantity,
        )
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
        BelowMinimum(location, item_name(item, name_en, name_uk), unit_name(unit), Decimal(quantity), minimum)
        for location, item, name_en, name_uk, unit, quantity, minimum in rows.all()
    ]


def _expiring(actor: Actor | None, days: int | None, today: date) -> tuple[Any, ...]:
    """The balances in stock of lots that expire within `days` days (the setting by default) or have expired."""
    days = get_settings().stock_alert_days if days is None else days
    return (
        Balance.quantity > 0,
        Lot.expiry <= today + timedelta(days=days),
        Lot.expiry != NO_EXPIRY,
        *visible(actor, Balance.location_id),
    )


async def expiring(
    session: AsyncSession, actor: Actor | None, days: int | None = None, today: date | None = None
) -> list[Expiring]:
    """Lots in stock that expire within `days` days (the setting by default) or have already expired."""
    today = today or local_today()
    rows = await session.execute(
        select(Site.name, Item.name, Item.name_en, Item.name_uk, Item.unit, Lot.expiry, Balance.quantity)
        .join(Lot, Lot.id == Balance.lot_id)
        .join(Item, Item.id == Balance.item_id)
        .join(Site, Site.id == Balance.location_id)
        .where(*_expiring(actor, days, today))
        .order_by(Lot.expiry, Site.name, Item.name)
    )
    return [
        Expiring(location, item_name(item, name_en, name_uk), unit_name(unit), expiry, quantity)
        for location, item, name_en, name_uk, unit, expiry, quantity in rows.all()
    ]


async def expiring_counts(
    session: AsyncSession, actor: Actor | None, days: int | None = None, today: date | None = None
) -> tuple[int, int]:
    """How many of `expiring()`'s lots expire within the window, and how many have expired — counted in SQL."""
    today = today or local_today()
    counts: Any = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((Lot.expiry >= today, 1), else_=0)), 0),
                func.coalesce(func.sum(case((Lot.expiry < today, 1), else_=0)), 0),
            )
            .select_from(Balance)
            .join(Lot, Lot.id == Balance.lot_id)
            .where(*_expiring(actor, days, today))
        )
    ).one()
    return int(counts[0]), int(counts[1])


class AlertService(Service):
    @query
    async def alerts(self) -> tuple[list[BelowMinimum], list[Expiring]]:
        """Below the minimum level, and expiring or expired lots, at the locations the actor sees."""
        self.require(VIEW_STOCK)
        return await below_minimum(self.session, self.actor), await expiring(self.session, self.actor)


def alerts_text(low: list[BelowMinimum], soon: list[Expiring]) -> str:
    """The e-mail: one line per item below minimum and per lot expiring or expired."""
    lines = [_("Below the minimum level") + ":"]
    lines += [
        f"- {row.location}: {row.item} — {format_number(row.quantity)} / {format_number(row.minimum)} {row.unit}"
        for row in low
    ] or ["- —"]
    lines += [
        "",
        ngettext(
            "Expired or expiring within %(num)s day",
            "Expired or expiring within %(num)s days",
            get_settings().stock_alert_days,
        )
        + ":",
    ]
    lines += [
        f"- {format_date(lot.expiry)}{' (' + _('expired') + ')' if lot.expired else ''}: {lot.location}, {lot.item}"
        f" — {format_number(lot.quantity)} {lot.unit}"
        for lot in soon
    ] or ["- —"]
    return "\n".join(lines) + "\n"
