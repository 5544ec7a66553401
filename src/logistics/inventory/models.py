"""Inventory: the catalogue (items, barcodes, kits), lots with expiry dates, and the append-only ledger.

Every change of stock is a `Movement` with lines (item, lot, location, signed quantity in the item's base unit).
Movements are never edited or deleted; a mistake is corrected by a reversing movement that points to the
original (at most once: `reverses_id` is unique). `Balance` holds the current quantity per (location, lot),
changed in the same transaction as the movement, and the database refuses a negative balance (CHECK).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.db.base import DateTimeUTC, UUIDv7AuditBase, UUIDv7Base
from logistics.inventory.names import item_name, unit_name

QUANTITY = Numeric(14, 3)


class ItemCategory(StrEnum):
    FOOD = "food"
    HYGIENE = "hygiene"
    BABY = "baby"
    CLOTHING = "clothing"
    BEDDING = "bedding"
    CLEANING = "cleaning"
    OTHER = "other"


class Unit(StrEnum):
    PIECE = "szt"
    KG = "kg"
    LITRE = "l"
    PACK = "opak"


#: Units counted in whole pieces: a fraction of them is a typo, not a quantity.
COUNTABLE = frozenset({Unit.PIECE, Unit.PACK})


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    TRANSFER = "transfer"  # out of the sending location; the goods are then in transit
    TRANSFER_IN = "transfer_in"  # into the receiving location (or back to the sender when cancelled)
    ISSUE = "issue"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"
    STOCKTAKE = "stocktake"
    REVERSAL = "reversal"


class Item(UUIDv7AuditBase):
    __tablename__ = "items"

    name: Mapped[str] = mapped_column(String(120), unique=True)  # Polish
    name_en: Mapped[str] = mapped_column(String(120), default="")
    name_uk: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[str] = mapped_column(String(12))
    unit: Mapped[str] = mapped_column(String(6))
    #: Base units in one pack (a carton of 12), so quantities can be typed in packs.
    pack_size: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(1))
    perishable: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Net weight of one unit in kilograms (the FEPŻ report's kilograms distributed); None: not known.
    net_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    barcodes: Mapped[list[ItemBarcode]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def countable(self) -> bool:
        """Counted in whole units (pieces, packs): quantities of it are whole numbers."""
        return self.unit in COUNTABLE

    @property
    def local_name(self) -> str:
        """The name in the current language when the catalogue has it (else the Polish one)."""
        return item_name(self.name, self.name_en, self.name_uk)

    @property
    def unit_name(self) -> str:
        """The unit as the current language writes it ("szt" → "шт", "pcs")."""
        return unit_name(self.unit)


class ItemBarcode(UUIDv7Base):
    __tablename__ = "item_barcodes"

    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(14), unique=True)  # EAN-8 / EAN-13 / GTIN-14


class Kit(UUIDv7AuditBase):
    """A named composition of items (a food package); issuing a kit issues its components."""

    __tablename__ = "kits"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    lines: Mapped[list[KitLine]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class KitLine(UUIDv7Base):
    __tablename__ = "kit_lines"
    __table_args__ = (UniqueConstraint("kit_id", "item_id"), CheckConstraint("quantity > 0", name="positive"))

    kit_id: Mapped[UUID] = mapped_column(ForeignKey("kits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)


class Lot(UUIDv7Base):
    """Stock of one item with one expiry date (and the producer's lot number when known)."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("item_id", "expiry", "producer_lot"),
        Index("ix_lots_item_expiry", "item_id", "expiry"),
    )

    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    #: The last day the goods may be handed out; 9999-12-31 for goods that do not expire (keeps the key unique).
    expiry: Mapped[date] = mapped_column(Date)
    producer_lot: Mapped[str] = mapped_column(String(40), default="")


NO_EXPIRY = date(9999, 12, 31)


class Movement(UUIDv7Base):
    __tablename__ = "movements"
    __table_args__ = (
        Index("ix_movements_at", "at"),
        # Movements of a kind in a period; covering the reports' "issued without a voucher" (the source).
        Index("ix_movements_kind_at", "kind", "at", "source"),
    )

    kind: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    user_name: Mapped[str] = mapped_column(String(64), default="")
    #: Donor or source of a receipt, reason of an adjustment or write-off, voucher of an issue ...
    source: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(80), default="")
    reverses_id: Mapped[UUID | None] = mapped_column(ForeignKey("movements.id"), unique=True, default=None)
    lines: Mapped[list[MovementLine]] = relationship(lazy="selectin", order_by="MovementLine.id")


class MovementLine(UUIDv7Base):
    __tablename__ = "movement_lines"
    __table_args__ = (
        Index("ix_movement_lines_location_item", "location_id", "item_id"),
        # A movement's lines; covering the reports' reads of what the redemptions of a period took out.
        Index("ix_movement_lines_movement", "movement_id", "item_id", "quantity"),
        CheckConstraint("quantity <> 0", name="not_zero"),
    )

    movement_id: Mapped[UUID] = mapped_column(ForeignKey("movements.id"))
    location_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)  # + into the location, - out of it


class Balance(UUIDv7Base):
    __tablename__ = "balances"
    __table_args__ = (
        UniqueConstraint("location_id", "lot_id"),
        Index("ix_balances_location_item", "location_id", "item_id"),
        # The lots in stock (the ledger keeps its zero rows: a tenth of a region's balances hold anything).
        Index(
            "ix_balances_in_stock",
            "lot_id",
            "location_id",
            "item_id",
            "quantity",
            sqlite_where=text("quantity > 0"),
            postgresql_where=text("quantity > 0"),
        ),
        CheckConstraint("quantity >= 0", name="not_negative"),
    )

    location_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[UUID] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0))


class MinimumLevel(UUIDv7Base):
    """The least stock of an item a location should hold; below it, the item shows on the alerts."""

    __tablename__ = "minimum_levels"
    __table_args__ = (UniqueConstraint("location_id", "item_id"), CheckConstraint("quantity >= 0", name="not_negative"))

    location_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)


class TransferStatus(StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Transfer(UUIDv7AuditBase):
    """Goods sent from one location to another: out of the sender when sent (a `transfer` movement), in transit,
    then into the receiver when it confirms what arrived (a `transfer_in` movement); differences stay on the
    lines. Cancelling before receipt returns everything to the sender."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_to_status", "to_location_id", "status"),)

    from_location_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    to_location_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    status: Mapped[str] = mapped_column(String(12), default=TransferStatus.IN_TRANSIT)
    reference: Mapped[str] = mapped_column(String(80), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    sent_by: Mapped[str] = mapped_column(String(64), default="")
    sent_movement_id: Mapped[UUID] = mapped_column(ForeignKey("movements.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    #: The `transfer_in` movement: into the receiver, or back into the sender when cancelled.
    closed_movement_id: Mapped[UUID | None] = mapped_column(ForeignKey("movements.id"), default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    lines: Mapped[list[TransferLine]] = relationship(lazy="selectin", order_by="TransferLine.id")


class TransferLine(UUIDv7Base):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        CheckConstraint("sent > 0", name="sent_positive"),
        CheckConstraint("received IS NULL OR (received >= 0 AND received <= sent)", name="received_range"),
    )

    transfer_id: Mapped[UUID] = mapped_column(ForeignKey("transfers.id"), index=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[UUID] = mapped_column(ForeignKey("lots.id"))
    sent: Mapped[Decimal] = mapped_column(QUANTITY)
    received: Mapped[Decimal | None] = mapped_column(QUANTITY, default=None)


class StocktakeStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Stocktake(UUIDv7AuditBase):
    """A count of one location. Each line keeps the book quantity read when its count was typed, so goods moved
    before a line is counted are in its book quantity and goods moved after it do not disturb its difference;
    confirming applies the differences to the balances of that moment as one `stocktake` movement."""

    __tablename__ = "stocktakes"
    __table_args__ = (
        Index(
            "uq_stocktakes_one_open",
            "location_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    location_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=StocktakeStatus.OPEN)
    opened_by: Mapped[str] = mapped_column(String(64), default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    movement_id: Mapped[UUID | None] = mapped_column(ForeignKey("movements.id"), default=None)
    lines: Mapped[list[StocktakeLine]] = relationship(lazy="selectin", order_by="StocktakeLine.id")


class StocktakeLine(UUIDv7Base):
    __tablename__ = "stocktake_lines"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "lot_id"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted_not_negative"),
    )

    stocktake_id: Mapped[UUID] = mapped_column(ForeignKey("stocktakes.id"), index=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[UUID] = mapped_column(ForeignKey("lots.id"))
    #: The balance when the count was typed (None: not counted yet).
    book: Mapped[Decimal | None] = mapped_column(QUANTITY, default=None)
    counted: Mapped[Decimal | None] = mapped_column(QUANTITY, default=None)

    @property
    def difference(self) -> Decimal:
        if self.counted is None or self.book is None:
            return Decimal(0)
        return self.counted - self.book
