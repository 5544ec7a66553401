"""Spends racing on one value voucher, on SQLite and PostgreSQL: ten tills at once, each with a session (and a
connection) of its own. The voucher's row lock (PostgreSQL) or SQLite's one writer at a time makes them one after
the other, and the conditional UPDATE cannot take the balance below zero: exactly three of ten 30 zł purchases on
a 100 zł voucher go through and 10 zł remain. The same request id sent ten times at once makes one spend."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import select

from logistics.db import make_alchemy_config
from logistics.vouchers.models import Spend
from logistics.vouchers.redeeming import Refusal
from logistics.vouchers.spending import SpendService

from ..helpers import count
from .test_spending import _stored, cashier, till_fixture  # noqa: F401 — the fixture "till"

TILLS = 10


async def _race(settings, till, request_ids, amount="30.00"):
    config = make_alchemy_config(settings)
    start = asyncio.Event()

    async def one(n: int, request_id: str):
        async with config.get_session() as session:
            await start.wait()
            service = SpendService(session, cashier(till, f"kasjer{n}"))
            try:
                outcome = await service.spend(till.voucher.code, till.shop.id, request_id, Decimal(amount), "food")
                await session.commit()
                return outcome
            except Refusal as refusal:
                await session.rollback()
                return refusal.error

    try:
        tasks = [asyncio.create_task(one(n, request_id)) for n, request_id in enumerate(request_ids)]
        await asyncio.sleep(0.05)
        start.set()
        return await asyncio.gather(*tasks)
    finally:
        await config.get_engine().dispose()


async def test_ten_tills_at_once_three_purchases_of_30_go_through_and_10_remain(app, settings, till):
    results = await _race(settings, till, [f"race-request-{n:02}" for n in range(TILLS)])
    made = [result for result in results if not isinstance(result, str)]
    refused = [result for result in results if isinstance(result, str)]
    assert len(made) == 3, results
    assert sorted(set(refused)) == ["over_balance"] and len(refused) == 7
    stored = await _stored(app, till.voucher)
    assert (stored.spent, stored.balance, stored.status) == (Decimal("90.00"), Decimal("10.00"), "issued")
    assert await count(app, Spend) == 3
    assert sorted(outcome.view.balance for outcome in made) == [Decimal("10.00"), Decimal("40.00"), Decimal("70.00")]


async def test_the_same_request_id_ten_times_at_once_is_one_spend(app, settings, till):
    results = await _race(settings, till, ["one-request-id"] * TILLS, amount="45.90")
    assert all(not isinstance(result, str) for result in results), results
    assert sum(result.created for result in results) == 1
    assert len({result.spend.id for result in results}) == 1
    assert await count(app, Spend) == 1
    assert (await _stored(app, till.voucher)).spent == Decimal("45.90")


async def test_a_spend_and_its_undo_racing_a_second_spend_never_pass_zero(app, settings, till):
    """Spend 60, then at once undo it and spend 60 again from another till: whatever the order, the balance is
    100 - 60 = 40 (the undo first, then the spend) or the second one refused (the spend first) — never below zero."""
    [first] = await _race(settings, till, ["first-purchase"], amount="60.00")
    assert not isinstance(first, str)
    config = make_alchemy_config(settings)

    async def undo():
        async with config.get_session() as session:
            await SpendService(session, cashier(till, "kasjer0")).undo(first.spend.id)
            await session.commit()
            return "undone"

    async def spend():
        async with config.get_session() as session:
            try:
                await SpendService(session, cashier(till, "kasjer1")).spend(
                    till.voucher.code, till.shop.id, "second-purchase", Decimal("60.00"), "food"
                )
                await session.commit()
                return "spent"
            except Refusal as refusal:
                await session.rollback()
                return refusal.error

    try:
        undone, spent = await asyncio.gather(undo(), spend())
    finally:
        await config.get_engine().dispose()
    assert undone == "undone" and spent in {"spent", "over_balance"}
    stored = await _stored(app, till.voucher)
    async with config.get_session() as session:
        live = [s.amount for s in await session.scalars(select(Spend).where(Spend.undone_at.is_(None)))]
    await config.get_engine().dispose()
    assert stored.spent == sum(live, Decimal("0.00")) and 0 <= stored.spent <= 100
