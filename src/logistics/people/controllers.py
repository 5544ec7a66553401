"""Registry pages: search, register (full or quick), a person's record, cards, RODO export and erasure, merge."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.core.roles import Role
from logistics.people import forms
from logistics.people.cards import CardService
from logistics.people.households import HouseholdService
from logistics.people.rodo import PrivacyService, statistics
from logistics.people.services import (
    EDIT_ROLES,
    QUICK_ROLES,
    RECORD_ROLES,
    SEARCH_ROLES,
    VIEW_ROLES,
    PersonInput,
    PersonService,
    PossibleDuplicates,
)
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form, options
from logistics.web.guards import requires
from logistics.web.layout import register_nav
from logistics.web.responses import flash, pdf_response, see_other
from logistics.web.templating import render

register_nav(lambda: _("People"), "/people", SEARCH_ROLES, order=20)

WRITES = {"writes": True}  # GET pages that write an audit entry (viewing a record)


def _choices() -> dict[str, Any]:
    return {
        "sex_options": options(forms.SEX_LABELS),
        "language_options": options(forms.LANGUAGE_LABELS),
        "basis_options": options(forms.BASIS_LABELS),
        "country_options": forms.country_options(),
        "relationship_options": options(forms.RELATIONSHIP_LABELS)[1:],
    }


def _person_values(person: Any) -> dict[str, Any]:
    values = {name: getattr(person, name) for name in PersonInput.__dataclass_fields__}
    values["birth_date"] = person.birth_date.isoformat() if person.birth_date else ""
    values["clause_given_on"] = person.clause_given_on.isoformat() if person.clause_given_on else ""
    values["birth_year"] = "" if person.birth_year is None or person.birth_date else person.birth_year
    values["pesel"] = person.pesel or ""
    return values


class PeopleController(Controller):
    path = "/people"

    @get("/", guards=[requires(*SEARCH_ROLES)])
    async def search(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str] = "",
        household: FromQuery[str] = "",
    ) -> Any:
        """Search; with `household` (a household page's member picker) each result gets an Add button."""
        results = await PersonService(db_session, actor_from_request(request)).search(q)
        return render(
            request,
            "people/search.html",
            block="results",
            q=q[:100],
            results=results,
            household=household[:36] if request.scope["user"].role in EDIT_ROLES else "",
            relationship_options=options(forms.RELATIONSHIP_LABELS)[1:],
        )

    @get("/stats", guards=[requires(Role.COORDINATOR, Role.CASE_WORKER)])
    async def stats(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        return render(request, "people/stats.html", stats=await statistics(db_session))

    @get("/new", guards=[requires(*EDIT_ROLES)])
    async def new_person(
        self, request: Request[Any, Any, Any], household: FromQuery[str] = "", relationship: FromQuery[str] = ""
    ) -> Any:
        form = Form.filled(preferred_language="pl", citizenship="PL", household=household, relationship=relationship)
        return render(request, "people/form.html", form=form, person=None, duplicates=[], **_choices())

    @post("/new", guards=[requires(*EDIT_ROLES)])
    async def create_person(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        actor = actor_from_request(request)
        form = Form(await request.form())
        data = forms.read_person_form(form)
        household = form.uuids("household")
        relationship = form.raw("relationship")
        form.values.update(household=form.raw("household"), relationship=relationship)
        duplicates: list[Any] = []
        if data:
            try:
                person = await PersonService(db_session, actor).register(data, confirmed_new=form.boolean("confirmed"))
                if household:
                    await HouseholdService(db_session, actor).add_member(household[0], person.id, relationship)
                    return see_other(request, f"/households/{household[0]}", _("The person has been registered."))
                return see_other(request, f"/people/{person.id}", _("The person has been registered."))
            except PossibleDuplicates as error:
                duplicates = error.duplicates
                form.error("confirmed", error.message)
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
            **_choices(),
        )

    @get("/quick", guards=[requires(*QUICK_ROLES)])
    async def quick_form(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "people/quick.html", form=Form(), sex_options=options(forms.SEX_LABELS))

    @post("/quick", guards=[requires(*QUICK_ROLES)])
    async def quick_register(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        form = Form(await request.form())
        given_name = form.pattern(
            "given_name", forms.NAME_PATTERN, _("Use letters, spaces, hyphens and apostrophes only."), max_length=80
        )
        sex = form.choice("sex", list(forms.SEX_LABELS))
        birth_year = form.integer("birth_year", required=True, minimum=1900, maximum=2200)
        if form.valid and birth_year is not None:
            try:
                person = await PersonService(db_session, actor_from_request(request)).quick_register(
                    given_name, sex, birth_year
                )
                message = _(
                    "%(name)s has been registered. A case worker will complete the record.", name=person.given_name
                )
                return see_other(request, "/people/quick", message)
            except DomainError as error:
                form.error(error.field or "given_name", error.message)
        return render(
            request,
            "people/quick.html",
            block="form",
            status_code=422,
            form=form,
            sex_options=options(forms.SEX_LABELS),
        )

    @get("/card", guards=[requires(*SEARCH_ROLES)])
    async def find_by_card(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], code: FromQuery[str] = ""
    ) -> Any:
        """A scanned or typed card code: the record for those who may open it, else the minimal search result."""
        service = PersonService(db_session, actor_from_request(request))
        try:
            person = await service.find_by_card(code[:40])
        except DomainError as error:
            return render(
                request,
                "people/search.html",
                block="results",
                status_code=error.status_code,
                q=code[:40],
                results=[],
                message=error.message,
            )
        if request.scope["user"].role in VIEW_ROLES:
            return see_other(request, f"/people/{person.id}")
        return render(
            request,
            "people/search.html",
            block="results",
            q=code[:40],
            results=await service.search(code[:40]),
            message=None,
        )

    @get("/{person_id:uuid}", guards=[requires(*RECORD_ROLES)], opt=WRITES)
    async def person_page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        actor = actor_from_request(request)
        service = PersonService(db_session, actor)
        person = await service.view(person_id)
        card = await CardService(db_session, actor).active_card(person.id)
        duplicates = await service.duplicates_of(person) if actor.role in EDIT_ROLES else []
        return render(
            request, "people/detail.html", person=person, card=card, duplicates=duplicates, labels=forms, **_choices()
        )

    @get("/{person_id:uuid}/edit", guards=[requires(*EDIT_ROLES)], opt=WRITES)
    async def edit_person(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        person = await PersonService(db_session, actor_from_request(request)).view(person_id)
        form = Form.filled(**_person_values(person))
        return render(request, "people/form.html", form=form, person=person, duplicates=[], **_choices())

    @post("/{person_id:uuid}/edit", guards=[requires(*EDIT_ROLES)])
    async def update_person(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        service = PersonService(db_session, actor_from_request(request))
        form = Form(await request.form())
        data = forms.read_person_form(form)
        if data:
            try:
                await service.update(person_id, data)
                return see_other(request, f"/people/{person_id}", _("The changes have been saved."))
            except DomainError as error:
                form.error(error.field or "given_name", error.message)
        person = await service.view(person_id)
        return render(
            request,
            "people/form.html",
            block="form",
            status_code=422,
            form=form,
            person=person,
            duplicates=[],
            **_choices(),
        )

    @post("/{person_id:uuid}/merge", guards=[requires(*EDIT_ROLES)])
    async def merge(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        other = form.uuids("other")
        try:
            if not other:
                raise DomainError(_("Choose the record to merge."))
            await PersonService(db_session, actor_from_request(request)).merge(person_id, other[0])
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/people/{person_id}")
        return see_other(request, f"/people/{person_id}", _("The records have been merged."))

    @post("/{person_id:uuid}/card", guards=[requires(*EDIT_ROLES)])
    async def issue_card(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        await CardService(db_session, actor_from_request(request)).issue(person_id)
        return see_other(request, f"/people/{person_id}", _("A new card has been issued. Print it below."))

    @post("/{person_id:uuid}/card/revoke", guards=[requires(*EDIT_ROLES)])
    async def revoke_card(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        reason = form.text("reason", required=False, max_length=200)
        await CardService(db_session, actor_from_request(request)).revoke(person_id, reason or "lost")
        return see_other(request, f"/people/{person_id}", _("The card has been revoked; its code no longer works."))

    @get("/{person_id:uuid}/card.pdf", guards=[requires(*VIEW_ROLES)], opt=WRITES)
    async def card_pdf(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        person_id: FromPath[UUID],
        page: FromQuery[str] = "a4",
    ) -> Response[bytes]:
        content = await CardService(db_session, actor_from_request(request)).pdf(person_id, page)
        return pdf_response(content, f"card-{page}.pdf")

    @get("/{person_id:uuid}/export.json", guards=[requires(*VIEW_ROLES)], opt=WRITES)
    async def export_json(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Response[bytes]:
        data = await PrivacyService(db_session, actor_from_request(request)).export(person_id)
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2).encode(),
            media_type=MediaType.JSON,
            headers={"Content-Disposition": f'attachment; filename="rodo-{person_id}.json"'},
        )

    @get("/{person_id:uuid}/export", guards=[requires(*VIEW_ROLES)], opt=WRITES)
    async def export_page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        data = await PrivacyService(db_session, actor_from_request(request)).export(person_id)
        return render(request, "people/export.html", data=data, labels=forms)

    @post("/{person_id:uuid}/erase", guards=[requires(Role.CASE_WORKER, Role.COORDINATOR)])
    async def erase(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], person_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        confirmation = form.text("confirmation", required=False, max_length=80)
        try:
            await PrivacyService(db_session, actor_from_request(request)).erase(person_id, confirmation)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/people/{person_id}")
        return see_other(request, "/people", _("The person's data has been anonymised."))
