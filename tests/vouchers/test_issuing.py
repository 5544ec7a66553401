"""Issuing: eligibility by rule, one voucher per household and cycle (the database enforcing it), batches that
never issue twice, validity, revoking and reissuing, expiry."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from logistics import codes
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.vouchers.issuing import VoucherService, expire_vouchers, validity
from logistics.vouchers.models import Voucher, VoucherLine

from ..helpers import count, db_session
from .conftest import ADMIN


async def test_issue_one_voucher_with_lines_scaled_by_household_size(app, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id, today=date(2026, 11, 5))
        await session.commit()
        lines = list(
            await session.scalars(
                select(VoucherLine).where(VoucherLine.voucher_id == voucher.id).order_by(VoucherLine.position)
            )
        )
    assert [(line.kit_id, line.item_id, line.entitled) for line in lines] == [
        (aid.kit.id, None, 1),
        (None, aid.oil.id, 3),
    ]
    assert (voucher.cycle, voucher.valid_from, voucher.valid_until) == (
        "2026-11",
        date(2026, 11, 5),
        date(2026, 11, 30),
    )
    assert voucher.holder == "Anna K."  # first name and initial, nothing more
    assert codes.is_well_formed(voucher.code, 17) and len(voucher.code) == 17


@pytest.mark.parametrize(
    ("household", "message"),
    [("rich", "powyżej"), ("unknown", "Dochód nie jest znany")],
)
async def test_ineligible_households_are_refused_with_the_reason(app, aid, household, message):
    async with db_session(app) as session:
        with pytest.raises(DomainError, match=message):
            await VoucherService(session, ADMIN).issue(aid.food.id, getattr(aid, household).id)
    assert await count(app, Voucher) == 0


async def test_one_voucher_per_household_and_cycle(app, aid):
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        await service.issue(aid.food.id, aid.poor.id)
        with pytest.raises(DomainError, match="ma już bon"):
            await service.issue(aid.food.id, aid.poor.id)
        await session.commit()
    async with db_session(app) as session:  # the database refuses it too, whatever the code does
        first = await session.scalar(select(Voucher))
        session.add(
            Voucher(
                code="X" * 17,
                programme_id=first.programme_id,
                household_id=first.household_id,
                cycle=first.cycle,
                valid_from=first.valid_from,
                valid_until=first.valid_until,
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()
    assert await count(app, Voucher) == 1


async def test_batch_preview_then_issue_and_a_rerun_issues_nothing(app, aid):
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        preview = await service.preview(aid.food.id, "2026-12", today=date(2026, 11, 20))
        assert [h.id for h in preview.eligible] == [aid.poor.id]
        assert {h.id for h, _reason in preview.excluded} == {aid.rich.id, aid.unknown.id}
        issued = await service.issue_batch(aid.food.id, "2026-12", today=date(2026, 11, 20))
        await session.commit()
        assert len(issued) == 1
        assert issued[0].valid_from == date(2026, 12, 1)  # issued ahead: valid from the cycle's first day
        again = await service.preview(aid.food.id, "2026-12", today=date(2026, 11, 20))
        assert again.eligible == [] and again.already == 1
        assert await service.issue_batch(aid.food.id, "2026-12", today=date(2026, 11, 20)) == []
        await session.commit()
    assert await count(app, Voucher) == 1


async def test_decision_rule_needs_a_case_workers_decision_with_a_reason(app, aid):
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        with pytest.raises(DomainError, match="decyzji"):
            await service.issue(aid.hygiene.id, aid.rich.id)
        with pytest.raises(DomainError, match="Podaj powód"):
            await service.decide(aid.hygiene.id, aid.rich.id, True, " ")
        await service.decide(aid.hygiene.id, aid.rich.id, True, "pożar mieszkania")
        voucher = await service.issue(aid.hygiene.id, aid.rich.id)
        await session.commit()
    assert voucher.cycle == "once"
    assert voucher.valid_until - voucher.valid_from == timedelta(days=29)


async def test_bad_cycle_and_roles(app, aid):
    async with db_session(app) as session:
        with pytest.raises(DomainError, match="RRRR-MM"):
            await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id, cycle="listopad")
        volunteer = Actor(user_id=None, username="v", role="volunteer", site_ids=frozenset({aid.point.id}))
        with pytest.raises(DomainError):
            await VoucherService(session, volunteer).issue(aid.food.id, aid.poor.id)
    assert await count(app, Voucher) == 0


async def test_revoke_and_reissue_a_lost_voucher(app, aid):
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        old = await service.issue(aid.food.id, aid.poor.id)
        await session.commit()
        new = await service.reissue(old.id, "zgubiony")
        await session.commit()
        assert (await service.voucher(old.id)).status == "revoked"
        assert new.replaces_id == old.id and new.code != old.code and new.cycle == old.cycle
        with pytest.raises(DomainError):  # revoked already
            await service.revoke(old.id, "again")


async def test_expiry_job_marks_past_vouchers(app, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
        assert await expire_vouchers(session, voucher.valid_until) == 0
        assert await expire_vouchers(session, voucher.valid_until + timedelta(days=1)) == 1
        await session.commit()
        await session.refresh(voucher)
        assert voucher.status == "expired"


def test_validity_of_one_off_and_monthly(aid_free_programmes):
    monthly, one_off = aid_free_programmes
    assert validity(monthly, "2026-02", date(2026, 2, 10)) == (date(2026, 2, 10), date(2026, 2, 28))
    assert validity(one_off, "once", date(2026, 2, 10)) == (date(2026, 2, 10), date(2026, 3, 11))


@pytest.fixture
def aid_free_programmes():
    from logistics.vouchers.models import Programme

    return Programme(cycle="monthly", valid_days=None), Programme(cycle="one_off", valid_days=30)


async def test_income_exactly_at_the_threshold_is_eligible(app, aid):
    async with db_session(app) as session:
        poor = await VoucherService(session, ADMIN).household(aid.poor.id)
        poor.income_per_person = Decimal("2180.95")  # 265 % of 823 zł
        await session.commit()
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        assert voucher.household_size == 3
