"""The in-kind report on known aid (tests/reports/aid.py): persons, families and handouts by programme, by point
and by kind of goods, the kilograms, the goods issued without a voucher — every figure; undone redemptions and
those just outside the period left out; erasing a person changes nothing; over HTTP, the page and the exports for
a coordinator, 403 for the others."""

from __future__ import annotations

from decimal import Decimal

from logistics.people.rodo import PrivacyService
from logistics.reports.core import Period
from logistics.reports.in_kind import build

from ..conftest import login
from ..helpers import db_session
from .aid import CASE_WORKER, build_known, english_report, figures
from .conftest import csv_tables, xlsx_tables

KG = Decimal

BY_PROGRAMME = [["FEPŻ", 3, 7, 4], ["Odzież zimowa", 1, 4, 1]]
BY_POINT = [["Punkt 1", 3, 7, 4], ["Punkt 2", 1, 4, 1]]
TOTAL = ["Total", 3, 7, 5]
# Food: pasta 3 × 2 × 0.5 kg + oil 3 × 0.92 kg (the tea has no weight); clothing: a jacket of 1.2 kg.
BY_KIND = [["Food", 3, 7, 4, KG("5.760")], ["Clothing", 1, 4, 1, KG("1.200")]]
NO_VOUCHER = [["Food", 1, "—"], ["Hygiene", 1, KG("0.300")]]  # the tea has no weight


async def test_every_figure_of_known_aid(app, people):
    await build_known(app)
    programmes, points, kinds, other = await english_report(app, build)
    assert programmes.columns == ["Programme", "Families", "Persons", "Handouts"]
    assert programmes.rows == BY_PROGRAMME
    assert programmes.total == TOTAL  # H1 had both programmes: once
    assert points.rows == BY_POINT
    assert points.total == TOTAL  # H1 at both points: once
    assert kinds.columns == ["Kind of goods", "Families", "Persons", "Handouts", "Kilograms"]
    assert kinds.rows == BY_KIND
    assert kinds.total == [*TOTAL, KG("6.960")]
    assert "net weight" in kinds.note  # the tea is not in the kilograms
    assert other.columns == ["Kind of goods", "Issues", "Kilograms"]
    assert other.rows == NO_VOUCHER  # the reversed jacket and September's soap are not counted
    assert other.total == ["Total", 2, KG("0.300")]
    assert "net weight" in other.note


async def test_a_period_holding_only_the_edges(app, people):
    """30 September holds H5's redemption (23:59:59) only; 1 November H4's (00:00) only."""
    await build_known(app)
    programmes, _points, _kinds, other = await english_report(app, build, Period.month(2026, 9))
    assert programmes.rows == [["FEPŻ", 1, 1, 1]]
    assert other.rows == [["Hygiene", 1, KG("0.500")]]
    november = await english_report(app, build, Period.month(2026, 11))
    assert november[0].rows == [["FEPŻ", 1, 1, 1]]
    assert november[1].rows == [["Punkt 1", 1, 1, 1]]
    empty = await english_report(app, build, Period.month(2026, 8))
    assert [table.rows for table in empty] == [[], [], [], []]
    assert empty[0].total == ["Total", 0, 0, 0]


async def test_erasing_a_person_leaves_the_report_unchanged(app, people):
    known = await build_known(app)
    before = figures(await english_report(app, build))
    async with db_session(app) as session:
        await PrivacyService(session, CASE_WORKER).erase(known.people["Anna"], "Kowalska")
        await session.commit()
    assert figures(await english_report(app, build)) == before


def _strings(rows):
    return [[str(cell) for cell in row] for row in rows]


async def test_the_page_and_the_exports_for_a_coordinator(app, client, people):
    await build_known(app)
    await login(client, "coordinator")
    client.cookies.set("lang", "en")
    query = "from=2026-10-01&to=2026-10-31"
    page = await client.get(f"/reports/in-kind?{query}")
    assert page.status_code == 200
    assert "Odzież zimowa" in page.text and "Goods issued without a voucher" in page.text
    csv = await client.get(f"/reports/in-kind/export.csv?{query}")
    assert csv.status_code == 200
    tables = csv_tables(csv.text)
    assert [table[0] for table in tables] == [
        ["Programme", "Families", "Persons", "Handouts"],
        ["Distribution point", "Families", "Persons", "Handouts"],
        ["Kind of goods", "Families", "Persons", "Handouts", "Kilograms"],
        ["Kind of goods", "Issues", "Kilograms"],
    ]
    assert [table[1:-1] for table in tables] == [
        _strings(BY_PROGRAMME),
        _strings(BY_POINT),
        _strings(BY_KIND),
        _strings(NO_VOUCHER),
    ]
    assert [table[-1] for table in tables] == [
        ["Total", "3", "7", "5"],
        ["Total", "3", "7", "5"],
        ["Total", "3", "7", "5", "6.960"],
        ["Total", "2", "0.300"],
    ]
    xlsx = await client.get(f"/reports/in-kind/export.xlsx?{query}")
    assert xlsx.status_code == 200
    sheets = xlsx_tables(xlsx.content)
    assert [sheet[1:] for sheet in sheets[:2]] == [[*BY_PROGRAMME, TOTAL], [*BY_POINT, TOTAL]]
    assert [[*row[:4], Decimal(str(row[4]))] for row in sheets[2][1:]] == [*BY_KIND, [*TOTAL, KG("6.96")]]
    assert sheets[3][1] == NO_VOUCHER[0]
    assert [[*row[:2], Decimal(str(row[2]))] for row in sheets[3][2:]] == [NO_VOUCHER[1], ["Total", 2, KG("0.3")]]


async def test_volunteers_and_warehouse_staff_may_not_see_it(app, client, people):
    for username in ("volunteer", "warehouse"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/reports/in-kind?period=2026-10")).status_code == 403
        assert (await client.get("/reports/in-kind/export.csv?period=2026-10")).status_code == 403
