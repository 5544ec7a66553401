"""Ten receiving institutions confirming one code at once, each with a session (and a connection) of its own: the
conditional UPDATE ... WHERE status IN CONFIRMABLE lets exactly one through, on SQLite and on PostgreSQL; the others
are told it is already confirmed."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.referrals.models import Referral
from logistics.referrals.services import ReferralService

from ..helpers import count, db_session
from .conftest import issue_direct

AT_ONCE = 10


async def test_ten_confirmations_at_once_exactly_one_succeeds(app, settings, setup):
    referral = await issue_direct(app, setup)
    config = make_alchemy_config(settings)
    start = asyncio.Event()

    async def one(n: int) -> str:
        async with config.get_session() as session:
            await start.wait()
            service = ReferralService(session, Actor(user_id=None, username="", role="", ip=f"10.0.0.{n}"))
            try:
                await service.confirm(referral.code, local_today(), f"instytucja {n}")
                await session.commit()
                return "confirmed"
            except DomainError as error:
                await session.rollback()
                return error.message

    try:
        tasks = [asyncio.create_task(one(n)) for n in range(AT_ONCE)]
        await asyncio.sleep(0.05)
        start.set()
        results = await asyncio.gather(*tasks)
    finally:
        await config.get_engine().dispose()
    assert results.count("confirmed") == 1, results
    assert all("już potwierdzone" in result for result in results if result != "confirmed"), results
    async with db_session(app) as session:
        stored = (await session.scalars(select(Referral).where(Referral.id == referral.id))).one()
    assert stored.status == "confirmed" and stored.came_on == local_today()
    assert await count(app, AuditEntry, AuditEntry.action == "referral.confirm") == 1


async def test_ten_confirmations_through_http_at_once_one_succeeds(app, setup):
    """The same through the public page, ten clients at once."""
    from litestar.testing import AsyncTestClient

    from ..helpers import post_form

    referral = await issue_direct(app, setup)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await client.get("/r")
        responses = await asyncio.gather(
            *[
                post_form(client, f"/r/{referral.code}", {"came_on": local_today().isoformat(), "note": f"n{n}"})
                for n in range(AT_ONCE)
            ]
        )
    codes = sorted(response.status_code for response in responses)
    assert codes == [303] + [422] * (AT_ONCE - 1), codes
    assert await count(app, AuditEntry, AuditEntry.action == "referral.confirm") == 1
