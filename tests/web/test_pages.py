"""The UI shell: navigation by role, error pages in the user's language, headers, health checks, request log."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from ..conftest import login
from ..helpers import db_session, post_form

NAV = {
    "admin": {"/sites", "/admin/users", "/admin/audit", "/admin/jobs"},
    "coordinator": {"/sites"},
    "caseworker": {"/sites"},
    "shelter": {"/sites"},
    "warehouse": {"/sites"},
    "volunteer": {"/sites"},
}
ADMIN_ONLY = {"/admin/users", "/admin/audit", "/admin/jobs"}


@pytest.mark.parametrize("username", sorted(NAV))
async def test_each_role_sees_its_navigation_and_no_more(client, people, username):
    await login(client, username)
    home = await client.get("/")
    assert home.status_code == 200
    assert "MOPS Testowo" in home.text
    for path in NAV[username]:
        assert f'href="{path}"' in home.text
    for path in ADMIN_ONLY - NAV[username]:
        assert f'href="{path}"' not in home.text
        assert (await client.get(path)).status_code == 403


async def test_every_admin_page_renders(client, people):
    await login(client, "admin")
    for path in (
        "/",
        "/sites",
        "/sites/new",
        "/admin/users",
        "/admin/users/new",
        "/admin/audit",
        "/admin/jobs",
        "/account/",
        f"/sites/{people.site_a.id}",
        f"/admin/users/{people.users['shelter'].id}",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path


async def test_error_pages_in_the_users_language(client, people):
    missing = await client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Nie znaleziono strony." in missing.text
    await login(client, "volunteer")
    await post_form(client, "/language", {"locale": "uk", "next": "/"})
    assert "Сторінку не знайдено." in (await client.get("/no-such-page")).text
    forbidden = await client.get("/admin/users")
    assert forbidden.status_code == 403
    assert '<html lang="uk">' in forbidden.text


async def test_api_errors_are_json(client, people):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "404"


async def test_wrong_method_is_405(client, people):
    await login(client, "admin")
    response = await client.put("/sites", headers={"x-csrftoken": client.cookies.get("przystan_csrf")})
    assert response.status_code == 405


async def test_security_headers_and_cookies(client, people):
    response = await client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    login_response = await login(client, "admin")
    cookie = next(h for h in login_response.headers.get_list("set-cookie") if h.startswith("przystan_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "<script>" not in response.text  # no inline scripts anywhere in the page


async def test_health_checks(app, client, people):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    # A database without the migrations applied: /readyz must say so instead of claiming readiness.
    # (Ready after `upgrade` is tested in tests/system/test_migrations.py.)
    async with db_session(app) as session:
        await session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await session.commit()
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "migrations pending"


async def test_one_log_line_per_request_without_personal_data(client, people, caplog):
    await login(client, "admin")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="logistics.requests"):
        await client.get(f"/sites/{people.site_a.id}")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "logistics.requests"]
    assert len(lines) == 1
    assert lines[0]["path"] == "/sites/{site_id}"
    assert lines[0]["status"] == 200 and lines[0]["method"] == "GET" and lines[0]["ms"] >= 0
    assert all(str(people.site_a.id) not in r.getMessage() for r in caplog.records if r.name.startswith("logistics"))


async def test_static_files_are_served_without_a_session(client):
    response = await client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "przystan_session" not in response.headers.get("set-cookie", "")
