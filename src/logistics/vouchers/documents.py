"""Vouchers on paper and in lists: what to print on each (household, entitlement, validity, points — or for a value
voucher its amount, balance, categories and partner shops) and the CSV rows handed to other systems. Printing and
listing are logged: a voucher carries a household's name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.inventory.ledger import number
from logistics.inventory.models import Item, Kit
from logistics.people.models import HouseholdMember, Person, Relationship
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers import grants
from logistics.vouchers.models import Programme, Voucher
from logistics.vouchers.printing import PointInfo, VoucherPrint

CSV_HEADER = ["code", "household_id", "programme", "valid_from", "valid_until"]
Catalogue = tuple[dict[Any, Item], dict[Any, Kit]]


async def _catalogue(session: AsyncSession) -> Catalogue:
    items = {item.id: item for item in await session.scalars(select(Item))}
    kits = {kit.id: kit for kit in await session.scalars(select(Kit))}
    return items, kits


async def _points(session: AsyncSession, programme: Programme) -> list[PointInfo]:
    """Where the programme's vouchers are redeemed: its distribution points (goods) or partner shops (value), or
    every active one of that kind when it names none."""
    query = select(Site).where(Site.is_active.is_(True)).order_by(Site.name)
    if programme.point_ids:
        query = query.where(Site.id.in_(programme.point_ids))
    else:
        kind = SiteKind.SHOP if programme.is_value else SiteKind.DISTRIBUTION_POINT
        query = query.join(SiteKindRow, SiteKindRow.site_id == Site.id).where(SiteKindRow.kind == kind)
    return [PointInfo(site.name, site.address, site.opening_hours) for site in await session.scalars(query)]


async def entitlement(session: AsyncSession, voucher: Voucher, catalogue: Catalogue | None = None) -> list[str]:
    """What the voucher entitles to, one line per kit or item: "1 × Paczka A", "3 l Olej rzepakowy 1 l" (the item
    and its unit in the current language where the catalogue has it)."""
    items, kits = catalogue or await _catalogue(session)
    lines = []
    for line in voucher.lines:
        if line.kit_id:
            lines.append(f"{number(line.entitled)} × {kits[line.kit_id].name}")
        else:
            item = items[line.item_id]
            lines.append(f"{number(line.entitled)} {item.unit_name} {item.local_name}")
    return lines


def categories_of(programme: Programme) -> list[str]:
    """A value programme's spending categories in the current language ("Food", "Hygiene and cleaning")."""
    return [grants.category_label(code) for code in programme.categories]


async def _head_names(session: AsyncSession, household_ids: set[Any]) -> dict[Any, str]:
    """The full name of each household's head (the first head by position, as `Household.head`), read as rows:
    a batch of a region prints 50,000 of them."""
    names: dict[Any, str] = {}
    ids = list(household_ids)
    for start in range(0, len(ids), 5_000):
        rows = await session.execute(
            select(HouseholdMember.household_id, Person.given_name, Person.family_name)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(
                HouseholdMember.household_id.in_(ids[start : start + 5_000]),
                HouseholdMember.relationship == Relationship.HEAD,
            )
            .order_by(HouseholdMember.position.desc())  # the first head wins
        )
        for household_id, given, family in rows.all():
            names[household_id] = f"{given} {family}".strip()
    return names


async def voucher_prints(session: AsyncSession, vouchers: Sequence[Voucher]) -> list[VoucherPrint]:
    programmes: dict[Any, Programme] = {}
    points: dict[Any, list[PointInfo]] = {}
    catalogue = await _catalogue(session)
    holders = await _head_names(session, {v.household_id for v in vouchers if v.household_id})
    prints = []
    for voucher in vouchers:
        if voucher.programme_id not in programmes:
            programme = await session.get(Programme, voucher.programme_id)
            assert programme is not None
            programmes[programme.id] = programme
            points[programme.id] = await _points(session, programme)
        programme = programmes[voucher.programme_id]
        prints.append(
            VoucherPrint(
                code=codes.format_code(voucher.code),
                household=holders.get(voucher.household_id, voucher.holder) if voucher.household_id else voucher.holder,
                programme=programme.name,
                lines=await entitlement(session, voucher, catalogue),
                valid_from=voucher.valid_from,
                valid_until=voucher.valid_until,
                points=points[voucher.programme_id],
                amount=voucher.amount,
                balance=voucher.balance if voucher.is_value else None,
                categories=categories_of(programme) if voucher.is_value else [],
            )
        )
    return prints


async def csv_rows(session: AsyncSession, vouchers: Sequence[Voucher], with_status: bool = False) -> list[list[str]]:
    names = dict((await session.execute(select(Programme.id, Programme.code))).all())
    return [
        [
            codes.format_code(voucher.code),
            str(voucher.household_id or ""),
            names.get(voucher.programme_id, ""),
            voucher.valid_from.isoformat(),
            voucher.valid_until.isoformat(),
            *([voucher.status] if with_status else []),
        ]
        for voucher in vouchers
    ]
