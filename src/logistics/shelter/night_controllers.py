"""Shelter pages for the evening and for coordinators: roll call, occupancy history, waiting list."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.core.roles import Role
from logistics.settings import get_settings
from logistics.shelter import labels
from logistics.shelter.occupancy import occupancy
from logistics.shelter.places import BOARD_ROLES, DESK_ROLES, HOLD_ROLES
from logistics.shelter.rollcall import RollCallService, chart_points, series, snapshots_of_night, tonight
from logistics.shelter.waiting import WaitingInput, WaitingService
from logistics.sites.models import Site
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.responses import csv_response, flash, see_other
from logistics.web.templating import render


def _night(value: str) -> date:
    try:
        return date.fromisoformat(value) if value else tonight()
    except ValueError:
        return tonight()


class RollCallController(Controller):
    path = "/shelter"
    guards = [requires(*DESK_ROLES)]

    async def _sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        site_id: UUID,
        night: date,
        status_code: int = 200,
    ) -> Any:
        service = RollCallService(db_session, actor_from_request(request))
        rows = await service.sheet(site_id, night)
        site = await service.shelter_site(site_id)
        return render(
            request,
            "shelter/roll_call.html",
            block="sheet",
            status_code=status_code,
            site=site,
            night=night,
            rows=rows,
            absence_nights=get_settings().absence_nights,
        )

    @get("/sites/{site_id:uuid}/roll-call")
    async def roll_call(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        site_id: FromPath[UUID],
        night: FromQuery[str] = "",
    ) -> Any:
        """Tonight's list of everyone staying, to mark present or absent on a tablet."""
        return await self._sheet(request, db_session, site_id, _night(night))

    @post("/stays/{stay_id:uuid}/roll-call")
    async def mark(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stay_id: FromPath[UUID]
    ) -> Any:
        service = RollCallService(db_session, actor_from_request(request))
        form = Form(await request.form())
        night = _night(form.raw("night"))
        present = form.raw("present") == "yes"
        mark = await service.mark(stay_id, night, present)
        if request.headers.get("hx-request") == "true":
            await db_session.flush()
            return await self._sheet(request, db_session, mark.site_id, night)
        return see_other(request, f"/shelter/sites/{mark.site_id}/roll-call?night={night.isoformat()}")


class ReviewController(Controller):
    path = "/shelter/review"
    guards = [requires(Role.CASE_WORKER, Role.COORDINATOR, Role.ADMIN)]

    @get("/")
    async def review(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """Stays past the review period of their kind of site, for the case worker's review."""
        rows = await RollCallService(db_session, actor_from_request(request)).due_for_review()
        return render(request, "shelter/review.html", rows=rows)


class HistoryController(Controller):
    path = "/shelter/history"
    guards = [requires(*BOARD_ROLES)]

    @get("/")
    async def history(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], night: FromQuery[str] = ""
    ) -> Any:
        """The occupancy of any past night, and the last 90 nights as a chart."""
        actor = actor_from_request(request)
        chosen = _night(night)
        site_ids = None if actor.sees_all_sites else set(actor.site_ids)
        snapshots = await snapshots_of_night(db_session, chosen, site_ids)
        names = {row[0]: row[1] for row in (await db_session.execute(select(Site.id, Site.name))).all()}
        points = await series(db_session, site_ids, tonight())
        return render(
            request,
            "shelter/history.html",
            night=chosen,
            snapshots=snapshots,
            names=names,
            points=points,
            chart=chart_points(points),
        )

    @get("/export.csv", media_type="text/csv")
    async def history_csv(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], night: FromQuery[str] = ""
    ) -> Response[str]:
        actor = actor_from_request(request)
        chosen = _night(night)
        site_ids = None if actor.sees_all_sites else set(actor.site_ids)
        names = {row[0]: row[1] for row in (await db_session.execute(select(Site.id, Site.name))).all()}
        snapshots = await snapshots_of_night(db_session, chosen, site_ids)
        return csv_response(
            f"occupancy-{chosen.isoformat()}.csv",
            ["night", "site", "total", "out_of_service", "occupied", "held", "free"],
            (
                [
                    snap.night.isoformat(),
                    names.get(snap.site_id, str(snap.site_id)),
                    snap.total,
                    snap.out_of_service,
                    snap.occupied,
                    snap.held,
                    snap.free,
                ]
                for snap in snapshots
            ),
        )


class WaitingController(Controller):
    path = "/shelter/waiting"
    guards = [requires(*HOLD_ROLES)]

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        form: Form,
        status_code: int = 200,
        block: str | None = None,
    ) -> Any:
        service = WaitingService(db_session, actor_from_request(request))
        sites = await occupancy(db_session, actor_from_request(request))
        return render(
            request,
            "shelter/waiting.html",
            block=block,
            status_code=status_code,
            matches=await service.open_requests(),
            form=form,
            labels=labels,
            site_options=[(str(row.site.id), row.site.name) for row in sites],
        )

    @get("/")
    async def waiting(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        return await self._page(request, db_session, Form.filled(priority="2", family_size="1"))

    @post("/")
    async def add(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        form = Form(await request.form())
        person = form.uuids("person")
        site = form.uuids("site")
        data = WaitingInput(
            person_id=person[0] if person else None,
            description=form.text("description", required=False, max_length=200),
            category=form.choice("category", list(labels.CATEGORY)),
            needs_accessible=form.boolean("needs_accessible"),
            family_size=form.integer("family_size", minimum=1, maximum=15) or 1,
            priority=form.integer("priority", minimum=1, maximum=3) or 2,
            priority_reason=form.text("priority_reason", required=False, max_length=200),
            site_id=site[0] if site else None,
        )
        if form.valid:
            try:
                await WaitingService(db_session, actor_from_request(request)).add(data)
                return see_other(request, "/shelter/waiting", _("The request is on the waiting list."))
            except DomainError as error:
                form.error(error.field or "description", error.message)
        return await self._page(request, db_session, form, status_code=422, block="form")

    @post("/{request_id:uuid}/offer")
    async def offer(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], request_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        bed = form.uuids("bed")
        try:
            if not bed:
                raise DomainError(_("Choose a bed."))
            await WaitingService(db_session, actor_from_request(request)).offer(request_id, bed[0])
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, "/shelter/waiting")
        return see_other(request, "/shelter/waiting", _("The bed is held for this request."))

    @post("/{request_id:uuid}/close")
    async def close(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], request_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        try:
            await WaitingService(db_session, actor_from_request(request)).close(request_id, form.raw("status"))
        except DomainError as error:
            flash(request, error.message, "error")
        return see_other(request, "/shelter/waiting")
