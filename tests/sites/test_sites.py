"""Sites: who sees which, administrators create and edit them, bad input changes nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import Forbidden
from logistics.db import make_alchemy_config
from logistics.sites.models import Site
from logistics.sites.services import SiteInput, SiteService

from ..conftest import login
from ..helpers import count, db_session, post_form


async def test_coordinator_sees_every_site(client, people):
    await login(client, "coordinator")
    page = await client.get("/sites")
    assert page.status_code == 200
    assert "Noclegownia A" in page.text and "Schronisko B" in page.text


async def test_shelter_staff_sees_only_their_own_site(client, people):
    await login(client, "shelter")
    page = await client.get("/sites")
    assert "Noclegownia A" in page.text
    assert "Schronisko B" not in page.text
    assert (await client.get(f"/sites/{people.site_a.id}")).status_code == 200
    other = await client.get(f"/sites/{people.site_b.id}")
    assert other.status_code == 404
    assert "Schronisko B" not in other.text


async def test_filter_by_kind_and_htmx_partial(client, people):
    await login(client, "admin")
    page = await client.get("/sites?kind=shelter", headers={"hx-request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith("<table")
    assert "Schronisko B" in page.text and "Noclegownia A" not in page.text
    # An unknown kind is ignored rather than an error.
    assert "Noclegownia A" in (await client.get("/sites?kind=castle")).text


async def test_admin_creates_and_edits_a_site(app, client, people):
    await login(client, "admin")
    data = {
        "name": "Magazyn Północ",
        "address": "ul. Portowa 3",
        "phone": "+48 32 111 22 33",
        "opening_hours": "pn–pt 7–15",
        "kinds": ["warehouse", "distribution_point"],
    }
    response = await post_form(client, "/sites/new", data)
    assert response.status_code == 303
    async with db_session(app) as session:
        site = await session.scalar(select(Site).where(Site.name == "Magazyn Północ"))
        assert [k.value for k in site.kinds] == ["distribution_point", "warehouse"]
    assert (await client.get(f"/sites/{site.id}/edit")).status_code == 200
    response = await post_form(client, f"/sites/{site.id}/edit", {**data, "phone": "", "kinds": ["warehouse"]})
    assert response.status_code == 303
    async with db_session(app) as session:
        site = await session.get(Site, site.id)
        assert site.phone == "" and [k.value for k in site.kinds] == ["warehouse"]
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(site.id))))
        assert [e.action for e in entries] == ["site.create", "site.update"]
        assert set(entries[1].fields) == {"phone", "kinds"}


async def test_site_form_refusals_change_nothing(app, client, people):
    await login(client, "admin")
    cases = [
        ({"name": "", "kinds": ["warehouse"]}, "To pole jest wymagane."),
        ({"name": "X", "kinds": []}, "Wybierz co najmniej jedną opcję."),
        ({"name": "X", "kinds": ["castle"]}, "Ta opcja jest niedostępna."),
        ({"name": "Noclegownia A", "kinds": ["warehouse"]}, "Placówka o tej nazwie już istnieje."),
        ({"name": "X", "phone": "call me", "kinds": ["warehouse"]}, "+ ( )"),
        ({"name": "X" * 300, "kinds": ["warehouse"]}, "Najwyżej 120 znaków."),
    ]
    for data, message in cases:
        response = await post_form(client, "/sites/new", data)
        assert response.status_code == 422, data
        assert message in response.text, data
    assert await count(app, Site) == 2


async def test_non_admins_cannot_create_edit_or_deactivate_sites(app, client, people):
    await login(client, "coordinator")
    assert (await client.get("/sites/new")).status_code == 403
    assert (await post_form(client, "/sites/new", {"name": "Nowa", "kinds": ["warehouse"]})).status_code == 403
    response = await post_form(client, f"/sites/{people.site_a.id}/active", {"active": "false"})
    assert response.status_code == 403
    async with db_session(app) as session:
        assert (await session.get(Site, people.site_a.id)).is_active
    assert await count(app, Site) == 2


async def test_admin_deactivates_a_site(app, client, people):
    await login(client, "admin")
    assert (await post_form(client, f"/sites/{people.site_b.id}/active", {"active": "false"})).status_code == 303
    async with db_session(app) as session:
        assert not (await session.get(Site, people.site_b.id)).is_active


async def test_unknown_site_is_404(client, people):
    await login(client, "admin")
    assert (await client.get(f"/sites/{uuid.uuid4()}")).status_code == 404
    assert (
        await post_form(client, f"/sites/{uuid.uuid4()}/edit", {"name": "X", "kinds": ["shelter"]})
    ).status_code == 404


async def test_only_administrators_see_the_buttons_that_change_sites(client, people):
    await login(client, "admin")
    assert 'href="/sites/new"' in (await client.get("/sites")).text
    detail = (await client.get(f"/sites/{people.site_a.id}")).text
    assert f'href="/sites/{people.site_a.id}/edit"' in detail
    assert f'action="/sites/{people.site_a.id}/active"' in detail
    client.cookies.clear()
    await login(client, "coordinator")
    assert 'href="/sites/new"' not in (await client.get("/sites")).text
    detail = (await client.get(f"/sites/{people.site_a.id}")).text
    assert "/edit" not in detail and "/active" not in detail


async def test_the_site_use_cases_check_the_policy_themselves(app, people):
    data = SiteInput("Punkt nowy", "", "", "", ["distribution_point"])
    async with db_session(app) as session:
        for role in ("coordinator", "case_worker", "warehouse"):
            sites = SiteService(session, Actor(user_id=None, username="x", role=role, sees_all_sites=True))
            with pytest.raises(Forbidden):
                await sites.create_site(data)
            with pytest.raises(Forbidden):
                await sites.update_site(people.site_a.id, data)
            with pytest.raises(Forbidden):
                await sites.set_active(people.site_a.id, False)
        await session.commit()
    assert await count(app, Site) == 2
    async with db_session(app) as session:
        assert (await session.get(Site, people.site_a.id)).is_active


async def test_two_deactivations_at_once_change_and_audit_the_site_once(app, people, settings):
    config = make_alchemy_config(settings)

    async def deactivate() -> None:
        async with config.get_session() as session:
            await SiteService(session, Actor.system("test")).set_active(people.site_b.id, False)
            await asyncio.sleep(0.2)  # hold the transaction open while the other one deactivates too
            await session.commit()

    try:
        await asyncio.gather(deactivate(), deactivate())
    finally:
        await config.get_engine().dispose()
    async with db_session(app) as session:
        assert not (await session.get(Site, people.site_b.id)).is_active
    assert await count(app, AuditEntry, AuditEntry.action == "site.deactivate") == 1


async def test_gmina_operator_and_shelter_with_care_are_saved_and_shown(app, client, people):
    await login(client, "admin")
    data = {
        "name": "Schronisko z opieką",
        "gmina": "Gliwice",
        "operator": "Stowarzyszenie Dobry Dom",
        "kinds": ["shelter_with_care"],
    }
    assert (await post_form(client, "/sites/new", data)).status_code == 303
    async with db_session(app) as session:
        site = await session.scalar(select(Site).where(Site.name == "Schronisko z opieką"))
        assert (site.gmina, site.operator, [k.value for k in site.kinds]) == (
            "Gliwice",
            "Stowarzyszenie Dobry Dom",
            ["shelter_with_care"],
        )
    page = await client.get(f"/sites/{site.id}")
    assert "Stowarzyszenie Dobry Dom" in page.text and "Gliwice" in page.text
    assert "Schronisko z usługami opiekuńczymi" in page.text
    form = await client.get(f"/sites/{site.id}/edit")
    assert 'value="Stowarzyszenie Dobry Dom"' in form.text
    response = await post_form(client, f"/sites/{site.id}/edit", {**data, "gmina": "Zabrze"})
    assert response.status_code == 303
    async with db_session(app) as session:
        site = await session.get(Site, site.id)
        assert site.gmina == "Zabrze"
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.entity_id == str(site.id), AuditEntry.action == "site.update")
        )
        assert entry.fields == ["gmina"]
    long = await post_form(client, f"/sites/{site.id}/edit", {**data, "operator": "x" * 161})
    assert long.status_code == 422
