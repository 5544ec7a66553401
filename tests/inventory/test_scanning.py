"""A handheld scanner at the receiving desk types the EAN and Enter before anything else: the EAN finds its item and
the form asks for the quantity (no "field required" error); a misread code (wrong check digit) is refused wherever a
barcode is typed or attached — receiving, attaching an unknown code, the catalogue — and never reaches an item."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from logistics.core.i18n import local_today
from logistics.inventory.catalogue import barcode_error
from logistics.inventory.models import ItemBarcode

from ..conftest import login
from ..helpers import count, db_session, post_form

EXPIRY = (local_today() + timedelta(days=120)).isoformat()
PASTA_EAN, SOAP_EAN = "5900000000015", "5900000000022"
MISREAD = "5900000000016"  # PASTA_EAN with its last digit misread


def test_the_check_digit_is_verified_for_every_barcode_length():
    for good in ("96385074", "036000291452", PASTA_EAN, "15900000000012"):
        assert barcode_error(good) is None, good
    assert "cyfra kontrolna" in (barcode_error(MISREAD) or "").lower()
    assert "8, 12, 13 lub 14 cyfr" in (barcode_error("12345") or "")
    assert barcode_error("96385075") is not None  # EAN-8 with a wrong check digit


async def _with_barcodes(app, stock):
    async with db_session(app) as session:
        session.add_all(
            [ItemBarcode(item_id=stock.pasta.id, code=PASTA_EAN), ItemBarcode(item_id=stock.soap.id, code=SOAP_EAN)]
        )
        await session.commit()


async def test_scan_first_finds_the_item_then_the_quantity_adds_the_line(app, client, people, stock):
    await _with_barcodes(app, stock)
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/receive/line"
    htmx = {"hx-request": "true"}
    scanned = await post_form(client, url, {"ean": SOAP_EAN, "unit": "units"}, headers=htmx)
    assert scanned.status_code == 200
    assert "To pole jest wymagane" not in scanned.text
    assert "Znaleziono: Mydło" in scanned.text
    assert 'id="f-quantity"' in scanned.text and "autofocus" in scanned.text.split('id="f-quantity"')[1].split(">")[0]
    assert f'value="{SOAP_EAN}"' in scanned.text  # the EAN stays, so Enter in the quantity sends it again
    assert "Brak pozycji" in scanned.text or "0 pozycji" in scanned.text  # nothing added yet
    added = await post_form(client, url, {"ean": SOAP_EAN, "quantity": "4", "unit": "units"}, headers=htmx)
    assert added.status_code == 200
    assert "1 pozycja" in added.text
    assert 'value=""' in added.text.split('id="f-ean"')[1].split(">")[0]  # empty for the next scan
    assert "autofocus" in added.text.split('id="f-ean"')[1].split(">")[0]


async def test_a_perishable_item_found_by_its_ean_asks_for_the_expiry_date_too(app, client, people, stock):
    await _with_barcodes(app, stock)
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/receive/line"
    scanned = await post_form(client, url, {"ean": PASTA_EAN, "unit": "packs"})
    assert scanned.status_code == 200
    assert "Wpisz ilość i datę ważności" in scanned.text
    assert "data-perishable" in scanned.text
    no_expiry = await post_form(client, url, {"ean": PASTA_EAN, "quantity": "2", "unit": "packs"})
    assert no_expiry.status_code == 422
    assert "autofocus" in no_expiry.text.split('id="f-expiry"')[1].split(">")[0]
    done = await post_form(client, url, {"ean": PASTA_EAN, "quantity": "2", "unit": "packs", "expiry": EXPIRY})
    assert done.status_code == 200 and "1 pozycja" in done.text


async def test_a_misread_barcode_is_refused_when_receiving_and_attaching(app, client, people, stock):
    await _with_barcodes(app, stock)
    await login(client, "admin")
    url = f"/stock/{stock.warehouse.id}/receive/line"
    misread = await post_form(client, url, {"ean": MISREAD, "quantity": "1", "unit": "units"})
    assert misread.status_code == 422
    assert "Cyfra kontrolna kodu 5900000000016 się nie zgadza" in misread.text
    assert 'id="ean-error"' in misread.text  # next to the field
    assert 'action="/stock/barcodes"' not in misread.text  # not offered to be attached to an item
    attached = await post_form(
        client, "/stock/barcodes", {"ean": MISREAD, "item": str(stock.soap.id), "location": str(stock.warehouse.id)}
    )
    assert attached.status_code == 303
    assert await count(app, ItemBarcode, ItemBarcode.code == MISREAD) == 0


async def test_the_catalogue_refuses_a_barcode_with_a_wrong_check_digit(app, client, people, stock):
    await login(client, "warehouse")
    item = {"name": "Kasza", "category": "food", "unit": "kg", "pack_size": "1", "is_active": "on"}
    refused = await post_form(client, "/stock/catalogue/items/new", {**item, "barcodes": f"{SOAP_EAN} {MISREAD}"})
    assert refused.status_code == 422
    assert "Cyfra kontrolna kodu 5900000000016 się nie zgadza" in refused.text
    assert 'id="barcodes-error"' in refused.text
    assert await count(app, ItemBarcode) == 0
    saved = await post_form(client, "/stock/catalogue/items/new", {**item, "barcodes": SOAP_EAN})
    assert saved.status_code == 303
    async with db_session(app) as session:
        assert list(await session.scalars(select(ItemBarcode.code))) == [SOAP_EAN]
