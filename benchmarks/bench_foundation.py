"""Foundation: latency of the shared pages and of concurrent writes, through a real server.

Pages (signed in as the admin, 8 concurrent clients): start page, sites list, audit log.
Writes: 200 site creations by 50 concurrent clients — none may fail (SQLite: BEGIN IMMEDIATE + busy_timeout).
"""

from __future__ import annotations

import asyncio
import re
import time

import httpx

from benchmarks.common import server, summary

PASSWORD = "pomoc-demo-2026"


async def signed_in(url: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = await client.post("/login", data={"_csrf_token": token, "username": "admin", "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    return client


async def timed(client: httpx.AsyncClient, method: str, path: str, **kwargs) -> tuple[float, int]:
    started = time.perf_counter()
    response = await client.request(method, path, **kwargs)
    return (time.perf_counter() - started) * 1000, response.status_code


async def pages(url: str, requests_per_page: int = 200, concurrency: int = 8) -> dict[str, dict[str, float]]:
    clients = [await signed_in(url) for _ in range(concurrency)]
    results = {}
    try:
        for path in ("/", "/sites", "/admin/audit"):
            samples: list[float] = []

            async def worker(
                client: httpx.AsyncClient, n: int, path: str = path, samples: list[float] = samples
            ) -> None:
                for _ in range(n):
                    ms, status = await timed(client, "GET", path)
                    assert status == 200, (path, status)
                    samples.append(ms)

            await asyncio.gather(*(worker(c, requests_per_page // concurrency) for c in clients))
            results[path] = summary(samples)
    finally:
        for client in clients:
            await client.aclose()
    return results


async def writes(url: str, total: int = 200, concurrency: int = 50) -> dict[str, float]:
    clients = [await signed_in(url) for _ in range(10)]
    samples: list[float] = []
    failures = 0
    semaphore = asyncio.Semaphore(concurrency)

    async def create(n: int) -> None:
        nonlocal failures
        client = clients[n % len(clients)]
        async with semaphore:
            ms, status = await timed(
                client,
                "POST",
                "/sites/new",
                data={"_csrf_token": client.cookies.get("przystan_csrf"), "name": f"Bench {n}", "kinds": "warehouse"},
            )
        samples.append(ms)
        failures += status != 303

    started = time.perf_counter()
    try:
        await asyncio.gather(*(create(n) for n in range(total)))
    finally:
        for client in clients:
            await client.aclose()
    elapsed = time.perf_counter() - started
    return {**summary(samples), "failures": failures, "per_second": round(total / elapsed, 1)}


def run(database_url: str | None = None, workers: int = 1) -> dict[str, object]:
    with server(database_url, workers=workers) as (url, _env):
        return {"pages": asyncio.run(pages(url)), "writes": asyncio.run(writes(url))}
