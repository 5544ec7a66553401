"""`make bench`: run the benchmarks and print their figures (copy them to benchmarks/RESULTS.md).

SQLite always; PostgreSQL too when LOGISTICS_BENCH_POSTGRES_URL is set (e.g. by scripts/with-postgres.sh, which
exports LOGISTICS_TEST_POSTGRES_URL — used when the bench variable is not set).

`python benchmarks/run.py [NAME ...]` runs only the benchmarks whose name contains one of the NAMEs (any case),
e.g. `python benchmarks/run.py inventory`; without NAMEs, all of them. `python benchmarks/run.py "voucher
redemptions"` runs every redemption scenario (also "fairness", "open loop", "demo programmes", "region").
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import (
    bench_batch_issue,
    bench_foundation,
    bench_inventory,
    bench_offline_manifest,
    bench_offline_sync,
    bench_registry,
    bench_reports,
    bench_shelter,
    bench_voucher_pdf,
    bench_vouchers,
)
from benchmarks.common import fresh_postgres_database, machine


def fresh_postgres(url: str, name: str = "logistics_bench") -> str:
    """A new, empty database `name` next to the one in `url` (dropped first if it exists)."""
    return fresh_postgres_database(url, name)


def benchmarks(postgres: str | None) -> list[tuple[str, Callable[[], dict[str, object]]]]:
    """Every benchmark by name, in the order they run: SQLite first, then PostgreSQL when `postgres` is set."""
    runs: list[tuple[str, Callable[[], dict[str, object]]]] = [
        ("foundation / SQLite, 1 process", lambda: bench_foundation.run()),
        ("registry search / SQLite", lambda: bench_registry.run()),
        ("shelter board and fit / SQLite", lambda: bench_shelter.run()),
        ("inventory ledger / SQLite", lambda: bench_inventory.run()),
        ("voucher PDF, 1,000 vouchers", lambda: bench_voucher_pdf.run()),
        ("batch issue of a region, 50,000 vouchers, and its PDF / SQLite", lambda: bench_batch_issue.run()),
        ("voucher redemptions / SQLite, 1 process", lambda: bench_vouchers.run()),
        (
            "voucher redemptions, demo programmes / SQLite, 1 process",
            lambda: bench_vouchers.run(workload="demo"),
        ),
        (
            "voucher redemptions, fairness at one point / SQLite, 1 process",
            lambda: bench_vouchers.fairness(),
        ),
        (
            "voucher redemptions, demo installation open loop / SQLite, 1 process",
            lambda: bench_vouchers.sweep(rates=(50, 100, 150, 200), target_ms=50),
        ),
        ("reports and dashboard / SQLite", lambda: bench_reports.run()),
        ("offline manifest, 5,000 vouchers / SQLite", lambda: bench_offline_manifest.run()),
        ("offline sync, 1,000 queued redemptions / SQLite, 1 process", lambda: bench_offline_sync.run()),
    ]
    if postgres:
        runs += [
            ("foundation / PostgreSQL, 2 processes", lambda: bench_foundation.run(fresh_postgres(postgres), workers=2)),
            ("registry search / PostgreSQL", lambda: bench_registry.run(database_url=fresh_postgres(postgres))),
            (
                "shelter board and fit / PostgreSQL",
                lambda: bench_shelter.run(fresh_postgres(postgres, "logistics_bench_shelter")),
            ),
            (
                "inventory ledger / PostgreSQL",
                lambda: bench_inventory.run(fresh_postgres(postgres, "logistics_bench_inventory")),
            ),
            (
                "voucher redemptions / PostgreSQL, 2 processes",
                lambda: bench_vouchers.run(fresh_postgres(postgres, "logistics_bench_vouchers"), workers=2),
            ),
            (
                "voucher redemptions, demo programmes / PostgreSQL, 2 processes",
                lambda: bench_vouchers.run(
                    fresh_postgres(postgres, "logistics_bench_vouchers"), workers=2, workload="demo"
                ),
            ),
            (
                "voucher redemptions, fairness at one point / PostgreSQL, 2 processes",
                lambda: bench_vouchers.fairness(fresh_postgres(postgres, "logistics_bench_vouchers"), workers=2),
            ),
            (
                "voucher redemptions, region open loop (100 points, 200 devices) / PostgreSQL, 2 processes",
                lambda: bench_vouchers.sweep(
                    fresh_postgres(postgres, "logistics_bench_vouchers"),
                    workers=2,
                    points=100,
                    clients=200,
                    rates=(100, 150, 200, 250, 300),
                    target_ms=100,
                    hygiene_share=bench_vouchers.REGION_HYGIENE_SHARE,
                ),
            ),
            (
                "reports and dashboard / PostgreSQL",
                lambda: bench_reports.run(fresh_postgres(postgres, "logistics_bench_reports")),
            ),
            (
                "offline manifest, 5,000 vouchers / PostgreSQL",
                lambda: bench_offline_manifest.run(fresh_postgres(postgres, "logistics_bench_manifest")),
            ),
            (
                "offline sync, 1,000 queued redemptions / PostgreSQL, 2 processes",
                lambda: bench_offline_sync.run(fresh_postgres(postgres, "logistics_bench_offline_sync"), workers=2),
            ),
        ]
    return runs


def main() -> None:
    postgres = os.environ.get("LOGISTICS_BENCH_POSTGRES_URL") or os.environ.get("LOGISTICS_TEST_POSTGRES_URL")
    wanted = [name.lower() for name in sys.argv[1:]]
    chosen = [(name, run) for name, run in benchmarks(postgres) if not wanted or any(w in name.lower() for w in wanted)]
    if not chosen:
        names = ", ".join(name for name, _run in benchmarks(postgres))
        print(f"No benchmark matches {' '.join(sys.argv[1:])!r}; there are: {names}", file=sys.stderr)
        sys.exit(2)
    print(f"Machine: {machine()}")
    results: dict[str, object] = {}
    for name, run in chosen:
        results[name] = run()
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    broken = [
        name for name, result in results.items() if isinstance(result, dict) and result.get("all_checks_pass") is False
    ]
    if broken:
        print(f"Checks failed in: {', '.join(broken)}", file=sys.stderr)
        sys.exit(1)
    failures = sum(r["writes"]["failures"] for r in results.values() if "writes" in r)  # type: ignore[index,operator]
    if failures:
        print(f"{failures} write requests failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
