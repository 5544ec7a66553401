"""What the activities hold about a person, for the registry's RODO export, erasure and merge: sign-ups and
attendance. Erasure keeps them (attendance statistics need the counts) — the person record itself is anonymised
by the registry; merging moves them to the kept record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.models import Activity, ActivitySession, Attendance, SignUp
from logistics.people.privacy import PersonDataProvider, register_provider


async def export(session: AsyncSession, person_id: UUID) -> dict[str, Any]:
    sign_ups = await session.execute(
        select(SignUp, Activity.title)
        .join(Activity, Activity.id == SignUp.activity_id)
        .where(SignUp.person_id == person_id)
    )
    attendance = await session.execute(
        select(Attendance, ActivitySession.starts_at, Activity.title)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(Attendance.person_id == person_id)
        .order_by(ActivitySession.starts_at)
    )
    return {
        "sign_ups": [
            {
                "activity": title,
                "status": s.status,
                "signed_up": s.created_at.isoformat(),
                "signed_up_by": s.signed_up_by,
            }
            for s, title in sign_ups.all()
        ],
        "attendance": [
            {"activity": title, "session": starts.isoformat(), "status": a.status, "walk_in": a.walk_in}
            for a, starts, title in attendance.all()
        ],
    }


async def merge(session: AsyncSession, from_id: UUID, into_id: UUID) -> None:
    await session.execute(update(SignUp).where(SignUp.person_id == from_id).values(person_id=into_id))
    await session.execute(update(Attendance).where(Attendance.person_id == from_id).values(person_id=into_id))


register_provider(PersonDataProvider("activities", export, merge=merge))
