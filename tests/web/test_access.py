"""Who may open what: every route × every role × own site / other site / anonymous, against a table.

The table below is the product's access rules written out route by route (healthchecks-style): for each route,
each role either may use it (`ok`), may use it only for things at its own sites (`site`: the own-site object is
answered, the other site's is refused with 403/404 — never silently swapped for the own site's data), or may not
(`no`: 403). Anonymous visitors are sent to the sign-in page (401 for the API) unless the route is public.

The scenario is the demo centre (`logistics seed demo`) plus a few things the demo lacks (a second venue with an
activity, a stocktake at a point, throwaway users and sites for the routes that change them). Every site-limited
user (shelter staff, warehouse, volunteer) works at the same "own" sites — the night shelter, the central
warehouse, the parish distribution point and the activity centre — and not at the "other" ones (the women's
shelter, the school's distribution point, the second venue). Shop staff (the demo's `sklep`) work at the first
partner shop and not at the second: the till's routes, and every scanning route for them, are probed at the shops.

Requests are plain: a GET, or a POST with only the CSRF token. What is checked is access, not behaviour: an allowed
request may be refused as invalid (422) or redirect, but it is never 401/403/404 and never a 5xx. GETs run first,
then POSTs with the refused roles before the allowed ones, and the routes that end or erase things last.
The test fails on any route of the app that is not in the table, and on any table entry that is not a route.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from logistics.accounts.models import User
from logistics.activities.models import Activity, ActivitySession, SignUp
from logistics.core.actor import Actor
from logistics.core.i18n import day_start, local_today
from logistics.directory.models import Service, ServiceSuggestion
from logistics.inventory.models import Balance, Item, Kit, Movement, MovementLine, Transfer
from logistics.inventory.stocktake import StocktakeService
from logistics.notifications.models import OutboxMessage
from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person
from logistics.referrals.models import Referral, new_code
from logistics.seeding import DEMO_PASSWORD
from logistics.shelter.models import Bed, Room, Stay, WaitingRequest
from logistics.sites.models import Site, SiteKindRow
from logistics.vouchers.models import DeviceToken, Programme, Redemption, Spend, Voucher

from ..conftest import csrf_token
from ..helpers import db_session

A, C, W, S, H, V = "admin", "coordinator", "case_worker", "shelter_staff", "warehouse", "volunteer"
P = "shop"  # a partner shop's staff (the demo's `sklep`, at the first shop only)
ROLES = (A, C, W, S, H, V, P)
USERNAMES = {A: "admin", C: "coordinator", W: "caseworker", S: "shelter", H: "warehouse", V: "volunteer", P: "sklep"}
PUBLIC = "public"


def allow(*roles: str, site: tuple[str, ...] | str = ()) -> dict[str, str]:
    """`roles` may use the route anywhere; `site` roles only for their own sites' things; the rest may not."""
    site_roles = (site,) if isinstance(site, str) else site
    return {role: "ok" if role in roles else "site" if role in site_roles else "no" for role in ROLES}


EVERYONE = allow(*ROLES)
STOCK = allow(A, C, site=H)  # warehouse staff at their warehouse (and any site they are assigned to)
CATALOGUE = allow(A, C, H)  # the catalogue is the centre's, not a site's
SCAN = allow(A, C, site=(H, V, P))  # shop staff: the till at their shop (probed with the shops, see SHOP_PATHS)
TILL = allow(A, C, site=P)  # a partner shop's till, its spends and its settlement
SHELTER_BOARD = allow(A, C, W, site=S)
DESK = allow(C, site=S)
ACTIVITY_READ = allow(A, C, W, S, site=V)
ACTIVITY_MANAGE = allow(A, C, W, S)
REGISTRY_WRITE = allow(W)
REGISTRY_READ = allow(C, W)
DIRECTORY_READ = allow(A, C, W, S, V)  # the directory is the centre's, not a site's
DIRECTORY_EDIT = allow(A, C)
REFERRALS_READ = allow(C, W, site=S)  # shelter staff: the referrals of their own shelters

TABLE: dict[str, dict[str, str] | str] = {
    # --- the shell, accounts, public pages ---
    "GET /": EVERYONE,
    "GET /account": EVERYONE,
    "POST /account/password": EVERYONE,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /language": PUBLIC,
    "POST /logout": EVERYONE,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /public/free-places": PUBLIC,
    "GET /public/services": PUBLIC,
    "GET /v/{code:str}": PUBLIC,
    "GET /static/{file_path:path}": PUBLIC,
    "GET /api/docs": EVERYONE,
    "GET /api/docs/openapi.json": EVERYONE,
    "GET /api/docs/swagger": EVERYONE,
    "GET /api/docs/{path:str}": EVERYONE,
    # --- the centre's dashboard (also the start page of coordinators and administrators) ---
    "GET /dashboard": allow(A, C),
    "GET /dashboard/figures": allow(A, C),
    "GET /admin/users": allow(A),
    "GET /admin/users/new": allow(A),
    "POST /admin/users/new": allow(A),
    "GET /admin/users/{user_id:uuid}": allow(A),
    "POST /admin/users/{user_id:uuid}": allow(A),
    "POST /admin/users/{user_id:uuid}/active": allow(A),
    "POST /admin/users/{user_id:uuid}/password": allow(A),
    "GET /admin/audit": allow(A),
    "GET /admin/jobs": allow(A),
    "GET /admin/messages": allow(A, C),
    "POST /admin/messages/{message_id:uuid}/retry": allow(A, C),
    "GET /admin/thresholds": allow(A),
    # --- reports (figures only, coordinators and administrators) ---
    "GET /reports": allow(A, C),
    "GET /reports/{name:str}": allow(A, C),
    "GET /reports/{name:str}/export.csv": allow(A, C),
    "GET /reports/{name:str}/export.xlsx": allow(A, C),
    "GET /reports/{name:str}/export.pdf": allow(A, C),
    "POST /admin/thresholds": allow(A),
    "GET /admin/thresholds/{threshold_id:uuid}": allow(A),
    "POST /admin/thresholds/{threshold_id:uuid}": allow(A),
    "POST /admin/thresholds/{threshold_id:uuid}/delete": allow(A),
    # --- sites ---
    "GET /sites": EVERYONE,
    "GET /sites/new": allow(A),
    "POST /sites/new": allow(A),
    "GET /sites/{site_id:uuid}": allow(A, C, W, site=(S, H, V, P)),
    "GET /sites/{site_id:uuid}/edit": allow(A),
    "POST /sites/{site_id:uuid}/edit": allow(A),
    "POST /sites/{site_id:uuid}/active": allow(A),
    # --- people and households ---
    "GET /people": allow(C, W, S),
    "GET /people/card": allow(C, W, S),
    "GET /people/new": REGISTRY_WRITE,
    "POST /people/new": REGISTRY_WRITE,
    "GET /people/quick": allow(W, S),
    "POST /people/quick": allow(W, S),
    "GET /people/stats": REGISTRY_READ,
    "GET /people/{person_id:uuid}": allow(C, W, site=S),
    "GET /people/{person_id:uuid}/edit": REGISTRY_WRITE,
    "POST /people/{person_id:uuid}/edit": REGISTRY_WRITE,
    "POST /people/{person_id:uuid}/card": REGISTRY_WRITE,
    "GET /people/{person_id:uuid}/card.pdf": REGISTRY_READ,
    "POST /people/{person_id:uuid}/card/revoke": REGISTRY_WRITE,
    "POST /people/{person_id:uuid}/erase": REGISTRY_WRITE,
    "GET /people/{person_id:uuid}/export": REGISTRY_READ,
    "GET /people/{person_id:uuid}/export.json": REGISTRY_READ,
    "GET /people/{person_id:uuid}/export.pdf": REGISTRY_READ,
    "POST /people/{person_id:uuid}/merge": REGISTRY_WRITE,
    "POST /households/new": REGISTRY_WRITE,
    "GET /households/{household_id:uuid}": REGISTRY_READ,
    "POST /households/{household_id:uuid}": REGISTRY_WRITE,
    "POST /households/{household_id:uuid}/members": REGISTRY_WRITE,
    "POST /households/{household_id:uuid}/members/{person_id:uuid}/remove": REGISTRY_WRITE,
    # --- shelter ---
    "GET /shelter/board": SHELTER_BOARD,
    "GET /shelter/free": SHELTER_BOARD,
    "GET /shelter/free.csv": SHELTER_BOARD,
    "GET /api/v1/occupancy": SHELTER_BOARD,
    "GET /shelter/history": SHELTER_BOARD,
    "GET /shelter/history/export.csv": SHELTER_BOARD,
    "GET /shelter/history/bed-nights.csv": SHELTER_BOARD,
    "GET /shelter/stays/{stay_id:uuid}": SHELTER_BOARD,
    "GET /shelter/people/{person_id:uuid}/stays": SHELTER_BOARD,
    "GET /shelter/review": allow(A, C, W),
    "GET /shelter/sites/{site_id:uuid}": SHELTER_BOARD,
    "GET /shelter/sites/{site_id:uuid}/rooms": allow(A, C),
    "POST /shelter/sites/{site_id:uuid}/rooms": allow(A, C),
    "POST /shelter/rooms/{room_id:uuid}/beds": allow(A, C),
    "GET /shelter/sites/{site_id:uuid}/roll-call": DESK,
    "GET /shelter/check-in": DESK,
    "POST /shelter/check-in": DESK,
    "POST /shelter/check-in/family": DESK,
    "POST /shelter/stays/{stay_id:uuid}/check-out": DESK,
    "GET /shelter/stays/{stay_id:uuid}/move": DESK,
    "POST /shelter/stays/{stay_id:uuid}/move": DESK,
    "POST /shelter/stays/{stay_id:uuid}/roll-call": DESK,
    "POST /shelter/beds/{bed_id:uuid}/hold": allow(C, W, site=S),
    "POST /shelter/beds/{bed_id:uuid}/release": allow(C, W, site=S),
    "POST /shelter/beds/{bed_id:uuid}/out-of-service": allow(A, C, site=S),
    "POST /shelter/beds/{bed_id:uuid}/back-in-service": allow(A, C, site=S),
    "GET /shelter/waiting": allow(C, W, site=S),
    "POST /shelter/waiting": allow(C, W, site=S),
    "POST /shelter/waiting/{request_id:uuid}/offer": allow(C, W, site=S),
    "POST /shelter/waiting/{request_id:uuid}/close": allow(C, W, site=S),
    # --- stock ---
    "GET /stock": STOCK,
    "GET /stock/alerts": STOCK,
    "POST /stock/barcodes": CATALOGUE,
    "GET /stock/catalogue": CATALOGUE,
    "GET /stock/catalogue/items/new": CATALOGUE,
    "POST /stock/catalogue/items/new": CATALOGUE,
    "GET /stock/catalogue/items/{item_id:uuid}": CATALOGUE,
    "POST /stock/catalogue/items/{item_id:uuid}": CATALOGUE,
    "GET /stock/catalogue/kits/new": CATALOGUE,
    "POST /stock/catalogue/kits/new": CATALOGUE,
    "GET /stock/catalogue/kits/{kit_id:uuid}": CATALOGUE,
    "POST /stock/catalogue/kits/{kit_id:uuid}": CATALOGUE,
    "GET /stock/items": STOCK,
    "GET /stock/items/{item_id:uuid}": STOCK,
    "GET /stock/movements": STOCK,
    "GET /stock/movements.csv": STOCK,
    "GET /stock/movements/{movement_id:uuid}": STOCK,
    "GET /stock/movements/{movement_id:uuid}/receipt.pdf": STOCK,
    "POST /stock/movements/{movement_id:uuid}/reverse": STOCK,
    "GET /stock/transfers": STOCK,
    "GET /stock/transfers/{transfer_id:uuid}": STOCK,
    "POST /stock/transfers/{transfer_id:uuid}/receive": STOCK,
    "POST /stock/transfers/{transfer_id:uuid}/cancel": STOCK,
    "GET /stock/stocktakes/{stocktake_id:uuid}": STOCK,
    "GET /stock/stocktakes/{stocktake_id:uuid}/review": STOCK,
    "POST /stock/stocktakes/{stocktake_id:uuid}/count": STOCK,
    "POST /stock/stocktakes/{stocktake_id:uuid}/line": STOCK,
    "POST /stock/stocktakes/{stocktake_id:uuid}/confirm": STOCK,
    "POST /stock/stocktakes/{stocktake_id:uuid}/cancel": STOCK,
    "GET /stock/{location_id:uuid}": STOCK,
    "GET /stock/{location_id:uuid}/stock.csv": STOCK,
    "GET /stock/{location_id:uuid}/minimums": STOCK,
    "POST /stock/{location_id:uuid}/minimums": STOCK,
    "GET /stock/{location_id:uuid}/receive": STOCK,
    "POST /stock/{location_id:uuid}/receive/line": STOCK,
    "POST /stock/{location_id:uuid}/receive/remove": STOCK,
    "POST /stock/{location_id:uuid}/receive/finish": STOCK,
    "GET /stock/{location_id:uuid}/issue": STOCK,
    "POST /stock/{location_id:uuid}/issue": STOCK,
    "GET /stock/{location_id:uuid}/transfer": STOCK,
    "POST /stock/{location_id:uuid}/transfer": STOCK,
    "GET /stock/{location_id:uuid}/stocktake": STOCK,
    "POST /stock/{location_id:uuid}/stocktake": STOCK,
    "GET /stock/{location_id:uuid}/correct/{lot_id:uuid}": STOCK,
    "POST /stock/{location_id:uuid}/correct/{lot_id:uuid}": STOCK,
    # --- vouchers and scanning ---
    "GET /vouchers": allow(A, C, W),
    "POST /vouchers/decide": allow(A, C, W),
    "POST /vouchers/issue": allow(A, C, W),
    "POST /vouchers/grant": allow(A, C, W),
    "GET /vouchers/{voucher_id:uuid}": allow(A, C, W),
    "GET /vouchers/{voucher_id:uuid}/voucher.pdf": allow(A, C, W),
    "POST /vouchers/{voucher_id:uuid}/reissue": allow(A, C, W),
    "POST /vouchers/{voucher_id:uuid}/revoke": allow(A, C, W),
    "POST /vouchers/{voucher_id:uuid}/send": allow(A, C, W),
    "GET /vouchers/programmes/new": allow(A, C),
    "POST /vouchers/programmes/new": allow(A, C),
    "GET /vouchers/programmes/{programme_id:uuid}/edit": allow(A, C),
    "POST /vouchers/programmes/{programme_id:uuid}/edit": allow(A, C),
    "GET /vouchers/programmes/{programme_id:uuid}/batch": allow(A, C, W),
    "POST /vouchers/programmes/{programme_id:uuid}/batch": allow(A, C, W),
    "GET /vouchers/programmes/{programme_id:uuid}/issued": allow(A, C, W),
    "GET /vouchers/programmes/{programme_id:uuid}/vouchers.csv": allow(A, C, W),
    "GET /vouchers/programmes/{programme_id:uuid}/vouchers.pdf": allow(A, C, W),
    "GET /vouchers/devices": allow(A, C),
    "POST /vouchers/devices": allow(A, C),
    "POST /vouchers/devices/{device_id:uuid}/revoke": allow(A, C),
    "GET /vouchers/reconciliation": allow(A, C, W, site=(H, V)),
    "GET /vouchers/reconciliation/reconciliation.csv": allow(A, C, W, site=(H, V)),
    "GET /vouchers/conflicts": allow(A, C),
    "POST /vouchers/conflicts/{redemption_id:uuid}/resolve": allow(A, C),
    "GET /scan": allow(A, C, H, V, P),
    "GET /scan/{point_id:uuid}": SCAN,
    "POST /scan/{point_id:uuid}/look": SCAN,
    "POST /scan/{point_id:uuid}/redeem": {**SCAN, P: "refused"},
    "POST /scan/{point_id:uuid}/undo/{redemption_id:uuid}": {**SCAN, P: "refused"},
    "POST /scan/{point_id:uuid}/spend": TILL,
    "POST /scan/{point_id:uuid}/spends/{spend_id:uuid}/undo": TILL,
    "GET /scan/sw.js": allow(A, C, H, V, P),
    "GET /scan/app.webmanifest": allow(A, C, H, V, P),
    "GET /api/v1/vouchers/{code:str}": SCAN,
    "GET /api/v1/points/{point_id:uuid}/manifest": {**SCAN, P: "refused"},  # no offline list for a till
    "POST /api/v1/redemptions": allow(A, C, H, V, P),
    "POST /api/v1/spends/{spend_id:uuid}/undo": TILL,
    "GET /vouchers/settlements": allow(A, C, P),
    "GET /vouchers/settlements/{shop_id:uuid}/{month:str}": TILL,
    "POST /vouchers/settlements/{shop_id:uuid}/{month:str}/close": allow(A, C),
    # --- activities ---
    "GET /activities": allow(A, C, W, S, V),
    "GET /activities/today": allow(A, C, W, S, V),
    "GET /activities/week": allow(A, C, W, S, V),
    "GET /activities/new": ACTIVITY_MANAGE,
    "POST /activities/new": ACTIVITY_MANAGE,
    "GET /activities/{activity_id:uuid}": ACTIVITY_READ,
    "GET /activities/{activity_id:uuid}/participants": ACTIVITY_READ,
    "GET /activities/{activity_id:uuid}/people": ACTIVITY_MANAGE,
    "GET /activities/{activity_id:uuid}/edit": ACTIVITY_MANAGE,
    "POST /activities/{activity_id:uuid}/edit": ACTIVITY_MANAGE,
    "POST /activities/{activity_id:uuid}/capacity": ACTIVITY_MANAGE,
    "POST /activities/{activity_id:uuid}/sessions": ACTIVITY_MANAGE,
    "POST /activities/{activity_id:uuid}/sign-up": ACTIVITY_MANAGE,
    "GET /activities/{activity_id:uuid}/certificate/{person_id:uuid}": ACTIVITY_MANAGE,
    "POST /activities/sign-ups/{sign_up_id:uuid}/cancel": ACTIVITY_MANAGE,
    "POST /activities/sign-ups/{sign_up_id:uuid}/move": ACTIVITY_MANAGE,
    "POST /activities/sessions/{session_id:uuid}/cancel": ACTIVITY_MANAGE,
    "POST /activities/sessions/{session_id:uuid}/move": ACTIVITY_MANAGE,
    "GET /activities/sessions/{session_id:uuid}/attendance": ACTIVITY_READ,
    "POST /activities/sessions/{session_id:uuid}/attendance": ACTIVITY_READ,
    "POST /activities/sessions/{session_id:uuid}/close": ACTIVITY_READ,
    # --- the directory of services ---
    "GET /directory": DIRECTORY_READ,
    "GET /directory/print": DIRECTORY_READ,
    "GET /directory/{service_id:uuid}": DIRECTORY_READ,
    "GET /directory/new": DIRECTORY_EDIT,
    "POST /directory/new": DIRECTORY_EDIT,
    "GET /directory/{service_id:uuid}/edit": DIRECTORY_EDIT,
    "POST /directory/{service_id:uuid}/edit": DIRECTORY_EDIT,
    "POST /directory/{service_id:uuid}/verify": DIRECTORY_EDIT,
    "POST /directory/{service_id:uuid}/restore": DIRECTORY_EDIT,
    "POST /directory/{service_id:uuid}/archive": DIRECTORY_EDIT,
    "GET /directory/archived": DIRECTORY_EDIT,
    "GET /directory/to-verify": DIRECTORY_EDIT,
    "GET /directory/suggestions": DIRECTORY_EDIT,
    "POST /directory/suggestions/{suggestion_id:uuid}/resolve": DIRECTORY_EDIT,
    "GET /directory/import": DIRECTORY_EDIT,
    "POST /directory/import": DIRECTORY_EDIT,
    "POST /directory/places": DIRECTORY_EDIT,
    "GET /directory/export.csv": DIRECTORY_EDIT,
    "GET /directory/suggest": allow(W, S),
    "POST /directory/suggest": allow(W, S),
    # --- referrals (and the receiving institution's confirmation, public: the code is the key) ---
    "GET /referrals": allow(C, W, S),
    "GET /referrals/new": allow(W, S),
    "POST /referrals/new": allow(W, S),
    "GET /referrals/new/people": allow(W, S),
    "GET /referrals/new/services": allow(W, S),
    "GET /referrals/{referral_id:uuid}": REFERRALS_READ,
    "GET /referrals/{referral_id:uuid}/letter.pdf": REFERRALS_READ,
    "POST /referrals/{referral_id:uuid}/undo": REFERRALS_READ,
    "POST /referrals/{referral_id:uuid}/cancel": allow(W, site=S),
    "GET /referrals/people/{person_id:uuid}": REFERRALS_READ,
    "GET /r": PUBLIC,
    "POST /r": PUBLIC,
    "GET /r/{code:str}": PUBLIC,
    "POST /r/{code:str}": PUBLIC,
}

#: Query strings that pick a site on routes whose path has none: the probe asks for the other site's data.
SITE_QUERIES = {
    "GET /vouchers/reconciliation": "point",
    "GET /vouchers/reconciliation/reconciliation.csv": "point",
}

#: Routes that end, erase, deactivate or sign out: run after every other request, in this order.
LAST = [
    "POST /referrals/{referral_id:uuid}/cancel",
    "POST /directory/{service_id:uuid}/archive",
    "POST /scan/{point_id:uuid}/undo/{redemption_id:uuid}",
    "POST /scan/{point_id:uuid}/spends/{spend_id:uuid}/undo",
    "POST /api/v1/spends/{spend_id:uuid}/undo",
    "POST /stock/stocktakes/{stocktake_id:uuid}/confirm",
    "POST /stock/stocktakes/{stocktake_id:uuid}/cancel",
    "POST /stock/transfers/{transfer_id:uuid}/cancel",
    "POST /stock/movements/{movement_id:uuid}/reverse",
    "POST /vouchers/{voucher_id:uuid}/revoke",
    "POST /activities/sessions/{session_id:uuid}/close",
    "POST /activities/sessions/{session_id:uuid}/cancel",
    "POST /activities/sign-ups/{sign_up_id:uuid}/cancel",
    "POST /shelter/beds/{bed_id:uuid}/release",
    "POST /shelter/waiting/{request_id:uuid}/close",
    "POST /shelter/stays/{stay_id:uuid}/check-out",
    "POST /households/{household_id:uuid}/members/{person_id:uuid}/remove",
    "POST /people/{person_id:uuid}/merge",
    "POST /people/{person_id:uuid}/erase",
    "POST /admin/users/{user_id:uuid}/active",
    "POST /sites/{site_id:uuid}/active",
    "POST /logout",
]


def app_routes(app: Any) -> dict[str, HTTPRouteHandler]:
    found = {}
    for route in app.routes:
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler):
                for method in handler.http_methods:
                    if method not in {"HEAD", "OPTIONS"}:
                        found[f"{method} {route.path}"] = handler
    return found


def test_the_table_names_every_route_and_only_routes(app):
    routes = set(app_routes(app))
    assert sorted(routes - set(TABLE)) == [], "routes missing from the access table"
    assert sorted(set(TABLE) - routes) == [], "table entries that are no route"
    assert set(LAST) <= set(TABLE)


@dataclass
class Things:
    """Path values per parameter: (own site's, other site's); None where the parameter is not site-bound."""

    values: dict[str, tuple[str, str | None]]


async def _scenario(app: Any) -> Things:
    """The demo centre, every site-limited user at the same own sites, and what the demo lacks."""
    async with db_session(app) as session:
        sites = {site.name: site for site in await session.scalars(select(Site))}
        night = sites["Noclegownia dla mężczyzn „Przystań”"]
        women = sites["Schronisko dla kobiet i matek z dziećmi „Nadzieja”"]
        warehouse = sites["Magazyn centralny"]
        parish = sites["Punkt wydawania — parafia św. Bartłomieja"]
        school = sites["Punkt wydawania — Szkoła Podstawowa nr 7"]
        centre = sites["Centrum Aktywności Lokalnej"]
        second_venue = Site(name="Świetlica osiedlowa", kind_rows=[SiteKindRow(kind="activity_venue")])
        spare_site = Site(name="Punkt do zamknięcia", kind_rows=[SiteKindRow(kind="distribution_point")])
        session.add_all([second_venue, spare_site])
        await session.flush()
        moved = await session.scalar(select(Activity).order_by(Activity.id).limit(1))
        assert moved is not None
        moved.venue_id = second_venue.id
        own = [night, warehouse, parish, centre]
        for user in await session.scalars(select(User).where(User.role.in_([S, H, V]))):
            user.sites = own
        spare_user = User(username="spare", full_name="Spare", role=V, password_hash="x", sites=[parish])
        session.add(spare_user)
        await session.commit()

        async def one(query: Any) -> str:
            value = await session.scalar(query.limit(1))
            assert value is not None, f"the scenario lacks {query}"
            return str(value)

        def open_stay_at(site: Site) -> Any:
            return select(Stay.id).where(Stay.site_id == site.id, Stay.ended_at.is_(None)).order_by(Stay.id)

        def person_at(site: Site) -> Any:
            return (
                select(Stay.person_id).where(Stay.site_id == site.id, Stay.ended_at.is_(None)).order_by(Stay.id.desc())
            )

        def free_bed_at(site: Site) -> Any:
            return select(Bed.id).where(Bed.site_id == site.id, Bed.state == "available").order_by(Bed.id)

        def lot_at(site: Site) -> Any:
            return select(Balance.lot_id).where(Balance.location_id == site.id, Balance.quantity > 0)

        def movement_at(site: Site) -> Any:
            return (
                select(Movement.id)
                .join(MovementLine, MovementLine.movement_id == Movement.id)
                .where(MovementLine.location_id == site.id, Movement.reverses_id.is_(None))
                .order_by(Movement.id.desc())
            )

        def activity_at(site: Site) -> Any:
            return select(Activity.id).where(Activity.venue_id == site.id).order_by(Activity.id)

        def session_at(site: Site) -> Any:
            return (
                select(ActivitySession.id)
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(Activity.venue_id == site.id, ActivitySession.starts_at > datetime.now(UTC))
                .order_by(ActivitySession.starts_at)
            )

        def sign_up_at(site: Site) -> Any:
            return (
                select(SignUp.id)
                .join(Activity, Activity.id == SignUp.activity_id)
                .where(Activity.venue_id == site.id, SignUp.status == "confirmed")
                .order_by(SignUp.id)
            )

        def signed_up_person_at(site: Site) -> Any:
            return (
                select(SignUp.person_id)
                .join(Activity, Activity.id == SignUp.activity_id)
                .where(Activity.venue_id == site.id)
                .order_by(SignUp.id)
            )

        own_waiting = await session.scalar(select(WaitingRequest.id).where(WaitingRequest.site_id == night.id))
        other_waiting = await session.scalar(select(WaitingRequest.id).where(WaitingRequest.site_id == women.id))
        for site, found in ((night, own_waiting), (women, other_waiting)):
            if found is None:
                session.add(WaitingRequest(description="Pan J.", category="men", site_id=site.id, created_by="test"))
        counts = StocktakeService(session, Actor.system("test"))
        own_stocktake, other_stocktake = await counts.open(warehouse.id), await counts.open(school.id)
        await session.commit()
        values: dict[str, tuple[str, str | None]] = {
            "site_id": (str(night.id), str(women.id)),
            "room_id": (
                await one(select(Room.id).where(Room.site_id == night.id)),
                await one(select(Room.id).where(Room.site_id == women.id)),
            ),
            "bed_id": (await one(free_bed_at(night)), await one(free_bed_at(women))),
            "stay_id": (await one(open_stay_at(night)), await one(open_stay_at(women))),
            "request_id": (
                await one(select(WaitingRequest.id).where(WaitingRequest.site_id == night.id)),
                await one(select(WaitingRequest.id).where(WaitingRequest.site_id == women.id)),
            ),
            "person_id": (await one(person_at(night)), await one(person_at(women))),
            "household_id": (await one(select(Household.id).order_by(Household.id)), None),
            "threshold_id": (await one(select(EligibilityThreshold.id).order_by(EligibilityThreshold.id)), None),
            "location_id": (str(warehouse.id), str(school.id)),
            "lot_id": (await one(lot_at(warehouse)), await one(lot_at(school))),
            "movement_id": (await one(movement_at(warehouse)), await one(movement_at(school))),
            # every demo transfer leaves the central warehouse, one of the own sites, and its sender may see and
            # call it back: there is no transfer with neither end at the own sites
            "transfer_id": (await one(select(Transfer.id).where(Transfer.to_location_id == parish.id)), None),
            "point_id": (str(parish.id), str(school.id)),
            "redemption_id": (
                await one(select(Redemption.id).where(Redemption.point_id == parish.id)),
                await one(select(Redemption.id).where(Redemption.point_id == school.id)),
            ),
            "device_id": (await one(select(DeviceToken.id).where(DeviceToken.point_id == parish.id)), None),
            "voucher_id": (
                await one(select(Voucher.id).where(Voucher.status == "issued", Voucher.amount.is_(None))),
                None,
            ),
            "code": (await one(select(Voucher.code).where(Voucher.status == "issued", Voucher.amount.is_(None))), None),
            "programme_id": (await one(select(Programme.id)), None),
            "item_id": (await one(select(Item.id)), None),
            "kit_id": (await one(select(Kit.id)), None),
            "message_id": (await one(select(OutboxMessage.id)), None),
            "user_id": (str(spare_user.id), None),
            "activity_id": (await one(activity_at(centre)), await one(activity_at(second_venue))),
            "session_id": (await one(session_at(centre)), await one(session_at(second_venue))),
            "sign_up_id": (await one(sign_up_at(centre)), await one(sign_up_at(second_venue))),
            "stocktake_id": (str(own_stocktake.id), str(other_stocktake.id)),
            "path": ("swagger", None),
            "name": ("shelter", None),
            "file_path": ("css/app.css", None),
        }
        values["spare_site_id"] = (str(spare_site.id), None)
        values["receipt_id"] = (
            await one(movement_at(warehouse).where(Movement.kind == "receipt")),
            None,  # deliveries reach the points as transfers: no receipt at another site in the demo
        )
        values["member_id"] = (
            await one(
                select(HouseholdMember.person_id)
                .where(HouseholdMember.household_id == UUID(values["household_id"][0]))
                .order_by(HouseholdMember.id.desc())
            ),
            None,
        )
        values["signed_up_person_id"] = (
            await one(signed_up_person_at(centre)),
            await one(signed_up_person_at(second_venue)),
        )
        values["person_any"] = (await one(select(Person.id).order_by(Person.id)), None)
        # Partner shops: the shop user works at the first only; this month's purchases at each can be undone.
        shop = sites["Sklep spożywczy „Społem” nr 12"]
        other_shop = sites["Market „Pod Lipami”"]
        this_month = day_start(local_today().replace(day=1))
        values["shop_id"] = (str(shop.id), str(other_shop.id))

        def spend_at(site: Site) -> Any:
            return (
                select(Spend.id)
                .where(Spend.shop_id == site.id, Spend.undone_at.is_(None), Spend.at >= this_month)
                .order_by(Spend.at.desc())
            )

        values["spend_id"] = (await one(spend_at(shop)), await one(spend_at(other_shop)))
        last_month = (local_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        values["month"] = (last_month, None)
        # The directory and referrals: an entry, a suggestion, and a referral from each shelter (the own one's code
        # for the public confirmation page).
        service = await session.scalar(select(Service).where(Service.active.is_(True)).order_by(Service.id).limit(1))
        assert service is not None
        suggestion = ServiceSuggestion(service_id=service.id, text="Nowe godziny otwarcia", suggested_by="test")
        session.add(suggestion)
        referrals = []
        for site in (night, women):
            person = UUID(await one(person_at(site)))
            referral = Referral(
                code=new_code(),
                kind="shelter",
                person_id=person,
                holder="Test T.",
                service_id=service.id,
                site_id=site.id,
                reason="Test",
                issued_on=local_today(),
                expected_by=local_today() + timedelta(days=7),
            )
            session.add(referral)
            referrals.append(referral)
        await session.commit()
        values["service_id"] = (str(service.id), None)
        values["suggestion_id"] = (str(suggestion.id), None)
        values["referral_id"] = (str(referrals[0].id), str(referrals[1].id))
        values["referral_code"] = (referrals[0].code, None)
    return Things(values)


PARAM = re.compile(r"\{(\w+):\w+\}")


def _url(key: str, things: Things, variant: int, role: str = "") -> str | None:
    """The route's URL for the own (0) or other (1) site's things; None when there is no other-site variant. The
    till's routes, and every scanning route for shop staff, are probed at the shops instead of the points."""
    path = key.split(" ", 1)[1]
    aliases = {}
    scanning = path.startswith("/scan/") and ("/spend" in path or role == P)
    if scanning or (path.startswith("/api/v1/points/") and role == P):
        aliases["point_id"] = "shop_id"
    if path.startswith("/sites/") and key != "GET /sites/{site_id:uuid}":
        aliases["site_id"] = "spare_site_id"  # edited and deactivated: a site nobody works at
    if key == "GET /sites/{site_id:uuid}" and role == P:
        aliases["site_id"] = "shop_id"
    if path.endswith("/receipt.pdf"):
        aliases["movement_id"] = "receipt_id"
    if path.startswith("/r/"):
        aliases["code"] = "referral_code"
    if path.startswith("/households/"):
        aliases["person_id"] = "member_id"
    if "/certificate/" in path:
        aliases["person_id"] = "signed_up_person_id"
    site_bound = False

    def value(match: re.Match[str]) -> str:
        nonlocal site_bound
        own, other = things.values[aliases.get(match.group(1), match.group(1))]
        site_bound = site_bound or other is not None
        return own if variant == 0 or other is None else other

    url = PARAM.sub(value, path)
    if key in SITE_QUERIES:
        own, other = things.values["point_id"]
        url += f"?{SITE_QUERIES[key]}={own if variant == 0 else other}"
        site_bound = True
    if variant == 1 and not site_bound:
        return None
    return url


async def _sign_in(client: AsyncTestClient[Any], username: str | None) -> httpx.Cookies:
    """The cookies of a fresh browser signed in as `username` (None: an anonymous visitor)."""
    client.cookies = httpx.Cookies()
    page = await client.get("/login")
    if username is not None:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        response = await client.post(
            "/login",
            data={"_csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, (username, response.status_code)
    return httpx.Cookies(client.cookies)


async def _request(client: AsyncTestClient[Any], key: str, url: str) -> Any:
    return await asyncio.wait_for(_send(client, key, url), timeout=60)


async def _send(client: AsyncTestClient[Any], key: str, url: str) -> Any:
    method = key.split(" ", 1)[0]
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    headers = {"x-csrftoken": csrf_token(client)}
    if url.startswith("/api/"):
        return await client.post(url, json={}, headers=headers, follow_redirects=False)
    return await client.post(url, data={"_csrf_token": csrf_token(client)}, follow_redirects=False)


def _order(keys: list[str]) -> list[str]:
    gets = sorted(k for k in keys if k.startswith("GET "))
    posts = sorted(k for k in keys if k.startswith("POST ") and k not in LAST)
    return gets + posts + LAST


async def test_every_route_every_role_own_site_other_site_and_anonymous(app, client, demo):
    things = await _scenario(app)
    browsers = {role: await _sign_in(client, USERNAMES[role]) for role in ROLES}
    anonymous = await _sign_in(client, None)
    wrong: list[str] = []

    async def answer(cookies: httpx.Cookies, key: str, url: str) -> int:
        client.cookies = cookies
        return int((await _request(client, key, url)).status_code)

    for key in _order(list(TABLE)):
        expected = TABLE[key]
        own_url = _url(key, things, 0)
        assert own_url is not None
        client.cookies = anonymous
        response = await _request(client, key, own_url)
        if expected == PUBLIC:
            # readiness may say 503 (the scheduler is off in tests); the public free places and directory are off by default
            misses = {"GET /readyz": {503}, "GET /public/free-places": {404}, "GET /public/services": {404}}.get(
                key, set()
            )
            status = response.status_code
            if status not in misses and (status in {401, 403, 404} or status >= 500):
                wrong.append(f"{key} anonymous: {status}, expected the public page")
            continue
        if own_url.startswith("/api/"):
            if response.status_code != 401:
                wrong.append(f"{key} anonymous: {response.status_code}, expected 401")
        elif response.status_code not in {302, 303} or "/login" not in response.headers["location"]:
            wrong.append(f"{key} anonymous: {response.status_code}, expected the sign-in page")
        assert isinstance(expected, dict)
        # the refused first, then the allowed: a refused request must not be what changed the state
        for role in sorted(ROLES, key=lambda r: {"no": 0, "refused": 0, "site": 1, "ok": 2}[expected[r]]):
            rule, cookies = expected[role], browsers[role]
            own_url, other_url = _url(key, things, 0, role), _url(key, things, 1, role)
            assert own_url is not None
            if rule == "no":
                status = await answer(cookies, key, own_url)
                if status != 403:
                    wrong.append(f"{key} {role}: {status}, expected 403")
                continue
            if rule == "refused":  # allowed the route, never this kind of site: no such thing there (403/404)
                status = await answer(cookies, key, own_url)
                if status not in {403, 404}:
                    wrong.append(f"{key} {role}: {status}, expected 403/404")
                continue
            if rule == "site" and other_url is not None:
                status = await answer(cookies, key, other_url)
                if status not in {403, 404}:
                    wrong.append(f"{key} {role} at another site: {status}, expected 403/404")
            for url in [own_url] if rule == "site" or other_url is None else [own_url, other_url]:
                status = await answer(cookies, key, url)
                if status >= 500 or status in {401, 403, 404}:
                    wrong.append(f"{key} {role} {url}: {status}, expected access")
    assert wrong == [], "\n" + "\n".join(wrong)
