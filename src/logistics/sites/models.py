"""Sites: the places everything else hangs off (shelters, warehouses, distribution points, venues)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.db.base import UUIDv7AuditBase, UUIDv7Base


class SiteKind(StrEnum):
    NIGHT_SHELTER = "night_shelter"
    SHELTER = "shelter"
    SHELTER_WITH_CARE = "shelter_with_care"  # schronisko z usługami opiekuńczymi
    WARMING_CENTRE = "warming_centre"
    SUPPORTED_FLAT = "supported_flat"
    COLLECTIVE_ACCOMMODATION = "collective_accommodation"
    WAREHOUSE = "warehouse"
    DISTRIBUTION_POINT = "distribution_point"
    ACTIVITY_VENUE = "activity_venue"
    SHOP = "shop"  # a partner shop where value vouchers (grants for urgent needs) are spent


class Site(UUIDv7AuditBase):
    __tablename__ = "sites"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(250), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    #: The commune (gmina) the site is in, and who runs it — for the voivode's register of shelter places.
    gmina: Mapped[str] = mapped_column(String(80), default="")
    operator: Mapped[str] = mapped_column(String(160), default="")
    #: A partner shop's contract with the centre (number, in force from/until) and whom to call there.
    contract_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contract_from: Mapped[date | None] = mapped_column(Date, default=None)
    contract_until: Mapped[date | None] = mapped_column(Date, default=None)
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    kind_rows: Mapped[list[SiteKindRow]] = relationship(
        back_populates="site", cascade="all, delete-orphan", lazy="selectin", order_by="SiteKindRow.kind"
    )

    @property
    def kinds(self) -> list[SiteKind]:
        return [SiteKind(row.kind) for row in self.kind_rows]


class SiteKindRow(UUIDv7Base):
    """One kind of a site (a site may be a shelter and an activity venue at once); indexed for 'sites of kind X'."""

    __tablename__ = "site_kinds"

    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    site: Mapped[Site] = relationship(back_populates="kind_rows")
