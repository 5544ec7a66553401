"""What front-line users read and tap on the registry's pages: the RODO report as a document (page and PDF), the
beneficiary card's layout, confirmations before destructive actions, and the search that opens an exact match."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fpdf import FPDF
from sqlalchemy import select, update

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.core.i18n import in_locale
from logistics.people import cards
from logistics.people.models import BeneficiaryCard, Person
from logistics.people.report import bed_nights, build_report, report_pdf
from logistics.people.services import is_exact_query, is_malformed_card_code
from logistics.shelter.models import BedAssignment, Stay

from ..conftest import login
from ..helpers import count, db_session, post_form
from ..shelter.helpers import make_rooms
from .helpers import ANNA, register

ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


async def _anna(app, client):
    await register(client)
    async with db_session(app) as session:
        return await session.scalar(select(Person.id).where(Person.pesel == ANNA["pesel"]))


async def _card_code(app, person_id):
    async with db_session(app) as session:
        return await session.scalar(
            select(BeneficiaryCard.code).where(
                BeneficiaryCard.person_id == person_id, BeneficiaryCard.revoked_at.is_(None)
            )
        )


# --- the RODO report ---------------------------------------------------------------------------------------------


async def test_the_rodo_report_is_a_document_in_the_users_language(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "women", 1, False)])
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await post_form(client, "/households/new", {"head": str(anna_id)})
    await post_form(client, f"/people/{anna_id}/card")
    client.cookies.clear()
    await login(client, "shelter")
    assert (
        await post_form(client, "/shelter/check-in", {"person": str(anna_id), "bed": str(beds["Sala 1"][0].id)})
    ).status_code == 303
    async with db_session(app) as session:  # she came three days ago and stays tonight: four bed-nights
        three_days_ago = datetime.now(UTC) - timedelta(days=3)
        await session.execute(update(Stay).where(Stay.person_id == anna_id).values(started_at=three_days_ago))
        await session.execute(
            update(BedAssignment).where(BedAssignment.person_id == anna_id).values(started_at=three_days_ago)
        )
        await session.commit()
    client.cookies.clear()
    await login(client, "caseworker")
    exports_before = await count(app, AuditEntry, AuditEntry.action == "person.export")

    page = await client.get(f"/people/{anna_id}/export")
    assert page.status_code == 200
    text = page.text
    assert "Dane przechowywane o osobie: Anna Kowalska" in text
    for heading in (
        "Osoba",
        "Gospodarstwo domowe",
        "Pobyty w placówkach noclegowych",
        "Kto przeglądał dane i co zmieniono",
    ):
        assert f">{heading}</h2>" in text
    # Labels and values in Polish, not the export's keys and codes.
    assert '<dt>Płeć</dt><dd class="pre">Kobieta</dd>' in text
    assert '<dt>Obywatelstwo</dt><dd class="pre">Polska</dd>' in text
    assert "Głowa gospodarstwa domowego" in text
    assert "Noclegownia A" in text and "Sala 1" in text
    assert "4 noce" in text  # bed-nights of the stay as the shelter counts them, with the Polish plural
    assert "Eksport danych osoby" in text  # this very report is in the audit it shows
    assert "Rejestracja osoby" in text and "Wydanie karty" in text
    for raw in ("given_name", "person.create", "card.issue", "legal_obligation", "female", "<code>"):
        assert raw not in text
    assert not ISO_TIME.search(text)  # local times, formatted — never ISO UTC strings
    assert await count(app, AuditEntry, AuditEntry.action == "person.export") == exports_before + 1

    pdf = await client.get(f"/people/{anna_id}/export.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert await count(app, AuditEntry, AuditEntry.action == "person.export") == exports_before + 2

    # The JSON export stays as it was: the keys and values as stored.
    data = json.loads((await client.get(f"/people/{anna_id}/export.json")).content)
    assert data["registry"]["person"]["given_name"] == "Anna"
    assert data["registry"]["person"]["sex"] == "female"
    assert data["shelter"][0]["checked_in"].endswith("+00:00")

    client.cookies.clear()
    await login(client, "shelter")
    assert (await client.get(f"/people/{anna_id}/export.pdf")).status_code == 403


async def test_the_report_in_ukrainian(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await post_form(client, "/language", {"locale": "uk", "next": "/"})
    text = (await client.get(f"/people/{anna_id}/export")).text
    assert "Дані, що зберігаються про особу: Anna Kowalska" in text
    assert "Жінка" in text and "Польща" in text and "Реєстрація особи" in text


def test_times_are_shown_in_the_centres_time_zone():
    data = {
        "exported_at": "2026-07-01T10:05:00+00:00",  # 12:05 in Warsaw (summer time)
        "exported_by": "caseworker",
        "organisation": "Ośrodek",
        "registry": {"person": {"given_name": "Anna", "family_name": "Nowak"}, "household": None, "cards": []},
        "shelter": [
            {
                "checked_in": "2026-01-10T22:30:00+00:00",  # 23:30 on the 10th in Warsaw
                "checked_out": "2026-01-12T23:30:00+00:00",  # 00:30 on the 13th in Warsaw
                "checkout_reason": "own_housing",
                "destination": "",
                "beds": [],
            }
        ],
        "audit": [{"at": "2026-01-10T23:30:00+00:00", "who": "x", "action": "person.view", "fields": []}],
        "referrals": [{"to": "Szpital", "on": "2026-01-11"}],
    }
    with in_locale("pl"):
        report = build_report(data)
        assert "12:05" in report.prepared and "10:05" not in report.prepared
        stays = next(s for s in report.sections if s.key == "shelter")
        assert stays.tables[0].rows[0][1].endswith("23:30")
        assert stays.tables[0].rows[0][3] == "Własne mieszkanie"
        assert stays.tables[0].rows[0][5] == "2"  # the nights of the 10th and the 11th; left in the 12th's
        audit = report.sections[-1]
        assert audit.key == "audit"
        assert audit.tables[0].rows[0][0].startswith("11.01.2026")  # the next day already, in Warsaw
        assert audit.tables[0].rows[0][2] == "Wyświetlenie karty osoby"
        # A part of the export this module does not know still shows, before the audit.
        assert [s.key for s in report.sections][-2] == "referrals"
        assert report.sections[-2].tables[0].rows == [["Szpital", "2026-01-11"]]
        assert report_pdf(report).startswith(b"%PDF")
    assert bed_nights("2026-01-10T10:00:00+00:00", "2026-01-10T18:00:00+00:00") == 0


# --- the beneficiary card ----------------------------------------------------------------------------------------


def test_the_organisations_name_stays_left_of_the_qr_code(monkeypatch):
    long_name = "Stowarzyszenie Pomocy Bliźniemu i Przeciwdziałania Bezdomności im. św. Brata Alberta, Koło Gdańskie"
    monkeypatch.setattr(cards, "get_settings", lambda: type("S", (), {"org_name": long_name})())
    written: list[tuple[float, float, float, str]] = []
    original = FPDF.cell

    def cell(pdf, w=None, h=None, text="", *args, **kwargs):
        if text:
            written.append((pdf.get_x(), pdf.get_y(), pdf.get_string_width(str(text)), str(text)))
        return original(pdf, w, h, text, *args, **kwargs)

    monkeypatch.setattr(FPDF, "cell", cell)
    cards.render_card("Aleksandra Konstantynopolitańczykiewicz", "ABCD-EFGH-JKMN-PQRS-T", "card")
    qr_left, qr_top, qr_bottom = cards.QR_X, cards.QR_Y, cards.QR_Y + cards.QR_SIZE
    beside_qr = [(x, y, width, text) for x, y, width, text in written if qr_top - 5 < y < qr_bottom]
    assert beside_qr, "the card's text was not seen"
    for x, _y, width, text in beside_qr:
        assert x + width <= qr_left, f"{text!r} runs under the QR code"
    organisation = "".join(text for _x, y, _w, text in written if y < 10)
    assert organisation.startswith("Stowarzyszenie Pomocy")
    assert organisation.endswith("…")  # shortened rather than running over the code


# --- confirmations -----------------------------------------------------------------------------------------------


async def test_destructive_actions_ask_for_confirmation(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await register(client, pesel="", given_name="Ana", confirmed="on")  # a likely duplicate, offered for merging
    await post_form(client, f"/people/{anna_id}/card")
    code = codes.format_code(await _card_code(app, anna_id))
    page = (await client.get(f"/people/{anna_id}")).text
    forms = re.findall(r"<form [^>]*>", page)

    def confirm_of(action: str) -> str:
        tag = next(tag for tag in forms if f'action="/people/{anna_id}/{action}"' in tag)
        assert f'hx-post="/people/{anna_id}/{action}"' in tag
        found = re.search(r'hx-confirm="([^"]+)"', tag)
        assert found, f"{action} does not ask"
        return found.group(1)

    assert code in confirm_of("card/revoke")
    assert "Obecna karta od razu przestanie działać" in confirm_of("card")
    assert "Ana Kowalska" in confirm_of("merge")
    assert "Anna Kowalska" in confirm_of("erase") and "Tego nie można cofnąć." in confirm_of("erase")
    # What the button does once confirmed (htmx sends the same form): the card is revoked, back to the record.
    revoked = await post_form(client, f"/people/{anna_id}/card/revoke", headers={"hx-request": "true"})
    assert revoked.status_code == 200
    assert revoked.headers["hx-redirect"] == f"/people/{anna_id}"
    assert await _card_code(app, anna_id) is None


# --- search ------------------------------------------------------------------------------------------------------


async def test_an_exact_search_opens_the_record_and_a_misread_code_says_so(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await post_form(client, f"/people/{anna_id}/card")
    code = await _card_code(app, anna_id)
    printed = codes.format_code(code)
    for query in (ANNA["pesel"], printed, printed.lower().replace("-", " ")):
        found = await client.get("/people", params={"q": query}, follow_redirects=False)
        assert found.status_code == 303, query
        assert found.headers["location"] == f"/people/{anna_id}"
    # As one types (htmx), and in a household's member picker, the result is listed, not opened.
    typed = await client.get("/people", params={"q": ANNA["pesel"]}, headers={"hx-request": "true"})
    assert typed.status_code == 200 and f'href="/people/{anna_id}"' in typed.text
    picker = await client.get("/people", params={"q": ANNA["pesel"], "household": str(anna_id)})
    assert picker.status_code == 200
    # A name is never an exact match.
    assert (await client.get("/people", params={"q": "Anna"}, follow_redirects=False)).status_code == 200
    # A misread card code: said so, not "nobody found".
    typo = printed[:5] + ("A" if printed[5] != "A" else "B") + printed[6:]
    for query in (typo, printed[:-3]):
        response = await client.get("/people", params={"q": query}, headers={"hx-request": "true"})
        assert response.status_code == 422, query
        assert "To nie jest poprawny kod karty." in response.text
        assert "Nikogo nie znaleziono" not in response.text
    # A name or a phone number is not taken for a card code.
    assert "Nikogo nie znaleziono" in (await client.get("/people", params={"q": "Zenobiusz"})).text
    assert (await client.get("/people", params={"q": "601 999 888"})).status_code == 200
    # Shelter staff may not open any record: their exact search lists, as before.
    client.cookies.clear()
    await login(client, "shelter")
    listed = await client.get("/people", params={"q": printed}, follow_redirects=False)
    assert listed.status_code == 200 and "Anna Kowalska" in listed.text


@pytest.mark.parametrize(
    ("query", "exact", "malformed"),
    [
        (codes.format_code("ABCDEFGHJKMNPQRS" + codes.check_symbol("ABCDEFGHJKMNPQRS")), True, False),
        ("abcd efgh jkmn pqrs " + codes.check_symbol("ABCDEFGHJKMNPQRS").lower(), True, False),
        ("ABCD-EFGH-JKMN-PQRS-" + ("A" if codes.check_symbol("ABCDEFGHJKMNPQRS") != "A" else "B"), False, True),
        ("7K2M-9QXD", False, True),  # part of a code: letters and digits mixed
        ("85031401234", True, False),  # a PESEL
        ("601 222 333", False, False),  # a phone number
        ("+48 601 222 333", False, False),
        ("Anna Kowalska", False, False),
        ("Grzegorz Brzęczyszczykiewicz", False, False),  # a long name is not a code
        ("AB12", False, False),  # too short to be meant as a code
    ],
)
def test_which_searches_are_exact_and_which_are_misread_codes(query, exact, malformed):
    assert is_exact_query(query) is exact
    assert is_malformed_card_code(query) is malformed
