"""axe-core (WCAG 2 A and AA rules) on the pages every role reaches: its start page, every entry of its menu and
every link of its start page, at tablet size, in a small centre (beds with someone staying, a distribution point
with stock, a transfer on its way, a record to complete). Serious and critical violations fail the test.

One browser, one page load per URL; a URL pattern (ids replaced) is checked once, by the first role reaching it.
(The demo data would do too, but loading it takes longer than the whole walk.)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from logistics.accounts.services import AccountService, UserInput
from logistics.core.actor import Actor
from logistics.inventory.ledger import LedgerService
from logistics.people.models import Person
from logistics.shelter.stays import StayService

from ..conftest import PASSWORD
from ..helpers import db_session
from ..live import serve
from ..shelter.helpers import make_person, make_rooms
from .conftest import sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TABLET = {"width": 768, "height": 1024}
#: The test users of every role; "wolontariusz" hands out at the point, "magazynier" keeps its stock.
USERS = ["shelter", "wolontariusz", "volunteer", "magazynier", "caseworker", "coordinator", "admin"]
COORDINATOR = Actor(user_id=None, username="koordynator", role="coordinator", sees_all_sites=True)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
#: Downloads and documents, not pages.
NOT_PAGES = re.compile(r"\.(pdf|csv|json|png|svg)$|/export$|^/logout$|^/static/")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
async def centre_url(app, people, aid) -> AsyncIterator[str]:
    beds = await make_rooms(app, people.site_a.id, [("1", "men", 4, False), ("2", "women", 2, True)])
    jan = await make_person(app, "Jan", "male")
    async with db_session(app) as session:
        await StayService(session, COORDINATOR).check_in(jan.id, beds["1"][0].id)
        session.add(Person(given_name="Nowy", sex="male", is_incomplete=True, last_activity_at=jan.last_activity_at))
        await LedgerService(session, COORDINATOR).send(aid.point.id, aid.other_point.id, [(aid.oil.id, Decimal(2))])
        await AccountService(session, Actor.system("test")).create_user(
            UserInput(
                username="magazynier",
                full_name="Magazynier",
                role="warehouse",
                site_ids=[aid.point.id, aid.other_point.id],
                password=PASSWORD,
            )
        )
        await session.commit()
    with serve(app) as url:
        yield url


def pattern(path: str) -> str:
    return UUID.sub("{id}", path.split("#")[0])


async def violations(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async (tags) => {
            const outcome = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return outcome.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                                   targets: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
        }""",
        TAGS,
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'])}" for v in result if v["impact"] in BLOCKING
    ]


async def test_the_pages_every_role_reaches_pass_axe(browser, centre_url):
    checked: set[str] = set()
    found: dict[str, list[str]] = {}
    for username in USERS:
        # bypass_csp: axe is injected as an inline script, which our CSP (rightly) refuses.
        context = await browser.new_context(viewport=TABLET, has_touch=True, bypass_csp=True)
        page = await context.new_page()
        await sign_in(page, centre_url, username)
        found[f"{username} /"] = await violations(page)
        links = await page.eval_on_selector_all(
            ".mainnav a[href], main a[href]", "(links) => links.map((a) => a.getAttribute('href'))"
        )
        for href in dict.fromkeys(links):
            path = urlsplit(href).path
            if not href.startswith("/") or NOT_PAGES.search(path) or pattern(href) in checked:
                continue
            checked.add(pattern(href))
            response = await page.goto(f"{centre_url}{href}")
            assert response is not None and response.status < 400, (username, href)
            found[f"{username} {href}"] = await violations(page)
        await context.close()
    assert len(checked) >= 12  # the menus and start pages reach the main pages of every domain
    failures = {where: problems for where, problems in found.items() if problems}
    assert not failures, "\n".join(f"{where}: {problem}" for where, ps in failures.items() for problem in ps)
