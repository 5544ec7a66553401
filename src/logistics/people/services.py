"""Registry use cases for people: register (full or quick), find duplicates, edit, view, search, merge.

Who may do what is the registry's policy (`policy.py`): case workers register, edit and merge; coordinators read;
shelter staff search with a minimal view, register the minimum at the night desk and open — name, year of birth
and stay only — the records of the people staying at their sites; volunteers and warehouse staff never open the
registry. Every view of a record and every change goes to the audit log, with field names but no values.

A use case that reads a record and then changes it locks the person's row first (`lock=True`), so that an
erasure, a merge and an edit of the same person run one after the other and each sees what the other did.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.audit import services as audit
from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import format_date, local_today
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.db import lock_keys
from logistics.people.countries import country_codes
from logistics.people.models import BeneficiaryCard, Language, LegalBasis, Person, PersonToken, Sex, birth_year_band
from logistics.people.names import fold, query_tokens, search_tokens
from logistics.people.pesel import PeselError, parse_pesel
from logistics.people.policy import (
    EDIT,
    MERGE,
    QUICK_REGISTER,
    REGISTER,
    SEARCH,
    VIEW,
    VIEW_IDENTITY,
)
from logistics.people.privacy import PROVIDERS, linked_sites
from logistics.sites.models import Site

SEARCH_LIMIT = 20
#: The earliest date of birth the registry takes (anything earlier is a typing mistake).
BORN_SINCE = date(1900, 1, 1)
#: RODO applies from 25 May 2018: no RODO information clause was given before.
CLAUSE_SINCE = date(2018, 5, 25)
CARD_CODE_LENGTH = 17

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
    "has_disability",
    "mobility_note",
    "notes",
    "clause_given_on",
    "clause_basis",
)


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
    #: A certificate of disability (orzeczenie o niepełnosprawności): counted in the FEPŻ report.
    has_disability: bool = False
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


@dataclass(frozen=True)
class PersonRecord:
    """A person's record as the actor may see it — what the record's page is given.

    Everyone who may open it gets the name, the year of birth and the sites where the person is staying now;
    `person` (the full record), `card` and `duplicates` are there only for those who may see identity data
    (`people.view_identity`): shelter staff never get PESEL, document, contact details, the full date of birth,
    notes or RODO data, whatever the page does."""

    id: UUID
    name: str
    birth_year: int | None
    site_ids: frozenset[UUID]
    site_names: list[str]
    anonymised: bool
    person: Person | None = None
    card: BeneficiaryCard | None = None
    duplicates: list[Duplicate] = field(default_factory=list)


class PeselTaken(DomainError):
    """Another record has this PESEL (a PESEL is one person's): refused next to the PESEL field, naming the record
    so that a case worker can open it."""

    def __init__(self, other: Person) -> None:
        super().__init__(_("Another person has this PESEL."), "pesel")
        self.person_id = other.id
        self.name = other.full_name


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
    if data.birth_date and data.birth_date < BORN_SINCE:
        raise DomainError(_("Check the date of birth."), "birth_date")
    birth_year = data.birth_date.year if data.birth_date else data.birth_year
    if birth_year is None:
        raise DomainError(_("Enter the date of birth or at least the year."), "birth_year")
    if not BORN_SINCE.year <= birth_year <= today.year:
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
    if data.clause_given_on and data.clause_given_on < CLAUSE_SINCE:
        raise DomainError(
            _("Enter a date from %(low)s to %(high)s.", low=format_date(CLAUSE_SINCE), high=format_date(today)),
            "clause_given_on",
        )
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


def is_exact_query(text: str) -> bool:
    """A search that names one person: a PESEL (11 digits) or a well-formed card code."""
    compact = text.replace(" ", "").replace("-", "")
    return (compact.isdigit() and len(compact) == 11) or codes.is_well_formed(text, CARD_CODE_LENGTH)


def is_malformed_card_code(text: str) -> bool:
    """A search meant as a card code that is not a valid one (a misread scan, a typo): letters and digits mixed —
    no name has digits, no PESEL or phone has letters — or 17 symbols, and no valid check symbol."""
    compact = "".join(char for char in text if not char.isspace() and char not in "-_")
    if not compact.isalnum():
        return False
    mixed = len(compact) >= 8 and any(c.isdigit() for c in compact) and any(c.isalpha() for c in compact)
    return (mixed or len(compact) == CARD_CODE_LENGTH) and not codes.is_well_formed(text, CARD_CODE_LENGTH)


def locked(statement: Any) -> Any:
    """`statement` taking a row lock until the transaction ends (PostgreSQL: FOR NO KEY UPDATE, which does not hold
    up rows of other tables that refer to it; SQLite: nothing, its write transactions run one at a time), and
    reading the row afresh even when the session has it already."""
    return statement.with_for_update(key_share=True).execution_options(populate_existing=True)


async def current_person(session: AsyncSession, person_id: UUID, *, current: bool = True, lock: bool = False) -> Person:
    """The person, or NotFound; `current` also refuses anonymised records and those merged into another; `lock`
    locks the person's row until the transaction ends (for a use case that changes the person)."""
    if lock:
        person = await session.scalar(locked(select(Person).where(Person.id == person_id)))
    else:
        person = await session.get(Person, person_id)
    if person is None or (current and (person.merged_into_id or person.anonymised_at)):
        raise NotFound(_("This person is not in the registry."))
    return person


class RegistryService(Service):
    """What every registry service shares: the session, the actor, the policy, finding a person."""

    async def _person(self, person_id: UUID, *, current: bool = True, lock: bool = False) -> Person:
        return await current_person(self.session, person_id, current=current, lock=lock)


class PersonService(RegistryService):
    async def _get(self, person_id: UUID, *, lock: bool = False) -> Person:
        return await self._person(person_id, current=False, lock=lock)

    # --- registering --------------------------------------------------------------------------------------

    async def _find_duplicates(self, data: PersonInput, exclude: UUID | None = None) -> list[Duplicate]:
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

    async def _duplicates_of(self, person: Person) -> list[Duplicate]:
        """Other current records that look like this person (offered for merging on the record's page)."""
        if person.anonymised_at or person.merged_into_id:
            return []
        data = PersonInput(
            **{name: getattr(person, name) for name in PersonInput.__dataclass_fields__},
        )
        return await self._find_duplicates(data, exclude=person.id)

    async def register(self, data: PersonInput, *, confirmed_new: bool = False) -> Person:
        """A full record (case workers). Likely duplicates stop it unless the case worker confirmed.

        Registrations that could be duplicates of each other (the same PESEL, the same date or year of birth) take
        turns: a form sent twice, or two desks registering the same person at once, find the first record."""
        self.require(REGISTER)
        data = validate(data)
        born = data.birth_date.isoformat() if data.birth_date else str(data.birth_year)
        await lock_keys(self.session, f"people.born:{born}", *([f"people.pesel:{data.pesel}"] if data.pesel else []))
        await self._refuse_taken_pesel(data.pesel)  # the same PESEL is never a different person
        duplicates = await self._find_duplicates(data)
        if duplicates and not confirmed_new:
            raise PossibleDuplicates(duplicates)
        return await self._add(data, incomplete=False)

    async def _refuse_taken_pesel(self, pesel: str | None, person_id: UUID | None = None) -> None:
        """PeselTaken when a record other than `person_id` has `pesel`. The caller holds the PESEL's lock
        (`lock_keys`), so two desks giving the same PESEL at once take turns and the second is refused here."""
        if not pesel:
            return
        query = select(Person).where(Person.pesel == pesel)
        if person_id is not None:
            query = query.where(Person.id != person_id)
        other = await self.session.scalar(query.limit(1))
        if other is not None:
            raise PeselTaken(other)

    async def quick_register(self, given_name: str, sex: str, birth_year: int) -> Person:
        """The minimum at a night desk (given name, sex, year of birth); a case worker completes it later."""
        self.require(QUICK_REGISTER)
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
        self.require(EDIT)
        person = await self._get(person_id, lock=True)  # an erasure or merge at the same moment goes first or waits
        if person.anonymised_at or person.merged_into_id:
            raise DomainError(_("This record has been anonymised or merged and cannot be changed."))
        data = validate(data)
        if data.pesel and data.pesel != person.pesel:
            await lock_keys(self.session, f"people.pesel:{data.pesel}")
            await self._refuse_taken_pesel(data.pesel, person.id)
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

    async def view(self, person_id: UUID) -> PersonRecord:
        """The record as the actor may see it; the view is written to the audit log.

        Case workers and coordinators open any record; shelter staff only those of people linked to one of their
        sites (residents: see `privacy.linked_sites`), and see only the name, the year of birth and the stay.
        """
        self.require(VIEW)
        person = await self._get(person_id)
        site_ids = frozenset(await linked_sites(self.session, person.id))
        record = PersonRecord(
            id=person.id,
            name=person.full_name,
            birth_year=person.birth_year,
            site_ids=site_ids,
            site_names=await self._site_names(site_ids),
            anonymised=person.anonymised_at is not None,
        )
        if not self.can(VIEW, record):
            raise Forbidden(_("This person is not a resident of your sites."))
        if self.can(VIEW_IDENTITY, record):
            card = await self.session.scalar(
                select(BeneficiaryCard).where(
                    BeneficiaryCard.person_id == person.id, BeneficiaryCard.revoked_at.is_(None)
                )
            )
            duplicates = await self._duplicates_of(person) if self.can(MERGE, person) else []
            record = replace(record, person=person, card=card, duplicates=duplicates)
        await audit.record(self.session, self.actor, "person.view", "person", person.id)
        return record

    async def _site_names(self, site_ids: frozenset[UUID]) -> list[str]:
        """The names of those of `site_ids` the actor may see."""
        visible = [site_id for site_id in site_ids if self.actor.can_see_site(site_id)]
        if not visible:
            return []
        return list(await self.session.scalars(select(Site.name).where(Site.id.in_(visible)).order_by(Site.name)))

    async def to_edit(self, person_id: UUID) -> Person:
        """The full record for the edit form (case workers); the view is written to the audit log."""
        self.require(EDIT)
        person = await self._get(person_id)
        await audit.record(self.session, self.actor, "person.view", "person", person.id)
        return person

    # --- finding ------------------------------------------------------------------------------------------

    @query
    async def search(self, query: str) -> list[SearchResult]:
        """By name (any case, diacritics or transliteration), PESEL, phone or beneficiary-card code.

        By phone only for those who may see contact data: a phone prefix would tell the night desk whose number
        it is."""
        self.require(SEARCH)
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
            if not self.can(VIEW_IDENTITY):
                return []
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

    @query
    async def find_by_card(self, code: str) -> Person:
        """The holder of a valid card; a malformed code is refused before any lookup."""
        self.require(SEARCH)
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
        """Merge `other` into `keep`: every domain moves its history; empty fields are filled from `other`.

        Both rows are locked first, in a fixed order: two merges of the same pair in opposite directions, or a
        merge and an erasure, run one after the other, and the second finds the record already merged."""
        self.require(MERGE)
        if keep_id == other_id:
            raise DomainError(_("A record cannot be merged with itself."))
        both = {
            person.id: person
            for person in await self.session.scalars(
                locked(select(Person).where(Person.id.in_([keep_id, other_id])).order_by(Person.id))
            )
        }
        if len(both) != 2:
            raise NotFound(_("This person is not in the registry."))
        keep, other = both[keep_id], both[other_id]
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
