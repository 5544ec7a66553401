"""The demo as of the day it is loaded: stock at the points for the month's vouchers, history in the weeks before,
and `logistics seed demo` on a database that has not been migrated.

Loading the demo is costly: it is loaded once per day under test (a module fixture on a database of its own)."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from click.testing import CliRunner
from litestar.cli.main import litestar_group
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

import logistics.cli
import logistics.seeding
from logistics.activities.models import ActivitySession, Attendance
from logistics.core.actor import Actor
from logistics.core.i18n import local_today, local_zone
from logistics.db.base import metadata
from logistics.db.migrations_info import script_directory
from logistics.inventory.ledger import LedgerService
from logistics.inventory.models import Balance, Item, Lot, Movement
from logistics.people.models import Household, Person
from logistics.people.start import lapse_window
from logistics.seeding import WALK_INS, load_demo
from logistics.settings import get_settings
from logistics.shelter.models import OccupancySnapshot, RollCallMark, Stay
from logistics.shelter.rollcall import RollCallService, night_of, review_days
from logistics.shelter.seeding import demo_night
from logistics.sites.models import Site, SiteKind
from logistics.vouchers.models import Redemption, VoucherStatus
from logistics.vouchers.redeeming import RedemptionService, Refusal
from logistics.vouchers.seeding import demo_cycle_vouchers, voucher_points

from ..conftest import TEST_DB

# These tests load the demo into SQLite databases of their own, whichever database the suite runs on: once is
# enough (on PostgreSQL, every run loads the demo through the demo_snapshot fixture).
pytestmark = pytest.mark.skipif(TEST_DB == "postgres", reason="runs on SQLite databases of its own: once is enough")

COORDINATOR = Actor(user_id=None, username="test", role="coordinator", sees_all_sites=True)
SHORT_POINT, SHORT_ITEM = "Punkt wydawania — Sośnica", "Szampon do włosów 400 ml"  # seeds/demo/programmes.json


def _another_day() -> date:
    """The 20th of the month three months on: another month, another day of it (the services' own checks, such as
    expiry, use the real clock, so the day is not in the past)."""
    today = local_today()
    month = today.month + 3
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 20)


@asynccontextmanager
async def _session(url: str) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=["today", "another_day"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, date]:
    day = local_today() if request.param == "today" else _another_day()
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"

    async def load() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await engine.dispose()
        async with _session(url) as session:
            await load_demo(session, today=day)
            await session.commit()

    asyncio.run(load())
    return url, day


async def test_the_points_hold_stock_for_this_months_vouchers(demo):
    """The stock at each point covers what its pending vouchers give, but for the shortage on purpose; a sample of
    them, redeemed through the service, is handed out (only the short item is ever missing, and only for a few)."""
    url, today = demo
    async with _session(url) as session:
        plan = await voucher_points(session, await demo_cycle_vouchers(session, today))
        pending = [(voucher, point) for voucher, point in plan if voucher.status == VoucherStatus.ISSUED]
        assert len(plan) > 300 and len(pending) > len(plan) / 2  # the month's vouchers, about a third redeemed
        ledger = LedgerService(session, COORDINATOR)
        need: defaultdict[tuple[str, UUID], Decimal] = defaultdict(Decimal)
        for voucher, point in pending:
            kits = [(line.kit_id, int(line.remaining)) for line in voucher.lines if line.kit_id and line.remaining]
            for item_id, quantity in await ledger.kit_items(kits):
                need[(point.name, item_id)] += quantity
        in_stock = select(Site.name, Balance.item_id, func.sum(Balance.quantity)).join(
            Site, Site.id == Balance.location_id
        )
        usable = in_stock.join(Lot, Lot.id == Balance.lot_id).where(Lot.expiry >= local_today())
        stock = {
            (name, item): quantity
            for name, item, quantity in await session.execute(usable.group_by(Site.name, Balance.item_id))
        }
        items = dict((await session.execute(select(Item.id, Item.name))).tuples().all())
        short = {
            (point, items[item]) for (point, item), quantity in need.items() if stock.get((point, item), 0) < quantity
        }
        assert short == {(SHORT_POINT, SHORT_ITEM)}

        redeemed, refused = Counter[str](), Counter[tuple[str, str, str]]()
        for voucher, point in pending[::4]:
            try:
                async with session.begin_nested():
                    await RedemptionService(session, COORDINATOR).redeem(
                        voucher.code, point.id, f"test-{voucher.id}", today=today
                    )
                redeemed[point.name] += 1
            except Refusal as refusal:
                missing = ",".join(m["item"] for m in refusal.details.get("missing", []))
                refused[(refusal.error, point.name, missing)] += 1
        await session.rollback()
    assert len(redeemed) == 3 and min(redeemed.values()) >= 5, redeemed
    assert set(refused) <= {("not_enough_stock", SHORT_POINT, SHORT_ITEM)}, refused
    assert sum(refused.values()) <= 0.1 * len(pending[::4])


async def test_the_history_lies_in_the_weeks_before_the_load_day(demo):
    url, today = demo
    zone = local_zone()
    day_starts = datetime.combine(today, time(0), zone).astimezone(UTC)
    day_ends = day_starts + timedelta(days=1)
    month_starts = datetime.combine(today.replace(day=1), time(0), zone).astimezone(UTC)
    async with _session(url) as session:
        stays = list(await session.scalars(select(Stay)))
        current = [stay for stay in stays if stay.ended_at is None]
        arrived = Counter(
            "tonight"
            if night_of(s.started_at) == today
            else "week"
            if night_of(s.started_at) > today - timedelta(7)
            else "earlier"
            for s in current
        )
        assert arrived["earlier"] > len(current) / 2 and arrived["week"] + arrived["tonight"] > 0
        assert all(stay.started_at < day_ends for stay in stays)
        left = [stay for stay in stays if stay.ended_at is not None]
        assert len(left) >= 12
        assert all(stay.checkout_reason and stay.started_at < stay.ended_at < day_starts for stay in left)
        assert len({stay.checkout_reason for stay in left}) >= 4

        sites = {site.id: site for site in await session.scalars(select(Site))}
        due = [
            stay
            for stay in current
            if (day_starts - stay.started_at).days > review_days([k.value for k in sites[stay.site_id].kinds])
        ]
        assert due and len(due) < len(current) / 2  # due for review: some, not all

        night = demo_night(today)  # between midnight and 06:00, the night is still yesterday's
        nights = Counter(await session.scalars(select(RollCallMark.night)))
        assert night not in nights  # tonight's roll call is left to do
        assert nights[night - timedelta(days=1)] > 20
        assert min(nights) <= night - timedelta(days=28)
        absent = 0
        for site in sites.values():
            if SiteKind.NIGHT_SHELTER in site.kinds or SiteKind.SHELTER in site.kinds:
                rows = await RollCallService(session, COORDINATOR).sheet(site.id, night)
                absent += sum(row.propose_check_out for row in rows)
                assert all(row.present is None for row in rows)
        assert absent >= 2  # absence proposals

        snapshots = set(await session.scalars(select(OccupancySnapshot.night)))
        assert {night - timedelta(days=n) for n in range(28)} <= snapshots

        at = list(await session.scalars(select(Redemption.at)))
        assert max(at) < day_ends
        # One offline hand-out came back as a conflict, hours after the online one, for the coordinator to resolve.
        conflicts = list(await session.scalars(select(Redemption).where(Redemption.conflict != "")))
        assert [(c.conflict, c.conflict_resolved_at is None) for c in conflicts] == [("already_redeemed", True)]
        assert conflicts[0].offline_received_at is not None and conflicts[0].movement_id is not None
        assert sum(moment < month_starts for moment in at) > 50  # last month's vouchers
        movements = list(await session.scalars(select(Movement.at)))
        weeks = {(day_starts - moment).days // 7 for moment in movements if moment < day_starts}
        assert {0, 1, 2, 3, 4} <= weeks  # stock movements in each of the past weeks

        attended = list(
            await session.scalars(
                select(ActivitySession.starts_at).join(Attendance, Attendance.session_id == ActivitySession.id)
            )
        )
        assert attended and max(attended) < day_ends and min(attended) < day_starts - timedelta(days=14)


# --- `logistics seed demo` on a database without the schema ------------------------------------------------------


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")

    def invoke(url: str, *args: str):
        monkeypatch.setenv("LOGISTICS_DATABASE_URL", url)
        get_settings.cache_clear()
        return CliRunner().invoke(litestar_group, list(args))

    return invoke


async def test_case_workers_have_records_to_complete_and_income_to_verify_again_this_month(demo):
    """The case worker's start page has work on any load day: walk-ins registered with the minimum at the night
    desk, and households whose income was verified twelve months before the load day's month."""
    url, day = demo
    first, last = lapse_window(day)
    async with _session(url) as session:
        incomplete = await session.scalar(select(func.count()).select_from(Person).where(Person.is_incomplete))
        lapsing = await session.scalar(
            select(func.count())
            .select_from(Household)
            .where(Household.income_verified_on >= first, Household.income_verified_on < last)
        )
    assert incomplete == len(WALK_INS)
    assert lapsing and lapsing >= 3


def test_seed_demo_applies_the_migrations_to_a_new_database_first(cli, tmp_path, monkeypatch):
    seen = []

    async def load(session, **options):  # the demo itself is tested above: here, what it finds
        seen.append(await session.scalar(select(func.count()).select_from(Site)))
        return "Demo data: stub"

    monkeypatch.setattr(logistics.seeding, "load_demo", load)
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    result = cli(url, "seed", "demo")
    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output
    assert "Applying the database migrations first" in result.output
    assert "Demo data: stub" in result.output
    assert seen == [0]  # the tables were there when the demo was loaded

    async def revision() -> set[str]:
        async with _session(url) as session:
            connection = await session.connection()
            assert "sites" in await connection.run_sync(lambda c: inspect(c).get_table_names())
            return set((await connection.exec_driver_sql("SELECT version_num FROM alembic_version")).scalars())

    assert asyncio.run(revision()) == set(script_directory().get_heads())
    again = cli(url, "seed", "demo")  # migrated now: straight to the data
    assert again.exit_code == 0 and "Applying" not in again.output and seen == [0, 0]


def test_seed_demo_on_a_database_it_cannot_open_says_so(cli, tmp_path):
    result = cli(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}", "seed", "demo")
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "sqlalche.me" not in result.output
    assert "Cannot open the database: unable to open database file" in result.output
