"""Two devices syncing the same offline hand-out at once — a race only PostgreSQL shows (SQLite runs one write
transaction at a time): the voucher's row lock puts one after the other, so exactly one of them is the conflict."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics.db import make_alchemy_config
from logistics.inventory.ledger import verify
from logistics.inventory.models import MovementLine
from logistics.vouchers.models import Redemption, RedemptionLine, VoucherLine
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import TEST_DB
from ..helpers import count, db_session
from .test_redeeming import _issue, _stock, volunteer

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="needs two transactions writing at once: SQLite runs one writer at a time"
)


async def test_two_devices_syncing_the_same_offline_voucher_at_once_make_one_conflict(app, aid, settings):
    """Two tablets handed the same voucher out while offline and sync at the same moment: both hand-outs are
    recorded (the goods left twice), the first to lock the voucher counts on its lines, the other is the one
    conflict — every line over — and the ledger took the stock of both; never a CHECK violation."""
    voucher = await _issue(app, aid)
    config = make_alchemy_config(settings)
    wants = {aid.kit.id: Decimal(1), aid.oil.id: Decimal(3)}
    scanned = datetime.now(UTC) - timedelta(seconds=30)

    async def sync(request_id: str) -> str:
        async with config.get_session() as session:
            outcome = await RedemptionService(session, volunteer(aid)).redeem_offline(
                voucher.code, aid.point.id, request_id, wants, scanned
            )
            await asyncio.sleep(0.05)  # holding the voucher's row while the other waits
            await session.commit()
            return outcome.redemption.conflict

    try:
        conflicts = await asyncio.gather(sync("tablet-1-0001"), sync("tablet-2-0001"))
    finally:
        await config.get_engine().dispose()
    assert sorted(conflicts) == ["", "already_redeemed"], conflicts
    async with db_session(app) as session:
        assert [line.redeemed for line in await session.scalars(select(VoucherLine))] == [1, 3]
        over = await session.scalar(select(func.sum(RedemptionLine.over_quantity)))
        assert over == 4
        taken = await session.scalar(
            select(func.sum(MovementLine.quantity)).where(MovementLine.location_id == aid.point.id)
        )
        assert await verify(session) == []
    assert taken == 80 - 2 * (3 + 3)  # 40 + 40 received; twice a kit (2 pasta + 1 oil) and 3 oil
    assert await _stock(app, aid, aid.oil) == 40 - 2 * 4 and await _stock(app, aid, aid.pasta) == 40 - 2 * 2
    assert await count(app, Redemption) == 2
