"""At tablet size: results appear as the case worker types, and a record opens from them."""

from __future__ import annotations

from ..conftest import PASSWORD
from ..helpers import db_session

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
    await page.goto(f"{live_url}/login")
    await page.fill("#f-username", "caseworker")
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/")
    await page.click(".mainnav a[href='/people']")
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
