"""STUB — helper A replaces this module (`logistics services export|import|places`)."""

from __future__ import annotations

import click
from litestar.cli._utils import LitestarGroup


@click.group(name="services", cls=LitestarGroup)
def services() -> None:
    """The directory of services: export and import CSV."""
