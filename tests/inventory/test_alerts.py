"""Stock alerts: below the minimum level (counting only unexpired stock) and lots expiring soon or expired."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from logistics.inventory.alerts import below_minimum, expiring, stock_alerts
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import MinimumLevel
from logistics.web.actor import Actor

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
            stock.warehouse.id, "Dar", [ReceiptLine(stock.pasta.id, Decimal(40), date.today() - timedelta(days=3))]
        )
        await LedgerService(session, ADMIN).receive(
            stock.warehouse.id,
            "Dar",
            [
                ReceiptLine(stock.pasta.id, Decimal(30), date.today() + timedelta(days=7)),
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
