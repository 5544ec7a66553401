"""At tablet size: the evening roll call, and the coordinators' board refreshing itself without a reload."""

from __future__ import annotations

from sqlalchemy import select

from logistics.core.actor import Actor
from logistics.settings import get_settings
from logistics.shelter.models import RollCallMark, Stay
from logistics.shelter.stays import StayService

from ..helpers import db_session
from ..shelter.helpers import make_person, make_rooms
from .conftest import sign_in

PORTRAIT = {"width": 768, "height": 1024}


async def _sign_in(browser, live_url, username):
    context = await browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, username)
    return context, page


async def test_roll_call_on_a_tablet(app, browser, live_url, people, screenshots):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False)])
    desk = Actor(user_id=None, username="desk", role="coordinator", sees_all_sites=True)
    for number, name in enumerate(("Marek", "Jan")):
        person = await make_person(app, name, "male")
        async with db_session(app) as session:
            await StayService(session, desk).check_in(person.id, beds["Sala 1"][number].id)
            await session.commit()
    context, page = await _sign_in(browser, live_url, "shelter")
    await page.goto(f"{live_url}/shelter/sites/{people.site_a.id}/roll-call")
    rows = page.locator(".roll-call li")
    assert await rows.count() == 2
    await rows.nth(0).get_by_role("button", name="Obecny", exact=True).click()
    await page.locator(".roll-call li.present").first.wait_for()
    await rows.nth(1).get_by_role("button", name="Nieobecny", exact=True).click()
    await page.locator(".roll-call li.absent").first.wait_for()
    await page.screenshot(path=str(screenshots / "roll-call-portrait.png"), full_page=True)
    async with db_session(app) as session:
        marks = list(await session.scalars(select(RollCallMark.present)))
    assert sorted(marks) == [False, True]
    await context.close()


async def test_board_refreshes_itself(app, browser, live_url, people, monkeypatch):
    monkeypatch.setenv("LOGISTICS_BOARD_REFRESH_SECONDS", "1")
    get_settings.cache_clear()
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 3, False)])
    context, page = await _sign_in(browser, live_url, "coordinator")
    await page.goto(f"{live_url}/shelter/board")
    row = page.locator("#board tr", has_text="Noclegownia A")
    assert (await row.locator("td.free").inner_text()).strip() == "3"
    # Someone at the night desk checks a person in; the board changes without reloading the page.
    man = await make_person(app, "Marek", "male")
    async with db_session(app) as session:
        desk = Actor(user_id=None, username="desk", role="shelter_staff", site_ids=frozenset({people.site_a.id}))
        await StayService(session, desk).check_in(man.id, beds["Sala 1"][0].id)
        await session.commit()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    await page.locator("#board tr", has_text="Noclegownia A").locator("td.free", has_text="2").wait_for(timeout=10_000)
    assert navigations == []
    await context.close()


async def test_board_fits_a_tablet_and_check_out_asks_first(app, browser, live_url, people, screenshots):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False), ("Ogrzewalnia", "mixed", 2, False)])
    man = await make_person(app, "Marek", "male")
    async with db_session(app) as session:
        desk = Actor(user_id=None, username="desk", role="coordinator", sees_all_sites=True)
        await StayService(session, desk).check_in(man.id, beds["Sala 1"][0].id)
        await session.commit()
    context, page = await _sign_in(browser, live_url, "coordinator")
    await page.goto(f"{live_url}/shelter/board")
    region = page.locator(".shelter-scroll")
    # The table fits the page, or scrolls inside its region, which says so and can be reached with the keyboard.
    page_width = await page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 768
    overflows = await region.evaluate("el => el.scrollWidth > el.clientWidth")
    if overflows:
        assert await page.locator(".scroll-cue").is_visible()
        assert await region.get_attribute("tabindex") == "0"
    await page.screenshot(path=str(screenshots / "board-portrait.png"), full_page=True)
    # Checking out asks for confirmation: dismissed, nothing happens; accepted, the stay ends.
    await page.goto(f"{live_url}/shelter/sites/{people.site_a.id}")
    bed = page.locator(".bed.state-occupied")
    await bed.locator("summary").click()
    reason = bed.locator("select[name=reason]")
    assert (await reason.bounding_box())["height"] >= 44
    await reason.select_option("own_housing")
    answers = iter([False, True])
    page.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    async with page.expect_event("dialog"):
        await bed.get_by_role("button", name="Wypisz").click()
    assert await page.locator(".bed.state-occupied").count() == 1
    await bed.get_by_role("button", name="Wypisz").click()
    await page.locator(".bed.state-occupied").wait_for(state="detached")
    async with db_session(app) as session:
        ended = await session.scalar(select(Stay.ended_at).where(Stay.person_id == man.id))
    assert ended is not None
    await context.close()
