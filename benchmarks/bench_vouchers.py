"""Vouchers: 5,000 vouchers redeemed through the scanning API by 50 concurrent clients, a third of the requests
duplicates or retries, next to a bare Litestar endpoint measured in the same run.

Target (issue): zero double redemptions, the ledger agrees, p99 latency under 50 ms, and the throughput reported
next to a bare Litestar endpoint (the ratio) — on SQLite with one process and on PostgreSQL with two.

The data (random.Random(6), loaded before the server starts, through the application's services where it
matters): 3 distribution points, 3 items and a kit (2 pasta + 1 fish + 1 oil), the income criterion, 5,000
households of 1–5 people (bulk inserts), the FEPŻ programme (1 kit + 1 oil per person), 5,000 vouchers issued by
`VoucherService.issue_batch` (real codes and lines), stock received at each point by `LedgerService.receive` for
its share of the vouchers plus a margin (pasta and oil in several lots, so FEFO crosses lots), and one device
token per client (`DeviceService.create`).

The load: 50 clients (one httpx.AsyncClient each, keep-alive, each a device of one point — 17, 17 and 16 per
point) take requests from their point's queue. 7,500 POST /api/v1/redemptions with `lines` omitted (everything):
5,000 first scans, one per voucher, and 2,500 duplicates (a third):
  * 1,000 retries: the request that won, sent again with the same request_id after its answer came
    (must be 200 with the same redemption id);
  * 750 second scans of a redeemed voucher with a new request_id, at any of the points (must be 409
    already_redeemed);
  * 750 concurrent doubles: two clients of the point send for the same voucher at the same moment (they meet at
    an asyncio.Barrier before sending) — 375 with the same request_id (one 201, one 200 with the same id) and
    375 with different request_ids, two tablets scanning one voucher (one 201, one 409).
Before each measured phase every client sends a few untimed requests (the app: a look-up of an unknown code, 404)
so that connections and worker processes are up. Latency is client-observed, per request; throughput is the
requests answered per second of the phase. `server_latency_ms` is the application's own figure for the same
requests (its request log line: from the outermost middleware to the end of the response).

Flat out (the default), the 50 clients send their next request as soon as they have the answer to the last one:
a closed loop, so the mean latency is about 50 / throughput (Little's law) — queueing, not the time one
redemption takes. `run(rate=100)` sends the application's requests on a fixed schedule of 100 a second instead
(the same 7,500 requests, checks and figures), which shows the latency below saturation — how a load tester such
as wrk2 reads latency; `steady(rates=...)` does that at several rates, each on a fresh database, and reports the
highest rate whose p99 is under 50 ms.

The bare endpoint (benchmarks/bare_app.py: the same route and body dataclasses, a small JSON answer, no database)
runs under uvicorn with the same worker count and takes the same 7,500 requests from the same 50 clients, before
the application is started. Both phases report the client process's CPU time: when it nears the phase's wall
time, the client (one Python process) is the limit, not the server. Server CPU is that of the server's process
tree; on PostgreSQL also that of the backends of the benchmark's database.

Afterwards the database is checked: exactly 5,000 redemptions, one per voucher, every voucher redeemed, the
redeemed quantities equal to the entitled ones, `ledger.verify()` empty, 5,000 issue movements, and the stock
issued at each point (kits expanded to their items) equal to what its redemptions handed out, the balances equal
to received minus issued.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.bench_registry import FAMILY, GIVEN
from benchmarks.bench_shelter import Ids, _tune_loading
from benchmarks.common import BIN, ROOT, free_port, summary, wait_for_port

SEED = 6
VOUCHERS = 5_000
CLIENTS = 50
POINTS = 3
RETRIES = 1_000
SECOND_SCANS = 750
PAIRS_SAME_REQUEST = 375
PAIRS_OTHER_REQUEST = 375
WARM_UP_PER_CLIENT = 4
HOUSEHOLD_SIZES = {1: 30, 2: 25, 3: 20, 4: 15, 5: 10}  # weights
STOCK_MARGIN = Decimal("1.05")
TARGET_P99_MS = 50.0


def _progress(message: str) -> None:
    print(f"[bench_vouchers] {message}", file=sys.stderr, flush=True)


# --- the data ----------------------------------------------------------------------------------------------


@dataclass
class Loaded:
    points: list[str]  # ids of the distribution points
    tokens: list[tuple[int, str]]  # per client: its point (index) and device token
    vouchers: list[tuple[str, int]]  # per voucher: code and point (index) where it is redeemed
    received: dict[tuple[str, str], Decimal]  # (point id, item id) -> quantity received
    seconds: dict[str, float] = field(default_factory=dict)


async def populate(url: str) -> Loaded:
    """Sites, catalogue, programme, households (bulk), vouchers (issue_batch), stock, device tokens."""
    import logistics.app  # noqa: F401 — registers every model
    from logistics.core.actor import Actor
    from logistics.inventory.ledger import LedgerService, ReceiptLine
    from logistics.inventory.models import Item, Kit, KitLine
    from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person
    from logistics.sites.services import SiteInput, SiteService
    from logistics.vouchers.devices import DeviceService
    from logistics.vouchers.issuing import VoucherService
    from logistics.vouchers.models import Programme, ProgrammeLine

    admin = Actor(user_id=None, username="bench", role="admin", sees_all_sites=True)
    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    engine = create_async_engine(url)
    _tune_loading(engine, url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    started = time.perf_counter()

    async with sessions() as session:
        sites = SiteService(session, admin)
        points = [
            await sites.create_site(
                SiteInput(
                    f"Punkt wydawania {n + 1}", f"ul. Parafialna {n + 1}", "", "pn–pt 10–14", ["distribution_point"]
                )
            )
            for n in range(POINTS)
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
    item_ids = {"pasta": pasta.id, "fish": fish.id, "oil": oil.id}

    # Households of 1–5 people, all within the income criterion: bulk inserts.
    now = datetime.now(UTC)
    new_id = Ids(now - timedelta(days=400))
    households, people, members = [], [], []
    for _ in range(VOUCHERS):
        household_id = new_id()
        at = now - timedelta(days=rng.randrange(30, 365))
        households.append(
            {
                "id": household_id,
                "income_per_person": Decimal(rng.randrange(600, 2000)),
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
        await connection.execute(insert(Household), households)
        await connection.execute(insert(Person), people)
        await connection.execute(insert(HouseholdMember), members)
    seconds["catalogue_and_households"] = round(time.perf_counter() - started, 1)

    # The vouchers, through the service: one per eligible household.
    started = time.perf_counter()
    async with sessions() as session:
        issued = await VoucherService(session, admin).issue_batch(programme.id)
        await session.commit()
        vouchers = [(voucher.code, voucher.household_size) for voucher in issued]
    assert len(vouchers) == VOUCHERS, len(vouchers)
    seconds["issue_batch"] = round(time.perf_counter() - started, 1)

    # Clients per point (17, 17, 16), vouchers shared out in the same proportion.
    started = time.perf_counter()
    client_points = [n % POINTS for n in range(CLIENTS)]
    per_point = Counter(client_points)
    rng.shuffle(vouchers)
    assigned: list[tuple[str, int]] = []
    start = 0
    for point in range(POINTS):
        end = VOUCHERS if point == POINTS - 1 else start + round(VOUCHERS * per_point[point] / CLIENTS)
        assigned += [(code, point) for code, _size in vouchers[start:end]]
        start = end
    sizes = dict(vouchers)

    # Stock for each point's vouchers plus a margin: pasta in three lots, oil in two, fish in one.
    today = date.today()
    received: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    async with sessions() as session:
        ledger = LedgerService(session, admin)
        for point in range(POINTS):
            codes_here = [code for code, at in assigned if at == point]
            kits = Decimal(len(codes_here))
            need = {
                "pasta": 2 * kits,
                "fish": kits,
                "oil": kits + sum(Decimal(sizes[code]) for code in codes_here),
            }
            lots = {
                "pasta": [(Decimal("0.3"), today + timedelta(days=20)), (Decimal("0.3"), today + timedelta(days=45))],
                "oil": [(Decimal("0.5"), today + timedelta(days=200))],
                "fish": [],
            }
            last_expiry = {"pasta": today + timedelta(days=120), "fish": today + timedelta(days=365), "oil": None}
            lines = []
            for name, quantity in need.items():
                total = (quantity * STOCK_MARGIN).to_integral_value() + 10
                left = total
                for share, expiry in lots[name]:
                    part = (quantity * share).to_integral_value()
                    lines.append(ReceiptLine(item_ids[name], part, expiry))
                    left -= part
                lines.append(ReceiptLine(item_ids[name], left, last_expiry[name]))
                received[(str(points[point].id), str(item_ids[name]))] += total
            await ledger.receive(points[point].id, "Bank Żywności", lines, f"WZ/{point + 1}")
        devices = DeviceService(session, admin)
        tokens = []
        for n, point in enumerate(client_points):
            _device, token = await devices.create(points[point].id, f"Tablet {n + 1:02d}")
            tokens.append((point, token))
        await session.commit()
    seconds["stock_and_devices"] = round(time.perf_counter() - started, 1)
    await engine.dispose()
    return Loaded([str(point.id) for point in points], tokens, assigned, dict(received), seconds)


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


def plan(loaded: Loaded) -> tuple[list[deque[Job]], list[VoucherState]]:
    """Each point's queue of requests, the same for every call (random.Random(SEED))."""
    rng = random.Random(SEED + 1)
    order = list(range(VOUCHERS))
    rng.shuffle(order)
    same = set(order[:PAIRS_SAME_REQUEST])
    other = set(order[PAIRS_SAME_REQUEST : PAIRS_SAME_REQUEST + PAIRS_OTHER_REQUEST])
    states = [
        VoucherState(code, point, str(uuid.UUID(int=rng.getrandbits(128))), 2 if n in same or n in other else 1)
        for n, (code, point) in enumerate(loaded.vouchers)
    ]
    # Units in each point's order of first scans; a concurrent double is one unit of two adjacent requests.
    units: list[list[tuple[float, int, list[Job]]]] = [[] for _ in range(POINTS)]
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
    for point in range(POINTS):
        for rank, (_at, n, _jobs) in enumerate(units[point]):
            position[n] = rank / len(units[point])
        units[point] = [(position[n], n, jobs) for _at, n, jobs in units[point]]
    # Retries and second scans come a little later than the first scan (and wait for its answer if not).
    followers = [(n, "retry") for n in rng.sample(range(VOUCHERS), RETRIES)]
    followers += [(n, "second_scan") for n in rng.sample(range(VOUCHERS), SECOND_SCANS)]
    for count, (n, kind) in enumerate(followers):
        state = states[n]
        at = min(position[n] + 0.02 + rng.random() * 0.1, 1.0)
        if kind == "retry":
            job = Job("retry", state, state.point, None, after_first=True)
        else:
            job = Job("second_scan", state, rng.randrange(POINTS), str(uuid.UUID(int=rng.getrandbits(128))), None, True)
        units[job.point].append((at, VOUCHERS + count, [job]))
    queues = []
    for point in range(POINTS):
        units[point].sort(key=lambda unit: (unit[0], unit[1]))
        queues.append(deque(job for _at, _n, jobs in units[point] for job in jobs))
    return queues, states


async def _client(url: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        timeout=120,
        headers={"authorization": f"Bearer {token}", "accept-language": "pl"},
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


async def warm_up(clients: list[httpx.AsyncClient], loaded: Loaded, bare: bool) -> None:
    """Untimed: open the connections, start every worker process (waiting for the server to accept)."""
    from logistics import codes
    from logistics.vouchers.issuing import CODE_BITS

    async def one(n: int, client: httpx.AsyncClient) -> None:
        point = loaded.points[loaded.tokens[n][0]]
        for attempt in range(WARM_UP_PER_CLIENT):
            for _ in range(300):
                try:
                    if bare:
                        body = {"code": "X", "point": point, "request_id": f"warm-up-{n}-{attempt}"}
                        response = await client.post("/api/v1/redemptions", json=body)
                    else:  # a well-formed code that does not exist: 404, nothing written
                        response = await client.get(f"/api/v1/vouchers/{codes.generate(CODE_BITS)}?point={point}")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the server did not answer")
            assert response.status_code == (201 if bare else 404), (response.status_code, response.text[:300])

    await asyncio.gather(*(one(n, client) for n, client in enumerate(clients)))


class Pacer:
    """Requests on a fixed schedule, `rate` a second over all clients (open loop while a client is free for each
    slot); None: every client sends its next request as soon as it has the answer to the last one."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.next: float | None = None
        self.late = 0  # requests sent more than 10 ms after their slot: no client was free

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.perf_counter()
        if self.next is None:
            self.next = now
        slot, self.next = self.next, self.next + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        elif now - slot > 0.010:
            self.late += 1


async def drive(
    url: str, loaded: Loaded, bare: bool, rate: float | None = None
) -> tuple[list[Answer], float, float, int]:
    """Send every planned request through 50 clients; returns the answers, the wall and client-CPU seconds, and
    how many requests went out late for their slot (paced runs)."""
    queues, _states = plan(loaded)
    clients = [await _client(url, token) for _point, token in loaded.tokens]
    answers: list[Answer] = []
    pacer = Pacer(rate)

    async def worker(n: int) -> None:
        client, queue = clients[n], queues[loaded.tokens[n][0]]
        while queue:
            job = queue.popleft()
            state = job.voucher
            if job.after_first:
                await state.done.wait()
            request_id = job.request_id or state.winner or state.request_id
            body = {"code": state.code, "point": loaded.points[job.point], "request_id": request_id}
            await pacer.wait()
            if job.barrier is not None:
                await job.barrier.wait()
            started = time.perf_counter()
            response = await client.post("/api/v1/redemptions", json=body)
            ms = (time.perf_counter() - started) * 1000
            try:
                answer_body = response.json()
            except ValueError:
                answer_body = {"text": response.text[:300]}
            answers.append(Answer(job.kind, state, request_id, response.status_code, ms, answer_body))
            if job.kind != "retry" and job.kind != "second_scan":
                if response.status_code == 201:
                    state.winner, state.redemption = request_id, answer_body.get("id")
                state.answered += 1
                if state.answered == state.originals:
                    state.done.set()

    try:
        await warm_up(clients, loaded, bare)
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        for client in clients:
            await client.aclose()
    return answers, wall, cpu, pacer.late


def outcomes(answers: list[Answer]) -> dict[str, Any]:
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
    expected = {
        "first": {201: VOUCHERS - PAIRS_SAME_REQUEST - PAIRS_OTHER_REQUEST},
        "double_same": {201: PAIRS_SAME_REQUEST, 200: PAIRS_SAME_REQUEST},
        "double_other": {201: PAIRS_OTHER_REQUEST, 409: PAIRS_OTHER_REQUEST},
        "retry": {200: RETRIES},
        "second_scan": {409: SECOND_SCANS},
    }
    statuses = Counter(answer.status for answer in answers)
    refusals = Counter(f"{a.kind} {a.status} {a.body.get('error', '?')}" for a in answers if a.status >= 400)
    return {
        "requests": len(answers),
        "duplicates_share": round(1 - VOUCHERS / len(answers), 3),
        "by_status": {str(status): n for status, n in sorted(statuses.items())},
        "by_kind": {kind: {str(s): n for s, n in sorted(c.items())} for kind, c in sorted(by_kind.items())},
        "refusals": dict(sorted(refusals.items())),
        "vouchers_with_more_than_one_201": sum(n for created, n in created_per_voucher.items() if created > 1),
        "vouchers_without_201": created_per_voucher.get(0, 0),
        "checks": {
            "each_kind_as_expected": {kind: dict(by_kind[kind]) == want for kind, want in expected.items()},
            "one_201_per_voucher": created_per_voucher == Counter({1: VOUCHERS}),
            "every_200_same_redemption_id": same_id,
            "every_409_already_redeemed": refused_as_redeemed,
            "no_5xx": not any(status >= 500 for status in statuses),
        },
    }


# --- the database afterwards -------------------------------------------------------------------------------


async def check(url: str, loaded: Loaded) -> dict[str, Any]:
    import logistics.app  # noqa: F401 — registers every model
    from logistics.audit.models import AuditEntry
    from logistics.inventory.ledger import verify
    from logistics.inventory.models import Balance, KitLine, Movement, MovementLine
    from logistics.vouchers.models import Redemption, RedemptionLine, Voucher, VoucherLine

    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            redemptions = await session.scalar(select(func.count()).select_from(Redemption))
            redeemed_vouchers = await session.scalar(select(func.count(func.distinct(Redemption.voucher_id))))
            movements = await session.scalar(
                select(func.count(func.distinct(Redemption.movement_id))).where(Redemption.movement_id.is_not(None))
            )
            statuses = dict(
                (await session.execute(select(Voucher.status, func.count()).group_by(Voucher.status))).all()
            )
            entitled, redeemed = (
                await session.execute(select(func.sum(VoucherLine.entitled), func.sum(VoucherLine.redeemed)))
            ).one()
            handed = await session.scalar(select(func.sum(RedemptionLine.quantity)))
            differences = await verify(session)
            issue_movements = await session.scalar(
                select(func.count()).select_from(Movement).where(Movement.kind == "issue")
            )
            redeem_audits = await session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "voucher.redeem")
            )
            # What the redemptions handed out at each point, kits expanded to their items ...
            kit_lines = defaultdict(list)
            for kit_id, item_id, quantity in (
                await session.execute(select(KitLine.kit_id, KitLine.item_id, KitLine.quantity))
            ).all():
                kit_lines[kit_id].append((item_id, quantity))
            expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            rows = await session.execute(
                select(Redemption.point_id, VoucherLine.item_id, VoucherLine.kit_id, func.sum(RedemptionLine.quantity))
                .join(RedemptionLine, RedemptionLine.redemption_id == Redemption.id)
                .join(VoucherLine, VoucherLine.id == RedemptionLine.voucher_line_id)
                .group_by(Redemption.point_id, VoucherLine.item_id, VoucherLine.kit_id)
            )
            for point_id, item_id, kit_id, quantity in rows.all():
                if kit_id is not None:
                    for component, per_kit in kit_lines[kit_id]:
                        expected[(str(point_id), str(component))] += per_kit * quantity
                else:
                    expected[(str(point_id), str(item_id))] += quantity
            # ... and what the ledger issued there.
            issued = {
                (str(location), str(item)): -Decimal(total)
                for location, item, total in (
                    await session.execute(
                        select(MovementLine.location_id, MovementLine.item_id, func.sum(MovementLine.quantity))
                        .join(Movement, Movement.id == MovementLine.movement_id)
                        .where(Movement.kind == "issue")
                        .group_by(MovementLine.location_id, MovementLine.item_id)
                    )
                ).all()
            }
            balances = {
                (str(location), str(item)): Decimal(total)
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
    left = {key: loaded.received[key] - issued.get(key, Decimal(0)) for key in loaded.received}
    return {
        "redemptions": redemptions,
        "vouchers_redeemed": redeemed_vouchers,
        "voucher_statuses": statuses,
        "entitled": str(entitled),
        "redeemed": str(redeemed),
        "handed_out": str(handed),
        "issue_movements": issue_movements,
        "ledger_differences": len(differences),
        "checks": {
            "one_redemption_per_voucher": redemptions == VOUCHERS,
            "no_double_redemption": redeemed_vouchers == redemptions,
            "every_voucher_redeemed": statuses == {"redeemed": VOUCHERS},
            "redeemed_equals_entitled": entitled == redeemed == handed,
            "ledger_verify_empty": differences == [],
            "one_issue_movement_per_redemption": issue_movements == movements == VOUCHERS,
            "issued_equals_redeemed_per_point_and_item": issued == dict(expected),
            "balances_equal_received_minus_issued": balances == left,
            "one_audit_entry_per_redemption": redeem_audits == VOUCHERS,
        },
    }


# --- servers and CPU ---------------------------------------------------------------------------------------


def _cpu_ticks(pids: set[int] | None = None, cmdline: str | None = None) -> int:
    """utime + stime of the processes in `pids` and their descendants, or of every process whose command line
    (a PostgreSQL backend's shows its database) contains `cmdline`."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().decode(errors="replace") if cmdline else ""
            except OSError:
                continue
            rest = text[text.rindex(")") + 2 :].split()
            stats[int(entry.name)] = (command, int(rest[1]), int(rest[11]) + int(rest[12]))
    if cmdline is not None:
        return sum(ticks for command, _ppid, ticks in stats.values() if cmdline in command)
    chosen = set(pids or ())
    while True:
        more = {pid for pid, (_command, ppid, _ticks) in stats.items() if ppid in chosen} - chosen
        if not more:
            break
        chosen |= more
    return sum(stats[pid][2] for pid in chosen if pid in stats)


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=ROOT, stdout=output, stderr=output)
    try:
        wait_for_port(port, 60)
        yield f"http://127.0.0.1:{port}", process
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


def measure(
    command: list[str], env: dict[str, str], log: Path, loaded: Loaded, bare: bool, rate: float | None = None
) -> dict[str, Any]:
    tick = os.sysconf("SC_CLK_TCK")
    url = env["LOGISTICS_DATABASE_URL"]
    database = url.rsplit("/", 1)[-1] if not bare and url.startswith("postgresql") else None
    log_start = log.stat().st_size if log.exists() else 0
    with serving(command, env, log) as (server_url, process):
        server_before = _cpu_ticks({process.pid})
        pg_before = _cpu_ticks(cmdline=f" {database} ") if database else 0
        answers, wall, client_cpu, late = asyncio.run(drive(server_url, loaded, bare, rate))
        server_cpu = (_cpu_ticks({process.pid}) - server_before) / tick
        pg_cpu = (_cpu_ticks(cmdline=f" {database} ") - pg_before) / tick if database else None
    samples = [answer.ms for answer in answers]
    figures: dict[str, Any] = {
        "seconds": round(wall, 2),
        "requests_per_second": round(len(answers) / wall, 1),
        "latency_ms": summary(samples),
        "client_cpu_seconds": round(client_cpu, 1),
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / len(answers), 2),
    }
    if rate:
        figures["paced_requests_per_second"] = rate
        figures["sent_late_for_their_slot"] = late
    if pg_cpu is not None:
        figures["postgres_cpu_seconds"] = round(pg_cpu, 1)  # the backends of this database only
    if not bare:
        figures["redemptions_per_second"] = round(VOUCHERS / wall, 1)
        server_ms = _server_ms(log, log_start)
        if server_ms:  # the warm-up's look-ups are GETs: not in here
            figures["server_latency_ms"] = summary(server_ms)
        kinds: dict[str, list[float]] = defaultdict(list)
        for answer in answers:
            kinds["first scans (201)" if answer.status == 201 else "duplicates (200/409)"].append(answer.ms)
        figures["latency_ms_by_outcome"] = {kind: summary(values) for kind, values in sorted(kinds.items())}
        figures["outcomes"] = outcomes(answers)
    else:
        figures["statuses"] = dict(Counter(str(answer.status) for answer in answers))
    return figures


def run(database_url: str | None = None, workers: int = 1, rate: float | None = None) -> dict[str, Any]:
    """SQLite in a temporary directory unless `database_url` (an empty database) is given. `rate`: send the
    application's requests at this many a second instead of as fast as the clients get answers (the bare endpoint
    is always measured flat out; the throughput ratio is given only for the flat-out run)."""
    load_before = os.getloadavg()
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
        _progress("loading")
        started = time.perf_counter()
        loaded = asyncio.run(populate(url))
        load_seconds = round(time.perf_counter() - started, 1)
        log = Path(var_dir) / "server.log"
        _progress(f"loaded in {load_seconds} s; the bare endpoint")
        bare_command = ["benchmarks.bare_app:app", "--workers", str(workers), "--no-access-log", "--no-server-header"]
        bare = measure([str(BIN / "uvicorn"), *bare_command], env, log, loaded, bare=True)
        _progress(f"bare: {bare['requests_per_second']} requests/s; the application")
        app_command = [str(BIN / "logistics"), "serve", "--workers", str(workers)]
        app = measure(app_command, env, log, loaded, bare=False, rate=rate)
        _progress(f"application: {app['requests_per_second']} requests/s; checking the database")
        database = asyncio.run(check(url, loaded))
        errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "Error" in line or "Traceback" in line or "ERROR" in line
        ]
    outcome_checks = app["outcomes"].pop("checks")
    checks = {**outcome_checks, **database.pop("checks")}
    result: dict[str, Any] = {
        "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
        "workers": workers,
        "vouchers": VOUCHERS,
        "clients": CLIENTS,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "load_seconds": load_seconds,
        "load_seconds_by_step": loaded.seconds,
        "app": app,
        "bare": bare,
    }
    if rate is None:
        result["throughput_ratio_app_to_bare"] = round(app["requests_per_second"] / bare["requests_per_second"], 3)
        result["server_cpu_per_request_bare_to_app"] = round(
            bare["server_cpu_ms_per_request"] / app["server_cpu_ms_per_request"], 4
        )
    result.update(
        {
            "p99_under_50_ms": app["latency_ms"]["p99"] < TARGET_P99_MS,
            "database_after": database,
            "checks": checks,
            "all_checks_pass": all(
                value if isinstance(value, bool) else all(value.values()) for value in checks.values()
            ),
            "server_log_errors": errors[:20],
        }
    )
    return result


def steady(
    database_url: str | Callable[[], str] | None = None, workers: int = 1, rates: tuple[float, ...] = (50, 100)
) -> dict[str, Any]:
    """The same load (a fresh database each time) sent at each of `rates` requests a second by the 50 clients:
    the latency below saturation, where the p99 target is read, and the highest rate that keeps it.

    `database_url` is called for each rate when it is a function (a fresh PostgreSQL database)."""
    runs: dict[str, Any] = {}
    for rate in rates:
        url = database_url() if callable(database_url) else database_url
        result = run(url, workers, rate)
        app = result["app"]
        runs[f"{rate:g}/s"] = {
            "latency_ms": app["latency_ms"],
            "server_latency_ms": app.get("server_latency_ms"),
            "sent_late_for_their_slot": app["sent_late_for_their_slot"],
            "server_cpu_ms_per_request": app["server_cpu_ms_per_request"],
            "all_checks_pass": result["all_checks_pass"],
            "p99_under_50_ms": result["p99_under_50_ms"],
        }
        _progress(f"{rate:g} requests/s: p99 {app['latency_ms']['p99']} ms")
    kept = [float(rate.removesuffix("/s")) for rate, figures in runs.items() if figures["p99_under_50_ms"]]
    return {
        "database": "PostgreSQL"
        if callable(database_url) or (database_url or "").startswith("postgresql")
        else "SQLite",
        "workers": workers,
        "vouchers": VOUCHERS,
        "clients": CLIENTS,
        "requests": VOUCHERS + RETRIES + SECOND_SCANS + PAIRS_SAME_REQUEST + PAIRS_OTHER_REQUEST,
        "rates": runs,
        "highest_rate_with_p99_under_50_ms": max(kept, default=None),
        "all_checks_pass": all(figures["all_checks_pass"] for figures in runs.values()),
    }


if __name__ == "__main__":  # python -m benchmarks.bench_vouchers
    print(json.dumps(run(), indent=2, ensure_ascii=False, default=str))
