"""Races that only PostgreSQL shows (SQLite runs one write transaction at a time): two transactions on two
connections at the same moment, and the database checked afterwards. Each rule holds in SQL — a row lock taken in
a fixed order, an advisory lock, a unique index — so the loser waits for the winner and then sees what it did."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from logistics.core.errors import DomainError
from logistics.db import make_alchemy_config
from logistics.inventory.ledger import verify
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import EligibilityDecision, Programme, Redemption, Voucher, VoucherLine
from logistics.vouchers.programmes import LineInput, ProgrammeInput, ProgrammeService
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import TEST_DB
from ..helpers import count, db_session
from .conftest import ADMIN
from .test_redeeming import _issue, _stock, volunteer

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="needs two transactions writing at once: SQLite runs one writer at a time"
)


async def test_an_undo_waits_for_a_redemption_of_the_same_voucher_instead_of_deadlocking(app, aid, settings):
    """A redemption holds the voucher's row and takes its lines in its own order (the order its lines came in);
    an undo of an earlier hand-out of the voucher at that moment takes the voucher's row first too, so it waits
    instead of taking a line the redemption needs next (before: a deadlock, and one of them failed)."""
    voucher = await _issue(app, aid)
    async with db_session(app) as session:
        earlier = await RedemptionService(session, volunteer(aid)).redeem(
            voucher.code, aid.point.id, "earlier-0001", {aid.kit.id: Decimal(1), aid.oil.id: Decimal(1)}
        )
        await session.commit()
    kit_line, oil_line = (line.id for line in sorted(voucher.lines, key=lambda line: line.position))
    config = make_alchemy_config(settings)
    try:
        async with config.get_session() as redemption, config.get_session() as undoing:
            await redemption.execute(select(Voucher.id).where(Voucher.id == voucher.id).with_for_update())
            touch = text("UPDATE voucher_lines SET redeemed = redeemed WHERE id = :id")
            await redemption.execute(touch, {"id": oil_line})  # its first line: the oil

            async def undo() -> Redemption:
                done = await RedemptionService(undoing, volunteer(aid)).undo(earlier.redemption.id)
                await undoing.commit()
                return done

            undo_task = asyncio.create_task(undo())
            await asyncio.sleep(0.5)  # the undo is under way and waits for the voucher's row
            assert not undo_task.done()
            await redemption.execute(touch, {"id": kit_line})  # its next line: the kit (the undo took none)
            await redemption.commit()
            undone = await asyncio.wait_for(undo_task, timeout=10)
    finally:
        await config.get_engine().dispose()
    assert undone.undone_at is not None
    async with db_session(app) as session:
        lines = {line.id: line.redeemed for line in await session.scalars(select(VoucherLine))}
        assert lines == {kit_line: 0, oil_line: 0}
        assert (await session.get(Voucher, voucher.id)).status == "issued"
        assert await verify(session) == []
    assert await _stock(app, aid, aid.oil) == 40 and await _stock(app, aid, aid.pasta) == 40


async def test_two_case_workers_deciding_at_once_leave_one_decision(app, aid, settings):
    """Both decisions are recorded, one after the other (the later one stands); neither fails on the unique
    (programme, household) row."""
    config = make_alchemy_config(settings)

    async def decide(eligible: bool, reason: str) -> str:
        async with config.get_session() as session:
            await VoucherService(session, ADMIN).decide(aid.hygiene.id, aid.poor.id, eligible, reason)
            await asyncio.sleep(0.05)
            await session.commit()
            return reason

    try:
        done = await asyncio.gather(decide(True, "pierwsza"), decide(False, "druga"))
    finally:
        await config.get_engine().dispose()
    assert sorted(done) == ["druga", "pierwsza"], done
    async with db_session(app) as session:
        decisions = list(await session.scalars(select(EligibilityDecision)))
    assert len(decisions) == 1 and decisions[0].reason in {"pierwsza", "druga"}


async def test_two_coordinators_saving_programmes_with_one_code_at_once(app, aid, settings):
    """One is saved; the other is told the code is taken (422 on the form), not a server error."""
    config = make_alchemy_config(settings)

    def programme(name: str) -> ProgrammeInput:
        lines = [LineInput(f"item:{aid.oil.id}", Decimal(1))]
        return ProgrammeInput("ZIMA", name, "one_off", "decision", Decimal(100), None, None, True, lines)

    async def save(name: str) -> str:
        async with config.get_session() as session:
            try:
                await ProgrammeService(session, ADMIN).save(None, programme(name))
                await asyncio.sleep(0.05)
                await session.commit()
                return "saved"
            except DomainError as error:
                await session.rollback()
                return f"{error.field}: {error.message}"

    try:
        outcomes = await asyncio.gather(save("Odzież zimowa"), save("Zimowa odzież"))
    finally:
        await config.get_engine().dispose()
    assert sorted(outcomes) == ["code: Inny program ma już ten kod.", "saved"], outcomes
    assert await count(app, Programme, Programme.code == "ZIMA") == 1
