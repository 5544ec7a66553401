"""Who may do what with activities.

Case workers, coordinators, administrators and shelter staff run activities and sign people up for them wherever
they are held: a shelter worker signs a resident up for the Polish course at the activity centre, which is not a
site of theirs. Volunteers (trainers) see the activities of their own venues only — their sessions, participants
and attendance — and nothing of any other venue: they are refused (404) there, and the lists leave it out.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from logistics.activities.models import Activity
from logistics.core.actor import Actor
from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("activities")

STAFF = {Role.ADMIN, Role.COORDINATOR, Role.CASE_WORKER, Role.SHELTER_STAFF}
#: The roles that act on activities only at venues (sites) they are assigned to.
VENUE_LIMITED = {Role.VOLUNTEER}


def venue(thing: Any) -> UUID:
    """The site an activity is held at; a site (a venue picked for the week view) is its own."""
    return thing.venue_id if isinstance(thing, Activity) else thing.id


def own_venues_only(actor: Actor) -> bool:
    """Whether the actor sees activities only at their own venues (the lists filter by it)."""
    return actor.role in VENUE_LIMITED and not actor.sees_all_sites


def at_own_venue(actor: Actor, thing: Any) -> bool:
    return not own_venues_only(actor) or actor.can_see_site(venue(thing))


#: See an activity: its page, sessions, participants and waiting list, the printable list, the week at a venue.
VIEW = policy.rule("activities.view", STAFF | VENUE_LIMITED, condition=at_own_venue)
#: Today's sessions, the attendance sheet: check people in, close a session.
TAKE_ATTENDANCE = policy.rule("activities.take_attendance", STAFF | VENUE_LIMITED, condition=at_own_venue)
#: Create or change an activity, schedule, cancel or move its sessions, change its capacity.
MANAGE = policy.rule("activities.manage", STAFF)
#: Search the registry for someone to sign up; sign up, cancel a sign-up, reorder the waiting list.
SIGN_UP = policy.rule("activities.sign_up", STAFF)
#: A certificate of completion for someone who attended the required share.
CERTIFICATE = policy.rule("activities.certificate", STAFF)
