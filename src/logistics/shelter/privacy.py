"""What the shelter holds about a person, for the registry's RODO export, erasure and merge — and the sites
whose staff may open the person's record (where the person is staying now)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.people.privacy import PersonDataProvider, register_provider
from logistics.shelter.models import Bed, BedAssignment, Hold, Room, Stay
from logistics.sites.models import Site


async def export(session: AsyncSession, person_id: UUID) -> list[dict[str, Any]]:
    stays = await session.scalars(select(Stay).where(Stay.person_id == person_id).order_by(Stay.started_at))
    result = []
    for stay in stays:
        beds = await session.execute(
            select(BedAssignment, Bed.label, Room.name, Site.name)
            .join(Bed, Bed.id == BedAssignment.bed_id)
            .join(Room, Room.id == Bed.room_id)
            .join(Site, Site.id == Bed.site_id)
            .where(BedAssignment.stay_id == stay.id)
            .order_by(BedAssignment.started_at)
        )
        result.append(
            {
                "checked_in": stay.started_at.isoformat(),
                "checked_out": stay.ended_at.isoformat() if stay.ended_at else None,
                "checkout_reason": stay.checkout_reason,
                "destination": stay.destination,
                "beds": [
                    {
                        "site": site,
                        "room": room,
                        "bed": label,
                        "from": a.started_at.isoformat(),
                        "to": a.ended_at.isoformat() if a.ended_at else None,
                    }
                    for a, label, room, site in beds.all()
                ],
            }
        )
    return result


async def erase(session: AsyncSession, person_id: UUID) -> None:
    """Stays stay (bed-nights and statistics need them); the free-text destination and hold notes go."""
    await session.execute(update(Stay).where(Stay.person_id == person_id).values(destination=""))
    await session.execute(update(Hold).where(Hold.person_id == person_id).values(note=""))


async def merge(session: AsyncSession, from_id: UUID, into_id: UUID) -> None:
    both_open = await session.scalar(
        select(Stay.id).where(Stay.person_id == into_id, Stay.ended_at.is_(None))
    ) and await session.scalar(select(Stay.id).where(Stay.person_id == from_id, Stay.ended_at.is_(None)))
    if both_open:
        raise DomainError(_("Both records have a current stay. Check one of them out before merging."))
    for table in (Stay, BedAssignment, Hold):
        await session.execute(update(table).where(table.person_id == from_id).values(person_id=into_id))


async def sites(session: AsyncSession, person_id: UUID) -> set[UUID]:
    site = await session.scalar(select(Stay.site_id).where(Stay.person_id == person_id, Stay.ended_at.is_(None)))
    return {site} if site else set()


register_provider(PersonDataProvider("shelter", export, erase=erase, merge=merge, sites=sites))
