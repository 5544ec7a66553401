"""`logistics reports NAME --from --to --format csv|xlsx|pdf --output FILE` (one command per report) and
`logistics reports verify [--repair]`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from litestar.cli._utils import LitestarGroup

from logistics.cli import run_with_session, write_output
from logistics.core.errors import DomainError
from logistics.core.i18n import LOCALES, in_locale
from logistics.db import write_intent
from logistics.reports.catalogue import ORDER, REPORTS

if TYPE_CHECKING:
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

ACTOR_NAME = "cli"


class _Reports(LitestarGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))


@click.group(name="reports", cls=_Reports)
def reports() -> None:
    """Statutory reports for a period (figures only), and the check of what they are counted from."""


def _command(name: str) -> Any:
    definition = REPORTS[name]

    @click.option("--from", "first", default=None, help="First day, YYYY-MM-DD.")
    @click.option("--to", "last", default=None, help="Last day, YYYY-MM-DD.")
    @click.option("--period", "named", default=None, help="Instead of --from/--to: 2026, 2026-H1 or 2026-11.")
    @click.option(
        "--format", "output_format", type=click.Choice(["csv", "xlsx", "pdf"]), default="csv", show_default=True
    )
    @click.option("--language", type=click.Choice(list(LOCALES)), default="pl", show_default=True)
    @click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
    def command(
        app: Litestar,
        first: str | None,
        last: str | None,
        named: str | None,
        output_format: str,
        language: str,
        output: str,
    ) -> None:
        from logistics.core.actor import Actor
        from logistics.reports.core import Period
        from logistics.reports.render import to_csv, to_pdf, to_xlsx
        from logistics.reports.service import ReportService

        with in_locale(language):
            try:
                period = Period.parse(first, last, named)
            except DomainError as error:
                raise click.UsageError(f"--{error.field or 'from'}: {error.message}") from None

            async def build(session: AsyncSession) -> bytes:
                report = await ReportService(session, Actor.system(ACTOR_NAME)).build(name, period)
                if output_format == "xlsx":
                    return to_xlsx(report)
                if output_format == "pdf":
                    return to_pdf(report)
                return to_csv(report).encode()

            # A read transaction (SQLite: not BEGIN IMMEDIATE): a year's report must not hold the write lock the
            # scanners and the front desk need while it counts.
            token = write_intent.set(False)
            try:
                content = run_with_session(app, build)
            finally:
                write_intent.reset(token)
            write_output(output, content)

    with in_locale("en"):
        help_text = f"{definition.title}: {definition.description}"
    return reports.command(name=name, help=help_text)(command)


for _name in REPORTS:
    _command(_name)


@reports.command(name="verify")
@click.option("--repair", is_flag=True, help="Derive again what disagrees from the stays, beds and vouchers.")
def reports_verify(app: Litestar, repair: bool) -> None:
    """Check that what the reports count from (the bed assignments' nights, sites and families; the redemptions'
    programmes, families and household sizes) agrees with the stays, beds and vouchers it is derived from."""
    from logistics.reports.verify import verify_copies, verify_nights

    async def check(session: AsyncSession) -> Any:
        return await verify_nights(session, repair=repair), await verify_copies(session, repair=repair)

    token = write_intent.set(repair)  # only a repair writes
    try:
        nights, copies = run_with_session(app, check)
    finally:
        write_intent.reset(token)
    done = " (repaired)" if repair else ""
    if nights:
        click.echo(f"Bed assignments whose nights disagree with their times: {nights}{done}")
    else:
        click.echo("Bed assignments: every night agrees with its times.")
    if copies["bed_assignments"]:
        click.echo(
            f"Bed assignments whose site, family or first-assignment flag disagree with their bed and stay: "
            f"{copies['bed_assignments']}{done}"
        )
    else:
        click.echo("Bed assignments: every site, family and first-assignment flag agrees with its bed and stay.")
    if copies["redemptions"]:
        click.echo(
            f"Redemptions whose programme, family or household size disagree with their voucher: "
            f"{copies['redemptions']}{done}"
        )
    else:
        click.echo("Redemptions: every programme, family and household size agrees with its voucher.")
    if (nights or any(copies.values())) and not repair:
        sys.exit(1)
