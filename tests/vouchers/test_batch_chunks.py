"""A region's batch committed in chunks (`issue_cycle`): each chunk its own transaction with its audit entry, a
batch that stops half-way keeps what it issued, and running it again completes it without duplicates; the web's
"Issue" runs a batch larger than a chunk in the background."""

from __future__ import annotations

from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.errors import DomainError
from logistics.core.service import unit_of_work
from logistics.db import make_alchemy_config
from logistics.settings import get_settings
from logistics.vouchers import issuing
from logistics.vouchers.issuing import VoucherService, issue_cycle
from logistics.vouchers.models import Voucher, VoucherLine

from ..helpers import count, db_session
from .conftest import ADMIN, NEXT_CYCLE, _household

TODAY = date(2026, 11, 20)
CYCLE = "2026-12"


@asynccontextmanager
async def sessions_of(app):
    """Sessions on the app's database configured as the app's (SQLite: BEGIN IMMEDIATE for writes), on an engine
    of this test's event loop."""
    url = app.plugins.get(SQLAlchemyPlugin).config[0].connection_string
    config = make_alchemy_config(replace(get_settings(), database_url=url))
    try:
        yield config.create_session_maker()
    finally:
        await config.get_engine().dispose()


@pytest.fixture
async def many(app, aid):
    """Six more eligible households (with `aid.poor`: seven), oldest first."""
    async with db_session(app) as session:
        households = [_household(Decimal(900), (f"Ola{n}", "Nowak"), ("Jan", "Nowak")) for n in range(6)]
        for household in households:
            session.add(household)
            await session.flush()  # one at a time: created in this order
        await session.commit()
    return households


async def _vouchers(app) -> list[Voucher]:
    async with db_session(app) as session:
        return list(await session.scalars(select(Voucher).where(Voucher.cycle == CYCLE)))


async def test_chunks_each_commit_with_their_audit_entry(app, aid, many):
    async with sessions_of(app) as sessions:
        result = await issue_cycle(sessions, ADMIN, aid.food.id, CYCLE, TODAY, chunk=3)
    assert (result.issued, result.chunks) == (7, 3)
    vouchers = await _vouchers(app)
    assert len(vouchers) == 7 and len({v.household_id for v in vouchers}) == 7
    assert {v.id for v in vouchers} == set(result.voucher_ids)
    assert all(v.valid_from == date(2026, 12, 1) and v.holder for v in vouchers)
    # Lines as for one voucher: the kit, and oil per person (two people in each new household).
    assert await count(app, VoucherLine) == 14
    async with db_session(app) as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "voucher.issue_batch")))
    assert sorted(entry.fields[0] for entry in entries) == ["1", "3", "3"]


async def test_a_batch_that_stops_half_way_keeps_its_chunks_and_a_rerun_completes_it(app, aid, many, monkeypatch):
    real = VoucherService.issue_chunk
    calls = 0

    async def failing(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away")
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(VoucherService, "issue_chunk", failing)
    async with sessions_of(app) as sessions:
        with pytest.raises(RuntimeError):
            await issue_cycle(sessions, ADMIN, aid.food.id, CYCLE, TODAY, chunk=3)
        assert len(await _vouchers(app)) == 3  # the first chunk stays; the second left nothing
        monkeypatch.setattr(VoucherService, "issue_chunk", real)
        again = await issue_cycle(sessions, ADMIN, aid.food.id, CYCLE, TODAY, chunk=3)
        assert (again.issued, again.already) == (4, 3)
        assert (await issue_cycle(sessions, ADMIN, aid.food.id, CYCLE, TODAY, chunk=3)).issued == 0
    vouchers = await _vouchers(app)
    assert len(vouchers) == 7
    assert max(Counter(v.household_id for v in vouchers).values()) == 1


async def test_a_household_issued_meanwhile_is_skipped_not_issued_twice(app, aid, many):
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        survey = await service.survey(aid.food.id, CYCLE, TODAY)
        await service.issue(aid.food.id, survey.eligible[1].household_id, CYCLE, TODAY)  # a case worker, just now
        issued = await service.issue_chunk(aid.food.id, CYCLE, survey.eligible[:3], TODAY)  # the batch's survey
        await session.commit()
    assert len(issued) == 2
    vouchers = await _vouchers(app)
    assert len(vouchers) == 3 and max(Counter(v.household_id for v in vouchers).values()) == 1


async def test_listed_households_must_all_be_eligible_or_nothing_is_issued(app, aid, many):
    async with sessions_of(app) as sessions:
        with pytest.raises(DomainError, match="powyżej"):
            await issue_cycle(sessions, ADMIN, aid.food.id, CYCLE, TODAY, [aid.poor.id, aid.rich.id])
        assert await count(app, Voucher) == 0
        result = await issue_cycle(sessions, ADMIN, aid.food.id, CYCLE, TODAY, [aid.poor.id, many[0].id])
    assert result.issued == 2


async def test_start_batch_issues_a_small_batch_now_and_a_large_one_after_commit(app, aid, many, monkeypatch):
    async with sessions_of(app) as sessions:
        async with unit_of_work(sessions) as session:
            assert await VoucherService(session, ADMIN).start_batch(aid.food.id) == (7, False)
            assert await count(app, Voucher) == 0  # not committed yet: one transaction
        assert await count(app, Voucher) == 7
        monkeypatch.setattr(issuing, "BATCH_CHUNK", 2)
        async with unit_of_work(sessions) as session:
            assert await VoucherService(session, ADMIN).start_batch(aid.food.id, NEXT_CYCLE) == (7, True)
            assert await count(app, Voucher, Voucher.cycle == NEXT_CYCLE) == 0
        # The unit of work has committed, then run the batch in the background, in chunks of two.
    assert await count(app, Voucher, Voucher.cycle == NEXT_CYCLE) == 7
    assert await count(app, AuditEntry, AuditEntry.action == "voucher.issue_batch") == 1 + 4
