"""Households: members and their relationship to the head, income per person, reasons, eligibility on a day.

Eligibility compares the verified income per person with the social-assistance criterion in force on the day
(single person or per person in a family) and with the food-aid threshold, a percentage of that criterion.
Criteria are rows with a date from which they apply, so a past day is judged by the values of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.accounts.models import User
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today
from logistics.core.roles import Role
from logistics.core.service import Service, query
from logistics.people.models import (
    EligibilityThreshold,
    Household,
    HouseholdMember,
    HouseholdReason,
    Reason,
    Relationship,
)
from logistics.people.policy import EDIT_HOUSEHOLD, MANAGE_THRESHOLDS, VIEW_HOUSEHOLD
from logistics.people.services import PersonInput, PersonService, RegistryService, locked

CENT = Decimal("0.01")


@dataclass(frozen=True)
class HouseholdInput:
    income_per_person: Decimal | None
    income_verified_on: date | None
    case_worker_id: UUID | None
    reasons: list[str]


@dataclass(frozen=True)
class ThresholdInput:
    valid_from: date
    single_person: Decimal
    per_person_in_family: Decimal
    food_aid_percent: Decimal


@dataclass(frozen=True)
class Eligibility:
    """Income per person against the criterion in force on `day` and against the food-aid threshold."""

    day: date
    income_per_person: Decimal | None
    criterion: Decimal | None
    food_aid_threshold: Decimal | None
    food_aid_percent: Decimal | None

    @property
    def known(self) -> bool:
        return self.income_per_person is not None and self.criterion is not None

    @property
    def social_assistance(self) -> bool:
        return self.known and self.income_per_person <= self.criterion  # type: ignore[operator]

    @property
    def food_aid(self) -> bool:
        return self.known and self.income_per_person <= self.food_aid_threshold  # type: ignore[operator]


async def threshold_on(session: AsyncSession, day: date) -> EligibilityThreshold | None:
    return await session.scalar(
        select(EligibilityThreshold)
        .where(EligibilityThreshold.valid_from <= day)
        .order_by(EligibilityThreshold.valid_from.desc())
        .limit(1)
    )


async def eligibility(session: AsyncSession, household: Household, day: date | None = None) -> Eligibility:
    day = day or local_today()
    threshold = await threshold_on(session, day)
    if threshold is None:
        return Eligibility(day, household.income_per_person, None, None, None)
    criterion = threshold.single_person if household.size <= 1 else threshold.per_person_in_family
    food_aid = (criterion * threshold.food_aid_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return Eligibility(day, household.income_per_person, criterion, food_aid, threshold.food_aid_percent)


class HouseholdService(RegistryService):
    """Households. A change locks the household's row first (and a person joining one, the person's row), so
    two changes of the same household, or two households taking the same person, run one after the other."""

    @query
    async def get(self, household_id: UUID) -> Household:
        self.require(VIEW_HOUSEHOLD)
        return await self._household(household_id)

    async def _household(self, household_id: UUID, *, lock: bool = False) -> Household:
        if lock:
            household = await self.session.scalar(locked(select(Household).where(Household.id == household_id)))
        else:
            household = await self.session.get(Household, household_id)
        if household is None:
            raise NotFound(_("This household is not in the registry."))
        return household

    @query
    async def eligibility(self, household: Household, day: date | None = None) -> Eligibility:
        self.require(VIEW_HOUSEHOLD)
        return await eligibility(self.session, household, day)

    async def _in_a_household(self, person_id: UUID) -> bool:
        # Asked of the database: `person.membership` is not loaded for a person registered in this transaction.
        return (
            await self.session.scalar(select(HouseholdMember.id).where(HouseholdMember.person_id == person_id))
            is not None
        )

    async def create(self, head_id: UUID) -> Household:
        """A new household with this person as its head (a person is in one household at a time)."""
        self.require(EDIT_HOUSEHOLD)
        head = await self._person(head_id, lock=True)
        if await self._in_a_household(head.id):
            raise DomainError(_("This person already belongs to a household."))
        household = Household(case_worker_id=self.actor.user_id, reason_rows=[])
        household.members = [HouseholdMember(person=head, relationship=Relationship.HEAD, position=0)]
        self.session.add(household)
        await self._flush_members()
        await audit.record(self.session, self.actor, "household.create", "household", household.id, ["members"])
        return household

    async def _flush_members(self) -> None:
        try:
            await self.session.flush()
        except IntegrityError as error:  # the unique person_id: another household took the person a moment ago
            raise DomainError(_("This person already belongs to a household."), "person") from error

    async def add_member(self, household_id: UUID, person_id: UUID, relationship: str) -> Household:
        self.require(EDIT_HOUSEHOLD)
        household = await self._household(household_id, lock=True)
        if relationship not in {r.value for r in Relationship} or relationship == Relationship.HEAD:
            raise DomainError(_("This option is not available."), "relationship")
        person = await self._person(person_id, lock=True)
        if await self._in_a_household(person.id):
            raise DomainError(_("This person already belongs to a household."), "person")
        position = max((m.position for m in household.members), default=0) + 1
        household.members.append(HouseholdMember(person=person, relationship=relationship, position=position))
        person.last_activity_at = datetime.now(UTC)
        await self._flush_members()
        await audit.record(self.session, self.actor, "household.add_member", "household", household.id, ["members"])
        return household

    async def register_member(
        self, household_id: UUID, data: PersonInput, relationship: str, *, confirmed_new: bool = False
    ) -> Household:
        """Register a new person straight into the household: both or neither."""
        self.require(EDIT_HOUSEHOLD)
        person = await PersonService(self.session, self.actor).register(data, confirmed_new=confirmed_new)
        return await self.add_member(household_id, person.id, relationship)

    async def remove_member(self, household_id: UUID, person_id: UUID) -> Household:
        self.require(EDIT_HOUSEHOLD)
        household = await self._household(household_id, lock=True)
        member = next((m for m in household.members if m.person_id == person_id), None)
        if member is None:
            raise NotFound(_("This person is not a member of the household."))
        if member.relationship == Relationship.HEAD:
            raise DomainError(_("The head of the household cannot be removed. Make someone else the head first."))
        household.members.remove(member)
        await self.session.flush()
        await audit.record(self.session, self.actor, "household.remove_member", "household", household.id, ["members"])
        return household

    async def update(self, household_id: UUID, data: HouseholdInput) -> Household:
        self.require(EDIT_HOUSEHOLD)
        household = await self._household(household_id, lock=True)
        if data.income_per_person is not None and data.income_verified_on is None:
            raise DomainError(_("Enter the date the income was verified."), "income_verified_on")
        if data.income_verified_on and data.income_verified_on > local_today():
            raise DomainError(_("The date cannot be in the future."), "income_verified_on")
        if any(reason not in {r.value for r in Reason} for reason in data.reasons):
            raise DomainError(_("This option is not available."), "reasons")
        if data.case_worker_id is not None:
            case_worker = await self.session.get(User, data.case_worker_id)
            if case_worker is None or case_worker.role != Role.CASE_WORKER or not case_worker.is_active:
                raise DomainError(_("Choose an active case worker."), "case_worker")
        changed = []
        for name in ("income_per_person", "income_verified_on", "case_worker_id"):
            if getattr(household, name) != getattr(data, name):
                setattr(household, name, getattr(data, name))
                changed.append(name)
        if sorted(set(data.reasons)) != household.reasons:
            household.reason_rows = [HouseholdReason(reason=reason) for reason in sorted(set(data.reasons))]
            changed.append("reasons")
        if changed:
            await audit.record(self.session, self.actor, "household.update", "household", household.id, changed)
        return household

    @query
    async def case_workers(self) -> list[User]:
        return list(
            await self.session.scalars(
                select(User).where(User.role == Role.CASE_WORKER, User.is_active.is_(True)).order_by(User.full_name)
            )
        )


class ThresholdService(Service):
    """Administrators keep the income criteria and the food-aid percentage, each valid from a date."""

    @query
    async def list(self) -> list[EligibilityThreshold]:
        self.require(MANAGE_THRESHOLDS)
        return list(await self.session.scalars(select(EligibilityThreshold).order_by(EligibilityThreshold.valid_from)))

    async def add(self, data: ThresholdInput) -> EligibilityThreshold:
        self.require(MANAGE_THRESHOLDS)
        if await self.session.scalar(
            select(EligibilityThreshold.id).where(EligibilityThreshold.valid_from == data.valid_from)
        ):
            raise DomainError(_("Values from this date already exist."), "valid_from")
        if not Decimal(0) < data.food_aid_percent <= Decimal(1000):
            raise DomainError(_("Enter a percentage above 0."), "food_aid_percent")
        for name in ("single_person", "per_person_in_family"):
            if getattr(data, name) <= 0:
                raise DomainError(_("Enter an amount above 0."), name)
        threshold = EligibilityThreshold(
            valid_from=data.valid_from,
            single_person=data.single_person,
            per_person_in_family=data.per_person_in_family,
            food_aid_percent=data.food_aid_percent,
        )
        self.session.add(threshold)
        try:
            await self.session.flush()
        except IntegrityError as error:  # the same date saved by someone else a moment ago
            raise DomainError(_("Values from this date already exist."), "valid_from") from error
        await audit.record(
            self.session,
            self.actor,
            "threshold.create",
            "eligibility_threshold",
            threshold.id,
            ["valid_from", "single_person", "per_person_in_family", "food_aid_percent"],
        )
        return threshold
