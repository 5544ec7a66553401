"""`logistics services export|import|places`: the directory of services as CSV (the same format as the web import
and export), and the places a search sorts by distance from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from litestar.cli._utils import LitestarGroup

from logistics.cli import run_with_session, write_output

if TYPE_CHECKING:
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

ACTOR_NAME = "cli"
#: The exit status of an import refused for its rows (nothing was imported).
REFUSED = 2


@click.group(name="services", cls=LitestarGroup)
def services() -> None:
    """The directory of services: export and import CSV, import places."""


@services.command(name="export")
@click.option("--format", "output_format", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--output", default="-", show_default=True, help="File to write; - for standard output.")
def services_export(app: Litestar, output_format: str, output: str) -> None:
    """Every entry (archived ones too, active = no) as CSV; the file imports back unchanged."""
    from logistics.core.actor import Actor
    from logistics.directory.services import DirectoryService

    async def export(session: AsyncSession) -> bytes:
        return await DirectoryService(session, Actor.system(ACTOR_NAME)).export_csv()

    write_output(output, run_with_session(app, export))


def _import(app: Litestar, path: str, places: bool) -> None:
    from logistics.core.actor import Actor
    from logistics.directory.services import DirectoryService, ImportRefused

    content = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()

    async def run(session: AsyncSession) -> int:
        service = DirectoryService(session, Actor.system(ACTOR_NAME))
        return await (service.import_places(content) if places else service.import_csv(content))

    try:
        count = run_with_session(app, run)
    except ImportRefused as refused:
        click.echo(refused.message, err=True)
        for line, message in refused.rows:
            click.echo(f"line {line}: {message}" if line else message, err=True)
        sys.exit(REFUSED)
    click.echo(f"Imported {count} {'places' if places else 'entries'}.")


@services.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def services_import(app: Litestar, path: str) -> None:
    """Import entries from a CSV file (an empty id adds an entry, an exported id changes it). Any bad row refuses
    the whole file: each bad row is printed with its line, nothing is imported and the command exits with 2."""
    _import(app, path, places=False)


@services.command(name="places")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def services_places(app: Litestar, path: str) -> None:
    """Import places (CSV: name,latitude,longitude); a place of the same name is updated. All or nothing, exit 2
    on any bad row."""
    _import(app, path, places=True)
