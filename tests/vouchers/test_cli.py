"""`logistics vouchers issue|list` and `logistics devices create` on a real database."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from litestar.cli.main import litestar_group
from sqlalchemy import select

from logistics.db import make_alchemy_config
from logistics.vouchers.devices import token_hash
from logistics.vouchers.models import DeviceToken, Voucher

from ..helpers import count
from .conftest import NEXT_CYCLE, NEXT_FIRST, NEXT_LAST


def _run(monkeypatch, *args: str):
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    return CliRunner().invoke(litestar_group, list(args), catch_exceptions=False)


async def test_issue_all_eligible_as_csv_then_again_issues_nothing(app, aid, monkeypatch, tmp_path):
    out = tmp_path / "vouchers.csv"
    result = await asyncio.to_thread(
        _run,
        monkeypatch,
        "vouchers",
        "issue",
        "--programme",
        "fepz",
        "--cycle",
        NEXT_CYCLE,
        "--all-eligible",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "code,household_id,programme,valid_from,valid_until"
    assert len(lines) == 2 and f",{aid.poor.id},FEPZ,{NEXT_FIRST},{NEXT_LAST}" in lines[1]
    again = await asyncio.to_thread(
        _run,
        monkeypatch,
        "vouchers",
        "issue",
        "--programme",
        "FEPZ",
        "--cycle",
        NEXT_CYCLE,
        "--all-eligible",
        "--output",
        str(out),
    )
    assert again.exit_code == 0
    assert out.read_text().splitlines()[1:] == []
    assert await count(app, Voucher) == 1


async def test_issue_to_one_household_as_pdf_and_refusals(app, aid, monkeypatch, tmp_path):
    pdf = tmp_path / "v.pdf"
    refused = await asyncio.to_thread(
        _run,
        monkeypatch,
        "vouchers",
        "issue",
        "--programme",
        "FEPZ",
        "--household",
        str(aid.rich.id),
        "--format",
        "pdf",
        "--output",
        str(pdf),
    )
    assert refused.exit_code == 1 and "powyżej" in refused.output
    both = await asyncio.to_thread(
        _run, monkeypatch, "vouchers", "issue", "--programme", "FEPZ", "--all-eligible", "--household", str(aid.poor.id)
    )
    assert both.exit_code == 2  # --all-eligible or --household, not both
    unknown = await asyncio.to_thread(_run, monkeypatch, "vouchers", "issue", "--programme", "NOPE", "--all-eligible")
    assert unknown.exit_code == 1
    assert await count(app, Voucher) == 0
    ok = await asyncio.to_thread(
        _run,
        monkeypatch,
        "vouchers",
        "issue",
        "--programme",
        "FEPZ",
        "--household",
        str(aid.poor.id),
        "--format",
        "pdf",
        "--layout",
        "a4x4",
        "--output",
        str(pdf),
    )
    assert ok.exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    listed = await asyncio.to_thread(_run, monkeypatch, "vouchers", "list", "--programme", "FEPZ", "--status", "issued")
    assert listed.output.splitlines()[0] == "code,household_id,programme,valid_from,valid_until,status"
    assert listed.output.splitlines()[1].endswith(",issued")


async def test_devices_create_prints_the_token_alone_on_its_last_line(app, aid, monkeypatch, settings):
    result = await asyncio.to_thread(_run, monkeypatch, "devices", "create", "--point", "Punkt 1", "--name", "Tablet 7")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("przystan_") and " " not in token
    config = make_alchemy_config(settings)
    async with config.get_session() as session:
        device = await session.scalar(select(DeviceToken))
    await config.get_engine().dispose()
    assert device.token_hash == token_hash(token) and device.name == "Tablet 7"
    unknown = await asyncio.to_thread(_run, monkeypatch, "devices", "create", "--point", "Nigdzie", "--name", "x")
    assert unknown.exit_code == 1
    listed = await asyncio.to_thread(_run, monkeypatch, "devices", "list")
    assert listed.exit_code == 0
    assert listed.output.strip().split("\t")[1:] == [
        "Punkt 1",
        "Tablet 7",
        f"{device.created_at:%Y-%m-%d}",
        "-",
        "active",
    ]
    assert token not in listed.output
