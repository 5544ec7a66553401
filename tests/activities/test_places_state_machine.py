"""Stateful property test of an activity's places: people sign up, cancel (which promotes the first person
waiting) and the capacity changes, in any order, through the services on the test database. After every step:
the places taken are never above the capacity, the places row counts exactly the confirmed sign-ups, confirmed and
waiting together are exactly the active sign-ups, and the waiting list keeps its order (first come, first
promoted) — checked against a plain model of the rules."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select, update

from logistics.activities.models import COURSE, Activity, ActivitySession, Places, SignUp, SignUpStatus
from logistics.activities.signups import SignUpService
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.db import make_alchemy_config
from logistics.people.models import Person
from logistics.sites.services import SiteInput, SiteService

from .conftest import STAFF

PEOPLE = 6


def test_places_and_the_waiting_list_under_any_sequence(settings):
    config = make_alchemy_config(settings)
    loop = asyncio.new_event_loop()

    async def prepare() -> tuple[object, list[object]]:
        async with config.get_session() as session:
            venue = await SiteService(session, Actor.system("test")).create_site(
                SiteInput("Centrum Aktywności", "", "", "", ["activity_venue"])
            )
            course = Activity(title="Kurs", category="language", venue_id=venue.id, capacity=1)
            session.add(course)
            await session.flush()
            starts = datetime.now(UTC) + timedelta(days=3)
            session.add(ActivitySession(activity_id=course.id, starts_at=starts, ends_at=starts + timedelta(hours=1)))
            people = [
                Person(
                    given_name=f"Osoba{n}",
                    family_name="Testowa",
                    sex="female",
                    birth_date=date(1980, 1, 1),
                    last_activity_at=datetime.now(UTC),
                )
                for n in range(PEOPLE)
            ]
            session.add_all(people)
            await session.commit()
            return course.id, [person.id for person in people]

    course_id, person_ids = loop.run_until_complete(prepare())

    async def call(work) -> object:
        """One use case in a transaction of its own: committed when it returns, rolled back when refused."""
        async with config.get_session() as session:
            try:
                result = await work(SignUpService(session, STAFF))
            except DomainError:
                await session.rollback()
                return DomainError
            await session.commit()
            return result

    async def state() -> tuple[list[object], list[object], int, int, int]:
        async with config.get_session() as session:
            rows = list(
                await session.scalars(
                    select(SignUp)
                    .where(SignUp.activity_id == course_id, SignUp.status != SignUpStatus.CANCELLED)
                    .order_by(SignUp.waiting_rank, SignUp.id)
                )
            )
            places = await session.scalar(select(Places).where(Places.activity_id == course_id, Places.scope == COURSE))
            capacity = (await session.get(Activity, course_id)).capacity
            return (
                sorted(row.person_id for row in rows if row.status == SignUpStatus.CONFIRMED),
                [row.person_id for row in rows if row.status == SignUpStatus.WAITING],
                places.taken if places else 0,
                places.capacity if places else capacity,
                capacity,
            )

    class Places_(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()

            async def reset() -> None:
                async with config.get_session() as session:
                    await session.execute(delete(SignUp).where(SignUp.activity_id == course_id))
                    await session.execute(delete(Places).where(Places.activity_id == course_id))
                    await session.execute(update(Activity).where(Activity.id == course_id).values(capacity=1))
                    await session.commit()

            loop.run_until_complete(reset())
            self.capacity = 1
            self.confirmed: set[object] = set()
            self.waiting: list[object] = []  # in the order they joined
            self.sign_ups: dict[object, object] = {}  # person → their active sign-up's id

        @rule(n=st.integers(0, PEOPLE - 1))
        def sign_up(self, n: int) -> None:
            person = person_ids[n]
            outcome = loop.run_until_complete(call(lambda s: s.sign_up(course_id, person)))
            if person in self.sign_ups:
                assert outcome is DomainError  # already signed up
                return
            assert outcome is not DomainError
            self.sign_ups[person] = outcome.sign_up.id
            if len(self.confirmed) < self.capacity:
                assert outcome.sign_up.status == SignUpStatus.CONFIRMED
                self.confirmed.add(person)
            else:
                assert outcome.sign_up.status == SignUpStatus.WAITING
                self.waiting.append(person)

        @rule(n=st.integers(0, PEOPLE - 1))
        def cancel(self, n: int) -> None:
            person = person_ids[n]
            if person not in self.sign_ups:
                return
            sign_up_id = self.sign_ups.pop(person)
            cancelled = loop.run_until_complete(call(lambda s: s.cancel(sign_up_id)))
            assert cancelled is not DomainError
            if person in self.confirmed:
                self.confirmed.remove(person)
                expected = self.waiting.pop(0) if self.waiting else None  # the first who came
                if expected is not None:
                    self.confirmed.add(expected)
                assert (cancelled.promoted.person_id if cancelled.promoted else None) == expected
            else:
                self.waiting.remove(person)
                assert cancelled.promoted is None
            again = loop.run_until_complete(call(lambda s: s.cancel(sign_up_id)))
            assert again is DomainError  # a second cancellation is refused and changes nothing

        @rule(capacity=st.integers(0, 5))
        def change_capacity(self, capacity: int) -> None:
            result = loop.run_until_complete(call(lambda s: s.set_capacity(course_id, capacity)))
            if capacity < max(1, len(self.confirmed)):
                assert result is DomainError
                return
            assert result is not DomainError
            self.capacity = capacity
            promoted = []
            while self.waiting and len(self.confirmed) < capacity:
                promoted.append(self.waiting.pop(0))
                self.confirmed.add(promoted[-1])
            assert [row.person_id for row in result] == promoted

        @invariant()
        def places_match_the_model(self) -> None:
            confirmed, waiting, taken, places_capacity, capacity = loop.run_until_complete(state())
            assert capacity == self.capacity
            assert taken <= places_capacity == capacity or taken == 0
            assert taken == len(confirmed) <= capacity
            assert confirmed == sorted(self.confirmed)
            assert waiting == self.waiting  # first come, first promoted
            assert len(confirmed) + len(waiting) == len(self.sign_ups)
            assert not waiting or len(confirmed) == capacity  # nobody waits while a place is free

    try:
        run_state_machine_as_test(
            Places_,
            settings=hypothesis_settings(
                max_examples=30,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    finally:
        loop.run_until_complete(config.get_engine().dispose())
        loop.close()
