"""User administration: admins create users, set role and sites, reset passwords, deactivate.

Each bad input gets a message next to its field (422) or a 403/404, and the database stays as it was.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from logistics.accounts.models import User
from logistics.audit.models import AuditEntry

from ..conftest import PASSWORD, login
from ..helpers import count, db_session, post_form

NEW_USER = {
    "username": "nowy.pracownik",
    "full_name": "Nowy Pracownik",
    "role": "shelter_staff",
    "password": "dlugie-haslo-1234",
}


async def test_admin_creates_a_user_limited_to_a_site(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "sites": str(people.site_a.id)})
    assert response.status_code == 303
    async with db_session(app) as session:
        user = await session.scalar(select(User).where(User.username == "nowy.pracownik"))
        assert user.role == "shelter_staff"
        assert [site.id for site in user.sites] == [people.site_a.id]
        assert user.password_hash.startswith("$argon2")
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.entity_id == str(user.id))
        )
        assert entry.actor_name == "admin"
        assert "password" not in entry.fields
    assert response.headers["location"] == f"/admin/users/{user.id}"
    # The new user can sign in.
    client.cookies.clear()
    assert (await login(client, "nowy.pracownik", "dlugie-haslo-1234")).status_code == 303


async def test_new_user_form_and_list_render(client, people):
    await login(client, "admin")
    assert (await client.get("/admin/users/new")).status_code == 200
    listing = await client.get("/admin/users")
    assert listing.status_code == 200
    for username in people.users:
        assert username in listing.text


async def test_a_role_that_does_not_exist_is_refused(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "role": "superuser"})
    assert response.status_code == 422
    assert "Ta opcja jest niedostępna." in response.text
    assert await count(app, User, User.username == "nowy.pracownik") == 0


async def test_a_non_admin_cannot_create_users_or_set_roles(app, client, people):
    await login(client, "coordinator")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "role": "admin"})
    assert response.status_code == 403
    assert await count(app, User, User.username == "nowy.pracownik") == 0
    response = await post_form(client, f"/admin/users/{people.users['coordinator'].id}", {"role": "admin"})
    assert response.status_code == 403
    async with db_session(app) as session:
        assert (await session.get(User, people.users["coordinator"].id)).role == "coordinator"


async def test_unknown_site_id_is_refused(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "sites": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "Jedna z wybranych placówek nie istnieje." in response.text
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "sites": "not-a-uuid"})
    assert response.status_code == 422
    assert await count(app, User, User.username == "nowy.pracownik") == 0


async def test_duplicate_username_short_password_and_bad_username(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "username": "admin"})
    assert response.status_code == 422
    assert "Ta nazwa użytkownika jest już zajęta." in response.text
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "password": "krotkie"})
    assert response.status_code == 422
    assert "Hasło musi mieć co najmniej 12 znaków." in response.text
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "username": "Zły Login!"})
    assert response.status_code == 422
    assert await count(app, User) == len(people.users)


async def test_oversized_fields_are_refused(app, client, people):
    await login(client, "admin")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "full_name": "x" * 5000})
    assert response.status_code == 422
    assert "Najwyżej 120 znaków." in response.text
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "full_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert await count(app, User) == len(people.users)


async def test_htmx_form_error_returns_only_the_form_block(client, people):
    await login(client, "admin")
    response = await post_form(client, "/admin/users/new", {**NEW_USER, "role": ""}, headers={"hx-request": "true"})
    assert response.status_code == 422
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text


async def test_admin_changes_role_and_sites_which_ends_the_users_sessions(app, client, people):
    user = people.users["volunteer"]
    await login(client, "admin")
    response = await post_form(
        client,
        f"/admin/users/{user.id}",
        {"full_name": "Wolontariusz", "role": "warehouse", "sites": [str(people.site_b.id)]},
    )
    assert response.status_code == 303
    async with db_session(app) as session:
        changed = await session.get(User, user.id)
        assert changed.role == "warehouse"
        assert [s.id for s in changed.sites] == [people.site_b.id]
        assert changed.session_epoch == user.session_epoch + 1
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
        assert set(entry.fields) == {"full_name", "role", "sites"}


async def test_admin_cannot_change_own_role_or_deactivate_self(app, client, people):
    me = people.users["admin"]
    await login(client, "admin")
    response = await post_form(client, f"/admin/users/{me.id}", {"role": "volunteer"})
    assert response.status_code == 422
    assert "Nie możesz zmienić własnej roli." in response.text
    response = await post_form(client, f"/admin/users/{me.id}/active", {"active": "false"})
    assert response.status_code == 303
    async with db_session(app) as session:
        still = await session.get(User, me.id)
        assert still.role == "admin" and still.is_active


async def test_reset_password_and_deactivate(app, client, people):
    user = people.users["warehouse"]
    await login(client, "admin")
    assert (
        await post_form(client, f"/admin/users/{user.id}/password", {"password": "nowe-haslo-12345"})
    ).status_code == 303
    assert (await post_form(client, f"/admin/users/{user.id}/active", {"active": "false"})).status_code == 303
    async with db_session(app) as session:
        changed = await session.get(User, user.id)
        assert not changed.is_active
        actions = set(await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(user.id))))
        assert {"user.password_reset", "user.deactivate"} <= actions
    client.cookies.clear()
    assert (await login(client, "warehouse", "nowe-haslo-12345")).status_code == 401


async def test_reset_with_a_short_password_changes_nothing(app, client, people):
    user = people.users["warehouse"]
    await login(client, "admin")
    response = await post_form(client, f"/admin/users/{user.id}/password", {"password": "short"})
    assert response.status_code == 303
    client.cookies.clear()
    assert (await login(client, "warehouse", PASSWORD)).status_code == 303


async def test_unknown_user_page_is_404(client, people):
    await login(client, "admin")
    assert (await client.get(f"/admin/users/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/admin/users/not-a-uuid")).status_code == 404
