"""Activity pages: the list with fill and attendance rates, the activity form, an activity's page (sessions,
participants, waiting list, sign-up from the registry, attendance rates, certificates), the week at a venue and a
printable participant list."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from logistics.activities.attendance import AttendanceService
from logistics.activities.forms import CATEGORIES, read_activity
from logistics.activities.models import Activity, SignUpStatus
from logistics.activities.pages import ActivityPages
from logistics.activities.policy import CERTIFICATE, MANAGE, SIGN_UP, VIEW, policy
from logistics.activities.sessions import SessionService
from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today, local_zone
from logistics.db import WRITES
from logistics.people.services import PersonService
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import attempt, flash, pdf_response, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Activities"), "/activities", policy.roles(VIEW), order=40)


#: How far ahead a session may be scheduled or moved: further is a typing mistake.
AHEAD = timedelta(days=2 * 365)


def read_start(form: Form) -> datetime | None:
    """A local day (from today to two years ahead) and an HH:MM start from the form, as an aware datetime; None
    with the form's error."""
    today = local_today()
    day = form.date("day", required=True, earliest=today, latest=today + AHEAD)
    start = form.pattern("start", r"\d{1,2}:\d{2}", _("Type the time as HH:MM."), max_length=5)
    if not form.valid or day is None:
        return None
    hour, minute = (int(part) for part in start.split(":"))
    if hour > 23 or minute > 59:
        form.error("start", _("Type the time as HH:MM."))
        return None
    return datetime.combine(day, time(hour, minute), local_zone())


def labelled(form: Form, labels: dict[str, str]) -> Any:
    """The refusal of a small form on a page (shown at the top of the page): its first error, after the label of
    the field it is about."""
    name, message = next(iter(form.errors.items()))
    return refusal(f"{labels[name]}: {message}" if name in labels else message)


def session_labels() -> dict[str, str]:
    return {
        "day": _("Day"),
        "start": _("Start (HH:MM)"),
        "minutes": _("Length in minutes"),
        "until": _("Every week until"),
        "room": _("Room"),
        "reason": _("Reason"),
    }


def page_of(activity: Activity) -> str:
    """Where a small form on an activity's page goes back to. Handlers find the activity first, for the action
    they are about to do: outside the user's venues, the answer is 404 before anything is read or changed."""
    return f"/activities/{activity.id}"


class ActivityController(Controller):
    path = "/activities"
    guards = [may(VIEW)]
    dependencies = services(
        pages=ActivityPages,
        sessions=SessionService,
        attendance=AttendanceService,
        people=PersonService,
    )

    @get("/")
    async def activities(self, request: Request[Any, Any, Any], pages: NamedDependency[ActivityPages]) -> Any:
        """Every activity at the user's venues: next session, places taken, waiting, attendance so far."""
        return render(request, "activities/list.html", rows=await pages.overview(), categories=CATEGORIES)

    # --- the activity form -----------------------------------------------------------------------------------

    async def _form(
        self,
        request: Request[Any, Any, Any],
        sessions: SessionService,
        form: Form,
        activity_id: UUID | None,
        status_code: int = 200,
    ) -> Any:
        venues = await sessions.venues()
        return render(
            request,
            "activities/form.html",
            status_code=status_code,
            form=form,
            activity_id=activity_id,
            venue_options=[(str(site.id), site.name) for site in venues],
            category_options=options(CATEGORIES),
        )

    @get("/new", guards=[may(MANAGE)])
    async def new(self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService]) -> Any:
        return await self._form(request, sessions, Form.filled(capacity="12", required_share="80"), None)

    @get("/{activity_id:uuid}/edit", guards=[may(MANAGE)])
    async def edit(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[SessionService],
        activity_id: FromPath[UUID],
    ) -> Any:
        activity = await sessions.activity(activity_id, MANAGE)
        form = Form.filled(
            title=activity.title,
            title_en=activity.title_en,
            title_uk=activity.title_uk,
            description=activity.description,
            category=activity.category,
            venue=str(activity.venue_id),
            organiser=activity.organiser,
            age_min=str(activity.age_min or ""),
            age_max=str(activity.age_max or ""),
            audience=activity.audience,
            capacity=str(activity.capacity),
            per_session=activity.per_session,
            required_share=str(activity.required_share),
        )
        return await self._form(request, sessions, form, activity.id)

    async def _save(self, request: Request[Any, Any, Any], sessions: SessionService, activity_id: UUID | None) -> Any:
        if activity_id is not None:
            await sessions.activity(activity_id, MANAGE)  # refused before the form is read
        form = Form(await request.form())
        data = read_activity(form)
        if data is not None:
            try:
                activity = await sessions.save(activity_id, data)
                return see_other(request, f"/activities/{activity.id}", _("The activity has been saved."))
            except DomainError as error:
                form.error(error.field or "form", error.message)
        return await self._form(request, sessions, form, activity_id, 422)

    @post("/new", guards=[may(MANAGE)])
    async def create(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[SessionService],
    ) -> Any:
        return await self._save(request, sessions, None)

    @post("/{activity_id:uuid}/edit", guards=[may(MANAGE)])
    async def update(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[SessionService],
        activity_id: FromPath[UUID],
    ) -> Any:
        return await self._save(request, sessions, activity_id)

    # --- the activity's page -------------------------------------------------------------------------------------

    @get("/{activity_id:uuid}", opt=WRITES)  # opening the page is written to the audit log
    async def activity(
        self, request: Request[Any, Any, Any], pages: NamedDependency[ActivityPages], activity_id: FromPath[UUID]
    ) -> Any:
        page = await pages.page(activity_id)
        return render(
            request,
            "activities/activity.html",
            activity=page.activity,
            venue=page.venue,
            sessions=page.sessions,
            session_names={str(s.id): s.starts_at for s in page.sessions},
            confirmed=page.confirmed,
            waiting=page.waiting,
            rates=page.rates,
            categories=CATEGORIES,
            now=datetime.now(UTC),
        )

    @get("/{activity_id:uuid}/people", guards=[may(SIGN_UP)])
    async def find_people(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[SessionService],
        people: NamedDependency[PersonService],
        activity_id: FromPath[UUID],
        q: FromQuery[str] = "",
    ) -> Any:
        """Search the registry (name, PESEL, phone, card code) to sign someone up; an htmx partial."""
        activity, upcoming = await sessions.open_sessions(activity_id)
        try:
            results = await people.search(q)
        except DomainError:  # the registry refuses the query
            results = []
        return render(request, "activities/people.html", activity=activity, results=results, sessions=upcoming)

    @post("/{activity_id:uuid}/sign-up", guards=[may(SIGN_UP)])
    async def sign_up(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], activity_id: FromPath[UUID]
    ) -> Any:
        back = page_of(await sessions.activity(activity_id, SIGN_UP))
        form = Form(await request.form())
        person, session_ids = form.uuids("person"), form.uuids("session")
        if not person:
            return await attempt(request, refusal(_("Choose the person.")), back)
        try:
            outcome = await sessions.sign_up(activity_id, person[0], session_ids[0] if session_ids else None)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, back)
        for warning in outcome.warnings:
            flash(request, warning, "info")
        message = (
            _("Signed up.")
            if outcome.sign_up.status == SignUpStatus.CONFIRMED
            else _("The activity is full: added to the waiting list.")
        )
        return see_other(request, back, message)

    @post("/sign-ups/{sign_up_id:uuid}/cancel", guards=[may(SIGN_UP)])
    async def cancel_sign_up(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], sign_up_id: FromPath[UUID]
    ) -> Any:
        back = page_of(await sessions.activity_of_sign_up(sign_up_id, SIGN_UP))
        try:
            cancelled = await sessions.cancel(sign_up_id)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, back)
        if cancelled.promoted_person is not None:
            name = cancelled.promoted_person.given_name
            return see_other(request, back, _("Cancelled. %(name)s moves up from the waiting list.", name=name))
        return see_other(request, back, _("Cancelled."))

    @post("/sign-ups/{sign_up_id:uuid}/move", guards=[may(SIGN_UP)])
    async def reorder(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], sign_up_id: FromPath[UUID]
    ) -> Any:
        back = page_of(await sessions.activity_of_sign_up(sign_up_id, SIGN_UP))
        form = Form(await request.form())
        rank = form.integer("rank", required=True, minimum=1, maximum=1000)
        reason = form.text("reason", max_length=200)
        if not form.valid or rank is None:
            return await attempt(request, labelled(form, {"rank": _("Place"), "reason": _("Reason")}), back)
        return await attempt(
            request, sessions.reorder(sign_up_id, rank, reason), back, _("The waiting list has been reordered.")
        )

    @post("/{activity_id:uuid}/sessions", guards=[may(MANAGE)])
    async def add_sessions(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], activity_id: FromPath[UUID]
    ) -> Any:
        """One date, or weekly on that weekday until a date."""
        back = page_of(await sessions.activity(activity_id, MANAGE))
        form = Form(await request.form())
        first = read_start(form)
        minutes = form.integer("minutes", required=True, minimum=10, maximum=1440)
        until = form.date("until", earliest=local_today(), latest=local_today() + AHEAD)
        room = form.text("room", required=False, max_length=80)
        if first is None or not form.valid or minutes is None:
            return await attempt(request, labelled(form, session_labels()), back)
        return await attempt(
            request,
            sessions.add_sessions(activity_id, first, minutes, until, room),
            back,
            _("The sessions have been scheduled."),
        )

    @post("/sessions/{session_id:uuid}/cancel", guards=[may(MANAGE)])
    async def cancel_session(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], session_id: FromPath[UUID]
    ) -> Any:
        back = page_of(await sessions.activity_of_session(session_id, MANAGE))
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        if not form.valid:
            return await attempt(request, labelled(form, session_labels()), back)
        return await attempt(
            request,
            sessions.cancel_session(session_id, reason),
            back,
            _("The session is cancelled; everyone signed up will be told."),
        )

    @post("/sessions/{session_id:uuid}/move", guards=[may(MANAGE)])
    async def move_session(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], session_id: FromPath[UUID]
    ) -> Any:
        back = page_of(await sessions.activity_of_session(session_id, MANAGE))
        form = Form(await request.form())
        starts = read_start(form)
        room = form.text("room", required=False, max_length=80)
        reason = form.text("reason", required=False, max_length=200)
        if starts is None or not form.valid:
            return await attempt(request, labelled(form, session_labels()), back)
        return await attempt(
            request,
            sessions.move_session(session_id, starts.astimezone(UTC), room, reason),
            back,
            _("The session has moved; everyone signed up will be told."),
        )

    @post("/{activity_id:uuid}/capacity", guards=[may(MANAGE)])
    async def capacity(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], activity_id: FromPath[UUID]
    ) -> Any:
        back = page_of(await sessions.activity(activity_id, MANAGE))
        form = Form(await request.form())
        capacity = form.integer("capacity", required=True, minimum=1, maximum=1000)
        if not form.valid or capacity is None:
            return await attempt(request, labelled(form, {"capacity": _("Places")}), back)
        return await attempt(
            request, sessions.set_capacity(activity_id, capacity), back, _("The capacity has been changed.")
        )

    @get("/{activity_id:uuid}/participants", opt=WRITES)  # the list of names is written to the audit log
    async def participant_list(
        self, request: Request[Any, Any, Any], pages: NamedDependency[ActivityPages], activity_id: FromPath[UUID]
    ) -> Any:
        """A printable list with a signature column per person."""
        listing = await pages.participant_list(activity_id)
        return render(
            request,
            "activities/participants.html",
            activity=listing.activity,
            people=listing.people,
            venue=listing.venue,
        )

    @get("/{activity_id:uuid}/certificate/{person_id:uuid}", guards=[may(CERTIFICATE)], opt=WRITES)
    async def certificate(
        self,
        attendance: NamedDependency[AttendanceService],
        activity_id: FromPath[UUID],
        person_id: FromPath[UUID],
    ) -> Response[bytes]:
        content = await attendance.certificate(activity_id, person_id)
        return pdf_response(content, "zaswiadczenie.pdf")

    @get("/week")
    async def week(self, request: Request[Any, Any, Any], pages: NamedDependency[ActivityPages]) -> Any:
        """The sessions of a week at a venue, day by day."""
        form = Form(request.query_params)
        venue_ids = form.uuids("venue")
        week = await pages.week(venue_ids[0] if venue_ids else None, form.date("day") or local_today())
        return render(
            request,
            "activities/week.html",
            venue=week.venue,
            venues=week.venues,
            days=list(week.by_day),
            by_day=week.by_day,
            previous=week.monday - timedelta(days=7),
            next=week.monday + timedelta(days=7),
        )
