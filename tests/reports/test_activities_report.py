"""The `activities` report on known data: sessions held, participants, places, attendance rate and completions per
activity and per category, the period's edges, the same figures after an erasure, and the exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from logistics.activities.models import COURSE, Activity, ActivitySession, Attendance, Places, SignUp
from logistics.core.i18n import local_zone
from logistics.people.models import Person
from logistics.reports.activities import build
from logistics.reports.core import Period

from ..conftest import login
from ..helpers import db_session, post_form
from .conftest import csv_tables, xlsx_tables

OCTOBER = Period.month(2026, 10)
SIGNED_UP = datetime(2026, 9, 20, 10, tzinfo=UTC)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC)


async def known_data(app: Any, people: Any) -> dict[str, Any]:
    """Three activities at one venue.

    - "Kurs" (language, a course, 4 places, 3 taken, 75 % to complete): sessions on 5, 12, 19, 26 October, one
      cancelled on 28 October, one at 23:30 on 30 September and one on 1 November. P1, P2, P3 signed up (P4
      cancelled, P5 waiting). P1 present, present, late, no-show (75 %: completed); P2 present once, then three
      no-shows; P3 not marked (the sessions were not closed); P6 a walk-in once. P4 present on 30 September, P5 on
      1 November: neither in October.
    - "Konwersacje" (language, a course of 5 places, none taken, 100 %): one session on 15 October, P1 and P9
      walk-ins, both present.
    - "Wycieczka" (culture, sign-up by session, 2 places each): at 20:00 on 31 October (P1 present, P7 no-show,
      2 places taken) and at 09:00 on 1 November (P8 signed up, 1 taken)."""
    venue = people.site_a
    async with db_session(app) as session:
        persons = {
            f"P{n}": Person(
                given_name=f"Uczestnik{n}", family_name=f"Nazwisko{n}", sex="female", last_activity_at=SIGNED_UP
            )
            for n in range(1, 10)
        }
        session.add_all(persons.values())
        course = Activity(title="Kurs", category="language", venue_id=venue.id, capacity=4, required_share=75)
        talks = Activity(title="Konwersacje", category="language", venue_id=venue.id, capacity=5, required_share=100)
        trip = Activity(title="Wycieczka", category="culture", venue_id=venue.id, capacity=2, per_session=True)
        session.add_all([course, talks, trip])
        await session.flush()

        def new_session(activity: Activity, moment: datetime, status: str = "scheduled") -> ActivitySession:
            held = ActivitySession(activity_id=activity.id, starts_at=moment, ends_at=moment, status=status)
            session.add(held)
            return held

        weekly = [new_session(course, at(date(2026, 10, day), 17)) for day in (5, 12, 19, 26)]
        new_session(course, at(date(2026, 10, 28), 17), "cancelled")
        before = new_session(course, at(date(2026, 9, 30), 23, 30))
        november = new_session(course, at(date(2026, 11, 1), 17))
        talk = new_session(talks, at(date(2026, 10, 15), 17))
        evening = new_session(trip, at(date(2026, 10, 31), 20))
        morning = new_session(trip, at(date(2026, 11, 1), 9))
        await session.flush()
        session.add_all(
            [
                Places(activity_id=course.id, scope=COURSE, capacity=4, taken=3),
                Places(activity_id=talks.id, scope=COURSE, capacity=5, taken=0),
                Places(activity_id=trip.id, scope=str(evening.id), capacity=2, taken=2),
                Places(activity_id=trip.id, scope=str(morning.id), capacity=2, taken=1),
            ]
        )
        for name, status in (("P1", "confirmed"), ("P2", "confirmed"), ("P3", "confirmed"), ("P4", "cancelled")):
            session.add(_sign_up(course, persons[name], status))
        session.add(_sign_up(course, persons["P5"], "waiting"))
        for name, held in (("P1", evening), ("P7", evening), ("P8", morning)):
            session.add(_sign_up(trip, persons[name], "confirmed", held))
        marks = [
            *[(weekly[n], "P1", status) for n, status in enumerate(("present", "present", "late", "absent"))],
            *[(weekly[n], "P2", status) for n, status in enumerate(("present", "absent", "absent", "absent"))],
            (weekly[1], "P6", "present"),
            (before, "P4", "present"),
            (november, "P5", "present"),
            (talk, "P1", "present"),
            (talk, "P9", "present"),
            (evening, "P1", "present"),
            (evening, "P7", "absent"),
        ]
        for held, name, status in marks:
            session.add(
                Attendance(session_id=held.id, person_id=persons[name].id, status=status, recorded_at=held.starts_at)
            )
        await session.commit()
        return {name: person.id for name, person in persons.items()}


def _sign_up(activity: Activity, person: Person, status: str, held: ActivitySession | None = None) -> SignUp:
    return SignUp(
        activity_id=activity.id,
        scope=str(held.id) if held else COURSE,
        session_id=held.id if held else None,
        person_id=person.id,
        status=status,
        created_at=SIGNED_UP,
    )


# Sessions held, participants, attended, places taken, places, present marks, no-show marks, rate, completions.
KONWERSACJE = [1, 2, 2, 0, 5, 2, 0, Decimal("100.0"), 2]
KURS = [4, 4, 3, 3, 4, 5, 4, Decimal("55.6"), 1]
WYCIECZKA = [1, 2, 1, 2, 2, 1, 1, Decimal("50.0"), 1]
IN_ALL = [6, 6, 4, 5, 11, 8, 5, Decimal("61.5"), 4]
NOTHING = [0, 0, 0, 0, 0, 0, 0, 0, None, 0]
#: Per category (enum order): activities, then the figures above.
BY_CATEGORY = [
    [2, 5, 5, 4, 3, 9, 7, 4, Decimal("63.6"), 3],  # language: P1 in both courses counts once
    NOTHING,  # job training
    NOTHING,  # parenting
    NOTHING,  # integration
    [1, *WYCIECZKA],  # culture
    NOTHING,  # counselling
    NOTHING,  # other
]


def _check(tables: list[Any]) -> None:
    by_activity, by_category = tables
    assert [row[0] for row in by_activity.rows] == ["Konwersacje", "Kurs", "Wycieczka"]
    assert [row[3:] for row in by_activity.rows] == [KONWERSACJE, KURS, WYCIECZKA]
    assert by_activity.rows[0][2] == "Noclegownia A"
    assert by_activity.total[3:] == IN_ALL
    assert [row[1:] for row in by_category.rows] == BY_CATEGORY
    assert by_category.total[1:] == [3, *IN_ALL]


async def test_figures_per_activity_and_category(app: Any, people: Any) -> None:
    await known_data(app, people)
    async with db_session(app) as session:
        _check(await build(session, OCTOBER))


async def test_the_edges_of_the_period(app: Any, people: Any) -> None:
    await known_data(app, people)
    async with db_session(app) as session:
        by_activity, _by_category = await build(session, Period(date(2026, 11, 1), date(2026, 11, 1)))
        september, _ = await build(session, Period(date(2026, 9, 30), date(2026, 9, 30)))
    # 1 November: the course's session (P1–P3 signed up, P5 present: 1 of 1 sessions, 75 % needed) and the
    # morning trip (P8 signed up, not marked: no rate).
    assert [row[0] for row in by_activity.rows] == ["Kurs", "Wycieczka"]
    assert by_activity.rows[0][3:] == [1, 4, 1, 3, 4, 1, 0, Decimal("100.0"), 1]
    assert by_activity.rows[1][3:] == [1, 1, 0, 1, 2, 0, 0, None, 0]
    # 30 September: the session at 23:30 (local time) is of that day; P4 (sign-up cancelled since) was present.
    assert september.rows[0][3:] == [1, 4, 1, 3, 4, 1, 0, Decimal("100.0"), 1]


async def test_exports_read_back_the_same_figures_and_erasure_changes_nothing(
    app: Any, client: Any, people: Any
) -> None:
    ids = await known_data(app, people)
    await login(client, "coordinator")
    query = "?from=2026-10-01&to=2026-10-31"
    page = await client.get(f"/reports/activities{query}")
    assert page.status_code == 200
    assert "Wycieczka" in page.text

    async def exported() -> tuple[Any, Any]:
        text = await client.get(f"/reports/activities/export.csv{query}")
        book = await client.get(f"/reports/activities/export.xlsx{query}")
        assert text.status_code == 200 and book.status_code == 200
        return csv_tables(text.text), xlsx_tables(book.content)

    def plain(figures: list[Any]) -> list[str]:
        """As the CSV writes them: 55.6, but 100 for 100.0."""
        return [
            "" if value is None else format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
            for value in figures
        ]

    def numbers(figures: list[Any]) -> list[Any]:
        return [float(value) if isinstance(value, Decimal) else value for value in figures]

    csv_before, xlsx_before = await exported()
    for (by_activity, by_category), convert in ((csv_before, plain), (xlsx_before, numbers)):
        assert len(by_activity[0]) == 12
        assert [row[3:] for row in by_activity[1:]] == [
            convert(KONWERSACJE),
            convert(KURS),
            convert(WYCIECZKA),
            convert(IN_ALL),
        ]
        assert [row[1:] for row in by_category[1:-1]] == [convert(row) for row in BY_CATEGORY]
        assert by_category[-1][1:] == convert([3, *IN_ALL])

    client.cookies.clear()
    await login(client, "caseworker")
    erased = await post_form(client, f"/people/{ids['P1']}/erase", {"confirmation": "Nazwisko1"})
    assert erased.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Person, ids["P1"])).anonymised_at is not None
        _check(await build(session, OCTOBER))
    client.cookies.clear()
    await login(client, "coordinator")
    assert await exported() == (csv_before, xlsx_before)


async def test_only_coordinators_and_administrators(client: Any, people: Any) -> None:
    for username in ("shelter", "volunteer"):
        client.cookies.clear()
        await login(client, username)
        for path in ("/reports/activities", "/reports/activities/export.csv", "/reports/activities/export.xlsx"):
            assert (await client.get(f"{path}?period=2026-10")).status_code == 403, (username, path)
