"""The centre at a glance, for coordinators and administrators: beds now, distribution this cycle, stock, the
week's activities and the registry's work — each block one `@query` of a few grouped queries (never one query
per site, point or item), so the page answers in well under 300 ms at a region's scale (150 sites, 10,000
places, 100,000 people, a million past stays and movements).

`dashboard_figures(session, actor)` computes everything the page shows (what the benchmark times).

Figures only: nothing on the dashboard names a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.models import (
    COURSE,
    Activity,
    ActivitySession,
    Attendance,
    AttendanceStatus,
    Places,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from logistics.core.actor import Actor
from logistics.core.i18n import day_start, local_today, local_zone
from logistics.core.service import Service, query
from logistics.dashboard.policy import VIEW_DASHBOARD
from logistics.db import read_at_once
from logistics.inventory.alerts import below_minimum, expiring_counts
from logistics.inventory.models import Balance, Item, KitLine, Lot, Transfer, TransferStatus
from logistics.inventory.names import item_name, unit_name
from logistics.inventory.stock import visible
from logistics.notifications.models import MessageStatus, OutboxMessage
from logistics.people.models import Person
from logistics.settings import get_settings
from logistics.shelter.models import BedAssignment, OccupancySnapshot, RollCallMark, RoomCategory, Stay
from logistics.shelter.occupancy import Figures, occupancy, tonight
from logistics.shelter.rollcall import review_days
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.issuing import cycle_of
from logistics.vouchers.models import Programme, ProgrammeKind, Redemption, Voucher, VoucherLine, VoucherStatus

#: Tonight is compared with this many nights before it.
COMPARED_NIGHTS = 14
#: The pace chart's days (up to today).
PACE_DAYS = 30


# --- beds -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollCallSite:
    site: Site
    staying: int  # open stays with a bed at the site
    unmarked: int  # of them, not marked present or absent tonight

    @property
    def done(self) -> bool:
        return self.unmarked <= 0


@dataclass(frozen=True)
class Beds:
    night: date
    all: Figures
    free_by_category: dict[str, int]  # men, women, family, mixed → free places
    accessible_free: int
    sites: int
    sites_full: list[Site]
    history: list[tuple[date, int, int]]  # (night, occupied, total) of the nights before tonight, oldest first
    roll_call: list[RollCallSite]

    @property
    def compared(self) -> int | None:
        """The average occupied places of the nights before tonight (None without snapshots)."""
        if not self.history:
            return None
        return round(sum(occupied for _n, occupied, _t in self.history) / len(self.history))

    @property
    def roll_call_done(self) -> int:
        return sum(1 for row in self.roll_call if row.done)


# --- distribution ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeCycle:
    programme: Programme
    cycle: str
    issued: int  # this cycle's vouchers, not revoked
    redeemed: int  # fully handed out
    remaining: int  # still valid, something left on them


@dataclass(frozen=True)
class PointCycle:
    point: Site
    handed_out: int  # redemptions this cycle (this month), undone ones left out
    today: int
    remaining: float  # the remaining vouchers that may come here (a voucher valid at n points: 1/n at each)


@dataclass(frozen=True)
class Cover:
    """One item at one point: the usable stock against what the remaining vouchers there still entitle to."""

    point: Site
    item: str
    unit: str
    stock: Decimal
    needed: Decimal
    vouchers: float  # remaining vouchers there entitling to the item

    @property
    def short(self) -> bool:
        return self.stock < self.needed

    @property
    def vouchers_covered(self) -> int:
        """How many of the remaining vouchers the stock still covers."""
        if self.needed <= 0:
            return round(self.vouchers)
        return int(min(Decimal(self.vouchers), self.stock / self.needed * Decimal(self.vouchers)))

    @property
    def share(self) -> float:
        return float(self.stock / self.needed) if self.needed else 1.0


@dataclass(frozen=True)
class Distribution:
    today: date
    programmes: list[ProgrammeCycle]
    points: list[PointCycle]
    per_hour: list[tuple[int, int]]  # (hour, redemptions) today, opening hours (and any hour with some)
    per_day: list[tuple[date, int]]  # the last PACE_DAYS days, up to today
    cover: list[Cover]  # every point × item with something still to hand out, the worst cover first
    last_hour: int = 0  # redemptions in the last 60 minutes: today's pace now

    @property
    def short(self) -> list[Cover]:
        return [row for row in self.cover if row.short]

    @property
    def today_total(self) -> int:
        return sum(n for _h, n in self.per_hour)


# --- stock, activities, people ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stock:
    below_minimum: int
    expiring: int
    expired: int
    in_transit: int
    days: int


@dataclass(frozen=True)
class Activities:
    monday: date
    sessions: int  # scheduled this week
    cancelled: int
    taken: int
    capacity: int
    waiting: int
    attendance_rate: int | None  # per cent of the marks this week that are not no-shows


@dataclass(frozen=True)
class People:
    month: date  # its first day
    registered: int
    to_complete: int
    due_for_review: int
    failed_messages: int


@dataclass(frozen=True)
class Dashboard:
    beds: Beds
    distribution: Distribution
    stock: Stock
    activities: Activities
    people: People
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))


class DashboardService(Service):
    @query
    async def figures(self) -> Dashboard:
        """Everything the dashboard shows: its five blocks, read at once (`logistics.db.read_at_once`)."""
        self.require(VIEW_DASHBOARD)

        def block(read: Callable[[DashboardService], Awaitable[Any]]) -> Callable[[AsyncSession], Awaitable[Any]]:
            async def run(session: AsyncSession) -> Any:
                return await read(self if session is self.session else DashboardService(session, self.actor))

            return run

        beds, distribution, stock, activities, people = await read_at_once(
            self.session,
            block(DashboardService.beds),
            block(DashboardService.distribution),
            block(DashboardService.stock),
            block(DashboardService.activities),
            block(DashboardService.people),
        )
        return Dashboard(beds, distribution, stock, activities, people)

    @query
    async def beds(self) -> Beds:
        """Free places now by category across the sites, holds, out of service, the full sites; tonight against
        the nights before it (the nightly snapshots); the roll call per site."""
        self.require(VIEW_DASHBOARD)
        night = tonight()
        sites = await occupancy(self.session, self.actor)  # one GROUP BY over the beds
        total = Figures()
        free: dict[str, int] = {category.value: 0 for category in RoomCategory}
        accessible = 0
        for entry in sites:
            total.total += entry.all.total
            total.occupied += entry.all.occupied
            total.held += entry.all.held
            total.out_of_service += entry.all.out_of_service
            for category in free:
                free[category] += entry.by_category[category].free
            accessible += entry.accessible.free
        ids = [entry.site.id for entry in sites]
        history = (
            await self.session.execute(
                select(OccupancySnapshot.night, func.sum(OccupancySnapshot.occupied), func.sum(OccupancySnapshot.total))
                .where(
                    OccupancySnapshot.category == "all",
                    OccupancySnapshot.night >= night - timedelta(days=COMPARED_NIGHTS),
                    OccupancySnapshot.night < night,
                    *([] if self.actor.sees_all_sites else [OccupancySnapshot.site_id.in_(ids)]),
                )
                .group_by(OccupancySnapshot.night)
                .order_by(OccupancySnapshot.night)
            )
        ).all()
        in_bed = (BedAssignment.stay_id == Stay.id) & BedAssignment.ended_at.is_(None)
        staying = dict(
            (
                await self.session.execute(
                    select(Stay.site_id, func.count())
                    .join(BedAssignment, in_bed)
                    .where(Stay.ended_at.is_(None), *visible(self.actor, Stay.site_id))
                    .group_by(Stay.site_id)
                )
            ).all()
        )
        marked_tonight = select(RollCallMark.stay_id).where(RollCallMark.night == night).distinct()
        marked = dict(
            (
                await self.session.execute(
                    select(Stay.site_id, func.count())
                    .join(BedAssignment, in_bed)
                    .where(Stay.ended_at.is_(None), Stay.id.in_(marked_tonight), *visible(self.actor, Stay.site_id))
                    .group_by(Stay.site_id)
                )
            ).all()
        )
        roll_call = [
            RollCallSite(
                entry.site,
                int(staying.get(entry.site.id, 0)),
                int(staying.get(entry.site.id, 0)) - int(marked.get(entry.site.id, 0)),
            )
            for entry in sites
            if staying.get(entry.site.id)
        ]
        return Beds(
            night=night,
            all=total,
            free_by_category=free,
            accessible_free=accessible,
            sites=len(sites),
            sites_full=[entry.site for entry in sites if entry.all.total and entry.all.free <= 0],
            history=[(n, int(o or 0), int(t or 0)) for n, o, t in history],
            roll_call=sorted(roll_call, key=lambda row: (row.done, row.site.name)),
        )

    @query
    async def distribution(self, today: date | None = None) -> Distribution:
        """This cycle per programme (vouchers issued, fully redeemed, remaining) and per point (handed out this
        month and today, remaining vouchers that may come there); today's pace per hour and the last 30 days';
        and the cover: each point's usable stock against what its remaining vouchers still entitle to, item by
        item (kits as their items, as redeeming hands them out). A voucher valid at n points counts 1/n at each."""
        self.require(VIEW_DASHBOARD)
        today = today or local_today()
        programmes = list(
            await self.session.scalars(
                select(Programme)
                .where(Programme.is_active.is_(True), Programme.kind == ProgrammeKind.GOODS)
                .order_by(Programme.code)
            )
        )
        cycles = {programme.id: cycle_of(programme, today) for programme in programmes}
        counts: dict[UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        valid_now = and_(Voucher.status == VoucherStatus.ISSUED, Voucher.valid_until >= today)
        not_revoked = Voucher.status.in_([VoucherStatus.ISSUED, VoucherStatus.REDEEMED, VoucherStatus.EXPIRED])
        monthly = [p.id for p in programmes if cycles[p.id] != "once"]
        once = [p.id for p in programmes if cycles[p.id] == "once"]
        # A monthly cycle's vouchers are valid until its first day at the earliest (issuing.validity): that bound
        # lets the (status, valid_until) index find this month's vouchers among years of them.
        for ids, conditions in (
            (monthly, [Voucher.cycle == f"{today:%Y-%m}", Voucher.valid_until >= today.replace(day=1)]),
            (once, [Voucher.cycle == "once"]),
        ):
            if not ids:
                continue
            rows = await self.session.execute(
                select(
                    Voucher.programme_id,
                    func.count(),
                    func.sum(case((Voucher.status == VoucherStatus.REDEEMED, 1), else_=0)),
                    func.sum(case((valid_now, 1), else_=0)),
                )
                .where(not_revoked, Voucher.programme_id.in_(ids), *conditions)
                .group_by(Voucher.programme_id)
            )
            for programme_id, issued, redeemed, remaining in rows.all():
                counts[programme_id].update(issued=issued, redeemed=int(redeemed or 0), remaining=int(remaining or 0))
        programme_rows = [
            ProgrammeCycle(p, cycles[p.id], counts[p.id]["issued"], counts[p.id]["redeemed"], counts[p.id]["remaining"])
            for p in programmes
        ]
        points = list(
            await self.session.scalars(
                select(Site)
                .join(SiteKindRow, SiteKindRow.site_id == Site.id)
                .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT, Site.is_active.is_(True))
                .where(*visible(self.actor, Site.id))
                .order_by(Site.name)
            )
        )
        month_start, day_begins = day_start(today.replace(day=1)), day_start(today)
        day_ends = day_start(today + timedelta(days=1))
        kept = (Redemption.undone_at.is_(None), Redemption.at >= month_start, Redemption.at < day_ends)
        by_point = {
            point_id: (int(month or 0), int(day or 0))
            for point_id, month, day in (
                await self.session.execute(
                    select(Redemption.point_id, func.count(), func.sum(case((Redemption.at >= day_begins, 1), else_=0)))
                    .where(*kept)
                    .group_by(Redemption.point_id)
                )
            ).all()
        }
        days = [today - timedelta(days=n) for n in range(PACE_DAYS - 1, -1, -1)]
        # One count per local day, each a range of the covering index (not 30 CASEs for each of a month's rows).
        per_day_row: Any = (
            await self.session.execute(
                select(
                    *(
                        select(func.count())
                        .select_from(Redemption)
                        .where(
                            Redemption.undone_at.is_(None),
                            Redemption.at >= day_start(d),
                            Redemption.at < day_start(d + timedelta(days=1)),
                        )
                        .scalar_subquery()
                        for d in days
                    )
                )
            )
        ).one()
        per_day = [(d, int(n or 0)) for d, n in zip(days, per_day_row, strict=True)]
        hours: dict[int, int] = defaultdict(int)
        hour_ago, last_hour = datetime.now(UTC) - timedelta(hours=1), 0
        for (at,) in await self.session.execute(select(Redemption.at).where(*kept, Redemption.at >= day_begins)):
            hours[at.astimezone(local_zone()).hour] += 1
            last_hour += at >= hour_ago
        first, last = min([8, *hours]), max([17, *hours])
        per_hour = [(hour, hours.get(hour, 0)) for hour in range(first, last + 1)]
        # What the still-valid vouchers entitle to, per programme and goods; kits expanded into their items.
        entitled = await self.session.execute(
            select(
                Voucher.programme_id,
                VoucherLine.item_id,
                VoucherLine.kit_id,
                func.sum(VoucherLine.entitled - VoucherLine.redeemed),
                func.count(),  # the vouchers with such a line (a voucher has one line per kit or item)
            )
            .join(Voucher, Voucher.id == VoucherLine.voucher_id)
            .where(
                Voucher.status == VoucherStatus.ISSUED,
                Voucher.valid_until >= today,
                VoucherLine.entitled > VoucherLine.redeemed,
            )
            .group_by(Voucher.programme_id, VoucherLine.item_id, VoucherLine.kit_id)
        )
        entitled_rows = entitled.all()
        kit_ids = {kit_id for _p, _i, kit_id, _q, _n in entitled_rows if kit_id}
        kit_lines: dict[UUID, list[tuple[UUID, Decimal]]] = defaultdict(list)
        if kit_ids:
            for kit_id, item_id, quantity in await self.session.execute(
                select(KitLine.kit_id, KitLine.item_id, KitLine.quantity).where(KitLine.kit_id.in_(kit_ids))
            ):
                kit_lines[kit_id].append((item_id, quantity))
        # One count per programme in one pass over ix_vouchers_status_valid_until (a GROUP BY would have SQLite walk
        # every voucher in programme order instead); every programme, active or not, whose vouchers remain.
        # Goods programmes only: a value voucher (a grant spent at partner shops) is nothing a point hands out.
        every = list(await self.session.scalars(select(Programme).where(Programme.kind == ProgrammeKind.GOODS)))
        counted = (
            (
                await self.session.execute(
                    select(
                        *(func.sum(case((Voucher.programme_id == programme.id, 1), else_=0)) for programme in every)
                    ).where(Voucher.status == VoucherStatus.ISSUED, Voucher.valid_until >= today)
                )
            ).one()
            if every
            else ()
        )
        remaining_vouchers = {programme.id: int(n) for programme, n in zip(every, counted, strict=True) if n}
        all_programmes = {programme.id: programme for programme in every if programme.id in remaining_vouchers}
        point_ids = [point.id for point in points]
        all_point_ids = set(
            await self.session.scalars(
                select(SiteKindRow.site_id)
                .join(Site, Site.id == SiteKindRow.site_id)
                .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT, Site.is_active.is_(True))
            )
        )

        def points_of(programme_id: UUID) -> set[UUID]:
            programme = all_programmes.get(programme_id)
            named = (programme.point_ids & all_point_ids) if programme else set()
            return named or all_point_ids

        needed: dict[tuple[UUID, UUID], Decimal] = defaultdict(Decimal)
        vouchers_for: dict[tuple[UUID, UUID], float] = defaultdict(float)
        remaining_at: dict[UUID, float] = defaultdict(float)
        for programme_id, n in remaining_vouchers.items():
            where = points_of(programme_id)
            for point_id in where:
                remaining_at[point_id] += n / len(where)  # `where` is never empty inside the loop
        for programme_id, line_item, line_kit, quantity, n in entitled_rows:
            where = points_of(programme_id)
            goods = kit_lines[line_kit] if line_kit else [(line_item, Decimal(1))] if line_item else []
            for part_id, per in goods:
                for point_id in where:
                    needed[(point_id, part_id)] += Decimal(quantity) * per / len(where)
                    vouchers_for[(point_id, part_id)] += n / len(where)
        shown = set(point_ids)
        wanted = [key for key in needed if key[0] in shown]
        stock: dict[tuple[UUID, UUID], Decimal] = {}
        items: dict[UUID, Item] = {}
        if wanted:
            item_ids = {item_id for _p, item_id in wanted}
            for location_id, item_id, quantity in await self.session.execute(
                select(Balance.location_id, Balance.item_id, func.sum(Balance.quantity))
                .join(Lot, Lot.id == Balance.lot_id)
                .where(Balance.location_id.in_(point_ids), Balance.item_id.in_(item_ids), Lot.expiry >= today)
                .group_by(Balance.location_id, Balance.item_id)
            ):
                stock[(location_id, item_id)] = Decimal(quantity or 0)
            items = {item.id: item for item in await self.session.scalars(select(Item).where(Item.id.in_(item_ids)))}
        by_id = {point.id: point for point in points}
        cover = sorted(
            (
                Cover(
                    by_id[point_id],
                    item_name(items[item_id].name, items[item_id].name_en, items[item_id].name_uk),
                    unit_name(items[item_id].unit),
                    stock.get((point_id, item_id), Decimal(0)),
                    needed[(point_id, item_id)].quantize(Decimal("0.001")),
                    vouchers_for[(point_id, item_id)],
                )
                for point_id, item_id in wanted
                if item_id in items
            ),
            key=lambda row: (row.share, row.point.name, row.item),
        )
        point_rows = [
            PointCycle(point, *by_point.get(point.id, (0, 0)), remaining=round(remaining_at.get(point.id, 0.0), 1))
            for point in points
        ]
        return Distribution(today, programme_rows, point_rows, per_hour, per_day, cover, last_hour)

    @query
    async def stock(self) -> Stock:
        """Items below their minimum, lots expiring within the alert window (and expired ones), transfers on the
        way — the alerts' own grouped queries."""
        self.require(VIEW_DASHBOARD)
        today = local_today()
        soon, gone = await expiring_counts(self.session, self.actor, today=today)
        ends = [*visible(self.actor, Transfer.to_location_id), *visible(self.actor, Transfer.from_location_id)]
        in_transit = await self.session.scalar(
            select(func.count())
            .select_from(Transfer)
            .where(Transfer.status == TransferStatus.IN_TRANSIT, *([or_(*ends)] if ends else []))
        )
        return Stock(
            below_minimum=len(await below_minimum(self.session, self.actor)),
            expiring=soon,
            expired=gone,
            in_transit=int(in_transit or 0),
            days=get_settings().stock_alert_days,
        )

    @query
    async def activities(self, today: date | None = None) -> Activities:
        """This week's sessions (Monday to Sunday), the places taken of their capacity (a course's places once,
        a per-session activity's per session), the people waiting for them, and the attendance rate so far."""
        self.require(VIEW_DASHBOARD)
        today = today or local_today()
        monday = today - timedelta(days=today.weekday())
        start, end = day_start(monday), day_start(monday + timedelta(days=7))
        week = (
            await self.session.execute(
                select(
                    ActivitySession.id,
                    ActivitySession.activity_id,
                    ActivitySession.status,
                    Activity.per_session,
                    Activity.capacity,
                )
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(
                    ActivitySession.starts_at >= start,
                    ActivitySession.starts_at < end,
                    *visible(self.actor, Activity.venue_id),
                )
            )
        ).all()
        scheduled = [row for row in week if row.status == SessionStatus.SCHEDULED]
        # A course's places count once, a per-session activity's for each session; a scope nobody has signed up
        # for yet has no places row: all of its capacity is free.
        scopes = {(row.activity_id, str(row.id) if row.per_session else COURSE): row.capacity for row in scheduled}
        activity_ids = {activity_id for activity_id, _scope in scopes}
        scope_names = {scope for _a, scope in scopes}
        taken = waiting = 0
        capacity = dict(scopes)
        if scopes:
            for activity_id, scope, places, used in await self.session.execute(
                select(Places.activity_id, Places.scope, Places.capacity, Places.taken).where(
                    Places.activity_id.in_(activity_ids), Places.scope.in_(scope_names)
                )
            ):
                if (activity_id, scope) in scopes:
                    capacity[(activity_id, scope)] = places
                    taken += used
            for activity_id, scope, n in await self.session.execute(
                select(SignUp.activity_id, SignUp.scope, func.count())
                .where(
                    SignUp.activity_id.in_(activity_ids),
                    SignUp.scope.in_(scope_names),
                    SignUp.status == SignUpStatus.WAITING,
                )
                .group_by(SignUp.activity_id, SignUp.scope)
            ):
                if (activity_id, scope) in scopes:
                    waiting += n
        marks = dict(
            (
                await self.session.execute(
                    select(Attendance.status, func.count())
                    .join(ActivitySession, ActivitySession.id == Attendance.session_id)
                    .join(Activity, Activity.id == ActivitySession.activity_id)
                    .where(
                        ActivitySession.starts_at >= start,
                        ActivitySession.starts_at < end,
                        *visible(self.actor, Activity.venue_id),
                    )
                    .group_by(Attendance.status)
                )
            ).all()
        )
        total = sum(marks.values())
        rate = round(100 * (total - marks.get(AttendanceStatus.ABSENT, 0)) / total) if total else None
        return Activities(
            monday, len(scheduled), len(week) - len(scheduled), taken, sum(capacity.values()), waiting, rate
        )

    @query
    async def people(self, today: date | None = None) -> People:
        """Registrations this month, records registered with the minimum (to complete), stays past their site
        kind's review period, messages that could not be delivered."""
        self.require(VIEW_DASHBOARD)
        today = today or local_today()
        month = today.replace(day=1)
        live = (Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
        count = select(func.count()).select_from(Person).where(*live)
        counts: Any = (
            await self.session.execute(
                select(
                    count.where(Person.created_at >= day_start(month)).scalar_subquery(),
                    count.where(Person.is_incomplete.is_(True)).scalar_subquery(),
                )
            )
        ).one()
        # Stays due for review: the review period depends on the site's kinds; one count per distinct period.
        kinds: dict[UUID, list[str]] = defaultdict(list)
        for site_id, kind in await self.session.execute(select(SiteKindRow.site_id, SiteKindRow.kind)):
            kinds[site_id].append(kind)
        by_days: dict[int, list[UUID]] = defaultdict(list)
        for site_id, site_kinds in kinds.items():
            by_days[review_days(site_kinds)].append(site_id)
        now = datetime.now(UTC)
        due = 0
        if by_days:
            due = int(
                await self.session.scalar(
                    select(func.count())
                    .select_from(Stay)
                    .where(
                        Stay.ended_at.is_(None),
                        *visible(self.actor, Stay.site_id),
                        or_(
                            *(
                                and_(Stay.site_id.in_(ids), Stay.started_at <= now - timedelta(days=days + 1))
                                for days, ids in by_days.items()
                            )
                        ),
                    )
                )
                or 0
            )
        failed = await self.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
        )
        registered, to_complete = counts
        return People(month, int(registered or 0), int(to_complete or 0), due, int(failed or 0))


async def dashboard_figures(session: AsyncSession, actor: Actor) -> Dashboard:
    """Everything the coordinator's dashboard shows (the benchmark times this): `DashboardService.figures()`."""
    return await DashboardService(session, actor).figures()
