"""Activities set-up: a venue, a course of weekly sessions with 3 places, a per-session outing, and twelve people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from logistics.activities.models import Activity, ActivitySession
from logistics.core.actor import Actor
from logistics.people.models import Person
from logistics.people.services import PersonService
from logistics.sites.services import SiteInput, SiteService

from ..helpers import db_session

STAFF = Actor(user_id=None, username="pracownik", role="case_worker", sees_all_sites=True)


@dataclass
class Classes:
    venue: Any
    course: Any  # Polish for adults, 3 places, 4 weekly sessions from tomorrow
    outing: Any  # per session, 2 places, one session next week
    sessions: list[Any]  # the course's
    outing_session: Any
    people: list[Any]  # twelve adults; people[0] born 2015 (a child), the others 1980


@pytest.fixture
async def classes(app, people) -> Classes:
    async with db_session(app) as session:
        venue = await SiteService(session, Actor.system("test")).create_site(
            SiteInput("Centrum Aktywności", "ul. Jasna 1", "", "", ["activity_venue"])
        )
        course = Activity(
            title="Język polski A1",
            title_uk="Польська мова A1",
            category="language",
            venue_id=venue.id,
            capacity=3,
            age_min=18,
        )
        outing = Activity(
            title="Wyjście do muzeum", category="culture", venue_id=venue.id, capacity=2, per_session=True
        )
        session.add_all([course, outing])
        await session.flush()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        sessions = [
            ActivitySession(
                activity_id=course.id,
                starts_at=start + timedelta(days=7 * n),
                ends_at=start + timedelta(days=7 * n, minutes=90),
            )
            for n in range(4)
        ]
        trip = ActivitySession(
            activity_id=outing.id, starts_at=start + timedelta(days=6), ends_at=start + timedelta(days=6, hours=3)
        )
        session.add_all([*sessions, trip])
        members = [
            Person(
                given_name=f"Osoba{n:02}",
                family_name="Testowa",
                sex="female",
                birth_date=date(2015, 1, 1) if n == 0 else date(1980, 1, 1),
                phone=f"+48 600 000 0{n:02}",
                preferred_language="uk" if n == 1 else "pl",
                last_activity_at=datetime.now(UTC),
            )
            for n in range(12)
        ]
        session.add_all(members)
        await session.flush()
        for person in members:  # the registry's search tokens, as registering a person writes them
            await PersonService(session, STAFF)._index(person)
        await session.commit()
        return Classes(venue, course, outing, sessions, trip, members)
