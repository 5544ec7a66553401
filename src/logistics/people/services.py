"""Registry use cases for people: register (full or quick), find duplicates, edit, view, search, merge.

Who may do what (see `access`): case workers register, edit and merge; coordinators view; shelter staff search
with a minimal view and register the minimum at the night desk; volunteers and warehouse staff never open the
registry. Every view of a record and every change goes to the audit log, with field names but no values.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from functools import lru_cache
from uuid import UUID

from babel import Locale
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.audit import services as audit
from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today
from logistics.core.roles import Role
from logistics.core.service import Service
from logistics.people.models import BeneficiaryCard, Language, LegalBasis, Person, PersonToken, Sex, birth_year_band
from logistics.people.names import fold, query_tokens, search_tokens
from logistics.people.pesel import PeselError, parse_pesel
from logistics.people.privacy import PROVIDERS, linked_sites

SEARCH_LIMIT = 20
CARD_CODE_LENGTH = 17

#: Roles that open full records; case workers also change them. Shelter staff open the records of residents
#: of their own sites (PersonService.view).
VIEW_ROLES = frozenset({Role.CASE_WORKER, Role.COORDINATOR})
RECORD_ROLES = VIEW_ROLES | {Role.SHELTER_STAFF}
EDIT_ROLES = frozenset({Role.CASE_WORKER})
#: Roles that search (shelter staff: a minimal view, to check someone in) and register the minimum.
SEARCH_ROLES = frozenset({Role.CASE_WORKER, Role.COORDINATOR, Role.SHELTER_STAFF})
QUICK_ROLES = frozenset({Role.CASE_WORKER, Role.SHELTER_STAFF})

#: Fields whose change is audit-logged by name; `notes` is visible to case workers only.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "birth_year",
    "sex",
    "citizenship",
    "pesel",
    "pesel_ukr",
    "id_document",
    "phone",
    "email",
    "preferred_language",
    "needs_accessible",
    "mobility_note",
    "notes",
    "clause_given_on",
    "clause_basis",
)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    codes_ = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes_ if len(code) == 2 and code.isalpha() and code != "ZZ")


@dataclass(frozen=True)
class PersonInput:
    given_name: str
    family_name: str
    birth_date: date | None
    birth_year: int | None
    sex: str
    citizenship: str = ""
    pesel: str | None = None
    pesel_ukr: bool = False
    id_document: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = Language.PL
    needs_accessible: bool = False
    mobility_note: str = ""
    notes: str = ""
    clause_given_on: date | None = None
    clause_basis: str = ""


@dataclass(frozen=True)
class Duplicate:
    person: Person
    reason: str


@dataclass(frozen=True)
class SearchResult:
    """What a search shows: enough to tell people apart, nothing more."""

    id: UUID
    name: str
    birth_year: int | None
    incomplete: bool


class PossibleDuplicates(DomainError):
    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(_("This person may already be registered. Check the records below."))
        self.duplicates = duplicates


def phone_digits(phone: str) -> str:
    """The national number: digits only, without a +48/0048 prefix, for prefix search."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0048"):
        digits = digits[4:]
    elif digits.startswith("48") and (len(digits) == 11 or phone.lstrip().startswith("+")):
        digits = digits[2:]
    return digits[:20]


def validate(data: PersonInput, today: date | None = None) -> PersonInput:
    """The rules every record obeys; DomainError names the field. Returns the input with derived values."""
    today = today or local_today()
    if data.sex not in {s.value for s in Sex}:
        raise DomainError(_("This option is not available."), "sex")
    if data.birth_date and data.birth_date > today:
        raise DomainError(_("The date of birth cannot be in the future."), "birth_date")
    if data.birth_date and data.birth_date.year < 1900:
        raise DomainError(_("Check the date of birth."), "birth_date")
    birth_year = data.birth_date.year if data.birth_date else data.birth_year
    if birth_year is None:
        raise DomainError(_("Enter the date of birth or at least the year."), "birth_year")
    if not 1900 <= birth_year <= today.year:
        raise DomainError(_("Check the year of birth."), "birth_year")
    if data.birth_date and data.birth_year and data.birth_year != data.birth_date.year:
        raise DomainError(_("The year of birth does not match the date of birth."), "birth_year")
    if data.citizenship and data.citizenship not in country_codes():
        raise DomainError(_("This option is not available."), "citizenship")
    if data.preferred_language not in {lang.value for lang in Language}:
        raise DomainError(_("This option is not available."), "preferred_language")
    if data.clause_basis and data.clause_basis not in {basis.value for basis in LegalBasis}:
        raise DomainError(_("This option is not available."), "clause_basis")
    if data.clause_given_on and data.clause_given_on > today:
        raise DomainError(_("The date cannot be in the future."), "clause_given_on")
    if data.email and ("@" not in data.email or " " in data.email or data.email.startswith("@")):
        raise DomainError(_("Enter a valid e-mail address."), "email")
    pesel = (data.pesel or "").strip() or None
    if pesel:
        try:
            info = parse_pesel(pesel)
        except PeselError as error:
            messages = {
                "format": _("A PESEL has 11 digits."),
                "checksum": _("This PESEL is not valid (check digit). Check for a typing mistake."),
                "date": _("This PESEL does not encode a valid date of birth."),
            }
            raise DomainError(messages.get(error.code, messages["checksum"]), "pesel") from error
        if data.birth_date and info.birth_date != data.birth_date:
            raise DomainError(_("The PESEL does not match the date of birth."), "pesel")
        if not data.birth_date and info.birth_date.year != birth_year:
            raise DomainError(_("The PESEL does not match the year of birth."), "pesel")
        if info.sex != data.sex:
            raise DomainError(_("The PESEL does not match the sex."), "pesel")
    elif data.pesel_ukr:
        raise DomainError(_("The UKR status needs a PESEL."), "pesel_ukr")
    birth_date = data.birth_date or (info.birth_date if pesel else None)
    return PersonInput(
        **{
            **{f.name: getattr(data, f.name) for f in fields(data)},
            "pesel": pesel,
            "birth_date": birth_date,
            "birth_year": birth_date.year if birth_date else birth_year,
        }
    )


async def current_person(session: AsyncSession, person_id: UUID, *, current: bool = True) -> Person:
    """The person, or NotFound; `current` also refuses anonymised records and those merged into another."""
    person = await session.get(Person, person_id)
    if person is None or (current and (person.merged_into_id or person.anonymised_at)):
        raise NotFound(_("This person is not in the registry."))
    return person


class RegistryService(Service):
    """What every registry service shares: the session, the actor, the role check, finding a person."""

    async def _person(self, person_id: UUID, *, current: bool = True) -> Person:
        return await current_person(self.session, person_id, current=current)


class PersonService(RegistryService):
    async def _get(self, person_id: UUID) -> Person:
        return await self._person(person_id, current=False)

    # --- registering --------------------------------------------------------------------------------------

    async def find_duplicates(self, data: PersonInput, exclude: UUID | None = None) -> list[Duplicate]:
        """Likely duplicates: the same PESEL; the same name and date of birth; a similar name and the same date."""
        conditions = []
        if data.pesel:
            conditions.append(Person.pesel == data.pesel)
        if data.birth_date:
            conditions.append(Person.birth_date == data.birth_date)
        elif data.birth_year:
            conditions.append(and_(Person.birth_year == data.birth_year, Person.birth_date.is_(None)))
        if not conditions:
            return []
        query = select(Person).where(or_(*conditions), Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
        if exclude:
            query = query.where(Person.id != exclude)
        wanted = fold(f"{data.given_name} {data.family_name}")
        found = []
        for person in await self.session.scalars(query.limit(200)):
            name = fold(person.full_name)
            if data.pesel and person.pesel == data.pesel:
                found.append(Duplicate(person, _("the same PESEL")))
            elif name == wanted:
                found.append(Duplicate(person, _("the same name and date of birth")))
            elif difflib.SequenceMatcher(None, name, wanted).ratio() >= 0.8:
                found.append(Duplicate(person, _("a similar name and the same date of birth")))
        return found

    async def duplicates_of(self, person: Person) -> list[Duplicate]:
        """Other current records that look like this person (offered for merging on the record's page)."""
        if person.anonymised_at or person.merged_into_id:
            return []
        data = PersonInput(
            **{name: getattr(person, name) for name in PersonInput.__dataclass_fields__},
        )
        return await self.find_duplicates(data, exclude=person.id)

    async def register(self, data: PersonInput, *, confirmed_new: bool = False) -> Person:
        """A full record (case workers). Likely duplicates stop it unless the case worker confirmed."""
        self._require(EDIT_ROLES)
        data = validate(data)
        duplicates = await self.find_duplicates(data)
        if any(d.person.pesel and d.person.pesel == data.pesel for d in duplicates):
            raise PossibleDuplicates(duplicates)  # the same PESEL is never a different person
        if duplicates and not confirmed_new:
            raise PossibleDuplicates(duplicates)
        return await self._add(data, incomplete=False)

    async def quick_register(self, given_name: str, sex: str, birth_year: int) -> Person:
        """The minimum at a night desk (given name, sex, year of birth); a case worker completes it later."""
        self._require(QUICK_ROLES)
        data = validate(
            PersonInput(given_name=given_name, family_name="", birth_date=None, birth_year=birth_year, sex=sex)
        )
        return await self._add(data, incomplete=True)

    async def _add(self, data: PersonInput, *, incomplete: bool) -> Person:
        person = Person(last_activity_at=datetime.now(UTC), is_incomplete=incomplete)
        self._apply(person, data)
        self.session.add(person)
        try:
            await self.session.flush()
        except IntegrityError as error:  # the same PESEL registered by someone else a moment ago
            raise DomainError(_("A person with this PESEL is already registered."), "pesel") from error
        await self._index(person)
        await audit.record(
            self.session,
            self.actor,
            "person.create",
            "person",
            person.id,
            [name for name in PERSON_FIELDS if getattr(data, name) not in ("", None, False)],
        )
        return person

    def _apply(self, person: Person, data: PersonInput) -> list[str]:
        changed = []
        for name in PERSON_FIELDS:
            value = getattr(data, name)
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed.append(name)
        person.birth_year_band = birth_year_band(person.birth_year)
        person.phone_digits = phone_digits(person.phone)
        return changed

    async def _index(self, person: Person) -> None:
        await self.session.execute(delete(PersonToken).where(PersonToken.person_id == person.id))
        for token in sorted(search_tokens(person.given_name, person.family_name)):
            self.session.add(PersonToken(person_id=person.id, token=token[:40]))

    # --- changing and viewing -----------------------------------------------------------------------------

    async def update(self, person_id: UUID, data: PersonInput) -> Person:
        self._require(EDIT_ROLES)
        person = await self._get(person_id)
        if person.anonymised_at or person.merged_into_id:
            raise DomainError(_("This record has been anonymised or merged and cannot be changed."))
        data = validate(data)
        changed = self._apply(person, data)
        if changed:
            person.is_incomplete = not person.family_name
            person.last_activity_at = datetime.now(UTC)
            try:
                await self.session.flush()
            except IntegrityError as error:
                raise DomainError(_("A person with this PESEL is already registered."), "pesel") from error
            await self._index(person)
            await audit.record(self.session, self.actor, "person.update", "person", person.id, changed)
        return person

    async def view(self, person_id: UUID) -> Person:
        """The full record for someone allowed to open it; the view is written to the audit log.

        Case workers and coordinators open any record; shelter staff only those of people linked to one of
        their sites (residents: see `privacy.linked_sites`); nobody else.
        """
        if self.actor.role == Role.SHELTER_STAFF:
            person = await self._get(person_id)
            if not self.actor.site_ids & await linked_sites(self.session, person.id):
                raise Forbidden(_("This person is not a resident of your sites."))
        else:
            self._require(VIEW_ROLES)
            person = await self._get(person_id)
        await audit.record(self.session, self.actor, "person.view", "person", person.id)
        return person

    # --- finding ------------------------------------------------------------------------------------------

    async def search(self, query: str) -> list[SearchResult]:
        """By name (any case, diacritics or transliteration), PESEL, phone or beneficiary-card code."""
        self._require(SEARCH_ROLES)
        query = query.strip()[:100]
        if not query:
            return []
        compact = query.replace(" ", "").replace("-", "")
        active = and_(Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
        statement = select(Person).where(active)
        if compact.isdigit() and len(compact) == 11:
            statement = statement.where(Person.pesel == compact)
        elif codes.is_well_formed(query, CARD_CODE_LENGTH):
            card_owner = select(BeneficiaryCard.person_id).where(
                BeneficiaryCard.code == codes.normalize(query), BeneficiaryCard.revoked_at.is_(None)
            )
            statement = statement.where(Person.id.in_(card_owner))
        elif compact.lstrip("+").isdigit() and len(compact) >= 5:
            statement = statement.where(Person.phone_digits.startswith(phone_digits(compact), autoescape=True))
        else:
            tokens = query_tokens(query)
            if not tokens:
                return []
            for token in tokens:
                statement = statement.where(
                    Person.id.in_(
                        select(PersonToken.person_id).where(PersonToken.token.startswith(token, autoescape=True))
                    )
                )
        statement = statement.order_by(Person.family_name, Person.given_name).limit(SEARCH_LIMIT)
        return [
            SearchResult(id=p.id, name=p.full_name, birth_year=p.birth_year, incomplete=p.is_incomplete)
            for p in await self.session.scalars(statement)
        ]

    async def find_by_card(self, code: str) -> Person:
        """The holder of a valid card; a malformed code is refused before any lookup."""
        self._require(SEARCH_ROLES)
        if not codes.is_well_formed(code, CARD_CODE_LENGTH):
            raise DomainError(_("This is not a valid card code. Check it and try again."), "code")
        person = await self.session.scalar(
            select(Person)
            .join(BeneficiaryCard, BeneficiaryCard.person_id == Person.id)
            .where(BeneficiaryCard.code == codes.normalize(code), BeneficiaryCard.revoked_at.is_(None))
        )
        if person is None:
            raise NotFound(_("No valid card has this code."))
        return person

    # --- merging ------------------------------------------------------------------------------------------

    async def merge(self, keep_id: UUID, other_id: UUID) -> Person:
        """Merge `other` into `keep`: every domain moves its history; empty fields are filled from `other`."""
        self._require(EDIT_ROLES)
        if keep_id == other_id:
            raise DomainError(_("A record cannot be merged with itself."))
        keep, other = await self._get(keep_id), await self._get(other_id)
        for person in (keep, other):
            if person.anonymised_at or person.merged_into_id:
                raise DomainError(_("This record has been anonymised or merged and cannot be changed."))
        if keep.pesel and other.pesel and keep.pesel != other.pesel:
            raise DomainError(_("These records have different PESEL numbers: they are different people."))
        filled = []
        for name in PERSON_FIELDS:
            if getattr(keep, name) in ("", None, False) and getattr(other, name) not in ("", None, False):
                filled.append(name)
        values = {name: getattr(other, name) for name in filled}
        if "pesel" in values:
            other.pesel = None
            await self.session.flush()
        for name, value in values.items():
            setattr(keep, name, value)
        keep.birth_year_band = birth_year_band(keep.birth_year)
        keep.phone_digits = phone_digits(keep.phone)
        keep.is_incomplete = not keep.family_name
        for provider in PROVIDERS.values():
            await provider.merge(self.session, other.id, keep.id)
        other.merged_into_id = keep.id
        await self.session.execute(delete(PersonToken).where(PersonToken.person_id == other.id))
        await self.session.flush()
        await self._index(keep)
        keep.last_activity_at = datetime.now(UTC)
        await audit.record(self.session, self.actor, "person.merge_in", "person", keep.id, filled)
        await audit.record(self.session, self.actor, "person.merged_into", "person", other.id)
        return keep
