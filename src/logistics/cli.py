"""The `logistics` command: Litestar's CLI (run, routes, database ...) plus Przystań's own commands."""

from __future__ import annotations

import asyncio
import csv
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from litestar.cli._utils import LitestarGroup
from litestar.plugins import CLIPluginProtocol

from logistics.core.service import unit_of_work

if TYPE_CHECKING:
    from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def main() -> None:
    """Entry point of the `logistics` console script."""
    os.environ.setdefault("LITESTAR_APP", "logistics.app:create_app")
    from litestar.cli.main import litestar_group

    litestar_group(prog_name="logistics")


def alchemy_config(app: Litestar) -> SQLAlchemyAsyncConfig:
    """The app's (async) SQLAlchemy configuration."""
    from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin

    config = app.plugins.get(SQLAlchemyPlugin).config[0]
    assert isinstance(config, SQLAlchemyAsyncConfig)
    return config


def run_with_session(app: Litestar, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction of its own, outside any request; commit when it returns."""
    alchemy = alchemy_config(app)

    async def runner() -> T:
        try:
            async with unit_of_work(alchemy.create_session_maker()) as session:
                return await work(session)
        finally:
            await alchemy.get_engine().dispose()

    return asyncio.run(runner())


def write_output(output: str, content: bytes) -> None:
    """A command's document to the file `output`, or to standard output for `-`."""
    if output == "-":
        sys.stdout.buffer.write(content)
    else:
        Path(output).write_bytes(content)


class CLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: click.Group) -> None:
        cli.add_command(serve)
        cli.add_command(seed)
        cli.add_command(users)
        cli.add_command(sites)
        cli.add_command(scheduler)
        cli.add_command(inventory)
        from logistics.vouchers.cli import devices, vouchers

        cli.add_command(vouchers)
        cli.add_command(devices)
        from logistics.reports.cli import reports

        cli.add_command(reports)
        from logistics.directory.cli import services
        from logistics.referrals.cli import referrals

        cli.add_command(services)
        cli.add_command(referrals)


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes. They share the database (sessions, log-in throttling and job leases live there), "
    "so each scheduled job still runs once per due time.",
)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=True,
    show_default=True,
    help="Trust X-Forwarded-For/-Proto from the reverse proxy (see --forwarded-allow-ips).",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Addresses of reverse proxies whose X-Forwarded-* headers are trusted.",
)
def serve(host: str, port: int, workers: int, proxy_headers: bool, forwarded_allow_ips: str) -> None:
    """Serve Przystań with uvicorn — the production way to run it (behind a TLS reverse proxy)."""
    import uvicorn

    from logistics.settings import get_settings

    if workers > 1 and get_settings().is_sqlite:
        raise click.UsageError(
            "SQLite serves one worker process: its writers queue inside the process. "
            "Use --workers 1, or PostgreSQL (LOGISTICS_DATABASE_URL=postgresql+asyncpg://...) for several."
        )

    uvicorn.run(
        "logistics.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,
        server_header=False,
    )


@click.group(name="seed", cls=LitestarGroup)
def seed() -> None:
    """Load data into the database."""


@seed.command(name="demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo(app: Litestar, if_empty: bool) -> None:
    """Load the fictional demo data from seeds/demo/ (sites, one user per role). Safe to run again.

    Its dates count back from today: stock for this month's vouchers, stays, roll calls and history in the past
    weeks. A database without the schema is migrated first.

    Every demo user has the password `pomoc-demo-2026`: change it (or do not load the demo) anywhere real.
    """
    from logistics.seeding import load_demo

    migrate_first(app)
    summary = run_with_session(app, lambda session: load_demo(session, only_if_empty=if_empty))
    click.echo(summary)


def migrate_first(app: Litestar) -> None:
    """Before loading data: apply the migrations to a database that lacks them (new, or behind the code).

    A schema created from the models without Alembic (the tests') is left as it is. Never a traceback: a database
    that cannot be reached or migrated ends the command with one line saying what to do."""
    from advanced_alchemy.alembic.commands import AlembicCommands
    from sqlalchemy import inspect, text

    from logistics.db.migrations_info import script_directory

    alchemy = alchemy_config(app)

    def read(connection: Any) -> tuple[set[str], set[str] | None]:
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables:
            return tables, None
        return tables, set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())

    async def state() -> tuple[set[str], set[str] | None]:
        try:
            async with alchemy.get_engine().connect() as connection:
                return await connection.run_sync(read)
        finally:
            await alchemy.get_engine().dispose()

    try:
        tables, versions = asyncio.run(state())
    except Exception as error:  # any driver's error: one line, not a traceback
        raise click.ClickException(f"Cannot open the database: {getattr(error, 'orig', None) or error}") from error
    if "sites" in tables and (versions is None or versions == set(script_directory().get_heads())):
        return
    click.echo("Applying the database migrations first (as `logistics database upgrade` does)...")
    try:
        AlembicCommands(sqlalchemy_config=alchemy).upgrade("head")
    except Exception as error:
        raise click.ClickException(
            f"The database could not be migrated ({getattr(error, 'orig', None) or error}); "
            "run `logistics database upgrade`, then seed again."
        ) from error


@click.group(name="users", cls=LitestarGroup)
def users() -> None:
    """Manage user accounts."""


@users.command(name="create")
@click.option("--username", required=True, help="Log-in name: lower-case letters, digits, '.', '-', '_'.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "coordinator", "case_worker", "shelter_staff", "warehouse", "volunteer"]),
    help="What the user may do.",
)
@click.option(
    "--site",
    "site_names",
    multiple=True,
    help="A site the user works at (name or id); repeat for more. Admins and coordinators see every site anyway.",
)
@click.option("--full-name", default="", help="Shown in the header and the audit log.")
def users_create(app: Litestar, username: str, role: str, site_names: tuple[str, ...], full_name: str) -> None:
    """Create a user. The password is asked for twice, or read from standard input when it is not a terminal."""
    from logistics.accounts.services import AccountService, UserInput
    from logistics.core.actor import Actor
    from logistics.core.errors import DomainError
    from logistics.sites.services import resolve_site_ids

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise click.ClickException("The two passwords differ.")
    else:
        password = sys.stdin.readline().rstrip("\n")

    async def create(session: AsyncSession) -> str:
        site_ids = await resolve_site_ids(session, list(site_names))
        data = UserInput(username=username, full_name=full_name, role=role, site_ids=site_ids, password=password)
        user = await AccountService(session, Actor.system("cli")).create_user(data)
        return f"Created user {user.username} ({user.role}), id {user.id}"

    try:
        click.echo(run_with_session(app, create))
    except DomainError as error:
        raise click.ClickException(error.message) from error


@click.group(name="sites", cls=LitestarGroup)
def sites() -> None:
    """Sites: shelters, warehouses, distribution points, venues."""


@sites.command(name="list")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="csv writes the header id,name,kinds (kinds separated by '|').",
)
def sites_list(app: Litestar, output_format: str) -> None:
    """List every site with its id, name and kinds."""
    from logistics.core.actor import Actor
    from logistics.sites.services import SiteService

    async def rows(session: AsyncSession) -> list[tuple[str, str, str]]:
        found = await SiteService(session, Actor.system("cli")).list_sites()
        return [(str(s.id), s.name, "|".join(k.value for k in s.kinds)) for s in found]

    result = run_with_session(app, rows)
    if output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "name", "kinds"])
        writer.writerows(result)
        return
    widths = [max([len(h)] + [len(r[i]) for r in result]) for i, h in enumerate(("id", "name", "kinds"))]
    for row in [("id", "name", "kinds"), *result]:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())


@click.group(name="scheduler", cls=LitestarGroup, invoke_without_command=True)
def scheduler(app: Litestar) -> None:
    """Run only the scheduler (for deployments that keep it out of the web processes: LOGISTICS_SCHEDULER=off).

    `logistics scheduler run JOB` runs one job now instead."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    from logistics.scheduler import run_forever

    asyncio.run(run_forever(alchemy_config(app).create_session_maker()))


@scheduler.command(name="run")
@click.argument("job")
def scheduler_run(app: Litestar, job: str) -> None:
    """Run one job now, whatever its schedule (e.g. `logistics scheduler run accounts.purge_expired`)."""
    from logistics.scheduler import JobRunner, load_jobs

    jobs = load_jobs()
    if job not in jobs:
        raise click.ClickException(f"Unknown job {job!r}. Jobs: {', '.join(sorted(jobs))}")
    alchemy = alchemy_config(app)

    async def go() -> Any:
        record = await JobRunner(alchemy.create_session_maker()).run(job, force=True)
        await alchemy.get_engine().dispose()
        return record

    record = asyncio.run(go())
    click.echo(f"{job}: {record.outcome} {record.message}")
    if record.outcome != "ok":
        sys.exit(1)


@click.group(name="inventory", cls=LitestarGroup)
def inventory() -> None:
    """Stock: the append-only ledger of movements and the balances kept beside it."""


@inventory.command(name="verify")
def inventory_verify(app: Litestar) -> None:
    """Replay the whole ledger and compare it with the stored balances; exit 1 and list every difference."""
    from logistics.inventory.ledger import verify

    differences = run_with_session(app, verify)
    for difference in differences:
        click.echo(
            f"location {difference.location_id} lot {difference.lot_id}: "
            f"balance {difference.balance} != ledger {difference.ledger}"
        )
    if differences:
        click.echo(f"{len(differences)} differences between the balances and the ledger.", err=True)
        sys.exit(1)
    click.echo("The balances agree with the ledger.")
