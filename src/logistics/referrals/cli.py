"""`logistics referrals list [--status open|confirmed|overdue|cancelled] --format csv [--output FILE]`."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import click
from litestar.cli._utils import LitestarGroup

from logistics.cli import run_with_session, write_output

if TYPE_CHECKING:
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

CSV_HEADER = ["code", "kind", "service", "status", "issued_on", "expected_by"]
STATUSES = ["open", "confirmed", "overdue", "cancelled"]


@click.group(name="referrals", cls=LitestarGroup)
def referrals() -> None:
    """Referrals to services of other institutions."""


@referrals.command(name="list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only referrals with this status.")
@click.option("--format", "output_format", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
def referrals_list(app: Litestar, status: str | None, output_format: str, output: str) -> None:
    """Every referral (or those with --status), oldest first. CSV columns: code (with dashes), kind, service (the
    institution and the service, or the activity), status, issued_on, expected_by."""
    from logistics.referrals.services import export_rows

    async def rows(session: AsyncSession) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(await export_rows(session, status))
        return out.getvalue().encode()

    write_output(output, run_with_session(app, rows))
