"""Real concurrent requests against a real server: writers never fail with "database is locked", and a race for
the same unique name ends with one winner and clear messages for the rest."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from logistics.audit.models import AuditEntry
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
