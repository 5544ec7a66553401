"""Vouchers: programmes that define what a voucher entitles to, vouchers issued to households (one per household,
programme and cycle — a partial unique index), their lines (entitled and redeemed quantities, the database refusing
more than entitled), redemptions at distribution points (idempotent by the client's request id), device tokens for
scanners, and case workers' eligibility decisions.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.db.base import DateTimeUTC, Money, UUIDv7AuditBase, UUIDv7Base
from logistics.inventory.models import QUANTITY


class Cycle(StrEnum):
    MONTHLY = "monthly"  # one voucher per household per calendar month ("2026-11")
    ONE_OFF = "one_off"  # one voucher per household, ever ("once")


class Rule(StrEnum):
    INCOME = "income"  # income per person not above a percentage of the criterion in force
    DECISION = "decision"  # a case worker's recorded decision (with a reason)


class VoucherStatus(StrEnum):
    ISSUED = "issued"  # valid; lines may be partly redeemed
    REDEEMED = "redeemed"  # every line fully redeemed
    EXPIRED = "expired"
    REVOKED = "revoked"


class ProgrammeKind(StrEnum):
    GOODS = "goods"  # vouchers entitle to items and kits, handed out at distribution points
    VALUE = "value"  # vouchers hold an amount in złoty (a grant for urgent needs), spent at partner shops


class AmountBasis(StrEnum):
    """How a value programme's amount is set for a voucher."""

    HOUSEHOLD = "household"  # `Programme.amount` per household
    PERSON = "person"  # `Programme.amount` per person of the household
    SET = "set"  # by the case worker for each grant, up to `Programme.amount`


#: Money: złoty with two places (stored as whole grosze), never float.
MONEY = Money()


class Conflict(StrEnum):
    """Why an offline redemption should not have been handed out (`Redemption.conflict`)."""

    ALREADY_REDEEMED = "already_redeemed"  # nothing remained on the lines handed out
    OVER_REMAINING = "over_remaining"  # some remained, less than was handed out
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_POINT = "wrong_point"
    NOT_ENOUGH_STOCK = "not_enough_stock"  # the ledger had less at the point: only what it had was issued
    CLOCK = "clock"  # the device's clock was ahead of the server's: recorded at the time it arrived
    LATE = "late"  # sent more than `offline_hours` + 24 h after the scan


class Programme(UUIDv7AuditBase):
    __tablename__ = "programmes"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    cycle: Mapped[str] = mapped_column(String(10), default=Cycle.MONTHLY)
    #: Days a voucher is valid from its issue; None: to the end of the cycle's month (monthly) or `valid_until`.
    valid_days: Mapped[int | None] = mapped_column(Integer, default=None)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)
    rule: Mapped[str] = mapped_column(String(10), default=Rule.INCOME)
    #: For the income rule: the percentage of the social-assistance criterion (e.g. 265 for FEPŻ).
    income_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(10), default=ProgrammeKind.GOODS, server_default=ProgrammeKind.GOODS)
    #: A value programme's amount in zł: per household, per person, or the most a case worker may set (`amount_basis`).
    amount: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    amount_basis: Mapped[str] = mapped_column(
        String(10), default=AmountBasis.HOUSEHOLD, server_default=AmountBasis.HOUSEHOLD
    )
    category_rows: Mapped[list[ProgrammeCategory]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProgrammeCategory.category"
    )
    lines: Mapped[list[ProgrammeLine]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProgrammeLine.position"
    )
    point_rows: Mapped[list[ProgrammePoint]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def point_ids(self) -> set[UUID]:
        """The distribution points where its vouchers may be redeemed; empty: at every point."""
        return {row.site_id for row in self.point_rows}

    @property
    def is_value(self) -> bool:
        return self.kind == ProgrammeKind.VALUE

    @property
    def categories(self) -> list[str]:
        """A value programme's spending categories (codes of `vouchers.grants.categories()`)."""
        return [row.category for row in self.category_rows]


class ProgrammeCategory(UUIDv7Base):
    """A category of purchases a value programme's vouchers may be spent on (food, hygiene, ...)."""

    __tablename__ = "programme_categories"
    __table_args__ = (UniqueConstraint("programme_id", "category"),)

    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))


class ProgrammeLine(UUIDv7Base):
    """A kit or an item and its quantity; `per_person` multiplies it by the household's size."""

    __tablename__ = "programme_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive"),
        CheckConstraint("(item_id IS NULL) <> (kit_id IS NULL)", name="item_or_kit"),
    )

    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[UUID | None] = mapped_column(ForeignKey("items.id"), default=None)
    kit_id: Mapped[UUID | None] = mapped_column(ForeignKey("kits.id"), default=None)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    per_person: Mapped[bool] = mapped_column(Boolean, default=False)


class ProgrammePoint(UUIDv7Base):
    __tablename__ = "programme_points"
    __table_args__ = (UniqueConstraint("programme_id", "site_id"),)

    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))


class EligibilityDecision(UUIDv7AuditBase):
    """A case worker's decision that a household may (or may not) receive a programme's vouchers, and why."""

    __tablename__ = "eligibility_decisions"
    __table_args__ = (UniqueConstraint("programme_id", "household_id"),)

    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    household_id: Mapped[UUID] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    eligible: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(300))
    decided_by: Mapped[str] = mapped_column(String(64))


class Voucher(UUIDv7AuditBase):
    __tablename__ = "vouchers"
    __table_args__ = (
        # One voucher per household, programme and cycle; a revoked one makes room for its replacement.
        Index(
            "uq_vouchers_one_per_cycle",
            "programme_id",
            "household_id",
            "cycle",
            unique=True,
            sqlite_where=text("status <> 'revoked'"),
            postgresql_where=text("status <> 'revoked'"),
        ),
        Index("ix_vouchers_status_valid_until", "status", "valid_until", "programme_id"),
        # A value voucher's balance only goes down to zero, never below (`spent` raised by a conditional UPDATE).
        CheckConstraint("amount IS NULL OR (amount > 0 AND spent >= 0 AND spent <= amount)", name="spent_range"),
    )

    code: Mapped[str] = mapped_column(String(24), unique=True)  # normalized: symbols only, no dashes
    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id"), index=True)
    household_id: Mapped[UUID | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    cycle: Mapped[str] = mapped_column(String(7))  # "2026-11" or "once"
    status: Mapped[str] = mapped_column(String(10), default=VoucherStatus.ISSUED)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    household_size: Mapped[int] = mapped_column(Integer, default=1)
    #: First name and initial of the household's head, the most a scanning volunteer sees.
    holder: Mapped[str] = mapped_column(String(80), default="")
    issued_by: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    replaces_id: Mapped[UUID | None] = mapped_column(ForeignKey("vouchers.id"), default=None)
    #: A value voucher's amount in zł and how much of it has been spent (None / 0 for a goods voucher).
    amount: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    spent: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"), server_default="0")
    lines: Mapped[list[VoucherLine]] = relationship(lazy="selectin", order_by="VoucherLine.position")

    @property
    def is_value(self) -> bool:
        return self.amount is not None

    @property
    def balance(self) -> Decimal:
        """What is left to spend on a value voucher."""
        return (self.amount or Decimal("0.00")) - self.spent

    @property
    def family_id(self) -> UUID:
        """The family the reports count the voucher's redemptions under: its household, or the voucher itself."""
        return self.household_id or self.id


class VoucherLine(UUIDv7Base):
    __tablename__ = "voucher_lines"
    __table_args__ = (
        CheckConstraint("entitled > 0", name="entitled_positive"),
        CheckConstraint("redeemed >= 0 AND redeemed <= entitled", name="redeemed_range"),
        CheckConstraint("(item_id IS NULL) <> (kit_id IS NULL)", name="item_or_kit"),
    )

    voucher_id: Mapped[UUID] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[UUID | None] = mapped_column(ForeignKey("items.id"), default=None)
    kit_id: Mapped[UUID | None] = mapped_column(ForeignKey("kits.id"), default=None)
    entitled: Mapped[Decimal] = mapped_column(QUANTITY)
    redeemed: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0))

    @property
    def remaining(self) -> Decimal:
        return self.entitled - self.redeemed

    @property
    def goods_id(self) -> UUID:
        """The item or kit this line entitles to."""
        return self.item_id or self.kit_id  # type: ignore[return-value]


class Redemption(UUIDv7Base):
    """Goods handed out on a voucher at a point; `request_id` (the scanning client's) makes a retry harmless."""

    __tablename__ = "redemptions"
    __table_args__ = (
        # Both covering the reports' reads of a period's redemptions, so whichever the planner takes (SQLite often
        # skip-scans the first over the points) reads no table rows.
        Index(
            "ix_redemptions_point_at",
            "point_id",
            "at",
            "undone_at",
            "programme_id",
            "family_id",
            "household_size",
            "movement_id",
        ),
        Index(
            "ix_redemptions_at",
            "at",
            "undone_at",
            "programme_id",
            "point_id",
            "family_id",
            "household_size",
            "movement_id",
        ),
        # The conflicts (a few among many redemptions), unresolved ones first: a small partial index.
        Index(
            "ix_redemptions_conflicts",
            "conflict_resolved_at",
            "point_id",
            "at",
            sqlite_where=text("conflict <> ''"),
            postgresql_where=text("conflict <> ''"),
        ),
    )

    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    voucher_id: Mapped[UUID] = mapped_column(ForeignKey("vouchers.id"), index=True)
    point_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    user_name: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[UUID | None] = mapped_column(ForeignKey("device_tokens.id"), default=None)
    movement_id: Mapped[UUID | None] = mapped_column(ForeignKey("movements.id"), default=None)
    undone_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    undone_by: Mapped[str] = mapped_column(String(64), default="")
    undo_movement_id: Mapped[UUID | None] = mapped_column(ForeignKey("movements.id"), default=None)
    #: When an offline redemption (a scan decided on the device without the server, `at` being the scan's time)
    #: reached the server; None for one decided online.
    offline_received_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    #: Why the goods should not have been handed out (an offline redemption the voucher could not give at that
    #: moment: `already_redeemed`, `over_remaining`, `revoked`, `expired`, `not_yet_valid`, `wrong_point`,
    #: `not_enough_stock`); "" when there is no conflict. A coordinator resolves it with a note.
    conflict: Mapped[str] = mapped_column(String(20), default="", server_default="")
    conflict_resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    conflict_resolved_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    conflict_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Copied from the voucher when it is redeemed (`Redemption.for_voucher`), so the reports count a year of
    # redemptions from one index without joining the vouchers; `logistics reports verify` checks them.
    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id"))
    #: The voucher's household, or the voucher itself when it was issued to no household.
    family_id: Mapped[UUID]
    household_size: Mapped[int]
    lines: Mapped[list[RedemptionLine]] = relationship(lazy="selectin", order_by="RedemptionLine.id")

    @classmethod
    def for_voucher(cls, voucher: Voucher, **values: Any) -> Redemption:
        """A redemption of `voucher`, with what the reports count copied from it."""
        return cls(
            voucher_id=voucher.id,
            programme_id=voucher.programme_id,
            family_id=voucher.family_id,
            household_size=voucher.household_size,
            **values,
        )


class RedemptionLine(UUIDv7Base):
    """What was handed out on one voucher line; `over_quantity` is the part of it beyond what the line still had
    (an offline hand-out of a voucher redeemed meanwhile): it is not counted in the line's `redeemed`."""

    __tablename__ = "redemption_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive"),
        CheckConstraint("over_quantity >= 0 AND over_quantity <= quantity", name="over_range"),
    )

    redemption_id: Mapped[UUID] = mapped_column(ForeignKey("redemptions.id", ondelete="CASCADE"), index=True)
    voucher_line_id: Mapped[UUID] = mapped_column(ForeignKey("voucher_lines.id"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    over_quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0), server_default="0")

    @property
    def counted(self) -> Decimal:
        """The part counted in the voucher line's `redeemed`."""
        return self.quantity - self.over_quantity


class GrantDecision(UUIDv7AuditBase):
    """The administrative decision behind a value voucher (a grant for urgent needs, art. 39–41 of the Social
    Assistance Act): who decided, its number and date, the legal basis and the purpose."""

    __tablename__ = "grant_decisions"
    __table_args__ = (
        # The grants report: a period's decisions by legal basis and purpose, from the index alone.
        Index("ix_grant_decisions_decided_on", "decided_on", "legal_basis", "purpose", "voucher_id"),
    )

    voucher_id: Mapped[UUID] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"), unique=True)
    household_id: Mapped[UUID | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    #: The case worker who decided (username).
    decided_by: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(40))
    decided_on: Mapped[date] = mapped_column(Date)
    #: A code of `vouchers.grants.legal_bases()` ("art39", ...).
    legal_basis: Mapped[str] = mapped_column(String(20))
    #: What the grant is for: a code of `vouchers.grants.categories()` ("food", "fuel", ...), and in words.
    purpose: Mapped[str] = mapped_column(String(20))
    purpose_note: Mapped[str] = mapped_column(String(300), default="", server_default="")


class Spend(UUIDv7Base):
    """A purchase paid with a value voucher at a partner shop's till; `request_id` (the till's) makes a retry
    harmless. An undone spend gives its amount back to the voucher."""

    __tablename__ = "spends"
    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        Index("ix_spends_shop_at", "shop_id", "at"),
        # The grants report and the settlements: a period's spends, covering.
        Index("ix_spends_at", "at", "undone_at", "voucher_id", "amount"),
    )

    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    voucher_id: Mapped[UUID] = mapped_column(ForeignKey("vouchers.id"), index=True)
    shop_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    #: A code of the programme's categories.
    category: Mapped[str] = mapped_column(String(20))
    user_name: Mapped[str] = mapped_column(String(64))
    #: The till (a device token of the shop), when it was one.
    device_id: Mapped[UUID | None] = mapped_column(ForeignKey("device_tokens.id"), default=None)
    programme_id: Mapped[UUID] = mapped_column(ForeignKey("programmes.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    undone_by: Mapped[str] = mapped_column(String(64), default="", server_default="")

    @property
    def point_id(self) -> UUID:
        """The shop, under the name the vouchers' policy finds a site by."""
        return self.shop_id


class SettlementMonth(UUIDv7Base):
    """A partner shop's month closed for settlement: its spends are frozen (none can be undone) and the total to
    pay is kept as it was when closed."""

    __tablename__ = "settlement_months"
    __table_args__ = (UniqueConstraint("shop_id", "month"),)

    shop_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-12"
    closed_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    closed_by: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(MONEY)
    spends: Mapped[int] = mapped_column(Integer)

    @property
    def point_id(self) -> UUID:
        return self.shop_id


class DeviceToken(UUIDv7AuditBase):
    """A scanner at one distribution point, authenticated by `Authorization: Bearer <token>` (only a hash kept)."""

    __tablename__ = "device_tokens"

    point_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
