"""What the vouchers domain holds about a person, for the registry's RODO export and erasure.

Vouchers belong to households; a person's part is the vouchers of the household they belong to (with where and
when goods were handed out). Erasure blanks the first name and initial kept on the vouchers the person headed;
the vouchers themselves stay (the food-aid reports count them), tied to no one once the household is gone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.people.models import HouseholdMember, Relationship
from logistics.people.privacy import PersonDataProvider, register_provider
from logistics.sites.models import Site
from logistics.vouchers.models import Programme, Redemption, Voucher


async def _household_of(session: AsyncSession, person_id: UUID) -> tuple[UUID | None, bool]:
    member = await session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person_id))
    if member is None:
        return None, False
    return member.household_id, member.relationship == Relationship.HEAD


async def export(session: AsyncSession, person_id: UUID) -> list[dict[str, Any]]:
    household_id, _head = await _household_of(session, person_id)
    if household_id is None:
        return []
    rows = await session.execute(
        select(Voucher, Programme.name)
        .join(Programme, Programme.id == Voucher.programme_id)
        .where(Voucher.household_id == household_id)
        .order_by(Voucher.created_at)
    )
    result = []
    for voucher, programme in rows.all():
        redemptions = await session.execute(
            select(Redemption.at, Site.name, Redemption.undone_at)
            .join(Site, Site.id == Redemption.point_id)
            .where(Redemption.voucher_id == voucher.id)
            .order_by(Redemption.at)
        )
        result.append(
            {
                "programme": programme,
                "code": codes.format_code(voucher.code),
                "cycle": voucher.cycle,
                "status": voucher.status,
                "valid_from": voucher.valid_from.isoformat(),
                "valid_until": voucher.valid_until.isoformat(),
                "issued_by": voucher.issued_by,
                "redemptions": [
                    {"at": at.isoformat(), "point": point, "undone": undone is not None}
                    for at, point, undone in redemptions.all()
                ],
            }
        )
    return result


async def erase(session: AsyncSession, person_id: UUID) -> None:
    household_id, head = await _household_of(session, person_id)
    if household_id is not None and head:
        await session.execute(update(Voucher).where(Voucher.household_id == household_id).values(holder=""))


register_provider(PersonDataProvider("vouchers", export, erase=erase))
