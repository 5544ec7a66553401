"""The directory's use cases: search (words, category, language, nearest first), an entry, add / change / archive
/ restore / verify (coordinators), suggestions (case workers and shelter staff suggest, coordinators resolve), the
CSV import and export of entries and the import of places.

Every save keeps `Service.search_text` (`directory.text.search_text`) after the categories and languages are set.
An import is all or nothing: a file with any bad row is refused with every bad row's line and problem
(`ImportRefused`), and nothing of it is saved.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import selectinload

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_today, ngettext
from logistics.core.service import Service as UseCases
from logistics.core.service import query
from logistics.directory.entries import (
    TEXT_FIELDS,
    ServiceInput,
    check_text,
    parse_codes,
    parse_coordinate,
    parse_yes_no,
    read_entry,
)
from logistics.directory.models import (
    VERIFY_MONTHS,
    Place,
    Service,
    ServiceCategoryRow,
    ServiceLanguage,
    ServiceSuggestion,
)
from logistics.directory.policy import EDIT, SUGGEST, VIEW
from logistics.directory.text import distance_km, query_words, search_text
from logistics.people.names import fold
from logistics.settings import get_settings

#: The columns of the CSV file, in the order the export writes them (the import takes any order by name).
CSV_COLUMNS = [
    "id",
    "institution",
    "name",
    "name_en",
    "name_uk",
    "category",
    "languages",
    "offers",
    "offers_en",
    "offers_uk",
    "eligibility",
    "eligibility_en",
    "eligibility_uk",
    "address",
    "district",
    "latitude",
    "longitude",
    "opening_hours",
    "phone",
    "email",
    "website",
    "referral_required",
    "verified_on",
    "active",
]
REQUIRED_COLUMNS = ("institution", "name", "category")
PLACE_COLUMNS = ["name", "latitude", "longitude"]
#: The most rows one file may have (a directory of a city has a few hundred entries).
MAX_ROWS = 2000
#: The largest file accepted (bytes).
MAX_FILE_BYTES = 5 * 1024 * 1024
#: The most bad rows one refusal lists (the file is refused anyway).
MAX_REPORTED = 200
#: A search shows at most this many entries.
MAX_LIMIT = 500
#: Words that name a kind of street or place and say nothing of where it is ("ul. Zwycięstwa" = "Zwycięstwa").
_STREET_WORDS = {"ul", "ulica", "al", "aleja", "aleje", "pl", "plac", "os", "osiedle", "rondo", "skwer"}
_PAIR = re.compile(r"\s*([+-]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([+-]?\d{1,3}(?:\.\d+)?)\s*")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_SUGGESTION = 2000
MAX_QUERY = 200


class ImportRefused(DomainError):
    """A file refused whole: `rows` are (line number, problem) of every bad row (line 1 is the header)."""

    error = "import_refused"

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        count = len(rows)
        super().__init__(
            ngettext(
                "The file was not imported: %(num)s problem. Correct it and import the file again.",
                "The file was not imported: %(num)s problems. Correct them and import the file again.",
                count,
            ),
            "file",
        )
        self.rows = rows
        self.details = {"rows": [{"line": line, "message": message} for line, message in rows]}


@dataclass(frozen=True)
class Found:
    service: Service
    distance_km: float | None


@dataclass(frozen=True)
class DirectorySearch:
    services: list[Found]
    place: Place | None
    near_unknown: bool
    #: How many entries matched (more than `services` when the limit cut the list).
    total: int = 0


@dataclass(frozen=True)
class DirectoryCounts:
    """What the coordinators' start panel shows."""

    not_verified: int
    open_suggestions: int


def months_ago(today: date, months: int) -> date:
    """The same day `months` months before `today` (the last day of a shorter month)."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


def verify_due_before() -> date:
    """Entries verified before this day (or never) carry the warning."""
    return months_ago(local_today(), VERIFY_MONTHS)


def needs_verification(service: Service) -> bool:
    return service.verified_on is None or service.verified_on < verify_due_before()


def _clean_query(text: str) -> str:
    return _INVISIBLE.sub(" ", text[:MAX_QUERY])


def _place_words(text: str) -> list[str]:
    return [word for word in fold(text).split() if word not in _STREET_WORDS]


def _contains(words: list[str], part: list[str]) -> bool:
    size = len(part)
    return size > 0 and any(words[i : i + size] == part for i in range(len(words) - size + 1))


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _coordinate(value: float | None) -> str:
    return "" if value is None else repr(round(value, 7))


class DirectoryService(UseCases):
    """The directory of services: read by everyone who advises people, kept by the coordinators."""

    # --- reading --------------------------------------------------------------------------------------------

    @query
    async def search(
        self,
        query: str = "",
        *,
        category: str | None = None,
        language: str | None = None,
        near: str = "",
        limit: int = 50,
    ) -> DirectorySearch:
        """Active entries with every word of `query` (diacritics-insensitive, any language), of `category` and
        speaking `language`; nearest first when `near` names a known place (or is "lat, lon"), else by
        institution and name."""
        self.require(VIEW)
        return await self._search(query, category=category, language=language, near=near, limit=limit)

    @query
    async def public_search(
        self, query: str = "", *, category: str | None = None, language: str | None = None, near: str = ""
    ) -> DirectorySearch:
        """The same search for the public page (no log-in): not found unless LOGISTICS_PUBLIC_DIRECTORY is on."""
        if not get_settings().public_directory:
            raise NotFound(_("This page does not exist."))
        return await self._search(query, category=category, language=language, near=near, limit=100)

    async def _search(
        self, query: str, *, category: str | None, language: str | None, near: str, limit: int
    ) -> DirectorySearch:
        limit = max(1, min(limit, MAX_LIMIT))
        statement = select(Service).where(Service.active.is_(True))
        for word in query_words(_clean_query(query)):
            statement = statement.where(literal(" ").concat(Service.search_text).like(f"% {word}%"))
        if category:
            statement = statement.where(
                Service.id.in_(select(ServiceCategoryRow.service_id).where(ServiceCategoryRow.category == category))
            )
        if language:
            statement = statement.where(
                Service.id.in_(select(ServiceLanguage.service_id).where(ServiceLanguage.language == language))
            )
        near = _clean_query(near).strip()
        place = await self._place(near) if near else None
        statement = statement.order_by(func.lower(Service.institution), func.lower(Service.name), Service.id)
        if place is None:
            total = await self.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
            found = list(await self.session.scalars(statement.limit(limit)))
            return DirectorySearch([Found(service, None) for service in found], None, bool(near), int(total or 0))
        everything = list(await self.session.scalars(statement.limit(MAX_ROWS)))
        measured = [
            Found(
                service,
                distance_km(place.latitude, place.longitude, service.latitude, service.longitude)
                if service.latitude is not None and service.longitude is not None
                else None,
            )
            for service in everything
        ]
        measured.sort(key=lambda found: (found.distance_km is None, found.distance_km or 0.0))
        return DirectorySearch(measured[:limit], place, False, len(measured))

    async def _place(self, near: str) -> Place | None:
        """The place `near` names: a "lat, lon" pair, else the longest known place whose words are among its
        words (street words like "ul." aside), else the shortest place whose name starts with it."""
        pair = _PAIR.fullmatch(near)
        if pair:
            try:
                latitude, longitude = parse_coordinate(pair[1], 90), parse_coordinate(pair[2], 180)
            except ValueError:
                return None
            assert latitude is not None
            assert longitude is not None
            return Place(name=near, key=fold(near), latitude=latitude, longitude=longitude)
        words = _place_words(near)
        if not words:
            return None
        places = list(await self.session.scalars(select(Place)))
        best: tuple[int, Place] | None = None
        for place in places:
            key = _place_words(place.name) or place.key.split()
            if _contains(words, key) and (best is None or len(" ".join(key)) > best[0]):
                best = (len(" ".join(key)), place)
        if best:
            return best[1]
        typed = " ".join(words)
        if len(typed) >= 3:
            starting = [place for place in places if " ".join(_place_words(place.name)).startswith(typed)]
            if starting:
                return min(starting, key=lambda place: (len(place.key), place.key))
        return None

    @query
    async def get(self, service_id: UUID) -> Service:
        """An entry (archived ones too: referrals name them)."""
        self.require(VIEW)
        service = await self.session.get(Service, service_id)
        if service is None:
            raise NotFound(_("This entry of the directory does not exist."))
        return service

    @query
    async def chosen(self, service_ids: list[UUID]) -> list[Service]:
        """The active entries among `service_ids`, by institution and name (a printed list)."""
        self.require(VIEW)
        if not service_ids:
            return []
        found = await self.session.scalars(
            select(Service)
            .where(Service.id.in_(service_ids[:MAX_LIMIT]), Service.active.is_(True))
            .order_by(func.lower(Service.institution), func.lower(Service.name), Service.id)
        )
        return list(found)

    @query
    async def archived(self) -> list[Service]:
        self.require(EDIT)
        found = await self.session.scalars(
            select(Service).where(Service.active.is_(False)).order_by(func.lower(Service.institution), Service.name)
        )
        return list(found)

    @query
    async def counts(self) -> DirectoryCounts:
        self.require(EDIT)
        not_verified = await self.session.scalar(
            select(func.count())
            .select_from(Service)
            .where(
                Service.active.is_(True),
                or_(Service.verified_on.is_(None), Service.verified_on < verify_due_before()),
            )
        )
        suggestions = await self.session.scalar(
            select(func.count()).select_from(ServiceSuggestion).where(ServiceSuggestion.resolved_at.is_(None))
        )
        return DirectoryCounts(int(not_verified or 0), int(suggestions or 0))

    @query
    async def to_verify(self) -> list[Service]:
        """Active entries not verified for VERIFY_MONTHS months (never verified first, then the oldest)."""
        self.require(VIEW)
        found = await self.session.scalars(
            select(Service)
            .where(
                Service.active.is_(True),
                or_(Service.verified_on.is_(None), Service.verified_on < verify_due_before()),
            )
            .order_by(Service.verified_on.is_not(None), Service.verified_on, func.lower(Service.institution))
        )
        return list(found)

    # --- keeping entries ------------------------------------------------------------------------------------

    def _apply(self, service: Service, data: ServiceInput) -> list[str]:
        """Copy `data` onto `service`; the names of the fields that changed."""
        changed: list[str] = []
        for name, value in data.texts().items():
            if getattr(service, name, None) != value:
                setattr(service, name, value)
                changed.append(name)
        for name in ("latitude", "longitude", "referral_required", "verified_on"):
            value = getattr(data, name)
            if getattr(service, name, None) != value:
                setattr(service, name, value)
                changed.append(name)
        if sorted(service.categories) != sorted(data.categories):
            keep = set(data.categories)
            service.category_rows = [row for row in service.category_rows if row.category in keep] + [
                ServiceCategoryRow(category=code) for code in data.categories if code not in set(service.categories)
            ]
            changed.append("categories")
        if sorted(service.languages) != sorted(data.languages):
            keep = set(data.languages)
            service.language_rows = [row for row in service.language_rows if row.language in keep] + [
                ServiceLanguage(language=code) for code in data.languages if code not in set(service.languages)
            ]
            changed.append("languages")
        service.search_text = search_text(service)
        return changed

    async def create(self, data: ServiceInput) -> Service:
        self.require(EDIT)
        _check(data)
        service = Service(institution=data.institution, name=data.name, active=True, category_rows=[], language_rows=[])
        changed = self._apply(service, data)
        self.session.add(service)
        await self.session.flush()
        await audit.record(self.session, self.actor, "service.create", "service", service.id, changed)
        return service

    async def update(self, service_id: UUID, data: ServiceInput) -> Service:
        self.require(EDIT)
        _check(data)
        service = await self._for_edit(service_id)
        changed = self._apply(service, data)
        await self.session.flush()
        if changed:
            await audit.record(self.session, self.actor, "service.update", "service", service.id, changed)
        return service

    async def _for_edit(self, service_id: UUID) -> Service:
        service = await self.session.get(Service, service_id, with_for_update=True)
        if service is None:
            raise NotFound(_("This entry of the directory does not exist."))
        return service

    async def archive(self, service_id: UUID) -> Service:
        """The entry leaves searches and lists (referrals naming it keep it)."""
        self.require(EDIT)
        service = await self._for_edit(service_id)
        if not service.active:
            raise DomainError(_("This entry is archived already."))
        service.active = False
        await self.session.flush()
        await audit.record(self.session, self.actor, "service.archive", "service", service.id, ["active"])
        return service

    async def restore(self, service_id: UUID) -> Service:
        self.require(EDIT)
        service = await self._for_edit(service_id)
        if service.active:
            raise DomainError(_("This entry is not archived."))
        service.active = True
        await self.session.flush()
        await audit.record(self.session, self.actor, "service.restore", "service", service.id, ["active"])
        return service

    async def verify(self, service_id: UUID) -> Service:
        """The entry was checked with the institution today."""
        self.require(EDIT)
        service = await self._for_edit(service_id)
        service.verified_on = local_today()
        await self.session.flush()
        await audit.record(self.session, self.actor, "service.verify", "service", service.id, ["verified_on"])
        return service

    # --- suggestions ----------------------------------------------------------------------------------------

    async def suggest(self, text: str, service_id: UUID | None = None) -> ServiceSuggestion:
        """A change to an entry (or a new entry, without `service_id`) for the coordinators."""
        self.require(SUGGEST)
        text = text.strip()
        problem = check_text(text, MAX_SUGGESTION, required=True)
        if problem:
            raise DomainError(problem, "text")
        if service_id is not None:
            service = await self.session.get(Service, service_id)
            if service is None:
                raise NotFound(_("This entry of the directory does not exist."))
        suggestion = ServiceSuggestion(
            service_id=service_id, text=text, suggested_by_id=self.actor.user_id, suggested_by=self.actor.username
        )
        self.session.add(suggestion)
        await self.session.flush()
        await audit.record(self.session, self.actor, "service.suggest", "service_suggestion", suggestion.id, ["text"])
        return suggestion

    @query
    async def suggestions(
        self, *, resolved: bool = False, limit: int = 200
    ) -> list[tuple[ServiceSuggestion, Service | None]]:
        """Open suggestions oldest first (or the resolved ones, newest first), each with its entry."""
        self.require(EDIT)
        statement = select(ServiceSuggestion, Service).outerjoin(Service, Service.id == ServiceSuggestion.service_id)
        if resolved:
            statement = statement.where(ServiceSuggestion.resolved_at.is_not(None)).order_by(
                ServiceSuggestion.resolved_at.desc()
            )
        else:
            statement = statement.where(ServiceSuggestion.resolved_at.is_(None)).order_by(
                ServiceSuggestion.created_at, ServiceSuggestion.id
            )
        rows: list[Any] = list((await self.session.execute(statement.limit(limit))).all())
        return [(suggestion, service) for suggestion, service in rows]

    @query
    async def suggestions_for(self, service_id: UUID) -> list[ServiceSuggestion]:
        """The open suggestions about one entry (for the coordinators, on its page)."""
        self.require(EDIT)
        found = await self.session.scalars(
            select(ServiceSuggestion)
            .where(ServiceSuggestion.service_id == service_id, ServiceSuggestion.resolved_at.is_(None))
            .order_by(ServiceSuggestion.created_at)
        )
        return list(found)

    async def resolve_suggestion(self, suggestion_id: UUID) -> ServiceSuggestion:
        """The suggestion was made (or set aside): it leaves the open list. Once only."""
        self.require(EDIT)
        suggestion = await self.session.get(ServiceSuggestion, suggestion_id, with_for_update=True)
        if suggestion is None:
            raise NotFound(_("This suggestion does not exist."))
        if suggestion.resolved_at is not None:
            raise DomainError(_("This suggestion has been resolved already."))
        suggestion.resolved_at = datetime.now(UTC)
        suggestion.resolved_by = self.actor.username
        await self.session.flush()
        await audit.record(
            self.session, self.actor, "service.suggestion_resolve", "service_suggestion", suggestion.id, ["resolved_at"]
        )
        return suggestion

    # --- CSV ------------------------------------------------------------------------------------------------

    @query
    async def export_csv(self) -> bytes:
        """Every entry (archived too, active = no) in the import's format: it imports back unchanged."""
        self.require(EDIT)
        found = await self.session.scalars(
            select(Service)
            .options(selectinload(Service.category_rows), selectinload(Service.language_rows))
            .order_by(func.lower(Service.institution), func.lower(Service.name), Service.id)
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for service in found:
            row: dict[str, str] = {name: getattr(service, name) for name in TEXT_FIELDS}
            row.update(
                id=str(service.id),
                category=";".join(service.categories),
                languages=";".join(service.languages),
                latitude=_coordinate(service.latitude),
                longitude=_coordinate(service.longitude),
                referral_required=_yes_no(service.referral_required),
                verified_on=service.verified_on.isoformat() if service.verified_on else "",
                active=_yes_no(service.active),
            )
            writer.writerow([row[column] for column in CSV_COLUMNS])
        return out.getvalue().encode("utf-8")

    async def import_csv(self, content: bytes) -> int:
        """Add (empty id) or change (an exported id) the entries of a CSV file; how many rows were saved. Any bad
        row refuses the whole file (`ImportRefused`: every bad row's line and problem) and nothing is saved."""
        self.require(EDIT)
        rows = _read_csv(content, CSV_COLUMNS, REQUIRED_COLUMNS)
        problems: list[tuple[int, str]] = []
        parsed: list[tuple[int, UUID | None, ServiceInput, bool]] = []
        seen_ids: dict[UUID, int] = {}
        for line, values in rows:
            row_problems: list[str] = []
            service_id: UUID | None = None
            raw_id = values.get("id", "").strip()
            if raw_id:
                try:
                    service_id = UUID(raw_id) if len(raw_id) <= 40 else None
                    if service_id is None:
                        raise ValueError(raw_id)
                except ValueError:
                    row_problems.append(_("id: not an id of an entry (leave it empty for a new entry)."))
                else:
                    if service_id in seen_ids:
                        row_problems.append(
                            _("id: the same entry is on line %(line)s already.", line=seen_ids[service_id])
                        )
                    else:
                        seen_ids[service_id] = line
            referral_required = active = False
            try:
                referral_required = parse_yes_no(values.get("referral_required", ""), default=False)
            except ValueError:
                row_problems.append(_("referral_required: write yes or no."))
            try:
                active = parse_yes_no(values.get("active", ""), default=True)
            except ValueError:
                row_problems.append(_("active: write yes or no."))
            data, errors = read_entry(
                lambda name, values=values: values.get(name, ""),  # type: ignore[misc]
                parse_codes(values.get("category", ""))[:20],
                parse_codes(values.get("languages", ""))[:20],
                referral_required,
            )
            for name, message in errors.items():
                row_problems.append(f"{name}: {message}")
            if row_problems or data is None:
                problems += [(line, message) for message in row_problems]
            else:
                parsed.append((line, service_id, data, active))
        if seen_ids:
            known = set(await self.session.scalars(select(Service.id).where(Service.id.in_(list(seen_ids)))))
            for service_id, line in seen_ids.items():
                if service_id not in known:
                    problems.append((line, _("id: no entry has this id (leave it empty for a new entry).")))
        if problems:
            problems.sort(key=lambda problem: problem[0])
            raise ImportRefused(problems[:MAX_REPORTED])
        existing = {}
        if seen_ids:
            existing = {
                service.id: service
                for service in await self.session.scalars(select(Service).where(Service.id.in_(list(seen_ids))))
            }
        created = updated = 0
        for _line, service_id, data, active in parsed:
            if service_id is None:
                service = Service(
                    institution=data.institution, name=data.name, active=active, category_rows=[], language_rows=[]
                )
                self._apply(service, data)
                self.session.add(service)
                created += 1
            else:
                service = existing[service_id]
                changed = self._apply(service, data)
                if service.active != active:
                    service.active = active
                    changed.append("active")
                updated += bool(changed)
        await self.session.flush()
        await audit.record(
            self.session, self.actor, "service.import", "service", f"{created}+{updated}", ["created", "updated"]
        )
        return len(parsed)

    @query
    async def places(self) -> list[Place]:
        self.require(VIEW)
        return list(await self.session.scalars(select(Place).order_by(Place.key)))

    async def import_places(self, content: bytes) -> int:
        """Add or change (same name, folded) the places of a CSV file `name,latitude,longitude`; all or nothing."""
        self.require(EDIT)
        rows = _read_csv(content, PLACE_COLUMNS, PLACE_COLUMNS)
        problems: list[tuple[int, str]] = []
        parsed: dict[str, tuple[str, float, float]] = {}
        lines: dict[str, int] = {}
        for line, values in rows:
            name = values.get("name", "").strip()
            problem = check_text(name, 120, required=True)
            key = fold(name)[:120]
            if problem:
                problems.append((line, f"name: {problem}"))
            elif not key:
                problems.append((line, _("name: the name has no letters or digits.")))
            elif key in lines:
                problems.append((line, _("name: the same place is on line %(line)s already.", line=lines[key])))
            latitude = longitude = None
            try:
                latitude = parse_coordinate(values.get("latitude", "")[:40], 90)
            except ValueError:
                problems.append(
                    (line, "latitude: " + _("Enter the latitude as a number from -90 to 90, e.g. 50.2945."))
                )
            try:
                longitude = parse_coordinate(values.get("longitude", "")[:40], 180)
            except ValueError:
                problems.append(
                    (line, "longitude: " + _("Enter the longitude as a number from -180 to 180, e.g. 18.6714."))
                )
            if not problem and key and key not in lines:
                lines[key] = line
                if latitude is not None and longitude is not None:
                    parsed[key] = (name, latitude, longitude)
        if problems:
            problems.sort(key=lambda problem: problem[0])
            raise ImportRefused(problems[:MAX_REPORTED])
        existing = {place.key: place for place in await self.session.scalars(select(Place))}
        for key, (name, latitude, longitude) in parsed.items():
            place = existing.get(key)
            if place is None:
                self.session.add(Place(name=name, key=key, latitude=latitude, longitude=longitude))
            else:
                place.name, place.latitude, place.longitude = name, latitude, longitude
        await self.session.flush()
        await audit.record(self.session, self.actor, "places.import", "place", str(len(parsed)), ["places"])
        return len(parsed)


def _check(data: ServiceInput) -> None:
    """The last word on an entry given by code (forms and files are checked field by field before)."""
    _data, errors = read_entry(
        lambda name: "" if getattr(data, name) is None else str(getattr(data, name)),
        data.categories,
        data.languages,
        data.referral_required,
    )
    if errors:
        name, message = next(iter(errors.items()))
        raise DomainError(message, name)


def _read_csv(
    content: bytes, columns: list[str], required: tuple[str, ...] | list[str]
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as (line where the row starts, values by column), empty rows left out; the file
    refused (`ImportRefused`) when it is not UTF-8 text, has unknown or missing columns or too many rows."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused([(0, _("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024)))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([(0, _("The file is not UTF-8 text: save it as CSV UTF-8 and try again."))]) from None
    if "\x00" in text:
        raise ImportRefused([(0, _("The file is not a CSV text file."))])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRefused([(1, _("The file is empty: the first line names the columns."))]) from None
    except csv.Error:
        raise ImportRefused([(1, _("The first line is not CSV."))]) from None
    problems: list[tuple[int, str]] = []
    unknown = [name for name in header if name not in columns]
    if unknown:
        problems.append(
            (
                1,
                _(
                    "Unknown column: %(names)s. Columns: %(known)s.",
                    names=", ".join(unknown)[:300],
                    known=", ".join(columns),
                ),
            )
        )
    doubled = sorted({name for name in header if header.count(name) > 1 and name in columns})
    if doubled:
        problems.append((1, _("A column appears twice: %(names)s.", names=", ".join(doubled))))
    missing = [name for name in required if name not in header]
    if missing:
        problems.append((1, _("Missing column: %(names)s.", names=", ".join(missing))))
    if problems:
        raise ImportRefused(problems)
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.append((start, _("This line is not CSV (a quotation mark left open?).")))
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(
                [(line, _("The file has more than %(num)s rows: split it into smaller files.", num=MAX_ROWS))]
            )
        if len(cells) > len(header):
            problems.append((line, _("The row has more cells than the header has columns.")))
            continue
        rows.append((line, dict(zip(header, cells, strict=False))))
    if problems:
        raise ImportRefused(problems[:MAX_REPORTED])
    return rows
