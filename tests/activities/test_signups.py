"""Sign-ups: places, the waiting list in order, promotion on cancellation and on a capacity increase, refusals,
conflicts, concurrency (ten at once for the last three places), and the messages queued."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from logistics.activities.jobs import reminders
from logistics.activities.models import Places, SignUp
from logistics.activities.sessions import SessionService
from logistics.activities.signups import SignUpService
from logistics.core.errors import DomainError
from logistics.core.i18n import local_time
from logistics.db import make_alchemy_config
from logistics.notifications.models import OutboxMessage

from ..helpers import count, db_session
from .conftest import STAFF


async def _sign(app, classes, n, activity=None, session_id=None):
    async with db_session(app) as session:
        outcome = await SignUpService(session, STAFF).sign_up(
            (activity or classes.course).id, classes.people[n].id, session_id
        )
        await session.commit()
        return outcome


async def test_places_then_the_waiting_list_then_promotion_in_order(app, classes):
    outcomes = [await _sign(app, classes, n) for n in range(1, 6)]
    assert [o.sign_up.status for o in outcomes] == ["confirmed"] * 3 + ["waiting"] * 2
    async with db_session(app) as session:
        promoted = (await SignUpService(session, STAFF).cancel(outcomes[0].sign_up.id)).promoted
        await session.commit()
        assert promoted.person_id == classes.people[4].id  # the first who waited
        places = await session.scalar(select(Places).where(Places.activity_id == classes.course.id))
        assert (places.taken, places.capacity) == (3, 3)
        cancelled_waiting = (await SignUpService(session, STAFF).cancel(outcomes[4].sign_up.id)).promoted  # waiting
        assert cancelled_waiting is None
        with pytest.raises(DomainError, match="już"):
            await SignUpService(session, STAFF).cancel(outcomes[0].sign_up.id)
        await session.commit()
    messages = await count(app, OutboxMessage)
    assert messages == 6  # five sign-ups and one promotion, each told (by SMS: no e-mail configured)


async def test_refusals_change_nothing(app, classes):
    await _sign(app, classes, 1)
    async with db_session(app) as session:
        service = SignUpService(session, STAFF)
        with pytest.raises(DomainError, match="Osoba01"):  # already signed up
            await service.sign_up(classes.course.id, classes.people[1].id)
        with pytest.raises(DomainError):  # per-session activity without a session
            await service.sign_up(classes.outing.id, classes.people[2].id)
        await SessionService(session, STAFF).cancel_session(classes.outing_session.id, "deszcz")
        with pytest.raises(DomainError):  # a cancelled session
            await service.sign_up(classes.outing.id, classes.people[2].id, classes.outing_session.id)
        with pytest.raises(DomainError, match="1000"):  # no capacity of zero
            await service.set_capacity(classes.course.id, 0)
        await session.rollback()
    assert await count(app, SignUp) == 1


async def test_capacity_refused_below_taken_and_increase_promotes(app, classes):
    for n in range(1, 6):
        await _sign(app, classes, n)
    async with db_session(app) as session:
        service = SignUpService(session, STAFF)
        with pytest.raises(DomainError, match="3") as refused:
            await service.set_capacity(classes.course.id, 2)
        assert "2" in refused.value.message
        promoted = await service.set_capacity(classes.course.id, 4)
        await session.commit()
    assert [p.person_id for p in promoted] == [classes.people[4].id]
    assert await count(app, SignUp, SignUp.status == "confirmed") == 4


async def test_conflicts_are_shown_not_refused(app, classes):
    child = await _sign(app, classes, 0)
    assert any("poza" in w or "outside" in w for w in child.warnings)  # the child is outside 18+
    async with db_session(app) as session:
        from logistics.activities.models import Activity, ActivitySession

        same_time = Activity(title="Warsztaty", category="other", venue_id=classes.venue.id, capacity=5)
        session.add(same_time)
        await session.flush()
        first = classes.sessions[0]
        session.add(ActivitySession(activity_id=same_time.id, starts_at=first.starts_at, ends_at=first.ends_at))
        await session.commit()
    await _sign(app, classes, 3)
    clash = await _sign(app, classes, 3, activity=same_time)
    assert any("Język polski A1" in w for w in clash.warnings)


async def test_waiting_list_reordered_with_a_reason(app, classes):
    outcomes = [await _sign(app, classes, n) for n in range(1, 7)]  # 3 places, 3 waiting
    async with db_session(app) as session:
        service = SignUpService(session, STAFF)
        with pytest.raises(DomainError):
            await service.reorder(outcomes[5].sign_up.id, 1, " ")
        await service.reorder(outcomes[5].sign_up.id, 1, "osoba z niepełnosprawnością")
        await session.commit()
        promoted = (await service.cancel(outcomes[0].sign_up.id)).promoted
        await session.commit()
    assert promoted.person_id == classes.people[6].id


async def test_ten_at_once_for_the_last_three_places(app, classes, settings):
    """Real concurrent transactions: exactly three get places, seven wait in a stable order."""
    config = make_alchemy_config(settings)

    async def sign(n: int) -> str:
        async with config.get_session() as session:
            outcome = await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[n].id)
            await asyncio.sleep(0.02)
            await session.commit()
            return outcome.sign_up.status

    try:
        results = await asyncio.gather(*(sign(n) for n in range(1, 11)))
    finally:
        await config.get_engine().dispose()
    assert sorted(results) == ["confirmed"] * 3 + ["waiting"] * 7
    async with db_session(app) as session:
        places = await session.scalar(select(Places).where(Places.activity_id == classes.course.id))
        assert places.taken == 3
        waiting = list(
            await session.scalars(
                select(SignUp).where(SignUp.status == "waiting").order_by(SignUp.waiting_rank, SignUp.id)
            )
        )
        assert len(waiting) == 7
        confirmed = await session.scalar(select(SignUp).where(SignUp.status == "confirmed"))
        promoted = (await SignUpService(session, STAFF).cancel(confirmed.id)).promoted
        await session.commit()
    assert promoted.id == waiting[0].id  # the waiting list's order is the order of promotion


async def test_series_cancel_move_and_reminders(app, classes):
    await _sign(app, classes, 1)
    await _sign(app, classes, 2)
    async with db_session(app) as session:
        service = SessionService(session, STAFF)
        first = datetime.now(UTC) + timedelta(days=2)
        with pytest.raises(DomainError):  # a series ending before it starts
            await service.add_sessions(classes.course.id, first, 90, local_time(first - timedelta(days=3)).date())
        created = await service.add_sessions(
            classes.course.id, first, 90, local_time(first + timedelta(days=21)).date(), "sala 2"
        )
        assert len(created) == 4
        assert await service.cancel_session(classes.sessions[1].id, "choroba prowadzącej") == 2
        with pytest.raises(DomainError):
            await service.cancel_session(classes.sessions[1].id, "again")
        assert (
            await service.move_session(
                classes.sessions[2].id, classes.sessions[2].starts_at + timedelta(hours=1), "sala 5", "remont"
            )
            == 2
        )
        await session.commit()
        queued = await reminders(session, now=classes.sessions[0].starts_at - timedelta(hours=23))
        await session.commit()
        again = await reminders(session, now=classes.sessions[0].starts_at - timedelta(hours=22))
        await session.commit()
    assert queued.startswith("2")
    keys = [m.key for m in await _messages(app)]
    assert sum(1 for k in keys if k.startswith("reminder-24h")) == 2  # not twice, however often the job runs
    assert again.startswith("2")
    ukrainian = [m for m in await _messages(app) if m.recipient == "+48 600 000 001" and m.key.startswith("cancelled")]
    assert "Польська мова A1" in ukrainian[0].body  # in the person's language


async def _messages(app):
    async with db_session(app) as session:
        return list(await session.scalars(select(OutboxMessage)))
