"""The receiving institution's pages at /r and /r/<code>: no log-in, nothing but the first name and initial and the
service; a bad code is refused next to its field; a code confirms once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from logistics import codes
from logistics.core.i18n import local_today
from logistics.referrals.models import Referral

from ..helpers import db_session, post_form
from .conftest import field_error, issue_direct


async def _stored(app, referral) -> Referral:
    async with db_session(app) as session:
        return (await session.scalars(select(Referral).where(Referral.id == referral.id))).one()


def _wrong_check(code: str) -> str:
    last = codes.ALPHABET[(codes.ALPHABET.index(code[-1]) + 1) % codes.N]
    return code[:-1] + last


async def test_typing_the_code_leads_to_the_page_and_bad_codes_are_refused_next_to_the_field(app, client, setup):
    referral = await issue_direct(app, setup)
    page = await client.get("/r")
    assert page.status_code == 200 and 'name="code"' in page.text
    typed = codes.format_code(referral.code).lower().replace("-", " ")
    response = await post_form(client, "/r", {"code": typed})
    assert response.status_code == 303 and response.headers["location"] == f"/r/{referral.code}"
    for bad in ("", "ABC", _wrong_check(referral.code), "U" * 13, "x" * 5000, "\x00"):
        refused = await post_form(client, "/r", {"code": bad})
        assert refused.status_code == 422, bad
        assert field_error(refused.text, "code"), bad
    unknown = codes.normalize(codes.generate(60))
    refused = await post_form(client, "/r", {"code": unknown})
    assert refused.status_code == 422 and field_error(refused.text, "code")


async def test_the_page_shows_the_first_name_and_initial_and_the_service_only(app, client, setup):
    referral = await issue_direct(app, setup)
    page = await client.get(f"/r/{referral.code}")
    assert page.status_code == 200
    assert "Anna K." in page.text and "Bank Żywności w Gliwicach" in page.text
    for secret in ("Kowalska", "85010112345", "600 100 200", "Trudna sytuacja", "Paczki żywnościowe", "612,00"):
        assert secret not in page.text, secret
    for bad in ("ABCD", _wrong_check(referral.code), codes.normalize(codes.generate(60)), "%00" * 10):
        missing = await client.get(f"/r/{bad}")
        assert missing.status_code == 404, bad
        assert "Anna" not in missing.text and "Bank Żywności" not in missing.text


async def test_the_language_can_be_chosen_for_the_institution(app, client, setup):
    referral = await issue_direct(app, setup)
    page = await client.get(f"/r/{referral.code}?lang=uk")
    assert page.status_code == 200 and 'lang="uk"' in page.text
    page = await client.get(f"/r/{referral.code}?lang=en")
    assert 'lang="en"' in page.text and "The person came" in page.text


async def test_confirming_once_then_already_confirmed(app, client, setup):
    referral = await issue_direct(app, setup)
    await client.get(f"/r/{referral.code}")
    today = local_today().isoformat()
    response = await post_form(client, f"/r/{referral.code}", {"came_on": today, "note": "Przyszła z dziećmi"})
    assert response.status_code == 303
    stored = await _stored(app, referral)
    assert (stored.status, stored.came_on, stored.confirmation_note) == (
        "confirmed",
        local_today(),
        "Przyszła z dziećmi",
    )
    assert stored.confirmed_at is not None
    page = await client.get(f"/r/{referral.code}")
    assert 'id="confirmed"' in page.text and 'name="came_on"' not in page.text
    again = await post_form(client, f"/r/{referral.code}", {"came_on": today})
    assert again.status_code == 422 and "potwierdzone" in again.text
    assert (await _stored(app, referral)).confirmation_note == "Przyszła z dziećmi"


async def test_the_date_cannot_be_in_the_future_nor_before_the_issue(app, client, setup):
    referral = await issue_direct(app, setup)
    await client.get("/r")
    for day in (local_today() + timedelta(days=1), local_today() - timedelta(days=1)):
        refused = await post_form(client, f"/r/{referral.code}", {"came_on": day.isoformat()})
        assert refused.status_code == 422 and field_error(refused.text, "came_on")
    refused = await post_form(client, f"/r/{referral.code}", {"came_on": "yesterday"})
    assert refused.status_code == 422 and field_error(refused.text, "came_on")
    refused = await post_form(client, f"/r/{referral.code}", {"note": "x" * 501})
    assert refused.status_code == 422 and field_error(refused.text, "note")
    assert (await _stored(app, referral)).status == "open"


async def test_a_cancelled_referral_cannot_be_confirmed(app, client, setup):
    referral = await issue_direct(app, setup)
    async with db_session(app) as session:
        stored = await session.get(Referral, referral.id)
        stored.status = "cancelled"
        await session.commit()
    await client.get("/r")
    refused = await post_form(client, f"/r/{referral.code}", {"came_on": local_today().isoformat()})
    assert refused.status_code == 422
    assert (await _stored(app, referral)).status == "cancelled"
