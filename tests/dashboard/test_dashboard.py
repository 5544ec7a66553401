"""The coordinator's dashboard through HTTP, on a small centre whose every figure is known: beds by category, holds,
out of service, a full site, the nights before tonight, the roll call; a programme's vouchers, a hand-out today,
a point that will run short; stock alerts and a transfer; this week's activity; registrations, a record to
complete, a stay due for review, a failed message. Each figure is checked where the page shows it, with the link
behind it; the start pages of the other roles stay as they were."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.dashboard.service import dashboard_figures
from logistics.shelter.occupancy import tonight
from logistics.shelter.rollcall import RollCallService

from ..conftest import login
from ..helpers import db_session, post_form

COORDINATOR = Actor(user_id=None, username="koordynator", role="coordinator", sees_all_sites=True)


def figure(html: str, name: str) -> str:
    """The value of `<li ... data-figure="name">`'s figure, and its link (href or "")."""
    found = re.search(
        rf'data-figure="{re.escape(name)}">\s*(?:<a href="([^"]*)">|<span class="dash-figure-box">)\s*'
        r'<span class="dash-value">([^<]*)</span>',
        html,
    )
    assert found, name
    return f"{found.group(2)} {found.group(1) or ''}".strip()


def cells(html: str, attribute: str, key: str) -> dict[str, str]:
    row = re.search(rf'<tr {attribute}="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert row, key
    return dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', row.group(1)))


async def test_the_coordinators_start_page_is_the_dashboard_with_every_figure_and_link(client, centre):
    await login(client, "coordinator")
    await post_form(client, "/language", {"locale": "en", "next": "/"})
    page = await client.get("/")
    assert page.status_code == 200
    html = page.text
    site_a, site_b, aid = centre["site_a"], centre["site_b"], centre["aid"]
    # Beds: 4 men (1 occupied), 2 women accessible (1 held), 1 mixed out of service at the full site.
    assert figure(html, "free") == "4 /shelter/free"
    assert figure(html, "free-men") == "3 /shelter/free"
    assert figure(html, "free-women") == "1 /shelter/free"
    assert figure(html, "free-family") == "0 /shelter/free"
    assert figure(html, "free-mixed") == "0 /shelter/free"
    assert figure(html, "free-accessible") == "1 /shelter/free"
    assert figure(html, "held") == "1 /shelter/board"
    assert figure(html, "out-of-service") == "1 /shelter/board"
    assert figure(html, "sites-full") == "1 /shelter/board"
    assert "Tonight 1 of 7 places occupied; the 3 nights before: 3 on average." in " ".join(html.split())
    assert 'href="/shelter/history"' in html
    # The roll call: Jan not yet marked at site A; the link goes to its sheet.
    assert f'href="/shelter/sites/{site_a.id}/roll-call"' in html
    assert f"/shelter/sites/{site_b.id}/roll-call" not in html  # nobody staying there
    # Distribution: FEPŻ 1 issued, still to redeem; the hygiene set handed out today at Punkt 1.
    assert cells(html, "data-programme", "FEPZ") == {"issued": "1", "redeemed": "0", "remaining": "1"}
    assert cells(html, "data-programme", "HIG") == {"issued": "1", "redeemed": "1", "remaining": "0"}
    assert f'href="/vouchers/programmes/{aid.food.id}/issued?cycle={local_today():%Y-%m}"' in html
    assert cells(html, "data-point", str(aid.point.id)) == {"month": "1", "today": "1", "remaining": "0.5"}
    assert cells(html, "data-point", str(aid.other_point.id)) == {"month": "0", "today": "0", "remaining": "0.5"}
    assert f'href="/vouchers/reconciliation?point={aid.point.id}&amp;day={local_today().isoformat()}"' in html
    assert figure(html, "today") == "1 /vouchers/reconciliation"
    assert figure(html, "last-hour") == "1 /vouchers/reconciliation"
    # Half the FEPŻ voucher at Punkt 2 (no stock but the oil on its way): 1 pasta and 2 oil short; Punkt 1 has
    # 36 pasta and 39 oil for its half. Kits count as their items.
    assert figure(html, "short") == "2 #dash-short"
    short = re.findall(rf'data-short="{aid.other_point.id}">\s*<a href="([^"]+)">([^<]+)</a>', html)
    assert short == [
        (f"/stock/{aid.other_point.id}", "Punkt 2: Makaron 500 g"),
        (f"/stock/{aid.other_point.id}", "Punkt 2: Olej 1 l"),
    ]
    assert f'data-short="{aid.point.id}"' not in html
    # Stock, activities, people.
    assert figure(html, "in-transit") == "1 /stock/transfers"
    assert figure(html, "below-minimum") == "0 /stock/alerts#below-minimum"
    assert figure(html, "sessions").startswith("1 /activities/week?day=")
    assert figure(html, "places") == "3 / 10 /activities/"
    assert figure(html, "waiting") == "1 /activities/"
    assert figure(html, "attendance") == "67% /activities/"
    assert figure(html, "registered") == "9 /people/stats"  # 6 in the households, Jan, Stary, Nowy
    assert figure(html, "to-complete") == "1 /people"
    assert figure(html, "review") == "1 /shelter/review"
    assert figure(html, "failed-messages") == "1 /admin/messages?status=failed"
    # The panels whose figures the dashboard shows are not repeated; the charts have their tables.
    assert 'id="stock-panel"' not in html and 'id="messages-panel"' not in html
    assert html.count('<details class="chart-data">') >= 3
    assert 'hx-trigger="every 60s, refresh"' in html and 'hx-get="/dashboard/figures"' in html


async def test_the_figures_agree_with_the_pages_behind_them(app, centre):
    async with db_session(app) as session:
        figures = await dashboard_figures(session, COORDINATOR)
        due = await RollCallService(session, COORDINATOR).due_for_review()
    assert figures.people.due_for_review == len(due) == 1
    assert [(row.site.name, row.staying, row.unmarked) for row in figures.beds.roll_call] == [("Noclegownia A", 1, 1)]
    assert [(row.point.name, row.item, row.stock, row.needed) for row in figures.distribution.short] == [
        ("Punkt 2", "Makaron 500 g", Decimal(0), Decimal(1)),
        ("Punkt 2", "Olej 1 l", Decimal(0), Decimal(2)),
    ]
    assert figures.distribution.per_day[-1] == (local_today(), 1)
    assert sum(n for _d, n in figures.distribution.per_day) == 1


async def test_the_administrator_sees_the_dashboard_and_keeps_the_job_panel(client, centre):
    await login(client, "admin")
    html = (await client.get("/")).text
    assert 'id="dashboard-panel"' in html and 'id="admin-panel"' in html
    assert figure(html, "free") == "4 /shelter/free"
    assert figure(html, "registered") == "9"  # the administrator may not open the registry's statistics: no link
    assert figure(html, "failed-messages") == "1 /admin/messages?status=failed"


@pytest.mark.parametrize(
    ("username", "panel"),
    [("caseworker", 'id="registry-panel"'), ("shelter", 'id="tonight-panel"'), ("volunteer", "")],
)
async def test_other_roles_keep_their_start_page(client, centre, username, panel):
    await login(client, username)
    html = (await client.get("/")).text
    assert 'id="dashboard-panel"' not in html and "dash-figure" not in html
    assert panel in html


async def test_a_volunteer_may_not_open_the_dashboard(client, centre):
    await login(client, "volunteer")
    for path in ("/dashboard", "/dashboard/figures", "/dashboard?wall=1"):
        assert (await client.get(path)).status_code == 403


async def test_anonymous_visitors_are_sent_to_sign_in(client, centre):
    response = await client.get("/dashboard", follow_redirects=False)
    assert response.status_code in {302, 303} and "/login" in response.headers["location"]


async def test_the_wall_mode_has_no_menu_and_refreshes_in_wall_mode(client, centre):
    await login(client, "coordinator")
    html = (await client.get("/dashboard?wall=1")).text
    assert 'class="wall"' in html and 'id="mainnav"' not in html and 'class="topbar"' not in html
    assert 'hx-get="/dashboard/figures?wall=1"' in html
    assert figure(html, "free") == "4 /shelter/free"
    normal = (await client.get("/dashboard")).text
    assert 'id="mainnav"' in normal and 'href="/dashboard?wall=1"' in normal


async def test_the_refresh_partial_is_the_figures_block_alone(client, centre):
    await login(client, "coordinator")
    response = await client.get("/dashboard/figures", headers={"hx-request": "true"})
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="dashboard-figures"') and "<html" not in html
    assert figure(html, "free-men") == "3 /shelter/free"


async def test_the_history_page_draws_the_90_nights_with_axes_values_and_a_table(client, centre):
    await login(client, "coordinator")
    await post_form(client, "/language", {"locale": "en", "next": "/"})
    html = (await client.get("/shelter/history/")).text
    assert '<figure class="chart-figure chart-history">' in html
    assert "<figcaption>Occupied and total places over the last 90 nights</figcaption>" in html
    assert '<text class="chart-axis-label"' not in html and 'class="chart-tick"' in html
    # The three snapshot nights (2, 3, 4 of 6 places occupied): the highest and the last value written on the lines.
    night = tonight()
    values = re.findall(r'class="chart-value chart-value-(\d)"[^>]*>([^<]+)<', html)
    assert values == [("0", "4"), ("0", "2"), ("1", "6")]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td></tr>', html)
    assert rows == [
        (f"{night - timedelta(days=back):%d.%m}", str(occupied), "6") for back, occupied in ((3, 4), (2, 3), (1, 2))
    ]


async def test_a_grant_voucher_is_not_counted_as_goods_still_due_at_the_points(client, app, centre):
    """A value voucher (a grant spent at partner shops) issued this month changes no distribution figure."""
    from logistics import codes
    from logistics.vouchers.issuing import CODE_BITS
    from logistics.vouchers.models import Programme, Voucher

    async with db_session(app) as session:
        programme = Programme(code="ZC", name="Zasiłek celowy", kind="value", amount=Decimal("300.00"), rule="decision")
        session.add(programme)
        await session.flush()
        session.add(
            Voucher(
                code=codes.normalize(codes.generate(CODE_BITS)),
                programme_id=programme.id,
                household_id=None,
                cycle=f"{local_today():%Y-%m}",
                valid_from=local_today(),
                valid_until=local_today() + timedelta(days=20),
                amount=Decimal("300.00"),
            )
        )
        await session.commit()
    await login(client, "coordinator")
    await post_form(client, "/language", {"locale": "en", "next": "/"})
    html = (await client.get("/")).text
    aid = centre["aid"]
    assert 'data-programme="ZC"' not in html
    assert cells(html, "data-point", str(aid.point.id))["remaining"] == "0.5"
    assert cells(html, "data-point", str(aid.other_point.id))["remaining"] == "0.5"
