"""Settlement with the partner shops: the statement of a shop's month (its total is the exact sum of the spends not
undone), months in the centre's time zone, closing (frozen, only a month that is over, only once), who sees what,
the CSV/XLSX/PDF documents and the command line. The spends are made directly with the models (the till's
service is tested on its own); each keeps its voucher's `spent` consistent."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar.cli.main import litestar_group
from openpyxl import load_workbook
from sqlalchemy import select

from logistics import codes
from logistics.accounts.models import User
from logistics.accounts.passwords import hash_password_now
from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import in_locale, local_today
from logistics.db import make_alchemy_config
from logistics.sites.models import Site, SiteKindRow
from logistics.vouchers.grants import category_label
from logistics.vouchers.models import DeviceToken, Programme, SettlementMonth, Spend, Voucher
from logistics.vouchers.settlement import (
    SettlementService,
    current_month,
    masked_code,
    month_closed,
    month_of,
    next_month,
)
from logistics.vouchers.settlement_documents import to_pdf

from ..conftest import PASSWORD, TEST_DB, login
from ..helpers import count, db_session, post_form

WARSAW = ZoneInfo("Europe/Warsaw")
ADMIN = Actor(user_id=None, username="koordynator", role="admin", sees_all_sites=True)
MONTH = "2025-11"  # a month that is over whatever the day the tests run


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


@dataclass
class Shops:
    shop: Any  # Sklep Pod Lipą: staff "sklep", till "Kasa 1"
    other: Any  # Sklep Zielony: staff "sklep2"
    programme: Any
    till: Any


async def _make_shops(session: Any) -> Shops:
    shop = Site(
        name="Sklep Pod Lipą",
        address="ul. Lipowa 3, 40-001 Katowice",
        contract_number="UM/7/2025",
        contract_from=date(2025, 1, 1),
        contract_until=date(2026, 12, 31),
        contact="Pani Ewa, 600 100 200",
        kind_rows=[SiteKindRow(kind="shop")],
    )
    other = Site(name="Sklep Zielony", address="ul. Zielona 9", kind_rows=[SiteKindRow(kind="shop")])
    session.add_all([shop, other])
    await session.flush()
    for username, site in (("sklep", shop), ("sklep2", other)):
        session.add(
            User(
                username=username,
                full_name=f"Kasjerka {site.name}",
                password_hash=hash_password_now(PASSWORD),
                role="shop",
                sites=[site],
            )
        )
    programme = Programme(
        code="ZC",
        name="Zasiłek celowy — żywność",
        cycle="one_off",
        rule="decision",
        valid_days=60,
        kind="value",
        amount=Decimal("300.00"),
        amount_basis="household",
    )
    till = DeviceToken(point_id=shop.id, name="Kasa 1", token_hash=uuid.uuid4().hex * 2, created_by="admin")
    session.add_all([programme, till])
    await session.flush()
    return Shops(shop, other, programme, till)


@pytest.fixture
async def shops(app, people) -> Shops:
    async with db_session(app) as session:
        made = await _make_shops(session)
        await session.commit()
        return made


def _voucher(programme: Any, amount: Decimal) -> Voucher:
    return Voucher(
        code=codes.normalize(codes.generate()),
        programme_id=programme.id,
        cycle="once",
        valid_from=date(2025, 1, 1),
        valid_until=date(2026, 12, 31),
        amount=amount,
        spent=Decimal("0.00"),
    )


async def _spends(
    session: Any,
    shops: Shops,
    items: list[tuple[datetime, str]],
    *,
    shop: Any = None,
    undone: set[int] = frozenset(),  # type: ignore[assignment]
    device: Any = None,
) -> tuple[Voucher, list[Spend]]:
    """One voucher of exactly the spends' sum (plus 10 zł) and its spends; undone ones given back."""
    amounts = [Decimal(amount) for _at, amount in items]
    voucher = _voucher(shops.programme, sum(amounts, start=Decimal("10.00")))
    session.add(voucher)
    await session.flush()
    made = []
    for index, (at, amount) in enumerate(items):
        spend = Spend(
            request_id=uuid.uuid4().hex,
            voucher_id=voucher.id,
            shop_id=(shop or shops.shop).id,
            at=at,
            amount=Decimal(amount),
            category="food" if index % 2 == 0 else "hygiene",
            user_name="sklep",
            device_id=device.id if device else None,
            programme_id=shops.programme.id,
        )
        if index in undone:
            spend.undone_at = at + timedelta(minutes=2)
            spend.undone_by = "sklep"
        else:
            voucher.spent += Decimal(amount)
        made.append(spend)
    session.add_all(made)
    await session.flush()
    return voucher, made


async def _standard(app, shops: Shops) -> Voucher:
    """November 2025 at Sklep Pod Lipą: 0.10 + 0.20 + 33.33 kept (33.63 zł), 5.00 undone; one at the other shop."""
    async with db_session(app) as session:
        voucher, _made = await _spends(
            session,
            shops,
            [
                (local(2025, 11, 3, 10), "0.10"),
                (local(2025, 11, 14, 12, 5), "0.20"),
                (local(2025, 11, 20, 9), "5.00"),
                (local(2025, 11, 28, 18, 45), "33.33"),
            ],
            undone={2},
            device=shops.till,
        )
        await _spends(session, shops, [(local(2025, 11, 5, 11), "99.99")], shop=shops.other)
        await session.commit()
        return voucher


async def test_the_total_is_the_exact_sum_of_the_spends_not_undone(app, shops):
    voucher = await _standard(app, shops)
    async with db_session(app) as session:
        service = SettlementService(session, ADMIN)
        statement = await service.statement(shops.shop.id, MONTH)
        assert statement.total == Decimal("33.63") and statement.count == 3
        assert [line.amount for line in statement.kept] == [Decimal("0.10"), Decimal("0.20"), Decimal("33.33")]
        assert [line.amount for line in statement.undone] == [Decimal("5.00")]
        assert statement.closed is None and statement.ended and statement.to_pay == Decimal("33.63")
        first = statement.lines[0]
        assert first.code == codes.format_code(voucher.code) and "-" in first.code
        assert first.till == "Kasa 1" and first.at.hour == 10 and first.at.utcoffset() == timedelta(hours=1)
        # The voucher agrees: spent is the kept spends.
        assert (await session.get(Voucher, voucher.id)).spent == Decimal("33.63")
        months = await service.months()
        by_key = {(row.shop_id, row.month): row for row in months}
        mine = by_key[(shops.shop.id, MONTH)]
        assert (mine.spends, mine.total, mine.undone, mine.closed) == (3, Decimal("33.63"), 1, None)
        assert by_key[(shops.other.id, MONTH)].total == Decimal("99.99")
        assert [row.shop_id for row in await service.months(shops.other.id)] == [shops.other.id]


async def test_a_month_is_the_centres_local_month_on_both_sides_of_midnight(app, shops):
    """23:30 on 30 November in Warsaw (22:30 UTC) is November's; 00:30 on 1 December in Warsaw is December's
    although it is still 30 November (23:30) in UTC."""
    late_november = local(2025, 11, 30, 23, 30)
    early_december = local(2025, 12, 1, 0, 30)
    assert late_november.hour == 22 and early_december.day == 30 and early_december.month == 11
    async with db_session(app) as session:
        await _spends(session, shops, [(late_november, "12.34"), (early_december, "56.78")])
        await session.commit()
        service = SettlementService(session, ADMIN)
        november = await service.statement(shops.shop.id, "2025-11")
        december = await service.statement(shops.shop.id, "2025-12")
        assert [line.amount for line in november.lines] == [Decimal("12.34")]
        assert [line.amount for line in december.lines] == [Decimal("56.78")]
        assert november.lines[0].at.day == 30 and december.lines[0].at.day == 1
        rows = {row.month: row.total for row in await service.months(shops.shop.id)}
        assert rows == {"2025-11": Decimal("12.34"), "2025-12": Decimal("56.78")}
        assert month_of(early_december) == "2025-12" and month_of(late_november) == "2025-11"


async def test_months_are_grouped_in_one_statement_for_many_shops_and_months(app, shops):
    """Spends over fourteen months at two shops: every month's total equals its spends' sum; the months' query
    runs the same three statements however many shops and months there are."""
    from sqlalchemy import event

    expected: dict[tuple[Any, str], Decimal] = {}
    async with db_session(app) as session:
        for offset in range(14):
            year, month = 2024 + (10 + offset) // 12, (10 + offset) % 12 + 1
            items = [(local(year, month, 1 + day, 8 + day), f"{day + 1}.{offset:02d}") for day in range(3)]
            for shop in (shops.shop, shops.other):
                await _spends(session, shops, items, shop=shop)
                expected[(shop.id, f"{year:04d}-{month:02d}")] = sum((Decimal(a) for _t, a in items), Decimal(0))
        await session.commit()
        statements: list[str] = []
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(
            engine.sync_engine if hasattr(engine, "sync_engine") else engine, "before_cursor_execute", listener
        )
        rows = await SettlementService(session, ADMIN).months()
        event.remove(
            engine.sync_engine if hasattr(engine, "sync_engine") else engine, "before_cursor_execute", listener
        )
    assert {(row.shop_id, row.month): row.total for row in rows} == expected
    assert len([s for s in statements if "spends" in s.lower() or "settlement_months" in s.lower()]) == 3
    assert [row.month for row in rows] == sorted((row.month for row in rows), reverse=True)


AMOUNTS = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2), min_size=1, max_size=40
)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(amounts=AMOUNTS, undone=st.sets(st.integers(min_value=0, max_value=39)))
def test_any_amounts_add_up_to_the_grosz(settings, amounts: list[Decimal], undone: set[int]) -> None:
    """Random amounts (and random undone ones): the statement's total, the months' total and the total kept when
    closing are each exactly the Decimal sum of the spends not undone."""
    config = make_alchemy_config(settings)

    async def check() -> None:
        async with config.get_session() as session:
            made = await _make_shops_unique(session)
            day = [local(2025, 10, 1 + index % 28, 9 + index % 12, index % 60) for index in range(len(amounts))]
            await _spends(session, made, [(at, str(a)) for at, a in zip(day, amounts, strict=True)], undone=undone)
            expected = sum((a for i, a in enumerate(amounts) if i not in undone), Decimal("0.00"))
            service = SettlementService(session, ADMIN)
            statement = await service.statement(made.shop.id, "2025-10")
            assert statement.total == expected and statement.count == len(amounts) - len(
                undone & set(range(len(amounts)))
            )
            [row] = await service.months(made.shop.id)
            assert row.total == expected and row.spends == statement.count
            closed = await service.close(made.shop.id, "2025-10")
            assert closed.total == expected and closed.spends == statement.count
            await session.rollback()

    try:
        asyncio.run(check())
    finally:
        asyncio.run(config.get_engine().dispose())


async def _make_shops_unique(session: Any) -> Shops:
    """Shops of their own for one hypothesis example (rolled back afterwards)."""
    tag = uuid.uuid4().hex[:8]
    shop = Site(name=f"Sklep {tag}", kind_rows=[SiteKindRow(kind="shop")])
    programme = Programme(
        code=f"Z{tag}",
        name="Zasiłek",
        cycle="one_off",
        rule="decision",
        valid_days=30,
        kind="value",
        amount=Decimal("100000.00"),
        amount_basis="set",
    )
    session.add_all([shop, programme])
    await session.flush()
    return Shops(shop, shop, programme, None)


async def test_closing_freezes_the_month_once(app, shops, client):
    await _standard(app, shops)
    await login(client, "coordinator")
    page = await client.get(f"/vouchers/settlements/{shops.shop.id}/{MONTH}")
    assert (
        page.status_code == 200
        and "33,63" in page.text
        and f'action="/vouchers/settlements/{shops.shop.id}/{MONTH}/close"' in page.text
    )
    closed = await post_form(client, f"/vouchers/settlements/{shops.shop.id}/{MONTH}/close")
    assert closed.status_code == 303 and closed.headers["location"] == f"/vouchers/settlements/{shops.shop.id}/{MONTH}"
    async with db_session(app) as session:
        [row] = list(await session.scalars(select(SettlementMonth)))
        assert (row.shop_id, row.month, row.total, row.spends, row.closed_by) == (
            shops.shop.id,
            MONTH,
            Decimal("33.63"),
            3,
            "coordinator",
        )
        assert await month_closed(session, shops.shop.id, local(2025, 11, 15, 12))
        assert not await month_closed(session, shops.other.id, local(2025, 11, 15, 12))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "settlement.close"))
        assert entry and entry.entity_type == "settlement_month" and entry.entity_id == str(row.id)
        assert entry.actor_name == "coordinator"
    shown = await client.get(f"/vouchers/settlements/{shops.shop.id}/{MONTH}")
    assert 'id="status" class="flash flash-success"' in shown.text and "coordinator" in shown.text
    assert "/close" not in shown.text  # no Close button any more
    # A second close is refused, and nothing changes.
    again = await post_form(client, f"/vouchers/settlements/{shops.shop.id}/{MONTH}/close")
    assert again.status_code == 303
    after = await client.get(again.headers["location"])
    assert "flash-error" in after.text
    assert await count(app, SettlementMonth) == 1
    # A spend added afterwards behind the service's back (an undo cannot: it is refused) shows both totals.
    async with db_session(app) as session:
        await _spends(session, shops, [(local(2025, 11, 29, 10), "1.00")])
        await session.commit()
    differs = await client.get(f"/vouchers/settlements/{shops.shop.id}/{MONTH}")
    assert 'id="differs"' in differs.text and "34,63" in differs.text and "33,63" in differs.text
    # The list shows the month closed, with its frozen total.
    listing = await client.get("/vouchers/settlements")
    assert listing.status_code == 200
    row_html = re.search(rf'<tr data-shop="{shops.shop.id}" data-month="{MONTH}">(.*?)</tr>', listing.text, re.S)
    assert row_html and "33,63" in row_html.group(1)


async def test_a_month_not_over_or_not_a_month_is_refused(app, shops, client):
    async with db_session(app) as session:
        await _spends(session, shops, [(datetime.now(UTC) - timedelta(minutes=5), "10.00")])
        await session.commit()
    await login(client, "admin")
    this_month = current_month()
    for month in (this_month, next_month(this_month)):
        refused = await post_form(client, f"/vouchers/settlements/{shops.shop.id}/{month}/close")
        assert refused.status_code == 422, month
        assert 'class="field-error" id="month-error"' in refused.text
    assert await count(app, SettlementMonth) == 0
    page = await client.get(f"/vouchers/settlements/{shops.shop.id}/{this_month}")
    assert page.status_code == 200 and "/close" not in page.text
    for bad in ("2025-13", "11-2025", "2025-1", "20025-11", "listopad"):
        shown = await client.get(f"/vouchers/settlements/{shops.shop.id}/{bad}")
        assert shown.status_code == 422 and 'id="month-error"' in shown.text, bad
        assert (await client.get(f"/vouchers/settlements/{shops.shop.id}/{bad}.csv")).status_code == 422
        closing = await post_form(client, f"/vouchers/settlements/{shops.shop.id}/{bad}/close")
        assert closing.status_code == 422 and 'id="month-error"' in closing.text
        listing = await client.get(f"/vouchers/settlements?shop={shops.shop.id}&month={bad}")
        assert listing.status_code == 422 and 'id="month-error"' in listing.text
    assert await count(app, SettlementMonth) == 0
    # The month picker opens the statement.
    opened = await client.get(f"/vouchers/settlements?shop={shops.shop.id}&month=2025-11", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/vouchers/settlements/{shops.shop.id}/2025-11"
    with in_locale("en"):
        async with db_session(app) as session:
            with pytest.raises(DomainError) as error:
                await SettlementService(session, ADMIN).close(shops.shop.id, this_month)
            assert error.value.field == "month" and "has not ended" in error.value.message


async def test_a_shops_staff_see_their_own_shop_only_and_cannot_close(app, shops, client):
    await _standard(app, shops)
    await login(client, "sklep")
    listing = await client.get("/vouchers/settlements")
    assert listing.status_code == 200
    assert f'data-shop="{shops.shop.id}"' in listing.text and f'data-shop="{shops.other.id}"' not in listing.text
    assert "Sklep Zielony" not in listing.text
    own = await client.get(f"/vouchers/settlements/{shops.shop.id}/{MONTH}")
    assert own.status_code == 200 and "33,63" in own.text and "/close" not in own.text
    async with db_session(app) as session:
        code = await session.scalar(
            select(Voucher.code).join(Spend, Spend.voucher_id == Voucher.id).where(Spend.shop_id == shops.shop.id)
        )
    assert code is not None  # the shop's staff see only the code's last group: a code is what spends a voucher
    assert codes.format_code(code) not in own.text and masked_code(code) in own.text
    for path in (
        f"/vouchers/settlements/{shops.other.id}/{MONTH}",
        f"/vouchers/settlements/{shops.other.id}/{MONTH}.csv",
        f"/vouchers/settlements/{shops.other.id}/{MONTH}.pdf",
        f"/vouchers/settlements/{shops.other.id}/2025-13",
        f"/vouchers/settlements?shop={shops.other.id}",
        f"/vouchers/settlements/{uuid.uuid4()}/{MONTH}",
    ):
        refused = await client.get(path)
        assert refused.status_code == 404, path
        assert "99,99" not in refused.text
    for shop in (shops.shop, shops.other):
        closing = await post_form(client, f"/vouchers/settlements/{shop.id}/{MONTH}/close")
        assert closing.status_code == 403
    assert await count(app, SettlementMonth) == 0
    # Roles without settlement at all.
    for username in ("volunteer", "caseworker"):
        await client.get("/logout")
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/vouchers/settlements")).status_code == 403
    # A distribution point is not a shop: not found even for an administrator.
    client.cookies.clear()
    await login(client, "admin")
    async with db_session(app) as session:
        point = await session.scalar(select(Site).where(Site.name == "Noclegownia A"))
    assert (await client.get(f"/vouchers/settlements/{point.id}/{MONTH}")).status_code == 404
    assert (await post_form(client, f"/vouchers/settlements/{point.id}/{MONTH}/close")).status_code == 404


async def test_csv_and_xlsx_read_back_with_every_figure(app, shops, client):
    voucher = await _standard(app, shops)
    code = codes.format_code(voucher.code)
    await login(client, "coordinator")
    base = f"/vouchers/settlements/{shops.shop.id}/{MONTH}"
    exported = await client.get(f"{base}.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="settlement_sklep-pod-lipa_2025-11.csv"' in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][1:] == ["Sklep Pod Lipą", MONTH, "provisional"] and rows[1] == []
    assert rows[2] == ["voucher", "date", "time", "amount", "category", "till"]
    assert rows[3:6] == [
        [code, "2025-11-03", "10:00", "0.10", "food", "Kasa 1"],
        [code, "2025-11-14", "12:05", "0.20", "hygiene", "Kasa 1"],
        [code, "2025-11-28", "18:45", "33.33", "hygiene", "Kasa 1"],
    ]
    assert rows[6] == ["total", "", "", "33.63", "", "3"] and len(rows) == 7
    assert sum(Decimal(row[3]) for row in rows[3:6]) == Decimal(rows[6][3])

    sheet_file = await client.get(f"{base}.xlsx")
    assert sheet_file.status_code == 200
    book = load_workbook(io.BytesIO(sheet_file.content))
    assert book.sheetnames[0] == "Info"
    info = {row[0].value: row[1] for row in book["Info"].iter_rows(min_row=2) if row[0].value}
    assert [book["Info"]["A1"].value] and len(book.sheetnames) == 2
    spends = book[book.sheetnames[1]]
    values = [[cell.value for cell in row] for row in spends.iter_rows()]
    assert len(values) == 1 + 3 + 1
    for row, (when, amount, category) in zip(
        spends.iter_rows(min_row=2, max_row=4),
        [
            (datetime(2025, 11, 3, 10), "0.10", "food"),
            (datetime(2025, 11, 14, 12, 5), "0.20", "hygiene"),
            (datetime(2025, 11, 28, 18, 45), "33.33", "hygiene"),
        ],
        strict=True,
    ):
        assert row[0].value == code and row[1].value == when and row[4].value == "Kasa 1"
        assert Decimal(str(row[2].value)) == Decimal(amount) and row[2].number_format == "0.00"
        assert row[3].value == category_label(category)
    total_row = next(iter(spends.iter_rows(min_row=5, max_row=5)))
    assert Decimal(str(total_row[2].value)) == Decimal("33.63") and total_row[2].number_format == "0.00"
    totals = [
        cell for cell in info.values() if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    ]
    assert sorted(str(cell.value) for cell in totals) == ["3", "33.63"]
    assert any(cell.value == "Sklep Pod Lipą" for cell in info.values())
    assert any(cell.value == MONTH for cell in info.values())


async def test_the_pdf_statement_renders_with_the_total_and_the_shop(app, shops, client, monkeypatch):
    await _standard(app, shops)
    await login(client, "coordinator")
    pdf = await client.get(f"/vouchers/settlements/{shops.shop.id}/{MONTH}.pdf")
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    # What the PDF writes (its text is embedded as font glyphs, so it is caught on the way in).
    from fpdf import FPDF

    written: list[str] = []
    original = FPDF.normalize_text

    def spy(self: FPDF, text: str) -> str:
        written.append(text)
        return original(self, text)

    monkeypatch.setattr(FPDF, "normalize_text", spy)
    async with db_session(app) as session:
        statement = await SettlementService(session, ADMIN).statement(shops.shop.id, MONTH)
    with in_locale("pl"):
        content = to_pdf(statement)
    assert content.startswith(b"%PDF")
    text = "\n".join(written).replace("\u00a0", " ").replace("\u202f", " ")
    for expected in (
        "33,63 zł",
        "Sklep Pod Lipą",
        "ul. Lipowa 3",
        "UM/7/2025",
        "01.01.2025",
        "31.12.2026",
        "listopad 2025",
        "Kasa 1",
        "0,10 zł",
        "33,33 zł",
        "3",
    ):
        assert expected in text, expected
    assert "5,00 zł" not in text  # the undone one is not on the statement
    with in_locale("pl"):
        assert statement.status in text and not statement.closed  # "not closed yet — provisional"


def _cli(monkeypatch, *args: str) -> Any:
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    return CliRunner().invoke(litestar_group, list(args), catch_exceptions=False)


async def test_the_command_writes_each_format_and_refuses_a_bad_month(app, shops, monkeypatch, tmp_path):
    await _standard(app, shops)
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"statement.{fmt}"
        shop = str(shops.shop.id) if fmt != "xlsx" else "Sklep Pod Lipą"
        result = await asyncio.to_thread(
            _cli,
            monkeypatch,
            "vouchers",
            "settlement",
            "--shop",
            shop,
            "--month",
            MONTH,
            "--format",
            fmt,
            "--output",
            str(out),
        )
        assert result.exit_code == 0, result.output
        content = out.read_bytes()
        if fmt == "csv":
            assert content.decode().splitlines()[-1] == "total,,,33.63,,3"
        elif fmt == "xlsx":
            book = load_workbook(io.BytesIO(content))
            last = list(book[book.sheetnames[1]].iter_rows())[-1]
            assert Decimal(str(last[2].value)) == Decimal("33.63")
        else:
            assert content.startswith(b"%PDF")
    for month in ("2025-13", "11.2025", ""):
        bad = await asyncio.to_thread(
            _cli,
            monkeypatch,
            "vouchers",
            "settlement",
            "--shop",
            str(shops.shop.id),
            "--month",
            month,
            "--output",
            str(tmp_path / "bad.csv"),
        )
        assert bad.exit_code == 2 and "--month" in bad.output, month
    unknown = await asyncio.to_thread(
        _cli,
        monkeypatch,
        "vouchers",
        "settlement",
        "--shop",
        "Nie ma takiego",
        "--month",
        MONTH,
        "--output",
        str(tmp_path / "bad.csv"),
    )
    assert unknown.exit_code == 2 and "--shop" in unknown.output
    assert not (tmp_path / "bad.csv").exists()


@pytest.mark.skipif(TEST_DB != "postgres", reason="two transactions writing at once: SQLite runs one at a time")
async def test_two_closes_at_once_one_succeeds_the_other_is_refused_cleanly(app, shops, settings):
    """Both take the shop's row lock first: the second waits for the first to commit, then finds the month
    closed — a refusal, not a unique-constraint failure."""
    await _standard(app, shops)
    config = make_alchemy_config(settings)
    try:
        async with config.get_session() as first, config.get_session() as second:
            await SettlementService(first, ADMIN).close(shops.shop.id, MONTH)

            async def close_second() -> Any:
                try:
                    return await SettlementService(second, ADMIN).close(shops.shop.id, MONTH)
                except DomainError as error:
                    await second.rollback()
                    return error

            task = asyncio.create_task(close_second())
            await asyncio.sleep(0.5)
            assert not task.done()  # waits on the shop's row
            await first.commit()
            outcome = await asyncio.wait_for(task, timeout=10)
    finally:
        await config.get_engine().dispose()
    assert isinstance(outcome, DomainError) and outcome.error == "already_closed" and outcome.status_code == 422
    assert await count(app, SettlementMonth) == 1


@pytest.mark.skipif(TEST_DB != "postgres", reason="two transactions writing at once: SQLite runs one at a time")
async def test_an_undo_taking_the_shops_lock_waits_for_a_close_and_then_sees_the_month_closed(app, shops, settings):
    """What an undo does (the voucher's row, then `lock_shop`, then `month_closed`) against a close under way."""
    voucher = await _standard(app, shops)
    config = make_alchemy_config(settings)
    try:
        async with config.get_session() as closing, config.get_session() as undoing:
            await SettlementService(closing, ADMIN).close(shops.shop.id, MONTH)

            async def undo() -> bool:
                from logistics.vouchers.settlement import lock_shop

                await undoing.execute(select(Voucher.id).where(Voucher.id == voucher.id).with_for_update())
                await lock_shop(undoing, shops.shop.id)
                closed = await month_closed(undoing, shops.shop.id, local(2025, 11, 28, 18, 45))
                await undoing.rollback()
                return closed

            task = asyncio.create_task(undo())
            await asyncio.sleep(0.5)
            assert not task.done()
            await closing.commit()
            assert await asyncio.wait_for(task, timeout=10) is True
    finally:
        await config.get_engine().dispose()


def test_the_month_helpers() -> None:
    assert next_month("2025-12") == "2026-01" and next_month("2025-01") == "2025-02"
    from logistics.vouchers.settlement_controllers import previous_month

    assert previous_month("2026-01") == "2025-12" and previous_month("2026-03") == "2026-02"
    assert current_month() == local_today().strftime("%Y-%m")


async def test_closing_freezes_the_total_shown_or_nothing(app, shops, client):
    """The confirmation carries the total the coordinator saw: a purchase undone (or added) since is caught."""
    async with db_session(app) as session:
        await _spends(session, shops, [(local(2025, 11, 10, 10), "20.00")])
        await session.commit()
    await login(client, "admin")
    page = await client.get(f"/vouchers/settlements/{shops.shop.id}/{MONTH}")
    assert 'name="expected_total" value="20.00"' in page.text
    stale = await post_form(client, f"/vouchers/settlements/{shops.shop.id}/{MONTH}/close", {"expected_total": "15.00"})
    assert stale.status_code == 422 and 'id="month-error"' in stale.text and "20,00" in stale.text
    assert await count(app, SettlementMonth) == 0
    shown = await post_form(client, f"/vouchers/settlements/{shops.shop.id}/{MONTH}/close", {"expected_total": "20.00"})
    assert shown.status_code == 303
    async with db_session(app) as session:
        closed = await session.scalar(select(SettlementMonth))
        assert closed is not None and closed.total == Decimal("20.00")
