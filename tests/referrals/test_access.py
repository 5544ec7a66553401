"""Who sees which referrals: volunteers, warehouse and shop staff none; shelter staff their own site's only, and
they refer only to shelters, only people staying at their site; coordinators read and undo, do not issue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from logistics.core.actor import Actor
from logistics.referrals.models import Referral

from ..helpers import count, db_session, post_form
from .conftest import form_for, issue_direct, signed_in


def _shelter_actor(setup) -> Actor:
    user = setup.people.users["shelter"]
    return Actor(
        user_id=user.id, username="shelter", role="shelter_staff", site_ids=frozenset({setup.people.site_a.id})
    )


@pytest.mark.parametrize("username", ["volunteer", "warehouse"])
async def test_volunteers_and_warehouse_staff_get_403_everywhere(app, client, setup, username):
    referral = await issue_direct(app, setup)
    await signed_in(client, username)
    for url in (
        "/referrals",
        "/referrals/new",
        "/referrals/new/services?q=bank",
        "/referrals/new/people?q=anna",
        f"/referrals/{referral.id}",
        f"/referrals/{referral.id}/letter.pdf",
        f"/referrals/people/{setup.mother.id}",
    ):
        assert (await client.get(url)).status_code == 403, url
    for url in ("/referrals/new", f"/referrals/{referral.id}/cancel", f"/referrals/{referral.id}/undo"):
        assert (await post_form(client, url, form_for(setup))).status_code == 403, url
    assert await count(app, Referral) == 1
    assert "/referrals" not in (await client.get("/")).text.split("<main")[0]


async def test_anonymous_is_sent_to_sign_in(app, client, setup):
    referral = await issue_direct(app, setup)
    response = await client.get(f"/referrals/{referral.id}", follow_redirects=False)
    assert response.status_code in (302, 303, 401)


async def test_shelter_staff_refer_their_residents_to_a_shelter_only(app, client, setup):
    await signed_in(client, "shelter")
    made = await post_form(
        client,
        "/referrals/new",
        form_for(
            setup, kind="shelter", person=str(setup.resident.id), service=str(setup.shelter.id), whole_household=""
        ),
    )
    assert made.status_code == 303, made.text[-2000:]
    async with db_session(app) as session:
        stored = (await session.scalars(select(Referral))).one()
    assert stored.site_id == setup.people.site_a.id and stored.kind == "shelter"
    food = await post_form(client, "/referrals/new", form_for(setup, person=str(setup.resident.id), whole_household=""))
    assert food.status_code == 422
    elsewhere = await post_form(
        client,
        "/referrals/new",
        form_for(
            setup,
            kind="shelter",
            person=str(setup.other_resident.id),
            service=str(setup.shelter.id),
            whole_household="",
        ),
    )
    assert elsewhere.status_code == 422
    not_staying = await post_form(
        client, "/referrals/new", form_for(setup, kind="shelter", service=str(setup.shelter.id), whole_household="")
    )
    assert not_staying.status_code == 422
    assert await count(app, Referral) == 1


async def test_shelter_staff_see_and_act_on_their_sites_referrals_only(app, client, setup):
    own = await issue_direct(
        app,
        setup,
        actor=_shelter_actor(setup),
        kind="shelter",
        person_id=setup.resident.id,
        service_id=setup.shelter.id,
        whole_household=False,
    )
    others = await issue_direct(app, setup)  # a case worker's, no site
    await signed_in(client, "shelter")
    listed = await client.get("/referrals?status=all")
    assert listed.status_code == 200 and str(own.id) in listed.text and str(others.id) not in listed.text
    assert (await client.get(f"/referrals/{own.id}")).status_code == 200
    assert (await client.get(f"/referrals/{own.id}/letter.pdf")).status_code == 200
    assert (await client.get(f"/referrals/{others.id}")).status_code == 404
    assert (await client.get(f"/referrals/{others.id}/letter.pdf")).status_code == 404
    panel = await client.get(f"/referrals/people/{setup.mother.id}")
    assert str(others.id) not in panel.text
    refused = await post_form(client, f"/referrals/{others.id}/cancel", {"cancelled_reason": "nie moje"})
    assert refused.status_code == 404
    assert (await post_form(client, f"/referrals/{others.id}/undo")).status_code == 404
    async with db_session(app) as session:
        assert (await session.get(Referral, others.id)).status == "open"
    await post_form(client, f"/referrals/{own.id}/cancel", {"cancelled_reason": "Znalazł miejsce"})
    async with db_session(app) as session:
        assert (await session.get(Referral, own.id)).status == "cancelled"


async def test_coordinators_read_every_referral_but_do_not_issue(app, client, setup):
    referral = await issue_direct(app, setup)
    await signed_in(client, "coordinator")
    assert str(referral.id) in (await client.get("/referrals")).text
    assert (await client.get(f"/referrals/{referral.id}")).status_code == 200
    assert (await client.get("/referrals/new")).status_code == 403
    assert (await post_form(client, "/referrals/new", form_for(setup))).status_code == 403
    assert (await post_form(client, f"/referrals/{referral.id}/cancel", {"cancelled_reason": "x"})).status_code == 403


async def test_shop_staff_get_403_everywhere(app, client, setup):
    from logistics.accounts.services import AccountService, UserInput
    from logistics.sites.services import SiteInput, SiteService

    from ..conftest import PASSWORD

    referral = await issue_direct(app, setup)
    async with db_session(app) as session:
        shop = await SiteService(session, Actor.system("test")).create_site(
            SiteInput("Sklep Partnerski", "ul. Handlowa 1", "", "", ["shop"])
        )
        await AccountService(session, Actor.system("test")).create_user(
            UserInput(username="sklep", full_name="Sklep", role="shop", site_ids=[shop.id], password=PASSWORD)
        )
        await session.commit()
    await signed_in(client, "sklep")
    for url in ("/referrals", "/referrals/new", f"/referrals/{referral.id}", f"/referrals/people/{setup.mother.id}"):
        assert (await client.get(url)).status_code == 403, url
    assert (await post_form(client, "/referrals/new", form_for(setup))).status_code == 403
