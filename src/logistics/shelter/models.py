"""Shelter places and stays: rooms, beds (or seats and mats in a warming centre), holds, stays and bed assignments.

A bed's `state` is the gate for every change: a check-in, hold or repair changes it with one conditional UPDATE
(`... WHERE state = 'available'`), so of two staff members taking the last bed at the same moment exactly one
succeeds, on SQLite and PostgreSQL alike. Partial unique indexes back this up: one open assignment per bed and
per person, one open stay per person, one active hold per bed. History is never edited: a stay ends, a hold ends,
an assignment ends; the next one is a new row.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from logistics.core.i18n import local_zone
from logistics.db.base import DateTimeUTC, UUIDv7AuditBase, UUIDv7Base
from logistics.shelter.sorting import natural_key


class RoomCategory(StrEnum):
    MEN = "men"
    WOMEN = "women"
    FAMILY = "family"
    MIXED = "mixed"


class PlaceKind(StrEnum):
    BED = "bed"
    SEAT = "seat"
    MAT = "mat"


class Bunk(StrEnum):
    NONE = ""
    LOWER = "lower"
    UPPER = "upper"


class BedState(StrEnum):
    AVAILABLE = "available"
    OCCUPIED = "occupied"
    HELD = "held"
    OUT_OF_SERVICE = "out_of_service"


class ServiceReason(StrEnum):
    REPAIR = "repair"
    DISINFECTION = "disinfection"
    QUARANTINE = "quarantine"
    OTHER = "other"


class CheckoutReason(StrEnum):
    OWN_HOUSING = "own_housing"
    OTHER_FACILITY = "other_facility"
    HOSPITAL = "hospital"
    LEFT_WITHOUT_NOTICE = "left_without_notice"
    RULES_VIOLATION = "rules_violation"
    DEATH = "death"
    OTHER = "other"


class Room(UUIDv7AuditBase):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(10))
    accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    floor: Mapped[str] = mapped_column(String(60), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    beds: Mapped[list[Bed]] = relationship(
        back_populates="room", lazy="selectin", order_by="Bed.label", cascade="save-update, merge"
    )

    @property
    def active_beds(self) -> list[Bed]:
        """The room's beds in use, in natural order of their labels (2 before 10)."""
        return sorted((bed for bed in self.beds if bed.is_active), key=lambda bed: natural_key(bed.label))


class Bed(UUIDv7AuditBase):
    __tablename__ = "beds"
    __table_args__ = (UniqueConstraint("room_id", "label"), Index("ix_beds_site_state", "site_id", "state"))

    room_id: Mapped[UUID] = mapped_column(ForeignKey("rooms.id"), index=True)
    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    label: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(8), default=PlaceKind.BED)
    bunk: Mapped[str] = mapped_column(String(8), default=Bunk.NONE)
    accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default=BedState.AVAILABLE)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    room: Mapped[Room] = relationship(back_populates="beds", lazy="selectin")


class OutOfService(UUIDv7Base):
    __tablename__ = "bed_out_of_service"

    bed_id: Mapped[UUID] = mapped_column(ForeignKey("beds.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    expected_back: Mapped[date | None] = mapped_column(Date, default=None)
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)


class Stay(UUIDv7AuditBase):
    """One continuous stay from check-in to check-out, across moves between beds and sites."""

    __tablename__ = "stays"
    __table_args__ = (
        # A site's open stays; and, covering, the reports' exits of a period by site and reason (SQLite skip-scans
        # it over the sites; PostgreSQL reads ix_stays_ended).
        Index("ix_stays_site_open", "site_id", "ended_at", "checkout_reason"),
        # A person's stays; covering "stayed in a shelter in the period" (the FEPŻ report's homeless people).
        Index("ix_stays_person", "person_id", "started_at", "ended_at"),
        Index("ix_stays_started_at", "started_at"),
        Index("ix_stays_ended", "ended_at", "site_id", "checkout_reason"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    checkout_reason: Mapped[str] = mapped_column(String(24), default="")
    destination: Mapped[str] = mapped_column(String(200), default="")
    #: People checked in together (a family) share a group id.
    group_id: Mapped[UUID | None] = mapped_column(default=None)

    @property
    def family_id(self) -> UUID:
        """The family the reports count the stay under: its group, or the person checked in alone."""
        return self.group_id or self.person_id


def night_of(moment: datetime) -> date:
    """The night a moment belongs to: its day in the centre's time zone (before 06:00, still the night before)."""
    return (moment.astimezone(local_zone()) - timedelta(hours=6)).date()


def night_start(night: date) -> datetime:
    """The first moment of a night (06:00 of its day in the centre's time zone): `night_of(m) == night` exactly
    when `night_start(night) <= m < night_start(night + 1 day)`."""
    return datetime.combine(night, time(6), local_zone())


class BedAssignment(UUIDv7Base):
    """Which bed a stay used, from when to when; a move ends one assignment and starts the next.

    `first_night` and `end_night` are the nights of `started_at` and `ended_at` (`night_of`), kept with them on
    every insert and update (the listener below; the one bulk UPDATE that ends an assignment sets both), so
    bed-nights of any period are one SQL sum over indexed dates: the assignment holds the nights from `first_night`
    up to, not including, `end_night`.

    `site_id` (the bed's site), `family_id` (the stay's group, or its person when checked in alone) and
    `opens_stay` (the assignment the stay began with) are copied from the bed and the stay when the assignment
    begins (`begin`), so the reports count a year of a region from one index, without joining stays and beds.
    All of them can be rebuilt from the times, the beds and the stays: `logistics reports verify` checks them.
    """

    __tablename__ = "bed_assignments"
    # Covering the reports' reads (who held a bed where, on which nights) so a year of a region is read from it.
    __table_args__ = (
        Index(
            "ix_bed_assignments_nights", "first_night", "end_night", "site_id", "person_id", "family_id", "opens_stay"
        ),
    )

    stay_id: Mapped[UUID] = mapped_column(ForeignKey("stays.id"), index=True)
    bed_id: Mapped[UUID] = mapped_column(ForeignKey("beds.id"), index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    first_night: Mapped[date] = mapped_column(Date)
    end_night: Mapped[date | None] = mapped_column(Date, default=None)
    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    family_id: Mapped[UUID]
    opens_stay: Mapped[bool] = mapped_column(Boolean, default=False)

    @classmethod
    def begin(cls, stay: Stay, bed: Bed, at: datetime) -> BedAssignment:
        """The stay's next assignment, to `bed` from `at` (its first when `at` is when the stay began)."""
        return cls(
            stay_id=stay.id,
            bed_id=bed.id,
            person_id=stay.person_id,
            started_at=at,
            site_id=bed.site_id,
            family_id=stay.family_id,
            opens_stay=at == stay.started_at,
        )


@event.listens_for(BedAssignment, "before_insert")
@event.listens_for(BedAssignment, "before_update")
def _keep_nights(_mapper: Any, _connection: Any, assignment: BedAssignment) -> None:
    assignment.first_night = night_of(assignment.started_at)
    assignment.end_night = None if assignment.ended_at is None else night_of(assignment.ended_at)


class Hold(UUIDv7Base):
    """A bed kept for a person (or for a referral on its way) until a time."""

    __tablename__ = "holds"

    bed_id: Mapped[UUID] = mapped_column(ForeignKey("beds.id"), index=True)
    person_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id"), default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    until: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, default=None)
    end_reason: Mapped[str] = mapped_column(String(16), default="")  # used | released | expired


def _open(table: type, column: str, name: str) -> Index:
    """A partial unique index over rows that have not ended — the same on SQLite and PostgreSQL."""
    ended = table.ended_at.is_(None)  # type: ignore[attr-defined]
    return Index(name, getattr(table, column), unique=True, sqlite_where=ended, postgresql_where=ended)


_open(Stay, "person_id", "uq_stays_open_person")
_open(BedAssignment, "bed_id", "uq_bed_assignments_open_bed")
_open(BedAssignment, "person_id", "uq_bed_assignments_open_person")
_open(Hold, "bed_id", "uq_holds_open_bed")
_open(OutOfService, "bed_id", "uq_bed_out_of_service_open_bed")


class RollCallMark(UUIDv7Base):
    """Present or absent for one stay on one night. Marks are only added: a correction is a newer mark, and the
    newest mark for a stay and night counts."""

    __tablename__ = "roll_call_marks"
    __table_args__ = (
        Index("ix_roll_call_marks_stay_night", "stay_id", "night"),
        Index("ix_roll_call_marks_night", "night"),
    )

    stay_id: Mapped[UUID] = mapped_column(ForeignKey("stays.id"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    night: Mapped[date] = mapped_column(Date)
    present: Mapped[bool] = mapped_column(Boolean)
    marked_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    marked_by: Mapped[str] = mapped_column(String(64), default="")


class OccupancySnapshot(UUIDv7Base):
    """The figures of one site on one night, by category ("all", "men", "women", "family", "mixed", "accessible")."""

    __tablename__ = "occupancy_snapshots"
    __table_args__ = (UniqueConstraint("site_id", "night", "category"), Index("ix_occupancy_snapshots_night", "night"))

    site_id: Mapped[UUID] = mapped_column(ForeignKey("sites.id"))
    night: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(12))
    total: Mapped[int] = mapped_column(default=0)
    occupied: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    out_of_service: Mapped[int] = mapped_column(default=0)
    free: Mapped[int] = mapped_column(default=0)
    taken_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class WaitingStatus(StrEnum):
    OPEN = "open"
    OFFERED = "offered"
    PLACED = "placed"
    CANCELLED = "cancelled"


class WaitingRequest(UUIDv7AuditBase):
    """A request for a place: who (a registered person, or a description), what kind of place, how urgent."""

    __tablename__ = "waiting_requests"
    __table_args__ = (Index("ix_waiting_requests_status", "status", "priority", "created_at"),)

    person_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id"), default=None)
    description: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(10))
    needs_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    family_size: Mapped[int] = mapped_column(default=1)
    #: 1 urgent (families with children, disability, frost) … 3 normal; lower first, then the oldest request.
    priority: Mapped[int] = mapped_column(default=2)
    priority_reason: Mapped[str] = mapped_column(String(200), default="")
    site_id: Mapped[UUID | None] = mapped_column(ForeignKey("sites.id"), default=None)
    status: Mapped[str] = mapped_column(String(10), default=WaitingStatus.OPEN)
    hold_id: Mapped[UUID | None] = mapped_column(ForeignKey("holds.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="")
