"""Two use cases on the same record at the same moment, each in a real transaction of its own.

On PostgreSQL these are real races: the second starts while the first holds its transaction open, and only a lock
or a constraint makes it see what the first did. On SQLite write transactions run one after the other (BEGIN
IMMEDIATE), so the same tests show the outcome the locks must give on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.roles import Role
from logistics.db import make_alchemy_config
from logistics.people.cards import CardService
from logistics.people.households import HouseholdInput, HouseholdService, ThresholdInput, ThresholdService
from logistics.people.jobs import retention
from logistics.people.models import BeneficiaryCard, EligibilityThreshold, Household, HouseholdMember, Person
from logistics.people.rodo import PrivacyService
from logistics.people.services import PersonInput, PersonService

from ..helpers import count, db_session

Step = Callable[[AsyncSession], Awaitable[Any]]
HOLD = 0.3  # how long each transaction stays open after its use case, before it commits


@pytest.fixture
def case_worker(people):
    user = people.users["caseworker"]
    return Actor(user_id=user.id, username="caseworker", role=Role.CASE_WORKER, sees_all_sites=True)


def anna(**changes: Any) -> PersonInput:
    values: dict[str, Any] = {
        "given_name": "Anna",
        "family_name": "Kowalska",
        "birth_date": date(1985, 3, 14),
        "birth_year": None,
        "sex": "female",
        "phone": "+48 601 222 333",
        **changes,
    }
    return PersonInput(**values)


async def _race(settings: Any, *steps: Step) -> list[str]:
    """Run the steps at once, each in its own session and transaction, the n-th starting as soon as the one
    before has done its use case (and so holds its locks) but not yet committed; each holds its transaction open
    for HOLD seconds, then commits. The outcome of each: "done", or "refused" when its use case said no (its
    transaction is then rolled back). Waiting for the one before, not for a fixed time, keeps the order the test
    names on a machine however loaded."""
    config = make_alchemy_config(settings)  # the app's engine set-up: BEGIN IMMEDIATE on SQLite
    acted = [asyncio.Event() for _ in steps]

    async def run(n: int, step: Step) -> str:
        if n:
            await acted[n - 1].wait()
        async with config.get_session() as session:
            try:
                try:
                    await step(session)
                finally:
                    acted[n].set()
            except DomainError:
                await session.rollback()
                return "refused"
            await asyncio.sleep(HOLD)
            await session.commit()
            return "done"

    try:
        return list(await asyncio.gather(*(run(n, step) for n, step in enumerate(steps))))
    finally:
        await config.get_engine().dispose()


async def _registered(app: Any, actor: Actor, *people: PersonInput) -> list[Any]:
    async with db_session(app) as session:
        service = PersonService(session, actor)
        registered = [await service.register(data, confirmed_new=True) for data in people]
        await session.commit()
        return [person.id for person in registered]


async def test_two_merges_of_the_same_pair_in_opposite_directions(app, settings, case_worker):
    """Without locks both succeed: each record is then merged into the other, and the person is gone."""
    keep, other = await _registered(app, case_worker, anna(), anna(family_name="Kowalsky", phone=""))
    outcomes = await _race(
        settings,
        lambda session: PersonService(session, case_worker).merge(keep, other),
        lambda session: PersonService(session, case_worker).merge(other, keep),
    )
    assert outcomes == ["done", "refused"]
    async with db_session(app) as session:
        kept, merged = await session.get(Person, keep), await session.get(Person, other)
        assert kept.merged_into_id is None
        assert merged.merged_into_id == keep


async def test_an_edit_while_the_person_is_being_erased(app, settings, case_worker):
    """Without a lock the edit, read before the erasure committed, writes the new phone into the anonymised
    record."""
    (person_id,) = await _registered(app, case_worker, anna())
    outcomes = await _race(
        settings,
        lambda session: PrivacyService(session, case_worker).erase(person_id, "Kowalska"),
        lambda session: PersonService(session, case_worker).update(person_id, anna(phone="+48 700 100 200")),
    )
    assert outcomes == ["done", "refused"]
    async with db_session(app) as session:
        person = await session.get(Person, person_id)
        assert person.anonymised_at is not None
        assert (person.given_name, person.family_name, person.phone, person.phone_digits) == ("", "", "", "")


async def test_a_card_issued_while_the_person_is_being_erased(app, settings, case_worker):
    """Without a lock the new card, issued for the record read before the erasure, stays valid afterwards."""
    (person_id,) = await _registered(app, case_worker, anna())
    outcomes = await _race(
        settings,
        lambda session: PrivacyService(session, case_worker).erase(person_id, "Kowalska"),
        lambda session: CardService(session, case_worker).issue(person_id),
    )
    assert outcomes == ["done", "refused"]
    assert await count(app, BeneficiaryCard, BeneficiaryCard.revoked_at.is_(None)) == 0


async def test_the_same_registration_sent_twice(app, settings, case_worker):
    """A double click on Save, or two desks: without the lock each finds no duplicate and the person is
    registered twice."""
    outcomes = await _race(
        settings,
        lambda session: PersonService(session, case_worker).register(anna()),
        lambda session: PersonService(session, case_worker).register(anna()),
    )
    assert outcomes == ["done", "refused"]
    assert await count(app, Person) == 1


async def test_two_households_taking_the_same_person(app, settings, case_worker):
    """Without the lock the second household fails on the unique index with a server error."""
    (person_id,) = await _registered(app, case_worker, anna())
    outcomes = await _race(
        settings,
        lambda session: HouseholdService(session, case_worker).create(person_id),
        lambda session: HouseholdService(session, case_worker).create(person_id),
    )
    assert outcomes == ["done", "refused"]
    assert await count(app, Household) == 1
    assert await count(app, HouseholdMember, HouseholdMember.person_id == person_id) == 1


async def test_two_changes_of_the_same_household(app, settings, case_worker):
    """Both replace the reasons; without the lock the second deletes rows the first deleted already (a server
    error), or both sets are kept."""
    (person_id,) = await _registered(app, case_worker, anna())
    async with db_session(app) as session:
        households = HouseholdService(session, case_worker)
        household = await households.create(person_id)
        await households.update(household.id, HouseholdInput(None, None, None, ["unemployment"]))
        await session.commit()
        household_id = household.id

    def change(reason: str) -> Step:
        return lambda session: HouseholdService(session, case_worker).update(
            household_id, HouseholdInput(Decimal("700.00"), date(2025, 1, 2), None, [reason])
        )

    outcomes = await _race(settings, change("poverty"), change("homelessness"))
    assert outcomes == ["done", "done"]
    async with db_session(app) as session:
        household = await session.get(Household, household_id)
        assert household.reasons == ["homelessness"]  # the later change, made on top of the earlier one
        assert household.income_per_person == Decimal("700.00")


async def test_two_criteria_from_the_same_day(app, settings, people):
    """Without catching the unique index the second is a server error instead of the form's message."""
    admin = Actor(user_id=people.users["admin"].id, username="admin", role=Role.ADMIN, sees_all_sites=True)
    values = ThresholdInput(date(2028, 1, 1), Decimal("1100"), Decimal("900"), Decimal("265"))
    outcomes = await _race(
        settings,
        lambda session: ThresholdService(session, admin).add(values),
        lambda session: ThresholdService(session, admin).add(values),
    )
    assert outcomes == ["done", "refused"]
    assert await count(app, EligibilityThreshold) == 1


async def test_retention_leaves_a_person_someone_is_changing(app, settings, case_worker):
    """Without skipping locked rows the job, which read the person as inactive, anonymises them right after a
    case worker recorded new data."""
    (person_id,) = await _registered(app, case_worker, anna())
    async with db_session(app) as session:
        long_ago = datetime.now(UTC) - timedelta(days=365 * 10)
        await session.execute(update(Person).where(Person.id == person_id).values(last_activity_at=long_ago))
        await session.commit()
    outcomes = await _race(
        settings,
        lambda session: PersonService(session, case_worker).update(person_id, anna(family_name="Nowak")),
        retention,
    )
    assert outcomes == ["done", "done"]
    async with db_session(app) as session:
        person = await session.scalar(select(Person).where(Person.id == person_id))
        assert person.anonymised_at is None
        assert person.family_name == "Nowak"
