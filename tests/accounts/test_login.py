"""Signing in and out: success, every kind of refusal, throttling, idle timeout, CSRF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from logistics.accounts.models import LoginFailure, User, WebSession
from logistics.audit.models import AuditEntry

from ..conftest import PASSWORD, login
from ..helpers import count, db_session, post_form


async def test_login_page_is_public_and_in_polish_by_default(client, people):
    response = await client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Zaloguj się" in response.text
    assert 'name="_csrf_token"' in response.text


async def test_anonymous_visitor_is_sent_to_login(client, people):
    response = await client.get("/sites", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=/sites"


async def test_successful_login_creates_a_server_side_session_and_audit_entry(app, client, people):
    response = await login(client, "admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert await count(app, WebSession) == 1
    assert await count(app, AuditEntry, AuditEntry.action == "login") == 1
    home = await client.get("/")
    assert home.status_code == 200
    assert "Admin" in home.text
    async with db_session(app) as session:
        user = await session.scalar(select(User).where(User.username == "admin"))
        assert user.last_login_at is not None


async def test_login_redirects_only_to_local_paths(client, people):
    page = await client.get("/login?next=https://evil.example/")
    assert 'value="/"' in page.text
    response = await post_form(
        client, "/login", {"username": "admin", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/"


async def test_wrong_password_is_refused_and_counted(app, client, people):
    response = await login(client, "admin", "wrong-password-123")
    assert response.status_code == 401
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.text
    assert await count(app, WebSession) <= 1  # only the anonymous session, no user in it
    assert await count(app, LoginFailure, LoginFailure.username == "admin") == 1
    assert (await client.get("/", follow_redirects=False)).status_code == 302


async def test_unknown_user_gets_the_same_message(app, client, people):
    response = await login(client, "nobody", PASSWORD)
    assert response.status_code == 401
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.text
    assert await count(app, LoginFailure, LoginFailure.username == "nobody") == 1


async def test_empty_fields_are_refused_with_field_errors(client, people):
    response = await post_form(client, "/login", {"username": "", "password": ""})
    assert response.status_code == 422
    assert response.text.count("To pole jest wymagane.") == 2


async def test_deactivated_user_cannot_sign_in(app, client, people):
    async with db_session(app) as session:
        await session.execute(update(User).where(User.username == "volunteer").values(is_active=False))
        await session.commit()
    response = await login(client, "volunteer")
    assert response.status_code == 401
    assert "Konto zostało dezaktywowane" in response.text
    assert (await client.get("/", follow_redirects=False)).status_code == 302


async def test_five_failures_lock_the_username_for_fifteen_minutes(app, client, people):
    for _ in range(5):
        assert (await login(client, "coordinator", "wrong-password-123")).status_code == 401
    response = await login(client, "coordinator", PASSWORD)
    assert response.status_code == 429
    assert "Zbyt wiele nieudanych prób logowania. Odczekaj 15 min" in response.text
    assert (await client.get("/", follow_redirects=False)).status_code == 302
    # The lock ends when the failures are older than the window.
    async with db_session(app) as session:
        await session.execute(update(LoginFailure).values(at=datetime.now(UTC) - timedelta(minutes=16)))
        await session.commit()
    assert (await login(client, "coordinator", PASSWORD)).status_code == 303
    assert await count(app, LoginFailure, LoginFailure.username == "coordinator") == 0


async def test_failures_from_one_address_lock_other_usernames_too(client, people):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert (await login(client, name, "wrong-password-123")).status_code == 401
    assert (await login(client, "admin", PASSWORD)).status_code == 429


async def test_logout_ends_the_session(client, people):
    await login(client, "admin")
    response = await post_form(client, "/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert (await client.get("/", follow_redirects=False)).status_code == 302


async def test_idle_session_expires(app, client, people):
    await login(client, "admin")
    async with db_session(app) as session:
        await session.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        await session.commit()
    response = await client.get("/sites", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login")


async def test_session_expiry_is_renewed_by_activity(app, client, people):
    await login(client, "admin")
    soon = datetime.now(UTC) + timedelta(minutes=5)
    async with db_session(app) as session:
        await session.execute(update(WebSession).values(expires_at=soon))
        await session.commit()
    assert (await client.get("/sites")).status_code == 200
    async with db_session(app) as session:
        expires = await session.scalar(select(func_max_expiry()))
    assert expires > soon + timedelta(minutes=30)


def func_max_expiry():
    from sqlalchemy import func

    return func.max(WebSession.expires_at)


async def test_deactivating_a_user_ends_their_open_sessions(app, client, people):
    await login(client, "caseworker")
    assert (await client.get("/sites")).status_code == 200
    async with db_session(app) as session:
        await session.execute(
            update(User).where(User.username == "caseworker").values(session_epoch=User.session_epoch + 1)
        )
        await session.commit()
    assert (await client.get("/sites", follow_redirects=False)).status_code == 302


async def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, people):
    await login(client, "admin")
    response = await client.post(
        "/sites/new", data={"name": "Bez tokenu", "kinds": "warehouse"}, follow_redirects=False
    )
    assert response.status_code == 403
    from logistics.sites.models import Site

    assert await count(app, Site, Site.name == "Bez tokenu") == 0


async def test_post_with_wrong_csrf_token_is_refused(app, client, people):
    await login(client, "admin")
    response = await client.post(
        "/sites/new",
        data={"_csrf_token": "0" * 128, "name": "Zły token", "kinds": "warehouse"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "Nie masz dostępu" in response.text or "403" in response.text


async def test_htmx_request_sends_the_token_in_a_header(app, client, people):
    await login(client, "admin")
    response = await client.post(
        "/sites/new",
        data={"name": "Z nagłówkiem", "kinds": "warehouse"},
        headers={"x-csrftoken": client.cookies.get("przystan_csrf"), "hx-request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"].startswith("/sites/")
