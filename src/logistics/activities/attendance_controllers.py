"""Today's session on the trainer's tablet: the people with a place, one tap each for present, late or absent;
a beneficiary card scanned or typed checks its holder in; someone without a place only as a confirmed walk-in;
closing the session records everyone not checked in as a no-show."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.activities.attendance import AttendanceService
from logistics.activities.models import AttendanceStatus, SessionStatus
from logistics.activities.policy import TAKE_ATTENDANCE
from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.templating import render


class AttendanceController(Controller):
    path = "/activities"
    guards = [may(TAKE_ATTENDANCE)]
    dependencies = services(attendance=AttendanceService)

    @get("/today")
    async def today(self, request: Request[Any, Any, Any], attendance: NamedDependency[AttendanceService]) -> Any:
        """Today's sessions at the user's venues, to open on the tablet."""
        return render(request, "activities/today.html", sessions=await attendance.today())

    async def _sheet(
        self,
        request: Request[Any, Any, Any],
        attendance: AttendanceService,
        session_id: UUID,
        form: Form,
        status_code: int = 200,
        walk_in: tuple[str, str] | None = None,
    ) -> Any:
        sheet = await attendance.sheet(session_id)
        return render(
            request,
            "activities/attendance.html",
            block="sheet",
            status_code=status_code,
            activity=sheet.activity,
            activity_session=sheet.activity_session,
            people=sheet.people,
            records=sheet.records,
            form=form,
            walk_in=walk_in,
            cancelled=sheet.activity_session.status == SessionStatus.CANCELLED,
        )

    @get("/sessions/{session_id:uuid}/attendance")
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        attendance: NamedDependency[AttendanceService],
        session_id: FromPath[UUID],
    ) -> Any:
        return await self._sheet(request, attendance, session_id, Form())

    @post("/sessions/{session_id:uuid}/attendance")
    async def mark(
        self,
        request: Request[Any, Any, Any],
        attendance: NamedDependency[AttendanceService],
        session_id: FromPath[UUID],
    ) -> Any:
        """A tap (person + status) or a card code; `walk_in` confirms someone without a place."""
        await attendance.activity_of_session(session_id, TAKE_ATTENDANCE)  # outside the user's venues: 404
        form = Form(await request.form())
        person = form.uuids("person")
        card = form.text("card", required=False, max_length=40)
        status = form.choice("status", [s.value for s in AttendanceStatus], required=False) or AttendanceStatus.PRESENT
        walk_in = form.boolean("walk_in")
        if not person and not card:
            form.error("card", _("Scan or type the card code, or tap a name."))
        if form.valid:
            try:
                await attendance.check_in(session_id, person[0] if person else None, card, status, walk_in)
                return await self._sheet(request, attendance, session_id, Form())
            except DomainError as error:
                form.error(error.field or "card", error.message)
                if error.field == "walk_in":
                    confirm = ("card", card) if card else ("person", str(person[0]))
                    return await self._sheet(request, attendance, session_id, form, 200, walk_in=confirm)
        return await self._sheet(request, attendance, session_id, form, 422)

    @post("/sessions/{session_id:uuid}/close")
    async def close(
        self,
        request: Request[Any, Any, Any],
        attendance: NamedDependency[AttendanceService],
        session_id: FromPath[UUID],
    ) -> Any:
        await attendance.close(session_id)
        return await self._sheet(request, attendance, session_id, Form())
