"""Voucher pages over a real server while scanners write: a page that logs its view takes its turn among the
writers (opt=WRITES) instead of failing with "database is locked" or WriteInReadTransaction."""

from __future__ import annotations

import asyncio
import re
import uuid
from decimal import Decimal

import httpx

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Redemption

from ..conftest import PASSWORD
from ..helpers import count, db_session
from ..live import serve
from .conftest import ADMIN, _household

SCANS = 20


async def _signed_in(url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = await client.post("/login", data={"_csrf_token": token, "username": username, "password": PASSWORD})
    assert response.status_code == 303
    return client


async def test_a_voucher_page_viewed_while_twenty_redemptions_are_written_answers_200_every_time(app, people, aid):
    async with db_session(app) as session:
        households = [_household(Decimal(500), (f"Osoba {n}", "Testowa")) for n in range(SCANS)]
        session.add_all(households)
        await session.flush()
        service = VoucherService(session, ADMIN)
        vouchers = [await service.issue(aid.food.id, household.id) for household in households]
        _device, token = await DeviceService(session, ADMIN).create(aid.point.id, "Tablet 1")
        await session.commit()
    viewed = vouchers[0]
    auth = {"authorization": f"Bearer {token}"}
    with serve(app) as url:
        reader = await _signed_in(url, "caseworker")
        scanner = httpx.AsyncClient(base_url=url, timeout=60, headers=auth)
        try:
            scans = [
                scanner.post(
                    "/api/v1/redemptions",
                    json={
                        "code": codes.format_code(voucher.code),
                        "point": str(aid.point.id),
                        "request_id": str(uuid.uuid4()),
                        "lines": [{"item": str(aid.oil.id), "quantity": "1"}],
                    },
                )
                for voucher in vouchers
            ]
            views = [reader.get(f"/vouchers/{viewed.id}") for _ in range(SCANS)]
            responses = await asyncio.gather(*(call for pair in zip(scans, views, strict=True) for call in pair))
        finally:
            await reader.aclose()
            await scanner.aclose()
    scanned, seen = responses[0::2], responses[1::2]
    assert [r.status_code for r in seen] == [200] * SCANS, [r.text[:300] for r in seen if r.status_code != 200][:2]
    assert all("Osoba 0 Testowa" in r.text for r in seen)
    assert [r.status_code for r in scanned] == [201] * SCANS, [r.text[:300] for r in scanned if r.status_code != 201]
    assert await count(app, Redemption) == SCANS
    assert await count(app, AuditEntry, AuditEntry.action == "voucher.view") == SCANS
