"""The catalogue pages: items with barcodes (validated, unique) and kits (lines per item) — through HTTP."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from logistics.inventory.models import Item, ItemBarcode, Kit

from ..conftest import login
from ..helpers import count, db_session, post_form


async def test_items_and_kits_are_created_and_changed(app, client, people, stock):
    await login(client, "warehouse")
    assert (await client.get("/stock/catalogue")).status_code == 200
    assert (await client.get("/stock/catalogue/items/new")).status_code == 200
    item = {
        "name": "Kasza gryczana 1 kg",
        "category": "food",
        "unit": "kg",
        "pack_size": "10",
        "perishable": "on",
        "is_active": "on",
        "barcodes": "5900000000022 5900000000039",
    }
    bad_ean = await post_form(client, "/stock/catalogue/items/new", {**item, "barcodes": "12345"})
    assert bad_ean.status_code == 422
    same_name = await post_form(client, "/stock/catalogue/items/new", {**item, "name": "Mydło"})
    assert same_name.status_code == 422
    zero_pack = await post_form(client, "/stock/catalogue/items/new", {**item, "pack_size": "0"})
    assert zero_pack.status_code == 422
    assert await count(app, Item) == 2
    created = await post_form(client, "/stock/catalogue/items/new", item)
    assert created.status_code == 303
    async with db_session(app) as session:
        groats = await session.scalar(select(Item).where(Item.name == "Kasza gryczana 1 kg"))
        assert sorted(b.code for b in groats.barcodes) == ["5900000000022", "5900000000039"]
    taken = await post_form(
        client, "/stock/catalogue/items/new", {**item, "name": "Inna kasza", "barcodes": "5900000000022"}
    )
    assert taken.status_code == 422  # the barcode belongs to the groats
    changed = await post_form(
        client, f"/stock/catalogue/items/{groats.id}", {**item, "barcodes": "5900000000039", "pack_size": "12"}
    )
    assert changed.status_code == 303
    assert await count(app, ItemBarcode) == 1
    kit = {
        "name": "Paczka B",
        "is_active": "on",
        "item-0": str(groats.id),
        "quantity-0": "2",
        "item-1": str(stock.soap.id),
        "quantity-1": "1",
    }
    no_quantity = await post_form(client, "/stock/catalogue/kits/new", {**kit, "quantity-1": ""})
    assert no_quantity.status_code == 422
    empty = await post_form(client, "/stock/catalogue/kits/new", {"name": "Pusta", "is_active": "on"})
    assert empty.status_code == 422
    made = await post_form(client, "/stock/catalogue/kits/new", kit)
    assert made.status_code == 303
    async with db_session(app) as session:
        stored = await session.scalar(select(Kit))
    again = await post_form(client, f"/stock/catalogue/kits/{stored.id}", {**kit, "quantity-0": "3"})
    assert again.status_code == 303
    async with db_session(app) as session:
        stored = await session.get(Kit, stored.id)
        assert sorted(line.quantity for line in stored.lines) == [Decimal(1), Decimal(3)]
    client.cookies.clear()
    await login(client, "volunteer")
    assert (await client.get("/stock/catalogue")).status_code == 403


async def test_the_net_weight_is_typed_the_polish_way_checked_and_shown_in_kg(app, client, people, stock):
    await login(client, "warehouse")
    item = {"name": "Ryż 1 kg", "category": "food", "unit": "szt", "pack_size": "10", "is_active": "on"}
    for weight in ("0", "-1", "1000,001", "0,0005", "abc", "1e3"):
        refused = await post_form(client, "/stock/catalogue/items/new", {**item, "net_weight_kg": weight})
        assert refused.status_code == 422, weight
        assert 'id="net_weight_kg-error"' in refused.text
    assert await count(app, Item, Item.name == "Ryż 1 kg") == 0
    created = await post_form(client, "/stock/catalogue/items/new", {**item, "net_weight_kg": "1 000,000"})
    assert created.status_code == 303
    async with db_session(app) as session:
        rice = await session.scalar(select(Item).where(Item.name == "Ryż 1 kg"))
        assert rice.net_weight_kg == Decimal(1000)
    form = await client.get(f"/stock/catalogue/items/{rice.id}")
    assert 'value="1000"' in form.text
    changed = await post_form(client, f"/stock/catalogue/items/{rice.id}", {**item, "net_weight_kg": "0,925"})
    assert changed.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Item, rice.id)).net_weight_kg == Decimal("0.925")
    page = await client.get(f"/stock/items/{rice.id}")
    assert page.status_code == 200
    assert "Masa netto</dt><dd>0,925 kg" in page.text
    cleared = await post_form(client, f"/stock/catalogue/items/{rice.id}", {**item, "net_weight_kg": ""})
    assert cleared.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Item, rice.id)).net_weight_kg is None
    assert "Masa netto</dt><dd>nieznana" in (await client.get(f"/stock/items/{rice.id}")).text
