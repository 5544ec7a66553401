"""The registry's policy: what shelter staff see of their residents, what coordinators may not do, and that
volunteers and warehouse staff see no registry at all."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.i18n import format_date, in_locale
from logistics.people.models import Household, Person
from logistics.people.pesel import make_pesel
from logistics.people.privacy import PROVIDERS, PersonDataProvider, register_provider
from logistics.web.layout import navigation

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import ANNA, register

DOCUMENT = "ABC 123456"
NOTES = "Poufna notatka o zdrowiu"


async def _id(app, **where):
    async with db_session(app) as session:
        return await session.scalar(select(Person.id).filter_by(**where))


@pytest.fixture
async def residents(app, client, people):
    """Anna stays at site A (the shelter worker's site), Jan at site B, Ewa nowhere — registered in full by a case
    worker, and linked to the sites by a stand-in for the shelter's privacy provider."""
    await login(client, "caseworker")
    await register(client, id_document=DOCUMENT, email="anna@example.org", notes=NOTES)
    jan_pesel = make_pesel(date(1970, 1, 1), "male", 12)
    await register(client, given_name="Jan", family_name="Nowak", sex="male", birth_date="1970-01-01", pesel=jan_pesel)
    await register(client, given_name="Ewa", family_name="Lis", birth_date="1990-05-05", pesel="")
    ids = {name: await _id(app, family_name=name) for name in ("Kowalska", "Nowak", "Lis")}
    stays = {ids["Kowalska"]: {people.site_a.id}, ids["Nowak"]: {people.site_b.id}}

    async def export(_session, _person_id):
        return []

    async def sites(_session, person_id):
        return stays.get(person_id, set())

    register_provider(PersonDataProvider("test_stays", export, sites=sites))
    client.cookies.clear()
    yield ids
    PROVIDERS.pop("test_stays")


async def test_shelter_staff_see_only_the_name_year_of_birth_and_stay_of_a_resident(app, client, people, residents):
    await login(client, "shelter")
    page = await client.get(f"/people/{residents['Kowalska']}")
    assert page.status_code == 200
    assert "Anna Kowalska" in page.text
    assert "1985" in page.text
    for secret in (ANNA["pesel"], "601 222 333", "+48 601", DOCUMENT, "anna@example.org", NOTES):
        assert secret not in page.text, secret
    born = date(1985, 3, 14)
    for full_date in {"1985-03-14", "14.03.1985", *(_formatted(born, locale) for locale in ("pl", "en", "uk"))}:
        assert full_date not in page.text, full_date
    for rodo in ("2026-11-02", _formatted(date(2026, 11, 2), "pl"), "RODO", "/export", "/erase", "/edit", "card.pdf"):
        assert rodo not in page.text, rodo
    assert "Noclegownia A" in page.text  # the stay
    async with db_session(app) as session:
        viewers = list(
            await session.scalars(
                select(AuditEntry.actor_name).where(
                    AuditEntry.action == "person.view", AuditEntry.entity_id == str(residents["Kowalska"])
                )
            )
        )
    assert viewers == ["shelter"]


def _formatted(day: date, locale: str) -> str:
    with in_locale(locale):
        return format_date(day)


async def test_a_shelter_worker_cannot_open_a_person_not_staying_at_their_sites(app, client, people, residents):
    await login(client, "shelter")
    for name in ("Nowak", "Lis"):  # staying at another site; staying nowhere
        page = await client.get(f"/people/{residents[name]}")
        assert page.status_code == 403, name
        assert name not in page.text
    assert await count(app, AuditEntry, AuditEntry.action == "person.view") == 0


async def test_the_night_desk_still_finds_people_by_name_and_registers_the_minimum(app, client, people, residents):
    await login(client, "shelter")
    found = await client.get("/people", params={"q": "nowak"}, headers={"hx-request": "true"})
    assert found.status_code == 200
    assert "Jan Nowak" in found.text and "1970" in found.text
    assert "/people/" not in found.text
    # Not by phone: a number's prefix would tell the desk whose number it is.
    by_phone = await client.get("/people", params={"q": "601 222"}, headers={"hx-request": "true"})
    assert by_phone.status_code == 200
    assert "Kowalska" not in by_phone.text
    quick = await post_form(client, "/people/quick", {"given_name": "Marek", "sex": "male", "birth_year": "1968"})
    assert quick.status_code == 303
    assert await count(app, Person, Person.given_name == "Marek", Person.is_incomplete.is_(True)) == 1


async def test_case_workers_and_coordinators_see_the_full_record(app, client, people, residents):
    for username, sees_notes in (("caseworker", True), ("coordinator", False)):
        client.cookies.clear()
        await login(client, username)
        page = await client.get(f"/people/{residents['Kowalska']}")
        assert page.status_code == 200
        assert ANNA["pesel"] in page.text and DOCUMENT in page.text and "601 222 333" in page.text
        assert (NOTES in page.text) is sees_notes
        assert (f"/people/{residents['Kowalska']}/edit" in page.text) is sees_notes  # only case workers edit


async def test_a_coordinator_sees_no_erase_form_and_cannot_erase(app, client, people, residents):
    anna_id = residents["Kowalska"]
    await login(client, "caseworker")
    assert f"/people/{anna_id}/erase" in (await client.get(f"/people/{anna_id}")).text
    client.cookies.clear()
    await login(client, "coordinator")
    page = await client.get(f"/people/{anna_id}")
    assert page.status_code == 200
    assert "/erase" not in page.text
    assert f"/people/{anna_id}/export" in page.text  # coordinators read, export included
    refused = await post_form(client, f"/people/{anna_id}/erase", {"confirmation": "Kowalska"})
    assert refused.status_code == 403
    async with db_session(app) as session:
        anna = await session.get(Person, anna_id)
        assert anna.anonymised_at is None
        assert (anna.family_name, anna.pesel, anna.phone) == ("Kowalska", ANNA["pesel"], ANNA["phone"])
    assert await count(app, AuditEntry, AuditEntry.action == "person.erase") == 0
    # Nor edits, merges or cards.
    for path in (f"/people/{anna_id}/edit", f"/people/{anna_id}/card", f"/people/{anna_id}/merge", "/households/new"):
        assert (await post_form(client, path, {"head": str(anna_id)})).status_code == 403, path
    assert await count(app, Household) == 0


@pytest.mark.parametrize("username", ["volunteer", "warehouse"])
async def test_volunteers_and_warehouse_see_no_registry_at_all(app, client, people, residents, username):
    await login(client, "caseworker")
    created = await post_form(client, "/households/new", {"head": str(residents["Kowalska"])})
    household_id = created.headers["location"].rsplit("/", 1)[1]
    client.cookies.clear()
    await login(client, username)
    values = {"person_id": str(residents["Kowalska"]), "household_id": household_id}
    checked = []
    for route in app.routes:
        if not route.path.startswith(("/people", "/households")):
            continue
        path = route.path
        for name, value in values.items():
            path = path.replace(f"{{{name}:uuid}}", value)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = await client.get(path, follow_redirects=False)
            else:
                response = await post_form(client, path, {"confirmation": "Kowalska", "head": values["person_id"]})
            assert response.status_code == 403, (method, path, response.status_code)
            assert "Kowalska" not in response.text
            checked.append(f"{method} {path}")
    assert len(checked) >= 20
    assert "/people" not in [entry.path for entry in navigation(people.users[username])]
    async with db_session(app) as session:
        anna = await session.get(Person, residents["Kowalska"])
        assert anna.anonymised_at is None and anna.family_name == "Kowalska"
    assert await count(app, Household) == 1
