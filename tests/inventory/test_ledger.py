"""The ledger's rules, each refusal leaving everything as it was, FEFO, reversals and the verify command."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from litestar.cli.main import litestar_group
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from logistics.core.actor import Actor
from logistics.core.errors import DomainError, Forbidden
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.inventory.ledger import LedgerService, ReceiptLine, Shortage, verify
from logistics.inventory.models import Balance, Kit, KitLine, Lot, Movement, MovementLine

from ..helpers import count, db_session
from .conftest import ADMIN

SOON, LATER = local_today() + timedelta(days=10), local_today() + timedelta(days=200)


async def _balance(app, location, item) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == location.id, Balance.item_id == item.id)
        )
    return Decimal(total or 0)


async def _receive(app, stock, lines, location=None):
    async with db_session(app) as session:
        movement = await LedgerService(session, ADMIN).receive((location or stock.warehouse).id, "Bank Żywności", lines)
        await session.commit()
        return movement


async def test_receipt_creates_lots_and_balances(app, stock):
    await _receive(
        app,
        stock,
        [
            ReceiptLine(stock.pasta.id, Decimal(120), SOON, "L-1"),
            ReceiptLine(stock.pasta.id, Decimal(60), LATER),
            ReceiptLine(stock.soap.id, Decimal(40)),
        ],
    )
    assert await _balance(app, stock.warehouse, stock.pasta) == 180
    assert await _balance(app, stock.warehouse, stock.soap) == 40
    assert await count(app, Lot) == 3
    async with db_session(app) as session:
        assert await verify(session) == []


@pytest.mark.parametrize(
    ("line", "source", "field", "message"),
    [
        (lambda s: ReceiptLine(s.pasta.id, Decimal(10)), "Dar", "expiry-1", "podaj datę ważności"),
        (lambda s: ReceiptLine(s.pasta.id, Decimal(10), local_today() - timedelta(days=1)), "Dar", "expiry-1", "minął"),
        (lambda s: ReceiptLine(s.soap.id, Decimal(0)), "Dar", "quantity-1", "większa od zera"),
        (lambda s: ReceiptLine(s.soap.id, Decimal(-3)), "Dar", "quantity-1", "większa od zera"),
        (lambda s: ReceiptLine(s.soap.id, Decimal(3)), " ", "source", "darczyńcę"),
    ],
)
async def test_bad_receipts_change_nothing(app, stock, line, source, field, message):
    async with db_session(app) as session:
        with pytest.raises(DomainError) as refused:
            await LedgerService(session, ADMIN).receive(stock.warehouse.id, source, [line(stock)])
        await session.rollback()
    assert refused.value.field == field
    assert message in refused.value.message
    assert await count(app, Movement) == 0
    assert await count(app, Balance) == 0


async def test_issue_takes_the_earliest_expiry_first_and_never_an_expired_lot(app, stock):
    await _receive(
        app, stock, [ReceiptLine(stock.pasta.id, Decimal(10), LATER), ReceiptLine(stock.pasta.id, Decimal(5), SOON)]
    )
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        plan = await ledger.fefo(stock.warehouse.id, stock.pasta.id, Decimal(7))
        soon_lot = await session.scalar(select(Lot.id).where(Lot.expiry == SOON))
        later_lot = await session.scalar(select(Lot.id).where(Lot.expiry == LATER))
        assert plan == [(soon_lot, Decimal(5)), (later_lot, Decimal(2))]
        # Once the first lot has expired, it is never picked.
        assert await ledger.fefo(stock.warehouse.id, stock.pasta.id, Decimal(7), today=SOON + timedelta(days=1)) == [
            (later_lot, Decimal(7))
        ]
        with pytest.raises(Shortage):
            await ledger.fefo(stock.warehouse.id, stock.pasta.id, Decimal(11), today=SOON + timedelta(days=1))
        await ledger.issue(stock.warehouse.id, [(stock.pasta.id, Decimal(7))], reference="bon 123")
        await session.commit()
    assert await _balance(app, stock.warehouse, stock.pasta) == 8


async def test_a_shortage_says_what_is_missing_and_changes_nothing(app, stock):
    await _receive(app, stock, [ReceiptLine(stock.pasta.id, Decimal(5), SOON), ReceiptLine(stock.soap.id, Decimal(2))])
    async with db_session(app) as session:
        with pytest.raises(Shortage) as short:
            await LedgerService(session, ADMIN).issue(
                stock.warehouse.id, [(stock.pasta.id, Decimal(3)), (stock.soap.id, Decimal(5))]
            )
        await session.rollback()
    assert [(m.item, m.short) for m in short.value.missing] == [("Mydło", Decimal(3))]
    assert await _balance(app, stock.warehouse, stock.pasta) == 5
    assert await count(app, Movement) == 1


async def test_a_shortage_of_several_items_lists_each_of_them(app, stock):
    await _receive(app, stock, [ReceiptLine(stock.pasta.id, Decimal(5), SOON), ReceiptLine(stock.soap.id, Decimal(2))])
    async with db_session(app) as session:
        with pytest.raises(Shortage) as short:
            await LedgerService(session, ADMIN).issue(
                stock.warehouse.id, [(stock.pasta.id, Decimal(8)), (stock.soap.id, Decimal(5))]
            )
        await session.rollback()
    assert [(m.item, m.short) for m in short.value.missing] == [("Makaron 500 g", Decimal(3)), ("Mydło", Decimal(3))]
    assert await _balance(app, stock.warehouse, stock.pasta) == 5


async def test_transfer_moves_lots_and_refuses_the_same_location(app, stock):
    await _receive(app, stock, [ReceiptLine(stock.pasta.id, Decimal(24), SOON)])
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        with pytest.raises(DomainError):
            await ledger.send(stock.warehouse.id, stock.warehouse.id, [(stock.pasta.id, Decimal(1))])
        transfer = await ledger.send(stock.warehouse.id, stock.point.id, [(stock.pasta.id, Decimal(10))])
        await session.commit()
    # In transit: gone from the warehouse, not yet at the point.
    assert await _balance(app, stock.warehouse, stock.pasta) == 14
    assert await _balance(app, stock.point, stock.pasta) == 0
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        line = (await ledger.transfer(transfer.id)).lines[0]
        with pytest.raises(DomainError, match="Więcej niż wysłano"):
            await ledger.receive_transfer(transfer.id, {line.id: Decimal(11)})
        with pytest.raises(DomainError, match="ujemna"):
            await ledger.receive_transfer(transfer.id, {line.id: Decimal(-1)})
        await ledger.receive_transfer(transfer.id, {line.id: Decimal(9)})  # one packet lost on the way
        await session.commit()
    assert await _balance(app, stock.point, stock.pasta) == 9
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        received = await ledger.transfer(transfer.id)
        assert (received.status, received.lines[0].sent, received.lines[0].received) == ("received", 10, 9)
        with pytest.raises(DomainError, match="już przyjęte"):  # confirmed twice: nothing changes
            await ledger.receive_transfer(transfer.id)
        with pytest.raises(DomainError, match="już przyjęte"):
            await ledger.cancel_transfer(transfer.id, "too late")
        with pytest.raises(DomainError, match="nie stornuje"):
            await ledger.reverse(received.sent_movement_id, "mistake")
        assert await verify(session) == []
    assert await _balance(app, stock.point, stock.pasta) == 9


async def test_a_cancelled_transfer_returns_the_goods_to_the_sender(app, stock):
    await _receive(app, stock, [ReceiptLine(stock.soap.id, Decimal(5))])
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        transfer = await ledger.send(stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(5))])
        with pytest.raises(DomainError, match="Podaj powód"):
            await ledger.cancel_transfer(transfer.id, " ")
        await ledger.cancel_transfer(transfer.id, "wrong van")
        await session.commit()
    assert await _balance(app, stock.warehouse, stock.soap) == 5
    assert await _balance(app, stock.point, stock.soap) == 0


async def test_a_kit_is_issued_as_its_components(app, stock):
    await _receive(
        app, stock, [ReceiptLine(stock.pasta.id, Decimal(10), SOON), ReceiptLine(stock.soap.id, Decimal(10))]
    )
    async with db_session(app) as session:
        kit = Kit(
            name="Paczka A",
            lines=[
                KitLine(item_id=stock.pasta.id, quantity=Decimal(2)),
                KitLine(item_id=stock.soap.id, quantity=Decimal(1)),
            ],
        )
        session.add(kit)
        await session.commit()
        ledger = LedgerService(session, ADMIN)
        movement = await ledger.issue(stock.warehouse.id, [(stock.soap.id, Decimal(1))], kits=[(kit.id, 3)])
        await session.commit()
        assert sorted(line.quantity for line in await ledger._lines(movement)) == [-6, -4]
        with pytest.raises(Shortage, match="Makaron 500 g"):  # 4 pasta left, 6 wanted
            await ledger.issue(stock.warehouse.id, [], kits=[(kit.id, 3)])
    assert await _balance(app, stock.warehouse, stock.pasta) == 4
    assert await _balance(app, stock.warehouse, stock.soap) == 6


async def test_reversal_points_to_the_original_and_happens_once(app, stock):
    receipt = await _receive(app, stock, [ReceiptLine(stock.soap.id, Decimal(10))])
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        reversal = await ledger.reverse(receipt.id, "pomyłka w ilości")
        await session.commit()
        reversal_id = reversal.id
        assert reversal.reverses_id == receipt.id
        with pytest.raises(DomainError):
            await ledger.reverse(receipt.id, "jeszcze raz")
        await session.rollback()
        with pytest.raises(DomainError):
            await ledger.reverse(reversal_id, "odwrócenie odwrócenia")
        await session.rollback()
    assert await _balance(app, stock.warehouse, stock.soap) == 0
    assert await count(app, Movement) == 2  # nothing deleted: the receipt and its reversal
    assert await count(app, MovementLine) == 2


async def test_write_off_and_adjustment(app, stock):
    await _receive(app, stock, [ReceiptLine(stock.pasta.id, Decimal(10), SOON)])
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        lot = await session.scalar(select(Lot.id))
        with pytest.raises(DomainError):
            await ledger.correct("write_off", stock.warehouse.id, lot, Decimal(2), "uszkodzone")
        with pytest.raises(DomainError):
            await ledger.correct("write_off", stock.warehouse.id, lot, Decimal(-2), "")
        await ledger.correct("write_off", stock.warehouse.id, lot, Decimal(-2), "uszkodzone opakowania")
        await ledger.correct("adjustment", stock.warehouse.id, lot, Decimal(1), "znalezione przy półce")
        with pytest.raises(Shortage):
            await ledger.correct("adjustment", stock.warehouse.id, lot, Decimal(-50), "błąd")
        await session.commit()
    assert await _balance(app, stock.warehouse, stock.pasta) == 9


async def test_warehouse_staff_work_only_at_their_sites(app, stock):
    async with db_session(app) as session:
        own = Actor(user_id=None, username="w", role="warehouse", site_ids=frozenset({stock.warehouse.id}))
        ledger = LedgerService(session, own)
        await ledger.receive(stock.warehouse.id, "Dar", [ReceiptLine(stock.soap.id, Decimal(1))])
        with pytest.raises(Forbidden):
            await ledger.receive(stock.point.id, "Dar", [ReceiptLine(stock.soap.id, Decimal(1))])
        volunteer = Actor(user_id=None, username="v", role="volunteer", site_ids=frozenset({stock.point.id}))
        with pytest.raises(DomainError):
            await LedgerService(session, volunteer).receive(
                stock.point.id, "Dar", [ReceiptLine(stock.soap.id, Decimal(1))]
            )
        await session.rollback()


async def test_the_database_itself_refuses_a_negative_balance(app, stock):
    await _receive(app, stock, [ReceiptLine(stock.soap.id, Decimal(1))])
    async with db_session(app) as session:
        with pytest.raises(IntegrityError):  # the CHECK constraint
            await session.execute(update(Balance).values(quantity=Decimal(-1)))


async def test_two_issues_of_the_last_five_units_at_once(app, stock, settings):
    """Two real database transactions at the same moment: one issue succeeds, the other is told what is missing."""
    await _receive(app, stock, [ReceiptLine(stock.soap.id, Decimal(5))])
    config = make_alchemy_config(settings)  # the app's engine set-up: BEGIN IMMEDIATE on SQLite

    async def issue(volunteer: str) -> str:
        async with config.get_session() as session:
            try:
                await LedgerService(session, ADMIN).issue(stock.warehouse.id, [(stock.soap.id, Decimal(5))], volunteer)
                await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
                await session.commit()
                return "issued"
            except Shortage:
                await session.rollback()
                return "short"

    try:
        results = await asyncio.gather(issue("a"), issue("b"))
    finally:
        await config.get_engine().dispose()
    assert sorted(results) == ["issued", "short"]
    assert await _balance(app, stock.warehouse, stock.soap) == 0
    async with db_session(app) as session:
        assert await verify(session) == []


def test_verify_command_reports_a_tampered_balance(settings, monkeypatch):
    async def setup() -> None:
        from logistics.inventory.models import Item
        from logistics.sites.services import SiteInput, SiteService

        config = make_alchemy_config(settings)
        async with config.get_session() as session:
            site = await SiteService(session, ADMIN).create_site(SiteInput("Magazyn", "", "", "", ["warehouse"]))
            item = Item(name="Cukier 1 kg", category="food", unit="kg", perishable=False)
            session.add(item)
            await session.flush()
            await LedgerService(session, ADMIN).receive(site.id, "Dar", [ReceiptLine(item.id, Decimal(3))])
            await session.commit()
        await config.get_engine().dispose()

    async def tamper() -> None:
        config = make_alchemy_config(settings)
        async with config.get_session() as session:
            await session.execute(update(Balance).values(quantity=Decimal(7)))
            await session.commit()
        await config.get_engine().dispose()

    asyncio.run(setup())
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    runner = CliRunner()
    ok = runner.invoke(litestar_group, ["inventory", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "agree" in ok.output
    asyncio.run(tamper())
    bad = runner.invoke(litestar_group, ["inventory", "verify"])
    assert bad.exit_code == 1
    assert "balance 7.000 != ledger 3.000" in bad.output or "balance 7 != ledger 3" in bad.output
