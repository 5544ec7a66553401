"""A volunteer's tablet at a distribution point: a handheld scanner types the voucher code and Enter; the result
shows what to hand out; confirm; the same voucher scanned again is refused."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from logistics import codes
from logistics.inventory.models import Balance
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Redemption

from ..conftest import PASSWORD
from ..helpers import db_session
from ..vouchers.conftest import ADMIN

PORTRAIT = {"width": 800, "height": 1280}


async def test_scan_redeem_and_the_second_scan_is_refused(app, browser, live_url, people, aid, screenshots):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_url}/login")
    await page.fill("#f-username", "wolontariusz")
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/")
    await page.goto(f"{live_url}/scan")
    await page.wait_for_url(f"{live_url}/scan/{aid.point.id}")
    code = codes.format_code(voucher.code)
    await page.keyboard.type(code, delay=10)  # the focused field receives what the scanner types ...
    await page.keyboard.press("Enter")  # ... and its Enter
    result = page.locator("#scan-result[data-outcome='ok']")
    await result.wait_for()
    assert "Anna K." in await result.inner_text()
    assert "Paczka A" in await result.inner_text()
    await page.screenshot(path=str(screenshots / "scan-valid.png"), full_page=True)
    await page.click("button:has-text('Potwierdź: wydano')")
    await page.locator("#scan-result .verdict", has_text="Wydano").wait_for()
    assert await page.locator("#today-count").inner_text() == "1"
    await page.wait_for_timeout(300)  # the result settles; the page then selects the old code in the field ...
    await page.keyboard.type(code, delay=10)  # ... so the next scan replaces it
    await page.keyboard.press("Enter")
    refused = page.locator("#scan-result[data-outcome='refused']")
    await refused.wait_for()
    assert "Punkt 1" in await refused.inner_text()
    await page.screenshot(path=str(screenshots / "scan-refused.png"), full_page=True)
    async with db_session(app) as session:
        assert await session.scalar(select(func.count()).select_from(Redemption)) == 1
        oil = await session.scalar(select(func.sum(Balance.quantity)).where(Balance.item_id == aid.oil.id))
    assert oil == Decimal(36)
    await context.close()
