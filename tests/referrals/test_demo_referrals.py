"""The demo referrals (`logistics seed demo`): issued by the demo's case worker (and the night shelter's staff) to
demo people and households over the six weeks before the load day — most of them food aid to the FEPŻ partners —
in every status, with dates consistent with the load day (open ones not yet due, overdue ones past due, confirmed
ones with the day the person came); the overdue job finds nothing to do; the FEPŻ report counts them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from logistics import codes
from logistics.core.actor import Actor
from logistics.core.i18n import in_locale, local_today
from logistics.directory.models import Service
from logistics.referrals.models import Referral, ReferralKind, ReferralStatus
from logistics.referrals.services import ReferralService
from logistics.reports.core import Period
from logistics.reports.fepz import build

from ..conftest import login
from ..helpers import db_session

COORDINATOR = Actor(user_id=None, username="test", role="coordinator", sees_all_sites=True)


async def _referrals(app):
    async with db_session(app) as session:
        return list(await session.scalars(select(Referral).order_by(Referral.issued_on)))


async def test_the_demo_referrals_in_every_status_over_the_past_weeks(app, demo):
    today = local_today()
    referrals = await _referrals(app)
    assert 15 <= len(referrals) <= 25
    statuses = Counter(referral.status for referral in referrals)
    assert set(statuses) == {status.value for status in ReferralStatus}
    assert statuses[ReferralStatus.CANCELLED] == 1
    kinds = Counter(referral.kind for referral in referrals)
    assert {ReferralKind.FOOD_AID, ReferralKind.WORK, ReferralKind.SHELTER, ReferralKind.GENERAL} <= set(kinds)
    assert kinds[ReferralKind.FOOD_AID] > len(referrals) / 2
    assert len({referral.code for referral in referrals}) == len(referrals)
    for referral in referrals:
        assert today - timedelta(days=42) <= referral.issued_on <= today
        assert referral.expected_by >= referral.issued_on
        assert referral.created_at.date() <= today and referral.person_id and referral.holder
        assert referral.issued_by in {"caseworker", "shelter"} and referral.issued_by_id
        assert referral.reason
        if referral.status == ReferralStatus.OPEN:
            assert referral.expected_by >= today and referral.came_on is None
        elif referral.status == ReferralStatus.OVERDUE:
            assert referral.expected_by < today and referral.came_on is None
        elif referral.status == ReferralStatus.CONFIRMED:
            assert referral.came_on and referral.issued_on <= referral.came_on <= today
            assert referral.confirmed_at and referral.confirmed_at.date() <= today
        else:
            assert referral.cancelled_at and referral.cancelled_reason
        if referral.kind == ReferralKind.FOOD_AID:
            assert referral.household_id and referral.household_size >= 1 and referral.eligibility
    assert sum(bool(r.confirmation_note) for r in referrals if r.status == ReferralStatus.CONFIRMED) >= 5
    assert any(r.issued_on >= today - timedelta(days=3) for r in referrals)  # recent ones too
    assert any(r.issued_on <= today - timedelta(days=35) for r in referrals)  # and weeks ago


async def test_the_targets_match_the_kinds(app, demo):
    """Food aid to the FEPŻ partners (food, a referral needed), work to the labour office or the integration
    centre, shelter to another commune's shelter."""
    needs = {ReferralKind.FOOD_AID: "food", ReferralKind.WORK: "work", ReferralKind.SHELTER: "shelter"}
    async with db_session(app) as session:
        for referral in await session.scalars(select(Referral)):
            service = await session.get(Service, referral.service_id)
            assert service is not None
            if referral.kind in needs:
                assert needs[ReferralKind(referral.kind)] in service.categories
            if referral.kind == ReferralKind.FOOD_AID:
                assert service.referral_required and "FEPŻ" in service.offers
            if referral.kind == ReferralKind.SHELTER:
                assert "Gliwice" not in service.address


async def test_the_overdue_job_finds_nothing_to_mark(app, demo):
    async with db_session(app) as session:
        assert await ReferralService(session, COORDINATOR).mark_overdue(local_today()) == 0


async def test_the_fepz_report_counts_the_demo_referrals(app, demo):
    today = local_today()
    referrals = [r for r in await _referrals(app) if r.kind == ReferralKind.FOOD_AID]
    async with db_session(app) as session:
        with in_locale("en"):
            table = (await build(session, Period(today - timedelta(days=42), today)))[2]
    assert len(table.rows) >= 2  # the food bank and the charities
    assert table.total == [
        "Total",
        len(referrals),
        sum(r.household_size for r in referrals if r.status != ReferralStatus.CANCELLED),
        sum(r.status == ReferralStatus.CONFIRMED for r in referrals),
        sum(r.status in (ReferralStatus.OPEN, ReferralStatus.OVERDUE) for r in referrals),
        1,
    ]


async def test_the_case_worker_sees_the_demo_referrals(app, client, demo):
    await login(client, "caseworker", "pomoc-demo-2026")
    client.cookies.set("lang", "en")
    open_ones = [r for r in await _referrals(app) if r.status == ReferralStatus.OPEN and r.issued_by == "caseworker"]
    page = await client.get("/referrals", params={"status": "open"})
    assert page.status_code == 200
    assert open_ones and all(codes.format_code(referral.code) in page.text for referral in open_ones)
