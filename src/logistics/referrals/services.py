"""Referrals: issue one to a service of the directory (or one of the centre's activities), confirm it at `/r/<code>`
(the receiving institution, no log-in), undo a confirmation, cancel, mark the late ones overdue, list and read.

The rules held in SQL: a code confirms once — one conditional `UPDATE ... WHERE code = :code AND status IN
CONFIRMABLE`, checked with its row count, so of any number of simultaneous confirmations exactly one succeeds; the
same for undo and cancel (each a conditional UPDATE on the status it starts from); the overdue job is one UPDATE.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.accounts.models import User
from logistics.activities.models import Activity
from logistics.audit import services as audit
from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import format_date, format_money, in_locale, local_today, localized
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.directory.models import Service as DirectoryEntry
from logistics.directory.models import ServiceCategory
from logistics.directory.services import DirectoryService
from logistics.people.households import eligibility as household_eligibility
from logistics.people.models import Household, Person
from logistics.people.services import current_person
from logistics.referrals.models import (
    CODE_LENGTH,
    CONFIRMABLE,
    Referral,
    ReferralKind,
    ReferralStatus,
    new_code,
)
from logistics.referrals.policy import CANCEL, ISSUE, ISSUE_TO_SHELTER, UNDO_CONFIRMATION, VIEW
from logistics.shelter.models import Stay
from logistics.sites.models import Site

#: How far ahead the expected date may be.
MAX_DAYS_AHEAD = 90
MAX_REASON = 2000
MAX_REQUESTED = 2000
MAX_NOTE = 500
MAX_CANCEL_REASON = 200
#: The category a kind's service must have.
KIND_CATEGORY = {
    ReferralKind.FOOD_AID: ServiceCategory.FOOD,
    ReferralKind.SHELTER: ServiceCategory.SHELTER,
    ReferralKind.WORK: ServiceCategory.WORK,
}
KINDS = tuple(kind.value for kind in ReferralKind)
STATUSES = tuple(status.value for status in ReferralStatus)


@dataclass(frozen=True)
class ReferralInput:
    kind: str
    person_id: UUID | None
    service_id: UUID | None
    activity_id: UUID | None
    reason: str
    requested: str
    expected_by: date | None
    site_id: UUID | None = None
    whole_household: bool = False


@dataclass(frozen=True)
class ReferralLine:
    """A referral as the lists show it: what it points to in the user's language."""

    referral: Referral
    target: str  # the service's (or activity's) name
    institution: str  # the service's institution ("" for an activity)
    person: str  # the person's full name (the holder once erased)

    @property
    def code(self) -> str:
        return codes.format_code(self.referral.code)


@dataclass(frozen=True)
class ReferralDetail:
    referral: Referral
    service: DirectoryEntry | None
    activity: Activity | None
    person: str
    site: str
    issuer: str = ""  # the issuing case worker's full name (the user name when there is none)

    @property
    def code(self) -> str:
        return codes.format_code(self.referral.code)

    @property
    def target(self) -> str:
        if self.service is not None:
            return self.service.name
        return self.activity.title if self.activity is not None else ""


@dataclass(frozen=True)
class PersonChoice:
    """The person an issue form is fixed to."""

    id: UUID
    full_name: str
    household_size: int  # 0: not in a household


@dataclass(frozen=True)
class PublicReferral:
    """All the public page may show: the first name and initial, what the person was referred to, the date."""

    code: str  # bare
    holder: str
    target: str
    institution: str
    issued_on: date
    status: str
    came_on: date | None

    @property
    def formatted(self) -> str:
        return codes.format_code(self.code)

    @property
    def confirmed(self) -> bool:
        return self.status == ReferralStatus.CONFIRMED

    @property
    def cancelled(self) -> bool:
        return self.status == ReferralStatus.CANCELLED


def parse_code(text: str, field: str = "code") -> str:
    """The bare symbols of a typed or scanned code; DomainError on `field` when it cannot be a referral's code."""
    symbols = codes.normalize((text or "")[:100])
    if not symbols:
        raise DomainError(_("Enter the code from the referral letter."), field)
    if len(symbols) != CODE_LENGTH or any(symbol not in codes.ALPHABET for symbol in symbols):
        raise DomainError(
            _(
                "A referral code has %(count)s characters, e.g. ABCD-EFGH-JKMN-P. Check it and try again.",
                count=CODE_LENGTH,
            ),
            field,
        )
    if not codes.is_well_formed(symbols, CODE_LENGTH):
        raise DomainError(_("This code has a typing mistake (its last character does not match). Check it."), field)
    return symbols


def eligibility_words(income: object, threshold: object, eligible: bool | None) -> str:
    """The eligibility statement of the letter, always in Polish (the letter is)."""
    with in_locale("pl"):
        if eligible is None:
            return _("Income per person not known — eligibility not assessed")
        sign = "≤" if eligible else ">"
        return _(
            "Income per person %(income)s %(sign)s threshold %(threshold)s",
            income=format_money(income),  # type: ignore[arg-type]
            sign=sign,
            threshold=format_money(threshold),  # type: ignore[arg-type]
        )


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class ReferralService(Service):
    # --- issuing ----------------------------------------------------------------------------------------------

    async def issue(self, data: ReferralInput) -> Referral:
        """A new referral. Case workers refer to anything; shelter staff refer only to shelters, only the people
        staying at their own sites (the referral is then that site's)."""
        if not (self.can(ISSUE) or self.can(ISSUE_TO_SHELTER)):
            raise Forbidden(_("You do not have access to this page."))
        if data.kind not in KINDS:
            raise DomainError(_("Choose the kind of referral."), "kind")
        kind = ReferralKind(data.kind)
        if not self.can(ISSUE) and kind != ReferralKind.SHELTER:
            raise DomainError(_("You may refer only to a shelter of another commune."), "kind")
        today = local_today()
        person = await self._issue_person(data.person_id)
        site_id = await self._issue_site(person, data.site_id)
        service, activity = await self._issue_target(kind, data.service_id, data.activity_id)
        expected_by = self._expected_by(data.expected_by, today)
        reason = (data.reason or "").strip()
        if not reason:
            raise DomainError(_("Say why the person is referred."), "reason")
        if len(reason) > MAX_REASON or "\x00" in reason:
            raise DomainError(_("At most %(count)s characters.", count=MAX_REASON), "reason")
        requested = (data.requested or "").strip()
        if len(requested) > MAX_REQUESTED or "\x00" in requested:
            raise DomainError(_("At most %(count)s characters.", count=MAX_REQUESTED), "requested")
        household = await self._household_of(person)
        household_id, household_size = None, 1
        if data.whole_household:
            if household is None:
                raise DomainError(_("This person is not in a household."), "whole_household")
            household_id, household_size = household.id, household.size
        words, eligible = "", None
        if kind == ReferralKind.FOOD_AID:
            words, eligible = await self._eligibility(household, today)
        referral = Referral(
            code=new_code(),
            kind=kind.value,
            status=ReferralStatus.OPEN.value,
            person_id=person.id,
            household_id=household_id,
            household_size=household_size,
            holder=person.short_name[:40],
            service_id=service.id if service else None,
            activity_id=activity.id if activity else None,
            site_id=site_id,
            reason=reason,
            requested=requested,
            eligibility=words[:300],
            eligible=eligible,
            issued_on=today,
            expected_by=expected_by,
            issued_by_id=self.actor.user_id,
            issued_by=self.actor.username[:120],
        )
        self.session.add(referral)
        await self.session.flush()
        await audit.record(self.session, self.actor, "referral.issue", "referral", referral.id, ["kind", "status"])
        return referral

    async def _issue_person(self, person_id: UUID | None) -> Person:
        if person_id is None:
            raise DomainError(_("Choose the person to refer."), "person")
        try:
            return await current_person(self.session, person_id)
        except NotFound:
            raise DomainError(_("This person is not in the registry."), "person") from None

    async def _open_stay_sites(self, person_id: UUID) -> set[UUID]:
        return set(
            await self.session.scalars(select(Stay.site_id).where(Stay.person_id == person_id, Stay.ended_at.is_(None)))
        )

    async def _issue_site(self, person: Person, site_id: UUID | None) -> UUID | None:
        """Shelter staff: the site of theirs where the person is staying (the one named, or the only one)."""
        if self.actor.sees_all_sites:
            if site_id is not None and await self.session.get(Site, site_id) is None:
                raise DomainError(_("Choose a site."), "site")
            return site_id
        staying = await self._open_stay_sites(person.id) & set(self.actor.site_ids)
        if not staying:
            raise DomainError(_("This person is not staying at your sites."), "person")
        if site_id is not None:
            if site_id not in staying:
                raise DomainError(_("This person is not staying at this site."), "site")
            return site_id
        return sorted(staying)[0]

    async def _issue_target(
        self, kind: ReferralKind, service_id: UUID | None, activity_id: UUID | None
    ) -> tuple[DirectoryEntry | None, Activity | None]:
        if kind == ReferralKind.ACTIVITY:
            if activity_id is None:
                raise DomainError(_("Choose the activity."), "activity")
            activity = await self.session.get(Activity, activity_id)
            if activity is None:
                raise DomainError(_("This activity does not exist."), "activity")
            if not activity.is_active:
                raise DomainError(_("This activity has ended."), "activity")
            return None, activity
        if service_id is None:
            raise DomainError(_("Choose the service."), "service")
        service = await self.session.get(DirectoryEntry, service_id)
        if service is None:
            raise DomainError(_("This service is not in the directory."), "service")
        if not service.active:
            raise DomainError(_("This service is archived."), "service")
        category = KIND_CATEGORY.get(kind)
        if category is not None and category.value not in service.categories:
            messages = {
                ReferralKind.FOOD_AID: _("A food-aid referral goes to a food-aid partner (category food)."),
                ReferralKind.SHELTER: _("A shelter referral goes to a shelter (category shelter)."),
                ReferralKind.WORK: _("A work referral goes to the labour office (category work)."),
            }
            raise DomainError(messages[kind], "service")
        return service, None

    def _expected_by(self, value: date | None, today: date) -> date:
        if value is None:
            raise DomainError(_("Enter the date by which contact is expected."), "expected_by")
        if value < today:
            raise DomainError(_("The expected date cannot be in the past."), "expected_by")
        if value > today + timedelta(days=MAX_DAYS_AHEAD):
            raise DomainError(
                _(
                    "Choose a date within %(days)s days (by %(last)s).",
                    days=MAX_DAYS_AHEAD,
                    last=format_date(today + timedelta(days=MAX_DAYS_AHEAD)),
                ),
                "expected_by",
            )
        return value

    async def _household_of(self, person: Person) -> Household | None:
        if person.membership is None:
            return None
        return await self.session.get(Household, person.membership.household_id)

    async def _eligibility(self, household: Household | None, today: date) -> tuple[str, bool | None]:
        if household is None:
            return eligibility_words(None, None, None), None
        judged = await household_eligibility(self.session, household, today)
        if not judged.known or judged.food_aid_threshold is None:
            return eligibility_words(None, None, None), None
        return (
            eligibility_words(judged.income_per_person, judged.food_aid_threshold, judged.food_aid),
            judged.food_aid,
        )

    # --- the receiving institution ----------------------------------------------------------------------------

    async def _by_code(self, code: str) -> Referral:
        symbols = parse_code(code)
        referral = await self.session.scalar(
            select(Referral).where(Referral.code == symbols).execution_options(populate_existing=True)
        )
        if referral is None:
            raise NotFound(_("No referral has this code. Check the code on the letter."))
        return referral

    @query
    async def public(self, code: str) -> PublicReferral:
        """What `/r/<code>` shows (no log-in): nothing but the first name and initial and what it points to."""
        referral = await self._by_code(code)
        target, institution = await self._target_names(referral)
        return PublicReferral(
            code=referral.code,
            holder=referral.holder,
            target=target,
            institution=institution,
            issued_on=referral.issued_on,
            status=referral.status,
            came_on=referral.came_on,
        )

    async def confirm(self, code: str, came_on: date | None, note: str) -> Referral:
        """The person came: at most once per code, whatever runs at the same time."""
        referral = await self._by_code(code)
        today = local_today()
        came_on = came_on or today
        if came_on > today:
            raise DomainError(_("The date cannot be in the future."), "came_on")
        if came_on < referral.issued_on:
            raise DomainError(
                _(
                    "The referral was issued on %(day)s; the date cannot be earlier.",
                    day=format_date(referral.issued_on),
                ),
                "came_on",
            )
        note = (note or "").strip()
        if len(note) > MAX_NOTE or "\x00" in note:
            raise DomainError(_("At most %(count)s characters.", count=MAX_NOTE), "note")
        result = await self.session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.status.in_([status.value for status in CONFIRMABLE]))
            .values(
                status=ReferralStatus.CONFIRMED.value,
                confirmed_at=datetime.now(UTC),
                came_on=came_on,
                confirmation_note=note,
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            current = await self._by_code(code)
            if current.status == ReferralStatus.CANCELLED:
                raise DomainError(_("This referral was cancelled by the centre; it cannot be confirmed."), "code")
            raise DomainError(
                _("This referral is already confirmed (the person came on %(day)s).", day=format_date(current.came_on)),
                "code",
            )
        await audit.record(self.session, self.actor, "referral.confirm", "referral", referral.id, ["status", "came_on"])
        return await self._by_code(code)

    # --- the centre's changes ---------------------------------------------------------------------------------

    async def undo_confirmation(self, referral_id: UUID) -> Referral:
        """Back to open (or overdue, past the expected date): the person did not come after all."""
        self.require(UNDO_CONFIRMATION)
        referral = await self._visible(referral_id)
        self.require(UNDO_CONFIRMATION, referral)
        status = ReferralStatus.OVERDUE if referral.expected_by < local_today() else ReferralStatus.OPEN
        result = await self.session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.status == ReferralStatus.CONFIRMED.value)
            .values(status=status.value, confirmed_at=None, came_on=None, confirmation_note="")
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            raise DomainError(_("This referral is not confirmed."))
        await audit.record(self.session, self.actor, "referral.confirm_undone", "referral", referral.id, ["status"])
        return await self._fresh(referral.id)

    async def cancel(self, referral_id: UUID, reason: str) -> Referral:
        """Withdraw an open (or overdue) referral, with the reason."""
        self.require(CANCEL)
        referral = await self._visible(referral_id)
        self.require(CANCEL, referral)
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("Say why the referral is cancelled."), "cancelled_reason")
        if len(reason) > MAX_CANCEL_REASON or "\x00" in reason:
            raise DomainError(_("At most %(count)s characters.", count=MAX_CANCEL_REASON), "cancelled_reason")
        result = await self.session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.status.in_([status.value for status in CONFIRMABLE]))
            .values(status=ReferralStatus.CANCELLED.value, cancelled_at=datetime.now(UTC), cancelled_reason=reason)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            raise DomainError(_("Only an open or overdue referral can be cancelled."), "cancelled_reason")
        await audit.record(self.session, self.actor, "referral.cancel", "referral", referral.id, ["status"])
        return await self._fresh(referral.id)

    async def mark_overdue(self, today: date | None = None) -> int:
        """Open referrals past their expected date become overdue (the daily job; one UPDATE)."""
        today = today or local_today()
        result = await self.session.execute(
            update(Referral)
            .where(Referral.status == ReferralStatus.OPEN.value, Referral.expected_by < today)
            .values(status=ReferralStatus.OVERDUE.value)
            .execution_options(synchronize_session=False)
        )
        count = _rowcount(result)
        if count:
            await audit.record(self.session, self.actor, "referral.overdue", "referral", today.isoformat(), [])
        return count

    # --- reading ----------------------------------------------------------------------------------------------

    async def _fresh(self, referral_id: UUID) -> Referral:
        referral = await self.session.scalar(
            select(Referral).where(Referral.id == referral_id).execution_options(populate_existing=True)
        )
        if referral is None:
            raise NotFound(_("This referral does not exist."))
        return referral

    async def _visible(self, referral_id: UUID) -> Referral:
        """The referral if the actor may see it; another site's is not found for shelter staff."""
        self.require(VIEW)
        referral = await self._fresh(referral_id)
        if not self.can(VIEW, referral):
            raise NotFound(_("This referral does not exist."))
        return referral

    async def _target_names(self, referral: Referral) -> tuple[str, str]:
        if referral.service_id is not None:
            service = await self.session.get(DirectoryEntry, referral.service_id)
            return (localized(service, "name"), service.institution) if service else ("", "")
        activity = await self.session.get(Activity, referral.activity_id) if referral.activity_id else None
        return (localized(activity, "title") if activity else "", "")

    def _scoped(self, statement: Any) -> Any:
        """`statement` limited to the referrals of the actor's sites (shelter staff)."""
        if not self.actor.sees_all_sites:
            statement = statement.where(Referral.site_id.in_(self.actor.site_ids))
        return statement

    async def _lines(self, referrals: list[Referral]) -> builtins.list[ReferralLine]:
        service_ids = {r.service_id for r in referrals if r.service_id}
        activity_ids = {r.activity_id for r in referrals if r.activity_id}
        person_ids = {r.person_id for r in referrals if r.person_id}
        services = (
            {
                s.id: s
                for s in await self.session.scalars(select(DirectoryEntry).where(DirectoryEntry.id.in_(service_ids)))
            }
            if service_ids
            else {}
        )
        activities = (
            {a.id: a for a in await self.session.scalars(select(Activity).where(Activity.id.in_(activity_ids)))}
            if activity_ids
            else {}
        )
        people = (
            {
                p.id: p
                for p in await self.session.scalars(
                    select(Person).where(Person.id.in_(person_ids), Person.anonymised_at.is_(None))
                )
            }
            if person_ids
            else {}
        )
        lines = []
        for referral in referrals:
            service = services.get(referral.service_id) if referral.service_id else None
            activity = activities.get(referral.activity_id) if referral.activity_id else None
            person = people.get(referral.person_id) if referral.person_id else None
            lines.append(
                ReferralLine(
                    referral=referral,
                    target=localized(service, "name")
                    if service
                    else (localized(activity, "title") if activity else ""),
                    institution=service.institution if service else "",
                    person=person.full_name if person else referral.holder,
                )
            )
        return lines

    @query
    async def list(
        self, *, status: str | None = None, mine: bool = False, kind: str | None = None, limit: int = 500
    ) -> builtins.list[ReferralLine]:
        """Referrals the actor may see, newest first; by status, kind, and the actor's own."""
        self.require(VIEW)
        statement = self._scoped(select(Referral))
        if status in STATUSES:
            statement = statement.where(Referral.status == status)
        if kind in KINDS:
            statement = statement.where(Referral.kind == kind)
        if mine:
            statement = statement.where(Referral.issued_by_id == self.actor.user_id)
        statement = statement.order_by(Referral.issued_on.desc(), Referral.id.desc()).limit(limit)
        return await self._lines(builtins.list(await self.session.scalars(statement)))

    @query
    async def counts(self, *, mine: bool = False) -> dict[str, int]:
        """How many referrals per status (for the list's tabs)."""
        self.require(VIEW)
        statement = self._scoped(select(Referral.status, func.count()).group_by(Referral.status))
        if mine:
            statement = statement.where(Referral.issued_by_id == self.actor.user_id)
        found = {status: 0 for status in STATUSES}
        for row in (await self.session.execute(statement)).all():
            found[str(row[0])] = int(row[1])
        return found

    @query
    async def open_of_actor(self, limit: int = 10) -> builtins.list[ReferralLine]:
        """The actor's own open and overdue referrals, overdue first, by the expected date (the start page)."""
        self.require(VIEW)
        statement = (
            select(Referral)
            .where(
                Referral.issued_by_id == self.actor.user_id,
                Referral.status.in_([status.value for status in CONFIRMABLE]),
            )
            .order_by((Referral.status == ReferralStatus.OVERDUE.value).desc(), Referral.expected_by)
            .limit(limit)
        )
        return await self._lines(builtins.list(await self.session.scalars(statement)))

    @query
    async def get(self, referral_id: UUID) -> ReferralDetail:
        referral = await self._visible(referral_id)
        service = await self.session.get(DirectoryEntry, referral.service_id) if referral.service_id else None
        activity = await self.session.get(Activity, referral.activity_id) if referral.activity_id else None
        person = await self.session.get(Person, referral.person_id) if referral.person_id else None
        site = await self.session.get(Site, referral.site_id) if referral.site_id else None
        name = person.full_name if person is not None and person.anonymised_at is None else referral.holder
        user = await self.session.get(User, referral.issued_by_id) if referral.issued_by_id else None
        issuer = user.full_name if user is not None and user.full_name else referral.issued_by
        return ReferralDetail(referral, service, activity, name, site.name if site else "", issuer)

    async def view(self, referral_id: UUID) -> ReferralDetail:
        """A referral's page: written to the audit log."""
        detail = await self.get(referral_id)
        await audit.record(self.session, self.actor, "referral.view", "referral", referral_id)
        return detail

    async def for_letter(self, referral_id: UUID) -> ReferralDetail:
        """The letter's content; the print is written to the audit log."""
        detail = await self.get(referral_id)
        await audit.record(self.session, self.actor, "referral.print", "referral", referral_id)
        return detail

    @query
    async def for_person(self, person_id: UUID) -> builtins.list[ReferralLine]:
        """A person's referrals the actor may see, newest first. Shelter staff open only the people staying at
        their sites (as they do the record itself): anyone else's is not found."""
        self.require(VIEW)
        if not self.actor.sees_all_sites and not (await self._open_stay_sites(person_id) & set(self.actor.site_ids)):
            raise NotFound(_("This person is not in the registry."))
        statement = self._scoped(select(Referral).where(Referral.person_id == person_id))
        statement = statement.order_by(Referral.issued_on.desc(), Referral.id.desc())
        return await self._lines(builtins.list(await self.session.scalars(statement)))

    # --- choosing what to refer to ----------------------------------------------------------------------------

    @query
    async def find_services(
        self, text: str = "", *, kind: str | None = None, limit: int = 20
    ) -> builtins.list[DirectoryEntry]:
        """Active directory entries matching every typed word (diacritics-insensitive), in the kind's category."""
        if not (self.can(ISSUE) or self.can(ISSUE_TO_SHELTER)):
            raise Forbidden(_("You do not have access to this page."))
        if not self.can(ISSUE):
            kind = ReferralKind.SHELTER.value
        category = KIND_CATEGORY.get(ReferralKind(kind)) if kind in KINDS else None
        found = await DirectoryService(self.session, self.actor).search(
            (text or "")[:200], category=category.value if category is not None else None, limit=limit
        )
        return [entry.service for entry in found.services]

    @query
    async def service(self, service_id: UUID) -> DirectoryEntry | None:
        """An active directory entry to refer to (the form's fixed service), or None."""
        return await self.session.scalar(
            select(DirectoryEntry)
            .where(DirectoryEntry.id == service_id, DirectoryEntry.active.is_(True))
            .execution_options(populate_existing=True)
        )

    @query
    async def activities(self) -> builtins.list[Activity]:
        """The centre's active activities a referral may point to."""
        return list(
            await self.session.scalars(
                select(Activity)
                .where(Activity.is_active.is_(True))
                .order_by(Activity.title)
                .execution_options(populate_existing=True)
            )
        )

    @query
    async def person_to_refer(self, person_id: UUID) -> PersonChoice | None:
        """The person the form is fixed to, if the actor may refer them (shelter staff: staying at their site)."""
        person = await self.session.scalar(
            select(Person)
            .where(Person.id == person_id, Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
            .execution_options(populate_existing=True)
        )
        if person is None:
            return None
        if not self.actor.sees_all_sites and not (await self._open_stay_sites(person.id) & set(self.actor.site_ids)):
            return None
        household = await self._household_of(person)
        return PersonChoice(person.id, person.full_name, household.size if household else 0)


async def export_rows(session: AsyncSession, status: str | None = None) -> builtins.list[builtins.list[str]]:
    """The command line's list (it acts as the system): code, kind, service, status, issued_on, expected_by."""
    statement = (
        select(Referral, DirectoryEntry.institution, DirectoryEntry.name, Activity.title)
        .outerjoin(DirectoryEntry, DirectoryEntry.id == Referral.service_id)
        .outerjoin(Activity, Activity.id == Referral.activity_id)
        .order_by(Referral.issued_on, Referral.id)
    )
    if status in STATUSES:
        statement = statement.where(Referral.status == status)
    return [
        [
            codes.format_code(referral.code),
            referral.kind,
            f"{institution} — {name}" if name else (title or ""),
            referral.status,
            referral.issued_on.isoformat(),
            referral.expected_by.isoformat(),
        ]
        for referral, institution, name, title in (await session.execute(statement)).all()
    ]
