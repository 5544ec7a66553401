"""Reports and the coordinator's dashboard at region scale (issue 15).

Target (issue): every report for a year in under 2 s and the dashboard in under 300 ms, on SQLite and on
PostgreSQL. Measured in-process, as server time: each report's `build(session, period)` for the last full
calendar year, and the dashboard's figures for a coordinator, each repetition in a new session, after one untimed
call that opens the connection and warms SQLAlchemy's statement cache (on SQLite with the application's pragmas and
a GET's deferred read transaction, so a report that writes fails). A report whose untimed call took over five
times its target is timed once. Every SQL statement is timed too (cursor events): a report or the dashboard over
its target gets its six slowest statements, the query plan of the slowest (EXPLAIN QUERY PLAN, or EXPLAIN ANALYZE
on PostgreSQL) and, when most of its time is Python, a cProfile summary in the results.

One database, built from the other benchmarks' loaders (random.Random, the same data on every run, dated back
from today):
  * bench_shelter.populate: 150 shelter sites, 10,000 places, 100,000 people (sex, birth year, citizenship),
    ~8,500 open stays and 1,000,000 closed stays over three years, each with its bed assignment (first and end
    nights as `night_of` gives them);
  * bench_inventory.History with 98 distribution points (100 stock locations): 500 items (each with a net
    weight), 20,000 lots, 1,000,000 movements over two years;
  * here: the 100,000 people in households of 1-5 with their reasons (art. 7), children's birth years, some
    people with a disability; 12,000 households in a monthly FEPŻ-like programme (a kit of four food items and
    one item per person) with a voucher in every month from January of the last full year to this month, and a
    redemption (with its lines) on the issue movements the ledger made at the household's point in that month —
    each redemption's movement is one of the million; 200 activities at the activity venues with weekly sessions
    over the two years, sign-ups, waiting lists and attendance; 30 nights of occupancy snapshots; tonight's roll
    call at two sites in three; gmina and operator of every site, a fifth of shelters with care.
Rows go in with bulk `insert(Model)` executemany, every column given, ids time-ordered UUIDv7 values.

Alone: `python -m benchmarks.bench_reports [--database URL] [--measure-only] [--repeats N]` (SQLite in a
temporary directory by default; with `--database` an empty database is loaded and kept, `--measure-only` measures
an already loaded one).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import importlib
import inspect
import io
import json
import os
import pkgutil
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from benchmarks import bench_inventory, bench_shelter
from benchmarks.bench_shelter import Ids, _tune_loading
from benchmarks.common import BIN

SEED = 15
POINTS = 98  # distribution points; with bench_inventory's two warehouses, 100 stock locations
HOUSEHOLD_SIZES = {1: 38, 2: 22, 3: 17, 4: 14, 5: 9}  # weights
DISABILITY_SHARE = 0.08
PROGRAMME_HOUSEHOLDS = 12_000
REDEEM_SHARE = 0.9  # of the ledger's issue movements at a point, those that are a voucher's redemption
ACTIVITIES = 200
CHUNK = 20_000
REPORT_TARGET_MS = 2000.0
DASHBOARD_TARGET_MS = 300.0
CATEGORIES = ["language", "job_training", "parenting", "integration", "culture", "counselling", "other"]
REASONS = {
    "poverty": 40,
    "homelessness": 18,
    "unemployment": 22,
    "disability": 10,
    "long_term_illness": 10,
    "domestic_violence": 3,
    "large_family": 6,
    "single_parent": 6,
    "addiction": 5,
    "integration_difficulties": 6,
    "crisis_event": 3,
}
OPERATORS = ["Gmina", "Caritas", "Towarzystwo Pomocy im. św. Brata Alberta", "Stowarzyszenie MONAR", "PCK"]


def _progress(message: str) -> None:
    print(f"[bench_reports] {message}", file=sys.stderr, flush=True)


@contextmanager
def _points(count: int) -> Iterator[None]:
    """bench_inventory's History with `count` distribution points (its module constant, restored after)."""
    before = bench_inventory.POINTS
    bench_inventory.POINTS = count
    try:
        yield
    finally:
        bench_inventory.POINTS = before


class Ledger(bench_inventory.History):
    """bench_inventory's history of movements, noting the issue movements at the points from `since` on: the
    redemptions are put on them."""

    def __init__(self, now: datetime, since: datetime) -> None:
        super().__init__(now)
        self.since = since
        self.issues: list[tuple[UUID, datetime, int]] = []  # (movement id, at, point index)

    def movements(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        location = {site_id: n for n, site_id in enumerate(self.site_ids)}
        for movements, lines in super().movements():
            where = {line["movement_id"]: line["location_id"] for line in lines}
            self.issues.extend(
                (movement["id"], movement["at"], location[where[movement["id"]]])
                for movement in movements
                if movement["kind"] == "issue" and movement["at"] >= self.since
            )
            yield movements, lines


def _months(first: date, last: date) -> list[tuple[int, int]]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def populate(url: str) -> dict[str, Any]:
    """Load everything the reports and the dashboard read; returns the counts."""
    import logistics.app  # noqa: F401 — registers every model
    from logistics.activities.models import COURSE, Activity, ActivitySession, Attendance, Places, SignUp
    from logistics.inventory.models import Kit, KitLine, MinimumLevel, Movement
    from logistics.people.models import Household, HouseholdMember, HouseholdReason, Person, birth_year_band
    from logistics.shelter.models import Bed, OccupancySnapshot, RollCallMark, Room, Stay
    from logistics.shelter.occupancy import tonight
    from logistics.sites.models import Site, SiteKindRow
    from logistics.vouchers.models import Programme, ProgrammeLine, Redemption, RedemptionLine, Voucher, VoucherLine

    counts: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    counts["shelter"] = await bench_shelter.populate(url)
    seconds["shelter"] = round(time.perf_counter() - started, 1)

    rng = random.Random(SEED)
    now = datetime.now(UTC)
    today = now.date()
    year = today.year - 1  # the report's year
    first_cycle = date(year, 1, 1)
    new_id = Ids(now - timedelta(days=1200, milliseconds=7))

    # --- the ledger: 1,000,000 movements at 100 locations ------------------------------------------------------
    started = time.perf_counter()
    with _points(POINTS):
        ledger = Ledger(
            now.replace(hour=0, minute=0, second=0, microsecond=0),
            datetime(year, 1, 1, tzinfo=UTC),
        )
    for item in ledger.items:  # net weight of one unit, kilograms (a few non-food items unknown)
        if item["category"] == "food" or rng.random() < 0.8:
            item["net_weight_kg"] = Decimal(rng.choice([170, 400, 500, 900, 1000, 2500])) / 1000
        else:
            item["net_weight_kg"] = None
    counts["ledger"] = await bench_inventory.populate(url, ledger)
    seconds["ledger"] = round(time.perf_counter() - started, 1)
    locations = list(ledger.site_ids)
    points = locations[bench_inventory.WAREHOUSES :]
    point_weights = [ledger.point_cum[0]] + [
        b - a for a, b in zip(ledger.point_cum, ledger.point_cum[1:], strict=False)
    ]
    food = [item["id"] for item in ledger.items if item["category"] == "food"]
    issues = ledger.issues
    del ledger
    gc.collect()

    engine = create_async_engine(url)
    _tune_loading(engine, url)
    started = time.perf_counter()

    async def put(model: type, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(insert(model), rows[start : start + CHUNK])

    def audit(at: datetime) -> dict[str, datetime]:
        return {"created_at": at, "updated_at": at}

    # --- households of the 100,000 people, with their reasons ---------------------------------------------------
    async with engine.connect() as connection:
        people = (await connection.execute(select(Person.id).order_by(Person.id))).scalars().all()
    people = list(people)
    rng.shuffle(people)
    households, members, reasons, changes = [], [], [], []
    sizes: list[int] = []
    reason_names, reason_weights = list(REASONS), list(REASONS.values())
    position = 0
    while position < len(people):
        size = min(len(people) - position, rng.choices(list(HOUSEHOLD_SIZES), list(HOUSEHOLD_SIZES.values()))[0])
        household_id = new_id()
        at = now - timedelta(days=rng.randrange(30, 1000))
        households.append(
            {
                "id": household_id,
                "income_per_person": Decimal(rng.randrange(500, 2500)),
                "income_verified_on": None,
                "case_worker_id": None,
                **audit(at),
            }
        )
        sizes.append(size)
        for reason in sorted(set(rng.choices(reason_names, reason_weights, k=rng.choice([1, 1, 2, 3])))):
            reasons.append({"id": new_id(), "household_id": household_id, "reason": reason})
        spouse = size >= 2 and rng.random() < 0.6
        for n in range(size):
            person_id = people[position + n]
            relationship = "head" if n == 0 else "spouse" if n == 1 and spouse else "child"
            members.append(
                {
                    "id": new_id(),
                    "household_id": household_id,
                    "person_id": person_id,
                    "relationship": relationship,
                    "position": n,
                }
            )
            disabled = rng.random() < DISABILITY_SHARE
            if relationship == "child":
                born = rng.randint(year - 17, year)
                changes.append({"b_id": person_id, "b_year": born, "b_band": birth_year_band(born), "b_dis": disabled})
            elif disabled:
                changes.append({"b_id": person_id, "b_year": None, "b_band": None, "b_dis": True})
        position += size
    await put(Household, households)
    await put(HouseholdMember, members)
    await put(HouseholdReason, reasons)
    table = Person.__table__
    children = [row for row in changes if row["b_year"] is not None]
    adults = [{"b_id": row["b_id"]} for row in changes if row["b_year"] is None]
    for rows, statement in (
        (
            children,
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                birth_year=bindparam("b_year"), birth_year_band=bindparam("b_band"), has_disability=bindparam("b_dis")
            ),
        ),
        (adults, update(table).where(table.c.id == bindparam("b_id")).values(has_disability=True)),
    ):
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(statement, rows[start : start + CHUNK])
    counts["households"] = len(households)
    counts["household_reasons"] = len(reasons)
    counts["children"] = len(children)
    counts["people_with_disability"] = sum(1 for row in changes if row["b_dis"])
    _progress(f"{len(households)} households, {len(reasons)} reasons, {len(children)} children")

    # --- sites: gmina and operator; a fifth of the shelters with care --------------------------------------------
    async with engine.connect() as connection:
        sites = (await connection.execute(select(Site.id, Site.address).order_by(Site.id))).all()
        shelters = (
            (
                await connection.execute(
                    select(SiteKindRow.id).where(SiteKindRow.kind == "shelter").order_by(SiteKindRow.id)
                )
            )
            .scalars()
            .all()
        )
    site_table, kind_table = Site.__table__, SiteKindRow.__table__
    async with engine.begin() as connection:
        await connection.execute(
            update(site_table)
            .where(site_table.c.id == bindparam("b_id"))
            .values(gmina=bindparam("b_gmina"), operator=bindparam("b_operator")),
            [
                {"b_id": site_id, "b_gmina": address.rsplit(", ", 1)[-1], "b_operator": rng.choice(OPERATORS)}
                for site_id, address in sites
            ],
        )
        await connection.execute(
            update(kind_table).where(kind_table.c.id == bindparam("b_id")).values(kind="shelter_with_care"),
            [{"b_id": row_id} for row_id in shelters if rng.random() < 0.2],
        )

    # --- the programme: a FEPŻ-like monthly package ---------------------------------------------------------------
    created = now - timedelta(days=800)
    kit_id, programme_id = new_id(), new_id()
    package = rng.sample(food, 5)
    await put(Kit, [{"id": kit_id, "name": "Paczka FEPŻ (bench)", "is_active": True, **audit(created)}])
    kit_lines = [
        {"id": new_id(), "kit_id": kit_id, "item_id": item_id, "quantity": Decimal(quantity)}
        for item_id, quantity in zip(package[:4], (2, 1, 1, 2), strict=True)
    ]
    await put(KitLine, kit_lines)
    await put(
        Programme,
        [
            {
                "id": programme_id,
                "code": "FEPZ",
                "name": "FEPŻ — paczka żywnościowa (bench)",
                "cycle": "monthly",
                "valid_days": None,
                "valid_until": None,
                "rule": "income",
                "income_percent": Decimal(265),
                "is_active": True,
                **audit(created),
            }
        ],
    )
    await put(
        ProgrammeLine,
        [
            {
                "id": new_id(),
                "programme_id": programme_id,
                "position": 0,
                "item_id": None,
                "kit_id": kit_id,
                "quantity": Decimal(1),
                "per_person": False,
            },
            {
                "id": new_id(),
                "programme_id": programme_id,
                "position": 1,
                "item_id": package[4],
                "kit_id": None,
                "quantity": Decimal(1),
                "per_person": True,
            },
        ],
    )

    await put(  # the package's items should not run short anywhere: their minimum levels, for the alerts
        MinimumLevel,
        [
            {"id": new_id(), "location_id": location, "item_id": item_id, "quantity": Decimal(40)}
            for location in locations
            for item_id in package
        ],
    )

    # --- a voucher a month for each programme household, redeemed on the ledger's issue movements ------------------
    chosen = rng.sample(range(len(households)), PROGRAMME_HOUSEHOLDS)
    home = rng.choices(range(len(points)), point_weights, k=PROGRAMME_HOUSEHOLDS)
    at_point: dict[int, list[int]] = defaultdict(list)
    for n, point in enumerate(home):
        at_point[point].append(n)
    slots: dict[tuple[int, int], list[tuple[UUID, datetime, int]]] = defaultdict(list)
    for movement_id, at, location in issues:
        slots[at.year, at.month].append((movement_id, at, location - bench_inventory.WAREHOUSES))
    del issues
    vouchers_total = redemptions_total = 0
    for cycle_year, cycle_month in _months(first_cycle, today):
        cycle = f"{cycle_year:04d}-{cycle_month:02d}"
        valid_from = date(cycle_year, cycle_month, 1)
        valid_until = (valid_from + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        current = valid_until >= today
        pools = {point: rng.sample(pool, len(pool)) for point, pool in at_point.items()}
        redeemed: dict[int, tuple[UUID, datetime, int]] = {}
        for slot in slots.get((cycle_year, cycle_month), []):
            pool = pools.get(slot[2])
            if pool and rng.random() < REDEEM_SHARE:
                redeemed[pool.pop()] = slot
        voucher_rows, line_rows, redemption_rows, redemption_lines = [], [], [], []
        issued_at = datetime(cycle_year, cycle_month, 1, 7, tzinfo=UTC)
        for n, household in enumerate(chosen):
            size = sizes[household]
            voucher_id = new_id()
            vouchers_total += 1
            slot = redeemed.get(n)
            voucher_rows.append(
                {
                    "id": voucher_id,
                    "code": f"BR{vouchers_total:010d}",
                    "programme_id": programme_id,
                    "household_id": households[household]["id"],
                    "cycle": cycle,
                    "status": "redeemed" if slot else "issued" if current else "expired",
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "household_size": size,
                    "holder": "",
                    "issued_by": "bench",
                    "revoked_at": None,
                    "revoked_reason": "",
                    "replaces_id": None,
                    **audit(issued_at),
                }
            )
            lines = [(kit_id, None, Decimal(1)), (None, package[4], Decimal(size))]
            line_ids = []
            for position, (kit, item, entitled) in enumerate(lines):
                line_id = new_id()
                line_ids.append(line_id)
                line_rows.append(
                    {
                        "id": line_id,
                        "voucher_id": voucher_id,
                        "position": position,
                        "item_id": item,
                        "kit_id": kit,
                        "entitled": entitled,
                        "redeemed": entitled if slot else Decimal(0),
                    }
                )
            if slot:
                movement_id, at, point = slot
                redemption_id = new_id()
                redemptions_total += 1
                redemption_rows.append(
                    {
                        "id": redemption_id,
                        "request_id": f"bench-{redemptions_total:09d}",
                        "voucher_id": voucher_id,
                        "programme_id": programme_id,  # as Redemption.for_voucher copies them
                        "family_id": households[household]["id"],
                        "household_size": size,
                        "point_id": points[point],
                        "at": at,
                        "user_name": "punkt.bench",
                        "device_id": None,
                        "movement_id": movement_id,
                        "undone_at": None,
                        "undone_by": "",
                        "undo_movement_id": None,
                    }
                )
                redemption_lines.extend(
                    {"id": new_id(), "redemption_id": redemption_id, "voucher_line_id": line_id, "quantity": entitled}
                    for line_id, (_kit, _item, entitled) in zip(line_ids, lines, strict=True)
                )
        await put(Voucher, voucher_rows)
        await put(VoucherLine, line_rows)
        await put(Redemption, redemption_rows)
        await put(RedemptionLine, redemption_lines)
    async with engine.begin() as connection:  # as redeeming leaves them: the movement of a redemption is a voucher's
        await connection.execute(
            update(Movement.__table__)
            .where(Movement.__table__.c.id.in_(select(Redemption.movement_id).scalar_subquery()))
            .values(source="voucher")
        )
    counts["vouchers"] = vouchers_total
    counts["redemptions"] = redemptions_total
    counts["cycles"] = len(_months(first_cycle, today))
    _progress(f"{vouchers_total} vouchers, {redemptions_total} redemptions")

    # --- activities at the activity venues: weekly sessions, sign-ups, attendance ----------------------------------
    async with engine.connect() as connection:
        venues = (
            (
                await connection.execute(
                    select(SiteKindRow.site_id)
                    .where(SiteKindRow.kind == "activity_venue")
                    .order_by(SiteKindRow.site_id)
                )
            )
            .scalars()
            .all()
        )
    venues = venues or [site_id for site_id, _address in sites]
    span = (now - datetime(year, 1, 1, tzinfo=UTC)).days + 21
    activities, sessions, places, sign_ups, attendance = [], [], [], [], []
    for n in range(ACTIVITIES):
        activity_id = new_id()
        capacity = rng.randint(8, 25)
        per_session = rng.random() < 0.2
        weeks = rng.randint(10, 52)
        begins = datetime(year, 1, 1, 16, tzinfo=UTC) + timedelta(days=rng.randrange(max(1, span - 7 * weeks // 2)))
        activities.append(
            {
                "id": activity_id,
                "title": f"Zajęcia {n + 1:03d}",
                "title_en": f"Activity {n + 1:03d}",
                "title_uk": "",
                "description": "",
                "category": rng.choice(CATEGORIES),
                "venue_id": rng.choice(venues),
                "organiser": "",
                "age_min": None,
                "age_max": None,
                "audience": "",
                "capacity": capacity,
                "per_session": per_session,
                "required_share": 80,
                "is_active": True,
                **audit(begins - timedelta(days=14)),
            }
        )
        course = rng.sample(people, capacity + 5)
        confirmed = rng.randint(capacity // 2, capacity)
        if not per_session:
            places.append(
                {"id": new_id(), "activity_id": activity_id, "scope": COURSE, "capacity": capacity, "taken": confirmed}
            )
            waiting = rng.randint(0, 5) if confirmed == capacity else 0
            for k, person_id in enumerate(course[: confirmed + waiting]):
                sign_ups.append(
                    {
                        "id": new_id(),
                        "activity_id": activity_id,
                        "scope": COURSE,
                        "session_id": None,
                        "person_id": person_id,
                        "status": "confirmed" if k < confirmed else "waiting",
                        "signed_up_by": "bench",
                        "waiting_rank": max(0, k - confirmed),
                        "promoted_at": None,
                        "cancelled_at": None,
                        "cancelled_by": "",
                        **audit(begins - timedelta(days=7)),
                    }
                )
        for week in range(weeks):
            starts = begins + timedelta(days=7 * week)
            session_id = new_id()
            cancelled = rng.random() < 0.04
            sessions.append(
                {
                    "id": session_id,
                    "activity_id": activity_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "status": "cancelled" if cancelled else "scheduled",
                    "room": "",
                    "note": "",
                }
            )
            here = course[:confirmed]
            if per_session:
                taken = rng.randint(capacity // 3, capacity)
                here = rng.sample(course, taken)
                places.append(
                    {
                        "id": new_id(),
                        "activity_id": activity_id,
                        "scope": str(session_id),
                        "capacity": capacity,
                        "taken": taken,
                    }
                )
                sign_ups.extend(
                    {
                        "id": new_id(),
                        "activity_id": activity_id,
                        "scope": str(session_id),
                        "session_id": session_id,
                        "person_id": person_id,
                        "status": "confirmed",
                        "signed_up_by": "bench",
                        "waiting_rank": 0,
                        "promoted_at": None,
                        "cancelled_at": None,
                        "cancelled_by": "",
                        **audit(starts - timedelta(days=2)),
                    }
                    for person_id in here
                )
            if cancelled or starts + timedelta(hours=2) > now:
                continue
            for person_id in here:
                status = rng.choices(["present", "late", "absent"], [75, 7, 18])[0]
                attendance.append(
                    {
                        "id": new_id(),
                        "session_id": session_id,
                        "person_id": person_id,
                        "status": status,
                        "walk_in": False,
                        "recorded_at": starts + timedelta(hours=2),
                        "recorded_by": "bench",
                    }
                )
    await put(Activity, activities)
    await put(ActivitySession, sessions)
    await put(Places, places)
    await put(SignUp, sign_ups)
    await put(Attendance, attendance)
    counts.update(
        activities=len(activities), sessions=len(sessions), sign_ups=len(sign_ups), attendance=len(attendance)
    )
    _progress(f"{len(activities)} activities, {len(sessions)} sessions, {len(attendance)} attendance marks")

    # --- 30 nights of occupancy snapshots; tonight's roll call at two sites in three --------------------------------
    night = tonight()
    async with engine.connect() as connection:
        beds = (
            await connection.execute(
                select(Bed.site_id, Room.category, Bed.accessible, func.count())
                .join(Room, Room.id == Bed.room_id)
                .group_by(Bed.site_id, Room.category, Bed.accessible)
            )
        ).all()
        open_stays = (
            await connection.execute(select(Stay.id, Stay.site_id).where(Stay.ended_at.is_(None)).order_by(Stay.id))
        ).all()
    per_site: dict[UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for site_id, category, accessible, count in beds:
        per_site[site_id]["all"] += count
        per_site[site_id][category] += count
        if accessible:
            per_site[site_id]["accessible"] += count
    snapshots = []
    for site_id in sorted(per_site):
        for back in range(1, 31):
            for category, total in sorted(per_site[site_id].items()):
                occupied = round(total * rng.uniform(0.7, 0.97))
                held = min(total - occupied, rng.randint(0, 2))
                out = min(total - occupied - held, rng.randint(0, 1))
                snapshots.append(
                    {
                        "id": new_id(),
                        "site_id": site_id,
                        "night": night - timedelta(days=back),
                        "category": category,
                        "total": total,
                        "occupied": occupied,
                        "held": held,
                        "out_of_service": out,
                        "free": total - occupied - held - out,
                        "taken_at": now - timedelta(days=back),
                    }
                )
    await put(OccupancySnapshot, snapshots)
    called = {site_id for site_id in sorted(per_site) if rng.random() < 2 / 3}
    marks = [
        {
            "id": new_id(),
            "stay_id": stay_id,
            "site_id": site_id,
            "night": night,
            "present": rng.random() < 0.95,
            "marked_at": now - timedelta(minutes=rng.randrange(1, 120)),
            "marked_by": "bench",
        }
        for stay_id, site_id in open_stays
        if site_id in called
    ]
    await put(RollCallMark, marks)
    counts.update(occupancy_snapshots=len(snapshots), roll_call_marks=len(marks))

    async with engine.connect() as connection:  # fresh planner statistics, as autovacuum would give a live database
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()
    seconds["registry_vouchers_activities"] = round(time.perf_counter() - started, 1)
    counts["load_seconds_by_step"] = seconds
    return counts


# --- the measurements ----------------------------------------------------------------------------------------


def _import_reports() -> dict[str, str]:
    """Import the report modules so that they register; the import errors of any module being written."""
    errors: dict[str, str] = {}
    try:
        importlib.import_module("logistics.reports.catalogue")
        return errors
    except Exception as error:  # a module being written: import the others one by one
        errors["catalogue"] = repr(error)[:300]
    import logistics.reports as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name in {"controllers", "service", "render", "catalogue", "verify", "cli"}:
            continue
        try:
            importlib.import_module(f"logistics.reports.{module.name}")
        except Exception as error:
            errors[module.name] = repr(error)[:300]
    return errors


def _dashboard() -> tuple[Callable[[Any, Any], Any] | None, str]:
    """What the dashboard exposes: `dashboard_figures(session, actor)`, else a `…Service(session, actor)` method."""
    try:
        package = importlib.import_module("logistics.dashboard")
    except Exception as error:
        return None, f"no dashboard: {error!r}"[:300]
    modules = [package]
    for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
        if info.name in {"controllers"}:
            continue
        try:
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
        except Exception:  # a module being written
            continue
    for module in modules:
        function = getattr(module, "dashboard_figures", None)
        if callable(function):
            return (lambda s, a, f=function: f(s, a)), f"{module.__name__}.dashboard_figures"
    preferred = ["figures", "dashboard", "overview", "build", "page", "get"]
    for module in modules:
        for name, cls in vars(module).items():
            if not (inspect.isclass(cls) and name.endswith("Service") and cls.__module__ == module.__name__):
                continue
            methods = [m for m, v in vars(cls).items() if not m.startswith("_") and callable(v)]
            for method in sorted(methods, key=lambda m: preferred.index(m) if m in preferred else len(preferred)):
                if inspect.iscoroutinefunction(inspect.unwrap(getattr(cls, method))):
                    params = [
                        p for p in inspect.signature(getattr(cls, method)).parameters.values() if p.name != "self"
                    ]
                    if all(p.default is not inspect.Parameter.empty for p in params):
                        return (
                            lambda s, a, c=cls, m=method: getattr(c(s, a), m)()
                        ), f"{module.__name__}.{name}.{method}"
    return None, "no dashboard_figures() nor a service method without arguments in logistics.dashboard"


class Statements:
    """Each SQL statement's time (cursor events), while `recording`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.recording = False
        self.seen: list[tuple[float, str, Any]] = []
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _before(
            connection: Any, _cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool
        ) -> None:
            connection.info.setdefault("bench_started", []).append(time.perf_counter())

        @event.listens_for(sync, "after_cursor_execute")
        def _after(connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            began = connection.info["bench_started"].pop()
            if self.recording:
                self.seen.append(((time.perf_counter() - began) * 1000, statement, parameters))


async def _explain(engine: AsyncEngine, statement: str, parameters: Any) -> list[str]:
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    try:
        async with engine.connect() as connection:
            rows = (await connection.exec_driver_sql(prefix + statement, parameters)).all()
    except Exception as error:
        return [f"(could not explain: {error!r})"[:300]]
    return [" | ".join(str(cell) for cell in row) for row in rows][:40]


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": round(ordered[len(ordered) // 2], 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max": round(ordered[-1], 1),
    }


async def measure(url: str, repeats: int = 5, repeats_dashboard: int = 20, verify: bool = True) -> dict[str, Any]:
    import logistics.app  # registers every model; its start-up step is repeated below
    from logistics.core.actor import Actor
    from logistics.reports.core import REPORTS, Period

    import_errors = _import_reports()
    logistics.app._freeze_startup_objects()  # as `logistics serve` does once at start
    period = Period.named(str(date.today().year - 1))
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":  # as the application runs it: its pragmas, a GET's deferred read transaction
        from logistics.db import _tune_sqlite, write_intent

        _tune_sqlite(engine)
        write_intent.set(False)
    statements = Statements(engine)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    actor = Actor(user_id=None, username="bench", role="coordinator", sees_all_sites=True)

    async def timed(call: Callable[[Any], Any], times: int, target: float) -> dict[str, Any]:
        started = time.perf_counter()
        async with maker() as session:  # untimed: opens the connection, fills the statement cache
            result = await call(session)
        if (time.perf_counter() - started) * 1000 > 5 * target:  # far over its target: once is enough to see it
            times = 1
        samples, sql = [], []
        for _ in range(times):
            statements.seen.clear()
            statements.recording = True
            async with maker() as session:
                started = time.perf_counter()
                result = await call(session)
                samples.append((time.perf_counter() - started) * 1000)
            statements.recording = False
            sql.append(sum(ms for ms, _s, _p in statements.seen))
        figures: dict[str, Any] = {
            **_figures(samples),
            "sql_ms_p50": round(sorted(sql)[len(sql) // 2], 1),
            "statements": len(statements.seen),
        }
        if isinstance(result, list):
            figures["tables"] = len(result)
            figures["rows"] = sum(len(getattr(table, "rows", ())) for table in result)
        figures["under_target"] = figures["p95"] < target
        if not figures["under_target"]:
            slowest = sorted(statements.seen, key=lambda seen: -seen[0])[:6]
            figures["slowest_statements"] = [
                {"ms": round(ms, 1), "sql": " ".join(statement.split())[:600]} for ms, statement, _p in slowest
            ]
            if slowest:
                figures["plan_of_slowest"] = await _explain(engine, slowest[0][1], slowest[0][2])
            if figures["sql_ms_p50"] < figures["p50"] / 2:  # mostly Python: where its time goes
                figures["profile"] = await _profile(call)
        return figures

    async def _profile(call: Callable[[Any], Any]) -> list[str]:
        profiler = cProfile.Profile()
        async with maker() as session:
            profiler.enable()
            await call(session)
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        return [line.strip() for line in out.getvalue().splitlines() if line.strip()][:40]

    reports: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, definition in sorted(REPORTS.items()):
        try:
            reports[name] = await timed(lambda s, d=definition: d.build(s, period), repeats, REPORT_TARGET_MS)
        except Exception as error:  # a report being written: the others are still measured
            errors[name] = repr(error)[:500]
        _progress(f"report {name}: {reports.get(name, errors.get(name))}")
    dashboard: dict[str, Any] = {}
    call, found = _dashboard()
    dashboard["what"] = found
    if call is not None:
        try:
            dashboard.update(await timed(lambda s: call(s, actor), repeats_dashboard, DASHBOARD_TARGET_MS))
        except Exception as error:
            errors["dashboard"] = repr(error)[:500]
    _progress(f"dashboard: {dashboard}")
    checked: dict[str, Any] = {}
    try:
        module = importlib.import_module("logistics.reports.verify")
    except ImportError as error:
        checked["what"] = f"no logistics.reports.verify: {error!r}"[:200]
    else:
        for name, function in sorted(vars(module).items()) if verify else ():
            if name.startswith("verify") and inspect.iscoroutinefunction(function):
                try:
                    async with maker() as session:
                        started = time.perf_counter()
                        found_differences = await function(session)
                        checked[name] = {
                            "seconds": round(time.perf_counter() - started, 2),
                            "differences": found_differences
                            if isinstance(found_differences, int)
                            else sum(found_differences.values())
                            if isinstance(found_differences, dict)
                            else len(found_differences),
                        }
                except Exception as error:
                    errors[f"verify.{name}"] = repr(error)[:500]
    await engine.dispose()
    return {
        "period": f"{period.first} – {period.last}",
        "reports_ms": reports,
        "dashboard_ms": dashboard,
        "verify": checked,
        "report_import_errors": import_errors,
        "errors": errors,
        "every_report_under_2_s": bool(reports) and all(figures["under_target"] for figures in reports.values()),
        "dashboard_under_300_ms": dashboard.get("under_target"),
    }


async def _analyze(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()


def run(database_url: str | None = None, load: bool = True, repeats: int = 5, verify: bool = True) -> dict[str, object]:
    """Load a fresh database (SQLite in a temporary directory unless `database_url`, an empty database, is given)
    and measure; `load=False` measures an already loaded `database_url`."""
    import logistics.app  # noqa: F401 — registers every model

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as var_dir:
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/reports.db"
        result: dict[str, Any] = {"database": "PostgreSQL" if url.startswith("postgresql") else "SQLite"}
        env = {**os.environ, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_DATABASE_URL": url}
        subprocess.run(  # a loaded database too: the indexes of a newer revision
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        if load:
            started = time.perf_counter()
            result["loaded"] = asyncio.run(populate(url))
            result["load_seconds"] = round(time.perf_counter() - started, 1)
            gc.collect()
        else:  # statistics for the indexes a newer revision may have added
            asyncio.run(_analyze(url))
        figures = asyncio.run(measure(url, repeats, verify=verify))
    result["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    result.update(figures)
    result["all_checks_pass"] = not figures["errors"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_reports", description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an empty database to load (kept afterwards), or a loaded one")
    parser.add_argument("--measure-only", action="store_true", help="measure the loaded --database, do not load")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions of each report (default 5)")
    parser.add_argument("--no-verify", action="store_true", help="do not time `logistics reports verify`'s checks")
    arguments = parser.parse_args()
    if arguments.measure_only and not arguments.database:
        parser.error("--measure-only needs --database")
    print(
        json.dumps(
            run(arguments.database, not arguments.measure_only, arguments.repeats, not arguments.no_verify),
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
