"""Demo activities (`logistics seed demo`): five activities at the demo venue with past and coming sessions,
participants from the demo registry, a waiting list and past attendance."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.models import Activity, ActivitySession, Attendance, AttendanceStatus, SessionStatus
from logistics.activities.sessions import participants
from logistics.activities.signups import SignUpService
from logistics.core.actor import Actor
from logistics.core.i18n import local_zone
from logistics.people.models import Person
from logistics.sites.models import Site

ACTOR = Actor(user_id=None, username="seed", role="admin", sees_all_sites=True)


async def load_activities_demo(session: AsyncSession, data: dict[str, Any], today: date | None = None) -> int:
    """Once (when there are no activities); returns the number of activities added. Sessions and attendance are
    placed relative to `today` (the load day)."""
    if await session.scalar(select(Activity.id).limit(1)):
        return 0
    venue = await session.scalar(select(Site).where(Site.name == data["venue"]))
    if venue is None:
        return 0
    zone = local_zone()
    chooser = random.Random(11)
    adults = list(
        await session.scalars(
            select(Person).where(Person.anonymised_at.is_(None), Person.birth_year < 2006).order_by(Person.created_at)
        )
    )
    now = datetime.now(UTC)
    if today is not None and today != now.astimezone(zone).date():  # loaded as of another day: its noon
        now = datetime.combine(today, time(12), zone).astimezone(UTC)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    for row in data["activities"]:
        activity = Activity(
            title=row["title"],
            title_en=row["title_en"],
            title_uk=row["title_uk"],
            description=row["description"],
            category=row["category"],
            venue_id=venue.id,
            organiser=row["organiser"],
            audience=row["audience"],
            age_min=row.get("age_min"),
            capacity=row["capacity"],
            per_session=row["per_session"],
        )
        session.add(activity)
        await session.flush()
        sessions = []
        for week in range(-row["weeks_back"], row["weeks_ahead"]):
            for weekday, start, minutes in row["weekly"]:
                day: date = monday + timedelta(weeks=week, days=weekday)
                hour, minute = (int(part) for part in start.split(":"))
                starts = datetime.combine(day, time(hour, minute), zone).astimezone(UTC)
                sessions.append(
                    ActivitySession(
                        activity_id=activity.id, starts_at=starts, ends_at=starts + timedelta(minutes=minutes)
                    )
                )
        session.add_all(sessions)
        await session.flush()
        people = chooser.sample(adults, row["participants"])
        upcoming = [s for s in sessions if s.starts_at > now]
        service = SignUpService(session, ACTOR)
        for person in people:
            await service.sign_up(activity.id, person.id, upcoming[0].id if activity.per_session else None)
        for past in [s for s in sessions if s.starts_at <= now and s.status == SessionStatus.SCHEDULED]:
            for person in await participants(session, past):
                roll = chooser.random()
                status = (
                    AttendanceStatus.PRESENT
                    if roll < 0.78
                    else AttendanceStatus.LATE
                    if roll < 0.86
                    else AttendanceStatus.ABSENT
                )
                session.add(
                    Attendance(
                        session_id=past.id,
                        person_id=person.id,
                        status=status,
                        recorded_at=past.starts_at,
                        recorded_by="seed",
                    )
                )
    await session.flush()
    return len(data["activities"])
