"""The dashboard tests' centre: small, with every figure known (see test_dashboard.py), on the vouchers' set-up
(points with stock, a kit, households and programmes)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from logistics.activities.models import Activity, ActivitySession, Attendance, Places, SignUp
from logistics.core.actor import Actor
from logistics.core.i18n import local_today, local_zone
from logistics.inventory.ledger import LedgerService
from logistics.notifications.models import OutboxMessage
from logistics.people.models import Person
from logistics.shelter.models import Bed, BedState, OccupancySnapshot, Stay
from logistics.shelter.occupancy import tonight
from logistics.shelter.stays import StayService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.redeeming import RedemptionService

from ..helpers import db_session
from ..shelter.helpers import make_person, make_rooms
from ..vouchers.conftest import (
    ADMIN,
    aid,  # noqa: F401 — a fixture
)

COORDINATOR = Actor(user_id=None, username="koordynator", role="coordinator", sees_all_sites=True)


@pytest.fixture
async def centre(app, people, aid):  # noqa: F811 — `aid`: the fixture imported above
    """The known centre (see the module's docstring); returns what the tests link to."""
    beds = await make_rooms(app, people.site_a.id, [("1", "men", 4, False), ("2", "women", 2, True)])
    full = await make_rooms(app, people.site_b.id, [("F", "mixed", 1, False)])
    jan = await make_person(app, "Jan", "male")
    old = await make_person(app, "Stary", "male")
    now = datetime.now(UTC)
    async with db_session(app) as session:
        await StayService(session, COORDINATOR).check_in(jan.id, beds["1"][0].id)
        await session.execute(update(Bed).where(Bed.id == beds["2"][0].id).values(state=BedState.HELD))
        await session.execute(update(Bed).where(Bed.id == full["F"][0].id).values(state=BedState.OUT_OF_SERVICE))
        # Stary has stayed 40 days at the night shelter (review after 30), with no bed now.
        session.add(Stay(person_id=old.id, site_id=people.site_a.id, started_at=now - timedelta(days=40)))
        night = tonight()
        for back, occupied in ((1, 2), (2, 3), (3, 4)):
            session.add(
                OccupancySnapshot(
                    site_id=people.site_a.id,
                    night=night - timedelta(days=back),
                    category="all",
                    total=6,
                    occupied=occupied,
                    taken_at=now,
                )
            )
        session.add(Person(given_name="Nowy", sex="male", is_incomplete=True, last_activity_at=now))
        session.add(
            OutboxMessage(channel="sms", recipient="+48600000000", body="x", status="failed", next_attempt_at=now)
        )
        # FEPŻ for the poor household (a kit of 2 pasta + 1 oil, and 1 oil per person: 3), valid at both points;
        # the hygiene set (4 pasta) at Punkt 1 only, handed out there today.
        vouchers = VoucherService(session, ADMIN)
        await vouchers.issue(aid.food.id, aid.poor.id)
        await vouchers.decide(aid.hygiene.id, aid.poor.id, True, "test")
        hygiene = await vouchers.issue(aid.hygiene.id, aid.poor.id)
        await RedemptionService(session, ADMIN).redeem(hygiene.code, aid.point.id, "dashboard-0001")
        await LedgerService(session, ADMIN).send(aid.point.id, aid.other_point.id, [(aid.oil.id, Decimal(1))])
        # This week: a course of 10 places at the night shelter, 3 taken, 1 waiting; 2 present and 1 no-show today.
        activity = Activity(title="Język polski", category="language", venue_id=people.site_a.id, capacity=10)
        session.add(activity)
        await session.flush()
        starts = datetime.combine(local_today(), time(10), local_zone())
        meeting = ActivitySession(activity_id=activity.id, starts_at=starts, ends_at=starts + timedelta(hours=1))
        session.add_all([meeting, Places(activity_id=activity.id, scope="course", capacity=10, taken=3)])
        await session.flush()
        session.add(SignUp(activity_id=activity.id, scope="course", person_id=old.id, status="waiting"))
        for person, status in ((jan, "present"), (old, "present"), (aid.poor.members[0].person, "absent")):
            session.add(Attendance(session_id=meeting.id, person_id=person.id, status=status, recorded_at=now))
        await session.commit()
    return {"site_a": people.site_a, "site_b": people.site_b, "aid": aid}
