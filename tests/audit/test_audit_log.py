"""The audit log: admins browse it with filters; nobody else can; it records no field values."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from logistics.audit import services as audit
from logistics.audit.services import AuditFilter, AuditService
from logistics.core.actor import Actor
from logistics.core.errors import Forbidden
from logistics.core.i18n import local_today

from ..conftest import login
from ..helpers import db_session, post_form

ADMIN = Actor(user_id=None, username="admin", role="admin", sees_all_sites=True)


async def test_admin_browses_and_filters_the_log(client, people):
    await login(client, "admin")
    await post_form(client, "/sites/new", {"name": "Punkt C", "kinds": ["distribution_point"]})
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    for code in ("site.create", "user.create", "login"):
        assert f'data-action="{code}"' in page.text, code
    filtered = await client.get("/admin/audit?action=site.&actor=admin", headers={"hx-request": "true"})
    assert 'id="audit-results"' in filtered.text
    assert 'data-action="site.create"' in filtered.text and 'data-action="user.create"' not in filtered.text
    tomorrow = (local_today() + timedelta(days=2)).isoformat()
    assert 'data-action="site.create"' not in (await client.get(f"/admin/audit?day_from={tomorrow}")).text
    # Malformed filters are ignored, not errors.
    assert (await client.get("/admin/audit?day_from=yesterday&page=-3")).status_code == 200
    for far in ("0001-01-01", "9999-12-31"):  # days whose midnight is no time the database can store
        for name in ("day_from", "day_to"):
            answer = await client.get(f"/admin/audit?{name}={far}&page=99999999999")
            assert answer.status_code == 200, (name, far)


async def test_only_admins_see_the_log(client, people):
    for username in ("coordinator", "caseworker", "shelter", "warehouse", "volunteer"):
        client.cookies.clear()
        await login(client, username)
        assert (await client.get("/admin/audit")).status_code == 403, username


async def test_the_action_filter_is_a_literal_prefix(app, people):
    """An underscore in the filter is an underscore, not SQL's any-one-character."""
    async with db_session(app) as session:
        for action in ("stock.transfer_sent", "stock.transfers"):
            await audit.record(session, Actor.system("test"), action, "transfer", "1")
        await session.commit()
        entries, total = await AuditService(session, ADMIN).browse(AuditFilter(action="stock.transfer_"))
    assert [entry.action for entry in entries] == ["stock.transfer_sent"]
    assert total == 1


async def test_reading_the_log_is_refused_to_everyone_but_administrators(app, people):
    async with db_session(app) as session:
        for role in ("coordinator", "case_worker", "shelter_staff", "warehouse", "volunteer"):
            with pytest.raises(Forbidden):
                await AuditService(session, Actor(user_id=None, username="x", role=role)).browse(AuditFilter())
        _entries, total = await AuditService(session, ADMIN).browse(AuditFilter())
    assert total > 0


def _recorded_actions() -> set[str]:
    """Every action code the code base records: the literal ones, and those built from a kind or a status."""
    from pathlib import Path

    from logistics.inventory.models import MovementKind
    from logistics.shelter.models import WaitingStatus

    source = "\n".join(path.read_text() for path in Path(audit.__file__).parents[1].rglob("*.py"))
    found = set(re.findall(r'\brecord\(\s*[\w.]+,\s*[\w.()"]+,\s*"([a-z_.]+)"', source))
    for pair in re.findall(r'"([a-z_]+\.[a-z_]+)" if \w+ else "([a-z_]+\.[a-z_]+)"', source):
        found |= set(pair)
    found |= {f"stock.{kind}" for kind in MovementKind if kind != MovementKind.TRANSFER_IN} | {
        f"waiting.{status}" for status in (WaitingStatus.PLACED, WaitingStatus.CANCELLED)
    }
    return found


def test_every_recorded_action_and_record_type_has_a_label():
    from logistics.audit.labels import ACTIONS, ENTITIES

    actions = _recorded_actions()
    assert {"person.view", "login", "site.activate", "stock.write_off", "waiting.placed"} <= actions
    assert actions - set(ACTIONS) == set()
    assert {"person", "movement", "waiting_request", "outbox_message"} <= set(ENTITIES)


async def test_the_log_shows_actions_and_record_types_in_polish_and_ukrainian(client, people):
    await login(client, "admin")
    await post_form(client, "/sites/new", {"name": "Punkt C", "kinds": ["distribution_point"]})
    for locale, created, record in (("pl", "Utworzenie placówki", "Placówka"), ("uk", "Створення закладу", "Заклад")):
        await post_form(client, "/language", {"locale": locale, "next": "/"})
        page = await client.get("/admin/audit?action=site.create")
        assert page.status_code == 200
        assert f'<td data-action="site.create">{created}</td>' in page.text, locale
        assert f'<td data-entity="site">{record} ' in page.text, locale
        assert "<code>site.create</code>" not in page.text and ">site.create<" not in page.text
        fields = re.search(r'data-fields="([^"]*)">([^<]*)<', page.text)
        assert fields and "address" in fields.group(1).split(",")
        assert "address" not in fields.group(2) and ("Adres" if locale == "pl" else "Адреса") in fields.group(2)
        # The action filter offers the labels; its values stay the codes the log holds.
        assert f'<option value="site.create" selected>{created}</option>' in page.text
