"""Two users at the same moment, in two real database transactions: what they race for is decided in SQL (a row
lock, a unique index), so the outcome is one of the orders in which they could have come — never a mix.

They show on PostgreSQL, where transactions overlap; on SQLite the write transactions take turns, so the same
tests check that each order on its own comes out right."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.inventory.catalogue import CatalogueService, ItemInput
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Balance, Item, Stocktake, StocktakeLine
from logistics.inventory.stocktake import StocktakeService

from ..helpers import db_session
from .conftest import ADMIN


@pytest.fixture
async def sessions(settings):
    """Sessions on an engine of the app's own set-up (BEGIN IMMEDIATE on SQLite)."""
    config = make_alchemy_config(settings)
    try:
        yield config.get_session
    finally:
        await config.get_engine().dispose()


async def test_a_count_saved_while_the_stocktake_is_confirmed_is_refused_or_in_the_stock(app, stock, sessions):
    """The confirmation holds its transaction open while another user saves a count of a line it did not see
    counted: the count waits for the confirmation and is refused — it must not land on a confirmed sheet without
    its difference reaching the stock."""
    expiry = local_today().replace(year=local_today().year + 1)
    async with db_session(app) as session:
        await LedgerService(session, ADMIN).receive(
            stock.warehouse.id,
            "Dar",
            [ReceiptLine(stock.soap.id, Decimal(5)), ReceiptLine(stock.pasta.id, Decimal(10), expiry)],
        )
        counting = StocktakeService(session, ADMIN)
        stocktake = await counting.open(stock.warehouse.id)
        rows = await session.execute(
            select(StocktakeLine.item_id, StocktakeLine.id).where(StocktakeLine.stocktake_id == stocktake.id)
        )
        lines = dict(rows.all())
        await session.commit()
    async with db_session(app) as session:
        await StocktakeService(session, ADMIN).count(stocktake.id, {lines[stock.soap.id]: Decimal(4)})
        await session.commit()

    confirmed = asyncio.Event()  # the other user saves once the confirmation holds its locks, on any machine

    async def confirm() -> str:
        async with sessions() as session:
            await StocktakeService(session, ADMIN).confirm(stocktake.id)
            confirmed.set()
            await asyncio.sleep(0.3)  # the confirmation's transaction stays open while the other user saves
            await session.commit()
            return "confirmed"

    async def count_pasta() -> str:
        await confirmed.wait()
        async with sessions() as session:
            try:
                await StocktakeService(session, ADMIN).count(stocktake.id, {lines[stock.pasta.id]: Decimal(8)})
            except DomainError:
                await session.rollback()
                return "refused"
            await session.commit()
            return "counted"

    outcomes = await asyncio.gather(confirm(), count_pasta())
    assert outcomes == ["confirmed", "refused"]
    async with db_session(app) as session:
        assert (await session.get(Stocktake, stocktake.id)).status == "confirmed"
        pasta_line = await session.get(StocktakeLine, lines[stock.pasta.id])
        balances = dict(
            (
                await session.execute(
                    select(Balance.item_id, func.sum(Balance.quantity))
                    .where(Balance.location_id == stock.warehouse.id)
                    .group_by(Balance.item_id)
                )
            ).all()
        )
    assert pasta_line.counted is None  # the refused count left nothing on the closed sheet
    assert balances == {stock.soap.id: Decimal(4), stock.pasta.id: Decimal(10)}


async def test_two_users_saving_items_of_the_same_name_at_once(app, stock, sessions):
    """Both check that the name is free before either has saved: the unique index lets one in, and the other is
    told the name is taken (not an error page)."""

    async def save(unit: str) -> str:
        async with sessions() as session:
            try:
                await CatalogueService(session, ADMIN).save_item(
                    None, ItemInput("Ryż 1 kg", "", "", "food", unit, Decimal(1), False, True)
                )
                await asyncio.sleep(0.2)  # hold the transaction open while the other one saves
                await session.commit()
                return "saved"
            except DomainError as error:
                await session.rollback()
                return f"refused: {error.field}"

    assert sorted(await asyncio.gather(save("kg"), save("opak"))) == ["refused: name", "saved"]
    async with db_session(app) as session:
        assert len(list(await session.scalars(select(Item).where(Item.name == "Ryż 1 kg")))) == 1
