"""The demo data: every demo user signs in with the documented password and sees the navigation of their role;
the partner shops, their grants and purchases hold together."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics.accounts.models import User
from logistics.core.i18n import local_today
from logistics.seeding import DEMO_PASSWORD, load_demo
from logistics.sites.models import Site, SiteKind
from logistics.vouchers.models import (
    DeviceToken,
    EligibilityDecision,
    GrantDecision,
    Programme,
    SettlementMonth,
    Spend,
    Voucher,
    VoucherStatus,
)
from logistics.vouchers.settlement import month_of

from ..conftest import login
from ..helpers import db_session

SHOPS = ["Sklep spożywczy „Społem” nr 12", "Market „Pod Lipami”"]  # seeds/demo/sites.json


@pytest.mark.parametrize(
    ("username", "admin_pages"),
    [
        ("admin", True),
        ("coordinator", False),
        ("caseworker", False),
        ("shelter", False),
        ("warehouse", False),
        ("volunteer", False),
        ("sklep", False),
    ],
)
async def test_demo_users_sign_in(app, client, demo, username, admin_pages):
    assert (await login(client, username, DEMO_PASSWORD)).status_code == 303
    home = await client.get("/")
    assert home.status_code == 200
    assert 'href="/sites"' in home.text
    assert ('href="/admin/users"' in home.text) is admin_pages
    sites = (await client.get("/sites")).text
    own = {
        "shelter": "Noclegownia dla mężczyzn",
        "warehouse": "Magazyn centralny",
        "volunteer": "parafia św.",
        "sklep": "Społem” nr 12",
    }
    if username in own:
        assert own[username] in sites
        assert sum(name in sites for name in own.values()) == 1  # nothing of the other sites
    else:
        assert all(name in sites for name in own.values())
    if username == "caseworker":  # the demo registry: ~300 households, some with Cyrillic names
        assert "Kowal" in (await client.get("/people", params={"q": "kowal"})).text
        cyrillic = await client.get("/people", params={"q": "kovalchuk"})
        assert cyrillic.status_code == 200


async def test_the_demo_partner_shops_grants_and_purchases(app, demo):
    today = local_today()
    this_month, last_month = f"{today:%Y-%m}", f"{today.replace(day=1) - date.resolution:%Y-%m}"
    async with db_session(app) as session:
        shops = [await session.scalar(select(Site).where(Site.name == name)) for name in SHOPS]
        for shop in shops:
            assert shop.kinds == [SiteKind.SHOP] and shop.contact and shop.contract_number
            assert shop.contract_from <= today <= shop.contract_until  # in force on the load day
            tills = list(await session.scalars(select(DeviceToken).where(DeviceToken.point_id == shop.id)))
            assert len(tills) == 1 and tills[0].revoked_at is None
        user = await session.scalar(select(User).where(User.username == "sklep"))
        assert user.role == "shop" and [site.id for site in user.sites] == [shops[0].id]

        programme = await session.scalar(select(Programme).where(Programme.code == "ZC-ZYW"))
        assert programme.name == "Zasiłek celowy — żywność" and programme.is_value
        assert programme.amount == Decimal("300.00") and programme.amount_basis == "household"
        assert programme.categories == ["food", "hygiene"] and programme.rule == "decision"
        assert programme.point_ids == {shop.id for shop in shops}

        vouchers = list(await session.scalars(select(Voucher).where(Voucher.programme_id == programme.id)))
        decisions = {d.voucher_id: d for d in await session.scalars(select(GrantDecision))}
        spends = list(await session.scalars(select(Spend)))
        by_voucher: defaultdict[object, Decimal] = defaultdict(Decimal)
        for spend in spends:
            assert spend.shop_id in programme.point_ids and spend.category in programme.categories
            assert spend.programme_id == programme.id and spend.at <= spend.at.now(spend.at.tzinfo)
            if spend.undone_at is None:
                by_voucher[spend.voucher_id] += spend.amount
        current = [v for v in vouchers if v.cycle == this_month]
        assert 6 <= len(current) <= 10 and {v.cycle for v in vouchers} == {this_month, last_month}
        for voucher in vouchers:
            assert voucher.amount == Decimal("300.00") and not voucher.lines
            assert voucher.spent == by_voucher[voucher.id]  # the balance is the amount less the spends
            assert (voucher.status == VoucherStatus.REDEEMED) is (voucher.spent == voucher.amount)
            decision = decisions[voucher.id]
            assert decision.household_id == voucher.household_id and decision.decided_by == "caseworker"
            assert decision.legal_basis == "art39" and decision.purpose == "food"
            assert decision.number.startswith("OPS.8230.") and decision.decided_on < voucher.valid_from
            eligible = await session.scalar(
                select(EligibilityDecision.eligible).where(
                    EligibilityDecision.programme_id == programme.id,
                    EligibilityDecision.household_id == voucher.household_id,
                )
            )
            assert eligible is True
        assert len({d.number for d in decisions.values()}) == len(vouchers)
        statuses = [v.status for v in current]
        assert statuses.count(VoucherStatus.REDEEMED) == 1
        assert sum(Decimal(0) < v.spent < v.amount for v in current) >= 3  # partly spent
        assert sum(v.spent == 0 for v in current) >= 1
        assert sum(s.undone_at is not None for s in spends) == 1
        assert all(month_of(s.at) == this_month for s in spends if s.voucher_id in {v.id for v in current})

        closed = list(await session.scalars(select(SettlementMonth)))
        assert [(c.shop_id, c.month) for c in closed] == [(shops[0].id, last_month)]
        counted = [
            s for s in spends if s.shop_id == shops[0].id and s.undone_at is None and month_of(s.at) == last_month
        ]
        assert closed[0].spends == len(counted) > 0 and closed[0].total == sum(s.amount for s in counted)
        # The second shop's last month is left for the coordinator to close.
        assert any(s.shop_id == shops[1].id and month_of(s.at) == last_month for s in spends)


async def test_loading_the_demo_again_adds_no_shops_grants_or_purchases(app, demo):
    tables = (Site, User, Programme, Voucher, GrantDecision, Spend, SettlementMonth, DeviceToken)

    async def counts() -> list[int]:
        async with db_session(app) as session:
            return [await session.scalar(select(func.count()).select_from(table)) for table in tables]

    before = await counts()
    async with db_session(app) as session:
        summary = await load_demo(session)
        await session.commit()
    assert "0 sites and 0 users added" in summary and "0 grants (0 purchases" in summary
    assert await counts() == before
