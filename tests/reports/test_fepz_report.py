"""The FEPŻ report on known aid (tests/reports/aid.py): people by the partners' categories per point and in total
(each person once per point and once in the total), packages, kilograms per product and in total; the age bands'
edges (15/16, 17, 64/65) and configurable children's bands; undone redemptions and those just outside the period
left out; erasing a person changes nothing; over HTTP, the page and the exports for a coordinator, 403 for the
others. Also the bands setting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from logistics.people.rodo import PrivacyService
from logistics.reports.core import Period
from logistics.reports.fepz import build
from logistics.settings import get_settings, load_settings, parse_age_bands

from ..conftest import login
from ..helpers import db_session
from .aid import CASE_WORKER, build_known, english_report, figures
from .conftest import csv_tables, xlsx_tables

KG = Decimal

COLUMNS = [
    "Distribution point",
    "People",
    "Children 0–15",
    "Children 16–17",
    "Aged 65 and over",
    "Age unknown",
    "Females",
    "People with disabilities",
    "Homeless people",
    "People of foreign origin",
    "Families",
    "Packages",
    "Kilograms",
]
# Punkt 1: H1 (4), H2 (2, homeless by reason), H3 (1, homeless by a stay). Anna 15 → 0–15; Jan 16 and Maria 17 →
# 16–17; Ewa 65 → 65+ (Piotr, 64, not); Adam's age unknown; women Anna, Ewa, Olena, Maria; disabilities Anna and
# Piotr; foreign Piotr (BY), Olena and Maria (UA) — Adam's citizenship is unknown. Kilograms: three kits of 2 pasta
# (0.5 kg) and 1 oil (0.92 kg). Punkt 2: H1's tea only (no weight known).
POINT_1 = ["Punkt 1", 7, 1, 2, 1, 1, 4, 2, 3, 3, 3, 3, KG("5.760")]
POINT_2 = ["Punkt 2", 4, 1, 1, 1, 0, 2, 2, 0, 1, 1, 1, KG("0.000")]
TOTAL = ["Total", 7, 1, 2, 1, 1, 4, 2, 3, 3, 3, 4, KG("5.760")]
PRODUCTS = [
    ["Herbata 50 torebek", "pcs", 7, "—", "—"],
    ["Makaron 500 g", "pcs", 6, KG("0.500"), KG("3.000")],
    ["Olej 1 l", "l", 3, KG("0.920"), KG("2.760")],
]


async def test_every_figure_of_known_aid(app, people):
    await build_known(app)
    people_table, products, _referrals = await english_report(app, build)
    assert people_table.columns == COLUMNS
    assert people_table.rows == [POINT_1, POINT_2]
    assert people_table.total == TOTAL  # the Kowalscy at both points: once; their two redemptions: two packages
    assert products.columns == ["Product", "Unit", "Quantity", "Net weight of a unit (kg)", "Kilograms"]
    assert products.rows == PRODUCTS
    assert products.total == ["Total", None, None, None, KG("5.760")]
    assert "no net weight" in products.note


async def test_the_childrens_bands_follow_the_setting(app, people, monkeypatch):
    await build_known(app)
    monkeypatch.setenv("LOGISTICS_FEPZ_CHILD_BANDS", "0-14,15-16")
    get_settings.cache_clear()
    people_table, _products, _referrals = await english_report(app, build)
    assert people_table.columns[2:4] == ["Children 0–14", "Children 15–16"]
    # Anna (15) and Jan (16) now in the second band; Maria (17) in none.
    assert [row[2:4] for row in people_table.rows] == [[0, 2], [0, 2]]
    assert people_table.total[2:4] == [0, 2]


async def test_redemptions_outside_the_period_or_of_another_programme_do_not_count(app, people):
    await build_known(app)
    september = await english_report(app, build, Period.month(2026, 9))
    # H5's redemption at 23:59:59 on 30 September: Wanda, 76, a woman.
    assert september[0].rows == [["Punkt 1", 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, KG("1.920")]]
    november = await english_report(app, build, Period.month(2026, 11))
    assert november[0].total == ["Total", 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, KG("1.920")]


async def test_erasing_a_person_leaves_the_report_unchanged(app, people):
    known = await build_known(app)
    before = figures(await english_report(app, build))
    async with db_session(app) as session:
        await PrivacyService(session, CASE_WORKER).erase(known.people["Anna"], "Kowalska")
        await PrivacyService(session, CASE_WORKER).erase(known.people["Olena"], "Szewczenko")
        await session.commit()
    assert figures(await english_report(app, build)) == before


async def test_another_programme_code_from_the_setting(app, people, monkeypatch):
    await build_known(app)
    monkeypatch.setenv("LOGISTICS_FEPZ_PROGRAMME", "odz")
    get_settings.cache_clear()
    people_table, products, _referrals = await english_report(app, build)
    assert people_table.rows == [["Punkt 1", 4, 1, 1, 1, 0, 2, 2, 0, 1, 1, 1, KG("1.200")]]
    assert products.rows == [["Kurtka zimowa", "pcs", 1, KG("1.2"), KG("1.200")]]
    monkeypatch.setenv("LOGISTICS_FEPZ_PROGRAMME", "NONE")
    get_settings.cache_clear()
    people_table, products, _referrals = await english_report(app, build)
    assert (people_table.rows, products.rows) == ([], [])
    assert "NONE" in people_table.note


def test_age_bands_are_parsed_and_checked(monkeypatch):
    assert parse_age_bands("0-15,16-17") == ((0, 15), (16, 17))
    assert parse_age_bands(" 0–6 , 7-17 ") == ((0, 6), (7, 17))
    for bad in ("", "0-15,", "15-0", "0-18", "0-15,15-17", "a-b", "10"):
        with pytest.raises(ValueError, match="band"):
            parse_age_bands(bad)
    monkeypatch.setenv("LOGISTICS_FEPZ_CHILD_BANDS", "0-20")
    with pytest.raises(ValueError, match="LOGISTICS_FEPZ_CHILD_BANDS"):
        load_settings()


def _strings(rows):
    """As the CSV writes them: a whole number of kilograms without decimals ("0")."""
    return [
        [
            format(cell.normalize(), "f") if isinstance(cell, Decimal) and cell == cell.to_integral() else str(cell)
            for cell in row
        ]
        for row in rows
    ]


async def test_the_page_and_the_exports_for_a_coordinator(app, client, people):
    await build_known(app)
    await login(client, "coordinator")
    client.cookies.set("lang", "en")
    query = "from=2026-10-01&to=2026-10-31"
    page = await client.get(f"/reports/fepz?{query}")
    assert page.status_code == 200
    assert "Herbata 50 torebek" in page.text
    csv = await client.get(f"/reports/fepz/export.csv?{query}")
    assert csv.status_code == 200
    people_rows, product_rows, _referral_rows = csv_tables(csv.text)  # referrals: test_fepz_referrals.py
    assert people_rows == [COLUMNS, *_strings([POINT_1, POINT_2, TOTAL])]
    assert product_rows[1:] == [*_strings(PRODUCTS), ["Total", "", "", "", "5.760"]]
    xlsx = await client.get(f"/reports/fepz/export.xlsx?{query}")
    assert xlsx.status_code == 200
    people_sheet, product_sheet, _referral_sheet = xlsx_tables(xlsx.content)
    assert people_sheet[0] == COLUMNS
    assert [[*row[:-1], Decimal(str(row[-1]))] for row in people_sheet[1:]] == [POINT_1, POINT_2, TOTAL]
    assert [row[:3] for row in product_sheet[1:-1]] == [row[:3] for row in PRODUCTS]
    assert [Decimal(str(row[-1])) if row[-1] != "—" else "—" for row in product_sheet[1:]] == [
        "—",
        KG("3"),
        KG("2.76"),
        KG("5.76"),
    ]


async def test_volunteers_and_warehouse_staff_may_not_see_it(app, client, people):
    for username in ("volunteer", "warehouse"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/reports/fepz?period=2026-10")).status_code == 403
        assert (await client.get("/reports/fepz/export.xlsx?period=2026-10")).status_code == 403
