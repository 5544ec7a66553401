"""Minimum stock levels, set on a location's page by its warehouse staff and by coordinators: saved per item (an
emptied field removes one), shown on the alerts; other roles and other sites' warehouse staff are refused, and a
refused save changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from logistics.accounts.models import User
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, Forbidden
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.minimums import MinimumLevelService
from logistics.inventory.models import MinimumLevel
from logistics.sites.models import Site

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN


async def _levels(app, location) -> dict:
    async with db_session(app) as session:
        rows = await session.execute(
            select(MinimumLevel.item_id, MinimumLevel.quantity).where(MinimumLevel.location_id == location.id)
        )
        return dict(rows.all())


@pytest.fixture
async def at_warehouse(app, people, stock):
    """The warehouse user works at the warehouse (not at the point); 3 pieces of soap are there."""
    async with db_session(app) as session:
        user = await session.scalar(select(User).where(User.username == "warehouse"))
        user.sites = [await session.get(Site, stock.warehouse.id)]
        await LedgerService(session, ADMIN).receive(stock.warehouse.id, "Dar", [ReceiptLine(stock.soap.id, Decimal(3))])
        await session.commit()
    return stock


async def test_warehouse_staff_set_levels_that_show_on_the_alerts(app, client, at_warehouse):
    stock = at_warehouse
    await login(client, "warehouse")
    url = f"/stock/{stock.warehouse.id}/minimums"
    assert f'href="{url}"' in (await client.get(f"/stock/{stock.warehouse.id}")).text
    page = await client.get(url)
    assert page.status_code == 200 and f'id="min-{stock.soap.id}"' in page.text
    saved = await post_form(client, url, {f"min-{stock.soap.id}": "10", f"min-{stock.pasta.id}": ""})
    assert saved.status_code == 303
    assert await _levels(app, stock.warehouse) == {stock.soap.id: Decimal(10)}
    alerts = await client.get("/stock/alerts")
    assert "Mydło" in alerts.text
    again = await client.get(url)
    assert 'value="10"' in again.text.split(f'id="min-{stock.soap.id}"')[1].split(">")[0]
    assert "poniżej minimum" in again.text
    removed = await post_form(client, url, {f"min-{stock.soap.id}": ""})
    assert removed.status_code == 303
    assert await _levels(app, stock.warehouse) == {}


async def test_coordinators_set_levels_anywhere(app, client, at_warehouse):
    stock = at_warehouse
    await login(client, "coordinator")
    saved = await post_form(client, f"/stock/{stock.point.id}/minimums", {f"min-{stock.pasta.id}": "24"})
    assert saved.status_code == 303
    assert await _levels(app, stock.point) == {stock.pasta.id: Decimal(24)}


async def test_bad_values_are_refused_next_to_their_field_and_change_nothing(app, client, at_warehouse):
    stock = at_warehouse
    await login(client, "warehouse")
    url = f"/stock/{stock.warehouse.id}/minimums"
    for value, message in (("-1", "0"), ("2,5", "liczbę całkowitą"), ("dużo", "Podaj liczbę")):
        refused = await post_form(client, url, {f"min-{stock.pasta.id}": "5", f"min-{stock.soap.id}": value})
        assert refused.status_code == 422, value
        assert f'id="min-{stock.soap.id}-error"' in refused.text and message in refused.text, value
    assert await count(app, MinimumLevel) == 0


async def test_other_roles_and_other_sites_are_refused(app, client, at_warehouse):
    stock = at_warehouse
    for username in ("volunteer", "caseworker", "shelter"):
        client.cookies.clear()
        await login(client, username)
        url = f"/stock/{stock.warehouse.id}/minimums"
        assert (await client.get(url)).status_code == 403, username
        assert (await post_form(client, url, {f"min-{stock.soap.id}": "5"})).status_code == 403, username
    client.cookies.clear()
    await login(client, "warehouse")
    other = f"/stock/{stock.point.id}/minimums"
    assert (await client.get(other)).status_code == 403
    assert (await post_form(client, other, {f"min-{stock.soap.id}": "5"})).status_code == 403
    assert await count(app, MinimumLevel) == 0


async def test_the_use_case_checks_the_site_and_the_values(app, at_warehouse):
    stock = at_warehouse
    volunteer = Actor(user_id=None, username="v", role="volunteer", site_ids=frozenset({stock.warehouse.id}))
    async with db_session(app) as session:
        with pytest.raises(Forbidden):
            await MinimumLevelService(session, volunteer).set_minimums(stock.warehouse.id, {stock.soap.id: Decimal(1)})
        service = MinimumLevelService(session, ADMIN)
        assert await service.set_minimums(stock.warehouse.id, {stock.soap.id: Decimal(4)}) == 1
        assert await service.set_minimums(stock.warehouse.id, {stock.soap.id: Decimal(4)}) == 0  # unchanged
        with pytest.raises(DomainError) as refused:
            await service.set_minimums(stock.warehouse.id, {stock.soap.id: Decimal(7), stock.pasta.id: Decimal("1.5")})
        assert refused.value.field == f"min-{stock.pasta.id}"
        await session.commit()
    assert await _levels(app, stock.warehouse) == {stock.soap.id: Decimal(4)}  # the refused save left nothing
