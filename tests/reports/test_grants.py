"""The `grants` report on known data: grants granted in the period (their decisions' dates) and spent in it
(purchases not undone) by legal basis and purpose, each figure checked; the period's edges, the exports read back,
the same figures in the `reasons` report, and who may see it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from logistics.core.actor import Actor
from logistics.core.i18n import in_locale, local_zone
from logistics.people.models import Household, HouseholdMember, HouseholdReason, Person, Reason
from logistics.reports.core import Period
from logistics.reports.grants import build
from logistics.reports.reasons import build as build_reasons
from logistics.sites.services import SiteInput, SiteService
from logistics.vouchers.grants import basis_label, category_label
from logistics.vouchers.models import GrantDecision, Programme, ProgrammeKind, Spend, Voucher

from ..conftest import login
from ..helpers import db_session
from .conftest import csv_tables, xlsx_tables

OCTOBER = Period.month(2026, 10)
D = Decimal


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A local time on a day, in UTC."""
    return datetime.combine(day, time(hour, minute, second), local_zone()).astimezone(UTC)


#: household → size, and its grants: (legal basis, purpose, decided on, amount, status, purchases: (at, amount,
#: undone)).
GRANTS: dict[str, tuple[int, list[tuple[str, str, date, str, str, list[tuple[datetime, str, bool]]]]]] = {
    "H1": (
        3,
        [
            (
                "art39",
                "food",
                date(2026, 10, 1),  # the first day: in
                "300.00",
                "issued",
                [
                    (at(date(2026, 10, 5), 10), "45.90", False),
                    (at(date(2026, 10, 6), 11), "20.00", True),  # undone: out
                    (at(date(2026, 10, 31), 23, 59, 59), "112.37", False),  # the last second: in
                    (at(date(2026, 11, 1), 0), "10.01", False),  # the next day: out
                ],
            ),
            ("art40", "fuel", date(2026, 10, 15), "500.00", "issued", [(at(date(2026, 10, 20), 9), "250.50", False)]),
        ],
    ),
    "H2": (2, [("art39", "food", date(2026, 10, 31), "200.00", "issued", [])]),  # the last day: in
    "H3": (  # decided the day before the period: not granted in it, but spent in it
        4,
        [
            (
                "art39",
                "food",
                date(2026, 9, 30),
                "300.00",
                "issued",
                [(at(date(2026, 9, 30), 23, 59, 59), "15.00", False), (at(date(2026, 10, 2), 12), "60.00", False)],
            )
        ],
    ),
    "H4": (1, [("art39", "hygiene", date(2026, 11, 1), "100.00", "issued", [])]),  # the day after: out
    "H5": (2, [("art39", "food", date(2026, 10, 10), "300.00", "revoked", [])]),  # revoked, nothing spent: out
    "H6": (  # revoked after 40 zł were spent: granted 40 zł
        1,
        [("art39", "food", date(2026, 10, 12), "300.00", "revoked", [(at(date(2026, 10, 13), 15), "40.00", False)])],
    ),
}

#: Legal basis, purpose, families, persons, amount granted, purchases, amount spent.
ROWS = [
    ["art39", "food", 3, 6, D("540.00"), 4, D("258.27")],  # H1, H2, H6; spent: H1 45.90 + 112.37, H3 60, H6 40
    ["art40", "fuel", 1, 3, D("500.00"), 1, D("250.50")],  # H1
]
TOTAL = [3, 6, D("1040.00"), 5, D("508.77")]  # H1 once


async def known_grants(app: Any) -> dict[str, Any]:
    async with db_session(app) as session:
        shop = await SiteService(session, _admin()).create_site(
            SiteInput("Sklep 1", "ul. Sklepowa 1", "", "", ["shop"])
        )
        programme = Programme(code="ZC", name="Zasiłek celowy", rule="decision", kind=ProgrammeKind.VALUE)
        session.add(programme)
        await session.flush()
        households: dict[str, Household] = {}
        for number, (name, (size, grants)) in enumerate(GRANTS.items()):
            household = Household()
            session.add(household)
            await session.flush()
            households[name] = household
            for position in range(size):
                person = Person(
                    given_name=f"{name}-{position}",
                    family_name="Testowa",
                    sex="female",
                    birth_year=1980,
                    last_activity_at=datetime.now(UTC),
                )
                session.add(person)
                await session.flush()
                session.add(
                    HouseholdMember(
                        household_id=household.id,
                        person_id=person.id,
                        relationship="head" if position == 0 else "child",
                        position=position,
                    )
                )
            if name == "H1":
                session.add(HouseholdReason(household_id=household.id, reason=Reason.POVERTY))
            for index, (basis, purpose, decided_on, amount, status, purchases) in enumerate(grants):
                kept = [D(value) for _at, value, undone in purchases if not undone]
                voucher = Voucher(
                    code=f"GRANT{number}X{index}",
                    programme_id=programme.id,
                    household_id=household.id,
                    cycle=f"{decided_on:%Y-%m}" if index == 0 else "once",
                    status=status,
                    valid_from=decided_on,
                    valid_until=decided_on + timedelta(days=60),
                    household_size=size,
                    amount=D(amount),
                    spent=sum(kept, D("0.00")),
                )
                session.add(voucher)
                await session.flush()
                session.add(
                    GrantDecision(
                        voucher_id=voucher.id,
                        household_id=household.id,
                        decided_by="pracownik",
                        number=f"OPS.8230.{number}.{index}.2026",
                        decided_on=decided_on,
                        legal_basis=basis,
                        purpose=purpose,
                    )
                )
                for spend_number, (moment, value, undone) in enumerate(purchases):
                    session.add(
                        Spend(
                            request_id=f"spend-{number}-{index}-{spend_number}",
                            voucher_id=voucher.id,
                            shop_id=shop.id,
                            at=moment,
                            amount=D(value),
                            category=purpose if purpose in {"food", "hygiene"} else "food",
                            user_name="sklep",
                            programme_id=programme.id,
                            undone_at=moment + timedelta(minutes=2) if undone else None,
                            undone_by="sklep" if undone else "",
                        )
                    )
        await session.commit()
        return {"shop": shop.id, "households": {name: h.id for name, h in households.items()}}


def _admin() -> Actor:
    return Actor(user_id=None, username="admin", role="admin", sees_all_sites=True)


def _codes(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with the labels of the legal basis and purpose replaced by the codes they label."""
    labels: dict[str, str] = {}
    for locale in ("pl", "en"):
        with in_locale(locale):
            labels |= {basis_label(code): code for code in ("art39", "art40", "art41")}
            labels |= {category_label(code): code for code in ("food", "hygiene", "fuel")}
    return [[labels.get(row[0], row[0]), labels.get(row[1], row[1]), *row[2:]] for row in rows]


async def test_granted_and_spent_by_legal_basis_and_purpose(app, people):
    await known_grants(app)
    async with db_session(app) as session:
        [table] = await build(session, OCTOBER)
    assert len(table.columns) == 7
    assert _codes(table.rows) == ROWS
    assert table.total is not None and table.total[2:] == TOTAL
    assert all(isinstance(cell, Decimal) for row in table.rows for cell in (row[4], row[6]))


async def test_the_edges_of_the_period(app, people):
    await known_grants(app)
    async with db_session(app) as session:
        # 30 September alone: H3's grant and its purchase at 23:59:59.
        [september] = await build(session, Period(date(2026, 9, 30), date(2026, 9, 30)))
        # 1 November alone: H4's grant (hygiene), and H1's purchase at midnight.
        [november] = await build(session, Period(date(2026, 11, 1), date(2026, 11, 1)))
        # A day with nothing: no rows, a totals row of zeros.
        [empty] = await build(session, Period(date(2026, 8, 1), date(2026, 8, 1)))
    assert _codes(september.rows) == [["art39", "food", 1, 4, D("300.00"), 1, D("15.00")]]
    assert _codes(november.rows) == [
        ["art39", "food", 0, 0, D("0.00"), 1, D("10.01")],
        ["art39", "hygiene", 1, 1, D("100.00"), 0, D("0.00")],
    ]
    assert november.total[2:] == [1, 1, D("100.00"), 1, D("10.01")]
    assert empty.rows == [] and empty.total[2:] == [0, 0, D("0.00"), 0, D("0.00")]


async def test_the_reasons_report_counts_the_grants_as_a_form_of_help(app, people):
    await known_grants(app)
    async with db_session(app) as session:
        by_reason, by_form, grants = await build_reasons(session, OCTOBER)
        [alone] = await build(session, OCTOBER)
    assert len(by_reason.columns) == 12
    assert by_reason.columns[7] in {"Grants: families", "Zasiłki celowe: rodziny"}
    poverty = by_reason.rows[[str(r) for r in Reason].index(Reason.POVERTY)]
    assert poverty[7:9] == [1, 3]  # H1 (3 persons)
    assert by_reason.rows[-1][7:9] == [2, 3]  # H2 and H6, no reason recorded
    assert by_reason.total[7:] == [3, 6, 3, 6, 6]
    # Grants: H1, H2, H6 — H5's revoked grant with nothing spent and H3's of September do not count.
    assert by_form.rows[3][1:] == [3, 6, 6]
    assert by_form.total[1:] == [3, 6, 6]
    assert grants.rows == alone.rows and grants.total == alone.total


async def test_the_page_and_the_exports(app, client, people):
    await known_grants(app)
    await login(client, "coordinator")
    client.cookies.set("lang", "en")
    query = "from=2026-10-01&to=2026-10-31"
    page = await client.get(f"/reports/grants?{query}")
    assert page.status_code == 200
    assert "Art. 39" in page.text and "Art. 40" in page.text and "508.77" in page.text
    csv = await client.get(f"/reports/grants/export.csv?{query}")
    assert csv.status_code == 200
    [table] = csv_tables(csv.text)
    assert table[0] == [
        "Legal basis",
        "Purpose",
        "Families granted",
        "Persons in these families",
        "Amount granted (zł)",
        "Purchases",
        "Amount spent (zł)",
    ]
    as_text = [[_plain(cell) for cell in row] for row in ROWS]
    assert _codes(table[1:-1]) == as_text
    assert table[-1][2:] == [_plain(cell) for cell in TOTAL]
    xlsx = await client.get(f"/reports/grants/export.xlsx?{query}")
    assert xlsx.status_code == 200
    [sheet] = xlsx_tables(xlsx.content)
    assert sheet[0] == table[0]
    assert [
        [*row[:4], D(str(row[4])).quantize(D("0.01")), row[5], D(str(row[6])).quantize(D("0.01"))]
        for row in _codes(sheet[1:-1])
    ] == ROWS
    assert [D(str(cell)).quantize(D("0.01")) if isinstance(cell, float) else cell for cell in sheet[-1][2:]] == TOTAL
    pdf = await client.get(f"/reports/grants/export.pdf?{query}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listing = await client.get("/reports/")
    assert "/reports/grants" in listing.text


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


async def test_volunteers_and_case_workers_may_not_see_it(app, client, people):
    for username in ("volunteer", "caseworker"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/reports/grants?period=2026-10")).status_code == 403
        assert (await client.get("/reports/grants/export.csv?period=2026-10")).status_code == 403
        assert (await client.get("/reports/grants/export.xlsx?period=2026-10")).status_code == 403
