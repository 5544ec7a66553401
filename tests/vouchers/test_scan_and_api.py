"""The scan page and the scanning API through HTTP: results, refusals, partial redemptions, idempotent retries,
device tokens — the response and the database."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from logistics import codes
from logistics.accounts.models import WebSession
from logistics.accounts.services import AccountService, UserInput
from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import Forbidden
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Balance, Item
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import DeviceToken, Redemption, Voucher
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import PASSWORD, login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN


async def _voucher(app, aid) -> Voucher:
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
        return voucher


async def _oil(app, aid) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == aid.point.id, Balance.item_id == aid.oil.id)
        )
    return Decimal(total or 0)


async def _token(app, aid, point=None) -> str:
    async with db_session(app) as session:
        _device, token = await DeviceService(session, ADMIN).create((point or aid.point).id, "Tablet 1")
        await session.commit()
        return token


async def test_scan_look_confirm_and_the_second_scan_is_refused(app, client, people, aid):
    voucher = await _voucher(app, aid)
    await login(client, "wolontariusz")
    to_scan = await client.get("/scan", follow_redirects=False)
    assert to_scan.status_code == 303 and to_scan.headers["location"] == f"/scan/{aid.point.id}"  # the one point
    page = await client.get(f"/scan/{aid.point.id}")
    assert page.status_code == 200 and 'id="scan-code"' in page.text
    htmx = {"hx-request": "true"}
    look = await post_form(client, f"/scan/{aid.point.id}/look", {"code": voucher.code}, headers=htmx)
    assert look.status_code == 200
    assert 'data-outcome="ok"' in look.text and "Anna K." in look.text
    assert "Kowalska" not in look.text  # a first name and initial, nothing more
    request_id = re.search(r'name="request_id" value="([^"]+)"', look.text).group(1)
    confirm = {"code": voucher.code, "request_id": request_id, f"qty-{aid.kit.id}": "1", f"qty-{aid.oil.id}": "3"}
    done = await post_form(client, f"/scan/{aid.point.id}/redeem", confirm, headers=htmx)
    assert done.status_code == 200 and 'data-outcome="ok"' in done.text
    assert '<strong id="today-count" hx-swap-oob="true">1</strong>' in done.text
    double_tap = await post_form(client, f"/scan/{aid.point.id}/redeem", confirm, headers=htmx)
    # The first result again, green (not "already redeemed", which the voucher now is).
    assert double_tap.status_code == 200 and 'data-outcome="ok"' in double_tap.text
    assert _verdict(double_tap) == "✓ Wydano. Następna osoba." and "Punkt 1" not in double_tap.text
    assert await count(app, Redemption) == 1
    assert await _oil(app, aid) == 36
    again = await post_form(client, f"/scan/{aid.point.id}/look", {"code": voucher.code}, headers=htmx)
    assert 'data-outcome="refused"' in again.text
    assert "Punkt 1" in again.text


async def test_partial_redemption_and_bad_quantities_on_the_page(app, client, people, aid):
    voucher = await _voucher(app, aid)
    await login(client, "wolontariusz")
    url = f"/scan/{aid.point.id}/redeem"
    base = {"code": voucher.code, f"qty-{aid.kit.id}": "0"}
    negative = await post_form(client, url, {**base, "request_id": str(uuid.uuid4()), f"qty-{aid.oil.id}": "-1"})
    assert negative.status_code == 422
    too_many = await post_form(client, url, {**base, "request_id": str(uuid.uuid4()), f"qty-{aid.oil.id}": "4"})
    assert too_many.status_code == 422 and f'id="qty-{aid.oil.id}-error"' in too_many.text  # next to the field
    assert await count(app, Redemption) == 0
    partial = await post_form(client, url, {**base, "request_id": str(uuid.uuid4()), f"qty-{aid.oil.id}": "1"})
    assert 'data-outcome="ok"' in partial.text
    async with db_session(app) as session:
        stored = await session.get(Voucher, voucher.id)
        assert [line.redeemed for line in stored.lines] == [0, 1]
        assert stored.status == "issued"


async def test_not_enough_stock_on_the_page_keeps_the_voucher_whole_to_lower_and_confirm(app, client, people, aid):
    """The refusal shows what is missing and the form again with every line still remaining (nothing was
    redeemed); a lower quantity then goes through."""
    voucher = await _voucher(app, aid)
    async with db_session(app) as session:  # 2 litres of oil left at the point; the voucher wants 1 (kit) + 3
        await LedgerService(session, ADMIN).issue(aid.point.id, [(aid.oil.id, Decimal(38))], source="kuchnia")
        await session.commit()
    await login(client, "wolontariusz")
    url = f"/scan/{aid.point.id}/redeem"
    everything = {"code": voucher.code, f"qty-{aid.kit.id}": "1", f"qty-{aid.oil.id}": "3"}
    short = await post_form(client, url, {**everything, "request_id": str(uuid.uuid4())})
    assert short.status_code == 200 and 'data-outcome="refused"' in short.text and "Olej 1 l" in short.text
    assert f'name="qty-{aid.kit.id}"' in short.text and f'name="qty-{aid.oil.id}"' in short.text
    assert await count(app, Redemption) == 0
    async with db_session(app) as session:
        assert [line.redeemed for line in (await session.get(Voucher, voucher.id)).lines] == [0, 0]
    lower = await post_form(client, url, {**everything, f"qty-{aid.oil.id}": "1", "request_id": str(uuid.uuid4())})
    assert 'data-outcome="ok"' in lower.text
    assert await _oil(app, aid) == 0


async def test_a_volunteer_scans_only_at_their_point(app, client, people, aid):
    await _voucher(app, aid)
    await login(client, "wolontariusz")
    assert (await client.get(f"/scan/{aid.other_point.id}")).status_code == 404
    client.cookies.clear()
    await login(client, "caseworker")
    assert (await client.get(f"/scan/{aid.point.id}")).status_code == 403


async def test_api_with_a_device_token(app, client, people, aid):
    voucher = await _voucher(app, aid)
    token = await _token(app, aid)
    auth = {"authorization": f"Bearer {token}", "accept-language": "en"}
    state = await client.get(f"/api/v1/vouchers/{codes.format_code(voucher.code)}?point={aid.point.id}", headers=auth)
    assert state.status_code == 200
    body = state.json()
    assert body["holder"] == "Anna K." and [line["remaining"] for line in body["lines"]] == ["1", "3"]
    request = {
        "code": voucher.code,
        "point": str(aid.point.id),
        "request_id": "device-req-0001",
        "lines": [{"item": str(aid.oil.id), "quantity": "2"}],
    }
    created = await client.post("/api/v1/redemptions", json=request, headers=auth)
    assert created.status_code == 201
    repeat = await client.post("/api/v1/redemptions", json=request, headers=auth)
    assert repeat.status_code == 200 and repeat.json() == created.json()
    over = await client.post("/api/v1/redemptions", json={**request, "request_id": "device-req-0002"}, headers=auth)
    assert over.status_code == 422 and over.json()["error"] == "over_remaining"
    assert over.json()["message"].startswith("More than remains")  # the language asked for
    rest = await client.post(
        "/api/v1/redemptions",
        json={"code": voucher.code, "point": str(aid.point.id), "request_id": "device-req-0003"},
        headers=auth,
    )
    assert rest.status_code == 201 and rest.json()["voucher"]["status"] == "redeemed"
    done = await client.post(
        "/api/v1/redemptions",
        json={"code": voucher.code, "point": str(aid.point.id), "request_id": "device-req-0004"},
        headers=auth,
    )
    assert done.status_code == 409 and done.json()["error"] == "already_redeemed"
    async with db_session(app) as session:
        assert (await session.scalar(select(Redemption.user_name))) == "device:Tablet 1"
    assert await count(app, Redemption) == 2
    assert await _oil(app, aid) == 36
    assert await count(app, AuditEntry, AuditEntry.action == "voucher.scan") == 1  # the look-up is logged
    # A device brings its credentials with each request: no server-side session is read, stored or sent.
    assert all("przystan_session" not in r.headers.get("set-cookie", "") for r in (state, created, rest, done))
    assert await count(app, WebSession) == 0
    # The coordinators' list of devices shows when each last redeemed a voucher.
    async with db_session(app) as session:
        listed = await DeviceService(session, ADMIN).list()
        last_redemption = await session.scalar(select(func.max(Redemption.at)))
    assert [(device.name, last) for device, _point, last in listed] == [("Tablet 1", last_redemption)]
    await login(client, "coordinator")
    row = re.search(r"<tr><td>Tablet 1</td>.*?</tr>", (await client.get("/vouchers/devices")).text, re.S).group(0)
    assert "—" not in row


async def test_api_refusals_and_authentication(app, client, people, aid):
    voucher = await _voucher(app, aid)
    token = await _token(app, aid)
    auth = {"authorization": f"Bearer {token}"}
    point = str(aid.point.id)
    assert (await client.get(f"/api/v1/vouchers/{voucher.code}?point={point}")).status_code == 401
    bad = await client.get(f"/api/v1/vouchers/{voucher.code}?point={point}", headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "401"
    malformed = await client.get(f"/api/v1/vouchers/ABCD-EFGH?point={point}", headers=auth)
    assert malformed.status_code == 422 and malformed.json()["error"] == "malformed_code"
    unknown = await client.get(f"/api/v1/vouchers/{codes.generate()}?point={point}", headers=auth)
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_code"
    elsewhere = await client.get(f"/api/v1/vouchers/{voucher.code}?point={aid.other_point.id}", headers=auth)
    assert elsewhere.status_code == 404  # the device belongs to Punkt 1
    async with db_session(app) as session:
        await VoucherService(session, ADMIN).revoke(voucher.id, "zgubiony")
        await session.commit()
    revoked = await client.post(
        "/api/v1/redemptions", json={"code": voucher.code, "point": point, "request_id": "revoked-0001"}, headers=auth
    )
    assert revoked.status_code == 410 and revoked.json()["error"] == "revoked"
    garbage = await client.post("/api/v1/redemptions", json={"code": 5}, headers=auth)
    assert garbage.status_code == 422 and garbage.json()["field"] == "code"
    assert await count(app, Redemption) == 0


async def test_a_revoked_device_token_stops_working(app, client, people, aid):
    voucher = await _voucher(app, aid)
    async with db_session(app) as session:
        device, token = await DeviceService(session, ADMIN).create(aid.point.id, "Telefon")
        await session.commit()
        await DeviceService(session, ADMIN).revoke(device.id)
        await session.commit()
    response = await client.get(
        f"/api/v1/vouchers/{voucher.code}?point={aid.point.id}", headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


async def test_api_with_the_volunteers_session_and_concurrent_duplicates(app, client, people, aid):
    voucher = await _voucher(app, aid)
    await login(client, "wolontariusz")
    body = {"code": voucher.code, "point": str(aid.point.id), "request_id": "session-req-01"}
    responses = await asyncio.gather(*(client.post("/api/v1/redemptions", json=body) for _ in range(3)))
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    others = await asyncio.gather(
        *(client.post("/api/v1/redemptions", json={**body, "request_id": f"other-req-{n:03}"}) for n in range(3))
    )
    assert [r.status_code for r in others] == [409, 409, 409]
    assert await count(app, Redemption) == 1
    assert await _oil(app, aid) == 36


async def test_two_taps_at_once_on_the_page_redeem_once_and_both_show_the_hand_out(app, client, people, aid):
    """The same confirmation twice at the same moment (a double tap with the first answer not back yet): whichever
    comes second — before or after the first committed — shows the first result, green."""
    voucher = await _voucher(app, aid)
    await login(client, "wolontariusz")
    confirm = {
        "code": voucher.code,
        "request_id": str(uuid.uuid4()),
        f"qty-{aid.kit.id}": "1",
        f"qty-{aid.oil.id}": "3",
    }
    url = f"/scan/{aid.point.id}/redeem"
    taps = await asyncio.gather(*(post_form(client, url, confirm, headers={"hx-request": "true"}) for _ in range(2)))
    assert [tap.status_code for tap in taps] == [200, 200]
    assert [_verdict(tap) for tap in taps] == ["✓ Wydano. Następna osoba."] * 2
    assert await count(app, Redemption) == 1
    assert await _oil(app, aid) == 36


async def _user(app, username: str, role: str, *sites) -> None:
    async with db_session(app) as session:
        await AccountService(session, Actor.system("test")).create_user(
            UserInput(
                username=username, full_name=username, role=role, site_ids=[s.id for s in sites], password=PASSWORD
            )
        )
        await session.commit()


async def _hand_out(client, aid, voucher) -> str:
    """Redeem the whole voucher on the scan page; the id of the redemption to undo."""
    confirm = {
        "code": voucher.code,
        "request_id": str(uuid.uuid4()),
        f"qty-{aid.kit.id}": "1",
        f"qty-{aid.oil.id}": "3",
    }
    done = await post_form(client, f"/scan/{aid.point.id}/redeem", confirm)
    assert 'data-outcome="ok"' in done.text
    return re.search(r'/undo/([0-9a-f-]+)"', done.text).group(1)


def _verdict(response) -> str:
    return re.search(r'<p class="verdict">(.*?)</p>', response.text, re.S).group(1).strip()


async def test_a_refused_undo_on_the_scan_page_shows_why(app, client, people, aid):
    """Another volunteer's hand-out, a hand-out more than five minutes ago, one already undone: the page says
    so (200, the refusal in the result) and nothing changes; a coordinator may undo it later."""
    voucher = await _voucher(app, aid)
    await _user(app, "inny", "volunteer", aid.point)
    await login(client, "wolontariusz")
    redemption_id = await _hand_out(client, aid, voucher)
    undo = f"/scan/{aid.point.id}/undo/{redemption_id}"
    client.cookies.clear()
    await login(client, "inny")
    other = await post_form(client, undo, headers={"hx-request": "true"})
    assert other.status_code == 200 and 'data-outcome="refused"' in other.text
    assert _verdict(other) == "✗ Cofnąć może tylko osoba, która wydała, albo koordynator."
    async with db_session(app) as session:
        redemption = await session.get(Redemption, uuid.UUID(redemption_id))
        redemption.at -= timedelta(minutes=6)
        await session.commit()
    client.cookies.clear()
    await login(client, "wolontariusz")
    late = await post_form(client, undo)
    assert late.status_code == 200 and _verdict(late).startswith("✗ Za późno na cofnięcie")
    assert await count(app, Redemption, Redemption.undone_at.is_not(None)) == 0
    assert await _oil(app, aid) == 36
    client.cookies.clear()
    await login(client, "coordinator")
    done = await post_form(client, undo)
    assert done.status_code == 200 and 'data-outcome="ok"' in done.text
    again = await post_form(client, undo)
    assert again.status_code == 200 and _verdict(again) == "✗ To wydanie zostało już cofnięte."
    assert await count(app, Redemption, Redemption.undone_at.is_not(None)) == 1
    assert await _oil(app, aid) == 40
    elsewhere = await post_form(client, f"/scan/{aid.point.id}/undo/{uuid.uuid4()}")
    assert elsewhere.status_code == 404


async def test_site_limited_roles_act_only_at_their_own_points(app, client, people, aid):
    """A warehouse worker and a volunteer of Punkt 1: scanning, redeeming (page and API), undoing and the
    reconciliation at Punkt 2 are refused, and nothing is written."""
    voucher = await _voucher(app, aid)
    await _user(app, "magazynier", "warehouse", aid.point)
    for username in ("magazynier", "wolontariusz"):
        client.cookies.clear()
        await login(client, username)
        other = aid.other_point.id
        assert (await client.get(f"/scan/{other}")).status_code == 404
        look = await post_form(client, f"/scan/{other}/look", {"code": voucher.code})
        assert look.status_code == 404
        redeem = {"code": voucher.code, "request_id": str(uuid.uuid4()), f"qty-{aid.oil.id}": "1"}
        assert (await post_form(client, f"/scan/{other}/redeem", redeem)).status_code == 404
        api = {"code": voucher.code, "point": str(other), "request_id": f"elsewhere-{username}"}
        refused = await client.post("/api/v1/redemptions", json=api)
        assert refused.status_code == 404, refused.text
        assert (await client.get(f"/vouchers/reconciliation?point={other}")).status_code == 403
        assert (await client.get(f"/scan/{aid.point.id}")).status_code == 200
    assert await count(app, Redemption) == 0
    assert await count(app, AuditEntry, AuditEntry.action == "voucher.scan") == 0
    # A redemption at Punkt 2 (by a coordinator) cannot be undone by Punkt 1's volunteer.
    async with db_session(app) as session:
        await LedgerService(session, ADMIN).receive(
            aid.other_point.id, "Bank Żywności", [ReceiptLine(aid.oil.id, Decimal(10))]
        )
        outcome = await RedemptionService(session, ADMIN).redeem(
            voucher.code, aid.other_point.id, "elsewhere-01", {aid.oil.id: Decimal(1)}
        )
        await session.commit()
    assert (await post_form(client, f"/scan/{aid.point.id}/undo/{outcome.redemption.id}")).status_code == 404
    assert await count(app, Redemption, Redemption.undone_at.is_not(None)) == 0


async def test_devices_are_managed_only_for_ones_own_points(app, aid):
    """The rule holds for a coordinator limited to some sites, should one ever be (none is today)."""
    limited = Actor(user_id=None, username="k", role="coordinator", site_ids=frozenset({aid.point.id}))
    async with db_session(app) as session:
        own, _token = await DeviceService(session, ADMIN).create(aid.point.id, "Tablet 1")
        other, _token = await DeviceService(session, ADMIN).create(aid.other_point.id, "Tablet 2")
        await session.commit()
        service = DeviceService(session, limited)
        with pytest.raises(Forbidden):
            await service.create(aid.other_point.id, "Tablet 3")
        with pytest.raises(Forbidden):
            await service.revoke(other.id)
        assert [device.name for device, _point, _last in await service.list()] == ["Tablet 1"]
        assert [point.name for point in await service.points()] == ["Punkt 1"]
        await service.revoke(own.id)
        await session.commit()
    async with db_session(app) as session:
        devices = {device.name: device.revoked_at for device in await session.scalars(select(DeviceToken))}
    assert devices["Tablet 1"] is not None and devices["Tablet 2"] is None and len(devices) == 2


async def test_a_confirmation_replayed_after_its_undo_says_it_was_undone(app, client, people, aid):
    """The old confirmation sent again after "Undo" hands out nothing and says so — neither a success nor
    "already redeemed"; a partly redeemed voucher's replay (more than now remains) shows the first result."""
    voucher = await _voucher(app, aid)
    await login(client, "wolontariusz")
    htmx = {"hx-request": "true"}
    url = f"/scan/{aid.point.id}/redeem"
    partly = {"code": voucher.code, "request_id": str(uuid.uuid4()), f"qty-{aid.kit.id}": "0", f"qty-{aid.oil.id}": "2"}
    first = await post_form(client, url, partly, headers=htmx)
    assert 'data-outcome="ok"' in first.text
    retry = await post_form(client, url, partly, headers=htmx)  # 2 > the 1 litre that now remains: still the first
    assert retry.status_code == 200 and 'data-outcome="ok"' in retry.text and "qty-" not in retry.text
    redemption_id = re.search(r'/undo/([0-9a-f-]{36})"', first.text).group(1)
    undone = await post_form(client, f"/scan/{aid.point.id}/undo/{redemption_id}", headers=htmx)
    assert 'data-outcome="ok"' in undone.text
    replay = await post_form(client, url, partly, headers=htmx)
    assert replay.status_code == 200 and 'data-outcome="undone"' in replay.text
    assert _verdict(replay).startswith("↺ To potwierdzenie zostało cofnięte")
    assert "/undo/" not in replay.text
    assert await count(app, Redemption) == 1
    assert await count(app, Redemption, Redemption.undone_at.is_not(None)) == 1
    assert await _oil(app, aid) == 40
    async with db_session(app) as session:
        assert [line.redeemed for line in (await session.get(Voucher, voucher.id)).lines] == [0, 0]


async def test_the_scan_page_names_goods_in_the_volunteers_language(app, client, people, aid):
    async with db_session(app) as session:
        oil = await session.get(Item, aid.oil.id)
        oil.name_uk = "Олія 1 л"
        await session.commit()
    voucher = await _voucher(app, aid)
    await login(client, "wolontariusz")
    client.cookies.set("lang", "uk")
    htmx = {"hx-request": "true"}
    look = await post_form(client, f"/scan/{aid.point.id}/look", {"code": voucher.code}, headers=htmx)
    assert look.status_code == 200 and 'data-outcome="ok"' in look.text
    assert "Олія 1 л" in look.text and "Olej 1 l" not in look.text
    assert "Paczka A" in look.text  # a kit without a Ukrainian name keeps its Polish one
