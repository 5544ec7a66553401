"""The nightly roll call, bed-nights, length-of-stay review, and the nightly occupancy snapshot with its history.

Roll call: staff mark each occupied bed present or absent for a night; marks are only added (the newest counts),
so a correction never rewrites what was recorded. Someone absent on the last N marked nights in a row (default
3, LOGISTICS_ABSENCE_NIGHTS) is proposed for check-out. Bed-nights: see `occupancy.bed_nights`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.core.i18n import ngettext
from logistics.core.service import query
from logistics.people.models import Person
from logistics.settings import get_settings
from logistics.shelter.models import Bed, BedAssignment, OccupancySnapshot, RollCallMark, Room, Stay
from logistics.shelter.occupancy import bed_nights, night_of, occupancy, tonight
from logistics.shelter.places import ShelterService
from logistics.shelter.policy import REVIEW, ROLL_CALL, VIEW
from logistics.shelter.sorting import natural_key
from logistics.sites.models import Site, SiteKind

#: Days after which a stay is due for the case worker's review, per site kind (the longest applies).
REVIEW_DAYS = {
    SiteKind.WARMING_CENTRE: 14,
    SiteKind.NIGHT_SHELTER: 30,
    SiteKind.COLLECTIVE_ACCOMMODATION: 120,
    SiteKind.SHELTER: 180,
    SiteKind.SUPPORTED_FLAT: 365,
}
HISTORY_DAYS = 90
#: The longest period of bed-nights counted at once (a year and a day: a leap year, both ends included).
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class RollCallRow:
    stay: Stay
    person: Person
    room: str
    bed: str
    present: bool | None  # None: not marked yet tonight
    absences: int  # absent on the last marked nights in a row
    review_due: bool

    @property
    def propose_check_out(self) -> bool:
        return self.absences >= get_settings().absence_nights


@dataclass(frozen=True)
class ReviewRow:
    """A stay due for review: who, where, for how many days."""

    stay: Stay
    person: Person
    site: str
    days: int

    @property
    def site_ids(self) -> frozenset[UUID]:
        """The sites the person's registry record is linked to now: the stay's (what `people.view` asks)."""
        return frozenset({self.stay.site_id})


def review_days(kinds: list[str]) -> int:
    return max((REVIEW_DAYS.get(SiteKind(kind), 0) for kind in kinds), default=30) or 30


class RollCallService(ShelterService):
    @query
    async def sheet(self, site_id: UUID, night: date) -> list[RollCallRow]:
        """Everyone staying at the site, by room and bed, with tonight's mark and their run of absences."""
        site = await self.shelter_site(site_id)
        self.require(ROLL_CALL, site)
        rows = (
            await self.session.execute(
                select(Stay, Person, Room.name, Bed.label)
                .join(BedAssignment, (BedAssignment.stay_id == Stay.id) & BedAssignment.ended_at.is_(None))
                .join(Bed, Bed.id == BedAssignment.bed_id)
                .join(Room, Room.id == Bed.room_id)
                .join(Person, Person.id == Stay.person_id)
                .where(Stay.site_id == site.id, Stay.ended_at.is_(None))
            )
        ).all()
        rows = sorted(rows, key=lambda row: (natural_key(row[2]), natural_key(row[3])))
        marks = await self._latest_marks([stay.id for stay, *_rest in rows], night)
        due = datetime.now(UTC) - timedelta(days=review_days([k.value for k in site.kinds]))
        return [
            RollCallRow(
                stay=stay,
                person=person,
                room=room,
                bed=bed,
                present=marks[stay.id].get(night),
                absences=_absences(marks[stay.id], night),
                review_due=stay.started_at < due,
            )
            for stay, person, room, bed in rows
        ]

    async def _latest_marks(self, stay_ids: list[UUID], night: date) -> dict[UUID, dict[date, bool]]:
        """The newest mark per stay and night, for the 30 nights up to `night`."""
        result: dict[UUID, dict[date, bool]] = defaultdict(dict)
        if not stay_ids:
            return result
        marks = await self.session.scalars(
            select(RollCallMark)
            .where(RollCallMark.stay_id.in_(stay_ids), RollCallMark.night.between(night - timedelta(days=30), night))
            .order_by(RollCallMark.marked_at, RollCallMark.id)
        )
        for mark in marks:  # oldest first: later marks overwrite earlier ones
            result[mark.stay_id][mark.night] = mark.present
        return result

    async def mark(self, stay_id: UUID, night: date, present: bool) -> RollCallMark:
        """Mark the person present or absent for a night of the stay: from the night it began up to tonight."""
        stay = await self.stay(stay_id)
        self.require(ROLL_CALL, stay)
        if stay.ended_at is not None:
            raise DomainError(_("This person has already been checked out."))
        if not night_of(stay.started_at) <= night <= tonight():
            raise DomainError(_("A roll call can be marked for a night of the stay up to tonight."), "night")
        mark = RollCallMark(
            stay_id=stay.id,
            site_id=stay.site_id,
            night=night,
            present=present,
            marked_at=datetime.now(UTC),
            marked_by=self.actor.username,
        )
        self.session.add(mark)
        await self.session.flush()
        await audit.record(self.session, self.actor, "stay.roll_call", "person", stay.person_id, ["present"])
        return mark

    @query
    async def due_for_review(self) -> list[ReviewRow]:
        """Current stays past their site kind's review period, longest first."""
        self.require(REVIEW)
        rows = (
            await self.session.execute(
                select(Stay, Person, Site)
                .join(Person, Person.id == Stay.person_id)
                .join(Site, Site.id == Stay.site_id)
                .where(Stay.ended_at.is_(None))
                .order_by(Stay.started_at)
            )
        ).all()
        now = datetime.now(UTC)
        due = []
        for stay, person, site in rows:
            days = (now - stay.started_at).days
            if self.can(REVIEW, site) and days > review_days([k.value for k in site.kinds]):
                due.append(ReviewRow(stay, person, site.name, days))
        return due

    @query
    async def bed_nights(self, site_id: UUID, first: date, last: date) -> int:
        """Bed-nights at the site between two nights (both included) — `occupancy.bed_nights`' one definition."""
        site = await self.shelter_site(site_id)
        self.require(VIEW, site)
        return (await bed_nights(self.session, site_ids=[site.id], first=first, last=last)).by_site.get(site.id, 0)


def _absences(marks: dict[date, bool], night: date) -> int:
    """Absent on the last marked nights in a row, counting back from `night`."""
    count = 0
    for day in sorted((d for d in marks if d <= night), reverse=True):
        if marks[day]:
            break
        count += 1
    return count


# --- occupancy history ----------------------------------------------------------------------------------------


async def take_snapshot(session: AsyncSession, night: date) -> int:
    """Store every shelter's figures for `night` (replacing an earlier snapshot of the same night)."""
    rows = await occupancy(session, None)
    await session.execute(delete(OccupancySnapshot).where(OccupancySnapshot.night == night))
    now = datetime.now(UTC)
    for row in rows:
        figures = {
            "all": row.all,
            "accessible": row.accessible,
            **{k: row.by_category[k] for k in ("men", "women", "family", "mixed")},
        }
        for category, f in figures.items():
            session.add(
                OccupancySnapshot(
                    site_id=row.site.id,
                    night=night,
                    category=category,
                    total=f.total,
                    occupied=f.occupied,
                    held=f.held,
                    out_of_service=f.out_of_service,
                    free=f.free,
                    taken_at=now,
                )
            )
    return len(rows)


async def snapshots_of_night(session: AsyncSession, night: date, site_ids: set[UUID] | None) -> list[OccupancySnapshot]:
    query = select(OccupancySnapshot).where(OccupancySnapshot.night == night, OccupancySnapshot.category == "all")
    if site_ids is not None:
        query = query.where(OccupancySnapshot.site_id.in_(site_ids))
    return list(await session.scalars(query))


async def series(session: AsyncSession, site_ids: set[UUID] | None, last: date) -> list[tuple[date, int, int]]:
    """(night, occupied, total) summed over the sites, for the 90 nights up to `last`."""
    query = (
        select(OccupancySnapshot.night, func.sum(OccupancySnapshot.occupied), func.sum(OccupancySnapshot.total))
        .where(
            OccupancySnapshot.category == "all",
            OccupancySnapshot.night.between(last - timedelta(days=HISTORY_DAYS - 1), last),
        )
        .group_by(OccupancySnapshot.night)
        .order_by(OccupancySnapshot.night)
    )
    if site_ids is not None:
        query = query.where(OccupancySnapshot.site_id.in_(site_ids))
    return [
        (night, int(occupied or 0), int(total or 0)) for night, occupied, total in (await session.execute(query)).all()
    ]


@dataclass(frozen=True)
class NightHistory:
    """The occupancy of one past night per site, and the last 90 nights summed over the actor's sites."""

    night: date
    snapshots: list[OccupancySnapshot]
    names: dict[UUID, str]  # site id → name
    points: list[tuple[date, int, int]]  # (night, occupied, total): drawn by web/charts.py on the history page


class HistoryService(ShelterService):
    @query
    async def night(self, night: date) -> NightHistory:
        """The snapshots of `night` at the sites the actor sees, and the 90 nights up to tonight."""
        self.require(VIEW)
        site_ids = None if self.actor.sees_all_sites else set(self.actor.site_ids)
        snapshots = await snapshots_of_night(self.session, night, site_ids)
        in_snapshots = select(Site.id, Site.name).where(Site.id.in_({snap.site_id for snap in snapshots}))
        names = {site_id: name for site_id, name in (await self.session.execute(in_snapshots)).all()}
        return NightHistory(night, snapshots, names, await series(self.session, site_ids, tonight()))


@dataclass(frozen=True)
class SiteBedNights:
    site_id: UUID
    site: str
    bed_nights: int


class BedNightsService(ShelterService):
    @query
    async def by_site(self, first: date, last: date) -> list[SiteBedNights]:
        """Bed-nights per shelter site the actor sees, in the nights from `first` to `last` (both included)."""
        self.require(VIEW)
        if last < first:
            raise DomainError(_("The last night must not be before the first."), "last")
        if (last - first).days > MAX_PERIOD_DAYS:
            raise DomainError(
                ngettext("At most %(num)s night at once.", "At most %(num)s nights at once.", MAX_PERIOD_DAYS), "first"
            )
        sites = [row.site for row in await occupancy(self.session, self.actor)]
        counted = await bed_nights(self.session, site_ids=[site.id for site in sites], first=first, last=last)
        return [SiteBedNights(site.id, site.name, counted.by_site.get(site.id, 0)) for site in sites]
