"""After the issue: undo a confirmation, cancel with a reason, the overdue job, the lists and the start panel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from logistics.audit.models import AuditEntry
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.referrals.jobs import overdue_job
from logistics.referrals.models import Referral

from ..helpers import count, db_session, post_form
from .conftest import issue_direct, signed_in


async def _stored(app, referral_id) -> Referral:
    async with db_session(app) as session:
        return (await session.scalars(select(Referral).where(Referral.id == referral_id))).one()


async def _set(app, referral_id, **values) -> None:
    async with db_session(app) as session:
        await session.execute(update(Referral).where(Referral.id == referral_id).values(**values))
        await session.commit()


async def test_undo_a_confirmation_back_to_open_or_overdue(app, client, setup):
    referral = await issue_direct(app, setup)
    await _set(app, referral.id, status="confirmed", came_on=local_today(), confirmation_note="ok")
    await signed_in(client, "caseworker")
    response = await post_form(client, f"/referrals/{referral.id}/undo")
    assert response.status_code == 303
    stored = await _stored(app, referral.id)
    assert (stored.status, stored.came_on, stored.confirmation_note, stored.confirmed_at) == ("open", None, "", None)
    again = await post_form(client, f"/referrals/{referral.id}/undo")  # not confirmed: refused, nothing changes
    assert again.status_code == 303 and (await _stored(app, referral.id)).status == "open"
    past = local_today() - timedelta(days=3)
    await _set(app, referral.id, status="confirmed", came_on=past, issued_on=past - timedelta(days=5), expected_by=past)
    await post_form(client, f"/referrals/{referral.id}/undo")
    assert (await _stored(app, referral.id)).status == "overdue"
    assert await count(app, AuditEntry, AuditEntry.action == "referral.confirm_undone") == 2


async def test_cancel_needs_a_reason_and_an_open_referral(app, client, setup):
    referral = await issue_direct(app, setup)
    await signed_in(client, "caseworker")
    await post_form(client, f"/referrals/{referral.id}/cancel", {"cancelled_reason": ""})
    assert (await _stored(app, referral.id)).status == "open"
    await post_form(client, f"/referrals/{referral.id}/cancel", {"cancelled_reason": "Rodzina wyjechała"})
    stored = await _stored(app, referral.id)
    assert (stored.status, stored.cancelled_reason) == ("cancelled", "Rodzina wyjechała") and stored.cancelled_at
    await post_form(client, f"/referrals/{referral.id}/cancel", {"cancelled_reason": "Drugi raz"})
    assert (await _stored(app, referral.id)).cancelled_reason == "Rodzina wyjechała"
    assert await count(app, AuditEntry, AuditEntry.action == "referral.cancel") == 1


async def test_the_overdue_job_marks_open_referrals_past_their_date(app, settings, setup):
    late = await issue_direct(app, setup)
    due_today = await issue_direct(app, setup)
    confirmed = await issue_direct(app, setup)
    yesterday = local_today() - timedelta(days=1)
    week_ago = local_today() - timedelta(days=7)
    await _set(app, late.id, issued_on=week_ago, expected_by=yesterday)
    await _set(app, due_today.id, issued_on=week_ago, expected_by=local_today())
    await _set(app, confirmed.id, issued_on=week_ago, expected_by=yesterday, status="confirmed")
    config = make_alchemy_config(settings)
    try:
        async with config.get_session() as session:
            assert await overdue_job(session) == "1 referrals overdue"
            await session.commit()
        async with config.get_session() as session:
            assert await overdue_job(session) == "0 referrals overdue"
            await session.commit()
    finally:
        await config.get_engine().dispose()
    assert [(await _stored(app, r.id)).status for r in (late, due_today, confirmed)] == ["overdue", "open", "confirmed"]
    assert await count(app, AuditEntry, AuditEntry.action == "referral.overdue") == 1


async def test_the_lists_the_person_panel_and_the_start_panel(app, client, setup):
    open_one = await issue_direct(app, setup)
    late = await issue_direct(app, setup, person_id=setup.alone.id, whole_household=False)
    await _set(
        app,
        late.id,
        issued_on=local_today() - timedelta(days=9),
        expected_by=local_today() - timedelta(days=2),
        status="overdue",
    )
    await signed_in(client, "caseworker")
    opened = await client.get("/referrals?status=open")
    assert opened.status_code == 200 and str(open_one.id) in opened.text and str(late.id) not in opened.text
    overdue = await client.get("/referrals?status=overdue&whose=all")
    assert str(late.id) in overdue.text and str(open_one.id) not in overdue.text
    food = await client.get("/referrals?status=all&kind=work")
    assert str(open_one.id) not in food.text
    panel = await client.get(f"/referrals/people/{setup.mother.id}")
    assert panel.status_code == 200 and str(open_one.id) in panel.text and str(late.id) not in panel.text
    assert f"/referrals/new?person={setup.mother.id}" in panel.text
    home = await client.get("/")
    assert 'id="referrals-panel"' in home.text and "Jan Nowak" in home.text and "Anna Kowalska" in home.text
    person_page = await client.get(f"/people/{setup.mother.id}")
    assert f'hx-get="/referrals/people/{setup.mother.id}"' in person_page.text
    for lang in ("uk", "en"):
        await post_form(client, "/language", {"locale": lang, "next": "/"})
        assert (await client.get("/referrals?status=all")).status_code == 200
        assert (await client.get(f"/referrals/{open_one.id}")).status_code == 200
        assert (await client.get("/referrals/new")).status_code == 200
