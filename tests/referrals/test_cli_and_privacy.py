"""`logistics referrals list --format csv`, and the RODO export, erasure and merge of a person's referrals."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from click.testing import CliRunner
from litestar.cli.main import litestar_group
from sqlalchemy import select, update

from logistics import codes
from logistics.referrals.models import Referral

from ..helpers import db_session, post_form
from .conftest import issue_direct, signed_in


def _run(monkeypatch, *args: str):
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    return CliRunner().invoke(litestar_group, list(args), catch_exceptions=False)


async def test_the_command_lists_referrals_as_csv_with_the_exact_columns(app, setup, monkeypatch, tmp_path):
    food = await issue_direct(app, setup)
    work = await issue_direct(app, setup, kind="work", service_id=setup.work.id, whole_household=False)
    async with db_session(app) as session:
        await session.execute(update(Referral).where(Referral.id == work.id).values(status="confirmed"))
        await session.commit()
    result = await asyncio.to_thread(_run, monkeypatch, "referrals", "list", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["code", "kind", "service", "status", "issued_on", "expected_by"]
    assert sorted(row[0] for row in rows[1:]) == sorted(codes.format_code(r.code) for r in (food, work))
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code[codes.format_code(food.code)][1:4] == [
        "food_aid",
        "Bank Żywności w Gliwicach — Pomoc żywnościowa FEPŻ",
        "open",
    ]
    out = tmp_path / "confirmed.csv"
    result = await asyncio.to_thread(
        _run, monkeypatch, "referrals", "list", "--status", "confirmed", "--format", "csv", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    confirmed = list(csv.reader(io.StringIO(out.read_text())))
    assert len(confirmed) == 2 and confirmed[1][0] == codes.format_code(work.code) and confirmed[1][3] == "confirmed"
    bad = CliRunner().invoke(litestar_group, ["referrals", "list", "--status", "lost"])
    assert bad.exit_code != 0


async def test_the_rodo_export_has_the_referrals_and_erasure_blanks_them(app, client, setup):
    referral = await issue_direct(app, setup)
    async with db_session(app) as session:
        await session.execute(
            update(Referral).where(Referral.id == referral.id).values(status="confirmed", confirmation_note="Była")
        )
        await session.commit()
    await signed_in(client, "caseworker")
    exported = await client.get(f"/people/{setup.mother.id}/export.json")
    assert exported.status_code == 200
    [part] = json.loads(exported.content)["referrals"]
    assert part["code"] == codes.format_code(referral.code) and part["kind"] == "food_aid"
    assert part["reason"] == "Trudna sytuacja materialna" and part["requested"] == "Paczki żywnościowe"
    assert part["note"] == "Była" and part["status"] == "confirmed" and "Bank Żywności" in part["service"]
    erased = await post_form(client, f"/people/{setup.mother.id}/erase", {"confirmation": "Kowalska"})
    assert erased.status_code in (200, 303), erased.text[-500:]
    async with db_session(app) as session:
        stored = (await session.scalars(select(Referral).where(Referral.id == referral.id))).one()
    assert (stored.holder, stored.reason, stored.requested, stored.confirmation_note, stored.cancelled_reason) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert (stored.kind, stored.status, stored.household_size, stored.service_id) == (
        "food_aid",
        "confirmed",
        3,
        setup.food.id,
    )


async def test_merging_moves_the_referrals(app, setup):
    from logistics.people.privacy import PROVIDERS

    referral = await issue_direct(app, setup, person_id=setup.alone.id, whole_household=False)
    async with db_session(app) as session:
        await PROVIDERS["referrals"].merge(session, setup.alone.id, setup.mother.id)
        await session.commit()
        stored = (await session.scalars(select(Referral).where(Referral.id == referral.id))).one()
    assert stored.person_id == setup.mother.id
