"""Grants set-up beside the vouchers' `aid`: two partner shops and three value programmes, made with the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from logistics.core.i18n import local_today
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.issuing import GrantInput, VoucherService
from logistics.vouchers.models import (
    AmountBasis,
    Programme,
    ProgrammeCategory,
    ProgrammeKind,
    ProgrammePoint,
    Spend,
    Voucher,
)

from ..helpers import db_session
from .conftest import ADMIN


@dataclass
class Grants:
    shop: Any  # Sklep Groszek, ul. Polna 3 — the only shop of `household`
    other_shop: Any  # Apteka Pod Lipą, ul. Lipowa 1
    household: Any  # ZC-ZYW: 300 zł per household, monthly, income rule 265 %, food and hygiene, Sklep Groszek
    person: Any  # ZC-OS: 100 zł per person, one-off, decision rule, food
    set: Any  # ZC-OPAL: up to 500 zł set by the case worker, one-off, decision rule, fuel and food, every shop


def shop_site(name: str, address: str) -> Site:
    return Site(name=name, address=address, kind_rows=[SiteKindRow(kind=SiteKind.SHOP)])


def value_programme(code: str, name: str, amount: str, basis: str, categories: list[str], **values: Any) -> Programme:
    return Programme(
        code=code,
        name=name,
        kind=ProgrammeKind.VALUE,
        amount=Decimal(amount),
        amount_basis=basis,
        category_rows=[ProgrammeCategory(category=code) for code in categories],
        lines=[],
        **values,
    )


@pytest.fixture(name="grants")
async def grants_fixture(app: Any, aid: Any) -> Grants:
    async with db_session(app) as session:
        shop = shop_site("Sklep Groszek", "ul. Polna 3, 00-001 Warszawa")
        other = shop_site("Apteka Pod Lipą", "ul. Lipowa 1, 00-002 Warszawa")
        session.add_all([shop, other])
        await session.flush()
        household = value_programme(
            "ZC-ZYW",
            "Zasiłek celowy — żywność",
            "300.00",
            AmountBasis.HOUSEHOLD,
            ["food", "hygiene"],
            cycle="monthly",
            rule="income",
            income_percent=Decimal(265),
            point_rows=[ProgrammePoint(site_id=shop.id)],
        )
        person = value_programme(
            "ZC-OS", "Zasiłek na osobę", "100.00", AmountBasis.PERSON, ["food"], cycle="one_off", rule="decision"
        )
        most = value_programme(
            "ZC-OPAL",
            "Zasiłek na opał",
            "500.00",
            AmountBasis.SET,
            ["fuel", "food"],
            cycle="one_off",
            rule="decision",
            valid_days=60,
        )
        session.add_all([household, person, most])
        await session.commit()
        return Grants(shop, other, household, person, most)


def decision(**changes: Any) -> GrantInput:
    values: dict[str, Any] = {
        "number": "OPS.8230.17.2026",
        "decided_on": local_today() - timedelta(days=2),
        "legal_basis": "art39",
        "purpose": "food",
        "purpose_note": "zakup żywności dla rodziny",
        "amount": None,
    }
    return GrantInput(**{**values, **changes})


async def granted(app: Any, programme_id: UUID, household_id: UUID, **changes: Any) -> Voucher:
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).grant(programme_id, household_id, decision(**changes))
        await session.commit()
        return voucher


async def spent(app: Any, voucher: Voucher, shop_id: UUID, *amounts: tuple[str, str], undone: int = -1) -> None:
    """Purchases on `voucher` at `shop_id` as the till records them (the `undone`-th one undone)."""
    async with db_session(app) as session:
        row = await session.get(Voucher, voucher.id)
        assert row is not None
        for n, (amount, category) in enumerate(amounts):
            at = datetime.now(UTC) - timedelta(minutes=30 - n)
            session.add(
                Spend(
                    request_id=f"till-{voucher.id}-{n}",
                    voucher_id=voucher.id,
                    shop_id=shop_id,
                    at=at,
                    amount=Decimal(amount),
                    category=category,
                    user_name="kasa",
                    programme_id=voucher.programme_id,
                    undone_at=at + timedelta(minutes=1) if n == undone else None,
                    undone_by="kasa" if n == undone else "",
                )
            )
            if n != undone:
                row.spent += Decimal(amount)
        await session.commit()
