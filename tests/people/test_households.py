"""Households: members, income, reasons, and eligibility judged by the criteria in force on the day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.people.households import eligibility, threshold_on
from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person
from logistics.people.pesel import make_pesel

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import register


async def _thresholds(app):
    async with db_session(app) as session:
        session.add(
            EligibilityThreshold(
                valid_from=date(2022, 1, 1),
                single_person=Decimal("776.00"),
                per_person_in_family=Decimal("600.00"),
                food_aid_percent=Decimal("220"),
            )
        )
        session.add(
            EligibilityThreshold(
                valid_from=date(2025, 1, 1),
                single_person=Decimal("1010.00"),
                per_person_in_family=Decimal("823.00"),
                food_aid_percent=Decimal("265"),
            )
        )
        await session.commit()


async def _household_with_head(app, client):
    await register(client)
    async with db_session(app) as session:
        anna_id = await session.scalar(select(Person.id).where(Person.family_name == "Kowalska"))
    response = await post_form(client, "/households/new", {"head": str(anna_id)})
    assert response.status_code == 303
    return response.headers["location"], anna_id


async def test_create_household_add_and_remove_members(app, client, people):
    await login(client, "caseworker")
    url, anna_id = await _household_with_head(app, client)
    household_id = url.rsplit("/", 1)[1]
    # A new member registered straight into the household.
    child = {
        "given_name": "Zosia",
        "family_name": "Kowalska",
        "birth_date": "2015-06-01",
        "sex": "female",
        "pesel": make_pesel(date(2015, 6, 1), "female", 7),
        "household": household_id,
        "relationship": "child",
    }
    response = await register(client, **child)
    assert response.status_code == 303
    assert response.headers["location"] == url
    page = await client.get(url)
    assert "Zosia Kowalska" in page.text
    assert "2 osoby" in page.text or "2 członków" in page.text or "Zosia" in page.text
    async with db_session(app) as session:
        household = await session.get(Household, household_id)
        assert household.size == 2
        assert household.head.id == anna_id
        zosia_id = next(m.person_id for m in household.members if m.relationship == "child")
    # The head cannot be removed; a member can.
    head_removal = await post_form(client, f"{url}/members/{anna_id}/remove")
    assert head_removal.status_code == 303
    assert await count(app, HouseholdMember) == 2
    assert (await post_form(client, f"{url}/members/{zosia_id}/remove")).status_code == 303
    assert await count(app, HouseholdMember) == 1
    # Found through the member picker's search, then added back; a person cannot be in two households.
    picker = await client.get(
        "/people", params={"q": "zosia", "household": household_id}, headers={"hx-request": "true"}
    )
    assert f'action="/households/{household_id}/members"' in picker.text
    assert f'value="{zosia_id}"' in picker.text
    assert (
        await post_form(client, f"{url}/members", {"person": str(zosia_id), "relationship": "child"})
    ).status_code == 303
    second = await post_form(client, "/households/new", {"head": str(zosia_id)})
    assert second.status_code == 303
    assert await count(app, Household) == 1
    async with db_session(app) as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "household")))
    assert actions.count("household.add_member") == 2
    assert "household.remove_member" in actions


@pytest.mark.parametrize(
    ("income", "members", "criterion", "food", "meets_criterion", "meets_food"),
    [
        ("800.00", 1, "1010.00", "2676.50", True, True),
        ("2000,00", 1, "1010.00", "2676.50", False, True),
        ("3000", 1, "1010.00", "2676.50", False, False),
        ("823.00", 2, "823.00", "2180.95", True, True),
        ("2180.96", 2, "823.00", "2180.95", False, False),
    ],
)
async def test_eligibility_on_the_household_page(
    app, client, people, income, members, criterion, food, meets_criterion, meets_food
):
    await _thresholds(app)
    await login(client, "caseworker")
    url, _anna = await _household_with_head(app, client)
    if members == 2:
        await register(
            client,
            given_name="Jan",
            family_name="Kowalski",
            sex="male",
            birth_date="1983-01-01",
            pesel="",
            household=url.rsplit("/", 1)[1],
            relationship="spouse",
        )
    response = await post_form(
        client,
        url,
        {"income_per_person": income, "income_verified_on": "2026-11-02", "reasons": ["poverty", "unemployment"]},
    )
    assert response.status_code == 303
    async with db_session(app) as session:
        household = await session.get(Household, url.rsplit("/", 1)[1])
        result = await eligibility(session, household, date(2026, 11, 22))
        assert household.reasons == ["poverty", "unemployment"]
    assert result.criterion == Decimal(criterion)
    assert result.food_aid_threshold == Decimal(food)
    assert result.social_assistance is meets_criterion
    assert result.food_aid is meets_food
    page = await client.get(url)
    assert "Kryterium" in page.text or "kryterium" in page.text


async def test_a_past_day_is_judged_by_the_values_of_that_day(app, client, people):
    await _thresholds(app)
    async with db_session(app) as session:
        old = await threshold_on(session, date(2024, 12, 31))
        new = await threshold_on(session, date(2025, 1, 1))
        none = await threshold_on(session, date(2021, 12, 31))
        household = Household(income_per_person=Decimal("900.00"), members=[])
        then = await eligibility(session, household, date(2024, 6, 1))
        now = await eligibility(session, household, date(2026, 6, 1))
    assert old.single_person == Decimal("776.00")
    assert new.single_person == Decimal("1010.00")
    assert none is None
    assert then.social_assistance is False  # 900 > 776 in 2024
    assert now.social_assistance is True  # 900 <= 1010 from 2025
    assert then.food_aid_threshold == Decimal("1707.20")  # 220 % of 776


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"income_per_person": "dużo", "income_verified_on": "2026-11-02"}, "Podaj liczbę, np. 1234,50."),
        ({"income_per_person": "-5", "income_verified_on": "2026-11-02"}, "0"),
        ({"income_per_person": "100.001", "income_verified_on": "2026-11-02"}, "2"),
        ({"income_per_person": "100", "income_verified_on": ""}, "Podaj datę weryfikacji dochodu."),
        ({"reasons": ["wealth"]}, "Ta opcja jest niedostępna."),
    ],
)
async def test_household_bad_input_changes_nothing(app, client, people, data, message):
    await login(client, "caseworker")
    url, _anna = await _household_with_head(app, client)
    response = await post_form(client, url, data)
    assert response.status_code == 422
    assert message in response.text
    async with db_session(app) as session:
        household = await session.get(Household, url.rsplit("/", 1)[1])
        assert household.income_per_person is None
        assert household.reasons == []


async def test_admin_keeps_dated_thresholds(app, client, people):
    await login(client, "admin")
    assert (await client.get("/admin/thresholds")).status_code == 200
    data = {
        "valid_from": "2028-01-01",
        "single_person": "1 150,00",
        "per_person_in_family": "940",
        "food_aid_percent": "265",
    }
    assert (await post_form(client, "/admin/thresholds/", data)).status_code == 303
    again = await post_form(client, "/admin/thresholds/", data)
    assert again.status_code == 422
    assert "Wartości od tej daty już istnieją." in again.text
    bad = await post_form(client, "/admin/thresholds/", {**data, "valid_from": "2029-01-01", "single_person": "abc"})
    assert bad.status_code == 422
    async with db_session(app) as session:
        rows = list(await session.scalars(select(EligibilityThreshold)))
    assert [(r.valid_from, r.single_person) for r in rows] == [(date(2028, 1, 1), Decimal("1150.00"))]
    client.cookies.clear()
    await login(client, "caseworker")
    assert (await post_form(client, "/admin/thresholds/", {**data, "valid_from": "2030-01-01"})).status_code == 403
