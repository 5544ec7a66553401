"""End of the day at a distribution point: what the redemptions say was handed out, and what the ledger's issue
movements took out of stock — item by item, which must agree — with the count per volunteer or device.

Site-limited users (volunteers, warehouse workers) see only their own points: asking for another point's day is
refused, never answered with their own point's figures. The day's conflicts of offline hand-outs are listed with
every redemption of their vouchers (an offline hand-out is counted on the day of its scan, and so is its stock).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import NotFound
from logistics.core.i18n import day_start
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.models import Item, Kit, Movement, MovementKind, MovementLine
from logistics.sites.models import Site, SiteKind
from logistics.vouchers.conflicts import ConflictView, conflicts_of_day
from logistics.vouchers.models import Redemption, RedemptionLine, VoucherLine
from logistics.vouchers.points import distribution_points
from logistics.vouchers.policy import RECONCILE


@dataclass(frozen=True)
class ItemRow:
    item: str
    unit: str
    from_vouchers: Decimal
    from_ledger: Decimal

    @property
    def agrees(self) -> bool:
        return self.from_vouchers == self.from_ledger


@dataclass(frozen=True)
class DayReport:
    point_id: UUID
    day: date
    redemptions: int
    vouchers: int
    undone: int
    items: list[ItemRow]
    by_user: list[tuple[str, int]]
    conflicts: list[ConflictView] = field(default_factory=list)  # the day's, resolved or not

    @property
    def agrees(self) -> bool:
        return all(row.agrees for row in self.items)


async def reconcile(session: AsyncSession, point_id: UUID, day: date) -> DayReport:
    start, end = day_start(day), day_start(day + timedelta(days=1))
    in_day = (Redemption.point_id == point_id, Redemption.at >= start, Redemption.at < end)
    redemptions = list(await session.scalars(select(Redemption).where(*in_day)))
    kept = [r for r in redemptions if r.undone_at is None]
    kits = {kit.id: kit for kit in await session.scalars(select(Kit))}
    handed: dict[UUID, Decimal] = defaultdict(Decimal)
    rows = await session.execute(
        select(RedemptionLine.quantity, VoucherLine.item_id, VoucherLine.kit_id)
        .join(VoucherLine, VoucherLine.id == RedemptionLine.voucher_line_id)
        .where(RedemptionLine.redemption_id.in_([r.id for r in kept]))
    )
    for quantity, item_id, kit_id in rows.all():
        if kit_id:
            for line in kits[kit_id].lines:
                handed[line.item_id] += line.quantity * quantity
        else:
            handed[item_id] += quantity  # type: ignore[index]  # an item line when not a kit line
    # The ledger: the day's voucher issues at this point, and the reversals of those that were undone.
    issues = select(Movement.id).where(
        Movement.kind == MovementKind.ISSUE, Movement.source == "voucher", Movement.at >= start, Movement.at < end
    )
    reversals = select(Movement.id).where(Movement.reverses_id.in_(issues))
    taken: dict[UUID, Decimal] = defaultdict(Decimal)
    ledger = await session.execute(
        select(MovementLine.item_id, func.sum(MovementLine.quantity))
        .where(
            MovementLine.location_id == point_id,
            MovementLine.movement_id.in_(issues) | MovementLine.movement_id.in_(reversals),
        )
        .group_by(MovementLine.item_id)
    )
    for item_id, total in ledger.all():
        taken[item_id] = -Decimal(total)
    items = {item.id: item for item in await session.scalars(select(Item).where(Item.id.in_(set(handed) | set(taken))))}
    item_rows = sorted(
        (
            ItemRow(
                items[item_id].name,
                items[item_id].unit,
                handed.get(item_id, Decimal(0)),
                taken.get(item_id, Decimal(0)),
            )
            for item_id in set(handed) | set(taken)
            if handed.get(item_id) or taken.get(item_id)
        ),
        key=lambda row: row.item,
    )
    by_user: dict[str, int] = defaultdict(int)
    for redemption in kept:
        by_user[redemption.user_name] += 1
    return DayReport(
        point_id,
        day,
        len(kept),
        len({r.voucher_id for r in kept}),
        len(redemptions) - len(kept),
        item_rows,
        sorted(by_user.items()),
        await conflicts_of_day(session, point_id, day),
    )


class ReconciliationService(Service):
    @query
    async def points(self) -> list[Site]:
        """The distribution points whose days the user may see."""
        self.require(RECONCILE)
        return await distribution_points(self.session, self.actor, RECONCILE)

    @query
    async def day(self, point_id: UUID | None, day: date) -> tuple[Site, DayReport] | None:
        """A point's day (the user's first point when none is asked for; None when they have none). Another
        point than the user's own is refused (403), a point that does not exist too (404)."""
        self.require(RECONCILE)
        if point_id is None:
            points = await self.points()
            if not points:
                return None
            point = points[0]
        else:
            found = await self.session.get(Site, point_id)
            if found is None or SiteKind.DISTRIBUTION_POINT not in found.kinds:
                raise NotFound(_("This distribution point does not exist."))
            self.require(RECONCILE, found)
            point = found
        return point, await reconcile(self.session, point.id, day)
