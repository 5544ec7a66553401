"""The stock ledger: receipts, issues (first-expiry-first-out), transfers, adjustments, write-offs, reversals.

Each use case writes one movement with its lines and changes the balances in the same transaction. A balance
goes down only through `UPDATE ... SET quantity = quantity - :n WHERE ... AND quantity >= :n`: when two issues
race for the last units, one statement finds too little and the whole movement is refused — never a negative
balance, on SQLite and PostgreSQL alike (and the CHECK constraint refuses one anyway).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today, ngettext
from logistics.core.service import query
from logistics.inventory.models import (
    NO_EXPIRY,
    Balance,
    Item,
    Kit,
    Lot,
    Movement,
    MovementKind,
    MovementLine,
    Transfer,
    TransferLine,
    TransferStatus,
)
from logistics.inventory.policy import (
    CANCEL_TRANSFER,
    CORRECT,
    HAND_OUT,
    ISSUE,
    RECEIVE,
    RECEIVE_TRANSFER,
    REVERSE,
    SEND,
    UNDO_HAND_OUT,
)
from logistics.inventory.stock import StockService
from logistics.sites.models import Site
from logistics.vouchers.models import Redemption

MAX_QUANTITY = Decimal("1000000")


@dataclass(frozen=True)
class ReceiptLine:
    item_id: UUID
    quantity: Decimal  # in the item's base unit
    expiry: date | None = None
    producer_lot: str = ""


@dataclass(frozen=True)
class Missing:
    item: str
    wanted: Decimal
    available: Decimal
    item_id: UUID

    @property
    def short(self) -> Decimal:
        return self.wanted - self.available


class Shortage(DomainError):
    """Not enough usable stock; nothing was changed. `missing` says what is short, item by item."""

    status_code = 409

    def __init__(self, missing: list[Missing]) -> None:
        details = "; ".join(_("%(item)s: %(n)s missing", item=m.item, n=number(m.short)) for m in missing)
        super().__init__(_("Not enough stock. %(details)s", details=details))
        self.missing = missing


def number(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Difference:
    location_id: UUID
    lot_id: UUID
    balance: Decimal
    ledger: Decimal


class LedgerService(StockService):
    """The use cases that write the ledger (reading it is `StockService`'s).

    `as_of` backdates the use cases to a past day (importing paper records, the demo history): expiry checks,
    FEFO and the movement's time use that day instead of today."""

    def __init__(self, session: AsyncSession, actor: Actor, as_of: datetime | None = None) -> None:
        super().__init__(session, actor)
        self.as_of_time = as_of

    @property
    def today(self) -> date:
        return self.as_of_time.date() if self.as_of_time else local_today()

    # --- checks -------------------------------------------------------------------------------------------

    @staticmethod
    def _positive(quantity: Decimal, field: str = "quantity") -> None:
        if not quantity.is_finite() or quantity <= 0:
            raise DomainError(_("The quantity must be more than zero."), field)
        if quantity > MAX_QUANTITY:
            raise DomainError(_("This quantity is too large."), field)

    @staticmethod
    def _whole(item: Item, quantity: Decimal, field: str = "quantity") -> None:
        """A countable item (pieces, packs) moves in whole units: a fraction of one is refused."""
        if item.countable and quantity.is_finite() and quantity != quantity.to_integral_value():
            raise DomainError(
                _(
                    "%(item)s is counted in whole units (%(unit)s): enter a whole number.",
                    item=item.local_name,
                    unit=item.unit_name,
                ),
                field,
            )

    @staticmethod
    def _fits(text: str, max_length: int, field: str) -> str:
        """`text` if it fits its column: a longer one is refused with a message on `field`, never cut."""
        if len(text) > max_length:
            raise DomainError(ngettext("At most %(num)s character.", "At most %(num)s characters.", max_length), field)
        return text

    # --- writing the ledger -------------------------------------------------------------------------------

    async def _movement(
        self,
        kind: str,
        source: str = "",
        reference: str = "",
        reverses: UUID | None = None,
        source_field: str = "source",
    ) -> Movement:
        movement = Movement(
            kind=kind,
            at=self.as_of_time or datetime.now(UTC),
            user_name=self.actor.username,
            source=self._fits(source, 200, source_field),
            reference=self._fits(reference, 80, "reference"),
            reverses_id=reverses,
            lines=[],
        )
        self.session.add(movement)
        try:
            await self.session.flush()
        except IntegrityError as error:  # reverses_id is unique
            raise DomainError(_("This movement has already been reversed.")) from error
        return movement

    async def _line(self, movement: Movement, location_id: UUID, item_id: UUID, lot_id: UUID, delta: Decimal) -> None:
        """Record a line and change the balance; a decrease that finds too little raises Shortage."""
        if delta > 0:
            await self._increase(location_id, item_id, lot_id, delta)
        else:
            result = await self.session.execute(
                update(Balance)
                .where(Balance.location_id == location_id, Balance.lot_id == lot_id, Balance.quantity >= -delta)
                .values(quantity=Balance.quantity + delta)
                .execution_options(synchronize_session=False)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                item = await self.item(item_id)
                available = await self.session.scalar(
                    select(Balance.quantity).where(Balance.location_id == location_id, Balance.lot_id == lot_id)
                )
                raise Shortage([Missing(item.local_name, -delta, available or Decimal(0), item_id)])
        self.session.add(
            MovementLine(
                movement_id=movement.id, location_id=location_id, item_id=item_id, lot_id=lot_id, quantity=delta
            )
        )

    async def _increase(self, location_id: UUID, item_id: UUID, lot_id: UUID, delta: Decimal) -> None:
        values = {"location_id": location_id, "item_id": item_id, "lot_id": lot_id, "quantity": delta}
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        if dialect == "postgresql":
            statement = pg_insert(Balance).values(**values)
        else:
            statement = sqlite_insert(Balance).values(**values)  # type: ignore[assignment]
        statement = statement.on_conflict_do_update(
            index_elements=["location_id", "lot_id"], set_={"quantity": Balance.quantity + statement.excluded.quantity}
        )
        await self.session.execute(statement)

    async def lot(self, item: Item, expiry: date | None, producer_lot: str = "") -> Lot:
        """The lot of this item with this expiry (and producer's lot number), created on first receipt."""
        key = (Lot.item_id == item.id, Lot.expiry == (expiry or NO_EXPIRY), Lot.producer_lot == producer_lot)
        lot = await self.session.scalar(select(Lot).where(*key))
        if lot is not None:
            return lot
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    insert(Lot).values(item_id=item.id, expiry=expiry or NO_EXPIRY, producer_lot=producer_lot)
                )
        except IntegrityError:  # created by a concurrent receipt a moment ago
            pass
        lot = await self.session.scalar(select(Lot).where(*key))
        assert lot is not None
        return lot

    # --- use cases ----------------------------------------------------------------------------------------

    async def receive(self, location_id: UUID, source: str, lines: list[ReceiptLine], reference: str = "") -> Movement:
        """A delivery or donation: perishable goods need an expiry date that has not passed."""
        location = await self.location(location_id, RECEIVE)
        if not lines:
            raise DomainError(_("Add at least one line."))
        if not source.strip():
            raise DomainError(_("Name the donor or source of the goods."), "source")
        today = self.today
        movement = await self._movement(MovementKind.RECEIPT, source, reference)
        for number, line in enumerate(lines, start=1):
            item = await self.item(line.item_id)
            self._positive(line.quantity, f"quantity-{number}")
            self._whole(item, line.quantity, f"quantity-{number}")
            if item.perishable and line.expiry is None:
                raise DomainError(
                    _("%(item)s is perishable: enter the expiry date.", item=item.local_name), f"expiry-{number}"
                )
            if line.expiry is not None and line.expiry < today:
                raise DomainError(
                    _("The expiry date of %(item)s has passed: it cannot be received.", item=item.local_name),
                    f"expiry-{number}",
                )
            lot = await self.lot(item, line.expiry, line.producer_lot)
            await self._line(movement, location.id, item.id, lot.id, line.quantity)
        await audit.record(self.session, self.actor, "stock.receipt", "movement", movement.id, ["lines"])
        return movement

    @query
    async def fefo(
        self, location_id: UUID, item_id: UUID, quantity: Decimal, today: date | None = None, lock: bool = False
    ) -> list[tuple[UUID, Decimal]]:
        """The lots to take `quantity` from: earliest expiry first, never an expired lot. Raises Shortage."""
        return (await self._fefo_plans(location_id, {item_id: quantity}, today, lock))[item_id]

    @query
    async def transfer_plan(
        self, location_id: UUID, wants: list[tuple[UUID, Decimal]]
    ) -> list[tuple[Item, Lot, Decimal]]:
        """Which lots a transfer of `wants` from the location would take (FEFO), before it is sent; Shortage lists
        every item that is short."""
        await self.location(location_id, SEND)
        plan, missing = [], []
        for item_id, quantity in wants:
            try:
                item = await self.item(item_id)
                for lot_id, take in await self.fefo(location_id, item_id, quantity):
                    lot = await self.session.get(Lot, lot_id)
                    assert lot is not None
                    plan.append((item, lot, take))
            except Shortage as shortage:
                missing.extend(shortage.missing)
        if missing:
            raise Shortage(missing)
        return plan

    async def _fefo_plans(
        self, location_id: UUID, wants: dict[UUID, Decimal], today: date | None = None, lock: bool = False
    ) -> dict[UUID, list[tuple[UUID, Decimal]]]:
        """`fefo` for several items at once (one query); Shortage lists every item that is short.

        With `lock` (taking goods out) the items' balance rows at the location are locked until the transaction
        ends (PostgreSQL; SQLite's write transactions never overlap): a concurrent issue that emptied the
        earliest lot a moment ago is seen, instead of a shortage being reported while later lots have stock."""
        today = today or self.today
        query = (
            select(Balance.item_id, Balance.lot_id, Balance.quantity)
            .join(Lot, Lot.id == Balance.lot_id)
            .where(
                Balance.location_id == location_id,
                Balance.item_id.in_(list(wants)),
                Balance.quantity > 0,
                Lot.expiry >= today,
            )
            .order_by(Lot.expiry, Lot.id)
        )
        if lock:
            query = query.with_for_update(of=Balance)
        left = dict(wants)
        plans: dict[UUID, list[tuple[UUID, Decimal]]] = {item_id: [] for item_id in wants}
        for item_id, lot_id, available in (await self.session.execute(query)).all():
            if left[item_id] > 0:
                take = min(available, left[item_id])
                plans[item_id].append((lot_id, take))
                left[item_id] -= take
        missing = [
            Missing((await self.item(item_id)).local_name, wants[item_id], wants[item_id] - short, item_id)
            for item_id, short in left.items()
            if short > 0
        ]
        if missing:
            raise Shortage(missing)
        return plans

    async def issue(
        self,
        location_id: UUID,
        wants: list[tuple[UUID, Decimal]],
        reference: str = "",
        source: str = "",
        kits: list[tuple[UUID, int]] | None = None,
    ) -> Movement:
        """Hand out goods (to a household, a shelter kitchen): items, and kits as their components; FEFO per item;
        all lines or nothing."""
        location = await self.location(location_id, ISSUE)
        return await self._take(
            MovementKind.ISSUE, location.id, wants + await self.kit_items(kits or []), reference, source, "recipient"
        )

    async def hand_out(
        self, location_id: UUID, wants: list[tuple[UUID, Decimal]], kits: list[tuple[UUID, int]], reference: str
    ) -> Movement:
        """An issue on a voucher at a distribution point, by a volunteer or a scanning device of that point."""
        location = await self.location(location_id, HAND_OUT)
        return await self._take(
            MovementKind.ISSUE, location.id, wants + await self.kit_items(kits), reference, "voucher"
        )

    @query
    async def kit_items(self, kits: list[tuple[UUID, int]]) -> list[tuple[UUID, Decimal]]:
        """The items and quantities that `count` of each kit are made of (the kits read in one query)."""
        if not kits:
            return []
        kit_ids = {kit_id for kit_id, _count in kits}
        found = {kit.id: kit for kit in await self.session.scalars(select(Kit).where(Kit.id.in_(kit_ids)))}
        wants: list[tuple[UUID, Decimal]] = []
        for kit_id, count in kits:
            kit = found.get(kit_id)
            if kit is None or not kit.is_active:
                raise NotFound(_("This kit does not exist."))
            if count <= 0:
                raise DomainError(_("The quantity must be more than zero."), "quantity")
            wants.extend((line.item_id, line.quantity * count) for line in kit.lines)
        return wants

    async def _items(self, item_ids: set[UUID]) -> dict[UUID, Item]:
        """The catalogue's items of `item_ids`, read in one query; an unknown one is refused."""
        items = {item.id: item for item in await self.session.scalars(select(Item).where(Item.id.in_(item_ids)))}
        if len(items) < len(item_ids):
            raise NotFound(_("This item is not in the catalogue."))
        return items

    async def _take(
        self,
        kind: str,
        location_id: UUID,
        wants: list[tuple[UUID, Decimal]],
        reference: str,
        source: str,
        source_field: str = "source",
    ) -> Movement:
        totals: dict[UUID, Decimal] = defaultdict(Decimal)
        items = await self._items({item_id for item_id, _quantity in wants})
        for item_id, quantity in wants:
            self._positive(quantity)
            self._whole(items[item_id], quantity)
            totals[item_id] += quantity
        plans = await self._fefo_plans(location_id, totals, lock=True)
        movement = await self._movement(kind, source, reference, source_field=source_field)
        takes = [(item_id, lot_id, quantity) for item_id, plan in plans.items() for lot_id, quantity in plan]
        await self._lower(location_id, takes)
        self.session.add_all(
            MovementLine(movement_id=movement.id, location_id=location_id, item_id=item_id, lot_id=lot_id, quantity=-q)
            for item_id, lot_id, q in takes
        )
        await audit.record(self.session, self.actor, f"stock.{kind}", "movement", movement.id, ["lines"])
        return movement

    async def _lower(self, location_id: UUID, takes: list[tuple[UUID, UUID, Decimal]]) -> None:
        """Lower the balances of the lots at the location by what is taken from each (item, lot, quantity), in one
        statement that changes none below zero; when a lot has too little (it cannot when the plan was read with
        its rows locked), Shortage says which and the savepoint of the use case undoes the rest."""
        if not takes:
            return
        taken = case(*((Balance.lot_id == lot_id, quantity) for _item_id, lot_id, quantity in takes))
        result = await self.session.execute(
            update(Balance)
            .where(
                Balance.location_id == location_id,
                Balance.lot_id.in_([lot_id for _item_id, lot_id, _quantity in takes]),
                Balance.quantity >= taken,
            )
            .values(quantity=Balance.quantity - taken)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == len(takes):  # type: ignore[attr-defined]
            return
        available = dict(
            (
                await self.session.execute(
                    select(Balance.lot_id, Balance.quantity).where(
                        Balance.location_id == location_id, Balance.lot_id.in_([t[1] for t in takes])
                    )
                )
            ).all()
        )
        items = await self._items({item_id for item_id, _lot_id, _quantity in takes})
        raise Shortage(
            [
                Missing(items[item_id].local_name, quantity, available.get(lot_id) or Decimal(0), item_id)
                for item_id, lot_id, quantity in takes
                if (available.get(lot_id) or Decimal(0)) < quantity
            ]
        )

    async def send(
        self, from_id: UUID, to_id: UUID, wants: list[tuple[UUID, Decimal]], reference: str = "", note: str = ""
    ) -> Transfer:
        """Send goods to another location: out of the sender now (FEFO; the lots travel), in transit until the
        receiver confirms what arrived."""
        sender = await self.location(from_id, SEND)
        if from_id == to_id:
            raise DomainError(_("Choose two different locations."), "to")
        receiver = await self.location(to_id, None)  # any stock location may receive, not only the user's own
        if not receiver.is_active:
            raise DomainError(_("This site is closed: it cannot receive goods."), "to")
        movement = await self._take(MovementKind.TRANSFER, sender.id, wants, reference, receiver.name)
        transfer = Transfer(
            from_location_id=sender.id,
            to_location_id=receiver.id,
            reference=reference,
            note=self._fits(note, 200, "note"),
            sent_at=movement.at,
            sent_by=self.actor.username,
            sent_movement_id=movement.id,
            lines=[
                TransferLine(item_id=line.item_id, lot_id=line.lot_id, sent=-line.quantity)
                for line in await self._lines(movement)
            ],
        )
        self.session.add(transfer)
        await self.session.flush()
        await audit.record(self.session, self.actor, "stock.transfer_sent", "transfer", transfer.id, ["lines"])
        return transfer

    async def _lines(self, movement: Movement) -> list[MovementLine]:
        return list(
            await self.session.scalars(
                select(MovementLine).where(MovementLine.movement_id == movement.id).order_by(MovementLine.id)
            )
        )

    async def _close_transfer(self, transfer: Transfer, status: str) -> None:
        """Move an in-transit transfer to `status` with one conditional UPDATE: a second confirmation finds none."""
        result = await self.session.execute(
            update(Transfer)
            .where(Transfer.id == transfer.id, Transfer.status == TransferStatus.IN_TRANSIT)
            .values(status=status, closed_by=self.actor.username, closed_at=self.as_of_time or datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This transfer has already been received or cancelled."))
        await self.session.refresh(transfer)

    async def receive_transfer(
        self, transfer_id: UUID, received: dict[UUID, Decimal] | None = None, note: str = ""
    ) -> Transfer:
        """The receiving location confirms what arrived, line by line (all that was sent when not said); what
        is missing stays recorded on the line as the difference."""
        transfer = await self.transfer(transfer_id, RECEIVE_TRANSFER)
        receiver = await self.location(transfer.to_location_id, None)
        self._fits(note, 200, "note")
        received = received or {}
        for line in transfer.lines:
            quantity = received.get(line.id, line.sent)
            if not quantity.is_finite() or quantity < 0:
                raise DomainError(_("The quantity cannot be negative."), f"received-{line.id}")
            if quantity > line.sent:
                raise DomainError(
                    _(
                        "More than was sent (%(n)s): count again, or record the surplus as an adjustment.",
                        n=number(line.sent),
                    ),
                    f"received-{line.id}",
                )
            self._whole(await self.item(line.item_id), quantity, f"received-{line.id}")
        await self._close_transfer(transfer, TransferStatus.RECEIVED)
        sender = await self.session.get(Site, transfer.from_location_id)
        movement = await self._movement(MovementKind.TRANSFER_IN, sender.name if sender else "", transfer.reference)
        for line in transfer.lines:
            line.received = received.get(line.id, line.sent)
            if line.received:
                await self._line(movement, receiver.id, line.item_id, line.lot_id, line.received)
        transfer.closed_movement_id = movement.id
        if note:
            transfer.note = note
        await audit.record(self.session, self.actor, "stock.transfer_received", "transfer", transfer.id, ["lines"])
        return transfer

    async def cancel_transfer(self, transfer_id: UUID, reason: str) -> Transfer:
        """Call back goods not yet received: everything returns to the sender."""
        transfer = await self.transfer(transfer_id, CANCEL_TRANSFER)
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        self._fits(reason, 200, "reason")
        sender = await self.location(transfer.from_location_id, None)
        await self._close_transfer(transfer, TransferStatus.CANCELLED)
        movement = await self._movement(MovementKind.TRANSFER_IN, reason, transfer.reference, source_field="reason")
        for line in transfer.lines:
            await self._line(movement, sender.id, line.item_id, line.lot_id, line.sent)
        transfer.closed_movement_id = movement.id
        transfer.note = reason
        await audit.record(self.session, self.actor, "stock.transfer_cancelled", "transfer", transfer.id, ["status"])
        return transfer

    async def correct(self, kind: str, location_id: UUID, lot_id: UUID, delta: Decimal, reason: str) -> Movement:
        """An adjustment (+ or -) or a write-off (expired, damaged, recalled) of one lot at one location."""
        location = await self.location(location_id, CORRECT)
        if kind not in {MovementKind.ADJUSTMENT, MovementKind.WRITE_OFF}:
            raise DomainError(_("This option is not available."), "kind")
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        lot = await self.session.get(Lot, lot_id)
        if lot is None:
            raise NotFound(_("This lot does not exist."))
        self._positive(abs(delta))
        self._whole(await self.item(lot.item_id), delta)
        if kind == MovementKind.WRITE_OFF and delta > 0:
            raise DomainError(_("A write-off removes goods: the quantity must be negative."), "quantity")
        movement = await self._movement(kind, reason, source_field="reason")
        await self._line(movement, location.id, lot.item_id, lot.id, delta)
        await audit.record(self.session, self.actor, f"stock.{kind}", "movement", movement.id, ["lines"])
        return movement

    async def reverse(self, movement_id: UUID, reason: str) -> Movement:
        """Undo a movement with a new one of opposite lines that points to it; a movement is reversed once."""
        return await self._reverse(movement_id, reason, REVERSE)

    async def undo_hand_out(self, movement_id: UUID, reason: str) -> Movement:
        """Reverse a voucher's issue (the vouchers domain decides who may and until when)."""
        return await self._reverse(movement_id, reason, UNDO_HAND_OUT)

    @query
    async def redeemed(self, movement: Movement) -> bool:
        """Whether the movement is the issue of a voucher redemption: reversing it here would leave the voucher
        redeemed, so only the vouchers domain undoes it (and makes the voucher usable again)."""
        query = select(Redemption.id).where(Redemption.movement_id == movement.id)
        return await self.session.scalar(query) is not None

    async def _reverse(self, movement_id: UUID, reason: str, action: str) -> Movement:
        original = await self.session.get(Movement, movement_id)
        if original is None:
            raise NotFound(_("This movement does not exist."))
        self.require(action, original)
        if action == REVERSE and await self.redeemed(original):
            raise DomainError(
                _(
                    "These goods were handed out on a voucher: undo the redemption with Undo on the scan page of the "
                    "distribution point, so that the voucher can be used again."
                )
            )
        if original.kind == MovementKind.REVERSAL:
            raise DomainError(_("A reversal cannot be reversed; record a new movement instead."))
        if original.kind in {MovementKind.TRANSFER, MovementKind.TRANSFER_IN, MovementKind.STOCKTAKE}:
            raise DomainError(
                _("Transfers are cancelled before receipt and stocktakes are counted again; they are not reversed.")
            )
        reversal = await self._movement(
            MovementKind.REVERSAL, reason, original.reference, reverses=original.id, source_field="reason"
        )
        for line in sorted(original.lines, key=lambda line: line.quantity):  # take goods back before returning them
            await self._line(reversal, line.location_id, line.item_id, line.lot_id, -line.quantity)
        await audit.record(self.session, self.actor, "stock.reversal", "movement", reversal.id, ["lines"])
        return reversal


async def verify(session: AsyncSession) -> list[Difference]:
    """Balances compared with the replayed ledger (the sum of all lines per location and lot)."""
    ledger = {
        (location, lot): total
        for location, lot, total in (
            await session.execute(
                select(MovementLine.location_id, MovementLine.lot_id, func.sum(MovementLine.quantity)).group_by(
                    MovementLine.location_id, MovementLine.lot_id
                )
            )
        ).all()
    }
    balances = {
        (row.location_id, row.lot_id): row.quantity
        for row in (await session.execute(select(Balance.location_id, Balance.lot_id, Balance.quantity))).all()
    }
    differences = []
    for key in sorted(set(ledger) | set(balances), key=str):
        ledger_total = Decimal(ledger.get(key) or 0)
        balance = Decimal(balances.get(key) or 0)
        if ledger_total != balance:
            differences.append(Difference(key[0], key[1], balance, ledger_total))
    return differences
