"""Bad input is refused with a message next to its field (or at the top of the form) and changes nothing."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics.core.errors import DomainError
from logistics.core.i18n import format_number, gettext, in_locale, local_today
from logistics.inventory.ledger import MAX_QUANTITY, LedgerService, ReceiptLine
from logistics.inventory.models import Balance, Item, Lot, Movement, Stocktake, StocktakeLine, Transfer
from logistics.inventory.stocktake import StocktakeService
from logistics.vouchers.models import Redemption
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import login
from ..helpers import count, db_session, post_form
from ..vouchers.conftest import aid  # noqa: F401  (the voucher set-up, for a redemption's issue)
from ..vouchers.test_redeeming import _issue, volunteer
from .conftest import ADMIN

LATER = local_today() + timedelta(days=200)
HINT = "Handed out on a voucher: to take it back, use Undo on the scan page of the distribution point."
REFUSED = (
    "These goods were handed out on a voucher: undo the redemption with Undo on the scan page of the "
    "distribution point, so that the voucher can be used again."
)
WHOLE = "Enter a whole number: this is counted in whole units."


def shown(message: str, number: Decimal | None = None) -> str:
    """A message as the pages show it (in Polish, the users' language here)."""
    with in_locale("pl"):
        return gettext(message, n=format_number(number)) if number is not None else gettext(message)


async def _receive(app, location, lines):
    async with db_session(app) as session:
        movement = await LedgerService(session, ADMIN).receive(location.id, "Bank Żywności", lines)
        await session.commit()
        return movement


async def _balance(app, location, item) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == location.id, Balance.item_id == item.id)
        )
    return Decimal(total or 0)


async def _flour(app) -> Item:
    async with db_session(app) as session:
        flour = Item(name="Mąka", category="food", unit="kg", perishable=False)
        session.add(flour)
        await session.commit()
        return flour


# --- 1. fractions of countable goods ---------------------------------------------------------------------------


async def test_a_fraction_of_a_countable_item_is_refused_on_every_page(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(10))])
    await login(client, "admin")
    half = shown(WHOLE)
    for url, data in [
        (f"/stock/{stock.warehouse.id}/issue", {"recipient": "Kuchnia", f"qty-{stock.soap.id}": "1,5"}),
        (f"/stock/{stock.warehouse.id}/transfer", {"to": str(stock.point.id), f"qty-{stock.soap.id}": "1.5"}),
        (
            f"/stock/{stock.warehouse.id}/transfer",
            {"to": str(stock.point.id), f"qty-{stock.soap.id}": "0.5", "send": "1"},
        ),
    ]:
        refused = await post_form(client, url, data)
        assert refused.status_code == 422, url
        assert half in html.unescape(refused.text)
    async with db_session(app) as session:
        lot = await session.scalar(select(Lot).where(Lot.item_id == stock.soap.id))
    correct = await post_form(
        client,
        f"/stock/{stock.warehouse.id}/correct/{lot.id}",
        {"reason": "damaged", "quantity": "0.5"},
    )
    assert correct.status_code == 422
    assert half in html.unescape(correct.text)
    line = await post_form(
        client,
        f"/stock/{stock.warehouse.id}/receive/line",
        {"item": str(stock.soap.id), "quantity": "2.5", "unit": "units"},
    )
    assert line.status_code == 422
    assert half in html.unescape(line.text)
    assert await count(app, Movement) == 1  # only the first receipt
    assert await count(app, Transfer) == 0
    assert await _balance(app, stock.warehouse, stock.soap) == 10


async def test_a_fraction_of_a_weighed_item_is_still_accepted(app, client, people, stock):
    flour = await _flour(app)
    await _receive(app, stock.warehouse, [ReceiptLine(flour.id, Decimal("10.5"))])
    await login(client, "admin")
    done = await post_form(
        client, f"/stock/{stock.warehouse.id}/issue", {"recipient": "Kuchnia", f"qty-{flour.id}": "1,5"}
    )
    assert done.status_code == 303
    assert await _balance(app, stock.warehouse, flour) == 9


async def test_the_ledger_refuses_fractions_of_countable_items(app, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(10))])
    async with db_session(app) as session:
        ledger = LedgerService(session, ADMIN)
        lot = await session.scalar(select(Lot).where(Lot.item_id == stock.soap.id))
        attempts = [
            ledger.receive(stock.warehouse.id, "Bank", [ReceiptLine(stock.soap.id, Decimal("0.5"))]),
            ledger.issue(stock.warehouse.id, [(stock.soap.id, Decimal("1.5"))], source="Kuchnia"),
            ledger.send(stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal("1.5"))]),
            ledger.correct("write_off", stock.warehouse.id, lot.id, Decimal("-0.5"), "zgniecione"),
        ]
        for attempt in attempts:
            with pytest.raises(DomainError, match=r"\(szt\)"):
                await attempt
        transfer = await ledger.send(stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(2))])
        await session.commit()
        line = transfer.lines[0]
        with pytest.raises(DomainError, match=r"\(szt\)") as refused:
            await ledger.receive_transfer(transfer.id, {line.id: Decimal("1.5")})
        assert refused.value.field == f"received-{line.id}"
        counting = StocktakeService(session, ADMIN)
        stocktake = await counting.open(stock.warehouse.id)
        await session.commit()
        sheet_line = await session.scalar(select(StocktakeLine).where(StocktakeLine.stocktake_id == stocktake.id))
        with pytest.raises(DomainError, match=r"\(szt\)") as refused:
            await counting.count(stocktake.id, {sheet_line.id: Decimal("7.5")})
        assert refused.value.field == f"count-{sheet_line.id}"
        await session.commit()
    assert await count(app, Movement) == 2  # the receipt and the transfer sent
    assert await _balance(app, stock.warehouse, stock.soap) == 8
    async with db_session(app) as session:
        assert (await session.get(Transfer, transfer.id)).status == "in_transit"
        assert (await session.get(StocktakeLine, sheet_line.id)).counted is None
        assert await session.scalar(select(func.count()).select_from(Stocktake)) == 1


async def test_a_fractional_stocktake_count_is_refused_on_the_sheet(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(10))])
    async with db_session(app) as session:
        stocktake = await StocktakeService(session, ADMIN).open(stock.warehouse.id)
        await session.commit()
        line = await session.scalar(select(StocktakeLine).where(StocktakeLine.stocktake_id == stocktake.id))
    await login(client, "admin")
    refused = await post_form(
        client,
        f"/stock/stocktakes/{stocktake.id}/count",
        {f"count-{line.id}": "7,5"},
    )
    assert refused.status_code == 422
    assert shown(WHOLE) in html.unescape(refused.text)
    async with db_session(app) as session:
        assert (await session.get(StocktakeLine, line.id)).counted is None


# --- 2. over-long text is refused, never cut ---------------------------------------------------------------------


async def test_an_over_long_recipient_is_refused_not_cut(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(10))])
    async with db_session(app) as session:
        with pytest.raises(DomainError) as refused:
            await LedgerService(session, ADMIN).issue(
                stock.warehouse.id, [(stock.soap.id, Decimal(1))], source="x" * 5000
            )
        assert refused.value.field == "recipient"
        with pytest.raises(DomainError) as refused:
            await LedgerService(session, ADMIN).send(
                stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(1))], note="x" * 201
            )
        assert refused.value.field == "note"
    await login(client, "admin")
    page = await post_form(
        client,
        f"/stock/{stock.warehouse.id}/issue",
        {"recipient": "x" * 5000, f"qty-{stock.soap.id}": "1"},
    )
    assert page.status_code == 422
    assert "200" in page.text
    assert await count(app, Movement) == 1
    assert await count(app, Transfer) == 0
    assert await _balance(app, stock.warehouse, stock.soap) == 10


# --- 3. a redemption's issue is undone on the scan page, not reversed -------------------------------------------


async def test_the_issue_of_a_redemption_cannot_be_reversed_from_the_movement_page(app, client, aid):  # noqa: F811
    voucher = await _issue(app, aid)
    async with db_session(app) as session:
        outcome = await RedemptionService(session, volunteer(aid)).redeem(voucher.code, aid.point.id, "request-0001")
        await session.commit()
        movement_id = outcome.redemption.movement_id
        redemption_id = outcome.redemption.id
    movements = await count(app, Movement)
    await login(client, "admin")
    url = f"/stock/movements/{movement_id}"
    page = await client.get(url)
    assert shown(HINT) in html.unescape(page.text)
    assert f"{url}/reverse" not in page.text  # no reverse form for it
    refused = await post_form(client, f"{url}/reverse", {"reason": "pomyłka"})
    assert refused.status_code == 303
    page = await client.get(refused.headers["location"])
    assert shown(REFUSED) in html.unescape(page.text)
    assert await count(app, Movement) == movements
    assert await count(app, Movement, Movement.reverses_id == movement_id) == 0
    async with db_session(app) as session:
        redemption = await session.get(Redemption, redemption_id)
        assert redemption.undone_at is None and redemption.undo_movement_id is None


# --- 4. refusals on the issue and transfer pages are shown -------------------------------------------------------


@pytest.mark.parametrize("mode", ["issue", "transfer"])
@pytest.mark.parametrize(
    ("typed", "message", "number"),
    [("-3", "The number cannot be negative.", None), ("5000000", "The number cannot be above %(n)s.", MAX_QUANTITY)],
)
async def test_a_negative_or_huge_quantity_is_shown_next_to_its_field(
    app, client, people, stock, mode, typed, message, number
):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(10))])
    await login(client, "admin")
    data = {"recipient": "Kuchnia"} if mode == "issue" else {"to": str(stock.point.id), "send": "1"}
    refused = await post_form(
        client,
        f"/stock/{stock.warehouse.id}/{mode}",
        {**data, f"qty-{stock.soap.id}": typed},
    )
    assert refused.status_code == 422
    assert shown(message, number) in html.unescape(refused.text)
    assert f'id="qty-{stock.soap.id}-error"' in refused.text
    assert await count(app, Movement) == 1
    assert await count(app, Transfer) == 0
    assert await _balance(app, stock.warehouse, stock.soap) == 10


async def test_a_refusal_on_an_item_not_shown_is_at_the_top_of_the_form(app, client, people, stock):
    await _receive(app, stock.warehouse, [ReceiptLine(stock.soap.id, Decimal(10))])
    await login(client, "admin")  # pasta is not in stock here: its field is not on the page
    refused = await post_form(
        client,
        f"/stock/{stock.warehouse.id}/issue",
        {"recipient": "Kuchnia", f"qty-{stock.pasta.id}": "1,5"},
    )
    assert refused.status_code == 422
    assert 'id="lines-error"' in refused.text
    assert shown(WHOLE) in html.unescape(refused.text)
    assert await count(app, Movement) == 1
