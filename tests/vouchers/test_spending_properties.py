"""State-machine test: spends of random amounts and categories at a partner shop's till, retries (the same request
id, also for another voucher), undos (by the cashier within 5 minutes, too late, by a coordinator, twice) and a
month closed for settlement, in any order, through the services on the test database. After every step no value
voucher's balance is below zero (nor above its amount), each voucher's spent amount is exactly the sum of its
spends that were not undone, a voucher is "redeemed" exactly when nothing is left, and a refused step or a retry
changes nothing at all. Each spend and undo succeeds exactly when a model of the rules says it should (an amount
within what is left in an allowed category; one's own undo within 5 minutes or a coordinator's; nothing once the
month is closed) — so a broken rule fails the test, not only a broken balance."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select

from logistics import codes
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.db import make_alchemy_config
from logistics.sites.models import Site, SiteKindRow
from logistics.vouchers.issuing import CODE_BITS
from logistics.vouchers.models import Programme, ProgrammeCategory, SettlementMonth, Spend, Voucher, VoucherStatus
from logistics.vouchers.settlement import month_of
from logistics.vouchers.spending import SpendService

COORDINATOR = Actor(user_id=None, username="koordynatorka", role="coordinator", sees_all_sites=True)
AMOUNTS = ("100.00", "35.50", "0.99")
#: A purchase: whole grosze from 1 gr to a bit more than the largest voucher (some are over the balance).
CENTS = st.integers(min_value=-50, max_value=10_500)
CATEGORIES = st.sampled_from(["food", "hygiene", "fuel"])  # fuel: not the programme's


def test_random_spends_and_undos_keep_every_balance_exact_and_never_below_zero(settings):
    config = make_alchemy_config(settings)
    loop = asyncio.new_event_loop()

    async def prepare() -> tuple[Any, Any]:
        async with config.get_session() as session:
            shop = Site(name="Sklep „Społem”", kind_rows=[SiteKindRow(kind="shop")])
            programme = Programme(
                code="ZC",
                name="Zasiłek celowy",
                cycle="one_off",
                rule="decision",
                kind="value",
                amount=Decimal("100.00"),
                category_rows=[ProgrammeCategory(category="food"), ProgrammeCategory(category="hygiene")],
            )
            session.add_all([shop, programme])
            await session.commit()
            return shop.id, programme.id

    shop_id, programme_id = loop.run_until_complete(prepare())
    cashiers = [Actor(user_id=None, username=name, role="shop", site_ids=frozenset({shop_id})) for name in ("a", "b")]

    async def start() -> list[tuple[Any, str, Decimal]]:
        async with config.get_session() as session:
            for table in (SettlementMonth, Spend, Voucher):
                await session.execute(delete(table))
            vouchers = [
                Voucher(
                    code=codes.normalize(codes.generate(CODE_BITS)),
                    programme_id=programme_id,
                    cycle="once",
                    valid_from=local_today(),
                    valid_until=local_today() + timedelta(days=30),
                    holder="Anna K.",
                    amount=Decimal(amount),
                )
                for amount in AMOUNTS
            ]
            session.add_all(vouchers)
            await session.commit()
            return [(voucher.id, voucher.code, voucher.amount) for voucher in vouchers]

    async def state() -> tuple:
        async with config.get_session() as session:
            vouchers = (
                await session.execute(select(Voucher.id, Voucher.spent, Voucher.status).order_by(Voucher.id))
            ).all()
            spends = (await session.execute(select(Spend.id, Spend.undone_at).order_by(Spend.id))).all()
            return tuple(vouchers), tuple(spends)

    class Spending(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.vouchers: list[tuple[Any, str, Decimal]] = []
            self.requests: list[tuple[str, str, Decimal, str, int]] = []  # request id, code, amount, category, who
            self.spends: list[tuple[Any, int]] = []  # spend id, who
            # The model the services must agree with: what is left on each voucher, each spend's voucher and
            # amount, the spends undone, and whether the shop's month is closed.
            self.left: dict[Any, Decimal] = {}
            self.spent_on: dict[Any, tuple[Any, Decimal]] = {}
            self.undone: set[Any] = set()
            self.closed = False

        def run(self, work: Any) -> Any:
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
            self.left = {voucher_id: amount for voucher_id, _code, amount in self.vouchers}

        @rule(pick=st.integers(0, 10), cents=CENTS, category=CATEGORIES, who=st.integers(0, 1))
        def spend(self, pick: int, cents: int, category: str, who: int) -> None:
            voucher_id, code, _amount = self.vouchers[pick % len(self.vouchers)]
            amount = Decimal(cents) / 100
            expected = 0 < amount <= self.left[voucher_id] and category != "fuel" and not self.closed
            request_id = f"spend-{uuid.uuid4()}"
            before = loop.run_until_complete(state())
            outcome = self.run(
                lambda s: SpendService(s, cashiers[who]).spend(code, shop_id, request_id, amount, category)
            )
            assert isinstance(outcome, DomainError) != expected, (amount, category, self.left[voucher_id])
            if isinstance(outcome, DomainError):
                assert loop.run_until_complete(state()) == before  # a refusal leaves nothing behind
                return
            assert outcome.created
            self.requests.append((request_id, code, amount, category, who))
            self.spends.append((outcome.spend.id, who))
            self.spent_on[outcome.spend.id] = (voucher_id, amount)
            self.left[voucher_id] -= amount

        @rule(pick=st.integers(0, 20), elsewhere=st.booleans())
        def retry(self, pick: int, elsewhere: bool) -> None:
            if not self.requests:
                return
            request_id, code, amount, category, who = self.requests[pick % len(self.requests)]
            if elsewhere:
                code = self.vouchers[(pick + 1) % len(self.vouchers)][1]
            before = loop.run_until_complete(state())
            outcome = self.run(
                lambda s: SpendService(s, cashiers[who]).spend(code, shop_id, request_id, amount, category)
            )
            assert loop.run_until_complete(state()) == before
            assert isinstance(outcome, DomainError) or not outcome.created

        @rule(pick=st.integers(0, 20), who=st.integers(0, 2), minutes=st.sampled_from([0, 4, 6, 120]))
        def undo(self, pick: int, who: int, minutes: int) -> None:
            """By a cashier (theirs within 5 minutes only) or a coordinator (any time)."""
            if not self.spends:
                return
            spend_id, spent_by = self.spends[pick % len(self.spends)]
            actor = COORDINATOR if who == 2 else cashiers[who]
            now = datetime.now(UTC) + timedelta(minutes=minutes)
            allowed = who == 2 or (who == spent_by and minutes <= 4)  # a cashier: their own, within 5 minutes
            expected = allowed and spend_id not in self.undone and not self.closed
            before = loop.run_until_complete(state())
            outcome = self.run(lambda s: SpendService(s, actor).undo(spend_id, now=now))
            assert isinstance(outcome, DomainError) != expected, (who, spent_by, minutes, self.closed)
            if isinstance(outcome, DomainError):
                assert loop.run_until_complete(state()) == before
                return
            voucher_id, amount = self.spent_on[spend_id]
            self.undone.add(spend_id)
            self.left[voucher_id] += amount

        @rule(now=st.integers(0, 9))
        def close_month(self, now: int) -> None:
            """The shop's month closed for settlement (one time in ten): its spends can no longer be undone."""
            if now:
                return

            async def work(session: Any) -> None:
                month = month_of(datetime.now(UTC))
                if await session.scalar(select(SettlementMonth.id).where(SettlementMonth.month == month)):
                    return
                total = await session.scalar(select(func.sum(Spend.amount)).where(Spend.undone_at.is_(None)))
                count = await session.scalar(select(func.count()).select_from(Spend).where(Spend.undone_at.is_(None)))
                session.add(
                    SettlementMonth(
                        shop_id=shop_id,
                        month=month,
                        closed_at=datetime.now(UTC),
                        closed_by="koordynatorka",
                        total=total or Decimal("0.00"),
                        spends=count or 0,
                    )
                )

            self.run(work)
            self.closed = True

        @invariant()
        def exact(self) -> None:
            loop.run_until_complete(check())

    async def check() -> None:
        async with config.get_session() as session:
            for voucher in await session.scalars(select(Voucher)):
                live = await session.scalar(
                    select(func.sum(Spend.amount)).where(Spend.voucher_id == voucher.id, Spend.undone_at.is_(None))
                )
                assert voucher.amount is not None
                assert Decimal("0.00") <= voucher.balance <= voucher.amount
                assert voucher.spent == (live or Decimal("0.00"))
                assert voucher.balance == voucher.amount - (live or Decimal("0.00"))
                assert (voucher.status == VoucherStatus.REDEEMED) == (voucher.balance == 0)

    try:
        run_state_machine_as_test(
            Spending,
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
