"""The directory's pages: search as you type (words, category, language, near a place), an entry, add / edit /
archive / restore / verify (coordinators), suggestions (case workers and shelter staff suggest, coordinators
resolve), the CSV import and export and the places, the printable list for a client (PDF) and the public page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import _, format_number, gettext, in_locale, ngettext
from logistics.directory.documents import LIST_LANGUAGES, services_pdf
from logistics.directory.entries import TEXT_FIELDS, ServiceInput, read_entry
from logistics.directory.labels import CATEGORIES, LANGUAGES, category_label, language_label
from logistics.directory.models import VERIFY_MONTHS, Service
from logistics.directory.policy import EDIT, SUGGEST, VIEW, policy
from logistics.directory.services import (
    MAX_SUGGESTION,
    DirectorySearch,
    DirectoryService,
    ImportRefused,
    needs_verification,
)
from logistics.settings import get_settings
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import attempt, pdf_response, see_other
from logistics.web.templating import render

PAGE = "/directory"
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The most entries one printed list holds.
MAX_PRINTED = 100

register_nav(lambda: _("Services"), PAGE, policy.roles(VIEW), order=45)


@dataclass
class Filters:
    form: Form
    query: str
    category: str
    language: str
    near: str


def read_filters(request: Request[Any, Any, Any]) -> Filters:
    form = Form(request.query_params)
    query = form.text("q", required=False, max_length=200)
    category = form.choice("category", CATEGORIES, required=False)
    language = form.choice("language", LANGUAGES, required=False)
    near = form.text("near", required=False, max_length=200)
    return Filters(form, query, category, language, near)


async def run_search(filters: Filters, search: Any) -> DirectorySearch | None:
    if not filters.form.valid:
        return None
    found: DirectorySearch = await search(
        filters.query,
        category=filters.category or None,
        language=filters.language or None,
        near=filters.near,
    )
    if found.near_unknown:
        filters.form.error(
            "near",
            _("This place is not known: the list is not sorted by distance. Type a district or a street, or lat, lon."),
        )
    return found


def search_context(filters: Filters, found: DirectorySearch | None, *, public: bool = False) -> dict[str, Any]:
    return {
        "public": public,
        "form": filters.form,
        "found": found,
        "category_options": options(CATEGORIES),
        "language_options": options(LANGUAGES),
        "list_languages": [(code, code.upper()) for code in LIST_LANGUAGES],
        "category_label": category_label,
        "language_label": language_label,
        "spoken": language_names,
        "needs_verification": needs_verification,
        "verify_months": VERIFY_MONTHS,
        "km": _km,
        "searched": bool(filters.query or filters.category or filters.language or filters.near),
    }


def language_names(codes: list[str]) -> str:
    return ", ".join(language_label(code) for code in codes)


def _km(distance: float) -> str:
    return _("%(distance)s km", distance=format_number(Decimal(f"{distance:.1f}")))


def _entry_form(service: Service | None = None) -> Form:
    if service is None:
        return Form.filled(category=[], languages=["pl"])
    values: dict[str, Any] = {name: getattr(service, name) for name in TEXT_FIELDS}
    values.update(
        category=service.categories,
        languages=service.languages,
        latitude="" if service.latitude is None else repr(service.latitude),
        longitude="" if service.longitude is None else repr(service.longitude),
        verified_on=service.verified_on.isoformat() if service.verified_on else "",
        referral_required=service.referral_required,
    )
    return Form.filled(**values)


def _read_entry(form: Form) -> ServiceInput | None:
    for name in [*TEXT_FIELDS, "latitude", "longitude", "verified_on"]:
        form.values[name] = _INVISIBLE.sub("", form.raw(name)[:2000])
    categories = form.choices("category", CATEGORIES)
    languages = form.choices("languages", LANGUAGES)
    referral_required = form.boolean("referral_required")
    data, errors = read_entry(form.raw, categories, languages, referral_required)
    for name, message in errors.items():
        form.error(name, message)
    return data if form.valid else None


async def _upload(request: Request[Any, Any, Any]) -> bytes | None:
    data = await request.form()
    upload = data.get("file")
    if isinstance(upload, UploadFile):
        content = await upload.read()
        return content or None
    return None


class DirectoryController(Controller):
    path = PAGE
    guards = [may(VIEW)]
    dependencies = services(directory=DirectoryService)

    @get("/")
    async def search(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        """The search page; as you type, htmx asks for the `results` block only."""
        filters = read_filters(request)
        found = await run_search(filters, directory.search)
        return render(
            request,
            "directory/search.html",
            block="results",
            status_code=200 if found is not None else 422,
            **search_context(filters, found),
        )

    @get("/{service_id:uuid}")
    async def entry(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService], service_id: FromPath[UUID]
    ) -> Any:
        service = await directory.get(service_id)
        suggestions = await directory.suggestions_for(service.id) if directory.can(EDIT) else []
        return render(
            request,
            "directory/entry.html",
            service=service,
            suggestions=suggestions,
            due=needs_verification(service),
            verify_months=VERIFY_MONTHS,
            category_label=category_label,
            spoken=language_names,
        )

    # --- keeping entries ------------------------------------------------------------------------------------

    def _form_page(
        self, request: Request[Any, Any, Any], form: Form, service: Service | None, status_code: int = 200
    ) -> Any:
        return render(
            request,
            "directory/form.html",
            block="form",
            status_code=status_code,
            form=form,
            service=service,
            category_options=options(CATEGORIES),
            language_options=options(LANGUAGES),
        )

    @get("/new", guards=[may(EDIT)])
    async def new(self, request: Request[Any, Any, Any]) -> Any:
        return self._form_page(request, _entry_form(), None)

    @post("/new", guards=[may(EDIT)])
    async def create(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        form = Form(await request.form())
        data = _read_entry(form)
        if data is not None:
            try:
                service = await directory.create(data)
            except (NotFound, Forbidden):
                raise
            except DomainError as error:
                form.error(error.field or "institution", error.message)
            else:
                return see_other(request, f"{PAGE}/{service.id}", _("The entry has been added."))
        return self._form_page(request, form, None, status_code=422)

    @get("/{service_id:uuid}/edit", guards=[may(EDIT)])
    async def edit(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService], service_id: FromPath[UUID]
    ) -> Any:
        service = await directory.get(service_id)
        return self._form_page(request, _entry_form(service), service)

    @post("/{service_id:uuid}/edit", guards=[may(EDIT)])
    async def update(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService], service_id: FromPath[UUID]
    ) -> Any:
        service = await directory.get(service_id)
        form = Form(await request.form())
        data = _read_entry(form)
        if data is not None:
            try:
                await directory.update(service.id, data)
            except (NotFound, Forbidden):
                raise
            except DomainError as error:
                form.error(error.field or "institution", error.message)
            else:
                return see_other(request, f"{PAGE}/{service.id}", _("The entry has been saved."))
        return self._form_page(request, form, service, status_code=422)

    @post("/{service_id:uuid}/archive", guards=[may(EDIT)])
    async def archive(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService], service_id: FromPath[UUID]
    ) -> Response[Any]:
        return await attempt(
            request,
            directory.archive(service_id),
            f"{PAGE}/{service_id}",
            _("The entry has been archived: it no longer appears in searches."),
        )

    @post("/{service_id:uuid}/restore", guards=[may(EDIT)])
    async def restore(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService], service_id: FromPath[UUID]
    ) -> Response[Any]:
        return await attempt(
            request, directory.restore(service_id), f"{PAGE}/{service_id}", _("The entry is back in the directory.")
        )

    @post("/{service_id:uuid}/verify", guards=[may(EDIT)])
    async def verify(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService], service_id: FromPath[UUID]
    ) -> Response[Any]:
        return await attempt(
            request,
            directory.verify(service_id),
            f"{PAGE}/{service_id}",
            _("Marked as verified today."),
        )

    @get("/archived", guards=[may(EDIT)])
    async def archived(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        return render(
            request,
            "directory/list.html",
            title=_("Archived entries"),
            services=await directory.archived(),
            category_label=category_label,
            needs_verification=needs_verification,
        )

    @get("/to-verify", guards=[may(EDIT)])
    async def to_verify(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        return render(
            request,
            "directory/list.html",
            title=ngettext("Not verified for %(num)s month", "Not verified for %(num)s months", VERIFY_MONTHS),
            services=await directory.to_verify(),
            category_label=category_label,
            needs_verification=needs_verification,
        )

    # --- suggestions ----------------------------------------------------------------------------------------

    def _suggest_page(
        self, request: Request[Any, Any, Any], form: Form, service: Service | None, status_code: int = 200
    ) -> Any:
        return render(
            request,
            "directory/suggest.html",
            block="form",
            status_code=status_code,
            form=form,
            service=service,
            max_length=MAX_SUGGESTION,
        )

    @get("/suggest", guards=[may(SUGGEST)])
    async def suggest_form(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        form = Form(request.query_params)
        ids = form.uuids("service")
        if not form.valid:
            raise NotFound(_("This entry of the directory does not exist."))
        service = await directory.get(ids[0]) if ids else None
        return self._suggest_page(request, Form.filled(service=str(service.id) if service else ""), service)

    @post("/suggest", guards=[may(SUGGEST)])
    async def suggest(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        form = Form(await request.form())
        ids = form.uuids("service")
        text = form.text("text", max_length=MAX_SUGGESTION)
        service = None
        if ids and "service" not in form.errors:
            service = await directory.get(ids[0])
        form.values["service"] = str(service.id) if service else ""
        if form.valid:
            try:
                await directory.suggest(text, service.id if service else None)
            except (NotFound, Forbidden):
                raise
            except DomainError as error:
                form.error(error.field or "text", error.message)
            else:
                return see_other(
                    request,
                    f"{PAGE}/{service.id}" if service else PAGE,
                    _("Thank you: the coordinators will look at your suggestion."),
                )
        return self._suggest_page(request, form, service, status_code=422)

    @get("/suggestions", guards=[may(EDIT)])
    async def suggestions(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        return render(
            request,
            "directory/suggestions.html",
            open=await directory.suggestions(),
            resolved=await directory.suggestions(resolved=True, limit=20),
        )

    @post("/suggestions/{suggestion_id:uuid}/resolve", guards=[may(EDIT)])
    async def resolve(
        self,
        request: Request[Any, Any, Any],
        directory: NamedDependency[DirectoryService],
        suggestion_id: FromPath[UUID],
    ) -> Response[Any]:
        return await attempt(
            request,
            directory.resolve_suggestion(suggestion_id),
            f"{PAGE}/suggestions",
            _("The suggestion has been resolved."),
        )

    # --- import and export ----------------------------------------------------------------------------------

    async def _import_page(
        self,
        request: Request[Any, Any, Any],
        directory: DirectoryService,
        *,
        refused: ImportRefused | None = None,
        which: str = "",
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "directory/import.html",
            status_code=status_code,
            refused=refused,
            which=which,
            places=await directory.places(),
        )

    @get("/import", guards=[may(EDIT)])
    async def import_page(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        return await self._import_page(request, directory)

    @post("/import", guards=[may(EDIT)])
    async def import_services(
        self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]
    ) -> Any:
        return await self._import(request, directory, "services")

    @post("/places", guards=[may(EDIT)])
    async def import_places(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        return await self._import(request, directory, "places")

    async def _import(self, request: Request[Any, Any, Any], directory: DirectoryService, which: str) -> Any:
        content = await _upload(request)
        try:
            if content is None:
                raise ImportRefused([(0, _("Choose a CSV file to import."))])
            if which == "places":
                count = await directory.import_places(content)
                message = ngettext("%(num)s place imported.", "%(num)s places imported.", count)
            else:
                count = await directory.import_csv(content)
                message = ngettext("%(num)s entry imported.", "%(num)s entries imported.", count)
        except ImportRefused as refused:
            return await self._import_page(request, directory, refused=refused, which=which, status_code=422)
        return see_other(request, f"{PAGE}/import", message)

    @get("/export.csv", guards=[may(EDIT)])
    async def export(self, directory: NamedDependency[DirectoryService]) -> Response[bytes]:
        return Response(
            await directory.export_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="services.csv"'},
        )

    # --- the printed list -----------------------------------------------------------------------------------

    @get("/print")
    async def print_list(self, request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
        """The list for a client: the chosen entries (`service`, repeatable) or a whole category, in the
        language `lang` (pl, uk, en) → PDF. Without a choice: the form to choose."""
        form = Form(request.query_params)
        chosen = form.uuids("service")
        category = form.choice("category", CATEGORIES, required=False)
        locale = form.choice("lang", LIST_LANGUAGES, required=False) or "pl"
        submitted = form.has("lang") or form.has("service") or form.has("category")
        if form.valid and submitted:
            if chosen:
                found = await directory.chosen(chosen[:MAX_PRINTED])
                heading = ""
            elif category:
                result = await directory.search("", category=category, limit=MAX_PRINTED)
                found = [item.service for item in result.services]
                with in_locale(locale):
                    heading = category_label(category)
            else:
                found = []
                heading = ""
            if not chosen and not category:
                form.error("service", _("Choose services in the results, or a category."))
            elif not found:
                form.error("service", _("None of the chosen services is in the directory any more."))
            else:
                content = services_pdf(found, locale, get_settings().org_name, heading)
                return pdf_response(content, f"services_{locale}.pdf")
        return render(
            request,
            "directory/print.html",
            status_code=422 if not form.valid else 200,
            form=form,
            category_options=options(CATEGORIES),
            list_languages=[(code, _language_name(code)) for code in LIST_LANGUAGES],
        )


def _language_name(code: str) -> str:
    return {"pl": gettext("Polish"), "uk": gettext("Ukrainian"), "en": gettext("English")}[code]


@get(
    "/public/services",
    opt={"exclude_from_auth": True},
    dependencies=services(directory=DirectoryService),
)
async def public_directory(request: Request[Any, Any, Any], directory: NamedDependency[DirectoryService]) -> Any:
    """The directory without log-in (only when LOGISTICS_PUBLIC_DIRECTORY is on): what, where, when and how to
    reach each service — no suggestions, nothing of the staff's."""
    if not get_settings().public_directory:
        raise NotFound(_("This page does not exist."))
    filters = read_filters(request)
    found = await run_search(filters, directory.public_search)
    return render(
        request,
        "directory/public.html",
        block="results",
        status_code=200 if found is not None else 422,
        **search_context(filters, found, public=True),
    )
