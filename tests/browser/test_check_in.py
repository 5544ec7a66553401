"""At the night desk, tablet landscape: find the person, tap the proposed bed, see them on the map."""

from __future__ import annotations

from ..conftest import PASSWORD
from ..shelter.helpers import bed_state, make_person, make_rooms

LANDSCAPE = {"width": 1280, "height": 800}


async def test_check_in_at_the_night_desk(app, browser, live_url, people, screenshots):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False), ("Sala 2", "women", 2, False)])
    await make_person(app, "Marek", "male")
    context = await browser.new_context(viewport=LANDSCAPE, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_url}/login")
    await page.fill("#f-username", "shelter")
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{live_url}/")
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
