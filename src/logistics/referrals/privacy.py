"""What the referrals hold about a person, for the registry's RODO export, erasure and merging.

Export: each of the person's referrals (code, kind, service or activity, status, dates, reason, what was asked for,
the receiving institution's note). Erasure blanks the first name and initial and every free text (reason, what was
asked for, the confirmation note, the reason of a cancellation); the kind, status, dates, the service and the
household size stay, tied to no one, for the figures (the FEPŻ report counts them). Merge moves the referrals to
the record kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.activities.models import Activity
from logistics.directory.models import Service
from logistics.people.privacy import PersonDataProvider, register_provider
from logistics.referrals.models import CONFIRMABLE, Referral, ReferralStatus


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, person_id: UUID) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Referral, Service.institution, Service.name, Activity.title)
        .outerjoin(Service, Service.id == Referral.service_id)
        .outerjoin(Activity, Activity.id == Referral.activity_id)
        .where(Referral.person_id == person_id)
        .order_by(Referral.issued_on, Referral.id)
    )
    return [
        {
            "code": codes.format_code(referral.code),
            "kind": referral.kind,
            "service": f"{institution} — {name}" if name else (title or ""),
            "status": referral.status,
            "issued_on": _day(referral.issued_on),
            "expected_by": _day(referral.expected_by),
            "came_on": _day(referral.came_on),
            "cancelled_at": _day(referral.cancelled_at),
            "issued_by": referral.issued_by,
            "household_size": referral.household_size,
            "reason": referral.reason,
            "requested": referral.requested,
            "eligibility": referral.eligibility,
            "note": referral.confirmation_note,
            "cancelled_reason": referral.cancelled_reason,
        }
        for referral, institution, name, title in rows.all()
    ]


async def erase(session: AsyncSession, person_id: UUID) -> None:
    """Blank every free text and the income statement; an open referral is cancelled, so its code confirms nothing
    (nobody could write a note about the person there any more)."""
    await session.execute(
        update(Referral)
        .where(Referral.person_id == person_id, Referral.status.in_([status.value for status in CONFIRMABLE]))
        .values(status=ReferralStatus.CANCELLED.value, cancelled_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Referral)
        .where(Referral.person_id == person_id)
        .values(holder="", reason="", requested="", confirmation_note="", cancelled_reason="", eligibility="")
        .execution_options(synchronize_session=False)
    )


async def merge(session: AsyncSession, from_id: UUID, into_id: UUID) -> None:
    await session.execute(
        update(Referral)
        .where(Referral.person_id == from_id)
        .values(person_id=into_id)
        .execution_options(synchronize_session=False)
    )


register_provider(PersonDataProvider("referrals", export, erase=erase, merge=merge))
