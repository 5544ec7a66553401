"""`make bench`: run the benchmarks and print their figures (copy them to benchmarks/RESULTS.md).

SQLite always; PostgreSQL too when LOGISTICS_BENCH_POSTGRES_URL is set (e.g. by scripts/with-postgres.sh, which
exports LOGISTICS_TEST_POSTGRES_URL — used when the bench variable is not set).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_foundation, bench_registry, bench_shelter
from benchmarks.common import machine


def fresh_postgres(url: str, name: str = "logistics_bench") -> str:
    """A new, empty database `name` next to the one in `url` (dropped first if it exists)."""
    import asyncio

    import asyncpg

    plain = url.replace("postgresql+asyncpg://", "postgresql://")

    async def recreate() -> None:
        connection = await asyncpg.connect(plain)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(recreate())
    return url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    print(f"Machine: {machine()}")
    results: dict[str, object] = {"foundation / SQLite, 1 process": bench_foundation.run()}
    results["registry search / SQLite"] = bench_registry.run()
    results["shelter board and fit / SQLite"] = bench_shelter.run()
    postgres = os.environ.get("LOGISTICS_BENCH_POSTGRES_URL") or os.environ.get("LOGISTICS_TEST_POSTGRES_URL")
    if postgres:
        results["foundation / PostgreSQL, 2 processes"] = bench_foundation.run(fresh_postgres(postgres), workers=2)
        results["registry search / PostgreSQL"] = bench_registry.run(database_url=fresh_postgres(postgres))
        results["shelter board and fit / PostgreSQL"] = bench_shelter.run(
            fresh_postgres(postgres, "logistics_bench_shelter")
        )
    print(json.dumps(results, indent=2, ensure_ascii=False))
    failures = sum(r["writes"]["failures"] for r in results.values() if "writes" in r)  # type: ignore[index,operator]
    if failures:
        print(f"{failures} write requests failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
