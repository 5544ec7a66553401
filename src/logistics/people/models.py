"""The registry: people, households, beneficiary cards, and the dated eligibility thresholds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.db.base import DateTimeUTC, UUIDv7AuditBase, UUIDv7Base


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Language(StrEnum):
    PL = "pl"
    UK = "uk"
    EN = "en"
    OTHER = "other"


class LegalBasis(StrEnum):
    """Legal basis named in the RODO information clause given to the person."""

    LEGAL_OBLIGATION = "legal_obligation"  # art. 6(1)(c) RODO with the Social Assistance Act
    PUBLIC_TASK = "public_task"  # art. 6(1)(e)
    VITAL_INTEREST = "vital_interest"  # art. 6(1)(d)
    CONSENT = "consent"  # art. 6(1)(a)


class Relationship(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    GRANDPARENT = "grandparent"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class Reason(StrEnum):
    """Reasons for social assistance (art. 7 of the Social Assistance Act)."""

    POVERTY = "poverty"
    ORPHANHOOD = "orphanhood"
    HOMELESSNESS = "homelessness"
    UNEMPLOYMENT = "unemployment"
    DISABILITY = "disability"
    LONG_TERM_ILLNESS = "long_term_illness"
    DOMESTIC_VIOLENCE = "domestic_violence"
    TRAFFICKING_VICTIM = "trafficking_victim"
    MATERNITY_PROTECTION = "maternity_protection"
    LARGE_FAMILY = "large_family"
    SINGLE_PARENT = "single_parent"
    CARE_HELPLESSNESS = "care_helplessness"
    INTEGRATION_DIFFICULTIES = "integration_difficulties"
    PRISON_RELEASE = "prison_release"
    ADDICTION = "addiction"
    CRISIS_EVENT = "crisis_event"
    NATURAL_DISASTER = "natural_disaster"


def birth_year_band(year: int | None) -> int | None:
    """Five-year band (1985 for 1985–1989): kept after erasure so statistics of past years do not change."""
    return None if year is None else year - year % 5


class Person(UUIDv7AuditBase):
    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_birth_date", "birth_date"),
        Index("ix_people_phone_digits", "phone_digits", postgresql_ops={"phone_digits": "varchar_pattern_ops"}),
        Index("ix_people_last_activity", "last_activity_at"),
        # Counting registrations since a day, and records to complete, from the index alone (the dashboard).
        Index("ix_people_created_at", "created_at", "merged_into_id", "anonymised_at"),
        Index("ix_people_incomplete", "is_incomplete", "merged_into_id", "anonymised_at"),
    )

    given_name: Mapped[str] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    birth_year: Mapped[int | None] = mapped_column(Integer, default=None)
    birth_year_band: Mapped[int | None] = mapped_column(Integer, default=None)
    sex: Mapped[str] = mapped_column(String(10))
    citizenship: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2, "" unknown
    pesel: Mapped[str | None] = mapped_column(String(11), unique=True, default=None)
    pesel_ukr: Mapped[bool] = mapped_column(Boolean, default=False)
    id_document: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone_digits: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    preferred_language: Mapped[str] = mapped_column(String(5), default=Language.PL)
    needs_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A certificate of disability (orzeczenie o niepełnosprawności) — counted in the FEPŻ report; kept after erasure.
    has_disability: Mapped[bool] = mapped_column(Boolean, default=False)
    mobility_note: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # case workers only
    clause_given_on: Mapped[date | None] = mapped_column(Date, default=None)
    clause_basis: Mapped[str] = mapped_column(String(20), default="")
    #: Registered with the minimum at a night desk; a case worker completes the record later.
    is_incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id"), default=None)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    #: Last registration, change or service (stays, vouchers, sign-ups): retention counts from here.
    last_activity_at: Mapped[datetime] = mapped_column(DateTimeUTC)

    membership: Mapped[HouseholdMember | None] = relationship(back_populates="person", lazy="selectin")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def short_name(self) -> str:
        """First name and initial — what a volunteer may see."""
        return f"{self.given_name} {self.family_name[:1]}." if self.family_name else self.given_name


class PersonToken(UUIDv7Base):
    """Folded and transliterated name words, indexed for prefix search on both databases."""

    __tablename__ = "person_tokens"
    # varchar_pattern_ops: PostgreSQL uses the index for LIKE 'prefix%' whatever the database's collation.
    __table_args__ = (
        Index("ix_person_tokens_token", "token", "person_id", postgresql_ops={"token": "varchar_pattern_ops"}),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(40))


class Household(UUIDv7AuditBase):
    __tablename__ = "households"

    income_per_person: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    income_verified_on: Mapped[date | None] = mapped_column(Date, default=None)
    case_worker_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    members: Mapped[list[HouseholdMember]] = relationship(
        back_populates="household", lazy="selectin", cascade="all, delete-orphan", order_by="HouseholdMember.position"
    )
    reason_rows: Mapped[list[HouseholdReason]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="HouseholdReason.reason"
    )

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def reasons(self) -> list[str]:
        return [row.reason for row in self.reason_rows]

    @property
    def head(self) -> Person | None:
        return next((m.person for m in self.members if m.relationship == Relationship.HEAD), None)


class HouseholdMember(UUIDv7Base):
    __tablename__ = "household_members"

    household_id: Mapped[UUID] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    #: A person belongs to one household at a time.
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    relationship: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # `relationship` is a column here (the member's relationship to the head), hence orm.relationship.
    household: Mapped[Household] = orm.relationship(back_populates="members")
    person: Mapped[Person] = orm.relationship(back_populates="membership", lazy="selectin")


class HouseholdReason(UUIDv7Base):
    __tablename__ = "household_reasons"

    household_id: Mapped[UUID] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32), index=True)


class BeneficiaryCard(UUIDv7AuditBase):
    """A card with a random code (no personal data in it); a lost card is revoked and replaced."""

    __tablename__ = "beneficiary_cards"
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # bare symbols, no dashes
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")


# At most one valid card per person, enforced by a partial unique index on SQLite and PostgreSQL alike.
Index(
    "uq_beneficiary_cards_active_person",
    BeneficiaryCard.person_id,
    unique=True,
    sqlite_where=BeneficiaryCard.revoked_at.is_(None),
    postgresql_where=BeneficiaryCard.revoked_at.is_(None),
)


class EligibilityThreshold(UUIDv7AuditBase):
    """Income criteria valid from a date; the row in force on a day is the latest with valid_from <= that day."""

    __tablename__ = "eligibility_thresholds"

    valid_from: Mapped[date] = mapped_column(Date, unique=True)
    single_person: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    per_person_in_family: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    food_aid_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2))
