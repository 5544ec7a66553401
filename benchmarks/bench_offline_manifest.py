"""Offline scanning: a distribution point's manifest for 5,000 vouchers — its size and the time to build it — and
an incremental refresh after 50 redemptions.

Target (issue 16): under 500 kB and under 1 s to build on the server.

The data (random.Random(16), bulk inserts, dated yesterday and earlier so that a refresh's overlap sees none of
them): two distribution points, three items and a kit (2 pasta + 1 fish + 1 oil); at Punkt wydawania 1 a monthly
programme valid only there with 5,000 current vouchers of 2–3 lines (the kit, oil per person, pasta for one in
three), 30 % of them partly redeemed and 10 % fully (with their redemptions), and 50 revoked; at Punkt wydawania 2
a programme valid only there with 2,000 current vouchers (in the first point's manifest as `elsewhere`); and last
month's 10,000 vouchers (expired or redeemed, with their redemptions), which the manifest must skip.

Measured through the application in this process (Litestar's test client, a device token of the point): the full
manifest, GET /api/v1/points/{id}/manifest, 20 times (after one untimed), and ManifestService.manifest alone 20
times (building the struct, then its JSON encoding apart); the size of the JSON and of what is sent (gzipped, as
to a browser). Then 50 vouchers
are redeemed through POST /api/v1/redemptions and the refresh (`since` = the last full manifest's generated_at)
is timed 20 times: it must list exactly those 50.
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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_registry import FAMILY, GIVEN
from benchmarks.bench_shelter import Ids, _tune_loading
from benchmarks.common import BIN, summary

SEED = 16
VOUCHERS = 5_000
ELSEWHERE = 2_000
REVOKED = 50
HISTORY = 10_000
REDEEMED_FOR_REFRESH = 50
RUNS = 20
TARGET_BYTES = 500_000
TARGET_MS = 1_000.0


def _progress(message: str) -> None:
    print(f"[bench_offline_manifest] {message}", file=sys.stderr, flush=True)


async def populate(url: str) -> dict[str, Any]:
    """Points, catalogue, programmes (through the services), then vouchers, lines and redemptions in bulk."""
    import logistics.app  # noqa: F401 — registers every model
    from logistics import codes
    from logistics.core.actor import Actor
    from logistics.core.i18n import local_today
    from logistics.inventory.ledger import LedgerService, ReceiptLine
    from logistics.inventory.models import Item, Kit, KitLine
    from logistics.sites.services import SiteInput, SiteService
    from logistics.vouchers.devices import DeviceService
    from logistics.vouchers.issuing import CODE_BITS
    from logistics.vouchers.models import (
        Programme,
        ProgrammeLine,
        ProgrammePoint,
        Redemption,
        RedemptionLine,
        Voucher,
        VoucherLine,
    )

    admin = Actor(user_id=None, username="bench", role="admin", sees_all_sites=True)
    rng = random.Random(SEED)
    engine = create_async_engine(url)
    _tune_loading(engine, url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    today = local_today()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    previous_last = first - timedelta(days=1)
    previous_first = previous_last.replace(day=1)

    async with sessions() as session:
        sites = SiteService(session, admin)
        points = [
            await sites.create_site(
                SiteInput(f"Punkt wydawania {n}", f"ul. Parafialna {n}", "", "pn–pt 10–14", ["distribution_point"])
            )
            for n in (1, 2)
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
        await session.flush()
        programmes = [
            Programme(
                code=code,
                name=name,
                cycle="monthly",
                rule="decision",
                lines=[ProgrammeLine(position=0, kit_id=kit.id, quantity=Decimal(1))],
                point_rows=[ProgrammePoint(site_id=point.id)],
            )
            for code, name, point in (("FEPZ", "FEPŻ — paczka żywnościowa", points[0]), ("SZK", "Wyprawka", points[1]))
        ]
        session.add_all(programmes)
        await session.flush()
        expiry = today + timedelta(days=120)
        await LedgerService(session, admin).receive(
            points[0].id,
            "Bank Żywności",
            [
                ReceiptLine(pasta.id, Decimal(1000), expiry),
                ReceiptLine(fish.id, Decimal(1000), expiry),
                ReceiptLine(oil.id, Decimal(1000)),
            ],
        )
        _device, token = await DeviceService(session, admin).create(points[0].id, "Tablet 1")
        await session.commit()

    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    new_id = Ids(now - timedelta(days=40))
    vouchers: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    redemptions: list[dict[str, Any]] = []
    redemption_lines: list[dict[str, Any]] = []
    untouched: list[str] = []

    def voucher(programme: Any, point: Any, status: str, valid: tuple[date, date], at: datetime, state: str) -> None:
        """One voucher with its lines; `state`: "new", "partly" or "fully" redeemed (with one redemption)."""
        voucher_id, size = new_id(), rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
        code = codes.normalize(codes.generate(CODE_BITS))
        vouchers.append(
            {
                "id": voucher_id,
                "code": code,
                "programme_id": programme.id,
                "household_id": None,
                "cycle": f"{valid[0]:%Y-%m}",
                "status": status,
                "valid_from": valid[0],
                "valid_until": valid[1],
                "household_size": size,
                "holder": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)[0]}.",
                "issued_by": "bench",
                "revoked_at": at if status == "revoked" else None,
                "revoked_reason": "zgubiony" if status == "revoked" else "",
                "replaces_id": None,
                "created_at": at,
                "updated_at": at,
            }
        )
        entitled = [(kit.id, None, Decimal(1)), (None, oil.id, Decimal(size))]
        if rng.random() < 1 / 3:
            entitled.append((None, pasta.id, Decimal(2)))
        handed_out = []
        for position, (kit_id, item_id, quantity) in enumerate(entitled):
            redeemed = quantity if state == "fully" else (quantity if position == 0 else Decimal(0))
            if state == "new":
                redeemed = Decimal(0)
            line_id = new_id()
            lines.append(
                {
                    "id": line_id,
                    "voucher_id": voucher_id,
                    "position": position,
                    "item_id": item_id,
                    "kit_id": kit_id,
                    "entitled": quantity,
                    "redeemed": redeemed,
                }
            )
            if redeemed:
                handed_out.append((line_id, redeemed))
        if handed_out:
            redemption_id = new_id()
            redemptions.append(
                {
                    "id": redemption_id,
                    "request_id": f"bench-{redemption_id}",
                    "voucher_id": voucher_id,
                    "point_id": point.id,
                    "at": at + timedelta(hours=1),
                    "user_name": "wolontariusz",
                    "programme_id": programme.id,
                    "family_id": voucher_id,
                    "household_size": size,
                }
            )
            redemption_lines.extend(
                [
                    {"id": new_id(), "redemption_id": redemption_id, "voucher_line_id": line_id, "quantity": quantity}
                    for line_id, quantity in handed_out
                ]
            )
        elif status == "issued" and point is points[0]:
            untouched.append(code)

    for _ in range(HISTORY):
        state = rng.choice(["fully", "fully", "fully", "new"])
        at = datetime.combine(previous_first, datetime.min.time(), UTC)
        status = "redeemed" if state == "fully" else "expired"
        voucher(programmes[rng.randrange(2)], points[0], status, (previous_first, previous_last), at, state)
    for n in range(VOUCHERS):
        state = "fully" if n % 10 == 0 else "partly" if n % 10 < 4 else "new"
        voucher(programmes[0], points[0], "redeemed" if state == "fully" else "issued", (first, last), yesterday, state)
    for _ in range(REVOKED):
        voucher(programmes[0], points[0], "revoked", (first, last), yesterday, "new")
    for n in range(ELSEWHERE):
        state = "partly" if n % 3 == 0 else "new"
        voucher(programmes[1], points[1], "issued", (first, last), yesterday, state)

    async with sessions() as session:
        for model, rows in (
            (Voucher, vouchers),
            (VoucherLine, lines),
            (Redemption, redemptions),
            (RedemptionLine, redemption_lines),
        ):
            for start in range(0, len(rows), 2_000):
                await session.execute(insert(model), rows[start : start + 2_000])
        await session.commit()
    await engine.dispose()
    return {
        "point_id": str(points[0].id),
        "token": token,
        "untouched": untouched,
        "vouchers_in_database": len(vouchers),
        "redemptions_in_database": len(redemptions),
    }


async def measure(url: str, var_dir: str, loaded: dict[str, Any]) -> dict[str, Any]:
    import msgspec
    from litestar.testing import AsyncTestClient

    from logistics.app import create_app
    from logistics.core.actor import Actor
    from logistics.db import make_alchemy_config
    from logistics.settings import get_settings
    from logistics.vouchers.offline import ManifestService

    os.environ.update({"LOGISTICS_DATABASE_URL": url, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_SCHEDULER": "off"})
    get_settings.cache_clear()
    point_id = UUID(loaded["point_id"])
    volunteer = Actor(user_id=None, username="bench", role="volunteer", site_ids=frozenset({point_id}))

    app = create_app()
    auth = {"authorization": f"Bearer {loaded['token']}"}
    path = f"/api/v1/points/{point_id}/manifest"
    async with AsyncTestClient(app=app) as client:
        # The service alone (on the application's engine, once the app has started: its objects frozen out of the
        # garbage collector's reach, as in a server): building the manifest, and encoding it, in a transaction rolled
        # back each time.
        engine = make_alchemy_config(get_settings()).get_engine()
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        build_ms, encode_ms = [], []
        for run in range(RUNS + 1):
            async with sessions() as session:
                started = time.perf_counter()
                manifest = await ManifestService(session, volunteer).manifest(point_id, None)
                built = time.perf_counter()
                msgspec.json.encode(manifest)
                encoded = time.perf_counter()
                await session.rollback()
            if run:  # the first is untimed: statement caches, imports
                build_ms.append((built - started) * 1000)
                encode_ms.append((encoded - built) * 1000)
        await engine.dispose()

        full_ms, body, wire = [], b"", 0
        for run in range(RUNS + 1):
            started = time.perf_counter()
            response = await client.get(path, headers=auth)  # accept-encoding: gzip, as a browser sends
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.text
            assert response.headers["content-encoding"] == "gzip"
            body, wire = response.content, response.num_bytes_downloaded
            if run:
                full_ms.append(elapsed)
        full = json.loads(body)
        for n, code in enumerate(loaded["untouched"][:REDEEMED_FOR_REFRESH]):
            request = {"code": code, "point": str(point_id), "request_id": f"bench-refresh-{n:04}"}
            redeemed = await client.post("/api/v1/redemptions", json=request, headers=auth)
            assert redeemed.status_code == 201, redeemed.text
        refresh_ms, refresh_body = [], b""
        for _run in range(RUNS):
            started = time.perf_counter()
            response = await client.get(path, params={"since": full["generated_at"]}, headers=auth)
            refresh_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            refresh_body, refresh_wire = response.content, response.num_bytes_downloaded
        refresh = json.loads(refresh_body)

    size = len(body)
    http = summary(full_ms)
    checks = {
        "vouchers_listed": len(full["vouchers"]) == VOUCHERS,
        "revoked_listed": len(full["revoked"]) == REVOKED,
        "elsewhere_listed": len(full["elsewhere"]) == ELSEWHERE,
        "refresh_lists_only_the_redeemed": refresh["full"] is False
        and len(refresh["vouchers"]) == REDEEMED_FOR_REFRESH
        and all(row[6] == "redeemed" for row in refresh["vouchers"]),
        "under_500_kB": size < TARGET_BYTES,  # the JSON itself (validity as days from `today`)
        "under_500_kB_sent": wire < TARGET_BYTES,
        "under_1_s": http["p95"] < TARGET_MS,
    }
    return {
        "manifest": {
            "vouchers": len(full["vouchers"]),
            "revoked": len(full["revoked"]),
            "elsewhere": len(full["elsewhere"]),
            "bytes_json": size,
            "bytes_sent_gzip": wire,
            "bytes_json_per_row": round(size / (VOUCHERS + ELSEWHERE + REVOKED), 1),
        },
        "full_http_ms": http,
        "full_service_build_ms": summary(build_ms),
        "full_service_encode_ms": summary(encode_ms),
        "refresh_after_50_redemptions": {
            "vouchers": len(refresh["vouchers"]),
            "bytes_json": len(refresh_body),
            "bytes_sent_gzip": refresh_wire,
            "http_ms": summary(refresh_ms),
        },
        "checks": checks,
        "all_checks_pass": all(checks.values()),
    }


def run(database_url: str | None = None) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as var_dir:
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/manifest.db"
        env = {**os.environ, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_DATABASE_URL": url}
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        started = time.perf_counter()
        _progress("loading")
        loaded = asyncio.run(populate(url))
        load_seconds = round(time.perf_counter() - started, 1)
        _progress(f"loaded in {load_seconds} s; measuring")
        figures = asyncio.run(measure(url, var_dir, loaded))
        return {
            "vouchers_in_database": loaded["vouchers_in_database"],
            "redemptions_in_database": loaded["redemptions_in_database"],
            "load_seconds": load_seconds,
            **figures,
        }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else None), indent=2, ensure_ascii=False))
