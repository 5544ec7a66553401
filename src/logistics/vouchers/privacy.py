"""What the vouchers domain holds about a person, for the registry's RODO export and erasure.

Vouchers belong to households; a person's part is the vouchers of the household they belong to (with where and
when goods were handed out) — for a grant (a value voucher) its amount, what was spent, the decision behind it
(number, date, legal basis, purpose) and each spend (when, at which shop, how much, on what). Erasure blanks the
first name and initial kept on the vouchers the person headed and the free-text purpose notes of the household's
grant decisions; the vouchers and the decisions themselves stay (the reports and the centre's records count them),
tied to no one once the household is gone.
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
from logistics.vouchers.grants import basis_label, category_label
from logistics.vouchers.models import GrantDecision, Programme, Redemption, Spend, Voucher


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
        exported: dict[str, Any] = {
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
        if voucher.is_value:
            exported |= await _grant(session, voucher)
        result.append(exported)
    return result


async def _grant(session: AsyncSession, voucher: Voucher) -> dict[str, Any]:
    """A value voucher's amount, what was spent, its decision and its spends (amounts as "45.90")."""
    decision = await session.scalar(select(GrantDecision).where(GrantDecision.voucher_id == voucher.id))
    spends = await session.execute(
        select(Spend, Site.name)
        .join(Site, Site.id == Spend.shop_id)
        .where(Spend.voucher_id == voucher.id)
        .order_by(Spend.at)
    )
    return {
        "amount": str(voucher.amount),
        "spent": str(voucher.spent),
        "balance": str(voucher.balance),
        "grant_decision": None
        if decision is None
        else {
            "number": decision.number,
            "decided_on": decision.decided_on.isoformat(),
            "decided_by": decision.decided_by,
            "legal_basis": decision.legal_basis,
            "legal_basis_label": basis_label(decision.legal_basis),
            "purpose": decision.purpose,
            "purpose_label": category_label(decision.purpose),
            "purpose_note": decision.purpose_note,
            "amount": str(voucher.amount),
            "spent": str(voucher.spent),
        },
        "spends": [
            {
                "at": spend.at.isoformat(),
                "shop": shop,
                "amount": str(spend.amount),
                "category": spend.category,
                "category_label": category_label(spend.category),
                "undone": spend.undone_at is not None,
            }
            for spend, shop in spends.all()
        ],
    }


async def erase(session: AsyncSession, person_id: UUID) -> None:
    household_id, head = await _household_of(session, person_id)
    if household_id is not None and head:
        await session.execute(update(Voucher).where(Voucher.household_id == household_id).values(holder=""))
    if household_id is not None:  # a note in words may tell about any member
        await session.execute(
            update(GrantDecision).where(GrantDecision.household_id == household_id).values(purpose_note="")
        )


register_provider(PersonDataProvider("vouchers", export, erase=erase))
