"""Household pages (members, income, reasons, eligibility) and the administrators' eligibility thresholds."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.db import WRITES
from logistics.people import forms
from logistics.people.households import HouseholdService, ThresholdService
from logistics.people.models import EligibilityThreshold, Household
from logistics.people.policy import EDIT_HOUSEHOLD, MANAGE_THRESHOLDS, VIEW_HOUSEHOLD, policy
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.layout import register_nav, render_panels
from logistics.web.responses import attempt, flash, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Income criteria"), "/admin/thresholds", policy.roles(MANAGE_THRESHOLDS), order=91)


async def _page(
    request: Request[Any, Any, Any],
    households: HouseholdService,
    household: Household,
    form: Form,
    status_code: int = 200,
    block: str | None = None,
) -> Any:
    """The household's page (or its form block), with the panels other domains add to it."""
    return render(
        request,
        "people/household.html",
        block=block,
        status_code=status_code,
        household=household,
        form=form,
        eligibility=await households.eligibility(household),
        case_worker_options=[(str(u.id), u.full_name or u.username) for u in await households.case_workers()],
        reason_options=options(forms.REASON_LABELS),
        relationship_labels=forms.RELATIONSHIP_LABELS,
        relationship_options=options(forms.RELATIONSHIP_LABELS)[1:],
        panels=await render_panels("household", households.session, households.actor, household),
    )


class HouseholdController(Controller):
    path = "/households"
    dependencies = services(households=HouseholdService)

    @post("/new", guards=[may(EDIT_HOUSEHOLD)])
    async def create(self, request: Request[Any, Any, Any], households: NamedDependency[HouseholdService]) -> Any:
        form = Form(await request.form())
        head = form.uuids("head")
        try:
            if not head:
                raise DomainError(_("Choose the head of the household."))
            household = await households.create(head[0])
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/people/{head[0]}" if head else "/people")
        return see_other(request, f"/households/{household.id}", _("The household has been created."))

    @get("/{household_id:uuid}", guards=[may(VIEW_HOUSEHOLD)], opt=WRITES)
    async def household_page(
        self,
        request: Request[Any, Any, Any],
        households: NamedDependency[HouseholdService],
        household_id: FromPath[UUID],
    ) -> Any:
        household = await households.get(household_id)
        form = Form.filled(
            income_per_person="" if household.income_per_person is None else str(household.income_per_person),
            income_verified_on=household.income_verified_on.isoformat() if household.income_verified_on else "",
            case_worker=str(household.case_worker_id or ""),
            reasons=household.reasons,
        )
        return await _page(request, households, household, form)

    @post("/{household_id:uuid}", guards=[may(EDIT_HOUSEHOLD)])
    async def update(
        self,
        request: Request[Any, Any, Any],
        households: NamedDependency[HouseholdService],
        household_id: FromPath[UUID],
    ) -> Any:
        household = await households.get(household_id)
        form = Form(await request.form())
        form.values["case_worker"] = form.raw("case_worker")
        data = forms.read_household_form(form)
        if data:
            try:
                await households.update(household_id, data)
                return see_other(request, f"/households/{household_id}", _("The changes have been saved."))
            except DomainError as error:
                form.error(error.field or "income_per_person", error.message)
        return await _page(request, households, household, form, status_code=422, block="form")

    @post("/{household_id:uuid}/members", guards=[may(EDIT_HOUSEHOLD)])
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        households: NamedDependency[HouseholdService],
        household_id: FromPath[UUID],
    ) -> Any:
        form = Form(await request.form())
        person = form.uuids("person")
        back = f"/households/{household_id}"
        if not person:
            return await attempt(request, refusal(_("Choose a person.")), back)
        return await attempt(
            request,
            households.add_member(household_id, person[0], form.raw("relationship")),
            back,
            _("The member has been added."),
        )

    @post("/{household_id:uuid}/members/{person_id:uuid}/remove", guards=[may(EDIT_HOUSEHOLD)])
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        households: NamedDependency[HouseholdService],
        household_id: FromPath[UUID],
        person_id: FromPath[UUID],
    ) -> Any:
        return await attempt(
            request,
            households.remove_member(household_id, person_id),
            f"/households/{household_id}",
            _("The member has been removed."),
        )


def _threshold_values(row: EligibilityThreshold) -> dict[str, str]:
    return {
        "valid_from": row.valid_from.isoformat(),
        "single_person": str(row.single_person),
        "per_person_in_family": str(row.per_person_in_family),
        "food_aid_percent": str(row.food_aid_percent),
    }


async def _thresholds_page(
    request: Request[Any, Any, Any],
    thresholds: ThresholdService,
    form: Form,
    *,
    editing: Any = None,
    status_code: int = 200,
    block: str | None = None,
) -> Any:
    """The list of income criteria with the form (empty, or filled with the row being corrected)."""
    return render(
        request,
        "people/thresholds.html",
        block=block,
        status_code=status_code,
        rows=await thresholds.list(),
        form=form,
        editing=editing,
        today=local_today(),
    )


class ThresholdController(Controller):
    path = "/admin/thresholds"
    guards = [may(MANAGE_THRESHOLDS)]
    dependencies = services(thresholds=ThresholdService)

    @get("/")
    async def thresholds(self, request: Request[Any, Any, Any], thresholds: NamedDependency[ThresholdService]) -> Any:
        return await _thresholds_page(request, thresholds, Form())

    @post("/")
    async def add(self, request: Request[Any, Any, Any], thresholds: NamedDependency[ThresholdService]) -> Any:
        form = Form(await request.form())
        data = forms.read_threshold_form(form)
        if data:
            try:
                await thresholds.add(data)
                return see_other(request, "/admin/thresholds", _("The new values have been saved."))
            except DomainError as error:
                form.error(error.field or "valid_from", error.message)
        return await _thresholds_page(request, thresholds, form, status_code=422, block="form")

    @get("/{threshold_id:uuid}")
    async def threshold(
        self,
        request: Request[Any, Any, Any],
        thresholds: NamedDependency[ThresholdService],
        threshold_id: FromPath[UUID],
    ) -> Any:
        """The list with the form filled with one row's values, to correct them (or delete the row)."""
        row = await thresholds.get(threshold_id)
        return await _thresholds_page(request, thresholds, Form.filled(**_threshold_values(row)), editing=row)

    @post("/{threshold_id:uuid}")
    async def correct(
        self,
        request: Request[Any, Any, Any],
        thresholds: NamedDependency[ThresholdService],
        threshold_id: FromPath[UUID],
    ) -> Any:
        row = await thresholds.get(threshold_id)
        form = Form(await request.form())
        data = forms.read_threshold_form(form)
        if data:
            try:
                await thresholds.correct(threshold_id, data)
                return see_other(request, "/admin/thresholds", _("The corrected values have been saved."))
            except DomainError as error:
                form.error(error.field or "valid_from", error.message)
        return await _thresholds_page(request, thresholds, form, editing=row, status_code=422, block="form")

    @post("/{threshold_id:uuid}/delete")
    async def delete(
        self,
        request: Request[Any, Any, Any],
        thresholds: NamedDependency[ThresholdService],
        threshold_id: FromPath[UUID],
    ) -> Any:
        try:
            await thresholds.delete(threshold_id)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/admin/thresholds/{threshold_id}")
        return see_other(request, "/admin/thresholds", _("The values have been deleted."))
