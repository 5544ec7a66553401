"""Races on PostgreSQL between use cases that change the places of one course: two cancellations, one of which
promotes the person the other cancels; a place given up while someone joins the waiting list. Each runs in its own
transaction on its own connection, held open a moment so that the other one runs in between; afterwards the places
taken are the confirmed sign-ups, never above the capacity, nobody waits while a place is free, and the waiting list
moved up in its order."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from logistics.activities.models import Places, SignUp
from logistics.activities.signups import SignUpService
from logistics.db import make_alchemy_config

from ..conftest import TEST_DB
from ..helpers import db_session
from .conftest import STAFF

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="SQLite runs write transactions one at a time: the interleaving needs PostgreSQL"
)


async def _signed_up(app, classes, numbers):
    """People signed up for the course one by one, in this order (three places, then the waiting list)."""
    sign_ups = {}
    async with db_session(app) as session:
        for n in numbers:
            sign_ups[n] = (await SignUpService(session, STAFF).sign_up(classes.course.id, classes.people[n].id)).sign_up
            await session.commit()
    return sign_ups


async def _state(app, classes):
    async with db_session(app) as session:
        places = await session.scalar(select(Places).where(Places.activity_id == classes.course.id))
        confirmed = set(await session.scalars(select(SignUp.person_id).where(SignUp.status == "confirmed")))
        waiting = list(
            await session.scalars(
                select(SignUp.person_id).where(SignUp.status == "waiting").order_by(SignUp.waiting_rank, SignUp.id)
            )
        )
        assert await session.scalar(select(func.count()).select_from(SignUp).where(SignUp.status == "confirmed")) == (
            len(confirmed)
        )
    numbers = {person.id: n for n, person in enumerate(classes.people)}
    return places.taken, places.capacity, {numbers[p] for p in confirmed}, [numbers[p] for p in waiting]


async def _in_transaction(config, work, *, wait: float = 0, hold: float = 0) -> None:
    """`work(service)` in a transaction of its own: started after `wait`, committed `hold` seconds after it."""
    async with config.get_session() as session:
        await asyncio.sleep(wait)
        await work(SignUpService(session, STAFF))
        await asyncio.sleep(hold)
        await session.commit()


@pytest.mark.parametrize("first", ["the confirmed", "the waiting"])
async def test_cancelling_someone_whom_a_concurrent_cancellation_promotes(app, classes, settings, first):
    """1, 2, 3 have the places, 4, 5, 6 wait. Cancelling 1 promotes 4 while 4's own cancellation runs: 4's place
    goes on to 5 — it is neither lost nor counted twice — whichever of the two starts first."""
    sign_ups = await _signed_up(app, classes, range(1, 7))
    config = make_alchemy_config(settings)

    def cancel(n):
        return lambda service: service.cancel(sign_ups[n].id)

    one, four = cancel(1), cancel(4)
    try:
        if first == "the confirmed":  # 4 is read as waiting before the promotion commits
            await asyncio.gather(_in_transaction(config, one, hold=0.4), _in_transaction(config, four, wait=0.15))
        else:
            await asyncio.gather(_in_transaction(config, four, hold=0.4), _in_transaction(config, one, wait=0.15))
    finally:
        await config.get_engine().dispose()
    taken, capacity, confirmed, waiting = await _state(app, classes)
    assert confirmed == {2, 3, 5}
    assert waiting == [6]
    assert taken == len(confirmed) == capacity == 3


async def test_a_place_given_up_while_someone_joins_the_waiting_list_goes_to_them(app, classes, settings):
    """The course is full; 4 signs up (and waits) while 1 cancels: 4 gets 1's place at once, it does not stay free
    with 4 waiting."""
    sign_ups = await _signed_up(app, classes, range(1, 4))
    config = make_alchemy_config(settings)

    async def join(service):
        outcome = await service.sign_up(classes.course.id, classes.people[4].id)
        assert outcome.sign_up.status == "waiting"

    async def cancel(service):
        await service.cancel(sign_ups[1].id)

    try:
        await asyncio.gather(_in_transaction(config, join, hold=0.4), _in_transaction(config, cancel, wait=0.15))
    finally:
        await config.get_engine().dispose()
    taken, capacity, confirmed, waiting = await _state(app, classes)
    assert confirmed == {2, 3, 4}
    assert waiting == []
    assert taken == len(confirmed) == capacity == 3
