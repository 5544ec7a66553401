"""The scan page without the network, at tablet size: it opens from the service worker's cache, decides scans from
the point's list kept in IndexedDB, queues what was handed out and sends it when the network is back — across a
browser restart, with the scan's time, the stock issued, and a conflict when two devices handed out one voucher."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, Playwright, async_playwright
from sqlalchemy import func, select

from logistics import codes
from logistics.inventory.models import Balance, MovementLine
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Redemption
from logistics.vouchers.offline import code_hash, manifest_key

from ..conftest import PASSWORD
from ..helpers import db_session
from ..vouchers.conftest import ADMIN
from .conftest import CHROMIUM_ARGS, sign_in

TABLET = {"width": 768, "height": 1024}
Launch = Callable[[], Awaitable[BrowserContext]]


@pytest.fixture
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as instance:
        yield instance


@pytest.fixture
def tablet(playwright: Playwright, tmp_path: Path) -> Launch:
    """Starts "the tablet": Chromium with a profile on disk, so closing and starting it again keeps its service
    worker, its caches and its IndexedDB — as a tablet that was switched off."""
    profile = tmp_path / "tablet"

    async def launch() -> BrowserContext:
        return await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path="/usr/bin/chromium",
            args=CHROMIUM_ARGS,
            viewport=TABLET,
            has_touch=True,
            service_workers="allow",
        )

    return launch


async def first_page(context: BrowserContext) -> Page:
    return context.pages[0] if context.pages else await context.new_page()


async def open_scan_page(page: Page, url: str, point_id: object) -> None:
    """The scan page online, until it is ready to work offline (the page kept, the point's list stored)."""
    await page.goto(f"{url}/scan/{point_id}")
    await page.locator("html[data-offline-ready='true']").wait_for()


async def scan(page: Page, code: str) -> None:
    await page.fill("#scan-code", codes.format_code(code))
    await page.press("#scan-code", "Enter")


async def hand_out_offline(page: Page, code: str) -> None:
    await scan(page, code)
    # The new result, with its confirmation (the previous one, e.g. an undone hand-out, may still be on the page).
    valid = page.locator(
        "#scan-result.offline[data-outcome='ok']", has=page.locator("button:has-text('Potwierdź: wydano')")
    )
    await valid.wait_for()
    assert "Anna K." in await valid.inner_text() and "3 osoby" in await valid.inner_text()
    assert "Bez sieci — czeka na wysłanie" in await valid.inner_text()
    await page.click("#scan-result button:has-text('Potwierdź: wydano')")
    await page.locator("#scan-result.offline .verdict", has_text="Wydano (bez sieci").wait_for()


async def test_offline_reload_redeem_restart_and_sync(app, live_url, people, aid, tablet, screenshots):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    context = await tablet()
    page = await first_page(context)
    await sign_in(page, live_url, "wolontariusz")
    await open_scan_page(page, live_url, aid.point.id)

    await context.set_offline(True)
    await page.reload()  # from the service worker's cache: the server cannot be reached
    banner = page.locator("#offline-banner")
    await banner.locator("text=Bez sieci — decyzje według listy").wait_for()
    assert await banner.get_attribute("role") == "status"
    await hand_out_offline(page, voucher.code)
    await banner.locator("text=1 skan czeka na wysłanie").wait_for()
    await page.click("#scan-result button:has-text('Cofnij (jeszcze nie wysłane)')")  # a mistake: undone, unsent
    await page.locator("#scan-result .verdict", has_text="Cofnięto").wait_for()
    await banner.locator("text=1 skan czeka").wait_for(state="detached")
    before = datetime.now(UTC)
    await hand_out_offline(page, voucher.code)
    after = datetime.now(UTC)
    await banner.locator("text=1 skan czeka na wysłanie").wait_for()
    await page.screenshot(path=str(screenshots / "scan-offline-handed-out.png"))
    await page.wait_for_timeout(300)  # the result settles; the code is selected for the next scan
    await scan(page, voucher.code)  # the same voucher again on this device: refused, offline
    refused = page.locator("#scan-result.offline[data-outcome='refused']")
    await refused.wait_for()
    assert "Już wydano na tym urządzeniu" in await refused.inner_text()
    await context.close()  # the tablet is switched off with the scan still queued
    async with db_session(app) as session:
        assert await session.scalar(select(func.count()).select_from(Redemption)) == 0

    context = await tablet()
    await context.set_offline(True)
    page = await first_page(context)
    await page.goto(f"{live_url}/scan/{aid.point.id}")  # still no network: the kept page, the kept queue
    await page.locator("#offline-banner", has_text="1 skan czeka na wysłanie").wait_for()
    await context.set_offline(False)
    await page.locator("#offline-notices li", has_text="Anna K.").wait_for()
    await page.locator("#offline-banner").wait_for(state="hidden")
    await page.screenshot(path=str(screenshots / "scan-offline-synced.png"))
    async with db_session(app) as session:
        redemption = await session.scalar(select(Redemption))
        assert redemption is not None and redemption.conflict == ""
        assert redemption.offline_received_at is not None
        assert before - timedelta(seconds=1) <= redemption.at <= after + timedelta(seconds=1)  # the scan's time
        assert redemption.offline_received_at > after
        assert redemption.movement_id is not None
        oil = await session.scalar(select(func.sum(Balance.quantity)).where(Balance.item_id == aid.oil.id))
    assert oil == Decimal(36)  # 1 oil in the kit and 3 for the household of 3
    await context.close()


async def test_two_tablets_offline_hand_out_one_voucher_one_conflict(app, live_url, people, aid, playwright):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    contexts = [await browser.new_context(viewport=TABLET, has_touch=True) for _ in range(2)]
    pages = [await context.new_page() for context in contexts]
    for page in pages:
        await sign_in(page, live_url, "wolontariusz")
        await open_scan_page(page, live_url, aid.point.id)
    for context in contexts:
        await context.set_offline(True)
    for page in pages:
        await page.locator("#offline-banner:not([hidden])").wait_for()
        await hand_out_offline(page, voucher.code)
    for context, page in zip(contexts, pages, strict=True):
        await context.set_offline(False)
        await page.locator("#offline-notices li", has_text="Anna K.").wait_for()
    assert await pages[0].locator("#offline-notices li.conflict").count() == 0
    conflict = pages[1].locator("#offline-notices li.conflict")
    assert "konflikt" in await conflict.inner_text()
    async with db_session(app) as session:
        redemptions = (await session.scalars(select(Redemption).order_by(Redemption.at))).all()
        assert len(redemptions) == 2
        assert [r.conflict != "" for r in redemptions].count(True) == 1
        assert all(r.offline_received_at is not None and r.movement_id is not None for r in redemptions)
        # The ledger agrees with the shelves: both hand-outs left the point's stock.
        oil = await session.scalar(select(func.sum(Balance.quantity)).where(Balance.item_id == aid.oil.id))
        moved = await session.scalar(
            select(func.sum(MovementLine.quantity)).where(
                MovementLine.item_id == aid.oil.id, MovementLine.location_id == aid.point.id
            )
        )
    assert oil == Decimal(32) and moved == Decimal(32)
    await browser.close()


async def test_a_revoked_code_is_refused_offline_and_the_hashes_match(app, live_url, people, aid, playwright):
    async with db_session(app) as session:
        vouchers = VoucherService(session, ADMIN)
        revoked = await vouchers.issue(aid.food.id, aid.poor.id)
        await session.commit()
    browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "wolontariusz")
    await open_scan_page(page, live_url, aid.point.id)
    # The service worker is served with its cache version set from the files it caches; the app manifest too.
    worker = await page.evaluate(
        "fetch('/scan/sw.js').then(async r => [r.headers.get('content-type'), await r.text()])"
    )
    assert worker[0].startswith("text/javascript") and 'const VERSION = "dev"' not in worker[1]
    assert "const VERSION = " in worker[1]
    manifest = await page.evaluate("fetch('/scan/app.webmanifest').then(r => r.json())")
    assert manifest["scope"] == "/scan/" and manifest["name"] == "Przystań — skanowanie bonów"

    listed = await page.get_attribute("html", "data-offline-list")
    async with db_session(app) as session:
        await VoucherService(session, ADMIN).revoke(revoked.id, "zgubiony")
        await session.commit()
    await page.reload()  # online: the list is refreshed with what changed since (the revocation)
    await page.wait_for_function("list => document.documentElement.dataset.offlineList !== list", arg=listed)
    await context.set_offline(True)
    await page.locator("#offline-banner:not([hidden])").wait_for()
    await scan(page, revoked.code)
    refused = page.locator("#scan-result.offline[data-outcome='refused']")
    await refused.wait_for()
    assert "unieważniony" in await refused.inner_text()
    await scan(page, codes.generate())  # well formed, not on the list
    await page.locator("#scan-result.offline[data-outcome='refused']", has_text="nie ma na liście").wait_for()
    await scan(page, "ABCD-EFGH")
    await page.locator("#scan-result.offline[data-outcome='refused']", has_text="nie jest poprawny").wait_for()

    # The page's code handling is the server's: normalize, the check symbol, the keyed hash.
    key = manifest_key(aid.point.id)
    raw = base64.urlsafe_b64encode(key).rstrip(b"=").decode()
    samples = [codes.generate() for _ in range(5)] + ["abcd efgh-jkmn_pqrs t", "IL0O–1234\u20145678 9XYZ", "ÄBC"]
    for sample in samples:
        assert await page.evaluate("text => PrzystanOffline.normalize(text)", sample) == codes.normalize(sample)
        well_formed = await page.evaluate("text => PrzystanOffline.isWellFormed(text, 17)", sample)
        assert well_formed == codes.is_well_formed(sample, 17)
        if well_formed:
            hashed = await page.evaluate("([key, code]) => PrzystanOffline.codeHash(key, code)", [raw, sample])
            assert hashed == code_hash(key, codes.normalize(sample))
    await browser.close()


async def test_a_confirmation_without_an_answer_is_queued_and_kept_when_the_sign_in_expired(
    app, live_url, people, aid, playwright
):
    """The server showed the voucher as valid; the network drops before "Potwierdź" reaches it: the confirmation is
    queued with the server's request id (sent again, it could not count twice). The session expires meanwhile: the
    queue stays, the page asks to sign in again, and after signing in it is sent."""
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "wolontariusz")
    await open_scan_page(page, live_url, aid.point.id)
    await scan(page, voucher.code)
    online = page.locator("#scan-result[data-outcome='ok']:not(.offline)")
    await online.wait_for()  # the server's answer
    request_id = await online.locator("input[name=request_id]").get_attribute("value")
    await context.set_offline(True)
    await page.click("#scan-result button:has-text('Potwierdź: wydano')")
    await page.locator("#scan-result.offline .verdict", has_text="Wydano (bez sieci").wait_for()
    await page.locator("#offline-banner", has_text="1 skan czeka na wysłanie").wait_for()
    assert await page.locator("#flashes .flash").count() == 0  # not "no connection": the page went on offline

    await context.clear_cookies()  # the sign-in expired while offline
    await context.set_offline(False)
    ask = page.locator("#offline-banner.auth", has_text="Zaloguj się ponownie, aby wysłać 1 skan")
    await ask.wait_for()
    await ask.locator("a").click()
    await page.fill("#f-username", "wolontariusz")
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/scan/{aid.point.id}")
    await page.locator("#offline-notices li", has_text="Anna K.").wait_for()
    async with db_session(app) as session:
        redemption = await session.scalar(select(Redemption))
        assert redemption is not None and redemption.request_id == request_id
        assert redemption.offline_received_at is not None and redemption.conflict == ""
    await browser.close()
