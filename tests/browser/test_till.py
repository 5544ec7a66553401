"""A partner shop's till at 768×1024: the cashier signs in, a handheld scanner types the voucher code and Enter,
the result shows the balance in large type and the categories; 45,90 zł on food is confirmed and the new balance
shows; a purchase over the balance is refused with the reason next to the amount, nothing changed; the targets
are at least 44 px."""

from __future__ import annotations

from decimal import Decimal

from logistics import codes
from logistics.vouchers.models import Spend, Voucher

from ..helpers import count, db_session
from ..vouchers.test_spending import till_fixture  # noqa: F401 — the fixture "till"
from .conftest import sign_in

TABLET = {"width": 768, "height": 1024}


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def test_a_purchase_at_the_till_and_one_over_the_balance(app, browser, live_url, till, screenshots):
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "kasjer")
    assert await page.locator("#till-panel").count() == 1  # the shop's start panel
    await page.goto(f"{live_url}/scan")
    await page.wait_for_url(f"{live_url}/scan/{till.shop.id}")
    assert await page.get_attribute("#scan-page", "data-offline") == "off"
    code = codes.format_code(till.voucher.code)
    await page.keyboard.type(code, delay=10)  # the focused field receives what the scanner types ...
    await page.keyboard.press("Enter")  # ... and its Enter
    result = page.locator("#scan-result[data-outcome='ok']")
    await result.wait_for()
    text = _plain(await result.inner_text())
    assert "Anna K." in text and "100,00 zł" in text
    balance = page.locator("#till-balance")
    assert float((await balance.evaluate("e => getComputedStyle(e).fontSize")).removesuffix("px")) >= 40
    for target in ("#amount", "#category", ".till-form button[type=submit]"):
        box = await page.locator(target).bounding_box()
        assert box is not None and box["height"] >= 44, target
    await page.screenshot(path=str(screenshots / "till-valid.png"), full_page=True)
    await page.fill("#amount", "45,90")
    await page.select_option("#category", "food")
    await page.click(".till-form button[type=submit]")
    await page.locator("#scan-result[data-outcome='ok'] form[action*='/undo']").wait_for()
    done = _plain(await page.locator("#scan-result").inner_text())
    assert "45,90 zł" in done and "54,10 zł" in done
    assert _plain(await page.locator("#today-count").inner_text()) == "1 · 45,90 zł"
    await page.screenshot(path=str(screenshots / "till-paid.png"), full_page=True)
    # The next scan: the same voucher, 60 zł — more than the 54,10 zł left.
    await page.wait_for_timeout(300)  # the result settles; the old code is selected in the field ...
    await page.keyboard.type(code, delay=10)  # ... so the next scan replaces it
    await page.keyboard.press("Enter")
    await page.locator("#till-balance", has_text="54,10").wait_for()
    await page.fill("#amount", "60")
    await page.select_option("#category", "food")
    await page.click(".till-form button[type=submit]")
    error = page.locator("#amount-error")
    await error.wait_for()
    assert "54,10 zł" in _plain(await error.inner_text())
    assert await page.input_value("#amount") == "60"  # the form stays, to correct and confirm
    await page.screenshot(path=str(screenshots / "till-over-balance.png"), full_page=True)
    assert await count(app, Spend) == 1
    async with db_session(app) as session:
        stored = await session.get(Voucher, till.voucher.id)
        assert stored is not None and stored.spent == Decimal("45.90")
    await context.close()


async def test_the_till_says_plainly_that_spending_needs_the_network(app, browser, live_url, till):
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "kasjer")
    await page.goto(f"{live_url}/scan/{till.shop.id}")
    await context.set_offline(True)
    await page.fill("#scan-code", codes.format_code(till.voucher.code))
    await page.keyboard.press("Enter")
    banner = page.locator("#offline-banner:not([hidden])")
    await banner.wait_for()
    assert await banner.inner_text()
    assert await page.locator("#scan-result[data-outcome]").count() == 0  # no offline decision at a shop
    await context.set_offline(False)
    await context.close()
    assert await count(app, Spend) == 0
