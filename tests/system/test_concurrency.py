"""Real concurrent requests against a real server: writers never fail with "database is locked", and a race for
the same unique name ends with one winner and clear messages for the rest."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from logistics.audit.models import AuditEntry
from logistics.db import write_intent
from logistics.db.transaction import TransactionMiddleware
from logistics.sites.models import Site

from ..conftest import PASSWORD
from ..helpers import count
from ..live import serve


@pytest.fixture
def live_url(app, people):
    with serve(app) as url:
        yield url


async def _signed_in_client(url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = await client.post("/login", data={"_csrf_token": token, "username": username, "password": PASSWORD})
    assert response.status_code == 303
    return client


async def _create_site(client: httpx.AsyncClient, name: str) -> httpx.Response:
    token = client.cookies.get("przystan_csrf")
    return await client.post("/sites/new", data={"_csrf_token": token, "name": name, "kinds": "distribution_point"})


async def test_fifty_concurrent_writers(app, live_url):
    clients = [await _signed_in_client(live_url, "admin") for _ in range(5)]
    try:
        responses = await asyncio.gather(*(_create_site(clients[n % 5], f"Punkt {n:02d}") for n in range(50)))
    finally:
        for client in clients:
            await client.aclose()
    statuses = [r.status_code for r in responses]
    assert statuses == [303] * 50, [r.text[:300] for r in responses if r.status_code != 303][:3]
    assert await count(app, Site) == 2 + 50
    assert await count(app, AuditEntry, AuditEntry.action == "site.create") == 2 + 50


async def test_race_for_the_same_name_has_one_winner(app, live_url):
    clients = [await _signed_in_client(live_url, "admin") for _ in range(10)]
    try:
        responses = await asyncio.gather(*(_create_site(client, "Punkt wspólny") for client in clients))
    finally:
        for client in clients:
            await client.aclose()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] + [422] * 9
    assert all("Placówka o tej nazwie już istnieje." in r.text for r in responses if r.status_code == 422)
    assert await count(app, Site, Site.name == "Punkt wspólny") == 1


async def test_write_requests_of_a_process_take_turns_first_come_first_served():
    """On SQLite (one writer) the process's write requests queue in arrival order — across routes, each of which
    has its own middleware instance — from when their body has arrived until their transaction ends (the response
    is still being sent when the next one starts). A slow client holds up nobody; readers do not queue."""
    events: list[str] = []

    async def handler(scope, receive, send):
        await receive()  # the body
        events.append(f"in {scope['n']}")
        await asyncio.sleep(0.01)
        events.append(f"out {scope['n']}")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.005)
        await send({"type": "http.response.body", "body": b""})

    routes = [TransactionMiddleware(handler, session_scope_key="db_session", one_writer=True) for _ in range(2)]
    body_arrives = asyncio.Event()

    async def request(n: str, writes: bool, route: int = 0, slow: bool = False) -> None:
        write_intent.set(writes)  # a task's own copy of the context, as for each request

        async def receive():
            if slow:
                await body_arrives.wait()
            return {"type": "http.request", "body": b"x", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.body":
                events.append(f"sent {n}")

        await routes[route]({"type": "http", "n": n, "path": "/"}, receive, send)

    slow = asyncio.create_task(request("slow", True, slow=True))
    await asyncio.wait_for(asyncio.gather(*(request(f"w{n}", True, route=n % 2) for n in range(4))), timeout=10)
    assert [e for e in events if not e.startswith("sent")] == [
        "in w0", "out w0", "in w1", "out w1", "in w2", "out w2", "in w3", "out w3"
    ]  # fmt: skip
    assert events.index("in w1") < events.index("sent w0")  # queued until w0's commit, not its last byte
    body_arrives.set()
    await slow
    events.clear()
    await asyncio.gather(request("r0", False), request("r1", False, route=1))
    assert events[:2] == ["in r0", "in r1"]
