"""The FEPŻ report's referrals table: the food-aid referrals issued in the period per partner organisation —
referrals, people (household sizes, cancelled referrals aside), confirmed, still open (open and overdue),
cancelled, and the totals; the period's edges (the day before the first, the first, the last, the day after);
other kinds of referral left out; an archived partner still counted; names in the report's language; the page and
the CSV and XLSX exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from logistics.core.i18n import in_locale
from logistics.directory.models import Service, ServiceCategoryRow
from logistics.referrals.models import Referral, ReferralKind, ReferralStatus, new_code
from logistics.reports.core import Period
from logistics.reports.fepz import build

from ..conftest import login
from ..helpers import db_session
from .aid import OCTOBER, english_report
from .conftest import csv_tables, xlsx_tables

COLUMNS = ["Partner organisation", "Referrals", "People", "Confirmed", "Still open", "Cancelled"]
BANK = "Bank Żywności w Gliwicach — FEPŻ parcels"
CHARITY = "Stowarzyszenie „Dobra Wola” — Punkt pomocy żywnościowej"  # no English name: the Polish one
# The bank: 1 Oct (4 people, confirmed), 10 Oct (6, cancelled: no people), 15 Oct (2, open), 31 Oct (3, overdue);
# not 30 Sep (5, confirmed) nor 1 Nov (1, open). The charity (archived since): 5 Oct (1) and 20 Oct (2), both
# confirmed; its general referral of 25 Oct and the labour office's work referral of 12 Oct are no food aid.
BANK_ROW = [BANK, 4, 9, 1, 2, 1]
CHARITY_ROW = [CHARITY, 2, 3, 2, 0, 0]
TOTAL = ["Total", 6, 12, 3, 2, 1]

_OPEN, _DONE, _LATE, _OFF = (
    ReferralStatus.OPEN,
    ReferralStatus.CONFIRMED,
    ReferralStatus.OVERDUE,
    ReferralStatus.CANCELLED,
)


def _service(institution: str, name: str, name_en: str, category: str, **extra: Any) -> Service:
    return Service(
        institution=institution,
        name=name,
        name_en=name_en,
        category_rows=[ServiceCategoryRow(category=category)],
        language_rows=[],
        **extra,
    )


async def _known_referrals(app: Any) -> None:
    async with db_session(app) as session:
        bank = _service("Bank Żywności w Gliwicach", "Paczki FEPŻ", "FEPŻ parcels", "food", name_uk="Набори FEPŻ")
        charity = _service("Stowarzyszenie „Dobra Wola”", "Punkt pomocy żywnościowej", "", "food", active=False)
        office = _service("Powiatowy Urząd Pracy", "Pośrednictwo pracy", "Job placement", "work")
        session.add_all([bank, charity, office])
        await session.flush()
        plan = [
            (bank, ReferralKind.FOOD_AID, date(2026, 9, 30), _DONE, 5),
            (bank, ReferralKind.FOOD_AID, date(2026, 10, 1), _DONE, 4),
            (bank, ReferralKind.FOOD_AID, date(2026, 10, 10), _OFF, 6),
            (bank, ReferralKind.FOOD_AID, date(2026, 10, 15), _OPEN, 2),
            (bank, ReferralKind.FOOD_AID, date(2026, 10, 31), _LATE, 3),
            (bank, ReferralKind.FOOD_AID, date(2026, 11, 1), _OPEN, 1),
            (charity, ReferralKind.FOOD_AID, date(2026, 10, 5), _DONE, 1),
            (charity, ReferralKind.FOOD_AID, date(2026, 10, 20), _DONE, 2),
            (charity, ReferralKind.GENERAL, date(2026, 10, 25), _DONE, 7),
            (office, ReferralKind.WORK, date(2026, 10, 12), _OPEN, 1),
        ]
        session.add_all(
            Referral(
                code=new_code(),
                kind=kind.value,
                status=status.value,
                household_size=size,
                holder="Anna K.",
                service_id=service.id,
                reason="test",
                issued_on=issued_on,
                expected_by=issued_on,
                came_on=issued_on if status == _DONE else None,
            )
            for service, kind, issued_on, status, size in plan
        )
        await session.commit()


async def _referral_table(app: Any, period: Period = OCTOBER) -> Any:
    tables = await english_report(app, build, period)
    assert len(tables) == 3  # after the people and the products
    return tables[2]


async def test_every_figure_per_partner_and_in_total(app):
    await _known_referrals(app)
    table = await _referral_table(app)
    assert table.title == "FEPŻ referrals, by partner organisation"
    assert table.columns == COLUMNS
    assert table.rows == [BANK_ROW, CHARITY_ROW]
    assert table.total == TOTAL
    assert "cancelled ones aside" in table.note


async def test_the_periods_edges(app):
    await _known_referrals(app)
    day_before = await _referral_table(app, Period(date(2026, 9, 30), date(2026, 9, 30)))
    assert day_before.rows == [[BANK, 1, 5, 1, 0, 0]]
    first_day = await _referral_table(app, Period(date(2026, 10, 1), date(2026, 10, 1)))
    assert first_day.rows == [[BANK, 1, 4, 1, 0, 0]]
    last_day = await _referral_table(app, Period(date(2026, 10, 31), date(2026, 10, 31)))
    assert last_day.rows == [[BANK, 1, 3, 0, 1, 0]]
    november = await _referral_table(app, Period.month(2026, 11))
    assert november.rows == [[BANK, 1, 1, 0, 1, 0]] and november.total == ["Total", 1, 1, 0, 1, 0]
    quarter = await _referral_table(app, Period(date(2026, 9, 1), date(2026, 11, 30)))
    assert quarter.rows == [[BANK, 6, 15, 2, 3, 1], CHARITY_ROW]


async def test_no_referrals_an_empty_table_with_zero_totals(app):
    table = await _referral_table(app)
    assert table.rows == [] and table.total == ["Total", 0, 0, 0, 0, 0]


async def test_partner_names_in_the_reports_language(app):
    await _known_referrals(app)
    async with db_session(app) as session:
        with in_locale("pl"):
            polish = (await build(session, OCTOBER))[2]
        with in_locale("uk"):
            ukrainian = (await build(session, OCTOBER))[2]
    assert [row[0] for row in polish.rows] == [
        "Bank Żywności w Gliwicach — Paczki FEPŻ",
        CHARITY,
    ]
    assert polish.columns[0] == "Organizacja partnerska" and polish.total[0] == "Razem"
    assert ukrainian.rows[0][0] == "Bank Żywności w Gliwicach — Набори FEPŻ"


async def test_the_page_and_the_exports(app, client, people):
    await _known_referrals(app)
    await login(client, "coordinator")
    client.cookies.set("lang", "en")
    query = "from=2026-10-01&to=2026-10-31"
    page = await client.get(f"/reports/fepz?{query}")
    assert page.status_code == 200
    assert "FEPŻ referrals, by partner organisation" in page.text and "Dobra Wola" in page.text
    csv = await client.get(f"/reports/fepz/export.csv?{query}")
    assert csv.status_code == 200
    tables = csv_tables(csv.text)
    assert len(tables) == 3
    assert tables[2] == [COLUMNS, *[[str(cell) for cell in row] for row in (BANK_ROW, CHARITY_ROW, TOTAL)]]
    xlsx = await client.get(f"/reports/fepz/export.xlsx?{query}")
    assert xlsx.status_code == 200
    sheets = xlsx_tables(xlsx.content)
    assert len(sheets) == 3
    assert sheets[2] == [COLUMNS, BANK_ROW, CHARITY_ROW, TOTAL]
