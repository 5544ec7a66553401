"""The shelter's scheduled jobs: holds past their time are released; each night's occupancy is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.scheduler import register_job
from logistics.shelter.models import Bed, BedState, Hold
from logistics.shelter.rollcall import take_snapshot, tonight
from logistics.shelter.stays import end_hold


@register_job(
    "shelter.release_expired_holds",
    IntervalTrigger(minutes=5),
    "Release bed holds whose time has passed.",
    lease=timedelta(minutes=4),
)
async def release_expired_holds(session: AsyncSession) -> str:
    """Each hold past its time ends as expired and frees its bed — unless a check-in used it (or a desk released
    it) at the same moment: a hold ends once."""
    now = datetime.now(UTC)
    expired = await session.execute(select(Hold.id, Hold.bed_id).where(Hold.ended_at.is_(None), Hold.until < now))
    actor = Actor.system("holds")
    released = 0
    for hold_id, bed_id in expired.all():
        if not await end_hold(session, hold_id, "expired"):
            continue
        await session.execute(
            update(Bed).where(Bed.id == bed_id, Bed.state == BedState.HELD).values(state=BedState.AVAILABLE)
        )
        await audit.record(session, actor, "bed.hold_expired", "bed", bed_id, ["state"])
        released += 1
    return f"{released} expired holds released"


@register_job(
    "shelter.occupancy_snapshot",
    CronTrigger(hour=23, minute=30, timezone="Europe/Warsaw"),
    "Store each shelter's occupancy for tonight (point-in-time count).",
)
async def occupancy_snapshot(session: AsyncSession) -> str:
    night = tonight()
    sites = await take_snapshot(session, night)
    return f"occupancy of {sites} sites stored for the night of {night.isoformat()}"
