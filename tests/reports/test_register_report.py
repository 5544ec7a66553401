"""The voivode's register of shelter places: per active shelter site its commune, operator, kinds and places by
room category (active beds in active rooms), accessible and free now — the occupancy board's figures; the page and
exports; other roles refused."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update

from logistics.core.i18n import in_locale
from logistics.people.rodo import PrivacyService
from logistics.reports.core import Period, Table
from logistics.reports.register import build
from logistics.shelter.models import Bed
from logistics.shelter.occupancy import occupancy

from ..conftest import login
from ..helpers import db_session
from .conftest import csv_tables, xlsx_tables
from .test_shelter_report import CASE_WORKER, add_room, add_site, build_known

PERIOD = Period(date(2025, 11, 1), date(2025, 11, 30))

#: Commune, facility, address, run by, kinds; places: all, men, women, families, mixed, accessible, free now.
EXPECTED = [
    ["", "Noclegownia A", "ul. Testowa 1", "", "Night shelter", 0, 0, 0, 0, 0, 0, 0],
    ["", "Schronisko B", "ul. Testowa 2", "", "Shelter", 0, 0, 0, 0, 0, 0, 0],
    # n2 out of service
    ["Gliwice", "Noclegownia", "", "Operator Noclegownia", "Night shelter, Warming centre", 2, 2, 0, 0, 0, 0, 1],
    # the inactive room W-old is left out
    ["Gliwice", "Ogrzewalnia", "", "Operator Ogrzewalnia", "Warming centre", 2, 0, 0, 0, 2, 0, 2],
    # s1–s3 occupied by the family; the inactive bed s5 is left out
    ["Gliwice", "Schronisko", "", "Operator Schronisko", "Shelter", 4, 0, 1, 3, 0, 1, 1],
    # c2 held
    [
        "Gliwice",
        "Schronisko z opieką",
        "",
        "Operator Schronisko z opieką",
        "Shelter with care services",
        2,
        0,
        0,
        0,
        2,
        2,
        1,
    ],
]
TOTAL = ["Total", None, None, None, None, 10, 2, 1, 3, 4, 3, 5]


async def build_places(app: Any) -> Any:
    known = await build_known(app)
    async with db_session(app) as session:
        states = {"s1": "occupied", "s2": "occupied", "s3": "occupied", "c2": "held", "n2": "out_of_service"}
        for label, state in states.items():
            await session.execute(update(Bed).where(Bed.id == known.beds[label]).values(state=state))
        closed = await add_site(session, "Stara noclegownia", ["night_shelter"], active=False)
        await add_room(session, closed, "X", "men", ["x1", "x2"])
        store = await add_site(session, "Magazyn", ["warehouse"])
        await add_room(session, store, "Y", "mixed", ["y1"])
        await session.commit()
    return known


async def english_register(app: Any) -> list[Table]:
    async with db_session(app) as session:
        with in_locale("en"):
            return await build(session, PERIOD)


async def test_every_figure_of_the_register(app, people):
    await build_places(app)
    (table,) = await english_register(app)
    assert table.columns[:6] == ["Commune (gmina)", "Facility", "Address", "Run by", "Kind of facility", "Places"]
    assert table.rows == EXPECTED
    assert table.total == TOTAL
    async with db_session(app) as session:  # the occupancy board's figures
        board = {entry.site.name: (entry.all.total, entry.all.free) for entry in await occupancy(session, None)}
    assert {row[1]: (row[5], row[11]) for row in table.rows} == board


async def test_erasing_a_person_leaves_the_register_unchanged(app, people):
    known = await build_places(app)
    before = await english_register(app)
    async with db_session(app) as session:
        await PrivacyService(session, CASE_WORKER).erase(known.people["P2"], "NazwiskoP2")
        await session.commit()
    after = await english_register(app)
    assert [(t.rows, t.total) for t in after] == [(t.rows, t.total) for t in before]


def _cells(row: list[Any]) -> list[Any]:
    """Exported cells compared with EXPECTED: blanks as None, whole numbers as ints, the kinds left out (Polish)."""
    values = [None if cell in ("", None) else int(cell) if str(cell).isdigit() else cell for cell in row]
    return values[:4] + values[5:]


async def test_page_and_exports_for_the_coordinator(app, client, people):
    await build_places(app)
    await login(client, "coordinator")
    page = await client.get("/reports/voivode-register?period=2025-11")
    assert page.status_code == 200
    assert "Operator Schronisko z opieką" in page.text and "Schronisko z usługami opiekuńczymi" in page.text
    expected = [_cells(row) for row in EXPECTED]
    expected_total = [None if cell == "" else cell for cell in TOTAL[1:4]] + TOTAL[5:]
    exported = await client.get("/reports/voivode-register/export.csv?period=2025-11")
    assert exported.status_code == 200
    (table,) = csv_tables(exported.text)
    assert table[0][0] == "Gmina" and table[0][4] == "Rodzaj placówki"
    assert [_cells(row) for row in table[1:-1]] == expected
    assert table[3][4] == "Noclegownia, Ogrzewalnia"
    assert table[-1][0] == "Razem" and _cells(table[-1])[1:] == expected_total
    workbook = await client.get("/reports/voivode-register/export.xlsx?period=2025-11")
    assert workbook.status_code == 200
    (sheet,) = xlsx_tables(workbook.content)
    assert [_cells(row) for row in sheet[1:-1]] == expected
    assert _cells(sheet[-1])[1:] == expected_total


async def test_other_roles_may_not_see_the_register(app, client, people):
    for username in ("caseworker", "shelter"):
        await login(client, username)
        assert (await client.get("/reports/voivode-register?period=2025-11")).status_code == 403
        assert (await client.get("/reports/voivode-register/export.xlsx?period=2025-11")).status_code == 403
