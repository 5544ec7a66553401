"""Warehouse tablet: a stocktake — open the count, type the counted quantities, review, confirm."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from logistics.core.i18n import local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Balance, Movement

from ..helpers import db_session
from ..inventory.conftest import ADMIN
from .conftest import sign_in

LANDSCAPE = {"width": 1024, "height": 768}


async def test_count_review_and_confirm_on_a_tablet(app, browser, live_url, people, stock, screenshots):
    async with db_session(app) as session:
        await LedgerService(session, ADMIN).receive(
            stock.warehouse.id,
            "Bank Żywności",
            [
                ReceiptLine(stock.pasta.id, Decimal(24), local_today() + timedelta(days=60)),
                ReceiptLine(stock.soap.id, Decimal(10)),
            ],
        )
        await session.commit()
    context = await browser.new_context(viewport=LANDSCAPE, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "admin")
    await page.goto(f"{live_url}/stock/{stock.warehouse.id}")
    await page.click("a.button:has-text('Inwentaryzacja')")
    await page.click("button:has-text('Otwórz spis')")
    await page.wait_for_url(f"{live_url}/stock/stocktakes/**")
    await page.get_by_label("Makaron 500 g").fill("22")
    await page.get_by_label("Mydło").fill("10")
    await page.screenshot(path=str(screenshots / "stocktake-sheet.png"), full_page=True)
    await page.click("button:has-text('Zapisz i przejrzyj różnice')")
    await page.wait_for_url(f"{live_url}/stock/stocktakes/*/review")
    differences = page.locator("#differences")
    assert "Makaron 500 g" in await differences.inner_text()
    assert "Mydło" not in await differences.inner_text()  # counted as booked: no difference
    await page.click("button:has-text('Zatwierdź inwentaryzację')")
    await page.locator(".flash-success").wait_for()
    async with db_session(app) as session:
        pasta = await session.scalar(select(func.sum(Balance.quantity)).where(Balance.item_id == stock.pasta.id))
        stocktakes = await session.scalar(
            select(func.count()).select_from(Movement).where(Movement.kind == "stocktake")
        )
    assert pasta == Decimal(22)
    assert stocktakes == 1
    await context.close()
