"""The distribution points an actor may do something at (scan, reconcile, manage devices), by the policy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.policy import can
from logistics.sites.models import Site, SiteKind, SiteKindRow


async def distribution_points(
    session: AsyncSession, actor: Actor, action: str, *, active_only: bool = False
) -> list[Site]:
    """The distribution points where `actor` may do `action`, by name."""
    query = (
        select(Site)
        .join(SiteKindRow, SiteKindRow.site_id == Site.id)
        .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
        .order_by(Site.name)
    )
    if active_only:
        query = query.where(Site.is_active.is_(True))
    return [site for site in await session.scalars(query) if can(actor, action, site)]
