"""The JSON API refuses bodies that are too deep or too large with its own error shape, before parsing them."""

from __future__ import annotations

from logistics.web.api_body import MAX_JSON_DEPTH, json_depth

from ..conftest import csrf_token, login


def test_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}', 99) == 3
    assert json_depth(b'"\\"[["', 99) == 0
    assert json_depth(b"[" * 100_000, MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1


async def test_a_deeply_nested_body_is_a_400_in_the_api_shape(app, client, people):
    await login(client, "admin")
    response = await client.post(
        "/api/v1/redemptions",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"content-type": "application/json", "x-csrftoken": csrf_token(client)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "body_too_deep"
    assert response.json()["message"]


async def test_a_body_over_a_mebibyte_is_a_413_in_the_api_shape(app, client, people):
    await login(client, "admin")
    response = await client.post(
        "/api/v1/redemptions",
        content=b'{"code": "' + b"A" * (2 * 1024 * 1024) + b'"}',
        headers={"content-type": "application/json", "x-csrftoken": csrf_token(client)},
    )
    assert response.status_code == 413
    assert set(response.json()) >= {"error", "message"}


async def test_a_nul_in_the_query_string_is_a_400_in_the_callers_shape(app, client, people):
    """PostgreSQL can neither store nor compare a NUL: a filter holding one is refused before any query runs."""
    await login(client, "admin")
    api = await client.get("/api/v1/vouchers/ABC?point=%00")
    assert api.status_code == 400
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["error"] == "bad_query"
    page = await client.get("/admin/audit?q=a%00b")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Adres zawiera znak" in page.text
