"""Goods out, transfers, stocktakes, history and the receipt record, through HTTP — the response and the database."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from logistics.core.i18n import local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import (
    Balance,
    Kit,
    KitLine,
    Lot,
    Movement,
    MovementLine,
    Stocktake,
    StocktakeLine,
    Transfer,
    TransferLine,
)

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN

SOON, LATER = local_today() + timedelta(days=10), local_today() + timedelta(days=200)


async def _receive(app, location, lines):
    async with db_session(app) as session:
        movement = await LedgerService(session, ADMIN).receive(location.id, "Bank Żywności", lines)
        await session.commit()
        return movement


async def _balance(app, location, item) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == location.id, Balance.item_id == item.id)
        )
    return Decimal(total or 0)


async def test_transfer_shows_the_fefo_plan_then_travels_and_is_received_with_a_difference(app, client, people, stock):
    await _receive(
        app,
        stock.warehouse,
        [ReceiptLine(stock.pasta.id, Decimal(10), LATER), ReceiptLine(stock.pasta.id, Decimal(4), SOON)],
    )
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/transfer"
    assert (await client.get(url)).status_code == 200
    same = await post_form(client, url, {"to": str(stock.warehouse.id), f"qty-{stock.pasta.id}": "6"})
    assert same.status_code == 422  # the same location: refused, nothing sent
    assert "dwie różne lokalizacje" in same.text
    nothing = await post_form(client, url, {"to": str(stock.point.id)})
    assert nothing.status_code == 422
    too_much = await post_form(client, url, {"to": str(stock.point.id), f"qty-{stock.pasta.id}": "20"})
    assert too_much.status_code == 409
    assert "Makaron 500 g" in too_much.text
    plan = await post_form(client, url, {"to": str(stock.point.id), f"qty-{stock.pasta.id}": "6"})
    assert plan.status_code == 200
    assert 'id="plan"' in plan.text  # the earlier expiry goes first: 4 of the soon lot, 2 of the later one
    assert plan.text.index(_date_pl(SOON)) < plan.text.index(_date_pl(LATER))
    assert await count(app, Transfer) == 0
    sent = await post_form(client, url, {"to": str(stock.point.id), f"qty-{stock.pasta.id}": "6", "send": "1"})
    assert sent.status_code == 303
    async with db_session(app) as session:
        transfer = await session.scalar(select(Transfer))
        lines = list(await session.scalars(select(TransferLine).order_by(TransferLine.sent)))
    assert transfer.status == "in_transit"
    assert [line.sent for line in lines] == [2, 4]
    assert await _balance(app, stock.warehouse, stock.pasta) == 8
    assert await _balance(app, stock.point, stock.pasta) == 0
    stock_page = await client.get(f"/stock/{stock.point.id}")
    assert f"/stock/transfers/{transfer.id}" in stock_page.text  # "on the way here"
    detail = await client.get(f"/stock/transfers/{transfer.id}")
    assert detail.status_code == 200
    receive_url = f"/stock/transfers/{transfer.id}/receive"
    more = await post_form(client, receive_url, {f"received-{lines[0].id}": "3", f"received-{lines[1].id}": "4"})
    assert more.status_code == 422  # more than was sent
    assert await _balance(app, stock.point, stock.pasta) == 0
    done = await post_form(
        client,
        receive_url,
        {f"received-{lines[0].id}": "2", f"received-{lines[1].id}": "3", "note": "jedno opakowanie rozdarte"},
    )
    assert done.status_code == 303
    assert await _balance(app, stock.point, stock.pasta) == 5
    again = await post_form(client, receive_url, {f"received-{lines[0].id}": "2", f"received-{lines[1].id}": "4"})
    assert again.status_code == 422
    assert "już przyjęte" in again.text
    assert await _balance(app, stock.point, stock.pasta) == 5
    async with db_session(app) as session:
        stored = await session.get(Transfer, transfer.id)
        assert stored.status == "received"
        assert sorted(line.received for line in stored.lines) == [2, 3]
    page = await client.get(f"/stock/transfers/{transfer.id}")
    assert "brakuje 1" in page.text
    assert (await client.get("/stock/transfers")).status_code == 200


def _date_pl(day: date) -> str:
    from logistics.core.i18n import format_date

    return format_date(day)


async def test_call_back_a_transfer(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(5))])
    async with db_session(app) as session:
        transfer = await LedgerService(session, ADMIN).send(
            stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(5))]
        )
        await session.commit()
    await login(client, "admin")
    refused = await post_form(client, f"/stock/transfers/{transfer.id}/cancel", {"reason": ""})
    assert refused.status_code == 303
    assert await _balance(app, stock.warehouse, stock.soap) == 0  # no reason: nothing changed
    called = await post_form(client, f"/stock/transfers/{transfer.id}/cancel", {"reason": "pomyłka adresu"})
    assert called.status_code == 303
    assert await _balance(app, stock.warehouse, stock.soap) == 5
    assert await _balance(app, stock.point, stock.soap) == 0


async def test_issue_to_a_shelter_kitchen_with_a_kit(app, client, people, stock):
    await _receive(
        app, stock.warehouse, [ReceiptLine(stock.pasta.id, Decimal(10), SOON), ReceiptLine(stock.soap.id, Decimal(3))]
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
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/issue"
    page = await client.get(url)
    assert page.status_code == 200
    assert "Paczka A" in page.text
    no_recipient = await post_form(client, url, {f"qty-{stock.soap.id}": "1"})
    assert no_recipient.status_code == 422
    bad_number = await post_form(client, url, {"recipient": "Kuchnia", f"qty-{stock.soap.id}": "-1"})
    assert bad_number.status_code == 422
    short = await post_form(client, url, {"recipient": "Kuchnia", f"kit-{kit.id}": "4"})  # 4 soaps wanted, 3 there
    assert short.status_code == 409
    assert "Mydło" in short.text
    assert await count(app, Movement, Movement.kind == "issue") == 0
    done = await post_form(
        client, url, {"recipient": "Kuchnia Schroniska B", f"kit-{kit.id}": "2", f"qty-{stock.pasta.id}": "1"}
    )
    assert done.status_code == 303
    assert await _balance(app, stock.warehouse, stock.pasta) == 5
    assert await _balance(app, stock.warehouse, stock.soap) == 1
    async with db_session(app) as session:
        movement = await session.scalar(select(Movement).where(Movement.kind == "issue"))
    assert movement.source == "Kuchnia Schroniska B"
    detail = await client.get(done.headers["location"])
    assert detail.status_code == 200
    assert "Kuchnia Schroniska B" in detail.text


async def test_two_issues_of_the_last_five_units_over_http(app, client, people, stock):
    """Two requests at the same moment for the last 5 soaps: one is served, the other told what is missing."""
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(5))])
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/issue"
    responses = await asyncio.gather(
        *(post_form(client, url, {"recipient": f"Kuchnia {n}", f"qty-{stock.soap.id}": "5"}) for n in (1, 2))
    )
    assert sorted(response.status_code for response in responses) == [303, 409], [
        re.findall(r"(?:alert|field-error)[^>]*>([^<]*)", r.text) for r in responses
    ]
    refused = next(response for response in responses if response.status_code == 409)
    assert "Mydło: brakuje 5" in refused.text
    assert await _balance(app, stock.warehouse, stock.soap) == 0
    assert await count(app, Movement, Movement.kind == "issue") == 1
    assert await count(app, Balance, Balance.quantity < 0) == 0


async def test_stocktake_counts_reviews_and_confirms_once(app, client, people, stock):
    await _receive(
        app, stock.warehouse, [ReceiptLine(stock.pasta.id, Decimal(10), SOON), ReceiptLine(stock.soap.id, Decimal(8))]
    )
    await login(client, "admin")
    assert (await client.get(f"/stock/{stock.warehouse.id}/stocktake")).status_code == 200
    opened = await post_form(client, f"/stock/{stock.warehouse.id}/stocktake")
    assert opened.status_code == 303
    sheet_url = opened.headers["location"]
    twice = await post_form(client, f"/stock/{stock.warehouse.id}/stocktake")
    assert twice.status_code == 303
    assert await count(app, Stocktake) == 1  # one open count per location
    sheet = await client.get(sheet_url)
    assert sheet.status_code == 200
    listing = await client.get(f"/stock/{stock.warehouse.id}/stocktake")
    assert f'href="{sheet_url}"' in listing.text  # "continue the open count"
    async with db_session(app) as session:
        lines = {line.item_id: line for line in await session.scalars(select(StocktakeLine))}
    pasta_line, soap_line = lines[stock.pasta.id], lines[stock.soap.id]
    # Found goods not on the sheet: an item is needed, a perishable one needs its expiry, a lot is listed once.
    await post_form(client, f"{sheet_url}/line", {"expiry": LATER.isoformat()})
    await post_form(client, f"{sheet_url}/line", {"item": str(stock.pasta.id)})
    await post_form(client, f"{sheet_url}/line", {"item": str(stock.soap.id)})
    assert await count(app, StocktakeLine) == 2
    added = await post_form(client, f"{sheet_url}/line", {"item": str(stock.pasta.id), "expiry": LATER.isoformat()})
    assert added.status_code == 303
    assert await count(app, StocktakeLine) == 3
    negative = await post_form(client, f"{sheet_url}/count", {f"count-{pasta_line.id}": "-2"})
    assert negative.status_code == 422
    saved = await post_form(client, f"{sheet_url}/count", {f"count-{pasta_line.id}": "7", f"count-{soap_line.id}": "8"})
    assert saved.status_code == 303
    # Goods move while the count is open: 2 pasta issued after it was counted do not change its difference.
    async with db_session(app) as session:
        await LedgerService(session, ADMIN).issue(stock.warehouse.id, [(stock.pasta.id, Decimal(2))], source="Kuchnia")
        await session.commit()
    review = await client.get(f"{sheet_url}/review")
    assert review.status_code == 200
    assert "Makaron 500 g" in review.text and "-3" in review.text
    confirmed = await post_form(client, f"{sheet_url}/confirm")
    assert confirmed.status_code == 303
    assert await _balance(app, stock.warehouse, stock.pasta) == 5  # 10 - 2 issued - 3 missing at the count
    assert await _balance(app, stock.warehouse, stock.soap) == 8
    again = await post_form(client, f"{sheet_url}/confirm")
    assert again.status_code == 303
    assert await count(app, Movement, Movement.kind == "stocktake") == 1  # confirmed once
    async with db_session(app) as session:
        lines_written = await session.scalar(
            select(func.count()).select_from(MovementLine).join(Movement).where(Movement.kind == "stocktake")
        )
        assert lines_written == 1
    page = await client.get(sheet_url, follow_redirects=True)
    assert "zatwierdzona" in page.text


async def test_a_stocktake_confirmation_that_finds_too_little_changes_nothing(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(5))])
    await login(client, "admin")
    sheet_url = (await post_form(client, f"/stock/{stock.warehouse.id}/stocktake")).headers["location"]
    async with db_session(app) as session:
        line = await session.scalar(select(StocktakeLine))
    await post_form(client, f"{sheet_url}/count", {f"count-{line.id}": "1"})  # book 5, counted 1: -4
    async with db_session(app) as session:  # then 3 are issued: 2 left, so -4 cannot apply
        await LedgerService(session, ADMIN).issue(stock.warehouse.id, [(stock.soap.id, Decimal(3))], source="x")
        await session.commit()
    refused = await post_form(client, f"{sheet_url}/confirm")
    assert refused.status_code == 303
    async with db_session(app) as session:
        assert (await session.scalar(select(Stocktake))).status == "open"  # the confirmation was rolled back
    assert await count(app, Movement, Movement.kind == "stocktake") == 0
    assert await _balance(app, stock.warehouse, stock.soap) == 2


async def test_items_movements_and_the_receipt_record(app, client, people, stock):
    receipt = await _receive(app, stock.warehouse, [ReceiptLine(stock.pasta.id, Decimal(10), SOON)])
    await login(client, "admin")
    items = await client.get("/stock/items")
    assert items.status_code == 200
    assert "Makaron 500 g" in items.text
    found = await client.get("/stock/items?q=mak", headers={"hx-request": "true"})
    assert found.text.lstrip().startswith('<div id="items-results"') and "Mydło" not in found.text
    item = await client.get(f"/stock/items/{stock.pasta.id}")
    assert item.status_code == 200 and "Magazyn" in item.text
    history = await client.get(f"/stock/movements?location={stock.warehouse.id}&kind=receipt")
    assert history.status_code == 200 and "Bank Żywności" in history.text
    wrong_days = await client.get("/stock/movements?since=2026-05-02&until=2026-05-01")
    assert wrong_days.status_code == 200 and "Koniec jest przed początkiem" in wrong_days.text
    csv_text = (await client.get(f"/stock/movements.csv?item={stock.pasta.id}")).text
    assert csv_text.splitlines()[0].startswith("time,kind,location,item")
    assert ",receipt,Magazyn,Makaron 500 g,szt," in csv_text
    pdf = await client.get(f"/stock/movements/{receipt.id}/receipt.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    async with db_session(app) as session:
        issue = await LedgerService(session, ADMIN).issue(
            stock.warehouse.id, [(stock.pasta.id, Decimal(1))], source="x"
        )
        await session.commit()
    assert (await client.get(f"/stock/movements/{issue.id}/receipt.pdf")).status_code == 404


async def test_reverse_and_write_off_from_the_pages(app, client, people, stock):
    receipt = await _receive(app, stock.warehouse, [ReceiptLine(stock.pasta.id, Decimal(10), SOON)])
    await login(client, "admin")
    async with db_session(app) as session:
        lot = await session.scalar(select(Lot))
    url = f"/stock/{stock.warehouse.id}/correct/{lot.id}"
    assert (await client.get(url)).status_code == 200
    no_reason = await post_form(client, url, {"quantity": "2"})
    assert no_reason.status_code == 422
    too_many = await post_form(client, url, {"reason": "damaged", "quantity": "11"})
    assert too_many.status_code == 409
    written_off = await post_form(client, url, {"reason": "damaged", "quantity": "2", "note": "zgniecione"})
    assert written_off.status_code == 303
    assert await _balance(app, stock.warehouse, stock.pasta) == 8
    async with db_session(app) as session:
        movement = await session.scalar(select(Movement).where(Movement.kind == "write_off"))
    assert "zgniecione" in movement.source
    empty = await post_form(client, f"/stock/movements/{receipt.id}/reverse", {"reason": ""})
    assert empty.status_code == 303
    assert await count(app, Movement, Movement.kind == "reversal") == 0
    # The receipt cannot be reversed whole: 2 of its 10 are written off.
    short = await post_form(client, f"/stock/movements/{receipt.id}/reverse", {"reason": "pomyłka"})
    assert short.status_code == 303
    assert await count(app, Movement, Movement.kind == "reversal") == 0
    assert await _balance(app, stock.warehouse, stock.pasta) == 8


async def test_warehouse_staff_see_only_their_sites(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(5))])
    await login(client, "warehouse")  # works at Noclegownia A only
    assert (await client.get(f"/stock/{stock.warehouse.id}/issue")).status_code == 403
    assert (await client.get(f"/stock/{stock.warehouse.id}/stocktake")).status_code == 403
    refused = await post_form(
        client, f"/stock/{stock.warehouse.id}/issue", {"recipient": "x", f"qty-{stock.soap.id}": "1"}
    )
    assert refused.status_code == 403
    history = await client.get("/stock/movements")
    assert "Bank Żywności" not in history.text
    assert re.search(r"Mydło", (await client.get("/stock/items")).text)  # the catalogue, without others' stock
    assert await _balance(app, stock.warehouse, stock.soap) == 5
