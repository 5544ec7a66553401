"""Redeeming: what a code gives at a point, every refusal with its reason, partial redemptions, stock issued in the
same transaction, at most once per line quantity whatever happens (retries, doubles, two scanners), and undo."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics import codes
from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.inventory.ledger import verify
from logistics.inventory.models import Balance, Movement
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Redemption, Voucher, VoucherLine
from logistics.vouchers.redeeming import RedemptionService, Refusal

from ..helpers import count, db_session
from .conftest import ADMIN


def volunteer(aid, name="wolontariusz") -> Actor:
    return Actor(user_id=None, username=name, role="volunteer", site_ids=frozenset({aid.point.id, aid.other_point.id}))


async def _issue(app, aid, programme=None, household=None) -> Voucher:
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        if (programme or aid.food).id == aid.hygiene.id:
            await service.decide(aid.hygiene.id, (household or aid.poor).id, True, "decyzja")
        voucher = await service.issue((programme or aid.food).id, (household or aid.poor).id)
        await session.commit()
        return voucher


async def _stock(app, aid, item) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == aid.point.id, Balance.item_id == item.id)
        )
    return Decimal(total or 0)


async def test_look_up_then_redeem_everything_once(app, aid):
    voucher = await _issue(app, aid)
    typed = codes.format_code(voucher.code).lower()  # typed by hand, in lower case, with dashes
    async with db_session(app) as session:
        service = RedemptionService(session, volunteer(aid))
        view = await service.look_up(typed, aid.point.id)
        assert [(line.name, line.remaining) for line in view.lines] == [("Paczka A", 1), ("Olej 1 l", 3)]
        assert (view.holder, view.household_size) == ("Anna K.", 3)
        outcome = await service.redeem(typed, aid.point.id, "request-0001")
        await session.commit()
    assert outcome.created and outcome.voucher.status == "redeemed"
    assert await _stock(app, aid, aid.pasta) == 38  # the kit: 2 pasta + 1 oil; then 3 oil (1 per person)
    assert await _stock(app, aid, aid.oil) == 36
    async with db_session(app) as session:
        movement = await session.get(Movement, outcome.redemption.movement_id)
        assert (movement.kind, movement.reference) == ("issue", codes.format_code(voucher.code))
        service = RedemptionService(session, volunteer(aid))
        repeat = await service.redeem(typed, aid.point.id, "request-0001")  # a retry: the first result, no change
        assert not repeat.created and repeat.redemption.id == outcome.redemption.id
        with pytest.raises(Refusal) as refused:  # a second scan
            await service.redeem(typed, aid.point.id, "request-0002")
        assert (refused.value.error, refused.value.status_code) == ("already_redeemed", 409)
        assert "Punkt 1" in refused.value.message
        await session.rollback()
    assert await count(app, Redemption) == 1
    assert await _stock(app, aid, aid.oil) == 36


async def test_partial_redemption_leaves_the_rest_on_the_voucher(app, aid):
    voucher = await _issue(app, aid)
    async with db_session(app) as session:
        service = RedemptionService(session, volunteer(aid))
        first = await service.redeem(voucher.code, aid.point.id, "partial-001", {aid.oil.id: Decimal(1)})
        await session.commit()
        assert first.voucher.status == "issued"
        assert [line.remaining for line in first.voucher.lines] == [1, 2]
        with pytest.raises(Refusal) as over:
            await service.redeem(voucher.code, aid.point.id, "partial-002", {aid.oil.id: Decimal(3)})
        assert (over.value.error, over.value.status_code) == ("over_remaining", 422)
        await session.rollback()
        with pytest.raises(Refusal) as half_kit:
            await service.redeem(voucher.code, aid.point.id, "partial-003", {aid.kit.id: Decimal("0.5")})
        assert half_kit.value.error == "bad_quantity"
        await session.rollback()
        rest = await service.redeem(voucher.code, aid.point.id, "partial-004")
        await session.commit()
    assert rest.voucher.status == "redeemed"
    assert await _stock(app, aid, aid.oil) == 36


@pytest.mark.parametrize(
    ("case", "error", "status"),
    [
        ("malformed", "malformed_code", 422),
        ("unknown", "unknown_code", 404),
        ("revoked", "revoked", 410),
        ("expired", "expired", 410),
        ("not_yet_valid", "not_yet_valid", 409),
        ("wrong_point", "wrong_point", 409),
    ],
)
async def test_each_refusal_has_its_reason_and_changes_nothing(app, aid, case, error, status):
    voucher = await _issue(app, aid, aid.hygiene if case == "wrong_point" else aid.food)
    code, point = voucher.code, aid.point.id
    async with db_session(app) as session:
        if case == "malformed":
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a mistyped check symbol: not even looked up
        elif case == "unknown":
            code = codes.generate()
        elif case == "revoked":
            await VoucherService(session, ADMIN).revoke(voucher.id, "zgubiony")
        elif case in {"expired", "not_yet_valid"}:
            stored = await session.get(Voucher, voucher.id)
            stored.valid_until = (
                local_today() - timedelta(days=1) if case == "expired" else local_today() + timedelta(days=5)
            )
            stored.valid_from = (
                min(stored.valid_from, stored.valid_until) if case == "expired" else local_today() + timedelta(days=1)
            )
        else:
            point = aid.other_point.id  # the hygiene programme is valid at Punkt 1 only
        await session.commit()
        service = RedemptionService(session, volunteer(aid))
        with pytest.raises(Refusal) as looked:
            await service.look_up(code, point)
        with pytest.raises(Refusal) as redeemed:
            await service.redeem(code, point, "refused-0001")
        await session.rollback()
    assert (looked.value.error, looked.value.status_code) == (error, status)
    assert redeemed.value.error == error
    assert await count(app, Redemption) == 0
    assert await _stock(app, aid, aid.oil) == 40


async def test_not_enough_stock_says_what_is_missing_and_changes_nothing(app, aid):
    voucher = await _issue(app, aid)
    async with db_session(app) as session:  # the point has oil for 2 only after this
        from logistics.inventory.ledger import LedgerService

        await LedgerService(session, ADMIN).issue(aid.point.id, [(aid.oil.id, Decimal(38))], source="kuchnia")
        await session.commit()
    async with db_session(app) as session:
        with pytest.raises(Refusal) as short:
            await RedemptionService(session, volunteer(aid)).redeem(voucher.code, aid.point.id, "short-00001")
        await session.rollback()
    assert short.value.error == "not_enough_stock" and short.value.status_code == 409
    assert short.value.details["missing"] == [{"item": "Olej 1 l", "missing": "2"}]
    async with db_session(app) as session:
        assert sum(line.redeemed for line in await session.scalars(select(VoucherLine))) == 0
        partial = await RedemptionService(session, volunteer(aid)).redeem(
            voucher.code, aid.point.id, "short-00002", {aid.oil.id: Decimal(2)}
        )
        await session.commit()
    assert partial.voucher.status == "issued"


async def test_undo_within_five_minutes_by_the_same_volunteer_or_a_coordinator(app, aid):
    voucher = await _issue(app, aid)
    async with db_session(app) as session:
        outcome = await RedemptionService(session, volunteer(aid)).redeem(voucher.code, aid.point.id, "undo-000001")
        await session.commit()
    async with db_session(app) as session:
        with pytest.raises(Exception, match="tylko"):
            await RedemptionService(session, volunteer(aid, "inny")).undo(outcome.redemption.id)
        late = datetime.now(UTC) + timedelta(minutes=6)
        with pytest.raises(Exception, match="5"):
            await RedemptionService(session, volunteer(aid)).undo(outcome.redemption.id, now=late)
        await session.rollback()
        await RedemptionService(session, volunteer(aid)).undo(outcome.redemption.id)
        await session.commit()
    assert await _stock(app, aid, aid.oil) == 40
    async with db_session(app) as session:
        assert (await session.get(Voucher, voucher.id)).status == "issued"
        again = await RedemptionService(session, volunteer(aid)).redeem(voucher.code, aid.point.id, "undo-000002")
        await session.commit()
        assert again.created
        assert await verify(session) == []


async def test_two_scanners_at_once_and_a_doubled_request(app, aid, settings):
    """Real concurrent transactions: two different requests for one voucher redeem it once; the same request sent
    twice at once is served once and answered twice with the same redemption."""
    voucher = await _issue(app, aid)
    config = make_alchemy_config(settings)

    async def scan(request_id: str) -> str:
        async with config.get_session() as session:
            try:
                outcome = await RedemptionService(session, volunteer(aid)).redeem(
                    voucher.code, aid.point.id, request_id
                )
                await asyncio.sleep(0.05)
                await session.commit()
                return f"ok:{outcome.redemption.id}:{outcome.created}"
            except Refusal as refusal:
                await session.rollback()
                return refusal.error

    try:
        different = await asyncio.gather(scan("scanner-a-01"), scan("scanner-b-01"))
        assert sorted(result.split(":")[0] for result in different) == ["already_redeemed", "ok"]
        async with db_session(app) as session:
            await RedemptionService(session, ADMIN).undo(await session.scalar(select(Redemption.id)))
            await session.commit()
        same = await asyncio.gather(scan("scanner-c-01"), scan("scanner-c-01"))
    finally:
        await config.get_engine().dispose()
    assert same[0].split(":")[1] == same[1].split(":")[1]  # the same redemption
    assert sorted(result.split(":")[2] for result in same) == ["False", "True"]
    assert await count(app, Redemption, Redemption.undone_at.is_(None)) == 1
    assert await _stock(app, aid, aid.oil) == 36
    async with db_session(app) as session:
        assert await verify(session) == []


async def test_a_request_id_already_used_for_another_voucher_is_refused(app, aid, monkeypatch):
    """Sequentially it is found before anything is written; in a race (the other voucher's redemption committed
    between the look and the write) the unique request id refuses it at the write. Either way: 422, no change."""
    first = await _issue(app, aid)
    second = await _issue(app, aid, aid.hygiene)
    async with db_session(app) as session:
        await RedemptionService(session, volunteer(aid)).redeem(first.code, aid.point.id, "shared-0001")
        await session.commit()
    for race in (False, True):
        if race:

            async def not_seen_yet(self, request_id, voucher):  # the first redemption not yet visible
                return None

            monkeypatch.setattr(RedemptionService, "_earlier", not_seen_yet)
        async with db_session(app) as session:
            with pytest.raises(Refusal) as refused:
                await RedemptionService(session, volunteer(aid)).redeem(second.code, aid.point.id, "shared-0001")
            await session.rollback()
        assert (refused.value.error, refused.value.status_code) == ("request_id_reused", 422)
    assert await count(app, Redemption) == 1
    async with db_session(app) as session:
        lines = await session.scalars(select(VoucherLine).where(VoucherLine.voucher_id == second.id))
        assert sum(line.redeemed for line in lines) == 0
        assert await verify(session) == []
