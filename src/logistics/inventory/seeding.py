"""Demo catalogue and stock (`logistics seed demo`): items with barcodes, kits, and a few months of receipts and
transfers from seeds/demo/catalogue.json, written through the ledger as of their own days.

Days are relative to the day the demo is loaded: a receipt's `days_ago`, and each line's expiry as days after the
load day (negative: already expired, so the expiry alerts and write-offs have something to show)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Item, ItemBarcode, Kit, KitLine, MinimumLevel
from logistics.sites.models import Site

ACTOR = Actor(user_id=None, username="seed", role="admin", sees_all_sites=True)


async def load_catalogue_demo(session: AsyncSession, data: dict[str, Any], today: date | None = None) -> int:
    """Items, kits and stock history, once (when the catalogue is empty); returns the number of items added."""
    if await session.scalar(select(Item.id).limit(1)):
        return 0
    items: dict[str, Item] = {}
    for row in data["items"]:
        item = Item(
            name=row["name"],
            name_en=row["name_en"],
            name_uk=row["name_uk"],
            category=row["category"],
            unit=row["unit"],
            pack_size=Decimal(row["pack_size"]),
            perishable=row["perishable"],
            net_weight_kg=Decimal(row["net_weight_kg"]) if row.get("net_weight_kg") else None,
            barcodes=[ItemBarcode(code=code) for code in row["eans"]],
        )
        session.add(item)
        items[item.name] = item
    await session.flush()  # ids are assigned on insert
    for row in data["kits"]:
        session.add(
            Kit(
                name=row["name"],
                lines=[KitLine(item_id=items[name].id, quantity=Decimal(qty)) for name, qty in row["lines"]],
            )
        )
    await session.flush()
    sites = {site.name: site.id for site in await session.scalars(select(Site))}
    for row in data["items"]:
        for location, quantity in row.get("min_level", {}).items():
            session.add(
                MinimumLevel(location_id=sites[location], item_id=items[row["name"]].id, quantity=Decimal(quantity))
            )
    today = today or local_today()
    events = [("receipt", row) for row in data["receipts"]] + [("transfer", row) for row in data["transfers"]]
    for kind, row in sorted(events, key=lambda event: (-event[1]["days_ago"], event[0] != "receipt")):
        day = today - timedelta(days=row["days_ago"])
        ledger = LedgerService(session, ACTOR, as_of=datetime.combine(day, time(10), UTC))
        if kind == "receipt":
            lines = [
                ReceiptLine(items[name].id, Decimal(qty), None if days is None else today + timedelta(days=days))
                for name, qty, days in row["lines"]
            ]
            await ledger.receive(sites[row["location"]], row["source"], lines)
        else:
            transfer = await ledger.send(
                sites[row["from"]], sites[row["to"]], [(items[name].id, Decimal(qty)) for name, qty in row["lines"]]
            )
            if not row.get("in_transit"):
                await ledger.receive_transfer(transfer.id)
    return len(items)
