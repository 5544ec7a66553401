"""Spending value vouchers at a partner shop's till: the service, the API and the scan page — partial spends,
every refusal with its reason, a goods voucher at a shop and a value voucher at a point, shops kept apart, till
tokens, undo (5 minutes, a coordinator later, never in a closed month), retries — the answer and the database."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from logistics import codes
from logistics.accounts.services import AccountService, UserInput
from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import NotFound
from logistics.core.i18n import local_today
from logistics.sites.models import Site, SiteKindRow
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import CODE_BITS, VoucherService
from logistics.vouchers.models import (
    Programme,
    ProgrammeCategory,
    ProgrammePoint,
    SettlementMonth,
    Spend,
    Voucher,
)
from logistics.vouchers.offline import ManifestService
from logistics.vouchers.redeeming import RedemptionService, Refusal
from logistics.vouchers.settlement import month_of
from logistics.vouchers.spending import SpendService

from ..conftest import PASSWORD, login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN

COORDINATOR = Actor(user_id=None, username="koordynatorka", role="coordinator", sees_all_sites=True)
HTMX = {"hx-request": "true"}


@dataclass
class Till:
    shop: Any  # Sklep „Społem”: the programme's shop; the cashier "kasjer" works here
    other_shop: Any  # Sklep „Pod Lipą”: not the programme's; "kasjerka2" works here
    programme: Any  # ZC: 100 zł per household, food and hygiene, at `shop` only
    voucher: Any  # 100.00 zł, Anna K.
    goods: Any  # a goods voucher (FEPZ) of the same household


def cashier(till: Till, name: str = "kasjer", shop: Any = None) -> Actor:
    return Actor(user_id=None, username=name, role="shop", site_ids=frozenset({(shop or till.shop).id}))


def _shop(name: str) -> Site:
    return Site(name=name, address=f"ul. Handlowa {len(name)}", kind_rows=[SiteKindRow(kind="shop")])


async def value_voucher(app: Any, till: Till, amount: str = "100.00", **values: Any) -> Voucher:
    """Another value voucher of the programme (no household: any number of them)."""
    async with db_session(app) as session:
        voucher = Voucher(
            code=codes.normalize(codes.generate(CODE_BITS)),
            programme_id=till.programme.id,
            household_id=None,
            cycle="once",
            valid_from=values.pop("valid_from", local_today()),
            valid_until=values.pop("valid_until", local_today() + timedelta(days=30)),
            household_size=1,
            holder=values.pop("holder", "Olena S."),
            amount=Decimal(amount),
            **values,
        )
        session.add(voucher)
        await session.commit()
        return voucher


@pytest.fixture(name="till")
async def till_fixture(app, people, aid) -> Till:
    async with db_session(app) as session:
        shop, other = _shop("Sklep „Społem”"), _shop("Sklep „Pod Lipą”")
        session.add_all([shop, other])
        await session.flush()
        accounts = AccountService(session, Actor.system("test"))
        for username, site in (("kasjer", shop), ("kasjer2", shop), ("kasjerka2", other)):
            await accounts.create_user(
                UserInput(
                    username=username, full_name=username.title(), role="shop", site_ids=[site.id], password=PASSWORD
                )
            )
        programme = Programme(
            code="ZC",
            name="Zasiłek celowy — żywność",
            cycle="one_off",
            rule="decision",
            kind="value",
            amount=Decimal("100.00"),
            amount_basis="household",
            category_rows=[ProgrammeCategory(category="food"), ProgrammeCategory(category="hygiene")],
            point_rows=[ProgrammePoint(site_id=shop.id)],
        )
        session.add(programme)
        await session.flush()
        voucher = Voucher(
            code=codes.normalize(codes.generate(CODE_BITS)),
            programme_id=programme.id,
            household_id=aid.poor.id,
            cycle="once",
            valid_from=local_today(),
            valid_until=local_today() + timedelta(days=30),
            household_size=3,
            holder="Anna K.",
            amount=Decimal("100.00"),
        )
        session.add(voucher)
        goods = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
        return Till(shop, other, programme, voucher, goods)


async def _stored(app, voucher) -> Voucher:
    async with db_session(app) as session:
        stored = await session.get(Voucher, voucher.id)
        assert stored is not None
        return stored


async def _spends(app) -> list[Spend]:
    async with db_session(app) as session:
        return list(await session.scalars(select(Spend).order_by(Spend.at)))


def _rid() -> str:
    return str(uuid.uuid4())


# --- the service ----------------------------------------------------------------------------------------------


async def test_partial_spends_leave_the_balance_and_the_last_one_spends_it_all(app, till):
    code = codes.format_code(till.voucher.code).lower()  # typed by hand
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        view = await service.look_up(code, till.shop.id)
        assert (view.holder, view.balance, view.status) == ("Anna K.", Decimal("100.00"), "issued")
        assert [code_ for code_, _label in view.categories] == ["food", "hygiene"]
        first = await service.spend(code, till.shop.id, "till-req-0001", Decimal("45.90"), "food")
        second = await service.spend(code, till.shop.id, "till-req-0002", Decimal("30"), "hygiene")
        await session.commit()
    assert first.created and first.view.balance == Decimal("54.10")
    assert second.view.balance == Decimal("24.10") and second.view.status == "issued"
    stored = await _stored(app, till.voucher)
    assert (stored.spent, stored.balance, stored.status) == (Decimal("75.90"), Decimal("24.10"), "issued")
    spends = await _spends(app)
    assert [(s.amount, s.category, s.user_name, s.shop_id) for s in spends] == [
        (Decimal("45.90"), "food", "kasjer", till.shop.id),
        (Decimal("30.00"), "hygiene", "kasjer", till.shop.id),
    ]
    assert {s.programme_id for s in spends} == {till.programme.id}
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        last = await service.spend(code, till.shop.id, "till-req-0003", Decimal("24.10"), "food")
        await session.commit()
    assert last.view.balance == 0 and last.view.status == "redeemed"
    stored = await _stored(app, till.voucher)
    assert (stored.spent, stored.status) == (Decimal("100.00"), "redeemed")
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        with pytest.raises(Refusal) as refused:
            await service.spend(code, till.shop.id, "till-req-0004", Decimal("0.01"), "food")
        assert (refused.value.error, refused.value.status_code) == ("already_spent", 409)
        with pytest.raises(Refusal) as looked:
            await service.look_up(code, till.shop.id)
        assert looked.value.error == "already_spent"
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action == "voucher.spend")))
        assert len(actions) == 3
    assert await count(app, Spend) == 3


@pytest.mark.parametrize(
    ("amount", "category", "error", "field"),
    [
        ("100.01", "food", "over_balance", "amount"),
        ("0", "food", "bad_amount", "amount"),
        ("-5", "food", "bad_amount", "amount"),
        ("1.234", "food", "bad_amount", "amount"),
        ("10", "fuel", "category_not_allowed", "category"),  # a category the programme does not allow
        ("10", "alcohol", "category_not_allowed", "category"),
    ],
)
async def test_a_refused_spend_says_why_and_changes_nothing(app, till, amount, category, error, field):
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        with pytest.raises(Refusal) as refused:
            await service.spend(till.voucher.code, till.shop.id, _rid(), Decimal(amount), category)
        await session.commit()
    assert (refused.value.error, refused.value.field, refused.value.status_code) == (error, field, 422)
    if error == "over_balance":
        assert refused.value.details["balance"] == "100.00" and "100,00" in refused.value.message
    if error == "category_not_allowed":
        assert refused.value.details["allowed"] == ["food", "hygiene"]
    stored = await _stored(app, till.voucher)
    assert (stored.spent, stored.status) == (Decimal("0.00"), "issued")
    assert await count(app, Spend) == 0


async def test_over_the_balance_after_a_partial_spend_names_what_is_left(app, till):
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        await service.spend(till.voucher.code, till.shop.id, _rid(), Decimal("70"), "food")
        with pytest.raises(Refusal) as refused:
            await service.spend(till.voucher.code, till.shop.id, _rid(), Decimal("30.01"), "food")
        await session.commit()
    assert refused.value.error == "over_balance" and refused.value.details["balance"] == "30.00"
    assert (await _stored(app, till.voucher)).spent == Decimal("70.00") and await count(app, Spend) == 1


async def test_revoked_expired_not_yet_valid_and_wrong_shop_are_refused(app, till):
    revoked = await value_voucher(app, till, status="revoked")
    expired = await value_voucher(app, till, valid_until=local_today() - timedelta(days=1))
    later = await value_voucher(app, till, valid_from=local_today() + timedelta(days=2))
    async with db_session(app) as session:
        service = SpendService(session, COORDINATOR)
        for voucher, error in ((revoked, "revoked"), (expired, "expired"), (later, "not_yet_valid")):
            with pytest.raises(Refusal) as refused:
                await service.spend(voucher.code, till.shop.id, _rid(), Decimal("1"), "food")
            assert refused.value.error == error
        with pytest.raises(Refusal) as elsewhere:  # the programme is valid at Społem only
            await service.spend(till.voucher.code, till.other_shop.id, _rid(), Decimal("1"), "food")
        assert elsewhere.value.error == "wrong_shop" and "Sklep „Społem”" in elsewhere.value.message
        with pytest.raises(Refusal) as unknown:
            await service.look_up("0000-0000-0000-0000-0", till.shop.id)
        assert unknown.value.error in {"malformed_code", "unknown_code"}
        await session.commit()
    assert await count(app, Spend) == 0


async def test_a_goods_voucher_at_a_shop_and_a_value_voucher_at_a_point_are_refused(app, aid, till):
    async with db_session(app) as session:
        with pytest.raises(Refusal) as goods:
            await SpendService(session, cashier(till)).spend(
                till.goods.code, till.shop.id, _rid(), Decimal("10"), "food"
            )
        assert (goods.value.error, goods.value.status_code) == ("not_a_value_voucher", 409)
        points = RedemptionService(session, ADMIN)
        with pytest.raises(Refusal) as looked:
            await points.look_up(till.voucher.code, aid.point.id)
        with pytest.raises(Refusal) as redeemed:
            await points.redeem(till.voucher.code, aid.point.id, _rid())
        with pytest.raises(Refusal) as offline:
            await points.redeem_offline(
                till.voucher.code, aid.point.id, _rid(), {aid.oil.id: Decimal(1)}, datetime.now(UTC)
            )
        manifest = await ManifestService(session, ADMIN).manifest(aid.point.id, None)
        await session.commit()
    for refusal in (looked, redeemed, offline):
        assert (refusal.value.error, refusal.value.status_code) == ("value_voucher", 409)
    assert "partner shops" in looked.value.message or "sklep" in looked.value.message.lower()
    # The point's offline list has the goods voucher, never the value voucher (neither here nor elsewhere).
    assert len(manifest.vouchers) == 1 and manifest.elsewhere == [] and "Zasiłek" not in manifest.programmes
    assert await count(app, Spend) == 0
    assert (await _stored(app, till.voucher)).spent == 0


async def test_shop_staff_cannot_spend_at_another_shop(app, client, till):
    async with db_session(app) as session:
        service = SpendService(session, cashier(till, "kasjerka2", till.other_shop))
        assert [shop.name for shop in await service.shops()] == ["Sklep „Pod Lipą”"]
        with pytest.raises(NotFound):
            await service.spend(till.voucher.code, till.shop.id, _rid(), Decimal("10"), "food")
        with pytest.raises(NotFound):
            await service.look_up(till.voucher.code, till.shop.id)
    await login(client, "kasjerka2")
    assert (await client.get(f"/scan/{till.shop.id}")).status_code == 404
    data = {"code": till.voucher.code, "request_id": _rid(), "amount": "10", "category": "food"}
    assert (await post_form(client, f"/scan/{till.shop.id}/spend", data)).status_code == 404
    api = await client.post("/api/v1/redemptions", json={**data, "point": str(till.shop.id), "amount": "10.00"})
    assert api.status_code == 404
    assert await count(app, Spend) == 0


# --- undo -----------------------------------------------------------------------------------------------------


async def _spent(app, till, actor, amount="40.00") -> Spend:
    async with db_session(app) as session:
        outcome = await SpendService(session, actor).spend(
            till.voucher.code, till.shop.id, _rid(), Decimal(amount), "food"
        )
        await session.commit()
        return outcome.spend


async def test_undo_within_five_minutes_by_the_cashier_later_by_a_coordinator(app, till):
    spend = await _spent(app, till, cashier(till), "100.00")
    assert (await _stored(app, till.voucher)).status == "redeemed"
    async with db_session(app) as session:
        other = SpendService(session, cashier(till, "kasjer2"))
        with pytest.raises(Refusal) as not_yours:
            await other.undo(spend.id)
        assert not_yours.value.error == "not_yours"
        late = datetime.now(UTC) + timedelta(minutes=6)
        with pytest.raises(Refusal) as too_late:
            await SpendService(session, cashier(till)).undo(spend.id, now=late)
        assert too_late.value.error == "too_late"
        await session.commit()
    assert (await _stored(app, till.voucher)).spent == Decimal("100.00")
    async with db_session(app) as session:
        undone = await SpendService(session, COORDINATOR).undo(spend.id, now=datetime.now(UTC) + timedelta(hours=3))
        await session.commit()
    assert undone.undone_at is not None and undone.undone_by == "koordynatorka"
    stored = await _stored(app, till.voucher)
    assert (stored.spent, stored.status) == (Decimal("0.00"), "issued")
    async with db_session(app) as session:
        with pytest.raises(Refusal) as twice:
            await SpendService(session, COORDINATOR).undo(spend.id)
        assert twice.value.error == "already_undone"
        await session.commit()
    assert (await _stored(app, till.voucher)).spent == 0
    # The cashier's own, at once.
    mine = await _spent(app, till, cashier(till), "12.50")
    async with db_session(app) as session:
        await SpendService(session, cashier(till)).undo(mine.id)
        await session.commit()
    assert (await _stored(app, till.voucher)).spent == 0
    async with db_session(app) as session:
        today = await SpendService(session, cashier(till)).today_spends(till.shop.id)
    assert (today.spends, today.total) == (0, Decimal("0.00"))


async def test_undo_in_a_closed_month_is_refused(app, till):
    spend = await _spent(app, till, cashier(till))
    async with db_session(app) as session:
        session.add(
            SettlementMonth(
                shop_id=till.shop.id,
                month=month_of(spend.at),
                closed_at=datetime.now(UTC),
                closed_by="koordynatorka",
                total=Decimal("40.00"),
                spends=1,
            )
        )
        await session.commit()
    async with db_session(app) as session:
        with pytest.raises(Refusal) as closed:
            await SpendService(session, COORDINATOR).undo(spend.id)
        await session.commit()
    assert (closed.value.error, closed.value.status_code) == ("month_closed", 409)
    assert (await _stored(app, till.voucher)).spent == Decimal("40.00")
    assert all(s.undone_at is None for s in await _spends(app))


async def test_undo_on_a_revoked_voucher_gives_the_amount_to_its_replacement_or_is_refused(app, till):
    """A lost voucher's balance went to its replacement: an undo on the old code gives the amount back there (the
    grant stays whole), and without a replacement (revoked only) it is refused — never put on a dead code."""
    spend = await _spent(app, till, cashier(till))
    other = await value_voucher(app, till)
    other_spend = await _spent_on(app, till, other, "30.00")
    async with db_session(app) as session:
        vouchers = VoucherService(session, ADMIN)
        replacement = await vouchers.reissue(till.voucher.id, "zgubiony")
        await vouchers.revoke(other.id, "unieważniony")
        await session.commit()
    assert replacement.amount == Decimal("60.00")
    async with db_session(app) as session:
        await SpendService(session, COORDINATOR).undo(spend.id)
        await session.commit()
    old, new = await _stored(app, till.voucher), await _stored(app, replacement)
    assert (old.spent, old.status) == (Decimal("0.00"), "revoked")
    assert (new.amount, new.spent, new.status) == (Decimal("100.00"), Decimal("0.00"), "issued")
    async with db_session(app) as session:
        with pytest.raises(Refusal) as revoked:
            await SpendService(session, COORDINATOR).undo(other_spend.id)
        await session.rollback()
    assert (revoked.value.error, revoked.value.status_code) == ("revoked", 409)
    assert (await _stored(app, other)).spent == Decimal("30.00")


async def _spent_on(app, till, voucher, amount) -> Spend:
    async with db_session(app) as session:
        outcome = await SpendService(session, cashier(till)).spend(
            voucher.code, till.shop.id, _rid(), Decimal(amount), "food"
        )
        await session.commit()
        return outcome.spend


async def test_a_retry_with_the_same_request_id_changes_nothing(app, till):
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        first = await service.spend(till.voucher.code, till.shop.id, "same-request-1", Decimal("45.90"), "food")
        await session.commit()
    async with db_session(app) as session:
        service = SpendService(session, cashier(till))
        again = await service.spend(till.voucher.code, till.shop.id, "same-request-1", Decimal("45.90"), "food")
        another = await value_voucher(app, till)
        with pytest.raises(Refusal) as reused:
            await service.spend(another.code, till.shop.id, "same-request-1", Decimal("5"), "food")
        await session.commit()
    assert not again.created and again.spend.id == first.spend.id
    assert again.view.balance == Decimal("54.10")
    assert reused.value.error == "request_id_reused"
    assert await count(app, Spend) == 1 and (await _stored(app, till.voucher)).spent == Decimal("45.90")
    assert (await _stored(app, another)).spent == 0


# --- the API --------------------------------------------------------------------------------------------------


async def _till_token(app, shop) -> str:
    async with db_session(app) as session:
        _device, token = await DeviceService(session, ADMIN).create(shop.id, "Kasa 1")
        await session.commit()
        return token


async def test_a_till_token_spends_at_its_shop_only(app, client, aid, till):
    token = await _till_token(app, till.shop)
    auth = {"authorization": f"Bearer {token}", "accept-language": "en"}
    code = codes.format_code(till.voucher.code)
    state = await client.get(f"/api/v1/vouchers/{code}?point={till.shop.id}", headers=auth)
    assert state.status_code == 200, state.text
    body = state.json()
    assert (body["holder"], body["balance"], body["amount"]) == ("Anna K.", "100.00", "100.00")
    assert [c["code"] for c in body["categories"]] == ["food", "hygiene"] and body["categories"][0]["label"] == "Food"
    request = {
        "code": code,
        "point": str(till.shop.id),
        "request_id": "till-api-0001",
        "amount": "45.90",
        "category": "food",
    }
    spent = await client.post("/api/v1/redemptions", json=request, headers=auth)
    assert spent.status_code == 201, spent.text
    answer = spent.json()
    assert (answer["amount"], answer["category"], answer["undone"]) == ("45.90", "food", False)
    assert answer["voucher"]["balance"] == "54.10" and answer["shop"] == str(till.shop.id)
    retry = await client.post("/api/v1/redemptions", json=request, headers=auth)
    assert retry.status_code == 200 and retry.json() == answer
    [stored] = await _spends(app)
    assert stored.device_id is not None and stored.user_name == "device:Kasa 1"
    # Another shop: not its shop (404); a distribution point: a till does not hand out goods (403).
    elsewhere = await client.get(f"/api/v1/vouchers/{code}?point={till.other_shop.id}", headers=auth)
    assert elsewhere.status_code == 404
    at_point = await client.post(
        "/api/v1/redemptions", json={**request, "point": str(aid.point.id), "request_id": "till-api-0002"}, headers=auth
    )
    assert at_point.status_code in {403, 404}
    goods_at_point = await client.get(f"/api/v1/vouchers/{till.goods.code}?point={aid.point.id}", headers=auth)
    assert goods_at_point.status_code == 403
    # The undo through the API, by the same till.
    undone = await client.post(f"/api/v1/spends/{answer['id']}/undo", headers=auth)
    assert undone.status_code == 200 and undone.json()["undone"] is True
    assert undone.json()["voucher"]["balance"] == "100.00"
    again = await client.post(f"/api/v1/spends/{answer['id']}/undo", headers=auth)
    assert again.status_code == 409 and again.json()["error"] == "already_undone"
    assert (await _stored(app, till.voucher)).spent == 0
    assert await count(app, Spend) == 1


@pytest.mark.parametrize(
    ("change", "status", "error", "field"),
    [
        ({"lines": []}, 422, "unknown_field", "lines"),
        ({"offline_at": "2026-12-02T10:15:00Z"}, 422, "unknown_field", "offline_at"),
        ({"amount": None}, 422, "missing_field", "amount"),
        ({"category": None}, 422, "missing_field", "category"),
        ({"amount": "45.901"}, 422, "invalid_field", "amount"),
        ({"amount": "45,90"}, 422, "invalid_field", "amount"),
        ({"amount": "0.00"}, 422, "bad_amount", "amount"),
        ({"amount": "100.01"}, 422, "over_balance", "amount"),
        ({"category": "fuel"}, 422, "category_not_allowed", "category"),
    ],
)
async def test_api_refusals_name_the_field(app, client, till, change, status, error, field):
    token = await _till_token(app, till.shop)
    auth = {"authorization": f"Bearer {token}", "accept-language": "en"}
    request: dict[str, Any] = {
        "code": till.voucher.code,
        "point": str(till.shop.id),
        "request_id": _rid(),
        "amount": "45.90",
        "category": "food",
    }
    request.update(change)
    request = {key: value for key, value in request.items() if value is not None}
    answer = await client.post("/api/v1/redemptions", json=request, headers=auth)
    assert answer.status_code == status, answer.text
    assert (answer.json()["error"], answer.json().get("field")) == (error, field)
    assert await count(app, Spend) == 0 and (await _stored(app, till.voucher)).spent == 0


async def test_api_a_goods_voucher_with_an_amount_is_not_a_value_voucher(app, client, till):
    await login(client, "kasjer")
    request = {
        "code": till.goods.code,
        "point": str(till.shop.id),
        "request_id": _rid(),
        "amount": "10.00",
        "category": "food",
    }
    answer = await client.post("/api/v1/redemptions", json=request, headers={"accept-language": "en"})
    assert answer.status_code == 409 and answer.json()["error"] == "not_a_value_voucher"
    looked = await client.get(f"/api/v1/vouchers/{till.goods.code}?point={till.shop.id}")
    assert looked.status_code == 409 and looked.json()["error"] == "not_a_value_voucher"
    assert await count(app, Spend) == 0


# --- the page -------------------------------------------------------------------------------------------------


def _request_id(page: str) -> str:
    found = re.search(r'name="request_id" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def test_the_till_page_scan_spend_refuse_and_undo(app, client, till):
    await login(client, "kasjer")
    home = await client.get("/")
    assert 'id="till-panel"' in home.text and 'href="/scan/"' in home.text  # the start panel and the nav link
    to_scan = await client.get("/scan", follow_redirects=False)
    assert to_scan.status_code == 303 and to_scan.headers["location"] == f"/scan/{till.shop.id}"
    page = await client.get(f"/scan/{till.shop.id}")
    assert page.status_code == 200 and 'data-offline="off"' in page.text and 'id="scan-code"' in page.text
    assert "/api/v1/points/" in page.text  # the attribute stays, unused: the script makes no offline decisions
    look = await post_form(client, f"/scan/{till.shop.id}/look", {"code": till.voucher.code}, headers=HTMX)
    assert look.status_code == 200 and 'data-outcome="ok"' in look.text
    assert "Anna K." in look.text and "Kowalska" not in look.text  # a first name and initial, nothing more
    assert "100,00 zł" in _plain(look.text) and 'name="amount"' in look.text
    assert '<option value="food"' in look.text and '<option value="fuel"' not in look.text
    request_id = _request_id(look.text)
    spend = {"code": till.voucher.code, "request_id": request_id, "amount": "45,90", "category": "food"}
    done = await post_form(client, f"/scan/{till.shop.id}/spend", spend, headers=HTMX)
    assert done.status_code == 200 and 'data-outcome="ok"' in done.text
    assert "45,90 zł" in _plain(done.text) and "54,10 zł" in _plain(done.text)
    assert re.search(r'<strong id="today-count" hx-swap-oob="true">1 · 45,90 zł</strong>', _plain(done.text))
    double_tap = await post_form(client, f"/scan/{till.shop.id}/spend", spend, headers=HTMX)
    assert 'data-outcome="ok"' in double_tap.text and await count(app, Spend) == 1
    # Over the balance: the reason next to the amount, the form again, nothing changed.
    look = await post_form(client, f"/scan/{till.shop.id}/look", {"code": till.voucher.code}, headers=HTMX)
    over = {"code": till.voucher.code, "request_id": _request_id(look.text), "amount": "60", "category": "food"}
    refused = await post_form(client, f"/scan/{till.shop.id}/spend", over, headers=HTMX)
    assert refused.status_code == 422 and 'id="amount-error"' in refused.text and "54,10 zł" in _plain(refused.text)
    assert 'name="amount"' in refused.text and 'value="60"' in refused.text
    badly_typed = {**over, "amount": "12,345", "request_id": _rid()}
    bad = await post_form(client, f"/scan/{till.shop.id}/spend", badly_typed, headers=HTMX)
    assert bad.status_code == 422 and 'id="amount-error"' in bad.text
    no_category = {**over, "amount": "5", "category": "", "request_id": _rid()}
    missing = await post_form(client, f"/scan/{till.shop.id}/spend", no_category, headers=HTMX)
    assert missing.status_code == 422 and 'id="category-error"' in missing.text
    wrong = {**over, "amount": "5", "category": "fuel", "request_id": _rid()}
    not_allowed = await post_form(client, f"/scan/{till.shop.id}/spend", wrong, headers=HTMX)
    assert not_allowed.status_code == 422 and 'id="category-error"' in not_allowed.text
    assert await count(app, Spend) == 1 and (await _stored(app, till.voucher)).spent == Decimal("45.90")
    # Undo the purchase.
    [stored] = await _spends(app)
    undo = await post_form(client, f"/scan/{till.shop.id}/spends/{stored.id}/undo", headers=HTMX)
    assert undo.status_code == 200 and 'data-outcome="undone"' in undo.text and "100,00 zł" in _plain(undo.text)
    assert (await _stored(app, till.voucher)).spent == 0
    home = await client.get("/")
    assert 'data-figure="spends"><dt>' in home.text


async def test_a_goods_voucher_on_the_till_page_and_a_coordinator_choosing_the_site(app, client, aid, till):
    await login(client, "kasjer")
    look = await post_form(client, f"/scan/{till.shop.id}/look", {"code": till.goods.code}, headers=HTMX)
    assert 'data-outcome="refused"' in look.text and 'name="amount"' not in look.text
    client.cookies.clear()
    await login(client, "coordinator")
    chooser = await client.get("/scan/")
    assert chooser.status_code == 200
    assert f'href="/scan/{till.shop.id}"' in chooser.text and f'href="/scan/{aid.point.id}"' in chooser.text
    at_point = await post_form(client, f"/scan/{aid.point.id}/look", {"code": till.voucher.code}, headers=HTMX)
    assert 'data-outcome="refused"' in at_point.text and 'name="amount"' not in at_point.text
    point_page = await client.get(f"/scan/{aid.point.id}")
    assert 'data-offline="off"' not in point_page.text  # a point still scans offline
    devices = await client.get("/vouchers/devices")
    assert f'value="{till.shop.id}"' in devices.text  # a till token can be made for a shop
    made = await post_form(client, "/vouchers/devices/", {"point": str(till.shop.id), "name": "Kasa 2"})
    assert made.status_code == 200 and "przystan_" in made.text
    client.cookies.clear()
    await login(client, "volunteer")
    assert (await client.get(f"/scan/{till.shop.id}")).status_code in {403, 404}


# --- found by review: request ids, contracts, a month closed while a purchase waits, tills by their token ---------


async def test_a_request_id_of_another_purchase_is_refused_not_answered_with_it(app, till):
    rid = _rid()
    async with db_session(app) as session:
        await SpendService(session, cashier(till)).spend(till.voucher.code, till.shop.id, rid, Decimal("40.00"), "food")
        await session.commit()
    for actor, shop, amount, category in (
        (cashier(till), till.shop, Decimal("10.00"), "food"),  # another amount
        (cashier(till), till.shop, Decimal("40.00"), "hygiene"),  # another category
        (cashier(till, "kasjerka2", till.other_shop), till.other_shop, Decimal("40.00"), "food"),  # another shop
    ):
        async with db_session(app) as session:
            with pytest.raises(Refusal) as reused:
                await SpendService(session, actor).spend(till.voucher.code, shop.id, rid, amount, category)
            await session.rollback()
        assert (reused.value.error, reused.value.status_code) == ("request_id_reused", 422)
    # the same purchase again is the first one, unchanged
    async with db_session(app) as session:
        again = await SpendService(session, cashier(till)).spend(
            till.voucher.code, till.shop.id, rid, Decimal("40.0"), "food"
        )
        await session.commit()
    assert again.created is False
    assert (await _stored(app, till.voucher)).spent == Decimal("40.00")
    assert len(await _spends(app)) == 1


@pytest.mark.parametrize(
    ("field", "offset", "error"),
    [("contract_until", -1, "contract_ended"), ("contract_from", 1, "contract_not_started")],
)
async def test_a_shop_outside_its_contract_takes_no_voucher(app, till, field, offset, error):
    async with db_session(app) as session:
        shop = await session.get(Site, till.shop.id)
        assert shop is not None
        setattr(shop, field, local_today() + timedelta(days=offset))
        await session.commit()
    async with db_session(app) as session:
        with pytest.raises(Refusal) as refused:
            await SpendService(session, cashier(till)).spend(
                till.voucher.code, till.shop.id, _rid(), Decimal("10.00"), "food"
            )
        await session.rollback()
    assert (refused.value.error, refused.value.status_code) == (error, 409)
    assert (await _stored(app, till.voucher)).spent == Decimal("0.00")
    assert await _spends(app) == []


async def test_no_purchase_in_a_month_already_closed(app, till):
    async with db_session(app) as session:
        session.add(
            SettlementMonth(
                shop_id=till.shop.id,
                month=month_of(datetime.now(UTC)),
                closed_at=datetime.now(UTC),
                closed_by="koordynatorka",
                total=Decimal("0.00"),
                spends=0,
            )
        )
        await session.commit()
    async with db_session(app) as session:
        with pytest.raises(Refusal) as closed:
            await SpendService(session, cashier(till)).spend(
                till.voucher.code, till.shop.id, _rid(), Decimal("10.00"), "food"
            )
        await session.rollback()
    assert (closed.value.error, closed.value.status_code) == ("month_closed", 409)
    assert (await _stored(app, till.voucher)).spent == Decimal("0.00")
    assert await _spends(app) == []


async def test_a_till_undoes_its_own_purchases_by_its_token_not_by_its_name(app, till):
    async with db_session(app) as session:
        devices = DeviceService(session, Actor.system("test"))
        first, _token = await devices.create(till.shop.id, "Kasa 1")
        second, _token = await devices.create(till.shop.id, "Kasa 1")  # the same name, another till
        await session.commit()
    till_actor = Actor(user_id=None, username="device:Kasa 1", role="shop", site_ids=frozenset({till.shop.id}))
    async with db_session(app) as session:
        outcome = await SpendService(session, till_actor, first.id).spend(
            till.voucher.code, till.shop.id, _rid(), Decimal("25.00"), "food"
        )
        await session.commit()
    async with db_session(app) as session:
        with pytest.raises(Refusal) as not_yours:
            await SpendService(session, till_actor, second.id).undo(outcome.spend.id)
        await session.rollback()
    assert not_yours.value.error == "not_yours"
    assert (await _stored(app, till.voucher)).spent == Decimal("25.00")
    async with db_session(app) as session:
        await SpendService(session, till_actor, first.id).undo(outcome.spend.id)
        await session.commit()
    assert (await _stored(app, till.voucher)).spent == Decimal("0.00")
