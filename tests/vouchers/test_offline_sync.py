"""Offline redemptions synced through the API (`offline_at`): recorded at the scan's time with the stock issued as
of then, at most once per request id, and — when the voucher could not give it at that moment — recorded as a
conflict (never refused: the goods have left), with the over-redeemed part kept apart from the voucher's lines;
the conflicts for coordinators (page, reconciliation, voucher page, CLI) and resolving one with a note."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from litestar.cli.main import litestar_group
from sqlalchemy import func, select

from logistics.audit.models import AuditEntry
from logistics.core.errors import DomainError
from logistics.core.i18n import day_start, local_today
from logistics.inventory.ledger import LedgerService, verify
from logistics.inventory.models import Balance, Movement
from logistics.vouchers.conflicts import ConflictService
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Redemption, RedemptionLine, Voucher
from logistics.vouchers.reconciliation import reconcile
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN


async def _voucher(app, aid, programme=None) -> Voucher:
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        if programme is not None and programme.id == aid.hygiene.id:
            await service.decide(aid.hygiene.id, aid.poor.id, True, "decyzja")
        voucher = await service.issue((programme or aid.food).id, aid.poor.id)
        await session.commit()
        return voucher


async def _device(app, aid, name="Tablet 1") -> tuple[uuid.UUID, dict[str, str]]:
    async with db_session(app) as session:
        device, token = await DeviceService(session, ADMIN).create(aid.point.id, name)
        await session.commit()
    return device.id, {"authorization": f"Bearer {token}", "accept-language": "en"}


async def _stock(app, aid, item) -> Decimal:
    async with db_session(app) as session:
        total = await session.scalar(
            select(func.sum(Balance.quantity)).where(Balance.location_id == aid.point.id, Balance.item_id == item.id)
        )
    return Decimal(total or 0)


def _ago(minutes: int) -> datetime:
    """A scan `minutes` ago, but today (the vouchers are valid from today: just after midnight, one 40 minutes
    ago would be yesterday's, before they were valid)."""
    return max(datetime.now(UTC) - timedelta(minutes=minutes), day_start(local_today()) + timedelta(seconds=1))


def _body(aid, voucher, request_id: str, at: datetime, kit="1", oil="3") -> dict:
    lines = [{"item": str(aid.kit.id), "quantity": kit}, {"item": str(aid.oil.id), "quantity": oil}]
    return {
        "code": voucher.code,
        "point": str(aid.point.id),
        "request_id": request_id,
        "lines": [line for line in lines if line["quantity"] != "0"],
        "offline_at": at.isoformat(),
    }


async def _state(app, voucher) -> tuple[str, list[Decimal], list[tuple[str, list[tuple[Decimal, Decimal]]]]]:
    """The voucher's status and lines' redeemed, and each redemption's conflict with (quantity, over) per line."""
    async with db_session(app) as session:
        stored = await session.get(Voucher, voucher.id)
        redemptions = list(
            await session.scalars(select(Redemption).where(Redemption.voucher_id == voucher.id).order_by(Redemption.at))
        )
        return (
            stored.status,
            [line.redeemed for line in stored.lines],
            [(r.conflict, [(line.quantity, line.over_quantity) for line in r.lines]) for r in redemptions],
        )


async def test_an_offline_redemption_is_recorded_at_the_scans_time_once(app, client, people, aid):
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    scanned = _ago(40).replace(microsecond=0)
    body = _body(aid, voucher, "offline-0001", scanned)
    created = await client.post("/api/v1/redemptions", json=body, headers=auth)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["offline"] is True and out["conflict"] is None
    assert datetime.fromisoformat(out["at"]) == scanned
    assert out["voucher"]["status"] == "redeemed"
    again = await client.post("/api/v1/redemptions", json=body, headers=auth)
    assert again.status_code == 200 and again.json() == out  # a retry: the first result, nothing changed
    async with db_session(app) as session:
        redemption = await session.scalar(select(Redemption))
        assert redemption.at == scanned and redemption.offline_received_at is not None
        assert redemption.offline_received_at > scanned and redemption.conflict == ""
        movement = await session.get(Movement, redemption.movement_id)
        assert movement.at == scanned  # the stock left the shelves at the scan, not at the sync
        assert await verify(session) == []
    assert await count(app, Redemption) == 1
    assert await _stock(app, aid, aid.oil) == 36 and await _stock(app, aid, aid.pasta) == 38


async def test_an_online_redemption_then_the_offline_one_is_a_conflict_that_the_ledger_agrees_with(
    app, client, people, aid
):
    """Redeemed online at the point while a tablet was offline; the tablet's hand-out of the same voucher arrives
    later: recorded as a conflict, every line over-redeemed, the stock issued for both, the reconciliation
    agreeing and listing the conflict."""
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    await login(client, "wolontariusz")
    online = {"code": voucher.code, "point": str(aid.point.id), "request_id": "online-000001"}
    assert (await client.post("/api/v1/redemptions", json=online)).status_code == 201
    client.cookies.clear()
    scanned = _ago(10)
    synced = await client.post("/api/v1/redemptions", json=_body(aid, voucher, "offline-0002", scanned), headers=auth)
    assert synced.status_code == 201, synced.text
    assert synced.json()["conflict"] == "already_redeemed" and synced.json()["offline"] is True
    assert [line["quantity"] for line in synced.json()["lines"]] == ["1", "3"]
    status, redeemed, redemptions = await _state(app, voucher)
    assert status == "redeemed" and redeemed == [1, 3]  # never past the entitlement
    assert sorted(redemptions) == [("", [(1, 0), (3, 0)]), ("already_redeemed", [(1, 1), (3, 3)])]
    assert await _stock(app, aid, aid.oil) == 32 and await _stock(app, aid, aid.pasta) == 36  # both left
    async with db_session(app) as session:
        assert await verify(session) == []
        report = await reconcile(session, aid.point.id, local_today())
    assert report.agrees and report.redemptions == 2
    assert {row.item: row.from_vouchers for row in report.items} == {"Makaron 500 g": 4, "Olej 1 l": 8}
    assert [len(conflict.hand_outs) for conflict in report.conflicts] == [2]


async def test_a_partly_redeemed_voucher_gives_what_remains_and_the_rest_is_over(app, client, people, aid):
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    now = datetime.now(UTC)
    first = await client.post(
        "/api/v1/redemptions", json=_body(aid, voucher, "offline-a-001", now, kit="0", oil="2"), headers=auth
    )
    assert first.status_code == 201 and first.json()["conflict"] is None
    second = await client.post(
        "/api/v1/redemptions", json=_body(aid, voucher, "offline-b-001", now, kit="1", oil="3"), headers=auth
    )
    assert second.status_code == 201 and second.json()["conflict"] == "over_remaining"
    _status, redeemed, redemptions = await _state(app, voucher)
    assert redeemed == [1, 3]
    assert sorted(redemptions) == [("", [(2, 0)]), ("over_remaining", [(1, 0), (3, 2)])]
    assert await _stock(app, aid, aid.oil) == 40 - 2 - 1 - 3


async def test_revoked_expired_and_wrong_point_meanwhile_are_conflicts(app, client, people, aid):
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    async with db_session(app) as session:
        await VoucherService(session, ADMIN).revoke(voucher.id, "zgubiony")
        await session.commit()
    revoked = await client.post(
        "/api/v1/redemptions", json=_body(aid, voucher, "revoked-00001", datetime.now(UTC)), headers=auth
    )
    assert revoked.status_code == 201 and revoked.json()["conflict"] == "revoked"
    status, redeemed, _redemptions = await _state(app, voucher)
    assert status == "revoked" and redeemed == [1, 3]
    assert await _stock(app, aid, aid.oil) == 36  # the goods left: the ledger says so
    # Scanned yesterday, after the voucher's last day: expired at that moment.
    hygiene = await _voucher(app, aid, aid.hygiene)
    async with db_session(app) as session:
        stored = await session.get(Voucher, hygiene.id)
        stored.valid_from = local_today() - timedelta(days=10)
        stored.valid_until = local_today() - timedelta(days=2)
        await session.commit()
    body = {
        "code": hygiene.code,
        "point": str(aid.point.id),
        "request_id": "expired-00001",
        "lines": [{"item": str(aid.pasta.id), "quantity": "4"}],
        "offline_at": (datetime.now(UTC) - timedelta(hours=20)).isoformat(),
    }
    expired = await client.post("/api/v1/redemptions", json=body, headers=auth)
    assert expired.status_code == 201 and expired.json()["conflict"] == "expired"


async def test_not_enough_stock_is_a_conflict_that_issues_what_the_ledger_has(app, client, people, aid):
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    async with db_session(app) as session:
        await LedgerService(session, ADMIN).issue(aid.point.id, [(aid.oil.id, Decimal(39))], source="kuchnia")
        await session.commit()
    synced = await client.post(
        "/api/v1/redemptions", json=_body(aid, voucher, "short-000001", datetime.now(UTC)), headers=auth
    )
    assert synced.status_code == 201, synced.text
    assert synced.json()["conflict"] == "not_enough_stock"
    async with db_session(app) as session:
        redemption = await session.scalar(select(Redemption))
        assert redemption.movement_id is not None and redemption.conflict == "not_enough_stock"
        assert [line.over_quantity for line in redemption.lines] == [0, 0]  # the voucher had it; the ledger not
        assert await verify(session) == []
        report = await reconcile(session, aid.point.id, local_today())
    assert not report.agrees  # the vouchers say more left than the ledger: a coordinator counts the shelves
    # The kit's 2 pasta and the one oil the ledger had are issued (the kit's oil and 3 l wanted, 1 there).
    assert await _stock(app, aid, aid.oil) == 0 and await _stock(app, aid, aid.pasta) == 38
    _status, redeemed, _redemptions = await _state(app, voucher)
    assert redeemed == [1, 3]


async def test_a_device_clock_ahead_and_a_queue_sent_days_later_are_recorded_as_conflicts(app, client, people, aid):
    first, second = await _voucher(app, aid), await _voucher(app, aid, aid.hygiene)
    _device_id, auth = await _device(app, aid)
    now = datetime.now(UTC)
    ahead = await client.post(
        "/api/v1/redemptions", json=_body(aid, first, "ahead-000001", now + timedelta(hours=2)), headers=auth
    )
    assert ahead.status_code == 201 and ahead.json()["conflict"] == "clock", ahead.text
    assert abs(datetime.fromisoformat(ahead.json()["at"]) - now) < timedelta(minutes=1)  # as of its arrival
    late_at = now - timedelta(hours=8 + 24, minutes=1)
    hygiene = [{"item": str(aid.pasta.id), "quantity": "1"}]
    body = {**_body(aid, second, "late-0000001", late_at), "lines": hygiene}
    late = await client.post("/api/v1/redemptions", json=body, headers=auth)
    assert late.status_code == 201 and late.json()["conflict"] in {"late", "not_yet_valid"}, late.text
    async with db_session(app) as session:
        movements = {m.id: m for m in await session.scalars(select(Movement))}
        for redemption in await session.scalars(select(Redemption)):
            assert redemption.movement_id in movements
            assert movements[redemption.movement_id].at == redemption.at


async def test_refusals_change_nothing(app, client, people, aid):
    voucher = await _voucher(app, aid)
    device_id, auth = await _device(app, aid)
    now = datetime.now(UTC)
    naive = {**_body(aid, voucher, "bad-at-00002", now), "offline_at": "2026-12-01T10:00:00"}
    bad = await client.post("/api/v1/redemptions", json=naive, headers=auth)
    assert bad.status_code == 422 and bad.json()["error"] == "bad_offline_at"
    garbage = {**_body(aid, voucher, "bad-at-00003", now), "offline_at": "yesterday"}
    bad = await client.post("/api/v1/redemptions", json=garbage, headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "offline_at"
    unknown = {**_body(aid, voucher, "unknown-0001", now), "code": "0" * 16 + "0"}
    assert (await client.post("/api/v1/redemptions", json=unknown, headers=auth)).status_code in {404, 422}
    malformed = {**_body(aid, voucher, "malformed-01", now), "code": "ABCD"}
    refused = await client.post("/api/v1/redemptions", json=malformed, headers=auth)
    assert refused.status_code == 422 and refused.json()["error"] == "malformed_code"
    no_lines = {**_body(aid, voucher, "no-lines-001", now), "lines": None}
    refused = await client.post("/api/v1/redemptions", json=no_lines, headers=auth)
    assert refused.status_code == 422 and refused.json()["error"] == "nothing_to_hand_out"
    # More than the voucher ever entitled to (3 people: 3 l of oil) is no hand-out the page could have decided.
    beyond = await client.post(
        "/api/v1/redemptions", json=_body(aid, voucher, "beyond-00001", now, oil="4"), headers=auth
    )
    assert beyond.status_code == 422 and beyond.json()["error"] == "over_remaining", beyond.text
    elsewhere = {**_body(aid, voucher, "elsewhere-01", now), "point": str(aid.other_point.id)}
    assert (await client.post("/api/v1/redemptions", json=elsewhere, headers=auth)).status_code == 404
    async with db_session(app) as session:
        await DeviceService(session, ADMIN).revoke(device_id)
        await session.commit()
    revoked = await client.post("/api/v1/redemptions", json=_body(aid, voucher, "revoked-dev-1", now), headers=auth)
    assert revoked.status_code == 401  # the page keeps its queue and says so
    assert await count(app, Redemption) == 0
    assert await _stock(app, aid, aid.oil) == 40
    _status, redeemed, _redemptions = await _state(app, voucher)
    assert redeemed == [0, 0]


async def test_undoing_an_over_redeemed_hand_out_gives_back_only_what_it_counted(app, client, people, aid):
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    now = datetime.now(UTC)
    await client.post("/api/v1/redemptions", json=_body(aid, voucher, "undo-a-00001", now), headers=auth)
    second = await client.post("/api/v1/redemptions", json=_body(aid, voucher, "undo-b-00001", now), headers=auth)
    assert second.json()["conflict"] == "already_redeemed"
    async with db_session(app) as session:
        await RedemptionService(session, ADMIN).undo(uuid.UUID(second.json()["id"]))
        await session.commit()
    _status, redeemed, _redemptions = await _state(app, voucher)
    assert redeemed == [1, 3]  # the first hand-out still counts in full
    assert await _stock(app, aid, aid.oil) == 36


async def test_the_other_hand_out_of_a_voucher_in_conflict_is_not_undone_before_the_conflict(app, client, people, aid):
    """Undoing the first hand-out while the offline one is over the voucher would make the voucher redeemable again
    with those goods out: refused, changing nothing, until the conflict is resolved."""
    voucher, conflict_id = await _conflict(app, client, aid)
    async with db_session(app) as session:
        first = await session.scalar(select(Redemption.id).where(Redemption.conflict == ""))
        with pytest.raises(DomainError, match="niewyjaśnionym konfliktem offline"):  # Polish: the default
            await RedemptionService(session, ADMIN).undo(first)
        await session.rollback()
    _status, redeemed, _redemptions = await _state(app, voucher)
    assert redeemed == [1, 3] and await _stock(app, aid, aid.oil) == 32
    async with db_session(app) as session:
        await ConflictService(session, ADMIN).resolve(uuid.UUID(conflict_id), "Rodzina oddała drugą paczkę.")
        await RedemptionService(session, ADMIN).undo(first)
        await session.commit()
    _status, redeemed, _redemptions = await _state(app, voucher)
    assert redeemed == [0, 0] and await _stock(app, aid, aid.oil) == 36


async def _conflict(app, client, aid) -> tuple[Voucher, str]:
    voucher = await _voucher(app, aid)
    _device_id, auth = await _device(app, aid)
    now = datetime.now(UTC)
    await client.post("/api/v1/redemptions", json=_body(aid, voucher, "conflict-a-01", now), headers=auth)
    second = await client.post("/api/v1/redemptions", json=_body(aid, voucher, "conflict-b-01", now), headers=auth)
    assert second.json()["conflict"] == "already_redeemed"
    return voucher, second.json()["id"]


async def test_coordinators_see_and_resolve_a_conflict_once_with_a_note(app, client, people, aid):
    voucher, conflict_id = await _conflict(app, client, aid)
    await login(client, "coordinator")
    page = await client.get("/vouchers/conflicts")
    assert page.status_code == 200
    assert "Tablet 1" in page.text and "Punkt 1" in page.text and "Anna K." in page.text
    assert "Kowalska" not in page.text
    assert page.text.count('class="conflict-redemption') == 2  # both hand-outs of the voucher
    assert 'id="conflicts-panel"' in (await client.get("/")).text  # the start page says one waits
    url = f"/vouchers/conflicts/{conflict_id}/resolve"
    empty = await post_form(client, url, {"note": "  "}, headers={"hx-request": "true"})
    assert empty.status_code == 422 and f'id="note-{conflict_id}-error"' in empty.text
    assert await count(app, Redemption, Redemption.conflict_resolved_at.is_not(None)) == 0
    done = await post_form(client, url, {"note": "Rodzina dostała dwie paczki; wyjaśnione."})
    assert done.status_code == 303
    again = await post_form(client, url, {"note": "Jeszcze raz"})
    assert again.status_code == 303  # back to the list, with the refusal as its message; nothing changed
    assert await count(app, AuditEntry, AuditEntry.action == "voucher.conflict_resolved") == 1
    async with db_session(app) as session:
        resolved = await session.get(Redemption, uuid.UUID(conflict_id))
        assert resolved.conflict_note == "Rodzina dostała dwie paczki; wyjaśnione."
        assert resolved.conflict_resolved_by == "coordinator" and resolved.conflict_resolved_at is not None
    assert 'id="conflicts-panel"' not in (await client.get("/")).text
    unresolved = await client.get("/vouchers/conflicts")
    assert 'class="conflict-redemption' not in unresolved.text
    everything = await client.get("/vouchers/conflicts?all=1")
    assert "wyjaśnione" in everything.text
    voucher_page = await client.get(f"/vouchers/{voucher.id}")
    assert voucher_page.status_code == 200 and 'id="over-redeemed"' in voucher_page.text
    reconciliation = await client.get(f"/vouchers/reconciliation?point={aid.point.id}")
    assert reconciliation.status_code == 200 and 'id="conflicts"' in reconciliation.text


async def test_the_conflicts_page_filters_and_refuses_volunteers(app, client, people, aid):
    _voucher, _conflict_id = await _conflict(app, client, aid)
    await login(client, "coordinator")
    other = await client.get(f"/vouchers/conflicts?point={aid.other_point.id}")
    assert other.status_code == 200 and 'class="conflict-redemption' not in other.text
    later = await client.get(f"/vouchers/conflicts?from={local_today() + timedelta(days=1)}")
    assert later.status_code == 422 or 'class="conflict-redemption' not in later.text
    bad = await client.get("/vouchers/conflicts?from=yesterday")
    assert bad.status_code == 422 and 'id="from-error"' in bad.text
    client.cookies.clear()
    await login(client, "wolontariusz")
    assert (await client.get("/vouchers/conflicts")).status_code == 403


def _run(monkeypatch, *args: str):
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    return CliRunner().invoke(litestar_group, list(args), catch_exceptions=False)


async def test_the_conflicts_command_lists_them_as_csv(app, client, people, aid, monkeypatch, tmp_path):
    _voucher, conflict_id = await _conflict(app, client, aid)
    output = tmp_path / "conflicts.csv"
    result = await asyncio.to_thread(
        _run, monkeypatch, "vouchers", "conflicts", "--format", "csv", "--output", str(output)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert {row["redemption"] for row in rows if row["conflict"]} == {conflict_id}  # one row per line handed out
    assert {row["holder"] for row in rows} == {"Anna K."}
    assert all("Kowalska" not in value for row in rows for value in row.values())
    assert len(rows) == 4 and {row["offline"] for row in rows} == {"yes"}  # both hand-outs, two lines each
    assert re.fullmatch(r"[0-9A-Z-]+", rows[0]["code"])
    assert sum(Decimal(row["over"] or 0) for row in rows) == 4
    async with db_session(app) as session:
        assert await session.scalar(select(func.count()).select_from(RedemptionLine)) == 4
