"""Stocktake: count a location, review the differences, confirm them as one `stocktake` movement.

The rule for goods that move while the count is open: every line keeps its *book quantity* — the balance read
at the moment its count is typed (saved). Receipts, issues and transfers before that moment are in the book
quantity; those after it do not disturb the line's difference (counted − book), because confirming applies the
difference to the balance of that later moment. So the location keeps working during a count, and each line is
counted once, when the goods are in front of the counter. Lines left uncounted change nothing. A stocktake is
confirmed once: the second confirmation finds it closed and is refused.

Every use case that changes a count sheet first locks its stocktake row (`SELECT ... FOR UPDATE` on PostgreSQL;
SQLite's write transactions never overlap), then checks that it is still open: a count saved while another user
confirms waits for the confirmation and is then refused, instead of landing on a sheet already confirmed without
it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.inventory.ledger import LedgerService, Shortage
from logistics.inventory.models import (
    Balance,
    Item,
    Lot,
    MovementKind,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
)
from logistics.inventory.policy import STOCKTAKE, VIEW_STOCK
from logistics.sites.models import Site


class StocktakeService(LedgerService):
    async def open(self, location_id: UUID) -> Stocktake:
        """A count sheet of every lot in stock at the location; one open count per location."""
        location = await self.location(location_id, STOCKTAKE)
        stocktake = Stocktake(location_id=location.id, opened_by=self.actor.username, lines=[])
        try:
            async with self.session.begin_nested():
                self.session.add(stocktake)
                await self.session.flush()
        except IntegrityError as error:  # uq_stocktakes_one_open
            raise DomainError(_("A count is already open at this location.")) from error
        rows = await self.session.execute(
            select(Balance.item_id, Balance.lot_id).where(Balance.location_id == location.id, Balance.quantity > 0)
        )
        for item_id, lot_id in rows.all():
            self.session.add(StocktakeLine(stocktake_id=stocktake.id, item_id=item_id, lot_id=lot_id))
        await audit.record(self.session, self.actor, "stocktake.open", "stocktake", stocktake.id, ["location_id"])
        return stocktake

    @query
    async def stocktake(self, stocktake_id: UUID, action: str = VIEW_STOCK) -> Stocktake:
        """A stocktake of a location where the actor may do `action`."""
        stocktake = await self.session.get(Stocktake, stocktake_id)
        if stocktake is None:
            raise NotFound(_("This stocktake does not exist."))
        self.require(action, stocktake)
        return stocktake

    async def _open_for_change(self, stocktake_id: UUID) -> Stocktake:
        """The stocktake, locked until the transaction ends, if the actor may count it and it is still open; its
        status and lines are read afresh once the lock is held."""
        stocktake = await self.session.scalar(
            select(Stocktake)
            .where(Stocktake.id == stocktake_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if stocktake is None:
            raise NotFound(_("This stocktake does not exist."))
        self.require(STOCKTAKE, stocktake)
        self._still_open(stocktake)
        return stocktake

    @query
    async def stocktakes_at(self, location: Site) -> list[Stocktake]:
        """The last 50 stocktakes of a location, newest first."""
        self.require(VIEW_STOCK, location)
        rows = await self.session.scalars(
            select(Stocktake)
            .where(Stocktake.location_id == location.id)
            .order_by(Stocktake.created_at.desc())
            .limit(50)
        )
        return list(rows)

    @query
    async def sheet(self, stocktake: Stocktake) -> list[tuple[StocktakeLine, Item, Lot]]:
        """The lines with their items and lots, by category, item and expiry (the order of the shelves' labels)."""
        self.require(VIEW_STOCK, stocktake)
        rows = await self.session.execute(
            select(StocktakeLine, Item, Lot)
            .join(Item, Item.id == StocktakeLine.item_id)
            .join(Lot, Lot.id == StocktakeLine.lot_id)
            .where(StocktakeLine.stocktake_id == stocktake.id)
            .order_by(Item.category, Item.name, Lot.expiry, Lot.producer_lot)
        )
        return [(line, item, lot) for line, item, lot in rows.all()]

    def _still_open(self, stocktake: Stocktake) -> None:
        if stocktake.status != StocktakeStatus.OPEN:
            raise DomainError(_("This stocktake is closed: it has already been confirmed or cancelled."))

    async def count(self, stocktake_id: UUID, counts: dict[UUID, Decimal | None]) -> Stocktake:
        """Save counted quantities (None clears a count); each counted line takes the book quantity of now."""
        stocktake = await self._open_for_change(stocktake_id)
        lines = {line.id: line for line in stocktake.lines}
        for line_id, counted in counts.items():
            line = lines.get(line_id)
            if line is None:
                raise NotFound(_("This line is not on the count sheet."))
            if counted is not None and (not counted.is_finite() or counted < 0):
                raise DomainError(_("The quantity cannot be negative."), f"count-{line_id}")
            if counted is not None and counted > Decimal("1000000"):
                raise DomainError(_("This quantity is too large."), f"count-{line_id}")
            if counted is not None:
                self._whole(await self.item(line.item_id), counted, f"count-{line_id}")
            if counted == line.counted:
                continue
            line.counted = counted
            line.book = None if counted is None else await self._balance(stocktake.location_id, line.lot_id)
        await self.session.flush()
        return stocktake

    async def _balance(self, location_id: UUID, lot_id: UUID) -> Decimal:
        quantity = await self.session.scalar(
            select(Balance.quantity).where(Balance.location_id == location_id, Balance.lot_id == lot_id)
        )
        return quantity or Decimal(0)

    async def add_line(self, stocktake_id: UUID, item_id: UUID, expiry: date | None, producer_lot: str = "") -> None:
        """Goods found on the shelf that are not on the sheet: a line for their lot (book quantity 0 so far)."""
        stocktake = await self._open_for_change(stocktake_id)
        item = await self.item(item_id)
        if item.perishable and expiry is None:
            raise DomainError(_("%(item)s is perishable: enter the expiry date.", item=item.local_name), "expiry")
        lot = await self.lot(item, expiry, producer_lot)
        if any(line.lot_id == lot.id for line in stocktake.lines):
            raise DomainError(_("This lot is already on the count sheet."), "item")
        self.session.add(StocktakeLine(stocktake_id=stocktake.id, item_id=item.id, lot_id=lot.id))

    async def _close_stocktake(self, stocktake: Stocktake, status: str) -> None:
        result = await self.session.execute(
            update(Stocktake)
            .where(Stocktake.id == stocktake.id, Stocktake.status == StocktakeStatus.OPEN)
            .values(status=status, closed_by=self.actor.username, closed_at=self.as_of_time or datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This stocktake is closed: it has already been confirmed or cancelled."))
        await self.session.refresh(stocktake)

    async def confirm(self, stocktake_id: UUID) -> Stocktake:
        """The differences of the counted lines become one stocktake movement; once."""
        stocktake = await self._open_for_change(stocktake_id)
        location = await self.location(stocktake.location_id, STOCKTAKE)
        counted = [line for line in stocktake.lines if line.counted is not None]
        if not counted:
            raise DomainError(_("Count at least one line before confirming."))
        await self._close_stocktake(stocktake, StocktakeStatus.CONFIRMED)
        differences = [line for line in counted if line.difference]
        if differences:
            movement = await self._movement(
                MovementKind.STOCKTAKE, location.name, f"stocktake {str(stocktake.id)[-8:]}"
            )
            for line in differences:
                try:
                    await self._line(movement, location.id, line.item_id, line.lot_id, line.difference)
                except Shortage as shortage:
                    raise DomainError(
                        _(
                            "%(item)s: more was handed out after it was counted than the count allows. Count this"
                            " line again.",
                            item=shortage.missing[0].item,
                        )
                    ) from shortage
            stocktake.movement_id = movement.id
        await audit.record(self.session, self.actor, "stocktake.confirm", "stocktake", stocktake.id, ["status"])
        return stocktake

    async def cancel(self, stocktake_id: UUID) -> Stocktake:
        stocktake = await self.stocktake(stocktake_id, STOCKTAKE)
        await self._close_stocktake(stocktake, StocktakeStatus.CANCELLED)
        await audit.record(self.session, self.actor, "stocktake.cancel", "stocktake", stocktake.id, ["status"])
        return stocktake
