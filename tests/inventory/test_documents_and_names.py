"""What people read: the receipt record (long names wrap inside their column, "received by" names the person) and
item names and units in the reader's language on the stock pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from sqlalchemy import select

from logistics.core.i18n import in_locale, local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Item
from logistics.inventory.names import item_name, unit_name

from ..conftest import login
from ..helpers import db_session, post_form
from .conftest import ADMIN

LONG = "Konserwa rybna — filety z makreli w sosie pomidorowym z dodatkiem oliwy, puszka 170 g, dar sieci handlowej"


def test_names_and_units_follow_the_language():
    with in_locale("uk"):
        assert item_name("Mydło", "Soap", "Мило") == "Мило"
        assert item_name("Mydło", "Soap", "") == "Mydło"  # no Ukrainian name: the Polish one
        assert unit_name("szt") == "шт"
    with in_locale("en"):
        assert item_name("Mydło", "Soap", "Мило") == "Soap"
        assert unit_name("szt") == "pcs"
    with in_locale("pl"):
        assert item_name("Mydło", "Soap", "Мило") == "Mydło"
        assert unit_name("szt") == "szt"
        assert unit_name("unknown") == "unknown"


async def test_the_receipt_record_wraps_long_names_and_names_the_receiver(app, client, people, stock, monkeypatch):
    async with db_session(app) as session:
        fish = Item(name=LONG, category="food", unit="szt", perishable=False)
        session.add(fish)
        await session.flush()
        receipt = await LedgerService(session, ADMIN).receive(
            stock.warehouse.id,
            "Bank Żywności",
            [ReceiptLine(fish.id, Decimal(40)), ReceiptLine(stock.soap.id, Decimal(2))],
        )
        receipt.user_name = "admin"  # the account "admin" is called "Admin" (its full name)
        await session.commit()
    cells: list[tuple[float, str, float]] = []
    multi_cell = FPDF.multi_cell

    def spy(self: FPDF, w: float, h: float | None = None, text: str = "", **kwargs: Any) -> Any:
        result = multi_cell(self, w, h, text, **kwargs)
        height = result[-1] if isinstance(result, tuple) else 0.0
        cells.append((w, text, float(height or 0)))
        return result

    monkeypatch.setattr(FPDF, "multi_cell", spy)
    await login(client, "admin")
    pdf = await client.get(f"/stock/movements/{receipt.id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    long_cell = next(cell for cell in cells if cell[1] == LONG)  # the whole name, not cut
    assert long_cell[0] <= 80.5  # inside the item column
    soap_cell = next(cell for cell in cells if cell[1] == "Mydło")
    assert long_cell[2] > 1.5 * soap_cell[2]  # wrapped onto several lines: the row grew
    texts = [text for _w, text, _h in cells]
    assert "Admin" in texts and "admin" not in texts


async def test_stock_pages_show_names_and_units_in_the_users_language(app, client, people, stock):
    async with db_session(app) as session:
        soap = await session.scalar(select(Item).where(Item.id == stock.soap.id))
        soap.name_uk, soap.name_en = "Мило", "Soap"
        await LedgerService(session, ADMIN).receive(stock.warehouse.id, "Dar", [ReceiptLine(soap.id, Decimal(5))])
        await LedgerService(session, ADMIN).receive(
            stock.warehouse.id, "Dar", [ReceiptLine(stock.pasta.id, Decimal(3), local_today() + timedelta(days=9))]
        )
        await session.commit()
    await login(client, "admin")
    page = await client.get(f"/stock/{stock.warehouse.id}")
    assert "Mydło" in page.text and "5 szt" in page.text
    await post_form(client, "/language", {"locale": "uk", "next": "/"})
    page = await client.get(f"/stock/{stock.warehouse.id}")
    assert "Мило" in page.text and "5 шт" in page.text
    assert "Makaron 500 g" in page.text  # no Ukrainian name in the catalogue: the Polish one
    assert "Mydło" not in page.text
    item = await client.get(f"/stock/items/{stock.soap.id}")
    assert "<h1>Мило</h1>" in item.text
    alerts = await client.get("/stock/alerts")  # the pasta expires within 14 days
    assert "Makaron 500 g" in alerts.text and "3 шт" in alerts.text
    await post_form(client, "/language", {"locale": "en", "next": "/"})
    page = await client.get(f"/stock/{stock.warehouse.id}")
    assert "Soap" in page.text and "5 pcs" in page.text
