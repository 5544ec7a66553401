"""Household pages (members, income, reasons, eligibility) and the administrators' eligibility thresholds."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.core.roles import Role
from logistics.people import forms
from logistics.people.households import HouseholdService, ThresholdService, eligibility
from logistics.people.models import Household
from logistics.people.services import EDIT_ROLES, VIEW_ROLES
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form, options
from logistics.web.guards import requires
from logistics.web.layout import register_nav, render_panels
from logistics.web.responses import attempt, flash, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Income criteria"), "/admin/thresholds", {Role.ADMIN}, order=91)

WRITES = {"writes": True}


class HouseholdController(Controller):
    path = "/households"

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        household: Household,
        form: Form,
        status_code: int = 200,
        block: str | None = None,
    ) -> Any:
        service = HouseholdService(db_session, actor_from_request(request))
        return render(
            request,
            "people/household.html",
            block=block,
            status_code=status_code,
            household=household,
            form=form,
            eligibility=await eligibility(db_session, household),
            case_worker_options=[(str(u.id), u.full_name or u.username) for u in await service.case_workers()],
            reason_options=options(forms.REASON_LABELS),
            relationship_labels=forms.RELATIONSHIP_LABELS,
            relationship_options=options(forms.RELATIONSHIP_LABELS)[1:],
            panels=await render_panels("household", db_session, service.actor, household),
        )

    @post("/new", guards=[requires(*EDIT_ROLES)])
    async def create(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        form = Form(await request.form())
        head = form.uuids("head")
        try:
            if not head:
                raise DomainError(_("Choose the head of the household."))
            household = await HouseholdService(db_session, actor_from_request(request)).create(head[0])
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/people/{head[0]}" if head else "/people")
        return see_other(request, f"/households/{household.id}", _("The household has been created."))

    @get("/{household_id:uuid}", guards=[requires(*VIEW_ROLES)], opt=WRITES)
    async def household_page(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        household_id: FromPath[UUID],
    ) -> Any:
        household = await HouseholdService(db_session, actor_from_request(request)).get(household_id)
        form = Form.filled(
            income_per_person="" if household.income_per_person is None else str(household.income_per_person),
            income_verified_on=household.income_verified_on.isoformat() if household.income_verified_on else "",
            case_worker=str(household.case_worker_id or ""),
            reasons=household.reasons,
        )
        return await self._page(request, db_session, household, form)

    @post("/{household_id:uuid}", guards=[requires(*EDIT_ROLES)])
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        household_id: FromPath[UUID],
    ) -> Any:
        service = HouseholdService(db_session, actor_from_request(request))
        household = await service.get(household_id)
        form = Form(await request.form())
        form.values["case_worker"] = form.raw("case_worker")
        data = forms.read_household_form(form)
        if data:
            try:
                await service.update(household_id, data)
                return see_other(request, f"/households/{household_id}", _("The changes have been saved."))
            except DomainError as error:
                form.error(error.field or "income_per_person", error.message)
        return await self._page(request, db_session, household, form, status_code=422, block="form")

    @post("/{household_id:uuid}/members", guards=[requires(*EDIT_ROLES)])
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        household_id: FromPath[UUID],
    ) -> Any:
        form = Form(await request.form())
        person = form.uuids("person")
        back = f"/households/{household_id}"
        if not person:
            return await attempt(request, refusal(_("Choose a person.")), back)
        service = HouseholdService(db_session, actor_from_request(request))
        return await attempt(
            request,
            service.add_member(household_id, person[0], form.raw("relationship")),
            back,
            _("The member has been added."),
        )

    @post("/{household_id:uuid}/members/{person_id:uuid}/remove", guards=[requires(*EDIT_ROLES)])
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        household_id: FromPath[UUID],
        person_id: FromPath[UUID],
    ) -> Any:
        service = HouseholdService(db_session, actor_from_request(request))
        return await attempt(
            request,
            service.remove_member(household_id, person_id),
            f"/households/{household_id}",
            _("The member has been removed."),
        )


class ThresholdController(Controller):
    path = "/admin/thresholds"
    guards = [requires(Role.ADMIN)]

    @get("/")
    async def thresholds(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        rows = await ThresholdService(db_session, actor_from_request(request)).list()
        return render(request, "people/thresholds.html", rows=rows, form=Form())

    @post("/")
    async def add(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        service = ThresholdService(db_session, actor_from_request(request))
        form = Form(await request.form())
        data = forms.read_threshold_form(form)
        if data:
            try:
                await service.add(data)
                return see_other(request, "/admin/thresholds", _("The new values have been saved."))
            except DomainError as error:
                form.error(error.field or "valid_from", error.message)
        return render(
            request, "people/thresholds.html", block="form", status_code=422, rows=await service.list(), form=form
        )
