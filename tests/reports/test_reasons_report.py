"""The `reasons` report on known data: families and persons by reason for assistance and by form of help (shelter,
in kind, activities), the period's edges, the same figures after an erasure, and the exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from logistics.activities.models import Activity, ActivitySession, Attendance
from logistics.core.i18n import local_zone
from logistics.people.models import Household, HouseholdMember, HouseholdReason, Person, Reason
from logistics.reports.core import Period
from logistics.reports.reasons import build
from logistics.shelter.models import Bed, BedAssignment, Room, Stay
from logistics.shelter.occupancy import bed_nights
from logistics.vouchers.models import Programme, Redemption, Voucher

from ..conftest import login
from ..helpers import db_session, post_form
from .conftest import csv_tables, xlsx_tables

OCTOBER = Period.month(2026, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local time on a day, in UTC."""
    return datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC)


async def known_data(app: Any, people: Any) -> dict[str, Any]:
    """Households H1 (poverty, homelessness: A, B, C), H2 (unemployment: D, E), H3 (no reason: F); G and K in no
    household. Helped in October 2026: shelter A (a stay across the first day) and G (checked in on the last
    evening, still there); in kind H2 and H3 (23:30 on the last day); activities A, C (walk-in) and F (late).
    Not helped in October: K (left the morning of 1 October), E's stay (from 1 November), H1's redemption (undone)
    and its second one (00:30 on 1 November), G's no-show, B at a session on 1 November."""
    site = people.site_a
    async with db_session(app) as session:
        persons = {}
        for name in "ABCDEFGK":
            persons[name] = Person(
                given_name=f"Osoba{name}",
                family_name=f"Nazwisko{name}",
                sex="female" if name in "ACE" else "male",
                birth_year=1980,
                last_activity_at=datetime.now(UTC),
            )
        session.add_all(persons.values())
        households = {name: Household() for name in ("H1", "H2", "H3")}
        session.add_all(households.values())
        await session.flush()
        for household, names in (("H1", "ABC"), ("H2", "DE"), ("H3", "F")):
            for position, name in enumerate(names):
                session.add(
                    HouseholdMember(
                        household_id=households[household].id,
                        person_id=persons[name].id,
                        relationship="head" if position == 0 else "child",
                        position=position,
                    )
                )
        for household, reason in (("H1", Reason.POVERTY), ("H1", Reason.HOMELESSNESS), ("H2", Reason.UNEMPLOYMENT)):
            session.add(HouseholdReason(household_id=households[household].id, reason=reason))
        room = Room(site_id=site.id, name="Sala 1", category="mixed")
        session.add(room)
        await session.flush()
        bed = Bed(room_id=room.id, site_id=site.id, label="1")
        session.add(bed)
        await session.flush()
        for name, start, end in (
            ("A", at(date(2026, 9, 25), 20), at(date(2026, 10, 2), 8)),
            ("G", at(date(2026, 10, 31), 22), None),
            ("K", at(date(2026, 9, 20), 20), at(date(2026, 10, 1), 7)),
            ("E", at(date(2026, 11, 1), 20), at(date(2026, 11, 3), 8)),
        ):
            stay = Stay(person_id=persons[name].id, site_id=site.id, started_at=start, ended_at=end)
            session.add(stay)
            await session.flush()
            assignment = BedAssignment.begin(stay, bed, start)
            assignment.ended_at = end
            session.add(assignment)
        programme = Programme(code="ZYW", name="Paczki")
        session.add(programme)
        await session.flush()
        for number, (household, moment, undone) in enumerate(
            (
                ("H2", at(date(2026, 10, 15), 12), False),
                ("H3", at(date(2026, 10, 31), 23, 30), False),
                ("H1", at(date(2026, 10, 20), 12), True),
                ("H1", at(date(2026, 11, 1), 0, 30), False),
            )
        ):
            voucher = Voucher(
                code=f"CODE{number}",
                programme_id=programme.id,
                household_id=households[household].id,
                cycle=f"2026-{10 + number // 3}",
                valid_from=date(2026, 10, 1),
                valid_until=date(2026, 11, 30),
            )
            session.add(voucher)
            await session.flush()
            session.add(
                Redemption.for_voucher(
                    voucher,
                    request_id=f"request-{number}",
                    point_id=site.id,
                    at=moment,
                    user_name="warehouse",
                    undone_at=moment + timedelta(minutes=5) if undone else None,
                )
            )
        activity = Activity(title="Język polski", category="language", venue_id=site.id, capacity=10)
        session.add(activity)
        await session.flush()
        inside = ActivitySession(
            activity_id=activity.id, starts_at=at(date(2026, 10, 10), 10), ends_at=at(date(2026, 10, 10), 12)
        )
        after = ActivitySession(
            activity_id=activity.id, starts_at=at(date(2026, 11, 1), 10), ends_at=at(date(2026, 11, 1), 12)
        )
        session.add_all([inside, after])
        await session.flush()
        for activity_session, name, status, walk_in in (
            (inside, "A", "present", False),
            (inside, "F", "late", False),
            (inside, "G", "absent", False),
            (inside, "C", "present", True),
            (after, "B", "present", False),
        ):
            session.add(
                Attendance(
                    session_id=activity_session.id,
                    person_id=persons[name].id,
                    status=status,
                    walk_in=walk_in,
                    recorded_at=activity_session.starts_at,
                )
            )
        await session.commit()
        return {name: person.id for name, person in persons.items()}


#: Per reason: shelter families, persons; in kind; activities; grants (none here: see test_grants.py); any form
#: families, persons, persons in the families.
H1 = [1, 1, 0, 0, 1, 2, 0, 0, 1, 2, 3]
EXPECTED_BY_REASON = {
    Reason.POVERTY: H1,
    Reason.HOMELESSNESS: H1,
    Reason.UNEMPLOYMENT: [0, 0, 1, 2, 0, 0, 0, 0, 1, 2, 2],
    "": [1, 1, 1, 1, 1, 1, 0, 0, 2, 2, 2],  # G (shelter), H3 (in kind: F; activities: F)
}
EXPECTED_TOTAL = [2, 2, 2, 3, 2, 3, 0, 0, 4, 6, 7]
#: Families, persons, persons in these families: shelter, in kind, activities, grants; then any form.
EXPECTED_BY_FORM = [[2, 2, 4], [2, 3, 3], [2, 3, 4], [0, 0, 0]]
EXPECTED_ANY_FORM = [4, 6, 7]


def _expected_rows() -> list[list[int]]:
    return [EXPECTED_BY_REASON.get(reason, [0] * 11) for reason in [*Reason, ""]]


def _check(tables: list[Any]) -> None:
    by_reason, by_form, grants = tables
    assert len(by_reason.columns) == 12
    assert grants.rows == []  # no grants in this data
    assert [row[1:] for row in by_reason.rows] == _expected_rows()
    assert by_reason.total[1:] == EXPECTED_TOTAL
    assert [row[1:] for row in by_form.rows] == EXPECTED_BY_FORM
    assert by_form.total[1:] == EXPECTED_ANY_FORM


async def test_families_and_persons_by_reason_and_form(app: Any, people: Any) -> None:
    ids = await known_data(app, people)
    async with db_session(app) as session:
        tables = await build(session, OCTOBER)
        _check(tables)
        # The people given shelter are those with bed-nights in the period by the shelter's own count.
        nights = await bed_nights(session, first=OCTOBER.first, last=OCTOBER.last)
        stays = [stay_id for stay_id, number in nights.by_stay.items() if number > 0]
        sheltered = set(await session.scalars(select(Stay.person_id).where(Stay.id.in_(stays))))
    assert sheltered == {ids["A"], ids["G"]}
    assert tables[0].rows[-1][0] and tables[0].rows[0][0] != tables[0].rows[1][0]  # labelled rows


async def test_the_edges_of_the_period(app: Any, people: Any) -> None:
    await known_data(app, people)
    async with db_session(app) as session:
        # 1 November alone: E's stay, H1's redemption after midnight, B at the session; G still staying.
        november = await build(session, Period(date(2026, 11, 1), date(2026, 11, 1)))
        # 30 September alone: A's and K's stays (K left the morning of 1 October), nothing else.
        september = await build(session, Period(date(2026, 9, 30), date(2026, 9, 30)))
    # Shelter: E (H2) and G; in kind: H1 (A, B, C); activities: B (H1).
    assert november[1].rows == [
        [november[1].rows[0][0], 2, 2, 3],
        [november[1].rows[1][0], 1, 3, 3],
        [november[1].rows[2][0], 1, 1, 3],
        [november[1].rows[3][0], 0, 0, 0],
    ]
    assert november[1].total[1:] == [3, 5, 6]  # H1 (3), H2 (2: E), G (1)
    assert september[1].rows[0][1:] == [2, 2, 4]  # H1 (3 members) and K (alone)
    assert [row[1:] for row in september[1].rows[1:]] == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]


async def test_exports_read_back_the_same_figures_and_erasure_changes_nothing(
    app: Any, client: Any, people: Any
) -> None:
    ids = await known_data(app, people)
    await login(client, "coordinator")
    query = "?from=2026-10-01&to=2026-10-31"
    page = await client.get(f"/reports/reasons{query}")
    assert page.status_code == 200
    assert "Bezdomność" in page.text or "Homelessness" in page.text

    async def exported() -> tuple[Any, Any]:
        text = await client.get(f"/reports/reasons/export.csv{query}")
        book = await client.get(f"/reports/reasons/export.xlsx{query}")
        assert text.status_code == 200 and book.status_code == 200
        return csv_tables(text.text), xlsx_tables(book.content)

    csv_before, xlsx_before = await exported()
    for tables, as_number in ((csv_before, int), (xlsx_before, lambda value: value)):
        by_reason, by_form, grants = tables
        assert len(grants) == 2  # headings and the totals row: no grants here
        assert len(by_reason) == 1 + len(Reason) + 1 + 1  # headings, reasons, not recorded, totals
        assert [[as_number(cell) for cell in row[1:]] for row in by_reason[1:-1]] == _expected_rows()
        assert [as_number(cell) for cell in by_reason[-1][1:]] == EXPECTED_TOTAL
        assert [[as_number(cell) for cell in row[1:]] for row in by_form[1:-1]] == EXPECTED_BY_FORM
        assert [as_number(cell) for cell in by_form[-1][1:]] == EXPECTED_ANY_FORM

    client.cookies.clear()
    await login(client, "caseworker")
    for name in ("A", "F"):  # sheltered and helped in kind and at an activity; G is still staying: not erasable
        erased = await post_form(client, f"/people/{ids[name]}/erase", {"confirmation": f"Nazwisko{name}"})
        assert erased.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Person, ids["A"])).anonymised_at is not None
        _check(await build(session, OCTOBER))
    client.cookies.clear()
    await login(client, "coordinator")
    assert await exported() == (csv_before, xlsx_before)


async def test_only_coordinators_and_administrators(client: Any, people: Any) -> None:
    for username in ("shelter", "volunteer"):
        client.cookies.clear()
        await login(client, username)
        for path in ("/reports/reasons", "/reports/reasons/export.csv", "/reports/reasons/export.xlsx"):
            assert (await client.get(f"{path}?period=2026-10")).status_code == 403, (username, path)
    client.cookies.clear()
    await login(client, "admin")
    assert (await client.get("/reports/reasons?period=2026-10")).status_code == 200
