"""At tablet size: sign in, see the role's navigation, switch the language, keep a screenshot."""

from __future__ import annotations

from playwright.async_api import expect

from ..conftest import PASSWORD
from .conftest import sign_in

PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1280, "height": 800}


async def test_sign_in_switch_language_and_screenshot(browser, live_url, screenshots):
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    await page.goto(f"{live_url}/")
    assert page.url.endswith("/login?next=/") or page.url.endswith("/login")
    await page.fill("#f-username", "shelter")
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/")
    assert await page.locator("h1").inner_text() == "Dzień dobry, Shelter"
    nav = await page.locator(".mainnav a").all_inner_texts()
    assert nav == ["Miejsca noclegowe", "Osoby", "Zajęcia", "Usługi", "Skierowania", "Placówki"]

    # The language switch submits itself on change (app.js), no button needed.
    await page.select_option("#locale-select", "uk")
    await page.wait_for_load_state("networkidle")
    assert await page.locator("h1").inner_text() == "Добрий день, Shelter"
    assert await page.get_attribute("html", "lang") == "uk"
    await page.screenshot(path=str(screenshots / "home-uk-portrait.png"), full_page=True)

    # Touch targets are at least 44 px high.
    for selector in (".mainnav a", "form[action='/logout'] button", "#locale-select", ".start-actions .button"):
        box = await page.locator(selector).first.bounding_box()
        assert box is not None, selector
        assert box["height"] >= 44, selector

    await page.set_viewport_size(LANDSCAPE)
    await page.goto(f"{live_url}/sites")
    assert "Noclegownia A" in await page.content()
    await page.screenshot(path=str(screenshots / "sites-uk-landscape.png"), full_page=True)
    assert errors == []  # no CSP violations or script errors
    await context.close()


async def test_form_errors_are_shown_next_to_the_field_through_htmx(browser, live_url):
    context = await browser.new_context(viewport=PORTRAIT)
    page = await context.new_page()
    await page.goto(f"{live_url}/login")
    await page.fill("#f-username", "admin")
    await page.fill("#f-password", "wrong-password-123")
    await page.click("form[action='/login'] button[type=submit]")
    alert = page.locator(".alert-error")
    await alert.wait_for()
    assert await alert.inner_text() == "Nieprawidłowa nazwa użytkownika lub hasło."
    assert page.url.endswith("/login")  # swapped in place, no full page load
    await page.wait_for_load_state("networkidle")  # the swapped form has settled before it is typed into again
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/")
    await context.close()


async def _signed_in(browser, live_url, username):
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, username)
    return context, page


async def test_the_menu_fits_one_row_or_collapses_into_a_menu_button(browser, live_url):
    # Shelter staff: six entries fit one row at 768 px; no menu button.
    context, page = await _signed_in(browser, live_url, "shelter")
    tops = {box["y"] for box in [await link.bounding_box() for link in await page.locator(".mainnav a").all()] if box}
    assert len(tops) == 1
    assert not await page.locator(".menu-toggle").is_visible()
    await context.close()

    # A coordinator's menu would wrap: it collapses behind the button, opens, and Escape closes it.
    context, page = await _signed_in(browser, live_url, "coordinator")
    toggle = page.locator(".menu-toggle")
    assert await toggle.is_visible()
    assert await toggle.get_attribute("aria-expanded") == "false"
    assert not await page.locator(".mainnav a").first.is_visible()
    box = await toggle.bounding_box()
    assert box is not None and box["height"] >= 44
    await toggle.tap()
    assert await toggle.get_attribute("aria-expanded") == "true"
    links = page.locator(".mainnav a")
    assert await links.count() >= 6
    for n in range(await links.count()):
        assert await links.nth(n).is_visible()
    await page.keyboard.press("Escape")
    assert await toggle.get_attribute("aria-expanded") == "false"
    assert not await links.first.is_visible()
    assert await page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    # Wide enough for one row of its own: the button goes and the whole menu is shown on one line.
    await page.set_viewport_size({"width": 1800, "height": 900})
    await expect(toggle).to_be_hidden()
    await expect(links.first).to_be_visible()
    tops = {box["y"] for box in [await link.bounding_box() for link in await links.all()] if box}
    assert len(tops) == 1
    await context.close()
