"""At the night desk, tablet landscape: find the person, tap the proposed bed, see them on the map."""

from __future__ import annotations

import re

from sqlalchemy import select

from logistics.people.models import Person
from logistics.shelter.models import Stay

from ..helpers import db_session
from ..shelter.helpers import bed_state, make_person, make_rooms
from .conftest import sign_in

LANDSCAPE = {"width": 1280, "height": 800}


async def test_check_in_at_the_night_desk(app, browser, live_url, people, screenshots):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False), ("Sala 2", "women", 2, False)])
    await make_person(app, "Marek", "male")
    context = await browser.new_context(viewport=LANDSCAPE, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "shelter")
    await page.goto(f"{live_url}/shelter/check-in")
    await page.locator("#q").press_sequentially("marek", delay=30)
    await page.locator(".result-list a", has_text="Marek Testowy").click()
    proposals = page.locator(".proposals button")
    await proposals.first.wait_for()
    texts = await proposals.all_inner_texts()
    assert all("Sala 1" in text for text in texts)  # only the men's room fits
    await proposals.first.click()
    await page.wait_for_url(f"{live_url}/shelter/sites/{people.site_a.id}")
    assert "Marek Testowy" in await page.content()
    await page.screenshot(path=str(screenshots / "site-map-landscape.png"), full_page=True)
    assert await bed_state(app, beds["Sala 1"][0].id) == "occupied"
    await context.close()


TABLET = {"width": 768, "height": 1024}


async def test_quick_registration_continues_into_check_in(app, browser, live_url, people, screenshots):
    beds = await make_rooms(app, people.site_a.id, [("Sala 2", "women", 2, False), ("Sala 10", "women", 1, False)])
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "shelter")
    await page.goto(f"{live_url}/shelter/check-in")
    await page.locator("#q").press_sequentially("zofia", delay=30)
    await page.get_by_text("Nikogo nie znaleziono.").wait_for()
    await page.get_by_role("link", name="Osoba niezarejestrowana? Szybka rejestracja").click()
    await page.wait_for_url(re.compile(r"/people/quick\?next="))
    await page.fill("#f-given_name", "Zofia")
    await page.select_option("#f-sex", "female")
    await page.fill("#f-birth_year", "1958")
    await page.get_by_role("button", name="Zarejestruj").click()
    await page.wait_for_url(re.compile(r"/shelter/check-in\?person="))  # back in check-in, for her
    assert "Zofia" in await page.locator("#check-in h2").inner_text()
    proposals = page.locator(".proposals button")
    texts = await proposals.all_inner_texts()
    assert texts[0].startswith("Noclegownia A · Sala 2 · łóżko 1")  # natural order: Sala 2 before Sala 10
    assert texts[-1].startswith("Noclegownia A · Sala 10")
    await page.screenshot(path=str(screenshots / "check-in-after-quick-registration.png"), full_page=True)
    await proposals.first.click()
    await page.wait_for_url(f"{live_url}/shelter/sites/{people.site_a.id}")
    async with db_session(app) as session:
        person = await session.scalar(select(Person).where(Person.given_name == "Zofia"))
        stay = await session.scalar(select(Stay).where(Stay.person_id == person.id, Stay.ended_at.is_(None)))
    assert stay is not None and stay.site_id == people.site_a.id
    assert await bed_state(app, beds["Sala 2"][0].id) == "occupied"
    # Checking out asks first; the select is a full-size touch target.
    await page.locator(".bed.state-occupied summary").first.click()
    reason = page.locator(".bed.state-occupied select[name=reason]").first
    assert (await reason.bounding_box())["height"] >= 44
    await context.close()
