"""The audit log: admins browse it with filters; nobody else can; it records no field values."""

from __future__ import annotations

from datetime import timedelta

from logistics.core.i18n import local_today

from ..conftest import login
from ..helpers import post_form


async def test_admin_browses_and_filters_the_log(client, people):
    await login(client, "admin")
    await post_form(client, "/sites/new", {"name": "Punkt C", "kinds": ["distribution_point"]})
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    assert "site.create" in page.text and "user.create" in page.text and "login" in page.text
    filtered = await client.get("/admin/audit?action=site.&actor=admin", headers={"hx-request": "true"})
    assert 'id="audit-results"' in filtered.text
    assert "site.create" in filtered.text and "user.create" not in filtered.text
    tomorrow = (local_today() + timedelta(days=2)).isoformat()
    assert "site.create" not in (await client.get(f"/admin/audit?day_from={tomorrow}")).text
    # Malformed filters are ignored, not errors.
    assert (await client.get("/admin/audit?day_from=yesterday&page=-3")).status_code == 200


async def test_only_admins_see_the_log(client, people):
    for username in ("coordinator", "caseworker", "shelter", "warehouse", "volunteer"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/admin/audit")).status_code == 403, username
