"""A volunteer's tablet at a distribution point: a handheld scanner types the voucher code and Enter; the result
shows what to hand out; confirm; the same voucher scanned again is refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from logistics import codes
from logistics.inventory.models import Balance
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import DeviceToken, Redemption, Voucher

from ..helpers import count, db_session
from ..vouchers.conftest import ADMIN
from .conftest import sign_in

PORTRAIT = {"width": 800, "height": 1280}


async def test_scan_redeem_and_the_second_scan_is_refused(app, browser, live_url, people, aid, screenshots):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "wolontariusz")
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


TABLET = {"width": 768, "height": 1024}
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


async def test_double_tap_and_a_replay_after_undo_with_the_camera_on(app, live_url, people, aid, screenshots):
    """At 768×1024 with the camera running: the result and "Potwierdź" are in view; a double tap and a resent
    confirmation (the same request id) redeem once and show the first result, green; "Cofnij" is a full-size
    button; the old confirmation sent after the undo says it was undone. The aria-live region is never replaced."""
    from playwright.async_api import async_playwright

    from .conftest import CHROMIUM_ARGS

    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + FAKE_CAMERA
        )
        context = await browser.new_context(viewport=TABLET, has_touch=True, permissions=["camera"])
        page = await context.new_page()
        await sign_in(page, live_url, "wolontariusz")
        await page.goto(f"{live_url}/scan/{aid.point.id}")
        await page.evaluate("window.liveRegion = document.getElementById('scan-live')")
        await page.click("#camera-toggle")
        await page.locator("#camera-toggle[aria-pressed='true']").wait_for()
        await page.fill("#scan-code", codes.format_code(voucher.code))
        await page.press("#scan-code", "Enter")
        await page.locator("#scan-result[data-outcome='ok']").wait_for()
        confirm = page.locator("button:has-text('Potwierdź: wydano')")
        video = await page.locator("#camera-view").bounding_box()
        button = await confirm.bounding_box()
        assert video and video["height"] > 100  # the camera is on and seen ...
        assert button and button["y"] + button["height"] <= TABLET["height"]  # ... and so is the button, unscrolled
        assert await page.evaluate("window.scrollY") == 0
        await page.screenshot(path=str(screenshots / "scan-camera-tablet.png"))
        saved = await page.evaluate("document.getElementById('scan-result').outerHTML")  # the confirmation, to resend

        await confirm.dblclick()  # a double tap ...
        handed = page.locator("#scan-result[data-outcome='ok'] .verdict", has_text="Wydano")
        await handed.wait_for()
        resend = (
            "html => { const box = document.getElementById('scan-result'); box.outerHTML = html;"
            " htmx.process(document.getElementById('scan-result')); }"
        )
        await page.evaluate(resend, saved)  # ... and the same confirmation resent (a retry after a lost answer)
        await page.click("button:has-text('Potwierdź: wydano')")
        await page.locator("#scan-result .small", has_text="Już zapisane").wait_for()
        assert await page.locator("#scan-result[data-outcome='ok']").count() == 1  # green, not "already redeemed"
        assert await count(app, Redemption) == 1

        undo = page.locator("#scan-result button:has-text('Cofnij')")
        box = await undo.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 300  # a full-size button, not a small one
        await undo.click()
        await page.locator("#scan-result .verdict", has_text="Cofnięto").wait_for()
        await page.evaluate(resend, saved)  # the old confirmation once more, after the undo
        await page.click("button:has-text('Potwierdź: wydano')")
        undone = page.locator("#scan-result[data-outcome='undone']")
        await undone.wait_for()
        assert "cofnięte" in await undone.inner_text() and await undone.locator("form").count() == 0
        assert await page.evaluate("window.liveRegion === document.getElementById('scan-live')")
        assert await page.get_attribute("#scan-live", "aria-live") == "assertive"
        await page.screenshot(path=str(screenshots / "scan-replay-undone.png"))
        async with db_session(app) as session:
            redemption = await session.scalar(select(Redemption))
            assert redemption is not None and redemption.undone_at is not None
            assert await session.scalar(select(func.count()).select_from(Redemption)) == 1
        await context.close()
        await browser.close()


AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main a[href], main button, main select, main input:not([type=hidden]), main summary')]
  .filter(el => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden')
  .filter(el => !(el.matches('a') && el.closest('p:not(.breadcrumb), dd, li:not(.tile)')))  // links in running text
  .map(el => [el, el.matches('input[type=radio], input[type=checkbox]') ? el.closest('label') || el : el])
  .filter(([el, target]) => target.getBoundingClientRect().height < 44)
  .map(([el, target]) => `${el.outerHTML.slice(0, 90)}: ${Math.round(target.getBoundingClientRect().height)} px`)"""


async def test_the_vouchers_pages_have_44_px_touch_targets_pass_axe_and_destructive_actions_ask_first(
    app, browser, live_url, people, aid, screenshots
):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await DeviceService(session, ADMIN).create(aid.point.id, "Tablet 1")
        await session.commit()
    context = await browser.new_context(viewport=TABLET, has_touch=True, bypass_csp=True)  # to inject axe-core
    page = await context.new_page()
    await sign_in(page, live_url, "coordinator")
    code = codes.format_code(voucher.code)
    pages = [
        "/vouchers",
        "/vouchers/programmes/new",
        f"/vouchers/programmes/{aid.food.id}/edit",
        f"/vouchers/programmes/{aid.food.id}/batch",
        f"/vouchers/programmes/{aid.food.id}/issued?cycle={voucher.cycle}",
        f"/vouchers/{voucher.id}",
        "/vouchers/devices",
        f"/vouchers/reconciliation?point={aid.point.id}",
        f"/scan/{aid.point.id}",
        f"/households/{aid.poor.id}",
        f"/v/{code}",
    ]
    small = {}
    for path in pages:
        await page.goto(f"{live_url}{path}")
        await page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
        if found := await page.evaluate(SMALL_TARGETS):
            small[path] = found
        if path.startswith("/vouchers/programmes"):
            continue  # axe-core takes a second a page: the programme forms are left out to keep the test short
        await page.add_script_tag(path=str(AXE))
        serious = await page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        if serious:
            small[path] = small.get(path, []) + serious
    assert small == {}, "\n".join(f"{path}: {target}" for path, found in small.items() for target in found)

    asked: list[str] = []

    async def answer(dialog):
        asked.append(dialog.message)
        await dialog.dismiss()  # "Cancel": nothing happens

    page.on("dialog", answer)
    await page.goto(f"{live_url}/vouchers/devices")
    await page.click("button:has-text('Odwołaj')")
    await page.goto(f"{live_url}/vouchers/{voucher.id}")
    await page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
    await page.fill("#f-reason", "zgubiony")
    await page.click("button:has-text('Unieważnij i wydaj nowy')")
    await page.wait_for_timeout(200)  # a request would have been sent by now
    assert asked == [
        "Odwołać token urządzenia Tablet 1? Urządzenie od razu przestanie działać; potrzebny będzie nowy token.",
        f"Unieważnić bon {code} i wydać nowy kod? Stary kod od razu przestanie działać.",
    ]
    async with db_session(app) as session:
        assert (await session.get(Voucher, voucher.id)).status == "issued"
        assert (
            await session.scalar(select(func.count()).select_from(DeviceToken).where(DeviceToken.revoked_at.is_(None)))
            == 1
        )
    page.remove_listener("dialog", answer)
    page.once("dialog", lambda dialog: dialog.accept())  # "OK": it is done
    await page.goto(f"{live_url}/vouchers/devices")
    await page.click("button:has-text('Odwołaj')")
    await page.locator("td", has_text="Token unieważniony").wait_for()
    async with db_session(app) as session:
        assert (
            await session.scalar(select(func.count()).select_from(DeviceToken).where(DeviceToken.revoked_at.is_(None)))
            == 0
        )
    await context.close()
