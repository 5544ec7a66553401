"""Grants for urgent needs through HTTP: value programmes (the form saves one, refuses bad input next to its
field, nothing saved), a grant issued with its decision (the amount per household, per person, set within the
maximum; the decision's fields; a refused grant leaves neither voucher nor decision), no batches of grants, the
household's page and the voucher's page (balance, decision, spends), the RODO export, revoke and reissue — the
response and the database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.people.models import Person
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import GrantDecision, Programme, ProgrammeCategory, Voucher

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN
from .grant_fixtures import decision, granted, grants_fixture, spent  # noqa: F401 — the `grants` fixture

# --- value programmes ------------------------------------------------------------------------------------------

BASE = {
    "kind": "value",
    "code": "zc-leki",
    "name": "Zasiłek celowy — leki",
    "cycle": "one_off",
    "rule": "decision",
    "income_percent": "100",
    "active": "on",
    "amount": "250,50",
    "amount_basis": "household",
    "categories": ["medicines", "hygiene"],
}


async def test_the_programme_form_saves_a_value_programme(app, client, people, aid, grants):
    await login(client, "coordinator")
    form = await client.get("/vouchers/programmes/new?kind=value")
    assert form.status_code == 200 and 'name="categories" value="medicines"' in form.text
    assert "Sklep Groszek" in form.text and "ul. Polna 3" in form.text  # the shops to choose from
    created = await post_form(client, "/vouchers/programmes/new", {**BASE, "shops": str(grants.other_shop.id)})
    assert created.status_code == 303
    async with db_session(app) as session:
        programme = await session.scalar(select(Programme).where(Programme.code == "ZC-LEKI"))
    assert programme.is_value and programme.amount == Decimal("250.50") and programme.amount_basis == "household"
    assert programme.categories == ["hygiene", "medicines"] and programme.lines == []
    assert programme.point_ids == {grants.other_shop.id}
    listing = (await client.get("/vouchers")).text
    assert "250,50" in listing and "zł" in listing  # the amount, in Polish format
    assert f"/vouchers/programmes/{programme.id}/batch" not in listing  # grants are not issued in batches
    edit = await client.get(f"/vouchers/programmes/{programme.id}/edit")
    assert edit.status_code == 200 and 'value="250.50"' in edit.text
    changed = await post_form(
        client,
        f"/vouchers/programmes/{programme.id}/edit",
        {**BASE, "amount": "400", "amount_basis": "set", "categories": ["medicines", "food"]},
    )
    assert changed.status_code == 303
    async with db_session(app) as session:
        programme = await session.get(Programme, programme.id)
    assert programme.amount == Decimal("400.00") and programme.amount_basis == "set"
    assert programme.categories == ["food", "medicines"] and programme.point_ids == set()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": ""}, "amount"),
        ({"amount": "12,345"}, "amount"),  # three decimals
        ({"amount": "0"}, "amount"),
        ({"amount": "100000,01"}, "amount"),
        ({"amount": "dużo"}, "amount"),
        ({"categories": []}, "categories"),
        ({"categories": ["alcohol"]}, "categories"),  # never configured
        ({"amount_basis": "family"}, "amount_basis"),
        ({"goods-0": "item", "quantity-0": "1"}, "lines"),  # goods lines on a value programme
        ({"kind": "cash"}, "kind"),
        ({"shops": "not-a-uuid"}, "shops"),
    ],
)
async def test_bad_value_programmes_are_refused_next_to_the_field(app, client, people, aid, grants, changes, field):
    await login(client, "coordinator")
    data = {**BASE, **changes}
    if data.get("goods-0") == "item":
        data["goods-0"] = f"item:{aid.oil.id}"
    refused = await post_form(client, "/vouchers/programmes/new", data)
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text
    assert await count(app, Programme, Programme.code == "ZC-LEKI") == 0
    assert await count(app, ProgrammeCategory) == 5  # the fixture's only


async def test_a_distribution_point_is_not_a_shop_and_a_goods_programme_has_no_amount(app, client, people, aid, grants):
    await login(client, "coordinator")
    point = await post_form(client, "/vouchers/programmes/new", {**BASE, "shops": str(aid.point.id)})
    assert point.status_code == 422 and 'id="shops-error"' in point.text
    goods = {
        "kind": "goods",
        "code": "zima",
        "name": "Odzież",
        "cycle": "one_off",
        "rule": "decision",
        "income_percent": "100",
        "goods-0": f"item:{aid.oil.id}",
        "quantity-0": "1",
    }
    with_amount = await post_form(client, "/vouchers/programmes/new", {**goods, "amount": "100"})
    assert with_amount.status_code == 422 and 'id="amount-error"' in with_amount.text
    with_categories = await post_form(client, "/vouchers/programmes/new", {**goods, "categories": ["food"]})
    assert with_categories.status_code == 422 and 'id="categories-error"' in with_categories.text
    at_a_shop = await post_form(client, "/vouchers/programmes/new", {**goods, "points": str(grants.shop.id)})
    assert at_a_shop.status_code == 422 and 'id="points-error"' in at_a_shop.text
    assert await count(app, Programme, Programme.code == "ZIMA") == 0
    saved = await post_form(client, "/vouchers/programmes/new", goods)
    assert saved.status_code == 303
    async with db_session(app) as session:
        programme = await session.scalar(select(Programme).where(Programme.code == "ZIMA"))
    assert programme.kind == "goods" and programme.amount is None and programme.categories == []


async def test_a_programme_with_vouchers_keeps_its_kind(app, client, people, aid, grants):
    await granted(app, grants.household.id, aid.poor.id)
    await login(client, "coordinator")
    refused = await post_form(
        client,
        f"/vouchers/programmes/{grants.household.id}/edit",
        {
            **BASE,
            "kind": "goods",
            "code": "ZC-ZYW",
            "amount": "",
            "categories": [],
            "goods-0": f"item:{aid.oil.id}",
            "quantity-0": "1",
        },
    )
    assert refused.status_code == 422 and 'id="kind-error"' in refused.text
    async with db_session(app) as session:
        assert (await session.get(Programme, grants.household.id)).is_value


# --- granting ------------------------------------------------------------------------------------------------


def grant_form(programme: Any, household: Any, **changes: Any) -> dict[str, Any]:
    return {
        "programme": str(programme.id),
        "household": str(household.id),
        "number": "OPS.8230.5.2026",
        "decided_on": (local_today() - timedelta(days=1)).isoformat(),
        "legal_basis": "art39",
        "purpose": "food",
        "purpose_note": "żywność dla trojga",
        **changes,
    }


async def test_a_grant_per_household_with_its_decision_shown_on_the_household_page(app, client, people, aid, grants):
    await login(client, "caseworker")
    page = await client.get(f"/households/{aid.poor.id}")
    assert page.status_code == 200 and "Zasiłek celowy — żywność" in page.text
    assert 'action="/vouchers/grant"' in page.text and 'name="legal_basis"' in page.text
    issued = await post_form(client, "/vouchers/grant", grant_form(grants.household, aid.poor))
    assert issued.status_code == 303
    async with db_session(app) as session:
        voucher = await session.scalar(select(Voucher).where(Voucher.programme_id == grants.household.id))
        grant = await session.scalar(select(GrantDecision))
    assert issued.headers["location"] == f"/vouchers/{voucher.id}"
    assert voucher.amount == Decimal("300.00") and voucher.spent == Decimal("0.00") and voucher.lines == []
    assert voucher.household_size == 3 and voucher.holder == "Anna K." and voucher.status == "issued"
    assert (grant.voucher_id, grant.household_id, grant.decided_by) == (voucher.id, aid.poor.id, "caseworker")
    assert (grant.number, grant.legal_basis, grant.purpose) == ("OPS.8230.5.2026", "art39", "food")
    assert grant.decided_on == local_today() - timedelta(days=1) and grant.purpose_note == "żywność dla trojga"
    household = (await client.get(f"/households/{aid.poor.id}")).text
    assert "OPS.8230.5.2026" in household and "300,00" in household and "caseworker" in household
    twice = await post_form(client, "/vouchers/grant", grant_form(grants.household, aid.poor, number="OPS/2"))
    assert twice.status_code == 422
    assert await count(app, Voucher) == 1 and await count(app, GrantDecision) == 1


async def test_per_person_the_amount_is_times_the_household_size(app, client, people, aid, grants):
    await login(client, "caseworker")
    issued = await post_form(client, "/vouchers/grant", grant_form(grants.person, aid.poor))
    assert issued.status_code == 303
    async with db_session(app) as session:
        voucher = await session.scalar(select(Voucher))
    assert voucher.amount == Decimal("300.00")  # 100 zł × 3 people
    # The decision rule: the grant's own decision is the eligibility — no separate one needed.
    assert await count(app, GrantDecision, GrantDecision.voucher_id == voucher.id) == 1


async def test_a_set_amount_up_to_the_maximum(app, client, people, aid, grants):
    await login(client, "caseworker")
    missing = await post_form(client, "/vouchers/grant", grant_form(grants.set, aid.poor, purpose="fuel"))
    assert missing.status_code == 422 and f'id="g-{grants.set.id}-amount-error"' in missing.text
    over = await post_form(client, "/vouchers/grant", grant_form(grants.set, aid.poor, purpose="fuel", amount="500,01"))
    assert over.status_code == 422 and f'id="g-{grants.set.id}-amount-error"' in over.text
    assert 'value="500,01"' in over.text  # the form keeps what was typed
    assert await count(app, Voucher) == 0 and await count(app, GrantDecision) == 0
    issued = await post_form(
        client, "/vouchers/grant", grant_form(grants.set, aid.poor, purpose="fuel", amount="412,37")
    )
    assert issued.status_code == 303
    async with db_session(app) as session:
        voucher = await session.scalar(select(Voucher))
        grant = await session.scalar(select(GrantDecision))
    assert voucher.amount == Decimal("412.37") and grant.purpose == "fuel"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": ""}, "number"),
        ({"number": "N" * 41}, "number"),
        ({"decided_on": ""}, "decided_on"),
        ({"decided_on": (local_today() + timedelta(days=1)).isoformat()}, "decided_on"),  # in the future
        ({"decided_on": "2001-01-01"}, "decided_on"),  # absurdly old
        ({"decided_on": "31.12.2026"}, "decided_on"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "art99"}, "legal_basis"),
        ({"purpose": "fuel"}, "purpose"),  # not one of the programme's categories
        ({"purpose": ""}, "purpose"),
        ({"purpose_note": "x" * 301}, "purpose_note"),
    ],
)
async def test_the_decision_is_required_and_checked(app, client, people, aid, grants, changes, field):
    await login(client, "caseworker")
    refused = await post_form(client, "/vouchers/grant", grant_form(grants.household, aid.poor, **changes))
    assert refused.status_code == 422
    assert f'id="g-{grants.household.id}-{field}-error"' in refused.text
    assert await count(app, Voucher) == 0 and await count(app, GrantDecision) == 0


async def test_a_refused_grant_leaves_no_voucher_and_no_decision(app, client, people, aid, grants):
    await login(client, "caseworker")
    rich = await post_form(client, "/vouchers/grant", grant_form(grants.household, aid.rich))  # income too high
    assert rich.status_code == 422 and f'id="g-{grants.household.id}-programme-error"' in rich.text
    goods = await post_form(client, "/vouchers/grant", grant_form(aid.food, aid.poor))  # a goods programme
    assert goods.status_code == 422
    assert await count(app, Voucher) == 0 and await count(app, GrantDecision) == 0
    async with db_session(app) as session:
        with pytest.raises(DomainError) as refused:
            await VoucherService(session, ADMIN).grant(grants.set.id, aid.poor.id, decision(amount=Decimal("600")))
        assert refused.value.field == "amount"
        await session.commit()
    assert await count(app, Voucher) == 0 and await count(app, GrantDecision) == 0
    # The goods flow never makes a value voucher, and refuses a value programme (its grant needs a decision).
    plain = await post_form(
        client, "/vouchers/issue", {"programme": str(grants.household.id), "household": str(aid.poor.id)}
    )
    assert plain.status_code == 303 and plain.headers["location"] == f"/households/{aid.poor.id}"
    assert await count(app, Voucher) == 0
    goods_voucher = await post_form(
        client, "/vouchers/issue", {"programme": str(aid.food.id), "household": str(aid.poor.id)}
    )
    assert goods_voucher.status_code == 303
    async with db_session(app) as session:
        voucher = await session.scalar(select(Voucher))
    assert voucher.amount is None and voucher.lines and await count(app, GrantDecision) == 0


async def test_no_batch_of_grants(app, client, people, aid, grants):
    await login(client, "coordinator")
    preview = await client.get(f"/vouchers/programmes/{grants.household.id}/batch")
    assert preview.status_code == 200 and 'id="cycle-error"' in preview.text
    refused = await post_form(client, f"/vouchers/programmes/{grants.household.id}/batch", {"cycle": "once"})
    assert refused.status_code == 303
    async with db_session(app) as session:
        with pytest.raises(DomainError):
            await VoucherService(session, ADMIN).issue_batch(grants.household.id)
    assert await count(app, Voucher) == 0 and await count(app, GrantDecision) == 0


# --- the voucher's page, the export, revoke and reissue ---------------------------------------------------------


async def test_the_voucher_page_shows_the_balance_the_decision_and_the_spends(app, client, people, aid, grants):
    voucher = await granted(app, grants.household.id, aid.poor.id)
    await spent(app, voucher, grants.shop.id, ("45.90", "food"), ("20.00", "hygiene"), ("10.00", "food"), undone=2)
    await login(client, "caseworker")
    page = await client.get(f"/vouchers/{voucher.id}")
    assert page.status_code == 200
    assert "300,00" in page.text and "234,10" in page.text  # the amount; 300 − 45,90 − 20,00
    assert "OPS.8230.17.2026" in page.text and "zakup żywności dla rodziny" in page.text
    assert "Sklep Groszek" in page.text and "ul. Polna 3" in page.text
    spends = page.text.split('id="spends"')[1].split("</table>")[0]
    assert spends.count("<tr>") == 4 and "45,90" in spends and "Sklep Groszek" in spends  # header + three
    async with db_session(app) as session:
        assert (await session.get(Voucher, voucher.id)).balance == Decimal("234.10")


async def test_the_rodo_export_has_the_decisions_and_the_spends(app, client, people, aid, grants):
    voucher = await granted(app, grants.household.id, aid.poor.id)
    await spent(app, voucher, grants.shop.id, ("45.90", "food"), ("5.00", "hygiene"), undone=1)
    async with db_session(app) as session:
        jan = await session.scalar(select(Person).where(Person.given_name == "Jan"))
    await login(client, "caseworker")
    [exported] = (await client.get(f"/people/{jan.id}/export.json")).json()["vouchers"]
    assert (exported["amount"], exported["spent"], exported["balance"]) == ("300.00", "45.90", "254.10")
    grant = exported["grant_decision"]
    assert (grant["number"], grant["legal_basis"], grant["purpose"]) == ("OPS.8230.17.2026", "art39", "food")
    assert (
        grant["decided_on"] == (local_today() - timedelta(days=2)).isoformat() and grant["decided_by"] == ADMIN.username
    )
    assert (grant["amount"], grant["spent"]) == ("300.00", "45.90")
    assert [(s["shop"], s["amount"], s["category"], s["undone"]) for s in exported["spends"]] == [
        ("Sklep Groszek", "45.90", "food", False),
        ("Sklep Groszek", "5.00", "hygiene", True),
    ]


async def test_revoke_and_reissue_carry_the_balance_and_the_decision(app, client, people, aid, grants):
    voucher = await granted(app, grants.household.id, aid.poor.id)
    await spent(app, voucher, grants.shop.id, ("120.00", "food"))
    await login(client, "caseworker")
    reissued = await post_form(client, f"/vouchers/{voucher.id}/reissue", {"reason": "zgubiony"})
    assert reissued.status_code == 303
    async with db_session(app) as session:
        old = await session.get(Voucher, voucher.id)
        new = await session.scalar(select(Voucher).where(Voucher.replaces_id == voucher.id))
        decisions = {d.voucher_id: d for d in await session.scalars(select(GrantDecision))}
    assert old.status == "revoked" and new.status == "issued"
    assert new.amount == Decimal("180.00") and new.spent == Decimal("0.00") and new.lines == []
    assert decisions[new.id].number == decisions[old.id].number and decisions[new.id].decided_by == ADMIN.username
    revoked = await post_form(client, f"/vouchers/{new.id}/revoke", {"reason": "rezygnacja"})
    assert revoked.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Voucher, new.id)).status == "revoked"
    assert await count(app, GrantDecision) == 2


async def test_a_decision_rule_grant_needs_no_eligibility_decision(app, aid, grants):
    """Under the decision rule the household panel offers the grant straight away (its decision is the grant's)."""
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        verdict = await service.verdict(grants.person, aid.unknown, local_today())
        assert verdict.eligible
        voucher = await service.grant(grants.person.id, aid.unknown.id, decision())
        assert voucher.amount == Decimal("200.00")  # two people
