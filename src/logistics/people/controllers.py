"""Registry pages: search, register (full or quick), a person's record, cards, RODO export and erasure, merge."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.db import WRITES
from logistics.people import forms
from logistics.people.cards import CardService
from logistics.people.households import HouseholdService
from logistics.people.policy import (
    EDIT,
    ERASE,
    EXPORT,
    ISSUE_CARD,
    MERGE,
    PRINT_CARD,
    QUICK_REGISTER,
    REGISTER,
    SEARCH,
    STATISTICS,
    VIEW,
    VIEW_IDENTITY,
    policy,
)
from logistics.people.report import build_report, report_pdf
from logistics.people.rodo import PrivacyService
from logistics.people.services import (
    BORN_SINCE,
    PersonInput,
    PersonService,
    PeselTaken,
    PossibleDuplicates,
    is_exact_query,
    is_malformed_card_code,
)
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import flash, pdf_response, see_other
from logistics.web.templating import render

register_nav(lambda: _("People"), "/people", policy.roles(SEARCH), order=20)


def _choices() -> dict[str, Any]:
    return {
        "sex_options": options(forms.SEX_LABELS),
        "language_options": options(forms.LANGUAGE_LABELS),
        "basis_options": options(forms.BASIS_LABELS),
        "country_options": forms.country_options(),
        "relationship_options": options(forms.RELATIONSHIP_LABELS)[1:],
    }


#: Where a quick registration started from check-in goes on: only our own check-in page (never an open redirect).
_CHECK_IN = re.compile(r"/shelter/check-in(?:\?bed=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?")


def _check_in_after(next_page: str, person_id: UUID | None) -> str | None:
    """The check-in page for the person just registered, when `next_page` is the check-in page (with the bed
    chosen on the map, if any); None for anything else."""
    match = _CHECK_IN.fullmatch(next_page or "")
    if match is None:
        return None
    bed = f"&bed={match.group(1)}" if match.group(1) else ""
    return f"/shelter/check-in?person={person_id}{bed}"


def _person_values(person: Any) -> dict[str, Any]:
    values = {name: getattr(person, name) for name in PersonInput.__dataclass_fields__}
    values["birth_date"] = person.birth_date.isoformat() if person.birth_date else ""
    values["clause_given_on"] = person.clause_given_on.isoformat() if person.clause_given_on else ""
    values["birth_year"] = "" if person.birth_year is None or person.birth_date else person.birth_year
    values["pesel"] = person.pesel or ""
    return values


def _results(request: Request[Any, Any, Any], q: str, results: list[Any], **context: Any) -> Any:
    """The search results block (a whole page for a plain request)."""
    context.setdefault("message", None)
    context.setdefault("household", "")
    return render(
        request,
        "people/search.html",
        block="results",
        q=q,
        results=results,
        relationship_options=options(forms.RELATIONSHIP_LABELS)[1:],
        **context,
    )


class PeopleController(Controller):
    path = "/people"
    dependencies = services(
        people=PersonService, households=HouseholdService, cards=CardService, privacy=PrivacyService
    )

    @get("/", guards=[may(SEARCH)])
    async def search(
        self,
        request: Request[Any, Any, Any],
        people: NamedDependency[PersonService],
        q: FromQuery[str] = "",
        household: FromQuery[str] = "",
    ) -> Any:
        """Search; with `household` (a household page's member picker) each result gets an Add button.

        A misread card code says so (not "nobody found"); a sent search (Enter, a scanner) for a PESEL or a card
        code that finds one person opens the record at once."""
        q, household = q[:100], household[:36]
        if is_malformed_card_code(q):
            message = _("This is not a valid card code. Check it and try again.")
            return _results(request, q, [], household=household, message=message, status_code=422)
        results = await people.search(q)
        opens_directly = not household and request.headers.get("hx-request") != "true" and is_exact_query(q)
        if opens_directly and len(results) == 1 and people.can(VIEW_IDENTITY):
            return see_other(request, f"/people/{results[0].id}")
        return _results(request, q, results, household=household)

    @get("/stats", guards=[may(STATISTICS)])
    async def stats(self, request: Request[Any, Any, Any], privacy: NamedDependency[PrivacyService]) -> Any:
        return render(request, "people/stats.html", stats=await privacy.statistics())

    @get("/new", guards=[may(REGISTER)])
    async def new_person(
        self, request: Request[Any, Any, Any], household: FromQuery[str] = "", relationship: FromQuery[str] = ""
    ) -> Any:
        form = Form.filled(preferred_language="pl", citizenship="PL", household=household, relationship=relationship)
        return render(request, "people/form.html", form=form, person=None, duplicates=[], **_choices())

    @post("/new", guards=[may(REGISTER)])
    async def create_person(
        self,
        request: Request[Any, Any, Any],
        people: NamedDependency[PersonService],
        households: NamedDependency[HouseholdService],
    ) -> Any:
        form = Form(await request.form())
        data = forms.read_person_form(form)
        household = form.uuids("household")
        relationship = form.raw("relationship")
        form.values.update(household=form.raw("household"), relationship=relationship)
        duplicates: list[Any] = []
        pesel_owner = None
        if data:
            confirmed = form.boolean("confirmed")
            try:
                if household:
                    await households.register_member(household[0], data, relationship, confirmed_new=confirmed)
                    return see_other(request, f"/households/{household[0]}", _("The person has been registered."))
                person = await people.register(data, confirmed_new=confirmed)
                return see_other(request, f"/people/{person.id}", _("The person has been registered."))
            except PossibleDuplicates as error:
                duplicates = error.duplicates
                form.error("confirmed", error.message)
            except PeselTaken as error:
                pesel_owner = error
                form.error("pesel", error.message)
            except DomainError as error:
                form.error(error.field or "given_name", error.message)
        return render(
            request,
            "people/form.html",
            block="form",
            status_code=422,
            form=form,
            person=None,
            duplicates=duplicates,
            pesel_owner=pesel_owner,
            **_choices(),
        )

    @get("/quick", guards=[may(QUICK_REGISTER)])
    async def quick_form(self, request: Request[Any, Any, Any]) -> Any:
        next_page = request.query_params.get("next", "")
        return render(
            request,
            "people/quick.html",
            form=Form(),
            sex_options=options(forms.SEX_LABELS),
            next=next_page if _check_in_after(next_page, None) else "",
        )

    @post("/quick", guards=[may(QUICK_REGISTER)])
    async def quick_register(self, request: Request[Any, Any, Any], people: NamedDependency[PersonService]) -> Any:
        form = Form(await request.form())
        given_name = form.pattern(
            "given_name", forms.NAME_PATTERN, _("Use letters, spaces, hyphens and apostrophes only."), max_length=80
        )
        sex = form.choice("sex", list(forms.SEX_LABELS))
        birth_year = form.integer("birth_year", required=True, minimum=BORN_SINCE.year, maximum=local_today().year)
        if form.valid and birth_year is not None:
            try:
                person = await people.quick_register(given_name, sex, birth_year)
                message = _(
                    "%(name)s has been registered. A case worker will complete the record.", name=person.given_name
                )
                return see_other(request, _check_in_after(form.raw("next"), person.id) or "/people/quick", message)
            except DomainError as error:
                form.error(error.field or "given_name", error.message)
        return render(
            request,
            "people/quick.html",
            block="form",
            status_code=422,
            form=form,
            sex_options=options(forms.SEX_LABELS),
            next=form.raw("next") if _check_in_after(form.raw("next"), None) else "",
        )

    @get("/card", guards=[may(SEARCH)])
    async def find_by_card(
        self, request: Request[Any, Any, Any], people: NamedDependency[PersonService], code: FromQuery[str] = ""
    ) -> Any:
        """A scanned or typed card code: the record for those who may open any, else the minimal search result."""
        code = code[:40]
        try:
            person = await people.find_by_card(code)
        except DomainError as error:
            return _results(request, code, [], status_code=error.status_code, message=error.message)
        if people.can(VIEW_IDENTITY):
            return see_other(request, f"/people/{person.id}")
        return _results(request, code, await people.search(code))

    @get("/{person_id:uuid}", guards=[may(VIEW)], opt=WRITES)
    async def person_page(
        self, request: Request[Any, Any, Any], people: NamedDependency[PersonService], person_id: FromPath[UUID]
    ) -> Any:
        return render(request, "people/detail.html", record=await people.view(person_id), labels=forms)

    @get("/{person_id:uuid}/edit", guards=[may(EDIT)], opt=WRITES)
    async def edit_person(
        self, request: Request[Any, Any, Any], people: NamedDependency[PersonService], person_id: FromPath[UUID]
    ) -> Any:
        person = await people.to_edit(person_id)
        form = Form.filled(**_person_values(person))
        return render(request, "people/form.html", form=form, person=person, duplicates=[], **_choices())

    @post("/{person_id:uuid}/edit", guards=[may(EDIT)])
    async def update_person(
        self, request: Request[Any, Any, Any], people: NamedDependency[PersonService], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        data = forms.read_person_form(form)
        pesel_owner = None
        if data:
            try:
                await people.update(person_id, data)
                return see_other(request, f"/people/{person_id}", _("The changes have been saved."))
            except PeselTaken as error:
                pesel_owner = error
                form.error("pesel", error.message)
            except DomainError as error:
                form.error(error.field or "given_name", error.message)
        return render(
            request,
            "people/form.html",
            block="form",
            status_code=422,
            form=form,
            person=await people.to_edit(person_id),
            duplicates=[],
            pesel_owner=pesel_owner,
            **_choices(),
        )

    @post("/{person_id:uuid}/merge", guards=[may(MERGE)])
    async def merge(
        self, request: Request[Any, Any, Any], people: NamedDependency[PersonService], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        other = form.uuids("other")
        try:
            if not other:
                raise DomainError(_("Choose the record to merge."))
            await people.merge(person_id, other[0])
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/people/{person_id}")
        return see_other(request, f"/people/{person_id}", _("The records have been merged."))

    @post("/{person_id:uuid}/card", guards=[may(ISSUE_CARD)])
    async def issue_card(
        self, request: Request[Any, Any, Any], cards: NamedDependency[CardService], person_id: FromPath[UUID]
    ) -> Any:
        await cards.issue(person_id)
        return see_other(request, f"/people/{person_id}", _("A new card has been issued. Print it below."))

    @post("/{person_id:uuid}/card/revoke", guards=[may(ISSUE_CARD)])
    async def revoke_card(
        self, request: Request[Any, Any, Any], cards: NamedDependency[CardService], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        reason = form.text("reason", required=False, max_length=200)
        await cards.revoke(person_id, reason or "lost")
        return see_other(request, f"/people/{person_id}", _("The card has been revoked; its code no longer works."))

    @get("/{person_id:uuid}/card.pdf", guards=[may(PRINT_CARD)], opt=WRITES)
    async def card_pdf(
        self,
        cards: NamedDependency[CardService],
        person_id: FromPath[UUID],
        page: FromQuery[str] = "a4",
    ) -> Response[bytes]:
        content = await cards.pdf(person_id, page)
        return pdf_response(content, f"card-{page}.pdf")

    @get("/{person_id:uuid}/export.json", guards=[may(EXPORT)], opt=WRITES)
    async def export_json(self, privacy: NamedDependency[PrivacyService], person_id: FromPath[UUID]) -> Response[bytes]:
        data = await privacy.export(person_id)
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2).encode(),
            media_type=MediaType.JSON,
            headers={"Content-Disposition": f'attachment; filename="rodo-{person_id}.json"'},
        )

    @get("/{person_id:uuid}/export", guards=[may(EXPORT)], opt=WRITES)
    async def export_page(
        self, request: Request[Any, Any, Any], privacy: NamedDependency[PrivacyService], person_id: FromPath[UUID]
    ) -> Any:
        report = build_report(await privacy.report(person_id))
        return render(request, "people/export.html", report=report, person_id=person_id)

    @get("/{person_id:uuid}/export.pdf", guards=[may(EXPORT)], opt=WRITES)
    async def export_pdf(self, privacy: NamedDependency[PrivacyService], person_id: FromPath[UUID]) -> Response[bytes]:
        """The same report as a PDF document (to print or hand over)."""
        content = report_pdf(build_report(await privacy.report(person_id)))
        return pdf_response(content, f"rodo-{person_id}.pdf")

    @post("/{person_id:uuid}/erase", guards=[may(ERASE)])
    async def erase(
        self, request: Request[Any, Any, Any], privacy: NamedDependency[PrivacyService], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        confirmation = form.text("confirmation", required=False, max_length=80)
        try:
            await privacy.erase(person_id, confirmation)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/people/{person_id}")
        return see_other(request, "/people", _("The person's data has been anonymised."))
