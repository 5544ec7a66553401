"""The demo data: every demo user signs in with the documented password and sees the navigation of their role."""

from __future__ import annotations

import pytest

from logistics.seeding import DEMO_PASSWORD

from ..conftest import login


@pytest.mark.parametrize(
    ("username", "admin_pages"),
    [
        ("admin", True),
        ("coordinator", False),
        ("caseworker", False),
        ("shelter", False),
        ("warehouse", False),
        ("volunteer", False),
    ],
)
async def test_demo_users_sign_in(app, client, demo, username, admin_pages):
    assert (await login(client, username, DEMO_PASSWORD)).status_code == 303
    home = await client.get("/")
    assert home.status_code == 200
    assert 'href="/sites"' in home.text
    assert ('href="/admin/users"' in home.text) is admin_pages
    sites = (await client.get("/sites")).text
    own = {"shelter": "Noclegownia dla mężczyzn", "warehouse": "Magazyn centralny", "volunteer": "parafia św."}
    if username in own:
        assert own[username] in sites
        assert sum(name in sites for name in own.values()) == 1  # nothing of the other sites
    else:
        assert all(name in sites for name in own.values())
    if username == "caseworker":  # the demo registry: ~300 households, some with Cyrillic names
        assert "Kowal" in (await client.get("/people", params={"q": "kowal"})).text
        cyrillic = await client.get("/people", params={"q": "kovalchuk"})
        assert cyrillic.status_code == 200
