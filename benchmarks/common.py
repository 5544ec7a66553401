"""Shared by the benchmarks: a real `logistics serve` on a loopback port with its own database, and timing."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(
    database_url: str | None = None, workers: int = 1, seed: bool = True
) -> Iterator[tuple[str, dict[str, str]]]:
    """Migrate, seed and serve a fresh database (SQLite in a temp dir unless `database_url` is given)."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = {
            **os.environ,
            "LOGISTICS_VAR_DIR": var_dir,
            "LOGISTICS_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{var_dir}/bench.db",
            "LOGISTICS_SCHEDULER": "off",
            "LOGISTICS_LOGIN_MAX_FAILURES": "100000",
        }
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        if seed:
            subprocess.run([BIN / "logistics", "seed", "demo"], env=env, check=True, capture_output=True)
        port = free_port()
        process = subprocess.Popen(
            [BIN / "logistics", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_port(port, 30)
            yield url, env
        finally:
            process.terminate()
            process.wait(timeout=20)


def wait_for_port(port: int, seconds: float) -> None:
    """Until a server accepts connections on the loopback `port` (or `seconds` have passed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "n": len(ordered),
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": round(statistics.fmean(ordered), 1),
    }


def fresh_postgres_database(url: str, name: str) -> str:
    """A new, empty PostgreSQL database `name` beside the one in `url` (dropped first if it exists); its URL."""
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
