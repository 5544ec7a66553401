"""Users, their roles and sites, server-side web sessions and log-in failures."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.extensions.litestar.session import SessionModelMixin
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.core.roles import ALL_SITE_ROLES
from logistics.db.base import DateTimeUTC, UUIDv7AuditBase, UUIDv7Base, metadata
from logistics.sites.models import Site

user_sites = Table(
    "user_sites",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(UUIDv7AuditBase):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped when the password is reset or the user deactivated: every session of the older epoch ends.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    sites: Mapped[list[Site]] = relationship(secondary=user_sites, lazy="selectin", order_by=Site.name)

    @property
    def sees_all_sites(self) -> bool:
        return self.role in ALL_SITE_ROLES

    @property
    def site_ids(self) -> frozenset[UUID]:
        return frozenset(site.id for site in self.sites)

    def can_see_site(self, site_id: UUID) -> bool:
        return self.sees_all_sites or site_id in self.site_ids


class WebSession(SessionModelMixin):
    """Server-side session rows, shared by every app process."""

    __tablename__ = "web_sessions"


class LoginFailure(UUIDv7Base):
    """A failed log-in; recent rows per username or address throttle further attempts."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )

    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
