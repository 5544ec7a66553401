"""Beneficiary cards, RODO export and erasure, retention, and merging duplicates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.people import cards
from logistics.people.jobs import retention
from logistics.people.models import BeneficiaryCard, HouseholdMember, Person
from logistics.people.pesel import make_pesel
from logistics.people.rodo import statistics

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import ANNA, register


async def _anna(app, client):
    await register(client)
    async with db_session(app) as session:
        return await session.scalar(select(Person.id).where(Person.pesel == ANNA["pesel"]))


async def _card(app, person_id):
    async with db_session(app) as session:
        return await session.scalar(
            select(BeneficiaryCard).where(BeneficiaryCard.person_id == person_id, BeneficiaryCard.revoked_at.is_(None))
        )


async def test_issue_print_find_and_replace_a_card(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    assert (await post_form(client, f"/people/{anna_id}/card")).status_code == 303
    card = await _card(app, anna_id)
    assert codes.is_well_formed(card.code, 17)
    printed = codes.format_code(card.code)
    assert printed in (await client.get(f"/people/{anna_id}")).text.replace('<code class="card-code">', "")
    for page in ("a4", "card"):
        pdf = await client.get(f"/people/{anna_id}/card.pdf?page={page}")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    # Scanning the card (typed in lower case with spaces) opens the record.
    found = await client.get("/people/card", params={"code": printed.lower().replace("-", " ")}, follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == f"/people/{anna_id}"
    assert "Anna Kowalska" in (await client.get("/people", params={"q": printed})).text
    # A lost card: a replacement; the old code stops working at once.
    assert (await post_form(client, f"/people/{anna_id}/card")).status_code == 303
    assert (await client.get("/people/card", params={"code": printed})).status_code == 404
    assert await count(app, BeneficiaryCard) == 2
    assert await count(app, BeneficiaryCard, BeneficiaryCard.revoked_at.is_(None)) == 1
    assert (await post_form(client, f"/people/{anna_id}/card/revoke")).status_code == 303
    assert await count(app, BeneficiaryCard, BeneficiaryCard.revoked_at.is_(None)) == 0


async def test_malformed_card_code_is_refused_before_lookup(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await post_form(client, f"/people/{anna_id}/card")
    code = (await _card(app, anna_id)).code
    typo = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    response = await client.get("/people/card", params={"code": typo})
    assert response.status_code == 422
    assert "To nie jest poprawny kod karty." in response.text


async def test_a_duplicate_card_code_is_never_issued(app, client, people, monkeypatch):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    fixed = codes.generate(80)
    monkeypatch.setattr(cards.codes, "generate", lambda bits=80: fixed)
    assert (await post_form(client, f"/people/{anna_id}/card")).status_code == 303
    await register(
        client,
        given_name="Jan",
        family_name="Nowak",
        sex="male",
        birth_date="1970-01-01",
        pesel=make_pesel(date(1970, 1, 1), "male"),
    )
    async with db_session(app) as session:
        jan_id = await session.scalar(select(Person.id).where(Person.family_name == "Nowak"))
    response = await post_form(client, f"/people/{jan_id}/card")
    assert response.status_code == 422
    assert "Nie udało się utworzyć unikalnego kodu." in response.text
    assert await count(app, BeneficiaryCard) == 1


async def test_rodo_export_json_and_report(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await post_form(client, "/households/new", {"head": str(anna_id)})
    await post_form(client, f"/people/{anna_id}/card")
    response = await client.get(f"/people/{anna_id}/export.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["registry"]["person"]["pesel"] == ANNA["pesel"]
    assert data["registry"]["household"]["size"] == 1
    assert len(data["registry"]["cards"]) == 1
    assert {"person.create", "card.issue"} <= {e["action"] for e in data["audit"]}
    report = await client.get(f"/people/{anna_id}/export")
    assert report.status_code == 200
    assert ANNA["pesel"] in report.text
    async with db_session(app) as session:
        exports = await session.scalar(select(AuditEntry.id).where(AuditEntry.action == "person.export"))
    assert exports is not None
    client.cookies.clear()
    await login(client, "shelter")
    assert (await client.get(f"/people/{anna_id}/export.json")).status_code == 403


async def test_erasure_keeps_statistics_and_removes_personal_data(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await register(
        client, given_name="Olena", family_name="Bondarenko", birth_date="1990-07-07", pesel="", citizenship="BY"
    )
    async with db_session(app) as session:
        olena_id = await session.scalar(select(Person.id).where(Person.family_name == "Bondarenko"))
    await post_form(client, "/households/new", {"head": str(anna_id)})
    await post_form(client, "/households/new", {"head": str(olena_id)})
    await post_form(client, f"/people/{olena_id}/card")
    async with db_session(app) as session:
        before = await statistics(session)
    wrong = await post_form(client, f"/people/{olena_id}/erase", {"confirmation": "Kowalska"})
    assert wrong.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Person, olena_id)).anonymised_at is None
    assert (await post_form(client, f"/people/{olena_id}/erase", {"confirmation": "bondarenko"})).status_code == 303
    async with db_session(app) as session:
        olena = await session.get(Person, olena_id)
        after = await statistics(session)
        assert olena.anonymised_at is not None
        assert (olena.given_name, olena.family_name, olena.phone, olena.pesel, olena.birth_date) == (
            "",
            "",
            "",
            None,
            None,
        )
        assert olena.birth_year_band == 1990
        assert olena.citizenship == "ZZ"
        assert await session.scalar(select(HouseholdMember.id).where(HouseholdMember.person_id == olena_id))
    assert after == before
    assert "Bondarenko" not in (await client.get("/people", params={"q": "bondarenko"})).text
    assert await count(app, BeneficiaryCard, BeneficiaryCard.revoked_at.is_(None)) == 0
    again = await post_form(client, f"/people/{olena_id}/erase", {"confirmation": ""})
    assert again.status_code == 303
    assert await count(app, AuditEntry, AuditEntry.action == "person.erase") == 1


async def test_retention_anonymises_only_people_inactive_for_years(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await register(client, given_name="Jan", family_name="Nowak", sex="male", birth_date="1970-01-01", pesel="")
    async with db_session(app) as session:
        await session.execute(
            update(Person)
            .where(Person.id == anna_id)
            .values(last_activity_at=datetime.now(UTC) - timedelta(days=6 * 365))
        )
        await session.commit()
        message = await retention(session)
        await session.commit()
        assert message.startswith("1 people anonymised")
        assert (await session.get(Person, anna_id)).anonymised_at is not None
        jan = await session.scalar(select(Person).where(Person.family_name == "Nowak"))
        assert jan.anonymised_at is None
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "person.erase"))
        assert entry.actor_name == "retention"


async def test_merge_two_records_keeps_history_from_both(app, client, people):
    await login(client, "caseworker")
    anna_id = await _anna(app, client)
    await register(client, pesel="", phone="", email="anna@example.pl", confirmed="on")
    async with db_session(app) as session:
        twin_id = await session.scalar(select(Person.id).where(Person.id != anna_id))
    await post_form(client, "/households/new", {"head": str(twin_id)})
    await post_form(client, f"/people/{twin_id}/card")
    page = await client.get(f"/people/{anna_id}")
    assert "Możliwe duplikaty tego rekordu" in page.text
    assert f'name="other" value="{twin_id}"' in page.text
    self_merge = await post_form(client, f"/people/{anna_id}/merge", {"other": str(anna_id)})
    assert self_merge.status_code == 303
    assert await count(app, Person, Person.merged_into_id.is_not(None)) == 0
    assert (await post_form(client, f"/people/{anna_id}/merge", {"other": str(twin_id)})).status_code == 303
    async with db_session(app) as session:
        anna = await session.get(Person, anna_id)
        twin = await session.get(Person, twin_id)
        assert twin.merged_into_id == anna_id
        assert anna.email == "anna@example.pl"  # filled from the duplicate
        assert anna.membership is not None  # the household moved
        card = await session.scalar(select(BeneficiaryCard).where(BeneficiaryCard.revoked_at.is_(None)))
        assert card.person_id == anna_id
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"person.merge_in", "person.merged_into"} <= actions
    results = (await client.get("/people", params={"q": "kowalska"})).text
    assert results.count("Anna Kowalska") == 1
    assert (await client.get(f"/people/{twin_id}")).status_code == 200  # old record still readable, says merged


async def test_statistics_page_for_coordinators(app, client, people):
    await login(client, "caseworker")
    await _anna(app, client)
    await register(
        client, given_name="Jan", family_name="Nowak", sex="male", birth_date="1952-05-05", pesel="", citizenship="UA"
    )
    client.cookies.clear()
    await login(client, "coordinator")
    page = await client.get("/people/stats")
    assert page.status_code == 200
    assert "2 osoby w rejestrze" in page.text
    assert "1985–1989" in page.text
    assert "1950–1954" in page.text
    client.cookies.clear()
    await login(client, "shelter")
    assert (await client.get("/people/stats")).status_code == 403
