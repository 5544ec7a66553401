"""The distribution points (and partner shops) an actor may do something at (scan, reconcile, manage devices), by
the policy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.policy import can
from logistics.sites.models import Site, SiteKind, SiteKindRow


async def sites_of_kind(
    session: AsyncSession, actor: Actor, action: str, kind: SiteKind, *, active_only: bool = False
) -> list[Site]:
    """The sites of `kind` where `actor` may do `action`, by name."""
    query = select(Site).join(SiteKindRow, SiteKindRow.site_id == Site.id).where(SiteKindRow.kind == kind)
    if active_only:
        query = query.where(Site.is_active.is_(True))
    return [site for site in await session.scalars(query.order_by(Site.name)) if can(actor, action, site)]


async def distribution_points(
    session: AsyncSession, actor: Actor, action: str, *, active_only: bool = False
) -> list[Site]:
    """The distribution points where `actor` may do `action`, by name."""
    return await sites_of_kind(session, actor, action, SiteKind.DISTRIBUTION_POINT, active_only=active_only)
