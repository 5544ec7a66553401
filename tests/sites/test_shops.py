"""Partner shops as sites: the contract and the contact on the site form and page, the shop role's users (assigned
to partner shops only) and what a shop's staff see when they sign in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from logistics.accounts.models import User
from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.sites.models import Site
from logistics.sites.services import SiteInput, SiteService

from ..conftest import PASSWORD, login
from ..helpers import count, db_session, post_form

SHOP = {
    "name": "Sklep Społem nr 12",
    "address": "ul. Zwycięstwa 21, 44-100 Gliwice",
    "phone": "+48 32 231 12 12",
    "kinds": ["shop"],
    "contract_number": "OPS.2611.4.2026",
    "contract_from": "2026-01-01",
    "contract_until": "2026-12-31",
    "contact": "Kierowniczka Joanna Wilk, +48 600 100 200",
}


async def _shop(app, name: str = "Sklep Społem nr 12") -> Site:
    async with db_session(app) as session:
        return await session.scalar(select(Site).where(Site.name == name))


async def test_admin_creates_a_partner_shop_with_its_contract_and_contact(app, client, people):
    await login(client, "admin")
    form = await client.get("/sites/new")
    assert 'name="contract_number"' in form.text and 'name="contact"' in form.text
    assert 'value="shop"' in form.text
    response = await post_form(client, "/sites/new", SHOP)
    assert response.status_code == 303
    shop = await _shop(app)
    assert [k.value for k in shop.kinds] == ["shop"]
    assert shop.contract_number == "OPS.2611.4.2026"
    assert (shop.contract_from, shop.contract_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert shop.contact == "Kierowniczka Joanna Wilk, +48 600 100 200"
    page = await client.get(f"/sites/{shop.id}")
    assert page.status_code == 200
    assert "OPS.2611.4.2026" in page.text and "Joanna Wilk" in page.text
    assert "1.01.2026" in page.text or "01.01.2026" in page.text
    edit = await client.get(f"/sites/{shop.id}/edit")
    assert 'value="2026-12-31"' in edit.text and 'value="OPS.2611.4.2026"' in edit.text
    # The contract extended by a year: only the changed field is audited.
    response = await post_form(client, f"/sites/{shop.id}/edit", {**SHOP, "contract_until": "2027-12-31"})
    assert response.status_code == 303
    shop = await _shop(app)
    assert shop.contract_until == date(2027, 12, 31)
    async with db_session(app) as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(shop.id))))
    assert [e.action for e in entries] == ["site.create", "site.update"]
    assert entries[1].fields == ["contract_until"]


async def test_a_contract_ending_before_it_begins_is_refused_next_to_the_field(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/sites/new", {**SHOP, "contract_until": "2025-12-31"})
    assert response.status_code == 422
    assert 'id="contract_until-error"' in response.text
    assert await count(app, Site) == 2
    # Ending on the day it begins is a contract of one day.
    response = await post_form(client, "/sites/new", {**SHOP, "contract_until": "2026-01-01"})
    assert response.status_code == 303
    shop = await _shop(app)
    # On edit too: nothing changed.
    response = await post_form(
        client, f"/sites/{shop.id}/edit", {**SHOP, "contract_from": "2026-02-01", "contract_until": "2026-01-01"}
    )
    assert response.status_code == 422 and 'id="contract_until-error"' in response.text
    assert (await _shop(app)).contract_from == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("contract_from", "2026-13-01"), ("contract_until", "31.12.2026"), ("contract_number", "X" * 41)],
)
async def test_bad_contract_fields_are_refused(app, client, people, field, value):
    await login(client, "admin")
    response = await post_form(client, "/sites/new", {**SHOP, field: value})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert await count(app, Site) == 2


async def test_only_a_partner_shop_has_a_contract(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/sites/new", {**SHOP, "kinds": ["distribution_point"]})
    assert response.status_code == 422
    assert 'id="contract_number-error"' in response.text
    assert await count(app, Site) == 2
    # A site without shop fields is unaffected by them; its page shows none of them.
    page = await client.get(f"/sites/{people.site_a.id}")
    assert "Contract number" not in page.text and "Numer umowy" not in page.text


async def test_the_service_checks_the_contract_itself(app, people):
    async with db_session(app) as session:
        sites = SiteService(session, Actor.system("test"))
        data = SiteInput(
            "Sklep", "", "", "", ["shop"], contract_from=date(2026, 5, 1), contract_until=date(2026, 4, 30)
        )
        with pytest.raises(DomainError) as refused:
            await sites.create_site(data)
        assert refused.value.field == "contract_until"
        with pytest.raises(DomainError) as refused:
            await sites.create_site(SiteInput("Punkt", "", "", "", ["warehouse"], contact="Pan Jan"))
        assert refused.value.field == "contact"


async def _make_shop(app) -> Site:
    async with db_session(app) as session:
        shop = await SiteService(session, Actor.system("test")).create_site(
            SiteInput("Sklep Społem nr 12", "ul. Zwycięstwa 21", "", "", ["shop"], contract_number="U/1/2026")
        )
        await session.commit()
        return shop


async def test_admin_creates_a_shop_user_assigned_to_a_shop(app, client, people):
    shop = await _make_shop(app)
    await login(client, "admin")
    form = await client.get("/admin/users/new")
    assert 'value="shop"' in form.text and "Sklep Społem nr 12" in form.text
    data = {"username": "sklep12", "full_name": "Kasjerka", "role": "shop", "password": "bardzo-dlugie-haslo-1"}
    # Without a shop, or with a site that is not a shop: refused next to the sites, nobody created.
    for sites in ([], [str(people.site_a.id)], [str(shop.id), str(people.site_a.id)]):
        response = await post_form(client, "/admin/users/new", {**data, "sites": sites})
        assert response.status_code == 422, sites
        assert 'id="sites-error"' in response.text
    assert await count(app, User, User.username == "sklep12") == 0
    response = await post_form(client, "/admin/users/new", {**data, "sites": [str(shop.id)]})
    assert response.status_code == 303
    async with db_session(app) as session:
        user = await session.scalar(select(User).where(User.username == "sklep12"))
        assert user.role == "shop" and [s.id for s in user.sites] == [shop.id]
    # Moving them to a shelter is refused too; nothing changes.
    response = await post_form(
        client, f"/admin/users/{user.id}", {"full_name": "Kasjerka", "role": "shop", "sites": [str(people.site_a.id)]}
    )
    assert response.status_code == 422 and 'id="sites-error"' in response.text
    async with db_session(app) as session:
        user = await session.get(User, user.id)
        assert [s.id for s in user.sites] == [shop.id]


async def test_a_shop_user_signs_in_and_sees_only_their_shop(app, client, people):
    shop = await _make_shop(app)
    from logistics.accounts.services import AccountService, UserInput

    async with db_session(app) as session:
        await AccountService(session, Actor.system("test")).create_user(
            UserInput(username="sklep", full_name="Kasjerka", role="shop", site_ids=[shop.id], password=PASSWORD)
        )
        await session.commit()
    assert (await login(client, "sklep")).status_code == 303
    for url in ("/", "/sites", "/account", f"/sites/{shop.id}"):
        page = await client.get(url)
        assert page.status_code == 200, url
    home = (await client.get("/")).text
    assert 'href="/sites"' in home and 'href="/admin/users"' not in home and 'href="/people"' not in home
    sites = (await client.get("/sites")).text
    assert "Sklep Społem nr 12" in sites and "Noclegownia A" not in sites
    assert (await client.get(f"/sites/{people.site_a.id}")).status_code == 404
    for url in ("/people", "/admin/users", "/reports", "/shelter"):
        assert (await client.get(url)).status_code in {403, 404}, url
