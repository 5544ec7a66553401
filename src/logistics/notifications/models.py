"""The outbox: one row per e-mail or SMS to send, with its delivery state.

A message is written in the transaction of the change that causes it (a sign-up, a room change ...) and sent later
by the `notifications.deliver` job, so a rolled-back change sends nothing and a slow or broken mail server never
slows down or breaks a page. `key` is an optional idempotency key ("reminder-24h:<sign-up id>"): the unique index
keeps one message per key however often it is enqueued.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from logistics.db.base import DateTimeUTC, UUIDv7AuditBase


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its first attempt or, after a failed one, for the next (next_attempt_at)
    SENDING = "sending"  # claimed by one delivery run until claimed_until
    SENT = "sent"
    FAILED = "failed"  # given up (too many attempts, or interrupted while sending): retried only by hand


class OutboxMessage(UUIDv7AuditBase):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_messages_created", "created_at"),
    )

    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))  # an e-mail address or a phone number
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    person_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), default=None)
    key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    #: While "sending": the claim's lease; a message still "sending" after it was interrupted mid-send.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
