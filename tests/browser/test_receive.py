"""Warehouse tablet: receive goods by typing an EAN as a handheld scanner does (digits, then Enter)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from logistics.core.i18n import local_today
from logistics.inventory.models import Balance, ItemBarcode

from ..conftest import PASSWORD
from ..helpers import db_session

PORTRAIT = {"width": 768, "height": 1024}


async def test_receive_with_a_typed_ean(app, browser, live_url, people, stock, screenshots):
    async with db_session(app) as session:
        session.add(ItemBarcode(item_id=stock.pasta.id, code="5900000000015"))
        await session.commit()
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_url}/login")
    await page.fill("#f-username", "admin")
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/")
    await page.goto(f"{live_url}/stock/{stock.warehouse.id}/receive")
    await page.fill("#f-quantity", "2")
    await page.fill("#f-expiry", (local_today() + timedelta(days=90)).isoformat())
    await page.locator("#f-ean").press_sequentially("5900000000015", delay=15)
    await page.locator("#f-ean").press("Enter")  # the scanner's Enter submits the line
    await page.locator("#receipt td", has_text="Makaron 500 g").wait_for()
    await page.wait_for_load_state("networkidle")  # the line's swap has settled before the next field is typed in
    await page.fill("#f-source", "Bank Żywności w Katowicach")
    await page.screenshot(path=str(screenshots / "receive-portrait.png"), full_page=True)
    await page.click("text=Zakończ: przyjmij wszystkie pozycje")
    await page.wait_for_url(f"{live_url}/stock/movements/**")  # the receipt, with its record to print
    assert "Makaron 500 g" in await page.content()
    assert await page.locator("text=Drukuj protokół przyjęcia").count() == 1
    async with db_session(app) as session:
        assert await session.scalar(select(Balance.quantity)) == Decimal(24)
    await context.close()
