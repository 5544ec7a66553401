"""A point's manifest for scanning offline, through HTTP: only the point's vouchers, no code in clear, the hashes
as the contract computes them, incremental refreshes, who may have it — the response and the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from sqlalchemy import update

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.core.i18n import day_start, local_today
from logistics.settings import get_settings, load_settings
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Programme, ProgrammeLine, ProgrammePoint, Redemption, Voucher
from logistics.vouchers.offline import Manifest, ManifestService, refresh_since
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import login
from ..helpers import count, db_session
from .conftest import ADMIN, _household


def _hash(point_id, code: str) -> str:
    """The contract's formula, computed here on its own."""
    secret = get_settings().secret_key.encode("utf-8")
    key = hmac.new(secret, b"przystan-offline-manifest:" + point_id.bytes, hashlib.sha256).digest()
    digest = hmac.new(key, code.encode("ascii"), hashlib.sha256).digest()[:9]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _url(point) -> str:
    return f"/api/v1/points/{point.id}/manifest"


async def _age(app) -> None:
    """Every voucher made, changed and redeemed ten minutes ago: out of the overlap of the next refresh."""
    ago = datetime.now(UTC) - timedelta(minutes=10)
    async with db_session(app) as session:
        await session.execute(update(Voucher).values(created_at=ago, updated_at=ago))
        await session.execute(update(Redemption).values(at=ago))
        await session.commit()


async def _token(app, point) -> str:
    async with db_session(app) as session:
        _device, token = await DeviceService(session, ADMIN).create(point.id, "Tablet 1")
        await session.commit()
        return token


async def _vouchers(app, aid) -> dict[str, Voucher]:
    """The FEPŻ voucher of the poor household partly redeemed, its hygiene voucher fully redeemed, one valid only at
    Punkt 2, one revoked, one expired, one past its last day, one valid from tomorrow, one from next week."""
    async with db_session(app) as session:
        school = Programme(
            code="SZK",
            name="Wyprawka szkolna",
            cycle="one_off",
            rule="decision",
            valid_days=30,
            lines=[ProgrammeLine(position=0, item_id=aid.pasta.id, quantity=Decimal(2))],
            point_rows=[ProgrammePoint(site_id=aid.other_point.id)],
        )
        households = [_household(Decimal(600), (f"Osoba{n}", "Testowa")) for n in range(6)]
        session.add_all([school, *households])
        await session.flush()
        service = VoucherService(session, ADMIN)
        made = {"food": await service.issue(aid.food.id, aid.poor.id)}
        await service.decide(aid.hygiene.id, aid.poor.id, True, "bezdomność")
        made["hygiene"] = await service.issue(aid.hygiene.id, aid.poor.id)
        await service.decide(school.id, aid.poor.id, True, "szkoła")
        made["elsewhere"] = await service.issue(school.id, aid.poor.id)
        for name, household in zip(
            ("revoked", "expired", "past", "tomorrow", "next_week", "fresh"), households, strict=True
        ):
            made[name] = await service.issue(aid.food.id, household.id)
        await service.revoke(made["revoked"].id, "zgubiony")
        today = local_today()
        changes = {
            "expired": {"status": "expired"},
            "past": {"valid_until": today - timedelta(days=1)},
            "tomorrow": {"valid_from": today + timedelta(days=1)},
            "next_week": {"valid_from": today + timedelta(days=7)},
        }
        for name, values in changes.items():
            await session.execute(update(Voucher).where(Voucher.id == made[name].id).values(**values))
        redeeming = RedemptionService(session, ADMIN)
        await redeeming.redeem(made["food"].code, aid.point.id, "manifest-req-1", {aid.oil.id: Decimal(1)})
        await redeeming.redeem(made["hygiene"].code, aid.point.id, "manifest-req-2")
        await session.commit()
        return made


async def test_the_manifest_lists_the_points_vouchers_by_hash_and_no_code_in_clear(app, client, people, aid):
    made = await _vouchers(app, aid)
    await login(client, "wolontariusz")
    response = await client.get(_url(aid.point))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-encoding"] == "gzip" and response.headers["vary"] == "accept-encoding"
    plain = await client.get(_url(aid.point), headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json()["vouchers"] == response.json()["vouchers"]
    body = response.json()
    assert list(body) == [
        "version",
        "point",
        "point_name",
        "generated_at",
        "full",
        "today",
        "offline_hours",
        "key",
        "programmes",
        "goods",
        "vouchers",
        "revoked",
        "elsewhere",
    ]
    today = local_today()
    assert body["version"] == 1 and body["full"] is True
    assert (body["point"], body["point_name"]) == (str(aid.point.id), "Punkt 1")
    assert body["today"] == today.isoformat() and body["offline_hours"] == 8
    key = base64.urlsafe_b64decode(body["key"] + "=")
    assert (
        key
        == hmac.new(
            get_settings().secret_key.encode(), b"przystan-offline-manifest:" + aid.point.id.bytes, hashlib.sha256
        ).digest()
    )
    generated = datetime.fromisoformat(body["generated_at"])
    assert abs(datetime.now(UTC) - generated) < timedelta(minutes=1)
    # Only the programmes valid here (FEPŻ everywhere, hygiene at Punkt 1), not Punkt 2's.
    assert body["programmes"] == ["FEPŻ — paczka żywnościowa", "Zestaw higieniczny"]
    goods = {row[1]: row for row in body["goods"]}
    assert sorted(goods) == ["Makaron 500 g", "Olej 1 l", "Paczka A"]
    assert goods["Makaron 500 g"][0] == str(aid.pasta.id) and goods["Makaron 500 g"][3:] == [False, True]
    assert goods["Olej 1 l"][0] == str(aid.oil.id) and goods["Olej 1 l"][2:] == ["l", False, False]
    assert goods["Paczka A"][0] == str(aid.kit.id) and goods["Paczka A"][3:] == [True, True]
    index = {row[0]: n for n, row in enumerate(body["goods"])}
    kit, oil, pasta = index[str(aid.kit.id)], index[str(aid.oil.id)], index[str(aid.pasta.id)]
    rows = {row[0]: row for row in body["vouchers"]}
    h = {name: _hash(aid.point.id, voucher.code) for name, voucher in made.items()}
    food = made["food"]
    assert rows[h["food"]] == [
        h["food"],
        "Anna K.",
        3,
        0,
        (food.valid_from - today).days,  # days from the manifest's today
        (food.valid_until - today).days,
        "issued",
        [[kit, "1"], [oil, "2"]],
    ]
    # Fully redeemed: listed, with nothing remaining, so that the device refuses it offline.
    assert rows[h["hygiene"]][1:4] == ["Anna K.", 3, 1] and rows[h["hygiene"]][6:] == ["redeemed", [[pasta, "0"]]]
    assert set(rows) == {h["food"], h["hygiene"], h["tomorrow"], h["fresh"]}
    assert body["revoked"] == [h["revoked"]]
    assert body["elsewhere"] == [[h["elsewhere"], "Punkt 2"]]
    # No code in clear anywhere, neither as stored nor as printed.
    for voucher in made.values():
        assert voucher.code not in response.text and codes.format_code(voucher.code) not in response.text
    audited = AuditEntry.action == "point.manifest", AuditEntry.entity_id == str(aid.point.id)
    assert await count(app, AuditEntry, *audited) == 2  # each full manifest: this one and the plain one
    # The answer has the types its schema declares (each row an array of them, in this order).
    msgspec.json.decode(response.content, type=Manifest, strict=True)
    declared = app.openapi_schema.to_schema()["components"]["schemas"]["Manifest"]["properties"]
    assert [row["type"] for row in declared["vouchers"]["items"]["prefixItems"]][:4] == [
        "string",
        "string",
        "integer",
        "integer",
    ]


async def test_a_refresh_sends_only_the_vouchers_changed_since(app, client, people, aid):
    made = await _vouchers(app, aid)
    await _age(app)
    token = await _token(app, aid.point)
    auth = {"authorization": f"Bearer {token}"}
    full = (await client.get(_url(aid.point), headers=auth)).json()
    assert full["full"] is True and len(full["vouchers"]) == 4
    unchanged = await client.get(_url(aid.point), params={"since": full["generated_at"]}, headers=auth)
    assert unchanged.status_code == 200
    assert unchanged.json()["full"] is False
    assert (unchanged.json()["vouchers"], unchanged.json()["revoked"], unchanged.json()["elsewhere"]) == ([], [], [])
    fresh = made["fresh"]
    redeemed = await client.post(
        "/api/v1/redemptions",
        json={"code": fresh.code, "point": str(aid.point.id), "request_id": "manifest-req-3"},
        headers=auth,
    )
    assert redeemed.status_code == 201
    refresh = await client.get(_url(aid.point), params={"since": unchanged.json()["generated_at"]}, headers=auth)
    body = refresh.json()
    assert body["full"] is False and body["revoked"] == [] and body["elsewhere"] == []
    assert [row[0] for row in body["vouchers"]] == [_hash(aid.point.id, fresh.code)]
    assert body["vouchers"][0][6] == "redeemed" and [line[1] for line in body["vouchers"][0][7]] == ["0", "0"]
    # A revocation: the voucher comes in `revoked`, no longer in `vouchers`.
    async with db_session(app) as session:
        await VoucherService(session, ADMIN).revoke(made["tomorrow"].id, "zgubiony")
        await session.commit()
    later = (await client.get(_url(aid.point), params={"since": body["generated_at"]}, headers=auth)).json()
    assert later["full"] is False and later["revoked"] == [_hash(aid.point.id, made["tomorrow"].code)]
    assert [row[0] for row in later["vouchers"]] == [_hash(aid.point.id, fresh.code)]  # still within the overlap
    # Only the full manifest is audit-logged.
    assert await count(app, AuditEntry, AuditEntry.action == "point.manifest") == 1


async def test_an_unusable_since_gets_the_whole_manifest(app, client, people, aid):
    await _vouchers(app, aid)
    await _age(app)
    await login(client, "wolontariusz")
    now = datetime.now(UTC)
    for since in (
        "garbage",
        "2026-13-01T00:00:00+00:00",
        (now - timedelta(minutes=61)).isoformat(),
        (now + timedelta(minutes=5)).isoformat(),
        now.replace(tzinfo=None).isoformat(),
        "",
    ):
        body = (await client.get(_url(aid.point), params={"since": since})).json()
        assert body["full"] is True and len(body["vouchers"]) == 4, since
    assert await count(app, AuditEntry, AuditEntry.action == "point.manifest") == 6
    # A manifest of yesterday (in the organisation's time zone), even a minute old: the whole one.
    midnight = day_start(local_today())
    assert (
        refresh_since((midnight - timedelta(minutes=1)).isoformat(), midnight + timedelta(minutes=1), local_today())
        is None
    )
    at = midnight + timedelta(minutes=1)
    assert refresh_since(at.isoformat(), at + timedelta(minutes=5), local_today()) == at - timedelta(seconds=120)
    # Asked for another day than today: the whole manifest too.
    async with db_session(app) as session:
        manifest = await ManifestService(session, ADMIN).manifest(aid.point.id, None)
        tomorrow = await ManifestService(session, ADMIN).manifest(
            aid.point.id, manifest.generated_at.isoformat(), local_today() + timedelta(days=1)
        )
    assert tomorrow.full is True


async def test_only_the_points_own_callers_get_its_manifest(app, client, people, aid):
    await _vouchers(app, aid)
    own, other = await _token(app, aid.point), await _token(app, aid.other_point)
    assert (await client.get(_url(aid.point))).status_code == 401
    mine = await client.get(_url(aid.point), headers={"authorization": f"Bearer {own}"})
    assert mine.status_code == 200 and mine.json()["point"] == str(aid.point.id)
    theirs = await client.get(_url(aid.point), headers={"authorization": f"Bearer {other}"})
    assert theirs.status_code == 404 and theirs.json()["error"] == "404"
    bad = await client.get(_url(aid.point), headers={"authorization": "Bearer przystan_nope"})
    assert bad.status_code == 401
    await login(client, "wolontariusz")
    refused = await client.get(_url(aid.other_point))
    assert refused.status_code == 404 and "vouchers" not in refused.json()
    client.cookies.clear()
    await login(client, "caseworker")
    assert (await client.get(_url(aid.point))).status_code == 403
    # Punkt 2's manifest (for its device): its own programme, Punkt 1's hygiene vouchers elsewhere.
    body = (await client.get(_url(aid.other_point), headers={"authorization": f"Bearer {other}"})).json()
    assert body["programmes"] == ["FEPŻ — paczka żywnościowa", "Wyprawka szkolna"]
    assert [row[1] for row in body["elsewhere"]] == ["Punkt 1"]
    assert body["key"] != mine.json()["key"]
    assert await count(app, AuditEntry, AuditEntry.action == "point.manifest") == 2  # the two that were answered


def test_the_offline_hours_setting(monkeypatch):
    monkeypatch.setenv("LOGISTICS_OFFLINE_HOURS", "12")
    assert load_settings().offline_hours == 12
    for bad in ("0", "73", "abc", "-1", "1.5"):
        monkeypatch.setenv("LOGISTICS_OFFLINE_HOURS", bad)
        with pytest.raises(ValueError, match="LOGISTICS_OFFLINE_HOURS"):
            load_settings()
