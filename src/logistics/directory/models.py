"""The directory of services in other institutions and organisations (the labour office, legal aid, counselling,
health, food-aid partners, shelters of other communes, Polish courses ...), the places that searches measure
distance from, and the changes case workers suggest.

A service's categories and languages are rows of their own (searched with an index); `search_text` holds the
folded words of everything a search may match (institution, name, what it offers, who is eligible, address,
district and the categories' names, in every language), kept by `DirectoryService` on every save.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Boolean, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.db.base import DateTimeUTC, UUIDv7AuditBase, UUIDv7Base

#: An entry not verified for this many months gets a warning.
VERIFY_MONTHS = 12


class ServiceCategory(StrEnum):
    WORK = "work"  # the labour office (PUP): job offers, training, the unemployed status
    FAMILY = "family"  # PCPR, family support, foster care
    LEGAL = "legal"  # free legal aid (nieodpłatna pomoc prawna), civic advice
    PSYCHOLOGICAL = "psychological"  # psychological counselling, crisis intervention
    ADDICTION = "addiction"  # addiction counselling and therapy
    HEALTH = "health"  # clinics, the emergency ward
    FOOD = "food"  # food banks, partner organisations of the food-aid programme (FEPŻ)
    SHELTER = "shelter"  # shelters and night shelters of other communes
    EDUCATION = "education"  # schools, courses of Polish
    CHILDCARE = "childcare"  # nurseries, kindergartens, day-care centres
    REFUGEES = "refugees"  # refugee and migrant support centres
    DISABILITY = "disability"  # support for people with disabilities


class Service(UUIDv7AuditBase):
    """A service of another institution that the centre's staff refer people to."""

    __tablename__ = "directory_services"

    institution: Mapped[str] = mapped_column(String(160))
    name: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    name_uk: Mapped[str] = mapped_column(String(160), default="")
    offers: Mapped[str] = mapped_column(Text, default="")
    offers_en: Mapped[str] = mapped_column(Text, default="")
    offers_uk: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    eligibility_en: Mapped[str] = mapped_column(Text, default="")
    eligibility_uk: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    district: Mapped[str] = mapped_column(String(80), default="")
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    referral_required: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_on: Mapped[date | None] = mapped_column(Date, default=None)
    #: Archived entries leave searches and lists but stay for the referrals that name them.
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")

    category_rows: Mapped[list[ServiceCategoryRow]] = relationship(
        back_populates="service", cascade="all, delete-orphan", lazy="selectin", order_by="ServiceCategoryRow.category"
    )
    language_rows: Mapped[list[ServiceLanguage]] = relationship(
        back_populates="service", cascade="all, delete-orphan", lazy="selectin", order_by="ServiceLanguage.language"
    )

    @property
    def categories(self) -> list[str]:
        return [row.category for row in self.category_rows]

    @property
    def languages(self) -> list[str]:
        return [row.language for row in self.language_rows]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ServiceCategoryRow(UUIDv7Base):
    """One category of a service (`ServiceCategory`)."""

    __tablename__ = "directory_service_categories"
    __table_args__ = (UniqueConstraint("service_id", "category"),)

    service_id: Mapped[UUID] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20), index=True)
    service: Mapped[Service] = relationship(back_populates="category_rows")


class ServiceLanguage(UUIDv7Base):
    """A language spoken at a service (ISO 639-1: pl, uk, en, ru, de ...)."""

    __tablename__ = "directory_service_languages"
    __table_args__ = (UniqueConstraint("service_id", "language"),)

    service_id: Mapped[UUID] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5), index=True)
    service: Mapped[Service] = relationship(back_populates="language_rows")


class Place(UUIDv7Base):
    """A named place with coordinates (a district, a street, a square): what a typed address is matched against to
    sort services nearest first. `key` is the folded name (`people.names.fold`)."""

    __tablename__ = "directory_places"

    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class ServiceSuggestion(UUIDv7AuditBase):
    """A change a case worker (or shelter staff) suggests to an entry — or a new entry (no service) — for the
    coordinators to make or set aside."""

    __tablename__ = "directory_suggestions"

    service_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), default=None, index=True
    )
    text: Mapped[str] = mapped_column(Text)
    suggested_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    suggested_by: Mapped[str] = mapped_column(String(120), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None, index=True)
    resolved_by: Mapped[str] = mapped_column(String(120), default="")
