"""Registering, editing, viewing and finding people — and who may do which."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.people.models import Person, PersonToken
from logistics.people.pesel import make_pesel

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import ANNA, person, register, shown


async def _person_id(app, **where):
    async with db_session(app) as session:
        return await session.scalar(select(Person.id).filter_by(**where))


async def test_case_worker_registers_a_person(app, client, people):
    await login(client, "caseworker")
    response = await register(client)
    assert response.status_code == 303
    async with db_session(app) as session:
        anna = await session.scalar(select(Person).where(Person.pesel == ANNA["pesel"]))
        assert anna.birth_date == date(1985, 3, 14)
        assert anna.birth_year == 1985
        assert anna.birth_year_band == 1985
        assert anna.phone_digits == "601222333"
        assert not anna.is_incomplete
        tokens = set(await session.scalars(select(PersonToken.token).where(PersonToken.person_id == anna.id)))
        assert tokens == {"anna", "kowalska"}
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "person.create"))
        assert entry.entity_id == str(anna.id)
        assert "pesel" in entry.fields
        assert ANNA["pesel"] not in str(entry.fields)
    assert response.headers["location"] == f"/people/{anna.id}"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pesel": "85031412345"}, "Ten numer PESEL jest nieprawidłowy"),
        ({"pesel": "8503141234"}, "PESEL ma 11 cyfr."),
        ({"pesel": make_pesel(date(1985, 3, 15), "female")}, "PESEL nie zgadza się z datą urodzenia."),
        ({"pesel": make_pesel(date(1985, 3, 14), "male")}, "PESEL nie zgadza się z płcią."),
        ({"birth_date": "", "birth_year": "", "pesel": ""}, "Podaj datę urodzenia albo chociaż rok."),
        ({"birth_date": "14.03.1985"}, "Podaj datę w formacie RRRR-MM-DD."),
        ({"citizenship": "XX"}, "Ta opcja jest niedostępna."),
        ({"given_name": ""}, "To pole jest wymagane."),
        ({"given_name": "Anna<script>"}, "Używaj tylko liter"),
        ({"email": "not-an-address"}, "Podaj poprawny adres e-mail."),
        ({"pesel": "", "pesel_ukr": "on"}, "Status UKR wymaga numeru PESEL."),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(app, client, people, changes, message):
    await login(client, "caseworker")
    response = await register(client, **changes)
    assert response.status_code == 422
    assert message in response.text
    assert await count(app, Person) == 0
    assert await count(app, AuditEntry, AuditEntry.action == "person.create") == 0


async def test_pesel_for_every_century_is_accepted_when_it_agrees(app, client, people):
    await login(client, "caseworker")
    for number, born in enumerate((date(1905, 6, 1), date(2003, 12, 31), date(2024, 2, 29))):
        response = await register(
            client,
            given_name=f"Osoba{'abc'[number]}",
            birth_date=born.isoformat(),
            pesel=make_pesel(born, "male", number),
            sex="male",
        )
        assert response.status_code == 303, response.text[:500]
    assert await count(app, Person) == 3


async def test_likely_duplicates_are_shown_before_registering(app, client, people):
    await login(client, "caseworker")
    assert (await register(client, given_name="Łukasz", family_name="Wójcik", pesel="")).status_code == 303
    # The same name without diacritics and the same date of birth.
    response = await register(client, given_name="Lukasz", family_name="Wojcik", pesel="")
    assert response.status_code == 422
    assert "Ta osoba może już być zarejestrowana." in response.text
    assert "Łukasz Wójcik" in response.text
    assert await count(app, Person) == 1
    # A similar name: the case worker checks and confirms it is someone else.
    response = await register(client, given_name="Łukasz", family_name="Wójcikowski", pesel="", confirmed="on")
    assert response.status_code == 303
    assert await count(app, Person) == 2


async def test_the_same_pesel_can_never_be_registered_twice(app, client, people):
    await login(client, "caseworker")
    assert (await register(client)).status_code == 303
    response = await register(client, given_name="Inna", family_name="Osoba", confirmed="on")
    assert response.status_code == 422
    assert shown("Another person has this PESEL.") in response.text  # next to the field: test_refusals.py
    assert await count(app, Person) == 1


async def test_quick_registration_at_the_night_desk(app, client, people):
    await login(client, "shelter")
    assert (await client.get("/people/quick")).status_code == 200
    response = await post_form(client, "/people/quick", {"given_name": "Marek", "sex": "male", "birth_year": "1968"})
    assert response.status_code == 303
    async with db_session(app) as session:
        marek = await session.scalar(select(Person).where(Person.given_name == "Marek"))
        assert marek.is_incomplete
        assert marek.birth_year == 1968
        assert marek.birth_date is None
    bad = await post_form(client, "/people/quick", {"given_name": "Jan", "sex": "male", "birth_year": "3000"})
    assert bad.status_code == 422
    assert await count(app, Person) == 1


async def test_who_may_open_the_registry(app, client, people):
    await login(client, "caseworker")
    await register(client)
    anna_id = await _person_id(app, family_name="Kowalska")
    for username, search, record in (
        ("volunteer", 403, 403),
        ("warehouse", 403, 403),
        ("admin", 403, 403),
        ("shelter", 200, 403),  # Anna stays at none of their sites
        ("coordinator", 200, 200),
        ("caseworker", 200, 200),
    ):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/people?q=kowalska")).status_code == search, username
        assert (await client.get(f"/people/{anna_id}")).status_code == record, username


async def test_shelter_staff_search_shows_only_name_and_year(app, client, people):
    await login(client, "caseworker")
    await register(client)
    client.cookies.clear()
    await login(client, "shelter")
    page = await client.get("/people?q=anna kowal", headers={"hx-request": "true"})
    assert "Anna Kowalska" in page.text
    assert "1985" in page.text
    assert ANNA["pesel"] not in page.text
    assert "601" not in page.text
    assert "/people/" not in page.text  # no link into the record


async def test_viewing_a_record_is_audit_logged_and_notes_are_for_case_workers(app, client, people):
    await login(client, "caseworker")
    await register(client, notes="Poufna notatka")
    anna_id = await _person_id(app, family_name="Kowalska")
    page = await client.get(f"/people/{anna_id}")
    assert "Poufna notatka" in page.text
    client.cookies.clear()
    await login(client, "coordinator")
    page = await client.get(f"/people/{anna_id}")
    assert page.status_code == 200
    assert "Poufna notatka" not in page.text
    async with db_session(app) as session:
        views = list(
            await session.scalars(
                select(AuditEntry.actor_name).where(
                    AuditEntry.action == "person.view", AuditEntry.entity_id == str(anna_id)
                )
            )
        )
    assert views == ["caseworker", "coordinator"]


async def test_editing_logs_field_names_not_values(app, client, people):
    await login(client, "caseworker")
    await register(client)
    anna_id = await _person_id(app, family_name="Kowalska")
    assert (await client.get(f"/people/{anna_id}/edit")).status_code == 200
    response = await post_form(client, f"/people/{anna_id}/edit", person(phone="+48 700 100 200", family_name="Nowak"))
    assert response.status_code == 303
    async with db_session(app) as session:
        anna = await session.get(Person, anna_id)
        assert anna.family_name == "Nowak"
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "person.update"))
        assert set(entry.fields) == {"family_name", "phone"}
        tokens = set(await session.scalars(select(PersonToken.token).where(PersonToken.person_id == anna_id)))
    assert "nowak" in tokens
    assert "kowalska" not in tokens
    bad = await post_form(client, f"/people/{anna_id}/edit", person(family_name="Nowak", birth_date="2090-01-01"))
    assert bad.status_code == 422
    client.cookies.clear()
    await login(client, "coordinator")
    assert (await post_form(client, f"/people/{anna_id}/edit", person())).status_code == 403


@pytest.mark.parametrize(
    "query",
    ["lukasz wojcik", "ŁUKASZ", "wójc", "Wojcik Lukasz"],
)
async def test_search_ignores_case_and_diacritics(app, client, people, query):
    await login(client, "caseworker")
    await register(client, given_name="Łukasz", family_name="Wójcik", pesel="")
    page = await client.get("/people", params={"q": query})
    assert "Łukasz Wójcik" in page.text


@pytest.mark.parametrize("query", ["Olena Kovalchuk", "olena kowalczuk", "Олена", "kowal"])
async def test_cyrillic_names_are_found_by_transliteration(app, client, people, query):
    await login(client, "caseworker")
    await register(client, given_name="Олена", family_name="Ковальчук", pesel="", citizenship="UA")
    page = await client.get("/people", params={"q": query})
    assert "Олена Ковальчук" in page.text


async def test_search_by_pesel_and_phone(app, client, people):
    await login(client, "caseworker")
    await register(client)
    assert "Anna Kowalska" in (await client.get("/people", params={"q": ANNA["pesel"]})).text
    assert "Anna Kowalska" in (await client.get("/people", params={"q": "601 222"})).text
    assert "Anna Kowalska" in (await client.get("/people", params={"q": "+48601222333"})).text
    assert "Anna Kowalska" in (await client.get("/people", params={"q": "+48 601"})).text
    assert "Anna Kowalska" not in (await client.get("/people", params={"q": "700 000 000"})).text
    nothing = await client.get("/people", params={"q": "zzzz"}, headers={"hx-request": "true"})
    assert nothing.text.lstrip().startswith('<div id="results"')
    assert "Nikogo nie znaleziono" in nothing.text


async def test_shelter_staff_open_records_of_residents_of_their_sites_only(app, client, people):
    """Stays (issue 4) link people to sites through a privacy provider; here a stand-in provider does."""
    from logistics.people.privacy import PROVIDERS, PersonDataProvider, register_provider

    await login(client, "caseworker")
    await register(client)
    await register(client, given_name="Jan", family_name="Nowak", sex="male", birth_date="1970-01-01", pesel="")
    anna_id = await _person_id(app, family_name="Kowalska")
    jan_id = await _person_id(app, family_name="Nowak")

    async def export(_session, _person_id):
        return []

    async def sites(_session, person_id):
        return {people.site_a.id} if person_id == anna_id else {people.site_b.id}

    register_provider(PersonDataProvider("test_stays", export, sites=sites))
    try:
        client.cookies.clear()
        await login(client, "shelter")  # works at site A only
        assert (await client.get(f"/people/{anna_id}")).status_code == 200
        other = await client.get(f"/people/{jan_id}")
        assert other.status_code == 403
        assert "Nowak" not in other.text
    finally:
        PROVIDERS.pop("test_stays")


async def test_the_certificate_of_disability_is_kept_shown_audited_and_survives_erasure(app, client, people):
    await login(client, "caseworker")
    assert 'name="has_disability"' in (await client.get("/people/new")).text
    assert (await register(client, has_disability="on")).status_code == 303
    anna_id = await _person_id(app, family_name="Kowalska")
    async with db_session(app) as session:
        assert (await session.get(Person, anna_id)).has_disability is True
        created = await session.scalar(select(AuditEntry).where(AuditEntry.action == "person.create"))
        assert "has_disability" in created.fields
    page = await client.get(f"/people/{anna_id}")
    assert shown("Certificate of disability") in page.text
    edit = await client.get(f"/people/{anna_id}/edit")
    assert 'name="has_disability" value="on" checked' in edit.text
    assert (await post_form(client, f"/people/{anna_id}/edit", person())).status_code == 303  # unticked
    async with db_session(app) as session:
        assert (await session.get(Person, anna_id)).has_disability is False
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "person.update"))
        assert set(entry.fields) == {"has_disability"}
    await post_form(client, f"/people/{anna_id}/edit", person(has_disability="on"))
    assert (await post_form(client, f"/people/{anna_id}/erase", {"confirmation": "Kowalska"})).status_code == 303
    async with db_session(app) as session:
        erased = await session.get(Person, anna_id)
        assert erased.anonymised_at is not None and erased.has_disability is True
