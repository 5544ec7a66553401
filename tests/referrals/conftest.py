"""Referrals set-up: the directory (food-aid partners, a shelter, the labour office, legal aid, an archived entry),
an activity, a household of three with a known income, a person alone, and a person staying at site A."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete

from logistics.activities.models import Activity
from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.directory.models import Service, ServiceCategoryRow, ServiceLanguage
from logistics.directory.text import search_text
from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person
from logistics.people.services import PersonService
from logistics.referrals.models import Referral
from logistics.referrals.services import ReferralInput, ReferralService
from logistics.shelter.models import Stay
from logistics.sites.services import SiteInput, SiteService

from ..conftest import login
from ..helpers import db_session, post_form

STAFF = Actor(user_id=None, username="pracownik", role="case_worker", sees_all_sites=True)


@dataclass
class Setup:
    people: Any  # the `people` fixture: users per role, site_a, site_b
    food: Any  # Bank Żywności — category food
    food2: Any
    shelter: Any  # Schronisko w Zabrzu — category shelter
    work: Any  # PUP — category work
    legal: Any  # legal aid — category legal
    archived: Any  # an archived food entry
    activity: Any
    mother: Any  # Anna Kowalska, PESEL, address: the head of a household of three (income 612,00 zł)
    household: Any
    alone: Any  # Jan Nowak, no household
    resident: Any  # Piotr Zieliński, staying at site A
    other_resident: Any  # Marek Wójcik, staying at site B


def _service(institution: str, name: str, categories: list[str], **extra: Any) -> Service:
    service = Service(institution=institution, name=name, **extra)
    service.category_rows = [ServiceCategoryRow(category=c) for c in categories]
    service.language_rows = [ServiceLanguage(language="pl")]
    service.search_text = search_text(service)
    return service


@pytest.fixture
async def setup(app, people) -> Setup:
    async with db_session(app) as session:
        food = _service(
            "Bank Żywności w Gliwicach",
            "Pomoc żywnościowa FEPŻ",
            ["food"],
            address="ul. Kozielska 20, Gliwice",
            opening_hours="pn–pt 9–15",
            phone="32 000 00 11",
            referral_required=True,
        )
        food2 = _service("Caritas Gliwice", "Paczki żywnościowe", ["food"], address="ul. Dworcowa 3")
        shelter = _service("MOPS Zabrze", "Schronisko dla bezdomnych mężczyzn", ["shelter"], address="ul. Leśna 1")
        work = _service("Powiatowy Urząd Pracy", "Oferty pracy i szkolenia", ["work"], address="ul. Zygmunta 1")
        legal = _service("Punkt nieodpłatnej pomocy prawnej", "Porady prawne", ["legal"], address="ul. Jasna 2")
        archived = _service("Stary Bank", "Dawna pomoc", ["food"], active=False)
        session.add_all([food, food2, shelter, work, legal, archived])
        venue = await SiteService(session, Actor.system("test")).create_site(
            SiteInput("Centrum Aktywności", "ul. Jasna 1", "", "", ["activity_venue"])
        )
        activity = Activity(title="Język polski A1", category="language", venue_id=venue.id, capacity=10)
        session.add(activity)
        now = datetime.now(UTC)
        mother = Person(
            given_name="Anna",
            family_name="Kowalska",
            sex="female",
            pesel="85010112345",
            phone="+48 600 100 200",
            birth_date=date(1985, 1, 1),
            birth_year=1985,
            last_activity_at=now,
        )
        son = Person(given_name="Kacper", family_name="Kowalski", sex="male", birth_year=2015, last_activity_at=now)
        daughter = Person(given_name="Ola", family_name="Kowalska", sex="female", birth_year=2018, last_activity_at=now)
        alone = Person(given_name="Jan", family_name="Nowak", sex="male", birth_year=1970, last_activity_at=now)
        resident = Person(
            given_name="Piotr", family_name="Zieliński", sex="male", birth_year=1975, last_activity_at=now
        )
        other = Person(given_name="Marek", family_name="Wójcik", sex="male", birth_year=1965, last_activity_at=now)
        session.add_all([mother, son, daughter, alone, resident, other])
        await session.flush()
        household = Household(income_per_person=Decimal("612.00"), income_verified_on=local_today())
        session.add(household)
        await session.flush()
        for position, (person, relationship) in enumerate(((mother, "head"), (son, "child"), (daughter, "child"))):
            session.add(
                HouseholdMember(
                    household_id=household.id, person_id=person.id, relationship=relationship, position=position
                )
            )
        await session.execute(delete(EligibilityThreshold))
        session.add(
            EligibilityThreshold(
                valid_from=date(2024, 1, 1),
                single_person=Decimal("776.00"),
                per_person_in_family=Decimal("600.00"),
                food_aid_percent=Decimal("193.50"),
            )
        )
        session.add_all(
            [
                Stay(person_id=resident.id, site_id=people.site_a.id, started_at=now - timedelta(days=3)),
                Stay(person_id=other.id, site_id=people.site_b.id, started_at=now - timedelta(days=3)),
            ]
        )
        await session.flush()
        for person in (mother, son, daughter, alone, resident, other):
            await PersonService(session, STAFF)._index(person)
        await session.commit()
    return Setup(
        people, food, food2, shelter, work, legal, archived, activity, mother, household, alone, resident, other
    )


async def signed_in(client, username: str):
    response = await login(client, username)
    assert response.status_code in (302, 303), response.text
    return client


def form_for(setup: Setup, **changes: Any) -> dict[str, Any]:
    data = {
        "kind": "food_aid",
        "person": str(setup.mother.id),
        "service": str(setup.food.id),
        "reason": "Trudna sytuacja materialna po utracie pracy",
        "requested": "Paczki żywnościowe w ramach FEPŻ",
        "expected_by": (local_today() + timedelta(days=14)).isoformat(),
        "whole_household": "on",
    }
    data.update({key: value for key, value in changes.items() if value is not None})
    return {key: value for key, value in data.items() if value != ""}


async def issue_via_http(client, setup: Setup, **changes: Any):
    return await post_form(client, "/referrals/new", form_for(setup, **changes))


async def issue_direct(app, setup: Setup, actor: Actor | None = None, **changes: Any) -> Referral:
    """A referral issued through the service (set-up for tests of what follows)."""
    values: dict[str, Any] = {
        "kind": "food_aid",
        "person_id": setup.mother.id,
        "service_id": setup.food.id,
        "activity_id": None,
        "reason": "Trudna sytuacja materialna",
        "requested": "Paczki żywnościowe",
        "expected_by": local_today() + timedelta(days=14),
        "site_id": None,
        "whole_household": True,
    }
    values.update(changes)
    user = setup.people.users["caseworker"]
    actor = actor or Actor(user_id=user.id, username="caseworker", role="case_worker", sees_all_sites=True)
    async with db_session(app) as session:
        referral = await ReferralService(session, actor).issue(ReferralInput(**values))
        await session.commit()
        return referral


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""
