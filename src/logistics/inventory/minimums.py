"""Minimum stock levels: the least of an item a location should hold, set by the location's warehouse staff and by
coordinators; below it, the item shows on the alerts (page, start page, daily e-mail)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today
from logistics.core.service import query
from logistics.inventory.ledger import MAX_QUANTITY
from logistics.inventory.models import Balance, Item, Lot, MinimumLevel
from logistics.inventory.policy import SET_MINIMUM
from logistics.inventory.stock import StockService
from logistics.sites.models import Site


@dataclass(frozen=True)
class LevelRow:
    """An item of the catalogue at a location: its usable stock there and its minimum level (None: none set)."""

    item: Item
    usable: Decimal
    minimum: Decimal | None

    @property
    def below(self) -> bool:
        return self.minimum is not None and self.usable < self.minimum


class MinimumLevelService(StockService):
    @query
    async def levels(self, location: Site) -> list[LevelRow]:
        """Every active item (and any inactive one that still has a level here), by category and name."""
        self.require(SET_MINIMUM, location)
        usable = dict(
            (
                await self.session.execute(
                    select(Balance.item_id, func.sum(Balance.quantity))
                    .join(Lot, Lot.id == Balance.lot_id)
                    .where(Balance.location_id == location.id, Lot.expiry >= local_today())
                    .group_by(Balance.item_id)
                )
            ).all()
        )
        minimums = dict(
            (
                await self.session.execute(
                    select(MinimumLevel.item_id, MinimumLevel.quantity).where(MinimumLevel.location_id == location.id)
                )
            ).all()
        )
        items = await self.session.scalars(select(Item).order_by(Item.category, Item.name))
        return [
            LevelRow(item, Decimal(usable.get(item.id) or 0), minimums.get(item.id))
            for item in items
            if item.is_active or item.id in minimums
        ]

    async def set_minimums(self, location_id: UUID, levels: dict[UUID, Decimal | None]) -> int:
        """Set (or with None or 0, remove) the minimum level of each item at the location; returns how many
        levels changed. All or nothing: a refused value changes none of them."""
        location = await self.location(location_id, SET_MINIMUM)
        current = dict(
            (
                await self.session.execute(
                    select(MinimumLevel.item_id, MinimumLevel.quantity).where(MinimumLevel.location_id == location.id)
                )
            ).all()
        )
        changed: list[UUID] = []
        for item_id, quantity in levels.items():
            item = await self.item(item_id)
            field = f"min-{item.id}"
            if quantity is not None:
                if not quantity.is_finite() or quantity < 0:
                    raise DomainError(_("Enter zero or more."), field)
                if quantity > MAX_QUANTITY:
                    raise DomainError(_("This quantity is too large."), field)
                if item.countable and quantity != quantity.to_integral_value():
                    raise DomainError(_("Enter a whole number: this is counted in whole units."), field)
            wanted = quantity if quantity else None
            if wanted == current.get(item.id):
                continue
            changed.append(item.id)
            if wanted is None:
                await self.session.execute(
                    delete(MinimumLevel).where(MinimumLevel.location_id == location.id, MinimumLevel.item_id == item.id)
                )
            else:
                await self._upsert(location.id, item.id, wanted)
        if changed:
            await audit.record(self.session, self.actor, "stock.minimum_levels", "site", location.id, ["minimum"])
        return len(changed)

    async def _upsert(self, location_id: UUID, item_id: UUID, quantity: Decimal) -> None:
        """One row per (location, item): two users saving at once end with the later value, never a clash."""
        values = {"location_id": location_id, "item_id": item_id, "quantity": quantity}
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(MinimumLevel).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["location_id", "item_id"], set_={"quantity": statement.excluded.quantity}
            )
        )
