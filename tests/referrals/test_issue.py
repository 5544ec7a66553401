"""Issuing a referral through the form: what is stored, and each refusal next to its field with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.i18n import local_today
from logistics.referrals.models import CODE_LENGTH, Referral

from ..helpers import count, db_session
from .conftest import field_error, form_for, issue_via_http, signed_in


async def _only_referral(app) -> Referral:
    async with db_session(app) as session:
        return (await session.scalars(select(Referral))).one()


async def test_a_case_worker_refers_a_household_to_a_food_aid_partner(app, client, setup):
    await signed_in(client, "caseworker")
    response = await issue_via_http(client, setup)
    assert response.status_code == 303, response.text
    referral = await _only_referral(app)
    assert response.headers["location"] == f"/referrals/{referral.id}"
    assert (referral.kind, referral.status, referral.holder) == ("food_aid", "open", "Anna K.")
    assert (referral.household_id, referral.household_size) == (setup.household.id, 3)
    assert referral.service_id == setup.food.id and referral.activity_id is None and referral.site_id is None
    assert referral.eligibility == "Dochód na osobę 612,00\xa0zł ≤ próg 1\xa0161,00\xa0zł" or (
        "612,00" in referral.eligibility and "1" in referral.eligibility and "≤" in referral.eligibility
    )
    assert referral.eligible is True
    assert len(referral.code) == CODE_LENGTH and referral.issued_on == local_today()
    assert referral.issued_by == "caseworker" and referral.issued_by_id == setup.people.users["caseworker"].id
    assert await count(app, AuditEntry, AuditEntry.action == "referral.issue") == 1
    page = await client.get(f"/referrals/{referral.id}")
    assert page.status_code == 200 and "Bank Żywności w Gliwicach" in page.text and "Anna Kowalska" in page.text


async def test_unknown_income_gives_no_verdict_and_one_person_alone(app, client, setup):
    await signed_in(client, "caseworker")
    response = await issue_via_http(client, setup, person=str(setup.alone.id), whole_household="")
    assert response.status_code == 303, response.text
    referral = await _only_referral(app)
    assert referral.eligible is None and referral.eligibility and referral.household_size == 1
    assert referral.household_id is None


async def test_kind_activity_points_to_an_activity(app, client, setup):
    await signed_in(client, "caseworker")
    response = await issue_via_http(
        client, setup, kind="activity", service="", activity=str(setup.activity.id), whole_household=""
    )
    assert response.status_code == 303, response.text
    referral = await _only_referral(app)
    assert referral.activity_id == setup.activity.id and referral.service_id is None and referral.eligibility == ""


def _far() -> str:
    return (local_today() + timedelta(days=91)).isoformat()


def _past() -> str:
    return (local_today() - timedelta(days=1)).isoformat()


REFUSALS = [
    ("no person", {"person": ""}, "person"),
    ("a bad person id", {"person": "not-a-uuid"}, "person"),
    ("an unknown person", {"person": "01900000-0000-7000-8000-000000000000"}, "person"),
    ("no kind", {"kind": ""}, "kind"),
    ("an unknown kind", {"kind": "holiday"}, "kind"),
    ("no service", {"service": ""}, "service"),
    ("a service of another category", {"service": "legal"}, "service"),
    ("a shelter for food aid", {"service": "shelter"}, "service"),
    ("an archived service", {"service": "archived"}, "service"),
    ("a shelter referral to a food bank", {"kind": "shelter"}, "service"),
    ("a work referral to a food bank", {"kind": "work"}, "service"),
    ("an activity without one", {"kind": "activity", "service": ""}, "activity"),
    ("no reason", {"reason": ""}, "reason"),
    ("a huge reason", {"reason": "x" * 5000}, "reason"),
    ("a NUL byte in the reason", {"reason": "a\x00b"}, "reason"),
    ("no expected date", {"expected_by": ""}, "expected_by"),
    ("an expected date in the past", {"expected_by": _past()}, "expected_by"),
    ("an expected date over 90 days ahead", {"expected_by": _far()}, "expected_by"),
    ("a malformed date", {"expected_by": "32.13.2026"}, "expected_by"),
    ("the whole household of a person alone", {"person": "alone"}, "whole_household"),
]


@pytest.mark.parametrize(("label", "changes", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_a_refusal_is_shown_next_to_its_field_and_nothing_is_written(app, client, setup, label, changes, field):
    names = {"legal": setup.legal, "shelter": setup.shelter, "archived": setup.archived}
    changes = dict(changes)
    if changes.get("service") in names:
        changes["service"] = str(names[changes["service"]].id)
    if changes.get("person") == "alone":
        changes["person"] = str(setup.alone.id)
    await signed_in(client, "caseworker")
    data = form_for(setup, **changes)
    for key, value in changes.items():
        if value == "":
            data.pop(key, None)
    from ..helpers import post_form

    response = await post_form(client, "/referrals/new", data)
    assert response.status_code == 422, (label, response.status_code)
    assert field_error(response.text, field), (label, field, response.text[-3000:])
    assert await count(app, Referral) == 0
    assert await count(app, AuditEntry, AuditEntry.action == "referral.issue") == 0


async def test_the_form_fixed_to_a_person_and_a_service(client, setup):
    await signed_in(client, "caseworker")
    page = await client.get(f"/referrals/new?person={setup.mother.id}&service={setup.food.id}&kind=food_aid")
    assert page.status_code == 200
    assert 'id="chosen-person">Anna Kowalska<' in page.text and "Bank Żywności w Gliwicach" in page.text
    assert f'name="service" value="{setup.food.id}"' in page.text


async def test_the_live_search_finds_services_of_the_kind_diacritics_insensitive(client, setup):
    await signed_in(client, "caseworker")
    found = await client.get(
        "/referrals/new/services", params={"q": "zywnosc", "kind": "food_aid"}, headers={"HX-Request": "true"}
    )
    assert found.status_code == 200
    assert (
        "Bank Żywności w Gliwicach" in found.text and "Stary Bank" not in found.text and "MOPS Zabrze" not in found.text
    )
    shelters = await client.get(
        "/referrals/new/services", params={"q": "", "kind": "shelter"}, headers={"HX-Request": "true"}
    )
    assert "MOPS Zabrze" in shelters.text and "Bank Żywności" not in shelters.text
    people = await client.get("/referrals/new/people", params={"q": "kowalska"}, headers={"HX-Request": "true"})
    assert "Anna Kowalska" in people.text and "Jan Nowak" not in people.text


async def test_hostile_input_is_never_a_server_error(client, setup):
    await signed_in(client, "caseworker")
    for params in ({"person": "x" * 10000}, {"service": "\x00"}, {"kind": "<script>"}):
        assert (await client.get("/referrals/new", params=params)).status_code < 500
    assert (await client.get("/referrals/new/services", params={"q": "\x00" * 1000, "kind": "x"})).status_code < 500
    assert (await client.get("/referrals?status=%00&kind=zz&whose=x")).status_code < 500
    assert (await client.get("/referrals/not-a-uuid")).status_code in (404, 400)


async def test_a_service_fixed_from_the_directory_chooses_its_kind(client, setup):
    await signed_in(client, "caseworker")
    page = await client.get(f"/referrals/new?service={setup.work.id}")
    assert page.status_code == 200 and '<option value="work" selected>' in page.text
    page = await client.get(f"/referrals/new?service={setup.legal.id}")
    assert '<option value="general" selected>' in page.text
    archived = await client.get(f"/referrals/new?service={setup.archived.id}")
    assert archived.status_code == 200 and 'id="chosen-service"' not in archived.text


async def test_shelter_staff_are_offered_the_shelter_kind_only(client, setup):
    await signed_in(client, "shelter")
    page = await client.get(f"/referrals/new?person={setup.resident.id}")
    assert page.status_code == 200 and 'id="chosen-person">Piotr Zieliński<' in page.text
    assert '<option value="shelter" selected>' in page.text and 'value="food_aid"' not in page.text
    found = await client.get("/referrals/new/services", params={"q": "", "kind": "food_aid"})
    assert "MOPS Zabrze" in found.text and "Bank Żywności" not in found.text
    other = await client.get(f"/referrals/new?person={setup.other_resident.id}")
    assert "Marek Wójcik" not in other.text
