"""A case worker's tablet: sign people up until the course is full, cancel one so the first on the waiting list
moves up, then at the session check someone in by typing their card code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from logistics import codes
from logistics.activities.models import ActivitySession, Attendance, SignUp
from logistics.people.models import BeneficiaryCard

from ..helpers import db_session
from .conftest import sign_in

LANDSCAPE = {"width": 1280, "height": 800}


async def test_sign_up_fill_promote_and_check_in(app, browser, live_url, people, classes, screenshots):
    code = codes.normalize(codes.generate())
    async with db_session(app) as session:
        session.add(BeneficiaryCard(person_id=classes.people[4].id, code=code))
        await session.commit()
    context = await browser.new_context(viewport=LANDSCAPE, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_url, "caseworker")
    await page.goto(f"{live_url}/activities/{classes.course.id}")
    for n in range(1, 5):  # three places, the fourth waits
        await page.fill("#q", f"Osoba{n:02}")
        await page.click("#sign-up button:has-text('Szukaj')")
        await page.locator("#people-results button:has-text('Zapisz')").first.click()
        await page.locator(".flash-success").wait_for()
    assert "Osoba04" in await page.locator("#waiting").inner_text()
    await page.screenshot(path=str(screenshots / "activity-full.png"), full_page=True)
    await page.locator("#participants tr", has_text="Osoba01").locator("button").click()
    await page.locator(".flash-success", has_text="Osoba04").wait_for()
    assert "Osoba04" in await page.locator("#participants").inner_text()
    async with db_session(app) as session:  # the session begins now
        first = await session.get(ActivitySession, classes.sessions[0].id)
        first.starts_at, first.ends_at = (
            datetime.now(UTC) - timedelta(minutes=5),
            datetime.now(UTC) + timedelta(minutes=85),
        )
        await session.commit()
    await page.goto(f"{live_url}/activities/sessions/{classes.sessions[0].id}/attendance")
    await page.locator("#card").press_sequentially(codes.format_code(code), delay=10)
    await page.locator("#card").press("Enter")
    await page.locator(".roll-call li.present", has_text="Osoba04").wait_for()
    await page.screenshot(path=str(screenshots / "activity-attendance.png"), full_page=True)
    async with db_session(app) as session:
        record = await session.scalar(select(Attendance).where(Attendance.person_id == classes.people[4].id))
        statuses = {s.person_id: s.status for s in await session.scalars(select(SignUp))}
    assert record.status == "present"
    assert statuses[classes.people[1].id] == "cancelled" and statuses[classes.people[4].id] == "confirmed"
    await context.close()
