"""Today's session on the trainer's tablet: the people with a place, one tap each for present, late or absent;
a beneficiary card scanned or typed checks its holder in; someone without a place only as a confirmed walk-in;
closing the session records everyone not checked in as a no-show."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.attendance import ATTENDANCE_ROLES, AttendanceService
from logistics.activities.models import Activity, ActivitySession, Attendance, AttendanceStatus, SessionStatus
from logistics.activities.sessions import participants
from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_zone
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.templating import render


class AttendanceController(Controller):
    path = "/activities"
    guards = [requires(*ATTENDANCE_ROLES)]

    @get("/today")
    async def today(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """Today's sessions at the user's venues, to open on the tablet."""
        actor = actor_from_request(request)
        zone = local_zone()
        start = datetime.combine(datetime.now(zone).date(), time(), zone)
        query = (
            select(ActivitySession, Activity)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(ActivitySession.starts_at >= start, ActivitySession.starts_at < start + timedelta(days=1))
            .order_by(ActivitySession.starts_at)
        )
        if not actor.sees_all_sites:
            query = query.where(Activity.venue_id.in_(actor.site_ids))
        return render(request, "activities/today.html", sessions=(await db_session.execute(query)).all())

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        session_id: UUID,
        form: Form,
        status_code: int = 200,
        walk_in: tuple[str, str] | None = None,
    ) -> Any:
        service = AttendanceService(db_session, actor_from_request(request))
        activity_session, activity = await service.session_at_venue(session_id)
        people = await participants(db_session, activity_session)
        records = {
            record.person_id: record
            for record in await db_session.scalars(
                select(Attendance).where(Attendance.session_id == activity_session.id)
            )
        }
        walk_ins = [await service.person(pid) for pid in records if pid not in {p.id for p in people}]
        return render(
            request,
            "activities/attendance.html",
            block="sheet",
            status_code=status_code,
            activity=activity,
            activity_session=activity_session,
            people=people + walk_ins,
            records=records,
            form=form,
            walk_in=walk_in,
            cancelled=activity_session.status == SessionStatus.CANCELLED,
        )

    @get("/sessions/{session_id:uuid}/attendance")
    async def attendance(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], session_id: FromPath[UUID]
    ) -> Any:
        return await self._page(request, db_session, session_id, Form())

    @post("/sessions/{session_id:uuid}/attendance")
    async def mark(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], session_id: FromPath[UUID]
    ) -> Any:
        """A tap (person + status) or a card code; `walk_in` confirms someone without a place."""
        form = Form(await request.form())
        person = form.uuids("person")
        card = form.text("card", required=False, max_length=40)
        status = form.choice("status", [s.value for s in AttendanceStatus], required=False) or AttendanceStatus.PRESENT
        walk_in = form.boolean("walk_in")
        if not person and not card:
            form.error("card", _("Scan or type the card code, or tap a name."))
        if form.valid:
            try:
                async with db_session.begin_nested():
                    await AttendanceService(db_session, actor_from_request(request)).check_in(
                        session_id, person[0] if person else None, card, status, walk_in
                    )
                return await self._page(request, db_session, session_id, Form())
            except DomainError as error:
                form.error(error.field or "card", error.message)
                if error.field == "walk_in":
                    confirm = ("card", card) if card else ("person", str(person[0]))
                    return await self._page(request, db_session, session_id, form, 200, walk_in=confirm)
        return await self._page(request, db_session, session_id, form, 422)

    @post("/sessions/{session_id:uuid}/close")
    async def close(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], session_id: FromPath[UUID]
    ) -> Any:
        await AttendanceService(db_session, actor_from_request(request)).close(session_id)
        return await self._page(request, db_session, session_id, Form())
