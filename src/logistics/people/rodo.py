"""RODO (GDPR) for people: access (export everything held), erasure (anonymise), statistics; retention is the
scheduled job in `jobs.py`.

Erasure replaces the personal fields and keeps what statistics of past years need — the year of birth (never the
day) and its band, sex, citizenship category, the disability flag and household membership (so household size) —
so reports give the same counts before and after. Each domain registers what it holds with `privacy.register_provider`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.people.models import BeneficiaryCard, Household, HouseholdMember, Person, PersonToken
from logistics.people.policy import ERASE, EXPORT, STATISTICS
from logistics.people.privacy import PROVIDERS, PersonDataProvider, linked_sites, register_provider
from logistics.people.report import add_bed_nights
from logistics.people.services import PERSON_FIELDS, RegistryService
from logistics.settings import get_settings
from logistics.sites.models import Site

#: Citizenship categories kept after erasure (the full country code is personal in a small community).
CITIZENSHIP_CATEGORIES = {"PL": "PL", "UA": "UA"}


def citizenship_category(code: str) -> str:
    """PL, UA, other or unknown (ZZ, kept by erasure for any other country, counts as other)."""
    return CITIZENSHIP_CATEGORIES.get(code, "other" if code else "unknown")


def _value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


async def _export_registry(session: AsyncSession, person_id: UUID) -> dict[str, Any]:
    person = await session.get(Person, person_id)
    assert person is not None
    record = {name: _value(getattr(person, name)) for name in ("id", *PERSON_FIELDS, "is_incomplete", "created_at")}
    membership = person.membership
    household: dict[str, Any] | None = None
    if membership is not None:
        home = await session.get(Household, membership.household_id)
        assert home is not None
        household = {
            "id": str(home.id),
            "relationship": membership.relationship,
            "size": home.size,
            "income_per_person": str(home.income_per_person) if home.income_per_person is not None else None,
            "income_verified_on": _value(home.income_verified_on),
            "reasons": home.reasons,
            "members": [{"name": m.person.full_name, "relationship": m.relationship} for m in home.members],
        }
    cards = [
        {"code": card.code, "issued_at": _value(card.created_at), "revoked_at": _value(card.revoked_at)}
        for card in await session.scalars(select(BeneficiaryCard).where(BeneficiaryCard.person_id == person_id))
    ]
    return {"person": record, "household": household, "cards": cards}


async def _erase_registry(session: AsyncSession, person_id: UUID) -> None:
    person = await session.get(Person, person_id)
    assert person is not None
    person.given_name, person.family_name = "", ""
    # The year of birth (and its band) stays with sex and citizenship category: the reports of past periods count
    # age by year of birth (reports/README), so erasing a person does not change them.
    person.birth_date = None
    # Keep the category only: PL and UA stay, any other country becomes ZZ ("other"), unknown stays unknown.
    if person.citizenship and person.citizenship not in CITIZENSHIP_CATEGORIES:
        person.citizenship = "ZZ"
    person.pesel, person.pesel_ukr, person.id_document = None, False, ""
    person.phone, person.phone_digits, person.email = "", "", ""
    person.mobility_note, person.notes = "", ""
    person.clause_given_on, person.clause_basis = None, ""
    await session.execute(delete(PersonToken).where(PersonToken.person_id == person_id))
    for card in await session.scalars(
        select(BeneficiaryCard).where(BeneficiaryCard.person_id == person_id, BeneficiaryCard.revoked_at.is_(None))
    ):
        card.revoked_at, card.revoked_reason = datetime.now(UTC), "erased"


async def _merge_registry(session: AsyncSession, from_id: UUID, into_id: UUID) -> None:
    """Cards and household membership move to the kept record when it has none of its own."""
    keep_card = await session.scalar(
        select(BeneficiaryCard.id).where(BeneficiaryCard.person_id == into_id, BeneficiaryCard.revoked_at.is_(None))
    )
    for card in await session.scalars(select(BeneficiaryCard).where(BeneficiaryCard.person_id == from_id)):
        if card.revoked_at is None and keep_card is not None:
            card.revoked_at, card.revoked_reason = datetime.now(UTC), "merged"
        card.person_id = into_id
    other = await session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == from_id))
    kept = await session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == into_id))
    if other is not None and kept is None:
        other.person_id = into_id
    elif other is not None:
        await session.delete(other)
    await session.flush()


async def _export_audit(session: AsyncSession, person_id: UUID) -> list[dict[str, Any]]:
    entries = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "person", AuditEntry.entity_id == str(person_id))
        .order_by(AuditEntry.at)
    )
    return [{"at": _value(e.at), "who": e.actor_name, "action": e.action, "fields": e.fields} for e in entries]


register_provider(PersonDataProvider("registry", _export_registry, _erase_registry, _merge_registry))
register_provider(PersonDataProvider("audit", _export_audit))


class PrivacyService(RegistryService):
    async def export(self, person_id: UUID) -> dict[str, Any]:
        """Everything every domain holds about the person (RODO art. 15); the export itself is audit-logged."""
        self.require(EXPORT)
        person = await self._person(person_id, current=False)
        await audit.record(self.session, self.actor, "person.export", "person", person.id)
        await self.session.flush()
        result: dict[str, Any] = {
            "exported_at": datetime.now(UTC).isoformat(),
            "exported_by": self.actor.username,
            "organisation": get_settings().org_name,
        }
        for name, provider in sorted(PROVIDERS.items()):
            result[name] = await provider.export(self.session, person.id)
        return result

    async def report(self, person_id: UUID) -> dict[str, Any]:
        """The export for the readable report (`report.py`): the same data, each stay with its bed-nights."""
        data = await self.export(person_id)
        await add_bed_nights(self.session, person_id, data)
        return data

    async def erase(self, person_id: UUID, confirmation: str) -> Person:
        """Anonymise the person in every domain (RODO art. 17); `confirmation` must repeat the family name.

        The person's row is locked first: an edit or a merge at the same moment either went first (and its data is
        erased) or waits and then finds the record anonymised."""
        self.require(ERASE)
        person = await self._person(person_id, current=False, lock=True)
        if person.anonymised_at is not None:
            raise DomainError(_("This person has already been anonymised."))
        if person.merged_into_id is not None:
            raise DomainError(_("This record was merged into another one: erase that record instead."))
        staying_at = await staying_at_sites(self.session, person.id)
        if staying_at:
            raise DomainError(
                _(
                    "%(name)s is staying at %(sites)s now: check the person out there first, then erase the record.",
                    name=person.full_name,
                    sites=", ".join(staying_at),
                )
            )
        expected = (person.family_name or person.given_name).strip().lower()
        if confirmation.strip().lower() != expected:
            raise DomainError(_("Type the family name exactly as shown to confirm."), "confirmation")
        await erase_person(self.session, person, self.actor)
        return person

    @query
    async def statistics(self) -> RegistryStatistics:
        """The registry's counts (coordinators and case workers)."""
        self.require(STATISTICS)
        return await statistics(self.session)


async def staying_at_sites(session: AsyncSession, person_id: UUID) -> list[str]:
    """The names of the sites where the person is staying now (an open stay, as the shelter's provider tells).

    Such a person is not erased: the bed would stay taken by nobody and the roll call would show a nameless row."""
    site_ids = await linked_sites(session, person_id)
    if not site_ids:
        return []
    return list(await session.scalars(select(Site.name).where(Site.id.in_(site_ids)).order_by(Site.name)))


async def erase_person(session: AsyncSession, person: Person, actor: Actor) -> None:
    for provider in PROVIDERS.values():
        await provider.erase(session, person.id)
    person.anonymised_at = datetime.now(UTC)
    await audit.record(session, actor, "person.erase", "person", person.id)


@dataclass(frozen=True)
class RegistryStatistics:
    people: int
    by_sex: dict[str, int]
    by_birth_band: dict[int | None, int]
    by_citizenship: dict[str, int]
    households_by_size: dict[int, int]


async def statistics(session: AsyncSession) -> RegistryStatistics:
    """Counts for coordinators and statutory reports; anonymised records count as they did before.

    Counted in the database (GROUP BY), so the page stays fast with years of history.
    """
    current = Person.merged_into_id.is_(None)

    async def counts(column: Any) -> dict[Any, int]:
        rows: Any = await session.execute(select(column, func.count()).where(current).group_by(column))
        return {key: int(number) for key, number in rows.all()}

    by_citizenship: Counter[str] = Counter()
    for code, number in (await counts(Person.citizenship)).items():
        by_citizenship[citizenship_category(code)] += number
    by_band = await counts(Person.birth_year_band)
    sizes = (
        select(func.count().label("size")).select_from(HouseholdMember).group_by(HouseholdMember.household_id)
    ).subquery()
    households: Any = await session.execute(select(sizes.c.size, func.count()).group_by(sizes.c.size))
    return RegistryStatistics(
        people=sum(by_band.values()),
        by_sex=await counts(Person.sex),
        by_birth_band=dict(sorted(by_band.items(), key=lambda item: item[0] or 0)),
        by_citizenship=dict(by_citizenship),
        households_by_size={int(size): int(number) for size, number in sorted(households.all())},
    )
