"""The shelter report (MRPiPS-03 "schronienie"): every figure on known stays — stays across both edges of the
period, an open stay, a move between kinds of facility, a night visit without a bed-night — equal to
`bed_nights()`, unchanged by an erasure; `verify_nights` finds and repairs tampered nights; the pages and exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, update

from logistics.core.actor import Actor
from logistics.core.i18n import in_locale, local_zone
from logistics.people.models import Person
from logistics.people.rodo import PrivacyService
from logistics.reports.core import Period, Table
from logistics.reports.shelter import build
from logistics.reports.verify import verify_nights
from logistics.shelter.models import Bed, BedAssignment, Room, Stay
from logistics.shelter.occupancy import bed_nights
from logistics.sites.models import Site, SiteKindRow

from ..conftest import login
from ..helpers import db_session
from .conftest import csv_tables, xlsx_tables

NOVEMBER = Period(date(2025, 11, 1), date(2025, 11, 30))
CASE_WORKER = Actor(user_id=None, username="test", role="case_worker", sees_all_sites=True)


def at(day: str, hour: int, minute: int = 0) -> datetime:
    """A moment in the centre's time zone."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), local_zone()).replace(
        hour=hour, minute=minute
    )


@dataclass
class Known:
    sites: dict[str, UUID] = field(default_factory=dict)
    beds: dict[str, UUID] = field(default_factory=dict)
    people: dict[str, UUID] = field(default_factory=dict)
    assignments: dict[str, UUID] = field(default_factory=dict)


async def add_site(session: Any, name: str, kinds: list[str], *, active: bool = True) -> Site:
    site = Site(name=name, is_active=active, gmina="Gliwice", operator=f"Operator {name}")
    site.kind_rows = [SiteKindRow(kind=kind) for kind in kinds]
    session.add(site)
    await session.flush()
    return site


async def add_room(
    session: Any,
    site: Site,
    name: str,
    category: str,
    labels: list[str],
    *,
    accessible: tuple[str, ...] = (),
    room_active: bool = True,
    inactive: tuple[str, ...] = (),
    kind: str = "bed",
) -> dict[str, Bed]:
    room = Room(site_id=site.id, name=name, category=category, is_active=room_active)
    session.add(room)
    await session.flush()
    beds = {}
    for label in labels:
        beds[label] = Bed(
            room_id=room.id,
            site_id=site.id,
            label=label,
            kind=kind,
            accessible=label in accessible,
            is_active=label not in inactive,
        )
        session.add(beds[label])
    await session.flush()
    return beds


async def add_person(session: Any, key: str, sex: str, year: int | None) -> Person:
    person = Person(
        given_name=key, family_name=f"Nazwisko{key}", sex=sex, birth_year=year, last_activity_at=at("2025-11-01", 12)
    )
    session.add(person)
    await session.flush()
    return person


async def add_stay(
    session: Any,
    known: Known,
    person: str,
    legs: list[tuple[str, datetime]],
    ended: datetime | None,
    reason: str = "",
    group: UUID | None = None,
) -> Stay:
    """A stay through the beds `legs` (bed, from when); each leg ends when the next begins, the last at `ended`."""
    beds = [await session.get(Bed, known.beds[bed]) for bed, _start in legs]
    stay = Stay(
        person_id=known.people[person],
        site_id=beds[-1].site_id,
        started_at=legs[0][1],
        ended_at=ended,
        checkout_reason=reason,
        group_id=group,
    )
    session.add(stay)
    await session.flush()
    for index, (bed, (label, start)) in enumerate(zip(beds, legs, strict=True)):
        end = legs[index + 1][1] if index + 1 < len(legs) else ended
        assignment = BedAssignment.begin(stay, bed, start)
        assignment.ended_at = end
        session.add(assignment)
        await session.flush()
        known.assignments.setdefault(f"{person}:{label}", assignment.id)
    return stay


async def build_known(app: Any) -> Known:
    """Four facilities and nine people; the figures for November 2025 are worked out in EXPECTED below."""
    known = Known()
    async with db_session(app) as session:
        night = await add_site(session, "Noclegownia", ["night_shelter", "warming_centre"])  # counts as night shelter
        shelter = await add_site(session, "Schronisko", ["shelter"])
        care = await add_site(session, "Schronisko z opieką", ["shelter_with_care"])
        warming = await add_site(session, "Ogrzewalnia", ["warming_centre"])
        for site in (night, shelter, care, warming):
            known.sites[site.name] = site.id
        beds = {
            **await add_room(session, night, "N-M", "men", ["n1", "n2"]),
            **await add_room(session, shelter, "S-F", "family", ["s1", "s2", "s3"], accessible=("s1",)),
            **await add_room(session, shelter, "S-W", "women", ["s4", "s5"], inactive=("s5",)),
            **await add_room(session, care, "C-X", "mixed", ["c1", "c2"], accessible=("c1", "c2")),
            **await add_room(session, warming, "W-X", "mixed", ["w1", "w2"], kind="seat"),
            **await add_room(session, warming, "W-old", "mixed", ["w3", "w4"], room_active=False),
        }
        known.beds = {label: bed.id for label, bed in beds.items()}
        for key, sex, year in (
            ("P1", "male", 1970),  # 55 in 2025
            ("P2", "male", 2001),  # 24
            ("P3", "female", 1990),  # 35, mother
            ("P4", "female", 2015),  # 10, daughter
            ("P5", "male", 2019),  # 6, son
            ("P6", "female", 1960),  # 65
            ("P7", "male", 1964),  # 61
            ("P8", "male", None),  # year of birth not recorded
            ("P9", "female", 1980),  # stays outside November only
        ):
            known.people[key] = (await add_person(session, key, sex, year)).id
        # Across both edges of November: 30 nights in it; neither admitted nor leaving in it.
        await add_stay(session, known, "P1", [("n1", at("2025-10-28", 20))], at("2025-12-03", 9), "other")
        # Admitted at the night shelter, moved to the shelter with care services, left for own housing:
        # 5 nights (10–14 Nov) at the first, 5 (15–19 Nov) at the second.
        await add_stay(
            session,
            known,
            "P2",
            [("n2", at("2025-11-10", 21)), ("c2", at("2025-11-15", 19))],
            at("2025-11-20", 8),
            "own_housing",
        )
        # A family of three, still staying: 26 nights each in November (5–30 Nov).
        family = uuid4()
        for person, bed in (("P3", "s1"), ("P4", "s2"), ("P5", "s3")):
            await add_stay(session, known, person, [(bed, at("2025-11-05", 18))], None, group=family)
        # Since September, to hospital on 3 Nov: 2 nights (1–2 Nov).
        await add_stay(session, known, "P6", [("c1", at("2025-09-01", 12))], at("2025-11-03", 10), "hospital")
        # The last night of November, leaving on 1 Dec at 07:00: one night, admitted in November, exit in December.
        await add_stay(session, known, "P7", [("w1", at("2025-11-30", 20))], at("2025-12-01", 7), "other")
        # Came at 20:00, gone at 05:00: no bed-night (the night of the check-out is the night of the check-in),
        # but given shelter, admitted and left in November.
        await add_stay(session, known, "P8", [("w2", at("2025-11-12", 20))], at("2025-11-13", 5), "left_without_notice")
        # Left at 05:30 on 1 Nov (still the night of 31 Oct) and came back in December: nothing in November.
        await add_stay(session, known, "P9", [("s4", at("2025-10-01", 19))], at("2025-11-01", 5, 30), "other")
        await add_stay(session, known, "P9", [("s4", at("2025-12-05", 19))], at("2025-12-08", 9), "other")
        await session.commit()
    return known


#: Kind of facility: people, families, bed-nights, admissions, exits.
BY_KIND = [
    ["Night shelter", 2, 2, 35, 1, 0],
    ["Shelter", 3, 1, 78, 3, 0],
    ["Shelter with care services", 2, 2, 7, 0, 2],
    ["Warming centre", 2, 2, 1, 2, 1],
    ["Collective accommodation", 0, 0, 0, 0, 0],
    ["Supported flat", 0, 0, 0, 0, 0],
]
#: P2 is counted under two kinds but once in all: 8 people, 6 families (P1, P2, the family, P6, P7, P8).
BY_KIND_TOTAL = ["Total", 8, 6, 121, 6, 3]
BY_AGE = [
    ["0–17", 1, 1, 2],
    ["18–24", 0, 1, 1],
    ["25–59", 1, 1, 2],
    ["60–64", 0, 1, 1],
    ["65 and over", 1, 0, 1],
    ["Year of birth not recorded", 0, 1, 1],
]
BY_AGE_TOTAL = ["Total", 3, 5, 8]
BY_REASON = [
    ["Own housing", 1],
    ["Another facility", 0],
    ["Hospital", 1],
    ["Left without notice", 1],
    ["Rules violation", 0],
    ["Death", 0],
    ["Other", 0],
]
BY_REASON_TOTAL = ["Total", 3]


async def english_report(app: Any, period: Period = NOVEMBER) -> list[Table]:
    async with db_session(app) as session:
        with in_locale("en"):
            return await build(session, period)


def figures(tables: list[Table]) -> list[tuple[list[Any], list[Any] | None]]:
    return [(table.rows, table.total) for table in tables]


async def test_every_figure_of_a_known_month(app, people):
    await build_known(app)
    kinds, ages, reasons = await english_report(app)
    assert kinds.columns == ["Kind of facility", "People", "Families", "Bed-nights", "Admissions", "Exits"]
    assert kinds.rows == BY_KIND and kinds.total == BY_KIND_TOTAL
    assert ages.rows == BY_AGE and ages.total == BY_AGE_TOTAL
    assert reasons.rows == BY_REASON and reasons.total == BY_REASON_TOTAL


async def test_bed_nights_equal_the_python_count(app, people):
    known = await build_known(app)
    async with db_session(app) as session:
        counted = await bed_nights(session, first=NOVEMBER.first, last=NOVEMBER.last)
        everything = Period(date(2025, 1, 1), date(2100, 12, 31))  # open stays up to tonight
        counted_all = await bed_nights(session, first=everything.first, last=everything.last)
    assert counted.total == 121
    assert counted.by_site == {
        known.sites["Noclegownia"]: 35,
        known.sites["Schronisko"]: 78,
        known.sites["Schronisko z opieką"]: 7,
        known.sites["Ogrzewalnia"]: 1,
    }
    kinds, _ages, _reasons = await english_report(app, everything)
    assert kinds.total is not None and kinds.total[3] == counted_all.total
    assert counted_all.total > 121 + 3 * 300  # the open family stays count up to tonight


async def test_one_night_periods_at_the_edges(app, people):
    await build_known(app)
    # 30 November: P1, the family, P7 hold a bed (5 bed-nights); P7 is admitted on it.
    kinds, _ages, _reasons = await english_report(app, Period(date(2025, 11, 30), date(2025, 11, 30)))
    assert kinds.total == ["Total", 5, 3, 5, 1, 0]
    # 1 December: P1 and the family hold a bed, P7 has left (an exit on 1 Dec at 07:00).
    kinds, _ages, reasons = await english_report(app, Period(date(2025, 12, 1), date(2025, 12, 1)))
    assert kinds.total == ["Total", 4, 2, 4, 0, 1]
    assert reasons.total == ["Total", 1]


async def test_a_site_without_a_shelter_kind_is_counted_apart(app, people):
    known = await build_known(app)
    async with db_session(app) as session:
        site = await session.get(Site, known.sites["Ogrzewalnia"])
        site.kind_rows = [SiteKindRow(kind="activity_venue")]
        await session.commit()
    kinds, _ages, _reasons = await english_report(app)
    assert kinds.rows[3] == ["Warming centre", 0, 0, 0, 0, 0]
    assert kinds.rows[-1] == ["Other sites (no shelter kind now)", 2, 2, 1, 2, 1]
    assert kinds.total == BY_KIND_TOTAL


async def test_erasing_a_person_leaves_the_report_unchanged(app, people):
    known = await build_known(app)
    before = figures(await english_report(app))
    async with db_session(app) as session:
        await PrivacyService(session, CASE_WORKER).erase(known.people["P2"], "NazwiskoP2")
        await session.commit()
    async with db_session(app) as session:
        person = await session.get(Person, known.people["P2"])
        assert person.anonymised_at is not None and person.family_name != "NazwiskoP2"
    assert figures(await english_report(app)) == before


async def test_verify_nights_finds_and_repairs_tampered_rows(app, people):
    known = await build_known(app)
    async with db_session(app) as session:
        assert await verify_nights(session) == 0
        await session.execute(
            update(BedAssignment)
            .where(BedAssignment.id == known.assignments["P1:n1"])
            .values(first_night=date(2025, 11, 20))
        )
        await session.execute(
            update(BedAssignment).where(BedAssignment.id == known.assignments["P6:c1"]).values(end_night=None)
        )
        await session.commit()
    kinds, _ages, _reasons = await english_report(app)
    assert kinds.total != BY_KIND_TOTAL  # the tampered nights are what the report counts
    async with db_session(app) as session:
        assert await verify_nights(session) == 2
        assert await verify_nights(session) == 2  # counting changes nothing
        assert await verify_nights(session, repair=True) == 2
        await session.commit()
    async with db_session(app) as session:
        assert await verify_nights(session) == 0
        first, end = (
            await session.execute(
                select(BedAssignment.first_night, BedAssignment.end_night).where(
                    BedAssignment.id == known.assignments["P6:c1"]
                )
            )
        ).one()
        assert (first, end) == (date(2025, 9, 1), date(2025, 11, 3))
    kinds, _ages, _reasons = await english_report(app)
    assert kinds.rows == BY_KIND and kinds.total == BY_KIND_TOTAL


def _numbers(row: list[Any]) -> list[Any]:
    return [int(cell) if isinstance(cell, str) and cell.isdigit() else cell for cell in row[1:]]


async def test_pages_and_exports_for_the_coordinator(app, client, people):
    await build_known(app)
    await login(client, "coordinator")
    query = "from=2025-11-01&to=2025-11-30"
    page = await client.get(f"/reports/shelter?{query}")
    assert page.status_code == 200
    assert "Schronisko z usługami opiekuńczymi" in page.text and "121" in page.text
    expected = [
        [[row[1:] for row in BY_KIND], BY_KIND_TOTAL[1:]],
        [[row[1:] for row in BY_AGE], BY_AGE_TOTAL[1:]],
        [[row[1:] for row in BY_REASON], BY_REASON_TOTAL[1:]],
    ]
    exported = await client.get(f"/reports/shelter/export.csv?{query}")
    assert exported.status_code == 200
    tables = csv_tables(exported.text)
    assert [[[_numbers(row) for row in table[1:-1]], _numbers(table[-1])] for table in tables] == expected
    assert tables[0][0][0] == "Rodzaj placówki" and tables[0][1][0] == "Noclegownia"  # in Polish
    workbook = await client.get(f"/reports/shelter/export.xlsx?{query}")
    assert workbook.status_code == 200
    sheets = xlsx_tables(workbook.content)
    assert [[[row[1:] for row in sheet[1:-1]], sheet[-1][1:]] for sheet in sheets] == expected


async def test_other_roles_may_not_see_the_report(app, client, people):
    for username in ("caseworker", "shelter"):
        await login(client, username)
        assert (await client.get("/reports/shelter?period=2025-11")).status_code == 403
        assert (await client.get("/reports/shelter/export.csv?period=2025-11")).status_code == 403
