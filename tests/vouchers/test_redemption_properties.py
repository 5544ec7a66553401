"""State-machine test: redeem (everything or part), retry (the same request id), undo, expire, revoke and reissue,
in any order, through the services on the test database. After every step no voucher line has more redeemed
than it entitles to (nor less than nothing), each line's redeemed quantity is what its redemptions that were not
undone say, a voucher is "redeemed" exactly when nothing remains, and the ledger agrees: the stock at the point
plus what the redemptions issued is what was received. A retried request never changes anything."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select, update

from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.inventory.ledger import LedgerService, ReceiptLine, verify
from logistics.inventory.models import Balance, Item, Kit, KitLine, Lot, Movement, MovementLine
from logistics.people.models import EligibilityThreshold
from logistics.sites.services import SiteInput, SiteService
from logistics.vouchers.issuing import VoucherService, expire_vouchers
from logistics.vouchers.models import (
    Programme,
    ProgrammeLine,
    Redemption,
    RedemptionLine,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from logistics.vouchers.redeeming import RedemptionService

from .conftest import ADMIN, EXPIRY, _household

RECEIVED = {"pasta": Decimal(10), "oil": Decimal(7)}  # tight: after an undo and a reissue, too little oil
KIT = {"pasta": Decimal(2), "oil": Decimal(1)}
# A partial redemption: some kits and litres of oil (None: not that line).
PART = st.fixed_dictionaries(
    {"kit": st.sampled_from([None, 0, 1, 2]), "oil": st.sampled_from([None, "0", "0.5", "1", "2", "3.25", "5"])}
)


def test_redemptions_in_any_order_keep_the_vouchers_and_the_ledger_whole(settings):
    config = make_alchemy_config(settings)
    loop = asyncio.new_event_loop()

    async def prepare() -> dict[str, Any]:
        async with config.get_session() as session:
            point = await SiteService(session, ADMIN).create_site(
                SiteInput("Punkt 1", "ul. Parafialna 1", "", "", ["distribution_point"])
            )
            pasta = Item(name="Makaron 500 g", category="food", unit="szt", perishable=True)
            oil = Item(name="Olej 1 l", category="food", unit="l", perishable=False)
            session.add_all([pasta, oil])
            await session.flush()
            kit = Kit(
                name="Paczka A",
                lines=[KitLine(item_id=pasta.id, quantity=KIT["pasta"]), KitLine(item_id=oil.id, quantity=KIT["oil"])],
            )
            session.add(kit)
            await session.flush()
            threshold = EligibilityThreshold(
                valid_from=date(2025, 1, 1),
                single_person=Decimal(1010),
                per_person_in_family=Decimal(823),
                food_aid_percent=Decimal(265),
            )
            programme = Programme(
                code="FEPZ",
                name="FEPŻ",
                cycle="monthly",
                rule="income",
                income_percent=Decimal(265),
                lines=[
                    ProgrammeLine(position=0, kit_id=kit.id, quantity=Decimal(1)),
                    ProgrammeLine(position=1, item_id=oil.id, quantity=Decimal(1), per_person=True),
                ],
            )
            households = [
                _household(Decimal(900), ("Anna", "Kowalska"), ("Jan", "Kowalski")),
                _household(Decimal(700), ("Ola", "Nowak"), ("Ela", "Nowak"), ("Iza", "Nowak")),
            ]
            session.add_all([threshold, programme, *households])
            await session.commit()
            return {
                "point": point.id,
                "items": {"pasta": pasta.id, "oil": oil.id},
                "kit": kit.id,
                "programme": programme.id,
                "households": [household.id for household in households],
            }

    ids = loop.run_until_complete(prepare())
    point, items, kit_id = ids["point"], ids["items"], ids["kit"]

    async def start() -> list[tuple[Any, str]]:
        """Every example from the same start: the stock received, this month's voucher for each household."""
        async with config.get_session() as session:
            for table in (RedemptionLine, Redemption, VoucherLine, Voucher, MovementLine, Movement, Balance, Lot):
                await session.execute(delete(table))
            await LedgerService(session, ADMIN).receive(
                point,
                "Bank Żywności",
                [ReceiptLine(items["pasta"], RECEIVED["pasta"], EXPIRY), ReceiptLine(items["oil"], RECEIVED["oil"])],
            )
            service = VoucherService(session, ADMIN)
            vouchers = [await service.issue(ids["programme"], household) for household in ids["households"]]
            await session.commit()
            return [(voucher.id, voucher.code) for voucher in vouchers]

    async def state() -> tuple:
        """Everything a redemption, an undo or a retry may change."""
        async with config.get_session() as session:
            lines = (await session.execute(select(VoucherLine.id, VoucherLine.redeemed).order_by(VoucherLine.id))).all()
            vouchers = (await session.execute(select(Voucher.id, Voucher.status).order_by(Voucher.id))).all()
            redemptions = (
                await session.execute(select(Redemption.id, Redemption.undone_at).order_by(Redemption.id))
            ).all()
            balances = (await session.execute(select(Balance.id, Balance.quantity).order_by(Balance.id))).all()
            movements = await session.scalar(select(func.count()).select_from(Movement))
            return tuple(lines), tuple(vouchers), tuple(redemptions), tuple(balances), movements

    def wants_of(kits: int | None, oil: str | None) -> dict | None:
        wants = {}
        if kits is not None:
            wants[kit_id] = Decimal(kits)
        if oil is not None:
            wants[items["oil"]] = Decimal(oil)
        return wants

    class Redemptions(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.vouchers: list[tuple[Any, str]] = []  # id and code, reissued ones too
            self.requests: list[tuple[str, str, dict | None]] = []  # request id, code, wants: what was redeemed
            self.redemptions: list[Any] = []

        def run(self, work: Any) -> Any:
            """One use case in its own transaction: committed when it returns, rolled back when it refuses."""

            async def go() -> Any:
                async with config.get_session() as session:
                    try:
                        result = await work(session)
                    except DomainError as refusal:
                        await session.rollback()
                        return refusal
                    await session.commit()
                    return result

            return loop.run_until_complete(go())

        @initialize()
        def begin(self) -> None:
            self.vouchers = loop.run_until_complete(start())

        @rule(pick=st.integers(0, 20), asked=PART)
        def redeem_part(self, pick: int, asked: dict) -> None:
            self.redeem(pick, wants_of(asked["kit"], asked["oil"]))

        @rule(pick=st.integers(0, 20))
        def redeem_everything(self, pick: int) -> None:
            self.redeem(pick, None)

        def redeem(self, pick: int, wants: dict | None) -> None:
            _voucher_id, code = self.vouchers[pick % len(self.vouchers)]
            request_id = f"req-{uuid.uuid4()}"
            before = loop.run_until_complete(state())
            outcome = self.run(lambda s: RedemptionService(s, ADMIN).redeem(code, point, request_id, wants))
            if isinstance(outcome, DomainError):
                assert loop.run_until_complete(state()) == before  # a refusal leaves nothing behind
                return
            assert outcome.created
            self.requests.append((request_id, code, wants))
            self.redemptions.append(outcome.redemption.id)

        @rule(pick=st.integers(0, 20), elsewhere=st.booleans())
        def retry(self, pick: int, elsewhere: bool) -> None:
            """The same request again — a double tap, a resent request — even for another voucher: no change."""
            if not self.requests:
                return
            request_id, code, wants = self.requests[pick % len(self.requests)]
            if elsewhere:
                code = self.vouchers[(pick + 1) % len(self.vouchers)][1]
            before = loop.run_until_complete(state())
            outcome = self.run(lambda s: RedemptionService(s, ADMIN).redeem(code, point, request_id, wants))
            assert loop.run_until_complete(state()) == before
            assert isinstance(outcome, DomainError) or not outcome.created

        @rule(pick=st.integers(0, 20))
        def undo(self, pick: int) -> None:
            if not self.redemptions:
                return
            redemption_id = self.redemptions[pick % len(self.redemptions)]
            self.run(lambda s: RedemptionService(s, ADMIN).undo(redemption_id))

        @rule(pick=st.integers(0, 20), now=st.integers(0, 3))
        def expire(self, pick: int, now: int) -> None:
            """The voucher's last day passes and the nightly job runs (one time in four: it ends a voucher)."""
            if now:
                return
            voucher_id, _code = self.vouchers[pick % len(self.vouchers)]

            async def work(session: Any) -> int:
                yesterday = local_today() - timedelta(days=1)
                await session.execute(update(Voucher).where(Voucher.id == voucher_id).values(valid_until=yesterday))
                return await expire_vouchers(session)

            self.run(work)

        @rule(pick=st.integers(0, 20), now=st.integers(0, 2))
        def revoke(self, pick: int, now: int) -> None:
            """A voucher revoked (one time in three: it ends a voucher)."""
            if now:
                return
            voucher_id, _code = self.vouchers[pick % len(self.vouchers)]
            self.run(lambda s: VoucherService(s, ADMIN).revoke(voucher_id, "zgubiony"))

        @rule(pick=st.integers(0, 20))
        def reissue(self, pick: int) -> None:
            voucher_id, _code = self.vouchers[pick % len(self.vouchers)]
            new = self.run(lambda s: VoucherService(s, ADMIN).reissue(voucher_id, "zgubiony"))
            if not isinstance(new, DomainError):
                self.vouchers.append((new.id, new.code))

        @invariant()
        def whole(self) -> None:
            loop.run_until_complete(check())

    async def check() -> None:
        async with config.get_session() as session:
            lines = {line.id: line for line in await session.scalars(select(VoucherLine))}
            kept = (
                await session.execute(
                    select(RedemptionLine.voucher_line_id, RedemptionLine.quantity)
                    .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
                    .where(Redemption.undone_at.is_(None))
                )
            ).all()
            per_line: dict[Any, Decimal] = defaultdict(Decimal)
            for line_id, quantity in kept:
                per_line[line_id] += quantity
            for line in lines.values():
                assert 0 <= line.redeemed <= line.entitled
                assert line.redeemed == per_line[line.id]
            for voucher in await session.scalars(select(Voucher)):
                remains = any(line.remaining > 0 for line in voucher.lines)
                if voucher.status in {VoucherStatus.ISSUED, VoucherStatus.REDEEMED}:
                    assert (voucher.status == VoucherStatus.ISSUED) == remains
            issued: dict[str, Decimal] = defaultdict(Decimal)
            for line_id, quantity in kept:
                line = lines[line_id]
                if line.kit_id:
                    for name, per_kit in KIT.items():
                        issued[name] += per_kit * quantity
                else:
                    issued["pasta" if line.item_id == items["pasta"] else "oil"] += quantity
            for name, item_id in items.items():
                stock = await session.scalar(
                    select(func.sum(Balance.quantity)).where(Balance.location_id == point, Balance.item_id == item_id)
                )
                assert Decimal(stock or 0) + issued[name] == RECEIVED[name], name
            assert await verify(session) == []

    try:
        run_state_machine_as_test(
            Redemptions,
            settings=hypothesis_settings(
                max_examples=25,
                stateful_step_count=20,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    finally:
        loop.run_until_complete(config.get_engine().dispose())
        loop.close()
