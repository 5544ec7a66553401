"""Site-limited roles act only at their own sites: warehouse staff at their warehouse, volunteers at their point.
Another site's stock pages, receiving, issues, transfers, stocktakes, corrections and history are refused (403) —
never answered with the user's own site's data instead — and a refused request changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics.accounts.models import User
from logistics.core.actor import Actor
from logistics.core.errors import Forbidden
from logistics.core.i18n import local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Balance, Lot, Movement, Stocktake, Transfer
from logistics.inventory.stocktake import StocktakeService
from logistics.sites.models import Site, SiteKindRow

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN


async def _works_at(app, username: str, *sites) -> None:
    async with db_session(app) as session:
        user = await session.scalar(select(User).where(User.username == username))
        user.sites = [await session.get(Site, site.id) for site in sites]
        await session.commit()


async def _balance(app, location, item) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == location.id, Balance.item_id == item.id)
        )
    return Decimal(total or 0)


@pytest.fixture
async def elsewhere(app, people, stock):
    """Stock at the warehouse (the warehouse user's own site) and at the point (not theirs): a receipt at each, a
    transfer from the point to a second point and one from the warehouse to the point, both on their way, and an
    open count at the point."""
    await _works_at(app, "warehouse", stock.warehouse)
    async with db_session(app) as session:
        second = Site(name="Punkt 2", kind_rows=[SiteKindRow(kind="distribution_point")])
        session.add(second)
        await session.flush()
        ledger = LedgerService(session, ADMIN)
        expiry = local_today().replace(year=local_today().year + 1)
        await ledger.receive(stock.warehouse.id, "Dar", [ReceiptLine(stock.soap.id, Decimal(5))])
        receipt = await ledger.receive(
            stock.point.id,
            "Bank Żywności",
            [ReceiptLine(stock.soap.id, Decimal(7)), ReceiptLine(stock.pasta.id, Decimal(3), expiry)],
        )
        theirs = await ledger.send(stock.point.id, second.id, [(stock.soap.id, Decimal(2))])
        ours = await ledger.send(stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(1))])
        count_sheet = await StocktakeService(session, ADMIN).open(stock.point.id)
        lot = await session.scalar(select(Lot).where(Lot.item_id == stock.pasta.id))
        await session.commit()
    return {
        "receipt": receipt.id,
        "theirs": theirs.id,
        "ours": ours.id,
        "stocktake": count_sheet.id,
        "lot": lot.id,
        "second": second.id,
    }


async def test_warehouse_staff_are_refused_another_sites_stock_and_history(app, client, people, stock, elsewhere):
    await login(client, "warehouse")
    point = stock.point.id
    locations = await client.get("/stock")
    assert locations.status_code == 200
    assert "Magazyn" in locations.text and "Punkt 1" not in locations.text
    assert (await client.get(f"/stock/{stock.warehouse.id}")).status_code == 200
    for url in (
        f"/stock/{point}",
        f"/stock/{point}/stock.csv",
        f"/stock/{point}/receive",
        f"/stock/{point}/issue",
        f"/stock/{point}/transfer",
        f"/stock/{point}/stocktake",
        f"/stock/{point}/correct/{elsewhere['lot']}",
        f"/stock/stocktakes/{elsewhere['stocktake']}",
        f"/stock/stocktakes/{elsewhere['stocktake']}/review",
        f"/stock/movements/{elsewhere['receipt']}",
        f"/stock/movements/{elsewhere['receipt']}/receipt.pdf",
        f"/stock/transfers/{elsewhere['theirs']}",
        # the history narrowed to another site: refused, not an empty (or one's own) list
        f"/stock/movements?location={point}",
        f"/stock/movements.csv?location={point}",
    ):
        answer = await client.get(url)
        assert answer.status_code == 403, url
        assert "Bank Żywności" not in answer.text, url
    own_history = await client.get(f"/stock/movements?location={stock.warehouse.id}")
    assert own_history.status_code == 200
    assert "Dar" in own_history.text and "Bank Żywności" not in own_history.text


async def test_warehouse_staff_cannot_change_another_sites_stock(app, client, people, stock, elsewhere):
    await login(client, "warehouse")
    point = stock.point.id
    movements, transfers = await count(app, Movement), await count(app, Transfer)
    posts = {
        f"/stock/{point}/receive/line": {"item": str(stock.soap.id), "quantity": "3", "unit": "units"},
        f"/stock/{point}/receive/finish": {"source": "Dar"},
        f"/stock/{point}/issue": {"recipient": "Kuchnia", f"qty-{stock.soap.id}": "1"},
        f"/stock/{point}/transfer": {"to": str(stock.warehouse.id), f"qty-{stock.soap.id}": "1", "send": "1"},
        f"/stock/{point}/stocktake": {},
        f"/stock/{point}/correct/{elsewhere['lot']}": {"reason": "damaged", "quantity": "1"},
        f"/stock/stocktakes/{elsewhere['stocktake']}/confirm": {},
        f"/stock/stocktakes/{elsewhere['stocktake']}/cancel": {},
        f"/stock/movements/{elsewhere['receipt']}/reverse": {"reason": "pomyłka"},
        f"/stock/transfers/{elsewhere['theirs']}/receive": {},
        f"/stock/transfers/{elsewhere['theirs']}/cancel": {"reason": "pomyłka"},
        # the warehouse sent this one: it may call it back, but only the point confirms what arrived
        f"/stock/transfers/{elsewhere['ours']}/receive": {},
    }
    for url, data in posts.items():
        answer = await post_form(client, url, data)
        assert answer.status_code == 403, url
    assert await count(app, Movement) == movements
    assert await count(app, Transfer) == transfers
    assert await _balance(app, stock.point, stock.soap) == 5  # 7 received, 2 on their way to the second point
    assert await count(app, Transfer, Transfer.status == "in_transit") == 2
    assert await count(app, Stocktake, Stocktake.status == "open") == 1

    assert (await client.get(f"/stock/transfers/{elsewhere['ours']}")).status_code == 200
    called_back = await post_form(client, f"/stock/transfers/{elsewhere['ours']}/cancel", {"reason": "pomyłka"})
    assert called_back.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Transfer, elsewhere["ours"])).status == "cancelled"
    assert await _balance(app, stock.warehouse, stock.soap) == 5


async def test_volunteers_hand_out_only_at_their_own_point(app, people, stock, elsewhere):
    async with db_session(app) as session:
        volunteer = Actor(user_id=None, username="v", role="volunteer", site_ids=frozenset({stock.point.id}))
        ledger = LedgerService(session, volunteer)
        await ledger.hand_out(stock.point.id, [(stock.soap.id, Decimal(1))], [], "ABC-123")
        with pytest.raises(Forbidden):
            await ledger.hand_out(elsewhere["second"], [(stock.soap.id, Decimal(1))], [], "ABC-124")
        with pytest.raises(Forbidden):  # a volunteer hands out on vouchers, but does not issue from the stock
            await ledger.issue(stock.point.id, [(stock.soap.id, Decimal(1))], source="x")
        await session.commit()
    assert await _balance(app, stock.point, stock.soap) == 4
    assert await count(app, Movement, Movement.reference == "ABC-124") == 0
