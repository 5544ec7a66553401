"""At tablet size (768×1024): the directory's results appear as a case worker types, "near" sorts them, ticked
services print, and an entry opens from the results."""

from __future__ import annotations

from typing import Any

import pytest

from ..browser.conftest import browser, live_url, screenshots, sign_in  # noqa: F401 — the fixtures

pytestmark = pytest.mark.browser
PORTRAIT = {"width": 768, "height": 1024}


async def test_search_as_you_type_at_tablet_size(
    app: Any,
    browser: Any,  # noqa: F811
    live_url: str,  # noqa: F811
    screenshots: Any,  # noqa: F811
    directory: Any,
) -> None:
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "caseworker")
    await page.goto(f"{live_url}/directory")
    await page.locator("#f-q").press_sequentially("prawna", delay=30)
    await page.locator(".directory-result", has_text="Bank Żywności").wait_for(state="detached")
    await page.locator(".directory-result", has_text="Nieodpłatna pomoc prawna").wait_for()
    assert await page.locator(".directory-result").count() == 1
    await page.locator("#f-q").fill("")
    await page.locator("#f-near").press_sequentially("Zielona", delay=30)
    await page.locator("#near-message .field-error").wait_for()
    await page.locator("#f-near").fill("")
    await page.locator("#f-near").press_sequentially("Toszecka", delay=30)
    await page.locator(".directory-result [data-distance]").first.wait_for()
    assert "Bank Żywności" in await page.locator(".directory-result").first.inner_text()
    assert await page.locator("#near-message .field-error").count() == 0
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PORTRAIT["width"], "the page scrolls sideways at tablet size"
    await page.screenshot(path=str(screenshots / "directory-search-portrait.png"), full_page=True)
    await page.locator(".directory-result a", has_text="Paczki").click()
    await page.wait_for_url(f"{live_url}/directory/*")
    assert "Skieruj tu osobę" in await page.content()
    await context.close()
