"""`logistics vouchers issue|list|conflicts|settlement` and `logistics devices create|list|revoke`."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click
from litestar.cli._utils import LitestarGroup

from logistics.cli import run_with_session, write_output

if TYPE_CHECKING:
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

ACTOR_NAME = "cli"


@click.group(name="vouchers", cls=LitestarGroup)
def vouchers() -> None:
    """Issue vouchers to households and list them (CSV or PDF)."""


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@vouchers.command(name="issue")
@click.option("--programme", "programme_code", required=True, help="The programme's code, e.g. FEPZ.")
@click.option("--cycle", default=None, help="The month, YYYY-MM (monthly programmes; default: this month).")
@click.option("--all-eligible", is_flag=True, help="Every eligible household without this cycle's voucher.")
@click.option("--household", "household_ids", multiple=True, type=click.UUID, help="A household's id (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True)
@click.option(
    "--layout", type=click.Choice(["a4", "a4x4", "receipt"]), default="a4", show_default=True, help="PDF layout."
)
@click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
def vouchers_issue(
    app: Litestar,
    programme_code: str,
    cycle: str | None,
    all_eligible: bool,
    household_ids: tuple[UUID, ...],
    output_format: str,
    layout: str,
    output: str,
) -> None:
    """Issue this cycle's vouchers: to every eligible household, or to the listed ones (each must be eligible, or
    nothing is issued). Households that have one already get none (a rerun issues nothing twice). Committed 500
    vouchers at a time, so scanners keep working while a region's month is issued; if it stops half-way, what was
    issued stays and running it again issues the rest. CSV columns: code, household_id, programme, valid_from,
    valid_until."""
    from logistics.cli import alchemy_config
    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError
    from logistics.db import write_intent
    from logistics.settings import get_settings
    from logistics.vouchers.documents import CSV_HEADER, csv_rows, voucher_prints
    from logistics.vouchers.issuing import VoucherService, issue_cycle
    from logistics.vouchers.printing import render_vouchers

    if all_eligible == bool(household_ids):
        raise click.UsageError("Give either --all-eligible or at least one --household.")
    actor = Actor.system(ACTOR_NAME)

    async def issue() -> tuple[bytes, int, int]:
        alchemy = alchemy_config(app)
        sessions = alchemy.create_session_maker()
        try:
            async with sessions() as session:
                programme = await VoucherService(session, actor).programme_by_code(programme_code)
            result = await issue_cycle(sessions, actor, programme.id, cycle, households=list(household_ids) or None)
            token = write_intent.set(False)  # the vouchers issued, read back for the output: no write lock
            try:
                async with sessions() as session:
                    issued = await VoucherService(session, actor).vouchers_of(result.voucher_ids)
                    if output_format == "pdf":
                        prints = await voucher_prints(session, issued)
                        content = render_vouchers(prints, layout, get_settings().org_name)
                    else:
                        content = _csv(CSV_HEADER, await csv_rows(session, issued))
            finally:
                write_intent.reset(token)
            return content, result.issued, len(result.excluded)
        finally:
            await alchemy.get_engine().dispose()

    try:
        content, issued, excluded = asyncio.run(issue())
    except DomainError as error:
        raise click.ClickException(error.message) from error
    write_output(output, content)
    click.echo(f"Issued {issued} vouchers; {excluded} households not eligible.", err=True)


@vouchers.command(name="list")
@click.option("--programme", "programme_code", default=None, help="Only this programme (its code).")
@click.option("--status", type=click.Choice(["issued", "redeemed", "expired", "revoked"]), default=None)
@click.option("--cycle", default=None, help="Only this cycle (YYYY-MM or once).")
@click.option("--format", "output_format", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True)
@click.option("--layout", type=click.Choice(["a4", "a4x4", "receipt"]), default="a4", show_default=True)
@click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
def vouchers_list(
    app: Litestar,
    programme_code: str | None,
    status: str | None,
    cycle: str | None,
    output_format: str,
    layout: str,
    output: str,
) -> None:
    """List vouchers to re-print or hand over: CSV columns code, household_id, programme, valid_from, valid_until,
    status (or a PDF of them)."""
    from sqlalchemy import select

    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError
    from logistics.settings import get_settings
    from logistics.vouchers.documents import CSV_HEADER, csv_rows, voucher_prints
    from logistics.vouchers.issuing import VoucherService
    from logistics.vouchers.models import Voucher
    from logistics.vouchers.printing import render_vouchers

    async def rows(session: AsyncSession) -> bytes:
        query = select(Voucher).order_by(Voucher.created_at)
        if programme_code:
            programme = await VoucherService(session, Actor.system(ACTOR_NAME)).programme_by_code(programme_code)
            query = query.where(Voucher.programme_id == programme.id)
        if status:
            query = query.where(Voucher.status == status)
        if cycle:
            query = query.where(Voucher.cycle == cycle)
        found = list(await session.scalars(query))
        if output_format == "pdf":
            return render_vouchers(await voucher_prints(session, found), layout, get_settings().org_name)
        return _csv([*CSV_HEADER, "status"], await csv_rows(session, found, with_status=True))

    try:
        write_output(output, run_with_session(app, rows))
    except DomainError as error:
        raise click.ClickException(error.message) from error


@click.group(name="devices", cls=LitestarGroup)
def devices() -> None:
    """Scanning devices of distribution points and their API tokens."""


@devices.command(name="create")
@click.option("--point", required=True, help="The distribution point: its name or id.")
@click.option("--name", required=True, help="The device's name, e.g. 'Tablet 1'.")
def devices_create(app: Litestar, point: str, name: str) -> None:
    """Create a device token for a distribution point. The token is shown once, alone on the last line."""
    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError
    from logistics.sites.services import resolve_site_ids
    from logistics.vouchers.devices import DeviceService

    async def create(session: AsyncSession) -> tuple[str, str]:
        [point_id] = await resolve_site_ids(session, [point])
        device, token = await DeviceService(session, Actor.system(ACTOR_NAME)).create(point_id, name)
        return str(device.id), token

    try:
        device_id, token = run_with_session(app, create)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Device {name} ({device_id}); its token, shown only now:")
    click.echo(token)


@devices.command(name="list")
def devices_list(app: Litestar) -> None:
    """Devices with their point, creation, last redemption and revocation (never the tokens)."""
    from logistics.core.actor import Actor
    from logistics.vouchers.devices import DeviceService

    async def rows(session: AsyncSession) -> list[str]:
        return [
            f"{device.id}\t{point}\t{device.name}\t{device.created_at:%Y-%m-%d}\t"
            f"{f'{last:%Y-%m-%d %H:%M}' if last else '-'}\t"
            f"{'revoked ' + f'{device.revoked_at:%Y-%m-%d}' if device.revoked_at else 'active'}"
            for device, point, last in await DeviceService(session, Actor.system(ACTOR_NAME)).list()
        ]

    for row in run_with_session(app, rows):
        click.echo(row)


@devices.command(name="revoke")
@click.argument("device_id", type=click.UUID)
def devices_revoke(app: Litestar, device_id: UUID) -> None:
    """Revoke a device's token: it stops working at once."""
    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError
    from logistics.vouchers.devices import DeviceService

    try:
        run_with_session(app, lambda session: DeviceService(session, Actor.system(ACTOR_NAME)).revoke(device_id))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo("Revoked.")


CONFLICTS_HEADER = [
    "redemption",
    "conflict",
    "resolved_at",
    "resolved_by",
    "note",
    "code",
    "holder",
    "programme",
    "point",
    "at",
    "by",
    "offline",
    "received_at",
    "undone",
    "goods",
    "quantity",
    "over",
]


@vouchers.command(name="conflicts")
@click.option("--point", default=None, help="Only this distribution point: its name or id.")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="From this day (YYYY-MM-DD).")
@click.option("--all", "include_resolved", is_flag=True, help="Resolved conflicts too.")
@click.option("--format", "output_format", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
def vouchers_conflicts(
    app: Litestar, point: str | None, since: Any, include_resolved: bool, output_format: str, output: str
) -> None:
    """Conflicts of offline hand-outs (unresolved first; with --all resolved ones too): one CSV row per line handed
    out by each redemption of the conflict's voucher — the conflicting one has `conflict` filled, the others
    (the voucher's other hand-outs) leave it empty. Holders as the scan page shows them (first name, initial)."""
    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError
    from logistics.inventory.ledger import number
    from logistics.sites.services import resolve_site_ids
    from logistics.vouchers.conflicts import ConflictService

    def when(value: Any) -> str:
        return value.isoformat() if value else ""

    async def rows(session: AsyncSession) -> bytes:
        point_id = (await resolve_site_ids(session, [point]))[0] if point else None
        found = await ConflictService(session, Actor.system(ACTOR_NAME)).find(
            point_id, since.date() if since else None, include_resolved
        )
        lines = []
        for conflict in found:
            resolution = [
                conflict.redemption.conflict,
                when(conflict.redemption.conflict_resolved_at),
                conflict.redemption.conflict_resolved_by,
                conflict.redemption.conflict_note,
            ]
            for hand_out in conflict.hand_outs:
                redemption = hand_out.redemption
                mine = redemption.id == conflict.redemption.id
                for line in hand_out.lines:
                    lines.append(
                        [
                            str(conflict.redemption.id) if mine else "",
                            *(resolution if mine else ["", "", "", ""]),
                            conflict.code,
                            conflict.holder,
                            conflict.programme,
                            hand_out.point,
                            when(redemption.at),
                            hand_out.by,
                            "yes" if hand_out.offline else "no",
                            when(redemption.offline_received_at),
                            "yes" if redemption.undone_at else "no",
                            line.goods,
                            number(line.quantity),
                            number(line.over) if line.over else "",
                        ]
                    )
        return _csv(CONFLICTS_HEADER, lines)

    try:
        write_output(output, run_with_session(app, rows))
    except DomainError as error:
        raise click.ClickException(error.message) from error


@vouchers.command(name="settlement")
@click.option("--shop", required=True, help="The partner shop: its site id (or its exact name).")
@click.option("--month", required=True, help="The month, YYYY-MM (e.g. 2026-12), in the centre's time zone.")
@click.option("--format", "output_format", type=click.Choice(["csv", "xlsx", "pdf"]), default="pdf", show_default=True)
@click.option("--language", type=click.Choice(["pl", "uk", "en"]), default="pl", show_default=True)
@click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
def vouchers_settlement(app: Litestar, shop: str, month: str, output_format: str, language: str, output: str) -> None:
    """A partner shop's settlement statement for a month: the purchases paid with value vouchers (voucher, date and
    time, amount, category, till) and the total to pay, closed or provisional. CSV columns: voucher, date, time,
    amount (45.90), category, till; then a totals row."""
    from sqlalchemy import select

    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError, NotFound
    from logistics.core.i18n import in_locale
    from logistics.db import write_intent
    from logistics.sites.models import Site
    from logistics.vouchers.settlement import SettlementService, parse_month
    from logistics.vouchers.settlement_documents import to_csv, to_pdf, to_xlsx

    with in_locale(language):
        try:
            month = parse_month(month)
        except DomainError as error:
            raise click.BadParameter(error.message, param_hint="--month") from None

        async def build(session: AsyncSession) -> bytes:
            try:
                condition = Site.id == UUID(shop)
            except ValueError:
                condition = Site.name == shop
            shop_id = await session.scalar(select(Site.id).where(condition))
            if shop_id is None:
                raise click.BadParameter(f"no partner shop {shop!r}", param_hint="--shop")
            try:
                statement = await SettlementService(session, Actor.system(ACTOR_NAME)).statement(shop_id, month)
            except NotFound:  # a site, but not a partner shop
                raise click.BadParameter(f"no partner shop {shop!r}", param_hint="--shop") from None
            if output_format == "xlsx":
                return to_xlsx(statement)
            if output_format == "pdf":
                return to_pdf(statement)
            return to_csv(statement).encode()

        token = write_intent.set(False)  # only reads: no write lock on SQLite
        try:
            content = run_with_session(app, build)
        except DomainError as error:
            if error.status_code == 404:
                raise click.BadParameter(error.message, param_hint="--shop") from None
            raise click.ClickException(error.message) from error
        finally:
            write_intent.reset(token)
        write_output(output, content)
