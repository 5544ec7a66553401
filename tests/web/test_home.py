"""The start page of each role: the panels its role sees, with live figures checked against the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from logistics.accounts.services import AccountService, UserInput
from logistics.activities.models import Activity, ActivitySession
from logistics.core.actor import Actor
from logistics.core.i18n import day_start, local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Transfer, TransferStatus
from logistics.people.models import Household, HouseholdMember, Person
from logistics.people.start import lapse_window
from logistics.scheduler import JobRun
from logistics.shelter.models import Bed, BedState, Stay
from logistics.shelter.rollcall import RollCallService, tonight
from logistics.shelter.stays import StayService
from logistics.sites.services import SiteInput, SiteService
from logistics.vouchers.models import Programme, Redemption, Voucher

from ..conftest import PASSWORD, login
from ..helpers import db_session
from ..inventory.conftest import stock  # noqa: F401 — the fixture
from ..shelter.helpers import make_person, make_rooms

COORDINATOR = Actor(user_id=None, username="koordynator", role="coordinator", sees_all_sites=True)
#: The panels of each role's start page in a centre without distribution points or sessions today (a panel with
#: nothing to show is left out; a role with no panel at all gets the menu as tiles).
PANELS = {
    # Coordinators and administrators start from the centre's dashboard, which stands in for the panels whose
    # figures it shows (tonight, review, stock, hand-outs, messages); the administrator keeps the job panel.
    "admin": {"admin-panel", "dashboard-panel"},
    "coordinator": {"dashboard-panel"},
    "caseworker": {"registry-panel", "review-panel"},
    "shelter": {"tonight-panel"},
    "warehouse": {"stock-panel"},
    "volunteer": set(),
}
ALL_PANELS = set().union(*PANELS.values()) | {"points-panel", "sessions-panel"}


def figure(html: str, name: str) -> int:
    found = re.findall(rf'data-figure="{name}">(?:<dt>[^<]*</dt><dd>)?(\d+)<', html)
    assert len(found) == 1, (name, found)
    return int(found[0])


def part(html: str, element_id: str) -> str:
    """The element with `id` up to the end of its <article> or <section>."""
    start = html.index(f'id="{element_id}"')
    end = min(i for i in (html.find("</article>", start), html.find("</section>", start)) if i != -1)
    return html[start:end]


async def _user(app, username: str, role: str, site_ids: list) -> None:
    async with db_session(app) as session:
        await AccountService(session, Actor.system("test")).create_user(
            UserInput(username=username, full_name=username.title(), role=role, site_ids=site_ids, password=PASSWORD)
        )
        await session.commit()


async def test_each_role_sees_the_panels_of_what_it_does(app, client, people):
    for username, expected in PANELS.items():
        client.cookies.clear()
        await login(client, username)
        page = await client.get("/")
        assert page.status_code == 200
        shown = {panel for panel in ALL_PANELS if f'id="{panel}"' in page.text}
        assert shown == expected, username
        assert ('<a class="tile" href="/account/">' in page.text) == (not expected), username  # the menu as tiles


async def test_shelter_staff_see_tonight_at_their_own_sites(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("1", "men", 3, False), ("2", "women", 2, False)])
    await make_rooms(app, people.site_b.id, [("B1", "men", 2, False)])
    jan, ewa = await make_person(app, "Jan", "male"), await make_person(app, "Ewa", "female")
    async with db_session(app) as session:
        stays = StayService(session, COORDINATOR)
        jan_stay = await stays.check_in(jan.id, beds["1"][0].id)
        await stays.check_in(ewa.id, beds["2"][0].id)
        await stays.hold(beds["1"][1].id, None, "skierowanie")
        await RollCallService(session, COORDINATOR).mark(jan_stay.id, tonight(), True)
        await session.commit()

    await login(client, "shelter")
    page = (await client.get("/")).text
    tonight_at_a = part(page, f"tonight-{people.site_a.id}")
    async with db_session(app) as session:
        states = dict(
            (
                await session.execute(
                    select(Bed.state, func.count()).where(Bed.site_id == people.site_a.id).group_by(Bed.state)
                )
            ).all()
        )
    assert figure(tonight_at_a, "free") == states[BedState.AVAILABLE] == 2
    assert figure(tonight_at_a, "free-men") == 1
    assert figure(tonight_at_a, "free-women") == 1
    assert figure(tonight_at_a, "held") == states[BedState.HELD] == 1
    assert figure(tonight_at_a, "unmarked") == 1  # Ewa; Jan is marked present
    assert 'href="/shelter/check-in"' in tonight_at_a
    assert f'href="/shelter/sites/{people.site_a.id}/roll-call"' in tonight_at_a
    assert str(people.site_b.id) not in page  # not a site of theirs

    client.cookies.clear()
    await login(client, "coordinator")  # the dashboard: both sites' free places, site A's roll call to finish
    page = " ".join((await client.get("/")).text.split())
    assert (
        '<li class="dash-figure" data-figure="free"> <a href="/shelter/free"> <span class="dash-value">4</span>' in page
    )
    assert f'<a href="/shelter/sites/{people.site_a.id}/roll-call">' in page


async def test_volunteers_see_their_points_scan_page_and_todays_count(app, client, people):
    async with db_session(app) as session:
        sites = SiteService(session, Actor.system("test"))
        point = await sites.create_site(SiteInput("Punkt 1", "", "", "", ["distribution_point"]))
        other = await sites.create_site(SiteInput("Punkt 2", "", "", "", ["distribution_point"]))
        programme = Programme(code="FEPZ", name="FEPŻ")
        session.add(programme)
        await session.flush()
        today = local_today()
        voucher = Voucher(
            code="ABCDEFGH", programme_id=programme.id, cycle=f"{today:%Y-%m}", valid_from=today, valid_until=today
        )
        session.add(voucher)
        await session.flush()
        now = datetime.now(UTC)
        for n, (at, where, undone) in enumerate(
            [
                (now, point, None),
                (now - timedelta(minutes=5), point, None),
                (now, point, now),  # undone: not counted
                (now - timedelta(days=2), point, None),  # another day
                (now, other, None),  # another point
            ]
        ):
            session.add(
                Redemption.for_voucher(
                    voucher, request_id=f"r{n}", point_id=where.id, at=at, user_name="w", undone_at=undone
                )
            )
        await session.commit()
    await _user(app, "punkt", "volunteer", [point.id])

    await login(client, "punkt")
    page = (await client.get("/")).text
    at_point = part(page, f"point-{point.id}")
    assert figure(at_point, "handed-out") == 2
    assert f'href="/scan/{point.id}"' in at_point
    assert str(other.id) not in page
    assert 'id="stock-panel"' not in page

    client.cookies.clear()
    await login(client, "coordinator")  # the dashboard: today's hand-outs per point
    page = (await client.get("/")).text
    row = re.search(rf'<tr data-point="{other.id}">(.*?)</tr>', page, re.S)
    assert row and '<td data-figure="today">1</td>' in row.group(1)


async def test_warehouse_staff_see_transfers_arriving_alerts_and_where_to_receive(app, client, people, stock):  # noqa: F811
    await _user(app, "punkt", "warehouse", [stock.point.id])
    async with db_session(app) as session:
        ledger = LedgerService(session, COORDINATOR)
        await ledger.receive(stock.warehouse.id, "Dar", [ReceiptLine(stock.soap.id, Decimal(10))])
        arriving = await ledger.send(stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(2))], "WZ/1")
        received = await ledger.send(stock.warehouse.id, stock.point.id, [(stock.soap.id, Decimal(1))])
        await ledger.receive_transfer(received.id)
        await ledger.send(stock.point.id, stock.warehouse.id, [(stock.soap.id, Decimal(1))])  # to the other end
        await session.commit()
        in_transit_to_point = await session.scalar(
            select(func.count())
            .select_from(Transfer)
            .where(Transfer.status == TransferStatus.IN_TRANSIT, Transfer.to_location_id == stock.point.id)
        )

    await login(client, "punkt")
    page = (await client.get("/")).text
    panel = part(page, "stock-panel")
    assert re.findall(r'href="/stock/transfers/([0-9a-f-]+)"', panel) == [str(arriving.id)] * in_transit_to_point
    assert "WZ/1" in panel
    assert f'href="/stock/{stock.point.id}/receive"' in panel
    assert f'href="/stock/{stock.warehouse.id}/receive"' not in panel  # not a location of theirs


async def test_case_workers_see_records_to_complete_stays_to_review_and_lapsing_households(app, client, people):
    first, _next = lapse_window(local_today())
    now = datetime.now(UTC)
    async with db_session(app) as session:
        quick = Person(given_name="Nowy", sex="male", is_incomplete=True, last_activity_at=now)
        merged = Person(given_name="Stary", sex="male", is_incomplete=True, last_activity_at=now)
        complete = Person(given_name="Anna", family_name="Nowak", sex="female", last_activity_at=now)
        session.add_all([quick, merged, complete])
        await session.flush()
        merged.merged_into_id = quick.id

        def household(given: str, verified) -> Household:
            head = Person(given_name=given, family_name="Rodzina", sex="female", last_activity_at=now)
            return Household(
                income_per_person=Decimal(900),
                income_verified_on=verified,
                members=[HouseholdMember(person=head, relationship="head", position=0)],
            )

        lapsing = household("Zofia", first + timedelta(days=3))
        session.add_all(
            [
                lapsing,
                household("Maria", first + timedelta(days=40)),  # lapses next month
                household("Irena", first - timedelta(days=3)),  # lapsed last month
                household("Olga", None),
            ]
        )
        stay_person = Person(given_name="Adam", family_name="Długi", sex="male", last_activity_at=now)
        session.add(stay_person)
        await session.flush()
        session.add(Stay(person_id=stay_person.id, site_id=people.site_a.id, started_at=now - timedelta(days=40)))
        session.add(Stay(person_id=complete.id, site_id=people.site_a.id, started_at=now - timedelta(days=3)))
        await session.commit()

    await login(client, "caseworker")
    page = (await client.get("/")).text
    registry = part(page, "registry-panel")
    assert figure(registry, "incomplete") == 1
    assert f'href="/people/{quick.id}/edit"' in registry
    assert figure(registry, "lapsing") == 1
    assert f'href="/households/{lapsing.id}"' in registry
    review = part(page, "review-panel")
    assert figure(review, "review") == 1
    assert "Adam Długi" in review


async def test_administrators_see_failed_job_runs(app, client, people):
    now = datetime.now(UTC)
    async with db_session(app) as session:
        for outcome, at in (("failed", now - timedelta(hours=2)), ("ok", now), ("failed", now - timedelta(days=10))):
            session.add(JobRun(name="stock_alerts", runner="test", started_at=at, finished_at=at, outcome=outcome))
        await session.commit()
    await login(client, "admin")
    page = (await client.get("/")).text
    assert figure(part(page, "admin-panel"), "failed-runs") == 1
    assert 'href="/admin/users"' in page


async def test_trainers_see_todays_sessions_at_their_venue_only(app, client, people):
    async with db_session(app) as session:
        sites = SiteService(session, Actor.system("test"))
        venue = await sites.create_site(SiteInput("Centrum", "", "", "", ["activity_venue"]))
        elsewhere = await sites.create_site(SiteInput("Klub", "", "", "", ["activity_venue"]))
        course = Activity(title="Język polski A1", category="language", venue_id=venue.id, capacity=5)
        other = Activity(title="Szachy", category="culture", venue_id=elsewhere.id, capacity=5)
        session.add_all([course, other])
        await session.flush()
        noon = day_start(local_today()) + timedelta(hours=12)
        today, tomorrow, there = (
            ActivitySession(activity_id=course.id, starts_at=noon, ends_at=noon + timedelta(hours=1)),
            ActivitySession(
                activity_id=course.id, starts_at=noon + timedelta(days=1), ends_at=noon + timedelta(days=1, hours=1)
            ),
            ActivitySession(activity_id=other.id, starts_at=noon, ends_at=noon + timedelta(hours=1)),
        )
        session.add_all([today, tomorrow, there])
        await session.commit()
    await _user(app, "trener", "volunteer", [venue.id])
    await login(client, "trener")
    panel = part((await client.get("/")).text, "sessions-panel")
    assert re.findall(r'href="/activities/sessions/([0-9a-f-]+)/attendance"', panel) == [str(today.id)]
    assert "Język polski A1" in panel

    async with db_session(app) as session:  # no session today: no panel, the menu as tiles
        (await session.get(ActivitySession, today.id)).starts_at = noon - timedelta(days=1)
        await session.commit()
    page = (await client.get("/")).text
    assert 'id="sessions-panel"' not in page
    assert '<a class="tile" href="/activities">' in page
