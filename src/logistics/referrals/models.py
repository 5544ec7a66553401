"""Referrals: a person (or household) sent to a service of the directory — or to one of the centre's own
activities — with the reason, what is asked for and the date by which contact is expected; a letter with a code
the receiving institution confirms at `/r/<code>` (the person came), at most once.

`holder` is the first name and initial — all the public confirmation page shows — copied when the referral is
issued and blanked at erasure. `household_size` is copied too, so the food-aid figures count people without a
join to a household that may change.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from logistics import codes
from logistics.db.base import DateTimeUTC, UUIDv7AuditBase

#: A referral's code: the vouchers' scheme (Crockford base32, a Luhn mod 32 check symbol, groups of four) with 60
#: random bits — 12 + 1 symbols, short enough to type from a letter, far too many to guess at `/r`.
CODE_BITS = 60
CODE_LENGTH = codes.code_length(CODE_BITS)


def new_code() -> str:
    """A new referral code, bare symbols (no dashes), as stored in `Referral.code`."""
    return codes.normalize(codes.generate(CODE_BITS))


class ReferralKind(StrEnum):
    FOOD_AID = "food_aid"  # FEPŻ: to a partner organisation, with the household's eligibility as judged today
    SHELTER = "shelter"  # to a shelter of another commune
    WORK = "work"  # to the labour office, for work or training
    ACTIVITY = "activity"  # to one of the centre's own activities
    GENERAL = "general"


class ReferralStatus(StrEnum):
    OPEN = "open"  # issued, the person has not been confirmed yet
    OVERDUE = "overdue"  # open past the expected date (set by a job); a confirmation still closes it
    CONFIRMED = "confirmed"  # the receiving institution confirmed the person came
    CANCELLED = "cancelled"  # withdrawn by the centre


#: The statuses a confirmation may close.
CONFIRMABLE = (ReferralStatus.OPEN, ReferralStatus.OVERDUE)


class Referral(UUIDv7AuditBase):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("service_id IS NOT NULL OR activity_id IS NOT NULL", name="referral_has_target"),
        CheckConstraint("expected_by >= issued_on", name="referral_expected_after_issue"),
        Index("ix_referrals_status_expected_by", "status", "expected_by"),
        Index("ix_referrals_kind_issued_on", "kind", "issued_on"),
    )

    #: Bare code symbols (`codes`, no dashes): the letter's QR holds the address `/r/<code>`.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.OPEN)
    person_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None, index=True
    )
    household_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), default=None, index=True
    )
    household_size: Mapped[int] = mapped_column(Integer, default=1)
    holder: Mapped[str] = mapped_column(String(40), default="")
    service_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("directory_services.id", ondelete="RESTRICT"), default=None, index=True
    )
    activity_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("activities.id", ondelete="RESTRICT"), default=None, index=True
    )
    #: The shelter that referred (shelter staff see and act on their own sites' referrals only).
    site_id: Mapped[UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), default=None, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    requested: Mapped[str] = mapped_column(Text, default="")
    #: Food aid: the household's eligibility as judged on the day of issue (income per person against the
    #: threshold), in words, and whether it met it (None: not known).
    eligibility: Mapped[str] = mapped_column(String(300), default="")
    eligible: Mapped[bool | None] = mapped_column(Boolean, default=None)
    issued_on: Mapped[date] = mapped_column(Date)
    expected_by: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    issued_by: Mapped[str] = mapped_column(String(120), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    came_on: Mapped[date | None] = mapped_column(Date, default=None)
    confirmation_note: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    cancelled_reason: Mapped[str] = mapped_column(String(200), default="")

    @property
    def is_open(self) -> bool:
        return self.status in CONFIRMABLE
