"""Activities (courses, workshops, groups, outings) with their sessions, sign-ups with a waiting list, and
attendance.

Places are counted in `Places` rows, one per activity for a course people join whole, or one per session when
people sign up session by session: a sign-up takes a place with one conditional UPDATE (`taken < capacity`), so
ten people signing up at once for the last three places give exactly three places. While anyone waits, every
place is taken: a place given up goes straight to the first person waiting, never back to the pool.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from logistics.db.base import DateTimeUTC, UUIDv7AuditBase, UUIDv7Base


class Category(StrEnum):
    LANGUAGE = "language"
    JOB_TRAINING = "job_training"
    PARENTING = "parenting"
    INTEGRATION = "integration"
    CULTURE = "culture"
    COUNSELLING = "counselling"
    OTHER = "other"


class SignUpStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"  # a no-show


COURSE = "course"  # the places scope of an activity people join whole


class Activity(UUIDv7AuditBase):
    __tablename__ = "activities"

    title: Mapped[str] = mapped_column(String(150))  # Polish
    title_en: Mapped[str] = mapped_column(String(150), default="")
    title_uk: Mapped[str] = mapped_column(String(150), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))
    venue_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    organiser: Mapped[str] = mapped_column(String(120), default="")
    age_min: Mapped[int | None] = mapped_column(Integer, default=None)
    age_max: Mapped[int | None] = mapped_column(Integer, default=None)
    audience: Mapped[str] = mapped_column(String(200), default="")  # who may join, in words
    capacity: Mapped[int] = mapped_column(Integer)
    #: People sign up for each session separately (an outing, a drop-in group); otherwise for the whole course.
    per_session: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The share of sessions attended that earns a certificate of completion.
    required_share: Mapped[int] = mapped_column(Integer, default=80)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ActivitySession(UUIDv7Base):
    __tablename__ = "activity_sessions"
    __table_args__ = (Index("ix_activity_sessions_activity_starts", "activity_id", "starts_at"),)

    activity_id: Mapped[UUID] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED)
    room: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(String(200), default="")  # why cancelled or moved


class Places(UUIDv7Base):
    """How many of an activity's (or a session's) places are taken."""

    __tablename__ = "activity_places"
    __table_args__ = (
        UniqueConstraint("activity_id", "scope"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="within_capacity"),
    )

    activity_id: Mapped[UUID] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(36))  # "course" or the session's id
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class SignUp(UUIDv7AuditBase):
    __tablename__ = "sign_ups"
    __table_args__ = (
        Index(
            "uq_sign_ups_one_active",
            "activity_id",
            "scope",
            "person_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_sign_ups_scope_status", "activity_id", "scope", "status"),
    )

    activity_id: Mapped[UUID] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(36))  # "course" or the session's id
    session_id: Mapped[UUID | None] = mapped_column(ForeignKey("activity_sessions.id"), default=None)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    signed_up_by: Mapped[str] = mapped_column(String(64), default="")
    #: Place in the waiting list (lower first); staff may reorder it with a reason.
    waiting_rank: Mapped[int] = mapped_column(Integer, default=0)
    promoted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    cancelled_by: Mapped[str] = mapped_column(String(64), default="")


class Attendance(UUIDv7Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    session_id: Mapped[UUID] = mapped_column(ForeignKey("activity_sessions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
