"""Demo vouchers (`logistics seed demo`): the programmes of seeds/demo/programmes.json, this month's vouchers for
the eligible demo households, part of them redeemed at the distribution points, and a device token per point."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Item, Kit
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Programme, ProgrammeLine, ProgrammePoint, Voucher
from logistics.vouchers.redeeming import RedemptionService, Refusal

ACTOR = Actor(user_id=None, username="seed", role="admin", sees_all_sites=True)


async def load_voucher_demo(session: AsyncSession, data: dict[str, Any]) -> tuple[int, int, list[str]]:
    """Once (when there are no programmes): returns vouchers issued, vouchers redeemed, and the device tokens."""
    if await session.scalar(select(Programme.id).limit(1)):
        return 0, 0, []
    kits = {kit.name: kit.id for kit in await session.scalars(select(Kit))}
    items = {item.name: item.id for item in await session.scalars(select(Item))}
    sites = {site.name: site.id for site in await session.scalars(select(Site))}
    programmes = []
    for row in data["programmes"]:
        programme = Programme(
            code=row["code"],
            name=row["name"],
            cycle=row["cycle"],
            rule=row["rule"],
            income_percent=Decimal(row["income_percent"]),
            lines=[
                ProgrammeLine(
                    position=position,
                    kit_id=kits.get(line.get("kit", "")),
                    item_id=items.get(line.get("item", "")),
                    quantity=Decimal(line["quantity"]),
                    per_person=line["per_person"],
                )
                for position, line in enumerate(row["lines"])
            ],
            point_rows=[ProgrammePoint(site_id=sites[name]) for name in row["points"]],
        )
        session.add(programme)
        programmes.append(programme)
    await session.flush()
    issued = []
    for programme in programmes:
        issued += await VoucherService(session, ACTOR).issue_batch(programme.id)
    points = list(
        await session.scalars(
            select(Site)
            .join(SiteKindRow, SiteKindRow.site_id == Site.id)
            .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
            .order_by(Site.name)
        )
    )
    chooser = random.Random(7)
    plan = []
    for number, voucher in enumerate(chooser.sample(issued, int(len(issued) * data["redeemed_share"]))):
        programme = next(p for p in programmes if p.id == voucher.programme_id)
        allowed = [p for p in points if not programme.point_ids or p.id in programme.point_ids]
        plan.append((voucher, allowed[number % len(allowed)]))
    await _deliver_for(session, plan, data["delivery"])
    redeemed = 0
    for voucher, point in plan:
        try:
            await RedemptionService(session, ACTOR).redeem(voucher.code, point.id, f"demo-{voucher.id}")
            redeemed += 1
        except Refusal:  # not enough stock there: the voucher stays to be redeemed (the refusal left nothing)
            continue
    devices = DeviceService(session, ACTOR)
    tokens = []
    for point in points:
        _device, token = await devices.create(point.id, data["device"])
        tokens.append(f"{point.name}: {token}")
    return len(issued), redeemed, tokens


async def _deliver_for(session: AsyncSession, plan: list[tuple[Voucher, Site]], source: str) -> None:
    """This month's food-aid delivery straight to the points: the components of the kits about to be handed out
    (and the items), with expiry dates four months ahead for perishable goods."""
    needs: dict[tuple[UUID, UUID], Decimal] = defaultdict(Decimal)
    ledger = LedgerService(session, ACTOR)
    for voucher, point in plan:
        kits = [(line.kit_id, int(line.entitled)) for line in voucher.lines if line.kit_id]
        for item_id, quantity in await ledger.kit_items(kits):
            needs[(point.id, item_id)] += quantity
        for line in voucher.lines:
            if line.item_id:
                needs[(point.id, line.item_id)] += line.entitled
    expiry = local_today() + timedelta(days=120)
    for point_id in sorted({point_id for point_id, _item in needs}):
        lines = []
        for (where, item_id), quantity in sorted(needs.items(), key=str):
            if where == point_id:
                item = await ledger.item(item_id)
                lines.append(ReceiptLine(item_id, quantity, expiry if item.perishable else None))
        await ledger.receive(point_id, source, lines, "FEPŻ")
