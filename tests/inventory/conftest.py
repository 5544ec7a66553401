"""Inventory set-up: a warehouse and a distribution point, a perishable and a non-perishable item."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from logistics.core.actor import Actor
from logistics.inventory.models import Item
from logistics.sites.services import SiteInput, SiteService

from ..helpers import db_session

ADMIN = Actor(user_id=None, username="magazyn", role="admin", sees_all_sites=True)


@dataclass
class Stock:
    warehouse: Any
    point: Any
    pasta: Any
    soap: Any


@pytest.fixture
async def stock(app) -> Stock:
    async with db_session(app) as session:
        sites = SiteService(session, ADMIN)
        warehouse = await sites.create_site(SiteInput("Magazyn", "", "", "", ["warehouse"]))
        point = await sites.create_site(SiteInput("Punkt 1", "", "", "", ["distribution_point"]))
        pasta = Item(name="Makaron 500 g", category="food", unit="szt", pack_size=Decimal(12), perishable=True)
        soap = Item(name="Mydło", category="hygiene", unit="szt", perishable=False)
        session.add_all([pasta, soap])
        await session.commit()
        return Stock(warehouse, point, pasta, soap)
