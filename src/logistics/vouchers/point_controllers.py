"""Coordinators' pages for the distribution points: scanning devices (tokens shown once, revocable) and the
end-of-day reconciliation (on screen, printable, CSV)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.core.roles import Role
from logistics.inventory.ledger import number
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.devices import DEVICE_ROLES, DeviceService
from logistics.vouchers.reconciliation import reconcile
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.responses import attempt, csv_response, refusal
from logistics.web.templating import render

RECONCILE_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.CASE_WORKER, Role.WAREHOUSE, Role.VOLUNTEER})


async def _points(session: AsyncSession, actor: Actor) -> list[Site]:
    query = (
        select(Site)
        .join(SiteKindRow, SiteKindRow.site_id == Site.id)
        .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
        .order_by(Site.name)
    )
    if not actor.sees_all_sites:
        query = query.where(Site.id.in_(actor.site_ids))
    return list(await session.scalars(query))


class DeviceController(Controller):
    path = "/vouchers/devices"
    guards = [requires(*DEVICE_ROLES)]

    async def _page(self, request: Request[Any, Any, Any], db_session: AsyncSession, form: Form, **extra: Any) -> Any:
        actor = actor_from_request(request)
        return render(
            request,
            "vouchers/devices.html",
            devices=await DeviceService(db_session, actor).list(),
            point_options=[(str(site.id), site.name) for site in await _points(db_session, actor)],
            form=form,
            token=extra.get("token"),
            status_code=extra.get("status_code", 200),
        )

    @get("/")
    async def devices(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        return await self._page(request, db_session, Form())

    @post("/")
    async def create(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """A new device: its token is shown on this page once, never again."""
        form = Form(await request.form())
        point = form.uuids("point")
        name = form.text("name", max_length=80)
        if not point:
            form.error("point", _("Choose the distribution point."))
        if form.valid:
            try:
                _device, token = await DeviceService(db_session, actor_from_request(request)).create(point[0], name)
                return await self._page(request, db_session, Form(), token=token)
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return await self._page(request, db_session, form, status_code=422)

    @post("/{device_id:uuid}/revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], device_id: FromPath[UUID]
    ) -> Any:
        service = DeviceService(db_session, actor_from_request(request))
        return await attempt(
            request, service.revoke(device_id), "/vouchers/devices", _("The device can no longer scan.")
        )


class ReconciliationController(Controller):
    path = "/vouchers/reconciliation"
    guards = [requires(*RECONCILE_ROLES)]

    async def _report(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> tuple[Form, list[Site], Any]:
        actor = actor_from_request(request)
        form = Form(request.query_params)
        points = await _points(db_session, actor)
        chosen = form.uuids("point")
        day = form.date("day") or local_today()
        point = next((site for site in points if chosen and site.id == chosen[0]), points[0] if points else None)
        report = await reconcile(db_session, point.id, day) if point else None
        form.values.setdefault("day", day.isoformat())
        return form, points, (point, report)

    @get("/")
    async def reconciliation(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """A point's day: vouchers redeemed, items handed out against the ledger's issues, by volunteer or device."""
        form, points, (point, report) = await self._report(request, db_session)
        return render(
            request,
            "vouchers/reconciliation.html",
            form=form,
            point=point,
            report=report,
            point_options=[(str(site.id), site.name) for site in points],
        )

    @get("/reconciliation.csv", media_type="text/csv")
    async def reconciliation_csv(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        _form, _points, (point, report) = await self._report(request, db_session)
        if report is None:
            await refusal(_("You are not assigned to any distribution point. Ask a coordinator."))
        return csv_response(
            "reconciliation.csv",
            ["point", "day", "item", "unit", "from_vouchers", "from_ledger", "agrees"],
            (
                [
                    point.name,
                    report.day.isoformat(),
                    row.item,
                    row.unit,
                    number(row.from_vouchers),
                    number(row.from_ledger),
                    "yes" if row.agrees else "no",
                ]
                for row in report.items
            ),
        )
