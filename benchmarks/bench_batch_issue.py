"""Batch issue at region scale: 50,000 vouchers of a cycle issued, then printed, while scanners keep redeeming.

Targets (issue 19): the batch in under 60 s, its PDF in under 3 minutes, no write transaction holding SQLite's
write lock for more than a second, and the redemption latency of the scanners during the batch reported next to
the same load without it.

The data (random.Random(19), SQLite in a temporary directory, migrated by `logistics database upgrade`): one
distribution point, a kit and an item, the income criterion, 50,000 households of 1–5 people within the criterion
(bulk inserts, as benchmarks/bench_vouchers.py loads them), the FEPŻ programme (1 kit + 1 oil per person) whose
next month is the batch, and a second programme ("PRE") with 6,000 vouchers issued before (bulk inserts), stock
for them at the point, and four device tokens: these vouchers are what the scanners redeem.

The measurement:
  * A real `logistics serve` (one process, as benchmarks/common.py starts it) on that database.
  * A load process (multiprocessing, its own event loop, so that nothing the batch does in this process delays
    the clients' clocks) sends POST /api/v1/redemptions of the PRE vouchers, each once, at a fixed rate (10 a
    second from 4 clients, open loop) for the whole run; each answer's latency and wall-clock time is kept.
  * First 10 s without a batch (the quiet figures), then the batch: `issue_cycle()` — what `logistics vouchers
    issue --all-eligible` and the coordinator's "Issue" button run — in this process, on the application's own
    engine configuration (BEGIN IMMEDIATE, WAL, busy timeout). Every write transaction of that engine is timed
    from its BEGIN IMMEDIATE (acquired) to its COMMIT/ROLLBACK by engine events: the longest is the longest hold
    of SQLite's write lock.
  * Then the batch's PDF: `PrintService.cycle_prints` (the print button's use case: the cycle's valid vouchers,
    read and logged, committed) and `render_vouchers` after the commit, in the a4x4 layout (four to a page, how
    a region prints); wall time, pages, size, and the process's peak RSS (getrusage maxrss: of the whole
    benchmark process, so an upper bound).
  * The redemption latency p50/p95/p99 is reported for each phase by when the request was sent: quiet, batch,
    PDF. Every redemption must be answered 201.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.bench_registry import FAMILY, GIVEN
from benchmarks.bench_shelter import Ids, _tune_loading
from benchmarks.common import BIN, server, summary

SEED = 19
HOUSEHOLDS = 50_000
SCANNED = 6_000  # vouchers of another programme, redeemed by the scanners during the run
CLIENTS = 4
RATE = 10.0  # redemptions a second, all clients together
QUIET_SECONDS = 10.0
LAYOUT = "a4x4"
HOUSEHOLD_SIZES = {1: 30, 2: 25, 3: 20, 4: 15, 5: 10}  # weights
CHUNK = 5_000  # rows per bulk insert of the set-up
TARGETS = {"issue_s": 60.0, "pdf_s": 180.0, "lock_s": 1.0}


def _progress(message: str) -> None:
    print(f"[bench_batch_issue] {message}", file=sys.stderr, flush=True)


def _cycle(today: date) -> str:
    """Next month: a batch issued ahead, as a coordinator issues the month's vouchers before it starts."""
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return f"{first:%Y-%m}"


# --- the data ----------------------------------------------------------------------------------------------


async def populate(url: str, households: int) -> dict[str, Any]:
    import logistics.app  # noqa: F401 — registers every model
    from logistics import codes
    from logistics.core.actor import Actor
    from logistics.inventory.ledger import LedgerService, ReceiptLine
    from logistics.inventory.models import Item, Kit, KitLine
    from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person
    from logistics.sites.services import SiteInput, SiteService
    from logistics.vouchers.devices import DeviceService
    from logistics.vouchers.issuing import CODE_BITS
    from logistics.vouchers.models import Programme, ProgrammeLine, Voucher, VoucherLine

    admin = Actor(user_id=None, username="bench", role="admin", sees_all_sites=True)
    rng = random.Random(SEED)
    engine = create_async_engine(url)
    _tune_loading(engine, url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def put(model: type, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(insert(model), rows[start : start + CHUNK])

    async with sessions() as session:
        point = await SiteService(session, admin).create_site(
            SiteInput("Punkt wydawania 1", "ul. Parafialna 1", "", "pn–pt 10–14", ["distribution_point"])
        )
        pasta = Item(name="Makaron 500 g", category="food", unit="szt", perishable=True)
        oil = Item(name="Olej rzepakowy 1 l", category="food", unit="l", perishable=False)
        session.add_all([pasta, oil])
        await session.flush()
        kit = Kit(
            name="Paczka żywnościowa A",
            lines=[KitLine(item_id=pasta.id, quantity=Decimal(2)), KitLine(item_id=oil.id, quantity=Decimal(1))],
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
        lines = [
            ProgrammeLine(position=0, kit_id=kit.id, quantity=Decimal(1)),
            ProgrammeLine(position=1, item_id=oil.id, quantity=Decimal(1), per_person=True),
        ]
        fepz = Programme(
            code="FEPZ",
            name="FEPŻ — paczka żywnościowa",
            cycle="monthly",
            rule="income",
            income_percent=Decimal(265),
            lines=lines,
        )
        pre = Programme(
            code="PRE",
            name="Pomoc doraźna",
            cycle="one_off",
            rule="decision",
            income_percent=Decimal(100),
            valid_days=60,
            lines=[ProgrammeLine(position=0, item_id=pasta.id, quantity=Decimal(2))],
        )
        session.add_all([fepz, pre])
        await session.commit()

    now = datetime.now(UTC)
    new_id = Ids(now - timedelta(days=400))
    household_rows, people, members, sizes = [], [], [], []
    for _ in range(households):
        household_id = new_id()
        at = now - timedelta(days=rng.randrange(30, 365))
        household_rows.append(
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
        sizes.append(size)
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
    await put(Household, household_rows)
    await put(Person, people)
    await put(HouseholdMember, members)

    # The scanners' vouchers: PRE, one each for the first SCANNED households, issued before the run.
    today = date.today()
    vouchers, voucher_lines, scan_codes = [], [], []
    for n in range(min(SCANNED, households)):
        voucher_id, code = new_id(), codes.normalize(codes.generate(CODE_BITS))
        scan_codes.append(code)
        vouchers.append(
            {
                "id": voucher_id,
                "code": code,
                "programme_id": pre.id,
                "household_id": household_rows[n]["id"],
                "cycle": "once",
                "status": "issued",
                "valid_from": today - timedelta(days=1),
                "valid_until": today + timedelta(days=30),
                "household_size": sizes[n],
                "holder": "",
                "issued_by": "bench",
                "spent": Decimal(0),
                "created_at": now,
                "updated_at": now,
            }
        )
        voucher_lines.append(
            {"id": new_id(), "voucher_id": voucher_id, "position": 0, "item_id": pasta.id, "entitled": Decimal(2)}
        )
    await put(Voucher, vouchers)
    await put(VoucherLine, voucher_lines)

    async with sessions() as session:
        need = Decimal(2 * len(scan_codes) + 100)
        await LedgerService(session, admin).receive(
            point.id, "Bank Żywności", [ReceiptLine(pasta.id, need, today + timedelta(days=120))], "WZ/1"
        )
        devices = DeviceService(session, admin)
        tokens = [(await devices.create(point.id, f"Tablet {n + 1}"))[1] for n in range(CLIENTS)]
        await session.commit()
    await engine.dispose()
    return {"programme_id": fepz.id, "point": str(point.id), "tokens": tokens, "codes": scan_codes}


# --- the scanners ------------------------------------------------------------------------------------------


def _scanners(url: str, point: str, tokens: list[str], scan_codes: list[str], rate: float, stop: Any, out: Any) -> None:
    """In a process of its own: redeem each code once, `rate` a second over all clients, until `stop` is set or
    the codes run out; sends back [(wall-clock time sent, ms, status)]."""
    import httpx

    async def main() -> list[tuple[float, float, int]]:
        clients = [
            httpx.AsyncClient(
                base_url=url,
                timeout=120,
                headers={"authorization": f"Bearer {token}", "accept-language": "pl"},
                limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            )
            for token in tokens
        ]
        samples: list[tuple[float, float, int]] = []
        pending: set[asyncio.Task[None]] = set()

        async def one(n: int, code: str) -> None:
            body = {"code": code, "point": point, "request_id": str(uuid.uuid4())}
            sent, started = time.time(), time.perf_counter()
            try:
                response = await clients[n % len(clients)].post("/api/v1/redemptions", json=body)
                status = response.status_code
            except httpx.HTTPError:
                status = 0  # no answer (timed out)
            samples.append((sent, (time.perf_counter() - started) * 1000, status))

        interval, next_at = 1 / rate, time.perf_counter()
        for n, code in enumerate(scan_codes):
            if stop.is_set():
                break
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at += interval
            task = asyncio.create_task(one(n, code))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.gather(*pending)
        for client in clients:
            await client.aclose()
        return samples

    out.send(asyncio.run(main()))
    out.close()


# --- the batch and its print -------------------------------------------------------------------------------


def _watch_write_locks(engine: Any) -> list[float]:
    """Seconds of every write transaction of `engine`, from its BEGIN IMMEDIATE (the lock acquired: this listener
    runs after the application's, which issues it) to COMMIT or ROLLBACK."""
    holds: list[float] = []

    @event.listens_for(engine.sync_engine, "begin")
    def _begun(connection: Any) -> None:
        if not connection.info.get("reads_only"):
            connection.info["bench_begun"] = time.perf_counter()

    def _ended(connection: Any) -> None:
        begun = connection.info.pop("bench_begun", None)
        if begun is not None:
            holds.append(time.perf_counter() - begun)

    event.listen(engine.sync_engine, "commit", _ended)
    event.listen(engine.sync_engine, "rollback", _ended)
    return holds


async def issue_and_print(url: str, programme_id: Any, cycle: str, layout: str) -> dict[str, Any]:
    import logistics.app  # noqa: F401 — registers every model
    from logistics.core.actor import Actor
    from logistics.core.service import unit_of_work
    from logistics.db import make_alchemy_config
    from logistics.settings import get_settings
    from logistics.vouchers.issuing import issue_cycle
    from logistics.vouchers.models import Voucher
    from logistics.vouchers.printing import render_vouchers
    from logistics.vouchers.prints import PrintService

    config = make_alchemy_config(replace(get_settings(), database_url=url))
    engine = config.get_engine()
    holds = _watch_write_locks(engine)
    sessions = config.create_session_maker()
    actor = Actor.system("bench")
    figures: dict[str, Any] = {}

    marks = {"batch_start": time.time()}
    started = time.perf_counter()
    result = await issue_cycle(sessions, actor, programme_id, cycle)
    figures["issue_s"] = round(time.perf_counter() - started, 2)
    marks["batch_end"] = time.time()
    figures["issued"] = result.issued
    figures["write_transactions"] = len(holds)
    figures["longest_write_lock_s"] = round(max(holds, default=0.0), 3)
    batch_holds = list(holds)

    async with sessions() as session:
        figures["vouchers_in_db"] = await session.scalar(
            select(func.count()).select_from(Voucher).where(Voucher.programme_id == programme_id)
        )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    holds.clear()
    marks["pdf_start"] = time.time()
    started = time.perf_counter()
    async with unit_of_work(sessions) as session:  # read and logged; committed before the rendering
        _programme, prints = await PrintService(session, actor).cycle_prints(programme_id, cycle, layout)
    figures["pdf_read_s"] = round(time.perf_counter() - started, 2)
    pdf = render_vouchers(prints, layout, get_settings().org_name)
    figures["pdf_s"] = round(time.perf_counter() - started, 2)
    marks["pdf_end"] = time.time()
    figures["pdf_layout"] = layout
    figures["pdf_mb"] = round(len(pdf) / 1_000_000, 1)
    figures["pdf_pages"] = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>")
    figures["pdf_longest_write_lock_s"] = round(max(holds, default=0.0), 3)
    figures["peak_rss_mb_before_pdf"] = round(rss_before / 1024)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["_marks"] = marks
    figures["_batch_holds"] = batch_holds
    await engine.dispose()
    return figures


# --- the run -----------------------------------------------------------------------------------------------


def run(
    households: int = HOUSEHOLDS, layout: str = LAYOUT, rate: float = RATE, quiet: float = QUIET_SECONDS
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'batch.db'}"
        env = {**os.environ, "LOGISTICS_VAR_DIR": directory, "LOGISTICS_DATABASE_URL": url}
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        _progress(f"loading {households:,} households")
        started = time.perf_counter()
        loaded = asyncio.run(populate(url, households))
        load_s = round(time.perf_counter() - started, 1)
        cycle = _cycle(date.today())
        with server(url, seed=False) as (base_url, _env):
            stop = multiprocessing.get_context("spawn").Event()
            receiver, sender = multiprocessing.get_context("spawn").Pipe(duplex=False)
            scanners = multiprocessing.get_context("spawn").Process(
                target=_scanners,
                args=(base_url, loaded["point"], loaded["tokens"], loaded["codes"], rate, stop, sender),
            )
            scanners.start()
            quiet_start = time.time()
            _progress(f"scanners at {rate:g}/s; {quiet:g} s without a batch")
            time.sleep(quiet)
            _progress(f"issuing {cycle}")
            figures = asyncio.run(issue_and_print(url, loaded["programme_id"], cycle, layout))
            stop.set()
            samples = receiver.recv()
            scanners.join(timeout=60)
    marks = figures.pop("_marks")
    holds = sorted(figures.pop("_batch_holds"), reverse=True)

    def phase(begin: float, end: float) -> dict[str, float]:
        return summary([ms for sent, ms, _status in samples if begin <= sent < end] or [0.0])

    failed = [status for _sent, _ms, status in samples if status != 201]
    result: dict[str, object] = {
        "households": households,
        "cycle": cycle,
        "load_s": load_s,
        **figures,
        "batch_write_locks_s": {
            "count": len(holds),
            "longest": round(holds[0], 3) if holds else 0.0,
            "p50": round(holds[len(holds) // 2], 3) if holds else 0.0,
        },
        "redemptions": {
            "rate_per_s": rate,
            "sent": len(samples),
            "not_201": len(failed),
            "quiet_ms": phase(quiet_start, marks["batch_start"]),
            "during_batch_ms": phase(marks["batch_start"], marks["batch_end"]),
            "during_pdf_ms": phase(marks["pdf_start"], marks["pdf_end"]),
        },
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    result["all_checks_pass"] = figures["issued"] == figures["vouchers_in_db"] and not failed and figures["issued"] > 0
    result["targets_met"] = {
        "issue_under_60_s": figures["issue_s"] < TARGETS["issue_s"],
        "pdf_under_180_s": figures["pdf_s"] < TARGETS["pdf_s"],
        "write_lock_under_1_s": figures["longest_write_lock_s"] < TARGETS["lock_s"],
    }
    return result


if __name__ == "__main__":
    import argparse
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=HOUSEHOLDS)
    parser.add_argument("--layout", default=LAYOUT, choices=["a4", "a4x4", "receipt"])
    parser.add_argument("--rate", type=float, default=RATE, help="redemptions a second during the run")
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.households, arguments.layout, arguments.rate), indent=2, ensure_ascii=False))
