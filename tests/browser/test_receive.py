"""Warehouse tablet: receive goods with a handheld scanner, which types the EAN and Enter before anything else.

Scanner first: EAN + Enter finds the item and moves the cursor to the quantity (and, for a perishable item, on to
the expiry date); Enter adds the line and the cursor is back in the EAN field for the next carton. A misread code
(wrong check digit) is refused next to the field."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from logistics.core.i18n import local_today
from logistics.inventory.models import Balance, ItemBarcode

from ..conftest import PASSWORD
from ..helpers import db_session

PORTRAIT = {"width": 768, "height": 1024}
PASTA_EAN, SOAP_EAN = "5900000000015", "5900000000022"


async def _focus_on(page, field_id: str) -> None:
    """Wait until the cursor is in `field_id` (after htmx has swapped and settled the answer); time out if never."""
    await page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=field_id, timeout=5000
    )


async def _scan(page, code: str) -> None:
    """What a keyboard-wedge scanner does: the digits quickly, then Enter."""
    await page.locator("#f-ean").press_sequentially(code, delay=10)
    await page.keyboard.press("Enter")


async def test_scanner_first_receiving(app, browser, live_url, people, stock, screenshots):
    async with db_session(app) as session:
        session.add_all(
            [ItemBarcode(item_id=stock.pasta.id, code=PASTA_EAN), ItemBarcode(item_id=stock.soap.id, code=SOAP_EAN)]
        )
        await session.commit()
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_url}/login")
    await page.fill("#f-username", "warehouse")
    await page.fill("#f-password", PASSWORD)
    async with page.expect_navigation():
        await page.click("form[action='/login'] button[type=submit]")
    await page.goto(f"{live_url}/stock/{people.site_a.id}/receive")  # the warehouse user's own site
    await _focus_on(page, "f-ean")
    await page.locator("input[name=unit][value=units]").check()
    await page.locator("#f-ean").focus()

    await _scan(page, SOAP_EAN)  # a non-perishable item: EAN, Enter, quantity, Enter
    await page.locator(".receive-found", has_text="Mydło").wait_for()
    assert await page.locator(".field-error").count() == 0  # no "this field is required"
    await _focus_on(page, "f-quantity")
    await page.keyboard.type("3")
    await page.keyboard.press("Enter")
    await page.locator("#receipt td", has_text="Mydło").wait_for()
    await _focus_on(page, "f-ean")
    assert await page.input_value("#f-ean") == ""

    await _scan(page, PASTA_EAN)  # perishable: Enter in the quantity moves on to the expiry date
    await page.locator(".receive-found", has_text="Makaron 500 g").wait_for()
    await _focus_on(page, "f-quantity")
    await page.keyboard.type("24")
    await page.keyboard.press("Enter")
    await _focus_on(page, "f-expiry")
    await page.fill("#f-expiry", (local_today() + timedelta(days=90)).isoformat())
    await page.keyboard.press("Enter")
    await page.locator("#receipt td", has_text="Makaron 500 g").wait_for()
    await _focus_on(page, "f-ean")

    await _scan(page, "5900000000016")  # the pasta's code misread: refused next to the field
    await page.locator("#ean-error", has_text="Cyfra kontrolna").wait_for()
    assert await page.get_attribute("#f-ean", "aria-invalid") == "true"
    await _focus_on(page, "f-ean")
    assert await page.locator("#receipt tbody tr").count() == 2  # still the two lines
    await page.screenshot(path=str(screenshots / "receive-portrait.png"), full_page=True)

    await page.fill("#f-source", "Bank Żywności w Katowicach")
    await page.click("text=Zakończ: przyjmij wszystkie pozycje")
    await page.wait_for_url(f"{live_url}/stock/movements/**")  # the receipt, with its record to print
    assert "Makaron 500 g" in await page.content()
    assert await page.locator("text=Drukuj protokół przyjęcia").count() == 1
    async with db_session(app) as session:
        quantities = {row.item_id: row.quantity for row in await session.scalars(select(Balance))}
    assert quantities == {stock.soap.id: Decimal(3), stock.pasta.id: Decimal(24)}
    await context.close()
