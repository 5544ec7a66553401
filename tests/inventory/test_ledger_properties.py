"""Property test: any sequence of receipts, issues, transfers (sent, then received short or called back), write-offs,
stocktakes and reversals leaves balances that equal the replayed ledger and an independent running total, and
never a negative balance."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.inventory.ledger import LedgerService, ReceiptLine, verify
from logistics.inventory.models import (
    Balance,
    Item,
    Lot,
    Movement,
    MovementLine,
    Stocktake,
    StocktakeLine,
    Transfer,
    TransferLine,
)
from logistics.inventory.stocktake import StocktakeService
from logistics.sites.services import SiteInput, SiteService

from .conftest import ADMIN

EXPIRIES = [None, local_today() + timedelta(days=5), local_today() + timedelta(days=90)]
quantities = st.integers(min_value=1, max_value=25).map(Decimal)
receipts = st.tuples(st.just("receive"), st.integers(0, 1), st.integers(0, 1), quantities, st.integers(0, 2))
# Every sequence starts with a few receipts, so the issues, transfers and reversals after them have stock to act on.
operations = st.tuples(
    st.lists(receipts, min_size=2, max_size=6),
    st.lists(
        st.one_of(
            receipts,
            st.tuples(st.just("issue"), st.integers(0, 1), st.integers(0, 1), quantities),
            st.tuples(st.just("send"), st.integers(0, 1), st.integers(0, 1), quantities),
            st.tuples(st.just("arrive"), st.integers(0, 10), st.integers(0, 3)),
            st.tuples(st.just("call_back"), st.integers(0, 10)),
            st.tuples(st.just("stocktake"), st.integers(0, 1), st.integers(0, 5), st.integers(0, 30).map(Decimal)),
            st.tuples(st.just("write_off"), st.integers(0, 1), st.integers(0, 5), quantities),
            st.tuples(st.just("reverse"), st.integers(0, 30)),
        ),
        min_size=3,
        max_size=25,
    ),
).map(lambda parts: parts[0] + parts[1])


def test_balances_always_equal_the_replayed_ledger(settings):
    config = make_alchemy_config(settings)
    loop = asyncio.new_event_loop()

    async def prepare() -> tuple[list, list]:
        async with config.get_session() as session:
            sites = SiteService(session, ADMIN)
            locations = [await sites.create_site(SiteInput(f"Magazyn {n}", "", "", "", ["warehouse"])) for n in (1, 2)]
            items = [
                Item(name="Olej 1 l", category="food", unit="l", perishable=False),
                Item(name="Ryż 1 kg", category="food", unit="kg", perishable=False),
            ]
            session.add_all(items)
            await session.commit()
            return [site.id for site in locations], [item.id for item in items]

    locations, items = loop.run_until_complete(prepare())

    async def scenario(ops: list[tuple]) -> None:
        async with config.get_session() as session:
            for table in (TransferLine, Transfer, StocktakeLine, Stocktake, Balance, MovementLine, Movement, Lot):
                await session.execute(delete(table))
            await session.commit()
        expected: dict[tuple, Decimal] = defaultdict(Decimal)
        done: list[tuple[object, dict[tuple, Decimal]]] = []  # movement id and its effect, for reversals
        in_transit: list[tuple[object, int, int]] = []  # transfer id, receiving location, item
        for op in ops:
            async with config.get_session() as session:
                ledger = LedgerService(session, ADMIN)
                effect: dict[tuple, Decimal] = defaultdict(Decimal)
                try:
                    if op[0] == "receive":
                        _, loc, item, qty, expiry = op
                        movement = await ledger.receive(
                            locations[loc], "test", [ReceiptLine(items[item], qty, EXPIRIES[expiry])]
                        )
                        effect[(loc, item)] += qty
                    elif op[0] == "issue":
                        _, loc, item, qty = op
                        movement = await ledger.issue(locations[loc], [(items[item], qty)])
                        effect[(loc, item)] -= qty
                    elif op[0] == "send":
                        _, loc, item, qty = op
                        transfer = await ledger.send(locations[loc], locations[1 - loc], [(items[item], qty)])
                        movement = await session.get(Movement, transfer.sent_movement_id)
                        effect[(loc, item)] -= qty
                        in_transit.append((transfer.id, 1 - loc, item))
                    elif op[0] in {"arrive", "call_back"}:
                        if not in_transit:
                            continue
                        transfer_id, to, item = in_transit.pop(op[1] % len(in_transit))
                        transfer = await ledger.transfer(transfer_id)
                        if op[0] == "arrive":  # the last line arrives short by up to 3 units
                            last = transfer.lines[-1]
                            short = min(last.sent, Decimal(op[2]))
                            transfer = await ledger.receive_transfer(transfer_id, {last.id: last.sent - short})
                            arrived = sum((line.received or 0 for line in transfer.lines), Decimal(0))
                            assert arrived == sum((line.sent for line in transfer.lines), Decimal(0)) - short
                        else:
                            transfer = await ledger.cancel_transfer(transfer_id, "called back")
                            arrived, to = sum((line.sent for line in transfer.lines), Decimal(0)), 1 - to
                        movement = await session.get(Movement, transfer.closed_movement_id)
                        effect[(to, item)] += arrived
                    elif op[0] == "stocktake":
                        _, loc, pick, counted = op
                        counting = StocktakeService(session, ADMIN)
                        stocktake = await counting.open(locations[loc])
                        await session.flush()
                        await session.refresh(stocktake)
                        if not stocktake.lines:
                            continue
                        line = stocktake.lines[pick % len(stocktake.lines)]
                        await counting.count(stocktake.id, {line.id: counted})
                        await counting.confirm(stocktake.id)
                        effect[(loc, items.index(line.item_id))] += line.difference
                        if stocktake.movement_id is None:
                            await session.commit()
                            continue
                        movement = await session.get(Movement, stocktake.movement_id)
                    elif op[0] == "write_off":
                        _, loc, pick, qty = op
                        lots = list(
                            await session.scalars(
                                select(Balance).where(Balance.location_id == locations[loc]).order_by(Balance.id)
                            )
                        )
                        if not lots:
                            continue
                        chosen = lots[pick % len(lots)]
                        movement = await ledger.correct("write_off", locations[loc], chosen.lot_id, -qty, "damaged")
                        effect[(loc, items.index(chosen.item_id))] -= qty
                    else:
                        if not done:
                            continue
                        original, original_effect = done[op[1] % len(done)]
                        movement = await ledger.reverse(original, "mistake")
                        for key, value in original_effect.items():
                            effect[key] -= value
                    await session.commit()
                except DomainError:
                    await session.rollback()
                    continue
                for key, value in effect.items():
                    expected[key] += value
                done.append((movement.id, effect))
        async with config.get_session() as session:
            assert await verify(session) == []
            assert await session.scalar(select(func.count()).select_from(Balance).where(Balance.quantity < 0)) == 0
            for (loc, item), total in expected.items():
                stored = await session.scalar(
                    select(func.sum(Balance.quantity)).where(
                        Balance.location_id == locations[loc], Balance.item_id == items[item]
                    )
                )
                assert Decimal(stored or 0) == total

    @hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=operations)
    def check(ops: list[tuple]) -> None:
        loop.run_until_complete(scenario(ops))

    try:
        check()
    finally:
        loop.run_until_complete(config.get_engine().dispose())
        loop.close()
