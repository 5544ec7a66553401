"""Vouchers: redemptions through the scanning API (POST /api/v1/redemptions with a device token), driven by aiohttp
clients, next to a bare Litestar endpoint measured in the same run with the same requests and the same clients.

Targets (issue 19): the throughput and the server's CPU per request next to the bare endpoint's; zero double
redemptions and a ledger that agrees; fair latency when 50 devices of one point scan flat out (p99 ≤ 2 × mean);
and the open-loop rate a region (100 points, 200 devices, PostgreSQL, two processes) keeps with p99 < 100 ms, and
the demo-sized SQLite installation with p99 < 50 ms.

Workloads (the data is loaded before any server starts; random.Random(6)):
  * `synthetic` — the benchmark's own programme: N points, three items and a kit (2 pasta + 1 fish + 1 oil), the
    FEPŻ-style programme "1 kit + 1 oil per person", households of 1–5 people (bulk inserts).
  * `demo` — what users run: `logistics seed demo` (the demo's sites, catalogue, kits, thresholds, programmes
    and its own vouchers, redemptions and stock), then more households (bulk inserts) and vouchers of the demo's
    programmes as shipped — FEPZ (the "Paczka żywnościowa A" kit of ten items, at every point) and HIG (the
    "Zestaw higieniczny" kit of six items, at its two points only) — issued by `VoucherService.issue_batch`, so
    they have the programmes' real lines. With more points than the demo's three (the region), the extra points
    are created with `SiteService` (FEPZ is valid at every point; HIG stays at its two).
In both, vouchers are shared out over the points that have devices in proportion to their devices (a voucher only
where its programme is valid), each point receives its vouchers' goods (kits expanded to their items, ×1.05 + 10;
perishable goods in two lots so FEFO crosses lots) through `LedgerService.receive`, and each client is a device
(`DeviceService.create`) of one point, the devices spread evenly over the points.

The requests: per voucher one first scan; with duplicates (the default) also, in these shares of the vouchers,
20 % retries (the winning request again after its answer: 200 with the same redemption id), 15 % second scans
with a new request id at any point (409 already_redeemed), 7.5 % concurrent doubles with the same request id (one
201, one 200 with the same id) and 7.5 % with different ones (one 201, one 409) — the two requests of a double
meet at an asyncio.Barrier before sending. A third of the requests are duplicates. Each client takes requests
from its point's queue. Before each measured phase every client sends a few untimed requests (the app: a look-up
of an unknown code, 404) so that connections and worker processes are up.

The client: aiohttp, one ClientSession per device (one keep-alive connection each), all in this one process;
its CPU time (time.process_time) is reported next to the phase's wall time — when it nears the wall time, the
client is the limit, not the server.

Figures per phase: requests/s; latency p50/p95/p99/mean (client-observed; the p99/mean ratio); the server's CPU
per request read from the OS (utime + stime in /proc/<pid>/stat of the uvicorn process and its children, and on
PostgreSQL of the backends of the benchmark's database, told by their command line), before and after the
measured requests only (the backends are sampled every 0.2 s, as the pool opens and closes connections under
load). `server_latency_ms`: the application's own figure (its request log line).

  * Flat out (`run`): each client sends its next request as soon as it has the answer — the throughput, its ratio
    to the bare endpoint, and the CPU ratio app/bare. A closed loop: the mean latency is about clients ÷
    throughput (Little's law), queueing rather than the cost of one redemption; the p99/mean ratio says whether
    the queue is fair. `fairness` is this with all 50 devices at ONE point and distinct vouchers only (no
    duplicates): every redemption needs the same balance rows.
  * Open loop (`sweep`): at each rate the requests go out on a fixed schedule of `rate` a second (a request goes
    to a free client of its point; the latency counts from its scheduled moment, so a request that found no
    free client counts the wait — no coordinated omission; "late" counts them). Each rate takes a fresh slice of
    the loaded vouchers sized for `seconds` of requests (one database, one server for the whole sweep); the sweep
    stops after the first rate that saturates (a tenth of the requests late, the rate not reached, or the median
    latency over the target).

SQL statements per redemption: counted in-process by benchmarks/count_statements.py (`before_cursor_execute`,
Litestar's AsyncTestClient against `create_app()` on the same database once the server has stopped) over a few
dozen vouchers kept aside: first scans, retries and second scans.

Afterwards the database is checked against a snapshot taken after loading (the demo has redemptions of its own):
exactly one new redemption per voucher used, every one of them redeemed, redeemed = entitled = handed out,
`ledger.verify()` empty, one issue movement and one audit entry per redemption, the stock issued at each point and
item (kits expanded) equal to what the new redemptions handed out there, and the balances equal to those after
loading minus what was issued; and every duplicate answered as it must be.

Run one scenario: `python -m benchmarks.bench_vouchers SCENARIO [--db sqlite|postgres] ...` (see `--help`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from benchmarks.bench_registry import FAMILY, GIVEN
from benchmarks.bench_shelter import Ids, _tune_loading
from benchmarks.common import BIN, ROOT, free_port, fresh_postgres_database, summary, wait_for_port

SEED = 6
VOUCHERS = 5_000
CLIENTS = 50
POINTS = 3
SPARE = 41  # vouchers kept aside for the statement count (one warm-up and 40 counted)
# Shares of the vouchers that get a duplicate request of each kind (with duplicates: a third of the requests).
RETRY_SHARE = 0.20
SECOND_SCAN_SHARE = 0.15
PAIR_SAME_SHARE = 0.075
PAIR_OTHER_SHARE = 0.075
REQUESTS_PER_VOUCHER = 1 + RETRY_SHARE + SECOND_SCAN_SHARE + PAIR_SAME_SHARE + PAIR_OTHER_SHARE
WARM_UP_PER_CLIENT = 4
HOUSEHOLD_SIZES = {1: 30, 2: 25, 3: 20, 4: 15, 5: 10}  # weights
STOCK_MARGIN = Decimal("1.05")
HYGIENE_SHARE = 0.3  # demo workload: the share of its vouchers that are of the hygiene programme
REGION_HYGIENE_SHARE = 0.02  # the region: the hygiene programme is valid at 2 of the 100 points
DEMO_PROGRAMMES = ("FEPZ", "HIG")


def _progress(message: str) -> None:
    print(f"[bench_vouchers] {message}", file=sys.stderr, flush=True)


def _admin() -> Any:
    from logistics.core.actor import Actor

    return Actor(user_id=None, username="bench", role="admin", sees_all_sites=True)


# --- the data ----------------------------------------------------------------------------------------------


@dataclass
class Loaded:
    points: list[str]  # ids of the distribution points that have devices (the points' indexes below)
    tokens: list[tuple[int, str]]  # per client: its point (index) and device token
    vouchers: list[tuple[str, int]]  # per voucher, in random order: code and point (index) where it is redeemed
    spare: list[tuple[str, int]]  # kept aside for the statement count
    entitled: dict[str, Decimal]  # code -> the sum of its lines' entitlements
    valid: dict[str, list[int]]  # code -> the points (indexes) where it may be redeemed
    programmes: dict[str, int]  # vouchers by programme code
    seconds: dict[str, float] = field(default_factory=dict)


async def _households(engine: AsyncEngine, rng: random.Random, count: int, poor: int) -> list[UUID]:
    """`count` households of 1–5 people (bulk inserts); the first `poor` within 100 % of the income criterion,
    the others within 265 %."""
    from logistics.people.models import Household, HouseholdMember, Person

    now = datetime.now(UTC)
    new_id = Ids(now - timedelta(days=400))
    households, people, members = [], [], []
    for n in range(count):
        household_id = new_id()
        at = now - timedelta(days=rng.randrange(30, 365))
        income = rng.randrange(400, 800) if n < poor else rng.randrange(900, 2000)
        households.append(
            {
                "id": household_id,
                "income_per_person": Decimal(income),
                "income_verified_on": None,
                "case_worker_id": None,
                "created_at": at,
                "updated_at": at,
            }
        )
        size = rng.choices(list(HOUSEHOLD_SIZES), weights=list(HOUSEHOLD_SIZES.values()))[0]
        family = rng.choice(FAMILY)
        for position in range(size):
            person_id = new_id()
            people.append(
                {
                    "id": person_id,
                    "given_name": rng.choice(GIVEN),
                    "family_name": family,
                    "sex": rng.choice(["female", "male"]),
                    "last_activity_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            members.append(
                {
                    "id": new_id(),
                    "household_id": household_id,
                    "person_id": person_id,
                    "relationship": "head" if position == 0 else "child",
                    "position": position,
                }
            )
    async with engine.begin() as connection:
        for table, rows in ((Household, households), (Person, people), (HouseholdMember, members)):
            for start in range(0, len(rows), 5_000):
                await connection.execute(insert(table), rows[start : start + 5_000])
    return [row["id"] for row in households]


async def _synthetic_catalogue(sessions: async_sessionmaker[Any], points: int) -> tuple[list[UUID], UUID]:
    """Points, three items and a kit, the income criterion, the FEPŻ-style programme; returns the point ids and
    the programme's id."""
    from logistics.inventory.models import Item, Kit, KitLine
    from logistics.people.models import EligibilityThreshold
    from logistics.sites.services import SiteInput, SiteService
    from logistics.vouchers.models import Programme, ProgrammeLine

    async with sessions() as session:
        sites = SiteService(session, _admin())
        created = [
            await sites.create_site(
                SiteInput(
                    f"Punkt wydawania {n + 1}", f"ul. Parafialna {n + 1}", "", "pn–pt 10–14", ["distribution_point"]
                )
            )
            for n in range(points)
        ]
        pasta = Item(name="Makaron 500 g", category="food", unit="szt", perishable=True)
        fish = Item(name="Konserwa rybna 170 g", category="food", unit="szt", perishable=True)
        oil = Item(name="Olej rzepakowy 1 l", category="food", unit="l", perishable=False)
        session.add_all([pasta, fish, oil])
        await session.flush()
        kit = Kit(
            name="Paczka żywnościowa A",
            lines=[
                KitLine(item_id=pasta.id, quantity=Decimal(2)),
                KitLine(item_id=fish.id, quantity=Decimal(1)),
                KitLine(item_id=oil.id, quantity=Decimal(1)),
            ],
        )
        session.add(kit)
        session.add(
            EligibilityThreshold(
                valid_from=date(2025, 1, 1),
                single_person=Decimal(1010),
                per_person_in_family=Decimal(823),
                food_aid_percent=Decimal(265),
            )
        )
        await session.flush()
        programme = Programme(
            code="FEPZ",
            name="FEPŻ — paczka żywnościowa",
            cycle="monthly",
            rule="income",
            income_percent=Decimal(265),
            lines=[
                ProgrammeLine(position=0, kit_id=kit.id, quantity=Decimal(1)),
                ProgrammeLine(position=1, item_id=oil.id, quantity=Decimal(1), per_person=True),
            ],
        )
        session.add(programme)
        await session.commit()
        return [site.id for site in created], programme.id


def _seed_demo(env: dict[str, str]) -> None:
    subprocess.run([BIN / "logistics", "seed", "demo"], env=env, check=True, capture_output=True)


async def _demo_points(sessions: async_sessionmaker[Any], points: int) -> tuple[list[UUID], dict[str, UUID]]:
    """The demo's distribution points — those of the restricted programmes first — and more up to `points`;
    returns the point ids in that order and the demo programmes' ids by code."""
    from logistics.sites.models import Site, SiteKind, SiteKindRow
    from logistics.sites.services import SiteInput, SiteService
    from logistics.vouchers.models import Programme

    async with sessions() as session:
        programmes = {
            p.code: p for p in await session.scalars(select(Programme).where(Programme.code.in_(DEMO_PROGRAMMES)))
        }
        restricted = set().union(*(p.point_ids for p in programmes.values()))
        demo = list(
            await session.scalars(
                select(Site.id)
                .join(SiteKindRow, SiteKindRow.site_id == Site.id)
                .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
                .order_by(Site.name)
            )
        )
        ordered = [p for p in demo if p in restricted] + [p for p in demo if p not in restricted]
        sites = SiteService(session, _admin())
        for n in range(len(ordered), points):
            site = await sites.create_site(
                SiteInput(
                    f"Punkt wydawania nr {n + 1}", f"ul. Rejonowa {n + 1}", "", "pn–pt 9–15", ["distribution_point"]
                )
            )
            ordered.append(site.id)
        await session.commit()
    return ordered, {code: programme.id for code, programme in programmes.items()}


def _share_out(
    vouchers: list[Any], allowed: dict[UUID, set[UUID]], points: list[UUID], weights: Counter[int]
) -> list[int]:
    """A point (index into `points`) for each voucher: where its programme is valid, each point's share in
    proportion to `weights` (its devices); the vouchers of restricted programmes placed first."""
    total = sum(weights.values())
    target = {p: len(vouchers) * weights[p] / total for p in weights}
    placed: Counter[int] = Counter()
    chosen = [0] * len(vouchers)
    order = sorted(range(len(vouchers)), key=lambda n: -len(allowed[vouchers[n].programme_id]))
    for n in order:
        valid = allowed[vouchers[n].programme_id]
        candidates = [p for p in weights if not valid or points[p] in valid]
        if not candidates:
            raise RuntimeError("a voucher's programme is valid at no point that has a device")
        point = max(candidates, key=lambda p: (target[p] - placed[p], -p))
        placed[point] += 1
        chosen[n] = point
    return chosen


async def _issue_and_stock(
    sessions: async_sessionmaker[Any],
    rng: random.Random,
    points: list[UUID],
    issue: list[tuple[UUID, list[UUID]]],
    clients: int,
    device_points: int,
    spare: int,
) -> Loaded:
    """Vouchers (issue_batch per programme for its households), shared out over the first `device_points` points,
    each point's stock for them, and the devices."""
    from logistics.inventory.ledger import LedgerService, ReceiptLine
    from logistics.inventory.models import Item, KitLine
    from logistics.vouchers.devices import DeviceService
    from logistics.vouchers.issuing import VoucherService
    from logistics.vouchers.models import Programme

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    issued = []
    async with sessions() as session:
        for programme_id, households in issue:
            issued += await VoucherService(session, _admin()).issue_batch(programme_id, households=households)
        await session.commit()
        programmes = {p.id: p for p in await session.scalars(select(Programme))}
        allowed = {p.id: p.point_ids for p in programmes.values()}
        codes = Counter(programmes[v.programme_id].code for v in issued)
    expected = sum(len(households) for _programme, households in issue)
    assert len(issued) == expected, (len(issued), expected)
    seconds["issue_batch"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    client_points = [n % device_points for n in range(clients)]
    chosen = _share_out(issued, allowed, points, Counter(client_points))
    async with sessions() as session:
        kits: dict[UUID, list[tuple[UUID, Decimal]]] = defaultdict(list)
        for kit_id, item_id, quantity in (
            await session.execute(select(KitLine.kit_id, KitLine.item_id, KitLine.quantity))
        ).all():
            kits[kit_id].append((item_id, quantity))
        perishable = dict((await session.execute(select(Item.id, Item.perishable))).all())
        needs: dict[int, dict[UUID, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for voucher, point in zip(issued, chosen, strict=True):
            for line in voucher.lines:
                if line.kit_id is not None:
                    for item_id, per_kit in kits[line.kit_id]:
                        needs[point][item_id] += per_kit * line.entitled
                else:
                    needs[point][line.item_id] += line.entitled
        ledger = LedgerService(session, _admin())
        today = date.today()
        for point, wanted in sorted(needs.items()):
            lines = []
            for item_id, need in sorted(wanted.items(), key=str):
                quantity = (need * STOCK_MARGIN).to_integral_value(ROUND_CEILING) + 10
                if perishable[item_id]:  # a quarter expiring sooner: FEFO takes it first, then crosses lots
                    early = (quantity / 4).to_integral_value(ROUND_CEILING)
                    lines.append(ReceiptLine(item_id, early, today + timedelta(days=20)))
                    lines.append(ReceiptLine(item_id, quantity - early, today + timedelta(days=120)))
                else:
                    lines.append(ReceiptLine(item_id, quantity, None))
            await ledger.receive(points[point], "Bank Żywności", lines, f"WZ/bench/{point + 1}")
        devices = DeviceService(session, _admin())
        tokens = []
        for n, point in enumerate(client_points):
            _device, token = await devices.create(points[point], f"Tablet {n + 1:03d}")
            tokens.append((point, token))
        await session.commit()
    seconds["stock_and_devices"] = round(time.perf_counter() - started, 1)
    placed = [(voucher.code, point) for voucher, point in zip(issued, chosen, strict=True)]
    rng.shuffle(placed)
    entitled = {voucher.code: sum((line.entitled for line in voucher.lines), Decimal(0)) for voucher in issued}
    valid_at = {
        programme_id: [p for p in range(device_points) if not where or points[p] in where]
        for programme_id, where in allowed.items()
    }
    valid = {voucher.code: valid_at[voucher.programme_id] for voucher in issued}
    return Loaded(
        [str(point) for point in points[:device_points]],
        tokens,
        placed[spare:],
        placed[:spare],
        entitled,
        valid,
        dict(codes),
        seconds,
    )


async def populate(
    url: str,
    env: dict[str, str] | None = None,
    workload: str = "synthetic",
    vouchers: int = VOUCHERS,
    clients: int = CLIENTS,
    points: int = POINTS,
    hygiene_share: float = HYGIENE_SHARE,
    spare: int = 0,
) -> Loaded:
    """The workload's data (see the module's docstring); `vouchers` includes the `spare` ones kept aside (for the
    statement count). `env`: the server's environment, for `logistics seed demo`. bench_offline_sync loads the
    synthetic workload with the defaults."""
    import logistics.app  # noqa: F401 — registers every model

    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if workload == "demo":
        _seed_demo(env or dict(os.environ, LOGISTICS_DATABASE_URL=url))
        seconds["seed_demo"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
    engine = create_async_engine(url)
    _tune_loading(engine, url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        if workload == "demo":
            all_points, programmes = await _demo_points(sessions, max(points, 3))
            hygiene = round(vouchers * hygiene_share)
            households = await _households(engine, rng, vouchers - hygiene, poor=hygiene)
            issue = [(programmes["FEPZ"], households), (programmes["HIG"], households[:hygiene])]
        else:
            all_points, programme = await _synthetic_catalogue(sessions, points)
            households = await _households(engine, rng, vouchers, poor=0)
            issue = [(programme, households)]
        seconds["catalogue_and_households"] = round(time.perf_counter() - started, 1)
        loaded = await _issue_and_stock(sessions, rng, all_points, issue, clients, points, spare)
    finally:
        await engine.dispose()
    loaded.seconds = seconds | loaded.seconds
    return loaded


# --- the requests ------------------------------------------------------------------------------------------


@dataclass
class VoucherState:
    code: str
    point: int
    request_id: str  # of the first scan
    originals: int  # first-scan requests (1, or 2 for a concurrent double)
    answered: int = 0
    winner: str | None = None  # the request id that got 201
    redemption: str | None = None  # its redemption id
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Job:
    kind: str  # first | double_same | double_other | retry | second_scan
    voucher: VoucherState
    point: int
    request_id: str | None  # None: the winning request id, known once the first scan is answered
    barrier: asyncio.Barrier | None = None
    after_first: bool = False


@dataclass
class Answer:
    kind: str
    voucher: VoucherState
    request_id: str
    status: int
    ms: float
    body: dict[str, Any]


@dataclass
class Plan:
    queues: list[deque[Job]]  # per point
    vouchers: int
    requests: int
    expected: dict[str, dict[int, int]]  # kind -> status -> how many


def plan(
    loaded: Loaded, vouchers: list[tuple[str, int]], points: int, duplicates: bool = True, seed: int = SEED + 1
) -> Plan:
    """Each point's queue of requests for `vouchers`, the same for every call. Build a new plan for every phase:
    the states it holds record the answers. A second scan goes to any point where the voucher is valid."""
    rng = random.Random(seed)
    count = len(vouchers)
    pairs_same = round(count * PAIR_SAME_SHARE) if duplicates else 0
    pairs_other = round(count * PAIR_OTHER_SHARE) if duplicates else 0
    retries = round(count * RETRY_SHARE) if duplicates else 0
    second_scans = round(count * SECOND_SCAN_SHARE) if duplicates else 0
    order = list(range(count))
    rng.shuffle(order)
    same = set(order[:pairs_same])
    other = set(order[pairs_same : pairs_same + pairs_other])
    states = [
        VoucherState(code, point, str(uuid.UUID(int=rng.getrandbits(128))), 2 if n in same or n in other else 1)
        for n, (code, point) in enumerate(vouchers)
    ]
    # Units in each point's order of first scans; a concurrent double is one unit of two adjacent requests.
    units: list[list[tuple[float, int, list[Job]]]] = [[] for _ in range(points)]
    for n, state in enumerate(states):
        if n in same or n in other:
            barrier = asyncio.Barrier(2)
            twin = state.request_id if n in same else str(uuid.UUID(int=rng.getrandbits(128)))
            kind = "double_same" if n in same else "double_other"
            jobs = [
                Job(kind, state, state.point, state.request_id, barrier),
                Job(kind, state, state.point, twin, barrier),
            ]
        else:
            jobs = [Job("first", state, state.point, state.request_id)]
        units[state.point].append((0.0, n, jobs))
    position: dict[int, float] = {}
    for point in range(points):
        for rank, (_at, n, _jobs) in enumerate(units[point]):
            position[n] = rank / len(units[point])
        units[point] = [(position[n], n, jobs) for _at, n, jobs in units[point]]
    # Retries and second scans come a little later than the first scan (and wait for its answer if not).
    followers = [(n, "retry") for n in rng.sample(range(count), retries)]
    followers += [(n, "second_scan") for n in rng.sample(range(count), second_scans)]
    for number, (n, kind) in enumerate(followers):
        state = states[n]
        at = min(position[n] + 0.02 + rng.random() * 0.1, 1.0)
        if kind == "retry":
            job = Job("retry", state, state.point, None, after_first=True)
        else:
            job = Job(
                "second_scan",
                state,
                rng.choice(loaded.valid[state.code]),
                str(uuid.UUID(int=rng.getrandbits(128))),
                None,
                True,
            )
        units[job.point].append((at, count + number, [job]))
    queues = []
    for point in range(points):
        units[point].sort(key=lambda unit: (unit[0], unit[1]))
        queues.append(deque(job for _at, _n, jobs in units[point] for job in jobs))
    expected = {
        "first": {201: count - pairs_same - pairs_other},
        "double_same": {201: pairs_same, 200: pairs_same},
        "double_other": {201: pairs_other, 409: pairs_other},
        "retry": {200: retries},
        "second_scan": {409: second_scans},
    }
    expected = {kind: {s: n for s, n in want.items() if n} for kind, want in expected.items()}
    requests = sum(len(queue) for queue in queues)
    return Plan(queues, count, requests, {kind: want for kind, want in expected.items() if want})


def _session(url: str, token: str) -> aiohttp.ClientSession:
    """One device: one keep-alive connection, which the client closes after 3 s idle — before uvicorn closes it
    (5 s), so that a device scanning seldom never sends on a connection the server is closing."""
    return aiohttp.ClientSession(
        base_url=url,
        headers={"authorization": f"Bearer {token}", "accept-language": "pl"},
        connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=3),
        timeout=aiohttp.ClientTimeout(total=120),
    )


async def warm_up(clients: list[aiohttp.ClientSession], loaded: Loaded, bare: bool) -> None:
    """Untimed: open the connections, start every worker process (waiting for the server to accept)."""
    from logistics import codes
    from logistics.vouchers.issuing import CODE_BITS

    async def one(n: int, client: aiohttp.ClientSession) -> None:
        point = loaded.points[loaded.tokens[n][0]]
        for attempt in range(WARM_UP_PER_CLIENT):
            for _ in range(300):
                try:
                    if bare:
                        body = {"code": "X", "point": point, "request_id": f"warm-up-{n}-{attempt}"}
                        async with client.post("/api/v1/redemptions", json=body) as response:
                            status, text = response.status, await response.text()
                    else:  # a well-formed code that does not exist: 404, nothing written
                        path = f"/api/v1/vouchers/{codes.generate(CODE_BITS)}?point={point}"
                        async with client.get(path) as response:
                            status, text = response.status, await response.text()
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the server did not answer")
            assert status == (201 if bare else 404), (status, text[:300])

    await asyncio.gather(*(one(n, client) for n, client in enumerate(clients)))


class Pacer:
    """Requests on a fixed schedule, `rate` a second over all clients; None: every client sends its next request
    as soon as it has the answer to the last one."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.next: float | None = None
        self.late = 0  # requests sent more than 10 ms after their slot: no client was free

    async def wait(self) -> float:
        """Until this request's slot; returns how late it is (seconds), counted in its latency."""
        if not self.interval:
            return 0.0
        now = time.perf_counter()
        if self.next is None:
            self.next = now
        slot, self.next = self.next, self.next + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
            return 0.0
        if now - slot > 0.010:
            self.late += 1
        return now - slot


@dataclass
class Driven:
    answers: list[Answer]
    wall: float
    client_cpu: float
    late: int
    ticks: tuple[dict[str, int], dict[str, int]]  # the server's CPU ticks before and after the measured requests


async def drive(
    url: str,
    loaded: Loaded,
    planned: Plan,
    bare: bool,
    rate: float | None,
    ticks: Callable[[], dict[str, int]],
) -> Driven:
    """Send every planned request through the clients (one per device)."""
    clients = [_session(url, token) for _point, token in loaded.tokens]
    answers: list[Answer] = []
    pacer = Pacer(rate)

    async def worker(n: int) -> None:
        client, queue = clients[n], planned.queues[loaded.tokens[n][0]]
        while queue:
            job = queue.popleft()
            state = job.voucher
            if job.after_first:
                await state.done.wait()
            request_id = job.request_id or state.winner or state.request_id
            body = {"code": state.code, "point": loaded.points[job.point], "request_id": request_id}
            late = await pacer.wait()
            if job.barrier is not None:
                await job.barrier.wait()
            started = time.perf_counter() - late
            async with client.post("/api/v1/redemptions", json=body) as response:
                status, raw = response.status, await response.read()
            ms = (time.perf_counter() - started) * 1000
            try:
                answer_body = json.loads(raw)
            except ValueError:
                answer_body = {"text": raw[:300].decode(errors="replace")}
            answers.append(Answer(job.kind, state, request_id, status, ms, answer_body))
            if job.kind != "retry" and job.kind != "second_scan":
                if status == 201:
                    state.winner, state.redemption = request_id, answer_body.get("id")
                state.answered += 1
                if state.answered == state.originals:
                    state.done.set()

    try:
        await warm_up(clients, loaded, bare)
        before = ticks()
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(len(clients))))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = ticks()
    finally:
        for client in clients:
            await client.close()
    return Driven(answers, wall, cpu, pacer.late, (before, after))


def outcomes(answers: list[Answer], planned: Plan) -> dict[str, Any]:
    """Status codes by kind of request, and whether each kind got what it must."""
    by_kind: dict[str, Counter[int]] = defaultdict(Counter)
    for answer in answers:
        by_kind[answer.kind][answer.status] += 1
    per_voucher: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        per_voucher[id(answer.voucher)].append(answer)
    created_per_voucher = Counter(sum(a.status == 201 for a in group) for group in per_voucher.values())
    same_id = all(
        a.body.get("id") == a.voucher.redemption and a.body.get("request_id") == a.request_id
        for a in answers
        if a.status == 200
    )
    refused_as_redeemed = all(a.body.get("error") == "already_redeemed" for a in answers if a.status == 409)
    statuses = Counter(answer.status for answer in answers)
    refusals = Counter(f"{a.kind} {a.status} {a.body.get('error', '?')}" for a in answers if a.status >= 400)
    return {
        "requests": len(answers),
        "duplicates_share": round(1 - planned.vouchers / len(answers), 3),
        "by_status": {str(status): n for status, n in sorted(statuses.items())},
        "by_kind": {kind: {str(s): n for s, n in sorted(c.items())} for kind, c in sorted(by_kind.items())},
        "refusals": dict(sorted(refusals.items())),
        "vouchers_with_more_than_one_201": sum(n for created, n in created_per_voucher.items() if created > 1),
        "vouchers_without_201": created_per_voucher.get(0, 0),
        "checks": {
            "each_kind_as_expected": {kind: dict(by_kind[kind]) == want for kind, want in planned.expected.items()},
            "one_201_per_voucher": created_per_voucher == Counter({1: planned.vouchers}),
            "every_200_same_redemption_id": same_id,
            "every_409_already_redeemed": refused_as_redeemed,
            "no_5xx": not any(status >= 500 for status in statuses),
        },
    }


# --- the database before and afterwards --------------------------------------------------------------------


def _dec(value: Any) -> Decimal:
    return Decimal(value or 0)


async def figures(url: str) -> dict[str, Any]:
    """What the checks compare, as totals over the whole database: taken after loading and again afterwards."""
    import logistics.app  # noqa: F401 — registers every model
    from logistics.audit.models import AuditEntry
    from logistics.inventory.models import Balance, KitLine, Movement, MovementLine
    from logistics.vouchers.models import Redemption, RedemptionLine, Voucher, VoucherLine

    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            found: dict[str, Any] = {
                "redemptions": await session.scalar(select(func.count()).select_from(Redemption)),
                "vouchers_with_redemption": await session.scalar(
                    select(func.count(func.distinct(Redemption.voucher_id)))
                ),
                "redemption_movements": await session.scalar(
                    select(func.count(func.distinct(Redemption.movement_id))).where(Redemption.movement_id.is_not(None))
                ),
                "statuses": dict(
                    (await session.execute(select(Voucher.status, func.count()).group_by(Voucher.status))).all()
                ),
                "redeemed": _dec(await session.scalar(select(func.sum(VoucherLine.redeemed)))),
                "handed_out": _dec(await session.scalar(select(func.sum(RedemptionLine.quantity)))),
                "issue_movements": await session.scalar(
                    select(func.count()).select_from(Movement).where(Movement.kind == "issue")
                ),
                "redeem_audits": await session.scalar(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "voucher.redeem")
                ),
            }
            # What the redemptions handed out at each point, kits expanded to their items ...
            kit_lines = defaultdict(list)
            for kit_id, item_id, quantity in (
                await session.execute(select(KitLine.kit_id, KitLine.item_id, KitLine.quantity))
            ).all():
                kit_lines[kit_id].append((item_id, quantity))
            handed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            rows = await session.execute(
                select(Redemption.point_id, VoucherLine.item_id, VoucherLine.kit_id, func.sum(RedemptionLine.quantity))
                .join(RedemptionLine, RedemptionLine.redemption_id == Redemption.id)
                .join(VoucherLine, VoucherLine.id == RedemptionLine.voucher_line_id)
                .group_by(Redemption.point_id, VoucherLine.item_id, VoucherLine.kit_id)
            )
            for point_id, item_id, kit_id, quantity in rows.all():
                if kit_id is not None:
                    for component, per_kit in kit_lines[kit_id]:
                        handed[(str(point_id), str(component))] += per_kit * _dec(quantity)
                else:
                    handed[(str(point_id), str(item_id))] += _dec(quantity)
            found["handed_by_point_and_item"] = dict(handed)
            # ... what the ledger issued there, and the balances.
            found["issued_by_point_and_item"] = {
                (str(location), str(item)): -_dec(total)
                for location, item, total in (
                    await session.execute(
                        select(MovementLine.location_id, MovementLine.item_id, func.sum(MovementLine.quantity))
                        .join(Movement, Movement.id == MovementLine.movement_id)
                        .where(Movement.kind == "issue")
                        .group_by(MovementLine.location_id, MovementLine.item_id)
                    )
                ).all()
            }
            found["balances"] = {
                (str(location), str(item)): _dec(total)
                for location, item, total in (
                    await session.execute(
                        select(Balance.location_id, Balance.item_id, func.sum(Balance.quantity)).group_by(
                            Balance.location_id, Balance.item_id
                        )
                    )
                ).all()
            }
    finally:
        await engine.dispose()
    return found


async def _verify(url: str) -> int:
    from logistics.inventory.ledger import verify

    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            return len(await verify(session))
    finally:
        await engine.dispose()


def _minus(after: dict[Any, Decimal], before: dict[Any, Decimal]) -> dict[Any, Decimal]:
    """after − before per key, without the keys where nothing changed."""
    keys = set(after) | set(before)
    changed = {key: after.get(key, Decimal(0)) - before.get(key, Decimal(0)) for key in keys}
    return {key: value for key, value in changed.items() if value}


def check(url: str, before: dict[str, Any], used: int, entitled: Decimal) -> dict[str, Any]:
    """The database now against `before`: `used` vouchers (entitled to `entitled` in all) redeemed once each."""
    after = asyncio.run(figures(url))
    differences = asyncio.run(_verify(url))
    new = {
        key: after[key] - before[key]
        for key in (
            "redemptions",
            "vouchers_with_redemption",
            "redemption_movements",
            "redeemed",
            "handed_out",
            "issue_movements",
            "redeem_audits",
        )
    }
    statuses = _minus(after["statuses"], before["statuses"])
    issued = _minus(after["issued_by_point_and_item"], before["issued_by_point_and_item"])
    handed = _minus(after["handed_by_point_and_item"], before["handed_by_point_and_item"])
    balances = after["balances"]
    left = {key: before["balances"].get(key, Decimal(0)) - issued.get(key, Decimal(0)) for key in balances}
    return {
        "new": {key: str(value) for key, value in new.items()},
        "voucher_status_changes": statuses,
        "ledger_differences": differences,
        "checks": {
            "one_redemption_per_voucher": new["redemptions"] == used,
            "no_double_redemption": new["vouchers_with_redemption"] == new["redemptions"],
            "every_voucher_redeemed": statuses.get("redeemed") == used and sum(statuses.values()) == 0,
            "redeemed_equals_entitled": new["redeemed"] == new["handed_out"] == entitled,
            "ledger_verify_empty": differences == 0,
            "one_issue_movement_per_redemption": new["issue_movements"] == new["redemption_movements"] == used,
            "issued_equals_redeemed_per_point_and_item": issued == handed,
            "balances_equal_received_minus_issued": balances == left and set(before["balances"]) <= set(balances),
            "one_audit_entry_per_redemption": new["redeem_audits"] == used,
        },
    }


# --- servers, CPU, statements ------------------------------------------------------------------------------


def _stats() -> dict[int, tuple[str, int, int]]:
    """pid -> (command line, parent pid, utime + stime) of every process."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            rest = text[text.rindex(")") + 2 :].split()
            stats[int(entry.name)] = (command, int(rest[1]), int(rest[11]) + int(rest[12]))
    return stats


def _cpu_ticks(pids: set[int]) -> int:
    """utime + stime of the processes in `pids` and their descendants."""
    stats = _stats()
    chosen = set(pids)
    while True:
        more = {pid for pid, (_command, ppid, _ticks) in stats.items() if ppid in chosen} - chosen
        if not more:
            break
        chosen |= more
    return sum(stats[pid][2] for pid in chosen if pid in stats)


class Backends:
    """The CPU ticks of the PostgreSQL backends whose command line shows `database`, sampled every 0.2 s while
    running: the pool opens and closes connections under load, and a backend's ticks leave /proc with it, so
    each backend counts from when it was first seen (0 if it started meanwhile) to when it was last seen."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} "
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, starting: bool = False) -> None:
        for pid, (command, _ppid, ticks) in _stats().items():
            if self.marker in command:
                self.first.setdefault(pid, ticks if starting else 0)
                self.last[pid] = ticks

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def start(self) -> None:
        self._sample(starting=True)
        self.thread.start()

    def ticks(self) -> int:
        """Since start(); stops the sampling."""
        self.stop.set()
        self.thread.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=ROOT, stdout=output, stderr=output)
    try:
        wait_for_port(port, 60)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _server_ms(log: Path, since: int) -> list[float]:
    """The application's own latency of each POST /api/v1/redemptions (its request log line), from byte `since`."""
    samples = []
    with log.open("rb") as lines:
        lines.seek(since)
        for line in lines:
            if b'"path": "/api/v1/redemptions"' in line and b'"method": "POST"' in line:
                samples.append(float(json.loads(line[line.index(b"{") :])["ms"]))
    return samples


def phase(
    server: tuple[str, int],
    env: dict[str, str],
    log: Path,
    loaded: Loaded,
    planned: Plan,
    bare: bool,
    rate: float | None = None,
) -> dict[str, Any]:
    """One measured phase against a running server: the figures of the module's docstring."""
    url, pid = server
    tick = os.sysconf("SC_CLK_TCK")
    database_url = env["LOGISTICS_DATABASE_URL"]
    database = database_url.rsplit("/", 1)[-1] if not bare and database_url.startswith("postgresql") else None

    backends = Backends(database) if database else None

    def ticks() -> dict[str, int]:
        found = {"server": _cpu_ticks({pid})}
        if backends is not None:
            if backends.thread.is_alive():
                found["postgres"] = backends.ticks()
            else:
                backends.start()
                found["postgres"] = 0
        return found

    log_start = log.stat().st_size
    driven = asyncio.run(drive(url, loaded, planned, bare, rate, ticks))
    requests = len(driven.answers)
    cpu = {key: (driven.ticks[1][key] - driven.ticks[0][key]) / tick for key in driven.ticks[0]}
    latency = summary([answer.ms for answer in driven.answers])
    found: dict[str, Any] = {
        "seconds": round(driven.wall, 2),
        "requests": requests,
        "requests_per_second": round(requests / driven.wall, 1),
        "latency_ms": latency | {"max": round(max(answer.ms for answer in driven.answers), 1)},
        "p99_to_mean": round(latency["p99"] / latency["mean"], 2) if latency["mean"] else None,
        "client_cpu_seconds": round(driven.client_cpu, 2),
        "client_cpu_share_of_wall": round(driven.client_cpu / driven.wall, 2),
        "server_cpu_seconds": round(cpu["server"], 2),
        "server_cpu_ms_per_request": round(cpu["server"] * 1000 / requests, 2),
    }
    if database:
        found["postgres_cpu_seconds"] = round(cpu["postgres"], 2)  # the backends of this database only
        found["postgres_cpu_ms_per_request"] = round(cpu["postgres"] * 1000 / requests, 2)
        found["server_and_postgres_cpu_ms_per_request"] = round(sum(cpu.values()) * 1000 / requests, 2)
    if rate:
        found["scheduled_requests_per_second"] = rate
        found["sent_late_for_their_slot"] = driven.late
    if bare:
        found["statuses"] = dict(Counter(str(answer.status) for answer in driven.answers))
    else:
        found["redemptions_per_second"] = round(planned.vouchers / driven.wall, 1)
        server_ms = _server_ms(log, log_start)
        if server_ms:
            found["server_latency_ms"] = summary(server_ms)
        kinds: dict[str, list[float]] = defaultdict(list)
        for answer in driven.answers:
            kinds["first scans (201)" if answer.status == 201 else "duplicates (200/409)"].append(answer.ms)
        found["latency_ms_by_outcome"] = {kind: summary(values) for kind, values in sorted(kinds.items())}
        found["outcomes"] = outcomes(driven.answers, planned)
    return found


def count_statements(env: dict[str, str], loaded: Loaded) -> dict[str, Any]:
    """benchmarks/count_statements.py over the vouchers kept aside (the server must have stopped)."""
    token_of = {point: token for point, token in reversed(loaded.tokens)}
    vouchers = [[code, loaded.points[point], token_of[point]] for code, point in loaded.spare]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.count_statements"],
        input=json.dumps({"vouchers": vouchers}),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def installation(
    database_url: str | None,
    workload: str,
    vouchers: int,
    clients: int,
    points: int,
    hygiene_share: float,
) -> Iterator[tuple[dict[str, str], Path, Loaded, dict[str, Any]]]:
    """A migrated database (SQLite in a temporary directory unless `database_url`, an empty database, is given)
    with the workload loaded; yields the server's environment, its log, the loaded data and the snapshot."""
    with tempfile.TemporaryDirectory() as var_dir:
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/vouchers.db"
        env = {
            **os.environ,
            "LOGISTICS_VAR_DIR": var_dir,
            "LOGISTICS_DATABASE_URL": url,
            "LOGISTICS_SCHEDULER": "off",
            "LOGISTICS_LOGIN_MAX_FAILURES": "100000",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        _progress(f"loading {workload}: {vouchers} vouchers, {points} points, {clients} devices")
        started = time.perf_counter()
        loaded = asyncio.run(populate(url, env, workload, vouchers, clients, points, hygiene_share, SPARE))
        loaded.seconds["total"] = round(time.perf_counter() - started, 1)
        before = asyncio.run(figures(url))
        _progress(f"loaded in {loaded.seconds}")
        log = Path(var_dir) / "server.log"
        log.touch()
        yield env, log, loaded, before


def _commands(workers: int) -> tuple[list[str], list[str]]:
    bare = [str(BIN / "uvicorn"), "benchmarks.bare_app:app", "--workers", str(workers), "--no-access-log"]
    app = [str(BIN / "logistics"), "serve", "--workers", str(workers)]
    return [*bare, "--no-server-header"], app


def _log_errors(log: Path) -> list[str]:
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "Error" in line or "Traceback" in line or "ERROR" in line
    ][:20]


def _all_pass(checks: dict[str, Any]) -> bool:
    return all(value if isinstance(value, bool) else _all_pass(value) for value in checks.values())


def run(
    database_url: str | None = None,
    workers: int = 1,
    workload: str = "synthetic",
    vouchers: int = VOUCHERS,
    clients: int = CLIENTS,
    points: int = POINTS,
    duplicates: bool = True,
    hygiene_share: float = HYGIENE_SHARE,
) -> dict[str, Any]:
    """Flat out: the bare endpoint, then the application, the same requests from the same clients; then the
    statement count and the checks. `points`: the points that get devices and vouchers (1: the fairness run)."""
    load_before = os.getloadavg()
    bare_command, app_command = _commands(workers)
    with installation(database_url, workload, vouchers + SPARE, clients, points, hygiene_share) as (
        env,
        log,
        loaded,
        before,
    ):
        _progress("the bare endpoint")
        with serving(bare_command, env, log) as server:
            bare = phase(server, env, log, loaded, plan(loaded, loaded.vouchers, points, duplicates), bare=True)
        _progress(f"bare: {bare['requests_per_second']} requests/s; the application")
        with serving(app_command, env, log) as server:
            planned = plan(loaded, loaded.vouchers, points, duplicates)
            app = phase(server, env, log, loaded, planned, bare=False)
        _progress(f"application: {app['requests_per_second']} requests/s; counting statements, checking")
        statements = count_statements(env, loaded)
        used = len(loaded.vouchers) + len(loaded.spare)
        entitled = sum((loaded.entitled[code] for code, _point in loaded.vouchers + loaded.spare), Decimal(0))
        database = check(env["LOGISTICS_DATABASE_URL"], before, used, entitled)
        errors = _log_errors(log)
    checks = {**app["outcomes"].pop("checks"), **database.pop("checks")}
    server_cpu = (
        "server_and_postgres_cpu_ms_per_request" if "postgres_cpu_seconds" in app else "server_cpu_ms_per_request"
    )
    return {
        "database": "PostgreSQL" if database_url else "SQLite",
        "workers": workers,
        "workload": workload,
        "vouchers_by_programme": loaded.programmes,
        "points_with_devices": points,
        "clients": clients,
        "vouchers": len(loaded.vouchers),
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "load_seconds": loaded.seconds,
        "app": app,
        "bare": bare,
        "throughput_ratio_app_to_bare": round(app["requests_per_second"] / bare["requests_per_second"], 3),
        "server_cpu_ms_per_request_app_bare": [app[server_cpu], bare["server_cpu_ms_per_request"]],
        "cpu_per_request_ratio_app_to_bare": round(app[server_cpu] / bare["server_cpu_ms_per_request"], 1),
        "p99_to_mean": app["p99_to_mean"],
        "sql_statements": statements,
        "database_after": database,
        "checks": checks,
        "all_checks_pass": _all_pass(checks),
        "server_log_errors": errors,
    }


def fairness(database_url: str | None = None, workers: int = 1, vouchers: int = 3_000) -> dict[str, Any]:
    """50 devices of ONE point flat out, each request a voucher of its own (the demo's programmes); target: p99 at
    most twice the mean."""
    result = run(database_url, workers, "demo", vouchers, CLIENTS, points=1, duplicates=False)
    result["p99_at_most_2x_mean"] = result["p99_to_mean"] <= 2
    return result


def sweep(
    database_url: str | None = None,
    workers: int = 1,
    workload: str = "demo",
    points: int = POINTS,
    clients: int = CLIENTS,
    rates: tuple[float, ...] = (50, 100, 150, 200),
    seconds: float = 15,
    target_ms: float = 50,
    hygiene_share: float = HYGIENE_SHARE,
) -> dict[str, Any]:
    """Open loop at each of `rates` (ascending), `seconds` of requests each, on one database and one server:
    the highest rate whose p99 is under `target_ms`, and the first that saturates (the sweep stops there)."""
    load_before = os.getloadavg()
    rates = tuple(sorted(rates))
    sizes = [max(20, round(rate * seconds / REQUESTS_PER_VOUCHER)) for rate in rates]
    bare_command, app_command = _commands(workers)
    with installation(database_url, workload, sum(sizes) + SPARE, clients, points, hygiene_share) as (
        env,
        log,
        loaded,
        before,
    ):
        slices, start = [], 0
        for size in sizes:
            slices.append(loaded.vouchers[start : start + size])
            start += size
        _progress("the bare endpoint, flat out, with every rate's vouchers")
        with serving(bare_command, env, log) as server:
            bare = phase(server, env, log, loaded, plan(loaded, loaded.vouchers, points), bare=True)
        steps: dict[str, Any] = {}
        checks: dict[str, Any] = {}
        used = 0
        entitled = Decimal(0)
        saturated_at = None
        with serving(app_command, env, log) as server:
            for step, (rate, vouchers) in enumerate(zip(rates, slices, strict=True)):
                planned = plan(loaded, vouchers, points, seed=SEED + 10 + step)  # request ids of its own
                found = phase(server, env, log, loaded, planned, bare=False, rate=rate)
                used += len(vouchers)
                entitled += sum((loaded.entitled[code] for code, _point in vouchers), Decimal(0))
                checks[f"{rate:g}/s"] = found["outcomes"].pop("checks")
                saturated = (
                    found["sent_late_for_their_slot"] > found["requests"] / 10
                    or found["requests_per_second"] < rate * 0.9
                    or found["latency_ms"]["p50"] > target_ms
                )
                steps[f"{rate:g}/s"] = {
                    "requests_per_second": found["requests_per_second"],
                    "latency_ms": found["latency_ms"],
                    "server_latency_ms": found.get("server_latency_ms"),
                    "sent_late_for_their_slot": found["sent_late_for_their_slot"],
                    "client_cpu_share_of_wall": found["client_cpu_share_of_wall"],
                    "server_cpu_ms_per_request": found["server_cpu_ms_per_request"],
                    "postgres_cpu_ms_per_request": found.get("postgres_cpu_ms_per_request"),
                    "refusals": found["outcomes"]["refusals"],
                    f"p99_under_{target_ms:g}_ms": found["latency_ms"]["p99"] < target_ms,
                    "saturated": saturated,
                }
                _progress(
                    f"{rate:g}/s: {found['requests_per_second']} answered/s, p99 {found['latency_ms']['p99']} ms, "
                    f"late {found['sent_late_for_their_slot']}"
                )
                if saturated:
                    saturated_at = rate
                    break
        _progress("counting statements, checking")
        statements = count_statements(env, loaded)
        database = check(
            env["LOGISTICS_DATABASE_URL"],
            before,
            used + len(loaded.spare),
            entitled + sum((loaded.entitled[code] for code, _point in loaded.spare), Decimal(0)),
        )
        errors = _log_errors(log)
    checks.update(database.pop("checks"))
    kept = [float(rate.removesuffix("/s")) for rate, step in steps.items() if step[f"p99_under_{target_ms:g}_ms"]]
    return {
        "database": "PostgreSQL" if database_url else "SQLite",
        "workers": workers,
        "workload": workload,
        "vouchers_by_programme": loaded.programmes,
        "points_with_devices": points,
        "clients": clients,
        "seconds_per_rate": seconds,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "load_seconds": loaded.seconds,
        "bare_flat_out": {
            key: bare[key]
            for key in ("requests_per_second", "latency_ms", "client_cpu_share_of_wall", "server_cpu_ms_per_request")
        },
        "rates": steps,
        f"highest_rate_with_p99_under_{target_ms:g}_ms": max(kept, default=None),
        "saturated_at": saturated_at,
        "sql_statements": statements,
        "database_after": database,
        "checks": checks,
        "all_checks_pass": _all_pass(checks),
        "server_log_errors": errors,
    }


# --- the command line --------------------------------------------------------------------------------------

SCENARIOS = {
    "synthetic": "flat out, the benchmark's own programme (3 points, 50 devices, 5,000 vouchers)",
    "demo": "flat out, the demo's programmes as shipped (FEPZ and HIG; 3 points, 50 devices, 5,000 vouchers)",
    "fairness": "flat out, 50 devices of ONE point, distinct vouchers of the demo's programmes (3,000)",
    "region": "open loop, the demo's programmes at 100 points with 200 devices (PostgreSQL, 2 processes)",
    "demo-steady": "open loop, the demo installation (3 points, 50 devices; SQLite, 1 process)",
}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_vouchers",
        description="Voucher redemptions through the scanning API. Scenarios: "
        + "; ".join(f"{name}: {text}" for name, text in SCENARIOS.items()),
    )
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--db", choices=["sqlite", "postgres"], help="default: postgres for region, else sqlite")
    parser.add_argument("--workers", type=int, help="app processes (default: 1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--vouchers", type=int, help="flat-out scenarios: vouchers redeemed")
    parser.add_argument("--clients", type=int, help="devices (default: 200 for region, else 50)")
    parser.add_argument("--points", type=int, help="points with devices (default: 100 for region, else 3)")
    parser.add_argument("--rates", help="open loop: requests a second, comma-separated")
    parser.add_argument("--seconds", type=float, default=15, help="open loop: seconds of requests per rate")
    parser.add_argument("--target-ms", type=float, help="open loop: the p99 target (region 100, else 50)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LOGISTICS_BENCH_POSTGRES_URL") or os.environ.get("LOGISTICS_TEST_POSTGRES_URL"),
        help="any database of the server (default: LOGISTICS_BENCH_POSTGRES_URL or LOGISTICS_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--database-name", default="logistics_bench_vouchers", help="PostgreSQL: created afresh")
    args = parser.parse_args(argv)
    region = args.scenario == "region"
    db = args.db or ("postgres" if region else "sqlite")
    url = None
    if db == "postgres":
        if not args.postgres_url:
            parser.error("PostgreSQL: give --postgres-url or set LOGISTICS_BENCH_POSTGRES_URL")
        url = fresh_postgres_database(args.postgres_url, args.database_name)
    workers = args.workers or (2 if url else 1)
    clients = args.clients or (200 if region else CLIENTS)
    points = args.points or (100 if region else POINTS)
    if args.scenario in ("region", "demo-steady"):
        default_rates = (100, 150, 200, 250, 300) if region else (50, 100, 150, 200)
        rates = tuple(float(rate) for rate in args.rates.split(",")) if args.rates else default_rates
        return sweep(
            url,
            workers,
            "demo",
            points,
            clients,
            rates,
            args.seconds,
            args.target_ms or (100 if region else 50),
            hygiene_share=REGION_HYGIENE_SHARE if region else HYGIENE_SHARE,
        )
    if args.scenario == "fairness":
        return fairness(url, workers, args.vouchers or 3_000)
    return run(url, workers, args.scenario, args.vouchers or VOUCHERS, clients, points)


if __name__ == "__main__":  # python -m benchmarks.bench_vouchers SCENARIO
    print(json.dumps(main(), indent=2, ensure_ascii=False, default=str))
