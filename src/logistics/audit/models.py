"""The audit log: append-only rows of who did what to which record, when, from where."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from logistics.db.base import DateTimeUTC, UUIDv7Base


class AuditEntry(UUIDv7Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_type", "entity_id"),
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_actor_at", "actor_id", "at"),
    )

    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    #: Names of the fields that changed — never their values.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    ip: Mapped[str] = mapped_column(String(64), default="")
