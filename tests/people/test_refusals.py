"""Every bad input to the registry a clear refusal next to its field, changing nothing; odd states (a PESEL that
is someone else's, erasing a person who is checked in) refused as the domain says."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import format_date, format_number, local_today
from logistics.core.roles import Role
from logistics.db import make_alchemy_config
from logistics.people.households import CENT, MAX_CRITERION, MAX_INCOME_PER_PERSON
from logistics.people.jobs import retention
from logistics.people.models import BeneficiaryCard, EligibilityThreshold, Household, HouseholdMember, Person
from logistics.people.pesel import make_pesel
from logistics.people.services import CLAUSE_SINCE, PersonInput, PersonService, PeselTaken
from logistics.shelter.models import Stay

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import ANNA, person, register, shown

EWA_PESEL = make_pesel(date(1990, 5, 5), "female", 77)
EWA = {"given_name": "Ewa", "family_name": "Lis", "birth_date": "1990-05-05", "pesel": EWA_PESEL}


async def _id(app, **where):
    async with db_session(app) as session:
        return await session.scalar(select(Person.id).filter_by(**where))


def _field_error(page: str, field: str) -> str:
    """The text of the error shown under `field`."""
    start = page.index(f'id="{field}-error">') + len(f'id="{field}-error">')
    return page[start : page.index("</p>", start)]


def _window(low: date, high: date) -> str:
    return shown("Enter a date from %(low)s to %(high)s.", low=lambda: format_date(low), high=lambda: format_date(high))


# --- 1. a PESEL that another person has -----------------------------------------------------------------------


async def test_editing_a_person_to_another_persons_pesel_is_refused_next_to_the_field(app, client, people):
    await login(client, "caseworker")
    await register(client)
    await register(client, **EWA)
    anna_id, ewa_id = await _id(app, family_name="Kowalska"), await _id(app, family_name="Lis")
    # Ewa's record, given Anna's PESEL (and Anna's date of birth, so that the PESEL agrees) and a new phone.
    edit = {**EWA, "birth_date": ANNA["birth_date"], "pesel": ANNA["pesel"], "phone": "+48 700 100 200"}
    response = await post_form(client, f"/people/{ewa_id}/edit", person(**edit))
    assert response.status_code == 422
    assert _field_error(response.text, "pesel") == shown("Another person has this PESEL.")
    assert f'href="/people/{anna_id}"' in response.text  # the other record, for the case worker to open
    assert "Anna Kowalska" in response.text
    async with db_session(app) as session:
        ewa = await session.get(Person, ewa_id)
        assert (ewa.pesel, ewa.birth_date, ewa.phone) == (EWA_PESEL, date(1990, 5, 5), ANNA["phone"])
        assert (await session.get(Person, anna_id)).pesel == ANNA["pesel"]
    assert await count(app, AuditEntry, AuditEntry.action == "person.update") == 0
    # The same form with her own PESEL is saved: the refusal left nothing behind.
    again = await post_form(client, f"/people/{ewa_id}/edit", person(**{**EWA, "phone": "+48 700 100 200"}))
    assert again.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(Person, ewa_id)).phone == "+48 700 100 200"


async def test_registering_a_pesel_that_another_person_has_is_refused_next_to_the_field(app, client, people):
    await login(client, "caseworker")
    assert (await register(client)).status_code == 303
    anna_id = await _id(app, family_name="Kowalska")
    await post_form(client, "/households/new", {"head": str(anna_id)})
    async with db_session(app) as session:
        household_id = await session.scalar(select(Household.id))
    for extra in ({}, {"household": str(household_id), "relationship": "child"}):  # alone; into a household
        response = await register(client, given_name="Inna", family_name="Osoba", confirmed="on", **extra)
        assert response.status_code == 422
        assert _field_error(response.text, "pesel") == shown("Another person has this PESEL.")
        assert f'href="/people/{anna_id}"' in response.text
    assert await count(app, Person) == 1
    assert await count(app, HouseholdMember) == 1
    assert await count(app, AuditEntry, AuditEntry.action == "person.create") == 1


async def test_two_records_given_the_same_pesel_at_once(app, settings, people):
    """Without the PESEL's lock the second edit passes the check and fails on the unique index: a refusal that
    names no record (on PostgreSQL, where the two really overlap)."""
    case_worker = Actor(
        user_id=people.users["caseworker"].id, username="caseworker", role=Role.CASE_WORKER, sees_all_sites=True
    )
    born = date(1985, 3, 14)
    async with db_session(app) as session:
        service = PersonService(session, case_worker)
        ids = [(await service.register(_input(name, born, None), confirmed_new=True)).id for name in ("Anna", "Ola")]
        await session.commit()
    pesel = make_pesel(born, "female", 4)
    config = make_alchemy_config(settings)
    outcomes: list[str] = []

    async def give(person_id, delay):
        await asyncio.sleep(delay)
        async with config.get_session() as session:
            try:
                await PersonService(session, case_worker).update(person_id, _input("X", born, pesel))
            except PeselTaken:
                outcomes.append("pesel taken")
                return
            except DomainError:
                outcomes.append("refused")
                return
            await asyncio.sleep(0.3)
            await session.commit()
            outcomes.append("done")

    try:
        await asyncio.gather(give(ids[0], 0), give(ids[1], 0.1))
    finally:
        await config.get_engine().dispose()
    assert outcomes == ["done", "pesel taken"]
    assert await count(app, Person, Person.pesel == pesel) == 1


def _input(name: str, born: date, pesel: str | None) -> PersonInput:
    return PersonInput(
        given_name=name, family_name="Kowalska", birth_date=born, birth_year=None, sex="female", pesel=pesel
    )


# --- 2. a card looked up by everyone who may look one up ------------------------------------------------------


async def test_every_role_that_may_look_up_a_card_gets_an_answer(app, client, people):
    await login(client, "caseworker")
    await register(client)
    anna_id = await _id(app, family_name="Kowalska")
    await post_form(client, f"/people/{anna_id}/card")
    async with db_session(app) as session:
        code = codes.format_code(await session.scalar(select(BeneficiaryCard.code)))
    for username in ("caseworker", "coordinator"):  # they open the record
        client.cookies.clear()
        await login(client, username)
        found = await client.get("/people/card", params={"code": code}, follow_redirects=False)
        assert (found.status_code, found.headers["location"]) == (303, f"/people/{anna_id}"), username
    client.cookies.clear()
    await login(client, "shelter")  # Anna stays at none of their sites: the minimal search result
    for headers in ({}, {"hx-request": "true"}):
        found = await client.get("/people/card", params={"code": code}, headers=headers)
        assert found.status_code == 200
        assert "Anna Kowalska" in found.text and "1985" in found.text
        assert ANNA["pesel"] not in found.text and f"/people/{anna_id}" not in found.text
    unknown = await client.get("/people/card", params={"code": code[:-1] + ("0" if code[-1] != "0" else "1")})
    assert unknown.status_code in {404, 422}
    assert await count(app, AuditEntry, AuditEntry.action == "person.view", AuditEntry.actor_name == "shelter") == 0


# --- 3, 4. amounts: a realistic maximum, and a message that says what is wrong --------------------------------


async def _household_url(app, client):
    await login(client, "caseworker")
    await register(client)
    await post_form(client, "/households/new", {"head": str(await _id(app, family_name="Kowalska"))})
    async with db_session(app) as session:
        return f"/households/{await session.scalar(select(Household.id))}"


@pytest.mark.parametrize(
    ("income", "message"),
    [
        ("99999999999", lambda: shown("The number cannot be above %(n)s.", n=format_number(MAX_INCOME_PER_PERSON))),
        ("1000000,01", lambda: shown("The number cannot be above %(n)s.", n=format_number(MAX_INCOME_PER_PERSON))),
        ("NaN", lambda: shown("Enter a number, e.g. 1234,50.")),
        ("-1", lambda: shown("The number cannot be negative.")),
    ],
)
async def test_an_income_out_of_bounds_is_refused_and_changes_nothing(app, client, people, income, message):
    url = await _household_url(app, client)
    response = await post_form(client, url, {"income_per_person": income, "income_verified_on": "2026-11-02"})
    assert response.status_code == 422
    assert _field_error(response.text, "income_per_person") == message()
    async with db_session(app) as session:
        household = await session.scalar(select(Household))
        assert (household.income_per_person, household.income_verified_on) == (None, None)
    assert await count(app, AuditEntry, AuditEntry.action == "household.update") == 0


async def test_an_income_of_a_million_is_the_most_accepted(app, client, people):
    url = await _household_url(app, client)
    assert (
        await post_form(client, url, {"income_per_person": "1 000 000", "income_verified_on": "2026-11-02"})
    ).status_code == 303
    async with db_session(app) as session:
        assert (await session.scalar(select(Household.income_per_person))) == MAX_INCOME_PER_PERSON


async def test_the_service_refuses_an_income_out_of_bounds_too(app, people):
    from logistics.people.households import HouseholdInput, HouseholdService

    case_worker = Actor(
        user_id=people.users["caseworker"].id, username="caseworker", role=Role.CASE_WORKER, sees_all_sites=True
    )
    async with db_session(app) as session:
        anna = await PersonService(session, case_worker).register(_input("Anna", date(1985, 3, 14), None))
        households = HouseholdService(session, case_worker)
        household = await households.create(anna.id)
        for income in (Decimal("-0.01"), MAX_INCOME_PER_PERSON + CENT, Decimal("NaN")):
            with pytest.raises(DomainError) as refused:
                await households.update(household.id, HouseholdInput(income, date(2026, 11, 2), None, []))
            assert refused.value.field == "income_per_person"
        assert household.income_per_person is None


THRESHOLD = {
    "valid_from": "2028-01-01",
    "single_person": "1150",
    "per_person_in_family": "940",
    "food_aid_percent": "265",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "single_person",
            "99999999",
            lambda: shown("The number cannot be above %(n)s.", n=format_number(MAX_CRITERION)),
        ),
        (
            "per_person_in_family",
            "100000,01",
            lambda: shown("The number cannot be above %(n)s.", n=format_number(MAX_CRITERION)),
        ),
        ("single_person", "0", lambda: shown("The number cannot be below %(n)s.", n=format_number(CENT))),
        ("single_person", "NaN", lambda: shown("Enter a number, e.g. 1234,50.")),
        ("food_aid_percent", "1001", lambda: shown("The number cannot be above %(n)s.", n=format_number(1000))),
        ("food_aid_percent", "0,5", lambda: shown("The number cannot be below %(n)s.", n=format_number(1))),
        ("food_aid_percent", "NaN", lambda: shown("Enter a number, e.g. 1234,50.")),
        ("valid_from", "2003-12-31", lambda: _window(date(2004, 1, 1), date(local_today().year + 5, 12, 31))),
        (
            "valid_from",
            f"{local_today().year + 6}-01-01",
            lambda: _window(date(2004, 1, 1), date(local_today().year + 5, 12, 31)),
        ),
    ],
)
async def test_criteria_out_of_bounds_are_refused_and_change_nothing(app, client, people, field, value, message):
    await login(client, "admin")
    response = await post_form(client, "/admin/thresholds/", {**THRESHOLD, field: value})
    assert response.status_code == 422
    assert _field_error(response.text, field) == message()
    assert await count(app, EligibilityThreshold) == 0
    assert await count(app, AuditEntry, AuditEntry.action == "threshold.create") == 0


async def test_the_service_says_what_is_wrong_with_a_percentage(app, people):
    from logistics.people.households import ThresholdInput, ThresholdService

    admin = Actor(user_id=people.users["admin"].id, username="admin", role=Role.ADMIN, sees_all_sites=True)
    async with db_session(app) as session:
        for percent in (Decimal("1001"), Decimal(0)):
            with pytest.raises(DomainError) as refused:
                await ThresholdService(session, admin).add(
                    ThresholdInput(date(2028, 1, 1), Decimal(1000), Decimal(800), percent)
                )
            assert refused.value.field == "food_aid_percent"
            assert refused.value.message == shown(
                "Enter a percentage from %(low)s to %(high)s.", low="1", high=lambda: format_number(1000)
            )
        with pytest.raises(DomainError) as refused:
            await ThresholdService(session, admin).add(
                ThresholdInput(date(2028, 1, 1), MAX_CRITERION + 1, Decimal(800), Decimal(265))
            )
        assert refused.value.field == "single_person"
        assert await session.scalar(select(EligibilityThreshold.id)) is None


async def _add_threshold(app, valid_from: date, single: str = "1010") -> EligibilityThreshold:
    async with db_session(app) as session:
        row = EligibilityThreshold(
            valid_from=valid_from,
            single_person=Decimal(single),
            per_person_in_family=Decimal("823"),
            food_aid_percent=Decimal("265"),
        )
        session.add(row)
        await session.commit()
        return row


async def test_the_administrator_corrects_a_criterion_row(app, client, people):
    in_force = await _add_threshold(app, date(2025, 1, 1), "1010")
    other = await _add_threshold(app, date(2022, 1, 1), "776")
    await login(client, "admin")
    listing = await client.get("/admin/thresholds")
    assert f'href="/admin/thresholds/{in_force.id}"' in listing.text
    page = await client.get(f"/admin/thresholds/{in_force.id}")
    assert page.status_code == 200
    assert 'value="1010.00"' in page.text and f'action="/admin/thresholds/{in_force.id}"' in page.text
    assert "/delete" not in page.text  # in force: corrected, never deleted
    url = f"/admin/thresholds/{in_force.id}"
    # Wrong corrections change nothing.
    taken = await post_form(client, url, {**THRESHOLD, "valid_from": "2022-01-01"})
    assert taken.status_code == 422
    assert _field_error(taken.text, "valid_from") == shown("Values from this date already exist.")
    too_much = await post_form(client, url, {**THRESHOLD, "valid_from": "2025-01-01", "single_person": "1010000"})
    assert too_much.status_code == 422
    async with db_session(app) as session:
        row = await session.get(EligibilityThreshold, in_force.id)
        assert (row.valid_from, row.single_person) == (date(2025, 1, 1), Decimal("1010.00"))
    assert await count(app, AuditEntry, AuditEntry.action == "threshold.update") == 0
    # The typing mistake corrected.
    fixed = await post_form(
        client,
        url,
        {**THRESHOLD, "valid_from": "2025-01-01", "single_person": "1 100,00", "per_person_in_family": "823"},
    )
    assert fixed.status_code == 303
    async with db_session(app) as session:
        row = await session.get(EligibilityThreshold, in_force.id)
        assert (row.valid_from, row.single_person, row.per_person_in_family) == (
            date(2025, 1, 1),
            Decimal("1100.00"),
            Decimal("823.00"),
        )
        assert (await session.get(EligibilityThreshold, other.id)).single_person == Decimal("776.00")
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "threshold.update"))
        assert entry.fields == ["single_person"]
    client.cookies.clear()
    await login(client, "caseworker")
    assert (await client.get(url)).status_code == 403
    assert (await post_form(client, url, {**THRESHOLD, "valid_from": "2025-01-01"})).status_code == 403
    assert (await post_form(client, f"{url}/delete")).status_code == 403
    assert await count(app, EligibilityThreshold) == 2


async def test_only_a_criterion_row_not_in_force_yet_can_be_deleted(app, client, people):
    in_force = await _add_threshold(app, local_today())
    ahead = await _add_threshold(app, local_today() + timedelta(days=1))
    await login(client, "admin")
    refused = await post_form(client, f"/admin/thresholds/{in_force.id}/delete")
    assert (refused.status_code, refused.headers["location"]) == (303, f"/admin/thresholds/{in_force.id}")
    message = shown(
        "These values have been in force since %(date)s and eligibility was judged by them: correct them instead "
        "of deleting them.",
        date=lambda: format_date(local_today()),
    )
    assert message in (await client.get(refused.headers["location"])).text
    assert "/delete" in (await client.get(f"/admin/thresholds/{ahead.id}")).text
    deleted = await post_form(client, f"/admin/thresholds/{ahead.id}/delete")
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/admin/thresholds")
    async with db_session(app) as session:
        assert list(await session.scalars(select(EligibilityThreshold.id))) == [in_force.id]
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "eligibility_threshold"))
        )
    assert actions == ["threshold.delete"]
    assert (await client.get(f"/admin/thresholds/{ahead.id}")).status_code == 404


# --- 5. erasing a person who is checked in ---------------------------------------------------------------------


async def test_erasing_a_person_who_is_checked_in_is_refused_naming_the_site(app, client, people):
    await login(client, "caseworker")
    await register(client)
    anna_id = await _id(app, family_name="Kowalska")
    async with db_session(app) as session:
        stay = Stay(person_id=anna_id, site_id=people.site_a.id, started_at=datetime.now(UTC))
        session.add(stay)
        await session.commit()
    refused = await post_form(client, f"/people/{anna_id}/erase", {"confirmation": "Kowalska"})
    assert (refused.status_code, refused.headers["location"]) == (303, f"/people/{anna_id}")
    message = shown(
        "%(name)s is staying at %(sites)s now: check the person out there first, then erase the record.",
        name="Anna Kowalska",
        sites="Noclegownia A",
    )
    assert message in (await client.get(f"/people/{anna_id}")).text
    async with db_session(app) as session:
        anna = await session.get(Person, anna_id)
        assert (anna.anonymised_at, anna.family_name, anna.pesel) == (None, "Kowalska", ANNA["pesel"])
    assert await count(app, AuditEntry, AuditEntry.action == "person.erase") == 0
    # Checked out: the erasure goes ahead.
    async with db_session(app) as session:
        await session.execute(update(Stay).where(Stay.id == stay.id).values(ended_at=datetime.now(UTC)))
        await session.commit()
    assert (await post_form(client, f"/people/{anna_id}/erase", {"confirmation": "Kowalska"})).headers[
        "location"
    ] == "/people"
    async with db_session(app) as session:
        assert (await session.get(Person, anna_id)).anonymised_at is not None


async def test_retention_leaves_a_person_who_is_still_checked_in(app, client, people):
    await login(client, "caseworker")
    await register(client)
    anna_id = await _id(app, family_name="Kowalska")
    long_ago = datetime.now(UTC) - timedelta(days=6 * 365)
    async with db_session(app) as session:
        session.add(Stay(person_id=anna_id, site_id=people.site_a.id, started_at=long_ago))
        await session.execute(update(Person).where(Person.id == anna_id).values(last_activity_at=long_ago))
        await session.commit()
        message = await retention(session)
        await session.commit()
        assert message.startswith("0 people anonymised")
        assert "1 left" in message
        assert (await session.get(Person, anna_id)).anonymised_at is None


# --- 6. dates: a window that fits the field --------------------------------------------------------------------


def _tomorrow() -> str:
    return (local_today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"birth_date": "1899-12-31"}, "birth_date", lambda: _window(date(1900, 1, 1), local_today())),
        ({"birth_date": "tomorrow"}, "birth_date", lambda: _window(date(1900, 1, 1), local_today())),
        ({"birth_date": "", "birth_year": "1899"}, "birth_year", lambda: _years()),
        ({"birth_date": "", "birth_year": "next"}, "birth_year", lambda: _years()),
        ({"clause_given_on": "2018-05-24"}, "clause_given_on", lambda: _window(CLAUSE_SINCE, local_today())),
        ({"clause_given_on": "1950-01-01"}, "clause_given_on", lambda: _window(CLAUSE_SINCE, local_today())),
        ({"clause_given_on": "tomorrow"}, "clause_given_on", lambda: _window(CLAUSE_SINCE, local_today())),
    ],
)
async def test_dates_of_the_person_form_outside_their_window_are_refused(app, client, people, changes, field, message):
    changes = {
        name: _tomorrow() if value == "tomorrow" else str(local_today().year + 1) if value == "next" else value
        for name, value in changes.items()
    }
    await login(client, "caseworker")
    response = await register(client, pesel="", **changes)
    assert response.status_code == 422
    assert _field_error(response.text, field) == message()
    assert await count(app, Person) == 0


def _years() -> str:
    return shown("Enter a number from %(low)s to %(high)s.", low=1900, high=local_today().year)


async def test_the_edges_of_the_windows_are_accepted(app, client, people):
    await login(client, "caseworker")
    today = local_today().isoformat()
    assert (await register(client, birth_date="1900-01-01", pesel="", clause_given_on="2018-05-25")).status_code == 303
    assert (
        await register(client, given_name="Ola", birth_date=today, pesel="", clause_given_on=today)
    ).status_code == 303
    quick = await post_form(
        client, "/people/quick", {"given_name": "Jan", "sex": "male", "birth_year": str(local_today().year)}
    )
    assert quick.status_code == 303
    assert await count(app, Person) == 3


async def test_quick_registration_refuses_a_year_of_birth_in_the_future(app, client, people):
    await login(client, "shelter")
    data = {"given_name": "Jan", "sex": "male", "birth_year": str(local_today().year + 1)}
    response = await post_form(client, "/people/quick", data)
    assert response.status_code == 422
    assert _field_error(response.text, "birth_year") == _years()
    assert await count(app, Person) == 0


@pytest.mark.parametrize("verified_on", ["2003-12-31", "tomorrow"])
async def test_an_income_verified_outside_the_window_is_refused(app, client, people, verified_on):
    url = await _household_url(app, client)
    day = _tomorrow() if verified_on == "tomorrow" else verified_on
    response = await post_form(client, url, {"income_per_person": "900", "income_verified_on": day})
    assert response.status_code == 422
    assert _field_error(response.text, "income_verified_on") == _window(date(2004, 1, 1), local_today())
    async with db_session(app) as session:
        assert (await session.scalar(select(Household.income_per_person))) is None
