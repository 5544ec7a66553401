"""Who may do what in the shelters: the board for everyone who places people, the desk for shelter staff and
coordinators, the structure (rooms, beds) for administrators and coordinators, holds and the waiting list also for
case workers. Site-limited roles (shelter staff) act only at their own sites.

The things are a site, or anything of a site (a room, a bed, a stay); a waiting request may name no site, and then
everyone who keeps the waiting list may act on it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from logistics.core.actor import Actor
from logistics.core.policy import Policy
from logistics.core.roles import Role
from logistics.sites.models import Site

policy = Policy("shelter")


def site_of(thing: Any) -> UUID | None:
    """The site of a shelter thing: the site itself, or the site of a room, bed, stay or roll-call mark."""
    return thing.id if isinstance(thing, Site) else thing.site_id


def _request_at_own_site(actor: Actor, request: Any) -> bool:
    """A waiting request for any site (no site named) or for one of the actor's sites."""
    return request.site_id is None or actor.can_see_site(request.site_id)


DESK = {Role.SHELTER_STAFF, Role.COORDINATOR}

#: The occupancy board, free places, a site's bed map, the occupancy history and the API.
VIEW = policy.rule("shelter.view", {Role.ADMIN, Role.COORDINATOR, Role.CASE_WORKER, Role.SHELTER_STAFF}, site=site_of)
#: Rooms and beds: add rooms, bulk-add beds.
MANAGE_PLACES = policy.rule("shelter.manage_places", {Role.ADMIN, Role.COORDINATOR}, site=site_of)
#: Take a bed out of service (repair, disinfection) and back.
OUT_OF_SERVICE = policy.rule("shelter.out_of_service", DESK | {Role.ADMIN}, site=site_of)
CHECK_IN = policy.rule("shelter.check_in", DESK, site=site_of)
#: Place someone in a room of another category (men's, women's, family); audit-logged.
OVERRIDE_CATEGORY = policy.rule("shelter.override_category", {Role.COORDINATOR, Role.ADMIN}, site=site_of)
CHECK_OUT = policy.rule("shelter.check_out", DESK, site=site_of)
MOVE = policy.rule("shelter.move", DESK, site=site_of)
#: Hold a free bed for a person or a referral, and end a hold.
HOLD = policy.rule("shelter.hold", DESK | {Role.CASE_WORKER}, site=site_of)
ROLL_CALL = policy.rule("shelter.roll_call", DESK, site=site_of)
#: Stays past the review period of their kind of site.
REVIEW = policy.rule("shelter.review", {Role.CASE_WORKER, Role.COORDINATOR, Role.ADMIN}, site=site_of)
#: Requests for a place: add, offer a bed (a hold), cancel or mark placed.
WAITING = policy.rule("shelter.waiting", DESK | {Role.CASE_WORKER}, condition=_request_at_own_site)
