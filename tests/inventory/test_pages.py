"""Stock pages through HTTP: receiving line by line with a scanned EAN, an unknown EAN, the stock page and CSV."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from sqlalchemy import select

from logistics.core.i18n import local_today
from logistics.inventory.models import Balance, ItemBarcode, Movement

from ..conftest import login
from ..helpers import count, db_session, post_form

EXPIRY = (local_today() + timedelta(days=120)).isoformat()


async def _with_barcode(app, stock, code="5900000000015"):
    async with db_session(app) as session:
        session.add(ItemBarcode(item_id=stock.pasta.id, code=code))
        await session.commit()


async def test_receive_with_a_scanned_ean_in_packs(app, client, people, stock):
    await _with_barcode(app, stock)
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/receive"
    assert (await client.get(url)).status_code == 200
    line = await post_form(
        client,
        f"{url}/line",
        {"ean": "5900000000015", "quantity": "3", "unit": "packs", "expiry": EXPIRY},
        headers={"hx-request": "true"},
    )
    assert line.status_code == 200
    assert line.text.lstrip().startswith('<div id="receipt"')
    assert "Makaron 500 g" in line.text
    soap = await post_form(client, f"{url}/line", {"item": str(stock.soap.id), "quantity": "7", "unit": "units"})
    assert soap.status_code == 200
    assert await count(app, Movement) == 0  # only a draft so far
    done = await post_form(client, f"{url}/finish", {"source": "Bank Żywności", "reference": "WZ 12/2026"})
    assert done.status_code == 303
    async with db_session(app) as session:
        quantities = {row.item_id: row.quantity for row in await session.scalars(select(Balance))}
        movement = await session.scalar(select(Movement))
    assert quantities == {stock.pasta.id: Decimal(36), stock.soap.id: Decimal(7)}  # 3 cartons of 12
    assert movement.source == "Bank Żywności"
    page = await client.get(f"/stock/{stock.warehouse.id}")
    assert "Makaron 500 g" in page.text
    csv_text = (await client.get(f"/stock/{stock.warehouse.id}/stock.csv")).text
    assert csv_text.splitlines()[0] == "item,category,unit,expiry,lot,quantity"
    assert f"Makaron 500 g,food,szt,{EXPIRY},,36" in csv_text


async def test_line_refusals(app, client, people, stock):
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/receive/line"
    cases = [
        ({"item": str(stock.pasta.id), "quantity": "5", "unit": "units"}, "podaj datę ważności"),
        ({"item": str(stock.pasta.id), "quantity": "5", "unit": "units", "expiry": "2020-01-01"}, "minął"),
        ({"item": str(stock.soap.id), "quantity": "0", "unit": "units"}, "większa od zera"),
        ({"item": str(stock.soap.id), "quantity": "-2", "unit": "units"}, "0"),
        ({"quantity": "2", "unit": "units"}, "Zeskanuj kod kreskowy albo wybierz artykuł."),
        ({"ean": "12345", "quantity": "2"}, "8, 12, 13 lub 14 cyfr"),
    ]
    for data, message in cases:
        response = await post_form(client, url, data)
        assert response.status_code == 422, data
        assert message in response.text, data
    finish = await post_form(client, f"/stock/{stock.warehouse.id}/receive/finish", {"source": "Dar"})
    assert finish.status_code == 422  # no lines
    assert await count(app, Movement) == 0


async def test_unknown_ean_can_be_added_to_an_item(app, client, people, stock):
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/receive"
    unknown = await post_form(client, f"{url}/line", {"ean": "5900000000022", "quantity": "1", "unit": "packs"})
    assert unknown.status_code == 422
    assert "Nieznany kod kreskowy 5900000000022" in unknown.text
    assert 'action="/stock/barcodes"' in unknown.text
    added = await post_form(
        client,
        "/stock/barcodes",
        {"ean": "5900000000022", "item": str(stock.soap.id), "location": str(stock.warehouse.id)},
    )
    assert added.status_code == 303
    again = await post_form(client, f"{url}/line", {"ean": "5900000000022", "quantity": "1", "unit": "units"})
    assert again.status_code == 200
    assert "Mydło" in again.text


async def test_only_stock_roles_open_the_stock(app, client, people, stock):
    for username in ("volunteer", "caseworker", "shelter"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/stock")).status_code == 403, username
    client.cookies.clear()
    await login(client, "warehouse")  # works at site A only (a night shelter's pantry, empty)
    assert (await client.get(f"/stock/{people.site_a.id}")).status_code == 200
    assert (await client.get(f"/stock/{stock.warehouse.id}")).status_code == 403
    assert (await client.get(f"/stock/{uuid4()}")).status_code == 404
