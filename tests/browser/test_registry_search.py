"""At tablet size: results appear as the case worker types, and a record opens from them."""

from __future__ import annotations

from ..helpers import db_session
from .conftest import open_menu_entry, sign_in

PORTRAIT = {"width": 768, "height": 1024}


async def test_search_as_you_type(app, browser, live_url, screenshots):
    from logistics.core.actor import Actor
    from logistics.people.services import PersonInput, PersonService

    async with db_session(app) as session:
        service = PersonService(session, Actor(user_id=None, username="test", role="case_worker"))
        await service.register(PersonInput("Łukasz", "Wójcik", None, 1970, "male"))
        await service.register(PersonInput("Олена", "Ковальчук", None, 1988, "female"))
        await session.commit()
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "caseworker")
    await open_menu_entry(page, "/people")
    await page.locator("#q").press_sequentially("lukasz woj", delay=30)
    await page.locator(".result-list li", has_text="Łukasz Wójcik").wait_for()
    await page.locator("#q").fill("")
    await page.locator("#q").press_sequentially("kowalczuk", delay=30)
    await page.locator(".result-list li", has_text="Олена Ковальчук").wait_for()
    await page.screenshot(path=str(screenshots / "people-search-portrait.png"), full_page=True)
    await page.click("text=Олена Ковальчук")
    await page.wait_for_url(f"{live_url}/people/*")
    assert "1988" in await page.content()
    await context.close()


async def _signed_in(browser, live_url, username="caseworker"):
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, username)
    return context, page


async def _person_with_card(app):
    from logistics import codes
    from logistics.core.actor import Actor
    from logistics.people.cards import CardService
    from logistics.people.services import PersonInput, PersonService

    actor = Actor(user_id=None, username="test", role="case_worker")
    async with db_session(app) as session:
        person = await PersonService(session, actor).register(PersonInput("Łukasz", "Wójcik", None, 1970, "male"))
        card = await CardService(session, actor).issue(person.id)
        await session.commit()
        return person.id, codes.format_code(card.code)


async def _valid_cards(app, person_id):
    from sqlalchemy import func, select

    from logistics.people.models import BeneficiaryCard

    async with db_session(app) as session:
        return await session.scalar(
            select(func.count())
            .select_from(BeneficiaryCard)
            .where(BeneficiaryCard.person_id == person_id, BeneficiaryCard.revoked_at.is_(None))
        )


async def test_a_scanned_card_opens_the_record_and_a_misread_one_says_so(app, browser, live_url):
    person_id, code = await _person_with_card(app)
    context, page = await _signed_in(browser, live_url)
    await page.goto(f"{live_url}/people")
    # A handheld scanner types the code quickly and sends Enter.
    await page.locator("#q").press_sequentially(code, delay=5)
    await page.locator("#q").press("Enter")
    await page.wait_for_url(f"{live_url}/people/{person_id}")
    await page.goto(f"{live_url}/people")
    misread = code[:-1] + ("A" if code[-1] != "A" else "B")
    await page.locator("#q").press_sequentially(misread, delay=5)
    alert = page.locator("#results [role=alert]")
    await alert.wait_for()
    assert "kod" in (await alert.inner_text()).lower()
    assert await page.locator("#results", has_text="Nikogo nie znaleziono").count() == 0
    await context.close()


async def test_a_lost_card_is_revoked_only_once_confirmed_and_targets_are_big_enough(app, browser, live_url):
    person_id, code = await _person_with_card(app)
    context, page = await _signed_in(browser, live_url)
    await page.goto(f"{live_url}/people/{person_id}")
    # Every link, button and field on the record is at least 44 px tall (WCAG 2.5.5 at tablet size).
    small = await page.evaluate(
        """() => [...document.querySelectorAll('main a, main button, main select, main summary, main input:not([type=hidden]):not([type=checkbox])')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == []
    revoke = page.locator("form[action$='/card/revoke'] button")
    asked: list[str] = []

    async def dismiss(dialog):
        asked.append(dialog.message)
        await dialog.dismiss()

    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.once("dialog", dismiss)
    await revoke.click()
    assert asked and code in asked[0]
    assert sent == []  # cancelled: htmx sends nothing (it asks before the request, in the click's handler)
    assert await _valid_cards(app, person_id) == 1
    page.once("dialog", lambda dialog: dialog.accept())
    await revoke.click()
    await page.locator(".flash-success").wait_for()
    assert await _valid_cards(app, person_id) == 0
    await context.close()
