"""Offline sync: a scanning tablet back on the network sends its queue of 1,000 offline redemptions, in order,
one at a time (as the page does), through POST /api/v1/redemptions with `offline_at` against a served app.

The data is bench_vouchers' (random.Random(6)): 3 distribution points, 5,000 vouchers of the FEPŻ programme
(1 kit + 1 oil per person) issued by `VoucherService.issue_batch`, stock at each point for its vouchers plus a
margin, device tokens. Three phases on one database, each with its own device:
  * `sync`: 1,000 distinct vouchers of point 1 handed out offline over the last hour (everything on each
    voucher), sent in the order they were scanned — no conflicts;
  * `sync_again`: the same 1,000 requests sent again (a tablet that did not get the answers): every one 200, the
    first result, nothing changed;
  * `sync_with_conflicts`: 1,000 distinct vouchers of point 2, of which 50 (5 %) were redeemed online at the
    point meanwhile (untimed, before the sync): those 50 are recorded as `already_redeemed` conflicts, with their
    stock issued a second time.
Latency is client-observed per request; the total is the phase's wall time. Afterwards the database is checked:
every offline redemption recorded once at its scan's time, exactly 50 conflicts, the voucher lines never past
their entitlement, one issue movement per redemption dated at its scan, `ledger.verify()` empty.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.bench_vouchers import Loaded, populate, serving
from benchmarks.common import BIN, ROOT, summary
from logistics.core.i18n import day_start, local_today

QUEUE = 1_000
CONFLICT_SHARE = 0.05
SEED = 16


def _progress(message: str) -> None:
    print(f"[bench_offline_sync] {message}", flush=True, file=__import__("sys").stderr)


@dataclass
class Scan:
    code: str
    request_id: str
    offline_at: datetime


def queue_of(loaded: Loaded, point: int, rng: random.Random, now: datetime) -> list[Scan]:
    """1,000 distinct vouchers of `point`, scanned offline over the last hour, oldest first."""
    codes = [code for code, at in loaded.vouchers if at == point]
    chosen = rng.sample(codes, QUEUE)
    # Within today (the vouchers are valid from today: just after midnight an hour ago was yesterday).
    start = max(now - timedelta(minutes=60), day_start(local_today()) + timedelta(seconds=1))
    step = (now - timedelta(seconds=5) - start) / QUEUE
    return [Scan(code, str(uuid.UUID(int=rng.getrandbits(128))), start + step * n) for n, code in enumerate(chosen)]


async def _lines(client: httpx.AsyncClient, point: str, code: str) -> list[dict[str, str]]:
    """What the offline page would hand out: everything remaining on the voucher (from the API's look-up)."""
    response = await client.get(f"/api/v1/vouchers/{code}?point={point}")
    assert response.status_code == 200, response.text[:300]
    return [{"item": line["item"], "quantity": line["remaining"]} for line in response.json()["lines"]]


async def sync(client: httpx.AsyncClient, point: str, scans: list[Scan], lines: dict[str, Any]) -> dict[str, Any]:
    """Send the queue in order, one request at a time; per-request latency and the statuses and conflicts."""
    samples, statuses, conflicts = [], [], []
    started = time.perf_counter()
    for scan in scans:
        body = {
            "code": scan.code,
            "point": point,
            "request_id": scan.request_id,
            "lines": lines[scan.code],
            "offline_at": scan.offline_at.isoformat(),
        }
        sent = time.perf_counter()
        response = await client.post("/api/v1/redemptions", json=body)
        samples.append((time.perf_counter() - sent) * 1000)
        statuses.append(response.status_code)
        conflicts.append(response.json().get("conflict") if response.status_code < 300 else response.text[:200])
    wall = time.perf_counter() - started
    return {
        "seconds": round(wall, 2),
        "redemptions_per_second": round(len(scans) / wall, 1),
        "latency_ms": summary(samples),
        "statuses": {str(status): statuses.count(status) for status in sorted(set(statuses))},
        "conflicts": dict(sorted(Counter(str(conflict) for conflict in conflicts).items())),
    }


async def drive(url: str, loaded: Loaded) -> dict[str, Any]:
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    # One device per phase: bench_vouchers made one per client, 17 at point 1 and 17 at point 2.
    first_token = next(token for point, token in loaded.tokens if point == 0)
    second_token = next(token for point, token in loaded.tokens if point == 1)
    online_token = [token for point, token in loaded.tokens if point == 1][1]
    clean, conflicted = queue_of(loaded, 0, rng, now), queue_of(loaded, 1, rng, now)

    def client(token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=url,
            timeout=120,
            headers={"authorization": f"Bearer {token}", "accept-language": "pl"},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    results: dict[str, Any] = {}
    async with client(first_token) as first, client(second_token) as second, client(online_token) as online:
        # Untimed: what each voucher's lines were when the page decided (as its manifest said).
        lines = {scan.code: await _lines(first, loaded.points[0], scan.code) for scan in clean}
        lines |= {scan.code: await _lines(second, loaded.points[1], scan.code) for scan in conflicted}
        results["sync"] = await sync(first, loaded.points[0], clean, lines)
        _progress(f"sync: {results['sync']['seconds']} s")
        results["sync_again"] = await sync(first, loaded.points[0], clean, lines)
        _progress(f"sync again: {results['sync_again']['seconds']} s")
        # Meanwhile, online at point 2: 5 % of the queued vouchers were redeemed by another device.
        for scan in rng.sample(conflicted, int(QUEUE * CONFLICT_SHARE)):
            body = {"code": scan.code, "point": loaded.points[1], "request_id": f"online-{scan.request_id}"}
            response = await online.post("/api/v1/redemptions", json=body)
            assert response.status_code == 201, response.text[:300]
        results["sync_with_conflicts"] = await sync(second, loaded.points[1], conflicted, lines)
        _progress(f"sync with conflicts: {results['sync_with_conflicts']['seconds']} s")
    return results


async def check(url: str, loaded: Loaded) -> dict[str, Any]:
    import logistics.app  # noqa: F401 — registers every model
    from logistics.inventory.ledger import verify
    from logistics.inventory.models import Movement
    from logistics.vouchers.models import Redemption, VoucherLine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            offline = await connection.scalar(
                select(func.count()).select_from(Redemption).where(Redemption.offline_received_at.is_not(None))
            )
            conflicts = (
                await connection.execute(
                    select(Redemption.conflict, func.count())
                    .where(Redemption.conflict != "")
                    .group_by(Redemption.conflict)
                )
            ).all()
            dated = await connection.scalar(
                select(func.count())
                .select_from(Redemption)
                .join(Movement, Movement.id == Redemption.movement_id)
                .where(Redemption.offline_received_at.is_not(None), Movement.at == Redemption.at)
            )
            over_entitled = await connection.scalar(
                select(func.count()).select_from(VoucherLine).where(VoucherLine.redeemed > VoucherLine.entitled)
            )
        from sqlalchemy.ext.asyncio import AsyncSession

        async with AsyncSession(engine) as session:
            differences = await verify(session)
    finally:
        await engine.dispose()
    expected_conflicts = int(QUEUE * CONFLICT_SHARE)
    return {
        "offline_redemptions": offline,
        "conflicts": {reason: n for reason, n in conflicts},
        "checks": {
            "every_offline_redemption_once": offline == 2 * QUEUE,
            "exactly_the_conflicts": dict(conflicts) == {"already_redeemed": expected_conflicts},
            "movement_dated_at_the_scan": dated == 2 * QUEUE,
            "lines_never_past_entitled": over_entitled == 0,
            "ledger_verify_empty": differences == [],
        },
    }


def run(database_url: str | None = None, workers: int = 1) -> dict[str, Any]:
    """SQLite in a temporary directory unless `database_url` (an empty database) is given."""
    with tempfile.TemporaryDirectory() as var_dir:
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/offline.db"
        env = {
            **os.environ,
            "LOGISTICS_VAR_DIR": var_dir,
            "LOGISTICS_DATABASE_URL": url,
            "LOGISTICS_SCHEDULER": "off",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        _progress("loading")
        loaded = asyncio.run(populate(url))
        log = Path(var_dir) / "server.log"
        with serving([str(BIN / "logistics"), "serve", "--workers", str(workers)], env, log) as (server_url, _p):
            phases = asyncio.run(drive(server_url, loaded))
        database = asyncio.run(check(url, loaded))
        errors = [
            line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line or "ERROR" in line
        ]
    checks = database.pop("checks")
    checks["sync_all_201_no_conflict"] = phases["sync"]["statuses"] == {"201": QUEUE} and phases["sync"][
        "conflicts"
    ] == {"None": QUEUE}
    checks["sync_again_all_200"] = phases["sync_again"]["statuses"] == {"200": QUEUE}
    checks["sync_with_conflicts_all_201"] = phases["sync_with_conflicts"]["statuses"] == {"201": QUEUE}
    return {
        "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
        "workers": workers,
        "queue": QUEUE,
        **phases,
        "database_after": database,
        "checks": checks,
        "all_checks_pass": all(checks.values()),
        "server_log_errors": errors[:20],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
