"""Referral pages: the lists, the issue form (with a live search of the directory), a referral's page with its
letter, cancel and undo, and a person's referrals (loaded into the person's page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.db import WRITES
from logistics.people.services import PersonService
from logistics.referrals.letters import letter_pdf
from logistics.referrals.models import ReferralKind, ReferralStatus
from logistics.referrals.policy import CANCEL, ISSUE_TO_SHELTER, UNDO_CONFIRMATION, VIEW, policy
from logistics.referrals.services import (
    KIND_CATEGORY,
    KINDS,
    MAX_CANCEL_REASON,
    MAX_DAYS_AHEAD,
    MAX_REASON,
    MAX_REQUESTED,
    STATUSES,
    ReferralInput,
    ReferralService,
)
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import attempt, pdf_response, see_other
from logistics.web.templating import render

register_nav(lambda: _("Referrals"), "/referrals", policy.roles(VIEW), order=46)

#: The days ahead a new referral's expected date defaults to.
DEFAULT_DAYS = 14


def kind_labels() -> dict[str, str]:
    return {
        ReferralKind.FOOD_AID: _("Food aid (FEPŻ)"),
        ReferralKind.SHELTER: _("Shelter of another commune"),
        ReferralKind.WORK: _("Work or training (labour office)"),
        ReferralKind.ACTIVITY: _("Activity of the centre"),
        ReferralKind.GENERAL: _("General"),
    }


def kind_of_service(categories: list[str]) -> str:
    """The kind a referral to a service of these categories most likely is (the form's default)."""
    for kind, category in KIND_CATEGORY.items():
        if category.value in categories:
            return kind.value
    return ReferralKind.GENERAL.value


def status_labels() -> dict[str, str]:
    return {
        ReferralStatus.OPEN: _("Open"),
        ReferralStatus.OVERDUE: _("Overdue"),
        ReferralStatus.CONFIRMED: _("Confirmed"),
        ReferralStatus.CANCELLED: _("Cancelled"),
    }


def _uuid(value: object) -> UUID | None:
    """A UUID from a form value (a text, or the list `Form.uuids` keeps), or None."""
    if isinstance(value, list):
        value = value[0] if value else ""
    try:
        return UUID(str(value or "").strip()[:40])
    except ValueError:
        return None


def _bare_form() -> dict[str, Any]:
    """What the form page needs around a search's results (an htmx request gets the results' block only)."""
    return {
        "form": Form.filled(),
        "person": None,
        "service": None,
        "activities": [],
        "kinds": {},
        "max_days": MAX_DAYS_AHEAD,
    }


class ReferralController(Controller):
    path = "/referrals"
    dependencies = services(referrals=ReferralService, people=PersonService)

    @get("/", guards=[may(VIEW)])
    async def list_referrals(
        self,
        request: Request[Any, Any, Any],
        referrals: NamedDependency[ReferralService],
        status: FromQuery[str] = "open",
        whose: FromQuery[str] = "",
        kind: FromQuery[str] = "",
    ) -> Any:
        status = status if status in STATUSES or status == "all" else "open"
        kind = kind if kind in KINDS else ""
        # Case workers see their own by default; the others (coordinators, shelter staff) all they may see.
        mine = whose == "mine" or (whose != "all" and request.user.role == "case_worker")
        lines = await referrals.list(status=None if status == "all" else status, mine=mine, kind=kind or None)
        return render(
            request,
            "referrals/list.html",
            block="results",
            lines=lines,
            counts=await referrals.counts(mine=mine),
            status=status,
            mine=mine,
            kind=kind,
            kinds=kind_labels(),
            statuses=status_labels(),
        )

    # --- issuing ----------------------------------------------------------------------------------------------

    async def _form_page(
        self,
        request: Request[Any, Any, Any],
        referrals: ReferralService,
        form: Form,
        *,
        status_code: int = 200,
    ) -> Any:
        person = None
        if person_id := _uuid(form.values.get("person")):
            person = await referrals.person_to_refer(person_id)
        service = None
        if service_id := _uuid(form.values.get("service")):
            service = await referrals.service(service_id)
        kind = form.values.get("kind") or ""
        found = await referrals.find_services("", kind=kind or None) if service is None else []
        return render(
            request,
            "referrals/new.html",
            form=form,
            person=person,
            service=service,
            found=found,
            activities=await referrals.activities(),
            kinds={k: v for k, v in kind_labels().items() if referrals.can("referrals.issue") or k == "shelter"},
            max_days=MAX_DAYS_AHEAD,
            status_code=status_code,
        )

    @get("/new", guards=[may(ISSUE_TO_SHELTER)])
    async def new_referral(
        self,
        request: Request[Any, Any, Any],
        referrals: NamedDependency[ReferralService],
        person: FromQuery[str] = "",
        service: FromQuery[str] = "",
        kind: FromQuery[str] = "",
    ) -> Any:
        if not referrals.can("referrals.issue"):
            kind = ReferralKind.SHELTER.value
        elif kind not in KINDS and (fixed := _uuid(service)) and (entry := await referrals.service(fixed)):
            kind = kind_of_service(entry.categories)
        form = Form.filled(
            person=str(_uuid(person) or ""),
            service=str(_uuid(service) or ""),
            kind=kind if kind in KINDS else "",
            expected_by=(local_today() + timedelta(days=DEFAULT_DAYS)).isoformat(),
        )
        return await self._form_page(request, referrals, form)

    @get("/new/services", guards=[may(ISSUE_TO_SHELTER)])
    async def search_services(
        self,
        request: Request[Any, Any, Any],
        referrals: NamedDependency[ReferralService],
        q: FromQuery[str] = "",
        kind: FromQuery[str] = "",
    ) -> Any:
        """The directory entries matching what is typed, in the kind's category (the form's live search)."""
        if request.headers.get("hx-request") != "true":  # a results list only makes sense inside the form
            return see_other(request, "/referrals/new")
        found = await referrals.find_services(q[:200], kind=kind if kind in KINDS else None)
        return render(request, "referrals/new.html", block="services", found=found, **_bare_form())

    @get("/new/people", guards=[may(ISSUE_TO_SHELTER)])
    async def search_people(
        self,
        request: Request[Any, Any, Any],
        people: NamedDependency[PersonService],
        q: FromQuery[str] = "",
    ) -> Any:
        """People matching what is typed (the form's choice of the person when not fixed)."""
        if request.headers.get("hx-request") != "true":
            return see_other(request, "/referrals/new")
        found = await people.search(q[:100]) if people.can("people.search") else []
        return render(
            request, "referrals/new.html", block="people", people_found=found, form=Form.filled(), person=None
        )

    @post("/new", guards=[may(ISSUE_TO_SHELTER)])
    async def issue(self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService]) -> Any:
        form = Form(await request.form())
        kind = form.choice("kind", KINDS)
        person_ids = form.uuids("person")
        service_ids = form.uuids("service") if kind != ReferralKind.ACTIVITY else []
        activity_ids = form.uuids("activity") if kind == ReferralKind.ACTIVITY else []
        site_ids = form.uuids("site")
        reason = form.text("reason", required=True, max_length=MAX_REASON)  # said with the other fields at once
        requested = form.text("requested", required=False, max_length=MAX_REQUESTED)
        expected_by = form.date("expected_by")
        whole_household = form.raw("whole_household") == "on"
        form.values["whole_household"] = whole_household
        if form.valid:
            data = ReferralInput(
                kind=kind,
                person_id=person_ids[0] if person_ids else None,
                service_id=service_ids[0] if service_ids else None,
                activity_id=activity_ids[0] if activity_ids else None,
                reason=reason,
                requested=requested,
                expected_by=expected_by,
                site_id=site_ids[0] if site_ids else None,
                whole_household=whole_household,
            )
            try:
                referral = await referrals.issue(data)
            except DomainError as error:
                if error.status_code != 422:
                    raise
                form.error(error.field or "kind", error.message)
            else:
                return see_other(request, f"/referrals/{referral.id}", _("The referral has been issued."))
        return await self._form_page(request, referrals, form, status_code=422)

    # --- one referral -----------------------------------------------------------------------------------------

    @get("/{referral_id:uuid}", guards=[may(VIEW)], opt=WRITES)
    async def referral_page(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], referral_id: FromPath[UUID]
    ) -> Any:
        return render(
            request,
            "referrals/detail.html",
            detail=await referrals.view(referral_id),
            kinds=kind_labels(),
            statuses=status_labels(),
            max_cancel=MAX_CANCEL_REASON,
        )

    @get("/{referral_id:uuid}/letter.pdf", guards=[may(VIEW)], opt=WRITES)
    async def letter(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], referral_id: FromPath[UUID]
    ) -> Response[bytes]:
        detail = await referrals.for_letter(referral_id)
        base = f"{request.url.scheme}://{request.url.netloc}"
        return pdf_response(letter_pdf(detail, base), f"skierowanie-{detail.referral.code}.pdf")

    @post("/{referral_id:uuid}/cancel", guards=[may(CANCEL)])
    async def cancel(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], referral_id: FromPath[UUID]
    ) -> Any:
        await referrals.get(referral_id)  # another site's: not found (404), before anything is tried
        form = Form(await request.form())
        reason = form.raw("cancelled_reason")[:1000]
        return await attempt(
            request, referrals.cancel(referral_id, reason), f"/referrals/{referral_id}", _("The referral is cancelled.")
        )

    @post("/{referral_id:uuid}/undo", guards=[may(UNDO_CONFIRMATION)])
    async def undo(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], referral_id: FromPath[UUID]
    ) -> Any:
        await referrals.get(referral_id)  # another site's: not found (404), before anything is tried
        return await attempt(
            request,
            referrals.undo_confirmation(referral_id),
            f"/referrals/{referral_id}",
            _("The confirmation has been undone."),
        )

    @get("/people/{person_id:uuid}", guards=[may(VIEW)])
    async def person_referrals(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], person_id: FromPath[UUID]
    ) -> Any:
        """The referrals section of a person's record (loaded into the record's page)."""
        return render(
            request,
            "referrals/person_panel.html",
            lines=await referrals.for_person(person_id),
            person_id=person_id,
            kinds=kind_labels(),
            statuses=status_labels(),
        )
