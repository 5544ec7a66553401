"""The registry's scheduled jobs: anonymising people after the retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.people.models import Person
from logistics.people.privacy import linked_sites
from logistics.people.rodo import erase_person
from logistics.scheduler import register_job
from logistics.settings import get_settings


@register_job(
    "people.retention",
    CronTrigger(hour=2, minute=40, timezone="UTC"),
    "Anonymise people with no activity for the retention period (LOGISTICS_RETENTION_YEARS).",
)
async def retention(session: AsyncSession) -> str:
    """People with no activity since the cut-off are anonymised. Their rows are locked, and a person someone is
    changing at this moment (a locked row: new activity) is left for the next run."""
    cutoff = datetime.now(UTC) - timedelta(days=365 * get_settings().retention_years)
    people = list(
        await session.scalars(
            select(Person)
            .where(Person.anonymised_at.is_(None), Person.merged_into_id.is_(None), Person.last_activity_at < cutoff)
            .order_by(Person.id)
            .limit(1000)
            .with_for_update(key_share=True, skip_locked=True)
        )
    )
    actor = Actor.system("retention")
    erased = staying = 0
    for person in people:
        if await linked_sites(session, person.id):  # still checked in (a long stay): not while staying
            staying += 1
            continue
        await erase_person(session, person, actor)
        erased += 1
    summary = f"{erased} people anonymised (no activity since {cutoff.date().isoformat()})"
    return summary + (f"; {staying} left: staying at a shelter now" if staying else "")
