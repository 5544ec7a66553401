"""Activity pages: the list with fill and attendance rates, the activity form, an activity's page (sessions,
participants, waiting list, sign-up from the registry, attendance rates, certificates), the week at a venue and a
printable participant list."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.attendance import ATTENDANCE_ROLES, AttendanceService
from logistics.activities.forms import CATEGORIES, read_activity
from logistics.activities.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceStatus,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from logistics.activities.sessions import SessionService
from logistics.activities.signups import SIGN_UP_ROLES
from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_zone
from logistics.people.models import Person
from logistics.people.services import PersonService
from logistics.sites.models import Site
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form, options
from logistics.web.guards import requires
from logistics.web.layout import register_nav
from logistics.web.responses import attempt, flash, pdf_response, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Activities"), "/activities", ATTENDANCE_ROLES, order=40)


class ActivityController(Controller):
    path = "/activities"
    guards = [requires(*ATTENDANCE_ROLES)]

    @get("/")
    async def activities(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """Every active activity: next session, places taken, waiting, attendance so far."""
        actor = actor_from_request(request)
        query = (
            select(Activity, Site.name)
            .join(Site, Site.id == Activity.venue_id)
            .order_by(Activity.is_active.desc(), Activity.title)
        )
        if not actor.sees_all_sites:
            query = query.where(Activity.venue_id.in_(actor.site_ids))
        now = datetime.now(UTC)
        listed = (await db_session.execute(query)).all()
        ids = [activity.id for activity, _venue in listed]
        counts: dict[Any, dict[str, int]] = defaultdict(dict)
        for activity_id, status, n in await db_session.execute(
            select(SignUp.activity_id, SignUp.status, func.count())
            .where(SignUp.activity_id.in_(ids))
            .group_by(SignUp.activity_id, SignUp.status)
        ):
            counts[activity_id][status] = n
        upcoming = dict(
            (
                await db_session.execute(
                    select(ActivitySession.activity_id, func.min(ActivitySession.starts_at))
                    .where(
                        ActivitySession.activity_id.in_(ids),
                        ActivitySession.starts_at > now,
                        ActivitySession.status == SessionStatus.SCHEDULED,
                    )
                    .group_by(ActivitySession.activity_id)
                )
            ).all()
        )
        marks: dict[Any, dict[str, int]] = defaultdict(dict)
        for activity_id, status, n in await db_session.execute(
            select(ActivitySession.activity_id, Attendance.status, func.count())
            .join(ActivitySession, ActivitySession.id == Attendance.session_id)
            .where(ActivitySession.activity_id.in_(ids))
            .group_by(ActivitySession.activity_id, Attendance.status)
        ):
            marks[activity_id][status] = n
        rows = []
        for activity, venue in listed:
            total = sum(marks[activity.id].values())
            absent = marks[activity.id].get(AttendanceStatus.ABSENT, 0)
            rate = round(100 * (total - absent) / total) if total else None
            rows.append((activity, venue, counts[activity.id], upcoming.get(activity.id), rate))
        return render(request, "activities/list.html", rows=rows, categories=CATEGORIES)

    # --- the activity form -----------------------------------------------------------------------------------

    async def _form(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        form: Form,
        activity_id: UUID | None,
        status_code: int = 200,
    ) -> Any:
        sites = await db_session.scalars(select(Site).where(Site.is_active.is_(True)).order_by(Site.name))
        return render(
            request,
            "activities/form.html",
            status_code=status_code,
            form=form,
            activity_id=activity_id,
            venue_options=[(str(site.id), site.name) for site in sites],
            category_options=options(CATEGORIES),
        )

    @get("/new", guards=[requires(*SIGN_UP_ROLES)])
    async def new(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        return await self._form(request, db_session, Form.filled(capacity="12", required_share="80"), None)

    @get("/{activity_id:uuid}/edit", guards=[requires(*SIGN_UP_ROLES)])
    async def edit(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        activity = await SessionService(db_session, actor_from_request(request)).activity(activity_id)
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
        return await self._form(request, db_session, form, activity.id)

    async def _save(self, request: Request[Any, Any, Any], db_session: AsyncSession, activity_id: UUID | None) -> Any:
        form = Form(await request.form())
        data = read_activity(form)
        if data is not None:
            try:
                async with db_session.begin_nested():
                    activity = await SessionService(db_session, actor_from_request(request)).save(activity_id, data)
                return see_other(request, f"/activities/{activity.id}", _("The activity has been saved."))
            except DomainError as error:
                form.error(error.field or "title", error.message)
        return await self._form(request, db_session, form, activity_id, 422)

    @post("/new", guards=[requires(*SIGN_UP_ROLES)])
    async def create(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        return await self._save(request, db_session, None)

    @post("/{activity_id:uuid}/edit", guards=[requires(*SIGN_UP_ROLES)])
    async def update(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        return await self._save(request, db_session, activity_id)

    # --- the activity's page -------------------------------------------------------------------------------------

    @get("/{activity_id:uuid}")
    async def activity(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        service = AttendanceService(db_session, actor_from_request(request))
        activity = await service.activity(activity_id)
        sign_ups = (
            await db_session.execute(
                select(SignUp, Person)
                .join(Person, Person.id == SignUp.person_id)
                .where(SignUp.activity_id == activity.id, SignUp.status != SignUpStatus.CANCELLED)
                .order_by(SignUp.waiting_rank, SignUp.id)
            )
        ).all()
        sessions = await service.sessions(activity)
        return render(
            request,
            "activities/activity.html",
            activity=activity,
            venue=await db_session.get(Site, activity.venue_id),
            sessions=sessions,
            session_names={str(s.id): s.starts_at for s in sessions},
            confirmed=[(s, p) for s, p in sign_ups if s.status == SignUpStatus.CONFIRMED],
            waiting=[(s, p) for s, p in sign_ups if s.status == SignUpStatus.WAITING],
            rates=await service.rates(activity),
            categories=CATEGORIES,
            now=datetime.now(UTC),
            results=None,
            form=Form(),
        )

    @get("/{activity_id:uuid}/people")
    async def find_people(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        """Search the registry (name, PESEL, phone, card code) to sign someone up; an htmx partial."""
        actor = actor_from_request(request)
        activity = await SessionService(db_session, actor).activity(activity_id)
        query = request.query_params.get("q", "")
        try:
            results = await PersonService(db_session, actor).search(query)
        except DomainError as error:
            results, query = [], error.message
        sessions = [
            s
            for s in await SessionService(db_session, actor).sessions(activity)
            if s.starts_at > datetime.now(UTC) and s.status == SessionStatus.SCHEDULED
        ]
        return render(request, "activities/people.html", activity=activity, results=results, sessions=sessions)

    @post("/{activity_id:uuid}/sign-up", guards=[requires(*SIGN_UP_ROLES)])
    async def sign_up(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        person, session_ids = form.uuids("person"), form.uuids("session")
        back = f"/activities/{activity_id}"
        if not person:
            return await attempt(request, refusal(_("Choose the person.")), back)
        try:
            outcome = await SessionService(db_session, actor_from_request(request)).sign_up(
                activity_id, person[0], session_ids[0] if session_ids else None
            )
        except DomainError as error:
            return await attempt(request, refusal(error.message), back)
        for warning in outcome.warnings:
            flash(request, warning, "info")
        message = (
            _("Signed up.")
            if outcome.sign_up.status == SignUpStatus.CONFIRMED
            else _("The activity is full: added to the waiting list.")
        )
        return see_other(request, back, message)

    @post("/sign-ups/{sign_up_id:uuid}/cancel", guards=[requires(*SIGN_UP_ROLES)])
    async def cancel_sign_up(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], sign_up_id: FromPath[UUID]
    ) -> Any:
        sign_up = await db_session.get(SignUp, sign_up_id)
        back = f"/activities/{sign_up.activity_id}" if sign_up else "/activities"
        try:
            promoted = await SessionService(db_session, actor_from_request(request)).cancel(sign_up_id)
        except DomainError as error:
            return await attempt(request, refusal(error.message), back)
        if promoted is not None:
            person = await db_session.get(Person, promoted.person_id)
            return see_other(
                request,
                back,
                _("Cancelled. %(name)s moves up from the waiting list.", name=person.given_name if person else ""),
            )
        return see_other(request, back, _("Cancelled."))

    @post("/sign-ups/{sign_up_id:uuid}/move", guards=[requires(*SIGN_UP_ROLES)])
    async def reorder(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], sign_up_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        rank = form.integer("rank", required=True, minimum=1, maximum=1000)
        reason = form.text("reason", max_length=200)
        sign_up = await db_session.get(SignUp, sign_up_id)
        back = f"/activities/{sign_up.activity_id}" if sign_up else "/activities"
        if not form.valid or rank is None:
            return await attempt(request, refusal(form), back)
        service = SessionService(db_session, actor_from_request(request))
        return await attempt(
            request, service.reorder(sign_up_id, rank, reason), back, _("The waiting list has been reordered.")
        )

    @post("/{activity_id:uuid}/sessions", guards=[requires(*SIGN_UP_ROLES)])
    async def add_sessions(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        """One date, or weekly on that weekday until a date."""
        form = Form(await request.form())
        day = form.date("day", required=True)
        start = form.pattern("start", r"\d{1,2}:\d{2}", _("Type the time as HH:MM."), max_length=5)
        minutes = form.integer("minutes", required=True, minimum=10, maximum=1440)
        until = form.date("until")
        room = form.text("room", required=False, max_length=80)
        back = f"/activities/{activity_id}"
        if not form.valid or day is None or minutes is None:
            return await attempt(request, refusal(form), back)
        hour, minute = (int(part) for part in start.split(":"))
        if hour > 23 or minute > 59:
            return await attempt(request, refusal(_("Type the time as HH:MM.")), back)
        first = datetime.combine(day, time(hour, minute), local_zone())
        service = SessionService(db_session, actor_from_request(request))
        return await attempt(
            request,
            service.add_sessions(activity_id, first, minutes, until, room),
            back,
            _("The sessions have been scheduled."),
        )

    @post("/sessions/{session_id:uuid}/cancel", guards=[requires(*SIGN_UP_ROLES)])
    async def cancel_session(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], session_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        activity_session = await db_session.get(ActivitySession, session_id)
        back = f"/activities/{activity_session.activity_id}" if activity_session else "/activities"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        service = SessionService(db_session, actor_from_request(request))
        return await attempt(
            request,
            service.cancel_session(session_id, reason),
            back,
            _("The session is cancelled; everyone signed up will be told."),
        )

    @post("/sessions/{session_id:uuid}/move", guards=[requires(*SIGN_UP_ROLES)])
    async def move_session(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], session_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        day = form.date("day", required=True)
        start = form.pattern("start", r"\d{1,2}:\d{2}", _("Type the time as HH:MM."), max_length=5)
        room = form.text("room", required=False, max_length=80)
        reason = form.text("reason", required=False, max_length=200)
        activity_session = await db_session.get(ActivitySession, session_id)
        back = f"/activities/{activity_session.activity_id}" if activity_session else "/activities"
        if not form.valid or day is None:
            return await attempt(request, refusal(form), back)
        hour, minute = (int(part) for part in start.split(":"))
        if hour > 23 or minute > 59:
            return await attempt(request, refusal(_("Type the time as HH:MM.")), back)
        service = SessionService(db_session, actor_from_request(request))
        starts = datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC)
        return await attempt(
            request,
            service.move_session(session_id, starts, room, reason),
            back,
            _("The session has moved; everyone signed up will be told."),
        )

    @post("/{activity_id:uuid}/capacity", guards=[requires(*SIGN_UP_ROLES)])
    async def capacity(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        capacity = form.integer("capacity", required=True, minimum=1, maximum=1000)
        back = f"/activities/{activity_id}"
        if not form.valid or capacity is None:
            return await attempt(request, refusal(form), back)
        service = SessionService(db_session, actor_from_request(request))
        return await attempt(
            request, service.set_capacity(activity_id, capacity), back, _("The capacity has been changed.")
        )

    @get("/{activity_id:uuid}/participants")
    async def participant_list(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], activity_id: FromPath[UUID]
    ) -> Any:
        """A printable list with a signature column per person."""
        service = SessionService(db_session, actor_from_request(request))
        activity = await service.activity(activity_id)
        people = (
            await db_session.scalars(
                select(Person)
                .join(SignUp, SignUp.person_id == Person.id)
                .where(SignUp.activity_id == activity.id, SignUp.status == SignUpStatus.CONFIRMED)
                .order_by(Person.family_name, Person.given_name)
            )
        ).all()
        return render(
            request,
            "activities/participants.html",
            activity=activity,
            people=people,
            venue=await db_session.get(Site, activity.venue_id),
        )

    @get("/{activity_id:uuid}/certificate/{person_id:uuid}", guards=[requires(*SIGN_UP_ROLES)])
    async def certificate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        activity_id: FromPath[UUID],
        person_id: FromPath[UUID],
    ) -> Response[bytes]:
        content = await AttendanceService(db_session, actor_from_request(request)).certificate(activity_id, person_id)
        return pdf_response(content, "zaswiadczenie.pdf")

    @get("/week")
    async def week(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """The sessions of a week at a venue, day by day."""
        actor = actor_from_request(request)
        form = Form(request.query_params)
        venue_ids = form.uuids("venue")
        day = form.date("day") or datetime.now(local_zone()).date()
        monday = day - timedelta(days=day.weekday())
        query = select(Site).join(Activity, Activity.venue_id == Site.id).distinct().order_by(Site.name)
        if not actor.sees_all_sites:
            query = query.where(Site.id.in_(actor.site_ids))
        venues = list(await db_session.scalars(query))
        venue = next((v for v in venues if venue_ids and v.id == venue_ids[0]), venues[0] if venues else None)
        start = datetime.combine(monday, time(), local_zone())
        sessions: list[Any] = []
        if venue is not None:
            sessions = list(
                (
                    await db_session.execute(
                        select(ActivitySession, Activity)
                        .join(Activity, Activity.id == ActivitySession.activity_id)
                        .where(
                            Activity.venue_id == venue.id,
                            ActivitySession.starts_at >= start,
                            ActivitySession.starts_at < start + timedelta(days=7),
                        )
                        .order_by(ActivitySession.starts_at)
                    )
                ).all()
            )
        days = [monday + timedelta(days=n) for n in range(7)]
        by_day = {d: [(s, a) for s, a in sessions if s.starts_at.astimezone(local_zone()).date() == d] for d in days}
        return render(
            request,
            "activities/week.html",
            venue=venue,
            venues=venues,
            days=days,
            by_day=by_day,
            previous=monday - timedelta(days=7),
            next=monday + timedelta(days=7),
            zone=local_zone(),
        )
