"""`logistics reports NAME ...`: the same figures as the pages' exports, every format, and refusals."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.cli.main import litestar_group

import logistics.cli  # noqa: F401
from logistics.core.i18n import local_today
from logistics.reports.catalogue import ORDER

from ..conftest import login
from .conftest import xlsx_tables


@pytest.fixture
def cli(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(litestar_group, list(args), catch_exceptions=False)

    return invoke


def test_help_lists_every_report(cli: Any) -> None:
    result = cli("reports", "--help")
    assert result.exit_code == 0
    for name in [*ORDER, "verify"]:
        assert name in result.output


async def test_every_report_from_the_command_line_equals_the_page_export(
    demo: Any, cli: Any, client: Any, tmp_path: Path
) -> None:
    today = local_today()
    first, last = (today.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat(), today.isoformat()
    await login(client, "coordinator", "pomoc-demo-2026")

    async def run(*args: str) -> Any:  # the command runs its own event loop: in a thread of its own
        return await asyncio.to_thread(cli, *args)

    for name in ORDER:
        result = await run("reports", name, "--from", first, "--to", last, "--format", "csv")
        assert result.exit_code == 0, result.output
        page = await client.get(f"/reports/{name}/export.csv", params={"from": first, "to": last})
        assert page.status_code == 200
        assert result.output == page.text, name
    output = tmp_path / "fepz.xlsx"
    result = await run("reports", "fepz", "--from", first, "--to", last, "--format", "xlsx", "--output", str(output))
    assert result.exit_code == 0, result.output
    page = await client.get("/reports/fepz/export.xlsx", params={"from": first, "to": last})
    assert xlsx_tables(output.read_bytes()) == xlsx_tables(page.content)
    pdf = tmp_path / "shelter.pdf"
    result = await run(
        "reports", "shelter", "--period", today.strftime("%Y-%m"), "--format", "pdf", "--output", str(pdf)
    )
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    verified = await run("reports", "verify")
    assert verified.exit_code == 0, verified.output
    assert "Bed assignments: every night agrees with its times." in verified.output
    assert "every site, family and first-assignment flag agrees" in verified.output
    assert "Redemptions: every programme, family and household size agrees with its voucher." in verified.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-02-01", "--to", "2026-01-01"), "--to"),
        (("--from", "2026-02-30", "--to", "2026-03-01"), "--from"),
        (("--period", "2026-13"), "--period"),
        (("--to", "2026-01-01"), "--from"),
    ],
)
def test_bad_periods_are_refused(cli: Any, args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(litestar_group, ["reports", "in-kind", *args])
    assert result.exit_code == 2
    assert message in result.output
