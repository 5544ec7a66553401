"""STUB — helper B replaces this module (`logistics referrals list`)."""

from __future__ import annotations

import click
from litestar.cli._utils import LitestarGroup


@click.group(name="referrals", cls=LitestarGroup)
def referrals() -> None:
    """Referrals to services of other institutions."""
