"""The user's own account: password change rules and the language stored per user."""

from __future__ import annotations

from logistics.accounts.models import User

from ..conftest import PASSWORD, login
from ..helpers import db_session, post_form


async def test_account_page_shows_role_and_sites(client, people):
    await login(client, "shelter")
    page = await client.get("/account/")
    assert page.status_code == 200
    assert "Noclegownia A" in page.text
    assert "Schronisko B" not in page.text


async def test_change_password(app, client, people):
    await login(client, "caseworker")
    data = {"current": PASSWORD, "new": "zupelnie-nowe-haslo", "repeated": "zupelnie-nowe-haslo"}
    assert (await post_form(client, "/account/password", data)).status_code == 303
    client.cookies.clear()
    assert (await login(client, "caseworker", PASSWORD)).status_code == 401
    assert (await login(client, "caseworker", "zupelnie-nowe-haslo")).status_code == 303


async def test_change_password_refusals_change_nothing(app, client, people):
    await login(client, "caseworker")
    cases = [
        (
            {"current": "wrong-one-1234", "new": "zupelnie-nowe-haslo", "repeated": "zupelnie-nowe-haslo"},
            "Obecne hasło jest nieprawidłowe.",
        ),
        ({"current": PASSWORD, "new": "krotkie", "repeated": "krotkie"}, "Hasło musi mieć co najmniej 12 znaków."),
        (
            {"current": PASSWORD, "new": "zupelnie-nowe-haslo", "repeated": "inne-nowe-haslo-1"},
            "Nowe hasła różnią się od siebie.",
        ),
    ]
    for data, message in cases:
        response = await post_form(client, "/account/password", data)
        assert response.status_code == 422
        assert message in response.text
    client.cookies.clear()
    assert (await login(client, "caseworker", PASSWORD)).status_code == 303


async def test_language_switch_is_stored_for_the_user_and_used_everywhere(app, client, people):
    await login(client, "volunteer")
    response = await post_form(client, "/language", {"locale": "uk", "next": "/account/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/account/"
    async with db_session(app) as session:
        assert (await session.get(User, people.users["volunteer"].id)).locale == "uk"
    page = await client.get("/account/")
    assert "Мій обліковий запис" in page.text
    assert '<html lang="uk">' in page.text
    # A new browser signs in and gets the user's language straight away.
    client.cookies.clear()
    await login(client, "volunteer")
    assert "Мій обліковий запис" in (await client.get("/account/")).text


async def test_language_switch_before_signing_in_uses_a_cookie(client, people):
    await client.get("/login")
    response = await post_form(client, "/language", {"locale": "en", "next": "/login"})
    assert response.status_code == 303
    assert "Sign in" in (await client.get("/login")).text


async def test_unknown_language_is_refused(app, client, people):
    await login(client, "volunteer")
    response = await post_form(client, "/language", {"locale": "de", "next": "/"})
    assert response.status_code == 303
    async with db_session(app) as session:
        assert (await session.get(User, people.users["volunteer"].id)).locale is None
