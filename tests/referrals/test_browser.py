"""At tablet size (768×1024): from the person's page to a referral with the directory searched as one types, then
the receiving institution types the code at /r and confirms — nothing runs off the screen."""

from __future__ import annotations

import pytest

from ..browser.conftest import browser, live_url, screenshots, sign_in  # noqa: F401 — the fixtures

pytestmark = pytest.mark.browser
PORTRAIT = {"width": 768, "height": 1024}


async def _fits(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]


async def test_refer_a_household_and_confirm_the_arrival(app, setup, browser, live_url, screenshots):  # noqa: F811
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "caseworker")
    await page.goto(f"{live_url}/people/{setup.mother.id}")
    await page.locator("#person-referrals a", has_text="Skieruj").click()
    await page.wait_for_url(f"{live_url}/referrals/new?person=*")
    await page.select_option("#f-kind", "food_aid")
    await page.locator("#services li", has_text="Caritas Gliwice").wait_for()  # the kind's category, all of it
    await page.locator("#service-q").press_sequentially("bank zywnosci", delay=30)
    await page.locator("#services li", has_text="Caritas Gliwice").wait_for(state="detached")
    await page.locator("#services li", has_text="Bank Żywności w Gliwicach").locator("input").check()
    await page.fill("#f-reason", "Utrata pracy, brak środków na żywność")
    await page.fill("#f-requested", "Paczki żywnościowe FEPŻ")
    await _fits(page)
    await page.screenshot(path=str(screenshots / "referral-new-portrait.png"), full_page=True)
    await page.click("button[type=submit].big")
    await page.wait_for_load_state("networkidle")
    errors = await page.locator(".field-error").all_inner_texts()
    assert not errors, errors
    await page.wait_for_url(f"{live_url}/referrals/0*")
    await page.locator("#status", has_text="Otwarte").wait_for()
    await _fits(page)
    await page.screenshot(path=str(screenshots / "referral-detail-portrait.png"), full_page=True)
    code = (await page.locator("h1").inner_text()).split()[-1]

    public = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    institution = await public.new_page()
    await institution.goto(f"{live_url}/r")
    await institution.fill("#f-code", code.lower())
    await institution.click(".public-referral button[type=submit]")
    await institution.wait_for_url(f"{live_url}/r/*")
    assert await institution.locator("#holder").inner_text() == "Anna K."
    await _fits(institution)
    await institution.click(".public-referral button[type=submit]")
    await institution.locator("#confirmed").wait_for()
    await institution.screenshot(path=str(screenshots / "referral-confirmed-portrait.png"), full_page=True)
    await public.close()

    await page.reload()
    await page.locator("#status", has_text="Potwierdzone").wait_for()
    await context.close()
