"""The distribution-point part of the start page (volunteers and warehouse staff handing out goods, coordinators):
each of the user's points with the scan page one tap away and how many vouchers were handed out there today. A
partner shop's staff have their shop's panel instead: today's purchases paid with vouchers, their total, the till."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import day_start, local_today
from logistics.core.roles import Role
from logistics.core.service import Service, query
from logistics.sites.models import Site
from logistics.vouchers.models import Redemption
from logistics.vouchers.points import distribution_points
from logistics.vouchers.policy import RECONCILE, REDEEM, policy
from logistics.vouchers.spending import SpendService
from logistics.web.layout import register_panel


@dataclass(frozen=True)
class PointToday:
    point: Site
    handed_out: int  # redemptions today, not undone
    may_reconcile: bool


class PointStartService(Service):
    @query
    async def today(self, day: date | None = None) -> list[PointToday]:
        """The active points where the actor hands out goods, with today's hand-outs (undone ones not counted)."""
        self.require(REDEEM)
        day = day or local_today()
        points = await distribution_points(self.session, self.actor, REDEEM, active_only=True)
        if not points:
            return []
        counts = dict(
            (
                await self.session.execute(
                    select(Redemption.point_id, func.count())
                    .where(
                        Redemption.point_id.in_([point.id for point in points]),
                        Redemption.undone_at.is_(None),
                        Redemption.at >= day_start(day),
                        Redemption.at < day_start(day + timedelta(days=1)),
                    )
                    .group_by(Redemption.point_id)
                )
            ).all()
        )
        return [PointToday(point, int(counts.get(point.id, 0)), self.can(RECONCILE, point)) for point in points]


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any] | None:
    """Nothing when the user has no point (a warehouse worker who does not hand out)."""
    points = await PointStartService(session, actor).today()
    return {"points": points} if points else None


#: Administrators see the points' figures on the reconciliation pages; this is the hand-out desk's panel.
register_panel("home", "vouchers/start_panel.html", policy.roles(REDEEM) - {Role.ADMIN}, start_panel, order=20)


@dataclass(frozen=True)
class ShopTodayRow:
    shop: Site
    spends: int  # purchases paid with vouchers today, not undone
    total: Decimal


async def till_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any] | None:
    """A partner shop's staff: each of their shops with today's purchases on vouchers and their total, and the till
    one tap away; nothing for a user without a shop."""
    spending = SpendService(session, actor)
    shops = await spending.shops()
    if not shops:
        return None
    rows = []
    for shop in shops:
        today = await spending.today_spends(shop.id)
        rows.append(ShopTodayRow(shop, today.spends, today.total))
    return {"shops": rows}


register_panel("home", "vouchers/till_panel.html", {Role.SHOP}, till_panel, order=20)
