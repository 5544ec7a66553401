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
from logistics.core.i18n import format_date, format_money, format_number, local_today
from logistics.core.i18n import gettext as _
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
#: Realistic bounds: anything outside them is a typing mistake (and would not fit the Numeric(10, 2) columns).
MAX_INCOME_PER_PERSON = Decimal(1_000_000)
MAX_CRITERION = Decimal(100_000)
FOOD_AID_PERCENT = (Decimal(1), Decimal(1000))
#: The income criteria of the Social Assistance Act (2004): an earlier date is a typing mistake.
CRITERIA_SINCE = date(2004, 1, 1)


def criterion_dates(today: date | None = None) -> tuple[date, date]:
    """The window of a criterion's date: from 2004 to five years ahead (criteria are announced in advance)."""
    today = today or local_today()
    return CRITERIA_SINCE, date(today.year + 5, 12, 31)


def _refuse_outside(name: str, value: date, low: date, high: date) -> None:
    if not low <= value <= high:
        raise DomainError(
            _("Enter a date from %(low)s to %(high)s.", low=format_date(low), high=format_date(high)), name
        )


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
        income = data.income_per_person
        if income is not None and not (income.is_finite() and 0 <= income <= MAX_INCOME_PER_PERSON):
            raise DomainError(
                _(
                    "Enter an amount from %(low)s to %(high)s.",
                    low=format_money(Decimal(0)),
                    high=format_money(MAX_INCOME_PER_PERSON),
                ),
                "income_per_person",
            )
        if income is not None and data.income_verified_on is None:
            raise DomainError(_("Enter the date the income was verified."), "income_verified_on")
        if data.income_verified_on and data.income_verified_on > local_today():
            raise DomainError(_("The date cannot be in the future."), "income_verified_on")
        if data.income_verified_on:
            _refuse_outside("income_verified_on", data.income_verified_on, CRITERIA_SINCE, local_today())
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


def check_threshold(data: ThresholdInput) -> None:
    """The rules every criterion row obeys; DomainError names the field."""
    _refuse_outside("valid_from", data.valid_from, *criterion_dates())
    for name in ("single_person", "per_person_in_family"):
        amount = getattr(data, name)
        if not (amount.is_finite() and CENT <= amount <= MAX_CRITERION):
            raise DomainError(
                _(
                    "Enter an amount from %(low)s to %(high)s.",
                    low=format_money(CENT),
                    high=format_money(MAX_CRITERION),
                ),
                name,
            )
    low, high = FOOD_AID_PERCENT
    if not (data.food_aid_percent.is_finite() and low <= data.food_aid_percent <= high):
        raise DomainError(
            _("Enter a percentage from %(low)s to %(high)s.", low=format_number(low), high=format_number(high)),
            "food_aid_percent",
        )


THRESHOLD_FIELDS = ("valid_from", "single_person", "per_person_in_family", "food_aid_percent")


class ThresholdService(Service):
    """Administrators keep the income criteria and the food-aid percentage, each valid from a date. A wrong row
    can be corrected; one not in force yet (no day has been judged by it) can also be deleted."""

    @query
    async def list(self) -> list[EligibilityThreshold]:
        self.require(MANAGE_THRESHOLDS)
        return list(await self.session.scalars(select(EligibilityThreshold).order_by(EligibilityThreshold.valid_from)))

    @query
    async def get(self, threshold_id: UUID) -> EligibilityThreshold:
        self.require(MANAGE_THRESHOLDS)
        return await self._row(threshold_id)

    async def _row(self, threshold_id: UUID, *, lock: bool = False) -> EligibilityThreshold:
        statement = select(EligibilityThreshold).where(EligibilityThreshold.id == threshold_id)
        row = await self.session.scalar(locked(statement) if lock else statement)
        if row is None:
            raise NotFound(_("These values are not in the list of income criteria."))
        return row

    async def _refuse_taken_date(self, valid_from: date, threshold_id: UUID | None = None) -> None:
        statement = select(EligibilityThreshold.id).where(EligibilityThreshold.valid_from == valid_from)
        if threshold_id is not None:
            statement = statement.where(EligibilityThreshold.id != threshold_id)
        if await self.session.scalar(statement):
            raise DomainError(_("Values from this date already exist."), "valid_from")

    async def _flush(self) -> None:
        try:
            await self.session.flush()
        except IntegrityError as error:  # the same date saved by someone else a moment ago
            raise DomainError(_("Values from this date already exist."), "valid_from") from error

    async def add(self, data: ThresholdInput) -> EligibilityThreshold:
        self.require(MANAGE_THRESHOLDS)
        check_threshold(data)
        await self._refuse_taken_date(data.valid_from)
        threshold = EligibilityThreshold(**{name: getattr(data, name) for name in THRESHOLD_FIELDS})
        self.session.add(threshold)
        await self._flush()
        await audit.record(
            self.session, self.actor, "threshold.create", "eligibility_threshold", threshold.id, list(THRESHOLD_FIELDS)
        )
        return threshold

    async def correct(self, threshold_id: UUID, data: ThresholdInput) -> EligibilityThreshold:
        """Correct a wrong row (a typing mistake in a date or an amount); the change is audit-logged."""
        self.require(MANAGE_THRESHOLDS)
        threshold = await self._row(threshold_id, lock=True)
        check_threshold(data)
        await self._refuse_taken_date(data.valid_from, threshold.id)
        changed = [name for name in THRESHOLD_FIELDS if getattr(threshold, name) != getattr(data, name)]
        for name in changed:
            setattr(threshold, name, getattr(data, name))
        if changed:
            await self._flush()
            await audit.record(
                self.session, self.actor, "threshold.update", "eligibility_threshold", threshold.id, changed
            )
        return threshold

    async def delete(self, threshold_id: UUID) -> None:
        """Delete a row not in force yet. A row in force since a past day judged those days (households' pages,
        vouchers issued): it can be corrected, not deleted."""
        self.require(MANAGE_THRESHOLDS)
        threshold = await self._row(threshold_id, lock=True)
        if threshold.valid_from <= local_today():
            raise DomainError(
                _(
                    "These values have been in force since %(date)s and eligibility was judged by them: correct "
                    "them instead of deleting them.",
                    date=format_date(threshold.valid_from),
                )
            )
        await self.session.delete(threshold)
        await self.session.flush()
        await audit.record(self.session, self.actor, "threshold.delete", "eligibility_threshold", threshold.id)
