"""Grants on paper and on the phone: a value voucher prints in every layout with its amount, categories and the
partner shops' addresses; the e-mail and the SMS name the amount; the public page shows the balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fpdf import FPDF
from sqlalchemy import select

from logistics import codes
from logistics.core.i18n import in_locale
from logistics.notifications.models import OutboxMessage
from logistics.people.models import Person
from logistics.vouchers.grants import category_label
from logistics.vouchers.printing import LAYOUTS, PointInfo, VoucherPrint, render_vouchers

from ..conftest import login
from ..helpers import db_session, post_form
from .grant_fixtures import granted, grants_fixture, spent  # noqa: F401 — the `grants` fixture

ORG = "Miejski Ośrodek Pomocy Społecznej"


def food() -> str:
    """The food category's label as the Polish pages and prints show it."""
    with in_locale("pl"):
        return category_label("food")


def texts_of(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the PDF draws (fpdf's cells), as test_printing reads them."""
    texts: list[str] = []
    cell = FPDF.cell

    def spy(self: FPDF, w: float | None = None, h: float | None = None, text: str = "", **kwargs: Any) -> Any:
        texts.append(text)
        return cell(self, w, h, text, **kwargs)

    monkeypatch.setattr(FPDF, "cell", spy)
    return texts


def value_print(**changes: Any) -> VoucherPrint:
    fields: dict[str, Any] = {
        "code": codes.generate(),
        "household": "Anna Kowalska",
        "programme": "Zasiłek celowy — żywność",
        "lines": [],
        "valid_from": date(2026, 12, 1),
        "valid_until": date(2026, 12, 31),
        "points": [PointInfo("Sklep Groszek", "ul. Polna 3, 00-001 Warszawa", "pn–sb 7–21")],
        "amount": Decimal("1234.50"),
        "balance": Decimal("1000.00"),
        "categories": ["Żywność", "Higiena i środki czystości"],
    }
    return VoucherPrint(**{**fields, **changes})


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_value_voucher_prints_its_amount_categories_and_shops(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = texts_of(monkeypatch)
    with in_locale("pl"):
        pdf = render_vouchers([value_print()], layout, ORG)
    assert pdf.startswith(b"%PDF")
    drawn = " ".join(texts)
    assert "1 234,50 zł" in drawn and "1 000,00 zł" in drawn  # the amount and the balance left, Polish format
    assert "Żywność" in drawn and "ul. Polna 3" in drawn and "Sklep Groszek" in drawn
    assert not any(text.endswith("…") for text in texts)


async def test_the_prints_of_a_granted_voucher(app, client, people, aid, grants, monkeypatch):
    voucher = await granted(app, grants.household.id, aid.poor.id)
    await login(client, "caseworker")
    texts = texts_of(monkeypatch)
    for layout in LAYOUTS:
        texts.clear()
        pdf = await client.get(f"/vouchers/{voucher.id}/voucher.pdf?layout={layout}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), layout
        drawn = " ".join(texts)
        assert "300,00 zł" in drawn, layout
        assert food() in drawn and "ul. Polna 3, 00-001 Warszawa" in drawn, layout
        assert "Apteka" not in drawn  # not one of this programme's shops
        assert codes.format_code(voucher.code) in drawn
    texts.clear()
    cycle = await client.get(
        f"/vouchers/programmes/{grants.household.id}/vouchers.pdf?cycle={voucher.cycle}&layout=a4x4"
    )
    assert cycle.status_code == 200 and "300,00 zł" in " ".join(texts)
    listing = await client.get(f"/vouchers/programmes/{grants.household.id}/issued?cycle={voucher.cycle}")
    assert listing.status_code == 200 and "300,00" in listing.text


async def test_every_shop_when_the_programme_names_none(app, client, people, aid, grants, monkeypatch):
    voucher = await granted(app, grants.set.id, aid.poor.id, amount=Decimal("80.00"), purpose="fuel")
    await login(client, "caseworker")
    texts = texts_of(monkeypatch)
    assert (await client.get(f"/vouchers/{voucher.id}/voucher.pdf?layout=receipt")).status_code == 200
    drawn = " ".join(texts)
    assert "80,00 zł" in drawn and "Sklep Groszek" in drawn and "Apteka Pod Lipą" in drawn
    assert "Punkt 1" not in drawn  # distribution points are not where a grant is spent


async def test_e_mail_and_sms_name_the_amount(app, client, people, aid, grants, monkeypatch):
    voucher = await granted(app, grants.household.id, aid.poor.id)
    await spent(app, voucher, grants.shop.id, ("50.00", "food"))
    async with db_session(app) as session:
        anna = await session.scalar(select(Person).where(Person.given_name == "Anna"))
        anna.phone, anna.email = "+48600100200", "anna@example.org"
        await session.commit()
    monkeypatch.setattr("logistics.vouchers.sending.mail_configured", lambda: True)
    await login(client, "caseworker")
    for channel in ("sms", "email"):
        sent = await post_form(client, f"/vouchers/{voucher.id}/send", {"channel": channel})
        assert sent.status_code == 303
    async with db_session(app) as session:
        messages = {m.channel: m for m in await session.scalars(select(OutboxMessage))}
    assert "250,00 zł" in messages["sms"].body and f"/v/{codes.format_code(voucher.code)}" in messages["sms"].body
    email = messages["email"].body
    assert "250,00 zł" in email and "Sklep Groszek (ul. Polna 3, 00-001 Warszawa)" in email
    assert food() in email


async def test_the_public_page_shows_the_balance_and_no_personal_data(app, client, people, aid, grants):
    voucher = await granted(app, grants.household.id, aid.poor.id)
    await spent(app, voucher, grants.shop.id, ("45.90", "food"))
    page = await client.get(f"/v/{codes.format_code(voucher.code)}")
    assert page.status_code == 200 and "<svg" in page.text
    assert "254,10" in page.text and "300,00" in page.text
    assert food() in page.text and "Sklep Groszek" in page.text and "ul. Polna 3" in page.text
    assert "Anna" not in page.text and "Kowalsk" not in page.text and "OPS." not in page.text
