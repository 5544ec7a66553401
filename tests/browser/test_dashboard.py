"""The coordinator's dashboard in a browser, at tablet size (768×1024) and on a desktop / wall screen (1920×1080):
nothing scrolls sideways, axe-core (WCAG 2 A/AA) finds no serious problem, the wall mode has no menu, a chart's
figures open as a table, and the figures refresh themselves (htmx, no inline script under our CSP)."""

from __future__ import annotations

import pytest

from ..dashboard.conftest import centre  # noqa: F401 — the fixture: a small centre with every figure known
from ..live import serve
from .conftest import sign_in
from .test_accessibility import violations

SIZES = [{"width": 768, "height": 1024}, {"width": 1920, "height": 1080}]


@pytest.fixture
def centre_url(app, centre):  # noqa: F811 — `centre`: the fixture imported above
    with serve(app) as url:
        yield url


async def no_sideways_scroll(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("size", SIZES, ids=["tablet", "desktop"])
async def test_the_dashboard_fits_passes_axe_and_has_a_wall_mode(browser, centre_url, size):
    # bypass_csp: axe is injected as an inline script, which our CSP (rightly) refuses.
    context = await browser.new_context(viewport=size, has_touch=size["width"] < 1000, bypass_csp=True)
    page = await context.new_page()
    await sign_in(page, centre_url, "coordinator")
    assert await page.locator("#dashboard-panel").is_visible()
    assert await page.locator("#dash-beds [data-figure='free'] .dash-value").inner_text() == "4"
    await no_sideways_scroll(page)
    assert await violations(page) == []
    # A chart's figures as a table, for whoever would rather read them.
    details = page.locator("#dash-beds details.chart-data")
    await details.locator("summary").click()
    assert await details.locator("table tbody tr").count() == 4  # three nights before, and tonight
    await page.goto(f"{centre_url}/dashboard?wall=1")
    await no_sideways_scroll(page)
    assert await violations(page) == []
    await context.close()


async def test_the_wall_screen_has_no_menu_and_refreshes_itself_under_the_csp(browser, centre_url):
    context = await browser.new_context(viewport=SIZES[1])
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    await sign_in(page, centre_url, "coordinator")
    await page.get_by_role("link", name="Pełny ekran (monitor ścienny)").click()
    await page.wait_for_url(f"{centre_url}/dashboard?wall=1")
    assert await page.locator("#mainnav").count() == 0 and await page.locator(".topbar").count() == 0
    value_size = await page.locator("[data-figure='free'] .dash-value").evaluate(
        "(el) => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert value_size >= 40  # large type for a wall
    # The refresh: htmx asks for the figures block and swaps it in place (its `refresh` event, sent here instead
    # of waiting for the minute).
    with_wall = "/dashboard/figures?wall=1"
    async with page.expect_response(lambda response: with_wall in response.url, timeout=5000) as refreshed:
        await page.evaluate("htmx.trigger('#dashboard-figures', 'refresh')")
    assert (await refreshed.value).status == 200
    await page.wait_for_selector("#dashboard-figures [data-figure='free']")
    assert await page.locator("#dashboard-figures").count() == 1
    assert refused == []
    await context.close()
