"""Stock alerts: below the minimum level (counting only unexpired stock) and lots expiring soon or expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.inventory.alerts import below_minimum, expiring, stock_alerts
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import MinimumLevel
from logistics.settings import get_settings

from ..conftest import login
from ..helpers import db_session
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
    assert 'id="stock-panel"' in home.text
    assert "1 artykuł poniżej minimum" in home.text
    assert "1 przeterminowana partia na stanie" in home.text
    client.cookies.clear()
    await login(client, "volunteer")
    assert 'id="stock-panel"' not in (await client.get("/")).text


async def test_the_daily_job_e_mails_the_alerts_when_configured(app, stock, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            assert (host, port) == ("smtp.example.org", 587)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, username, password):
            pass

        def send_message(self, message):
            sent.append(message)

        def quit(self):
            pass

    await _stock_with_alerts(app, stock)
    async with db_session(app) as session:  # no SMTP host: nothing is sent
        assert "e-mailed" not in await stock_alerts(session)
    monkeypatch.setattr("logistics.mail.smtplib.SMTP", FakeSMTP)
    monkeypatch.setenv("LOGISTICS_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("LOGISTICS_STOCK_ALERTS_TO", "magazyn@example.org, koordynacja@example.org")
    get_settings.cache_clear()
    async with db_session(app) as session:
        message = await stock_alerts(session)
    assert message.endswith("; e-mailed to 2")
    assert len(sent) == 1
    assert sent[0]["To"] == "magazyn@example.org, koordynacja@example.org"
    body = sent[0].get_content()
    assert "Magazyn: Makaron 500 g — 30 / 50 szt" in body
    assert "przeterminowane" in body
