"""Stock alerts: below the minimum level (counting only unexpired stock) and lots expiring soon or expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import ClassVar

import pytest
from apscheduler.triggers.interval import IntervalTrigger

import logistics.notifications.jobs  # noqa: F401 — registers the delivery job
from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.core.service import unit_of_work
from logistics.db import make_alchemy_config
from logistics.inventory.alerts import below_minimum, expiring
from logistics.inventory.jobs import stock_alerts
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import MinimumLevel
from logistics.notifications.models import MessageStatus, OutboxMessage
from logistics.scheduler import REGISTRY, JobRunner, register_job
from logistics.settings import get_settings

from ..conftest import login
from ..helpers import count, db_session
from .conftest import ADMIN


async def _stock_with_alerts(app, stock):
    async with db_session(app) as session:
        session.add(MinimumLevel(location_id=stock.warehouse.id, item_id=stock.pasta.id, quantity=Decimal(50)))
        session.add(MinimumLevel(location_id=stock.warehouse.id, item_id=stock.soap.id, quantity=Decimal(5)))
        ten_days_ago = datetime.now(UTC) - timedelta(days=10)
        # 40 packs received ten days ago that expired three days ago, and 30 that expire in a week.
        old = LedgerService(session, ADMIN, as_of=ten_days_ago)
        await old.receive(
            stock.warehouse.id, "Dar", [ReceiptLine(stock.pasta.id, Decimal(40), local_today() - timedelta(days=3))]
        )
        await LedgerService(session, ADMIN).receive(
            stock.warehouse.id,
            "Dar",
            [
                ReceiptLine(stock.pasta.id, Decimal(30), local_today() + timedelta(days=7)),
                ReceiptLine(stock.soap.id, Decimal(20)),
            ],
        )
        await session.commit()


async def test_alerts_count_only_usable_stock(app, stock):
    await _stock_with_alerts(app, stock)
    async with db_session(app) as session:
        low = await below_minimum(session, ADMIN)
        lots = await expiring(session, ADMIN)
        message = await stock_alerts(session)
    assert [(row.item, row.quantity, row.minimum) for row in low] == [("Makaron 500 g", Decimal(30), Decimal(50))]
    assert [(lot.item, lot.expired) for lot in lots] == [("Makaron 500 g", True), ("Makaron 500 g", False)]
    assert message == "1 below minimum, 1 lots expiring within 14 days, 1 expired"


async def test_alerts_page_and_site_limits(app, client, people, stock):
    await _stock_with_alerts(app, stock)
    await login(client, "coordinator")
    page = await client.get("/stock/alerts")
    assert page.status_code == 200
    assert "Makaron 500 g" in page.text
    assert "przeterminowane" in page.text
    async with db_session(app) as session:
        elsewhere = Actor(user_id=None, username="w", role="warehouse", site_ids=frozenset({stock.point.id}))
        assert await below_minimum(session, elsewhere) == []
        assert await expiring(session, elsewhere) == []
    client.cookies.clear()
    await login(client, "volunteer")
    assert (await client.get("/stock/alerts")).status_code == 403


async def test_the_start_page_shows_stock_alerts_to_warehouse_staff_and_coordinators(app, client, people, stock):
    await _stock_with_alerts(app, stock)
    await login(client, "coordinator")
    home = await client.get("/")
    assert home.status_code == 200
    # The coordinator's start page is the dashboard: its stock block (the alerts' figures, each a link).
    assert 'id="dash-stock"' in home.text and 'id="stock-panel"' not in home.text
    stock_block = " ".join(home.text[home.text.index('id="dash-stock"') :].split())
    assert '<a href="/stock/alerts#below-minimum"> <span class="dash-value">1</span>' in stock_block
    assert '<span class="dash-label">artykuł poniżej minimum</span>' in stock_block
    assert (
        '<span class="dash-value">1</span> <span class="dash-label">przeterminowana partia na stanie</span>'
        in stock_block
    )
    client.cookies.clear()
    await login(client, "volunteer")
    assert 'id="stock-panel"' not in (await client.get("/")).text


class FakeSMTP:
    """The mail server: keeps every message it is given (in `sent`)."""

    sent: ClassVar[list[EmailMessage]] = []

    def __init__(self, host, port, timeout):
        assert (host, port) == ("smtp.example.org", 587)

    def starttls(self):
        pass

    def login(self, username, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)

    def quit(self):
        pass


@pytest.fixture
def mail_server(settings, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr("logistics.mail.smtplib.SMTP", FakeSMTP)
    monkeypatch.setenv("LOGISTICS_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("LOGISTICS_STOCK_ALERTS_TO", "magazyn@example.org, koordynacja@example.org")
    get_settings.cache_clear()
    return FakeSMTP.sent


@pytest.fixture
async def session_maker(settings):
    config = make_alchemy_config(get_settings())  # the app's engine set-up, as the scheduler uses it
    try:
        yield config.create_session_maker()
    finally:
        await config.get_engine().dispose()


async def test_without_e_mail_settings_the_job_only_counts(app, stock):
    await _stock_with_alerts(app, stock)
    async with db_session(app) as session:
        assert "e-mail" not in await stock_alerts(session)
        await session.commit()
    assert await count(app, OutboxMessage) == 0


async def test_the_alert_mail_leaves_after_the_jobs_transaction_commits_once_a_day(
    app, stock, mail_server, session_maker
):
    await _stock_with_alerts(app, stock)
    async with unit_of_work(session_maker) as session:
        summary = await stock_alerts(session)
        assert mail_server == []  # not while the job's transaction is open
        assert await count(app, OutboxMessage) == 0  # nor visible to anyone before it commits
    assert summary.endswith("; e-mail queued for 2 of 2")
    assert mail_server == []  # the job itself sends nothing
    assert await count(app, OutboxMessage, OutboxMessage.status == MessageStatus.PENDING) == 2

    runner = JobRunner(session_maker, "test")
    delivered = await runner.run("notifications.deliver", force=True)
    assert (delivered.outcome, delivered.message) == ("ok", "2 sent, 0 to retry, 0 failed")
    assert sorted(message["To"] for message in mail_server) == ["koordynacja@example.org", "magazyn@example.org"]
    body = mail_server[0].get_content()
    assert "Magazyn: Makaron 500 g — 30 / 50 szt" in body
    assert "przeterminowane" in body

    again = await runner.run("inventory.stock_alerts", force=True)  # run twice the same day
    assert again.outcome == "ok"
    assert again.message.endswith("; e-mail queued for 0 of 2")
    await runner.run("notifications.deliver", force=True)
    assert len(mail_server) == 2  # sent once
    assert await count(app, OutboxMessage) == 2


async def test_a_failed_alerts_job_sends_nothing(app, stock, mail_server, session_maker):
    await _stock_with_alerts(app, stock)

    async def fails_after_the_alerts(session):
        await stock_alerts(session)
        raise RuntimeError("the job failed after listing the alerts")

    register_job("test.failing_alerts", IntervalTrigger(hours=1), "Fails after the alerts.")(fails_after_the_alerts)
    runner = JobRunner(session_maker, "test")
    try:
        record = await runner.run("test.failing_alerts", force=True)
    finally:
        REGISTRY.pop("test.failing_alerts", None)
    assert record.outcome == "failed"
    assert await count(app, OutboxMessage) == 0
    await runner.run("notifications.deliver", force=True)
    assert mail_server == []
