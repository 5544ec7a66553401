"""Coordinators' pages for the distribution points: scanning devices (tokens shown once, revocable) and the
end-of-day reconciliation (on screen, printable, CSV)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.inventory.ledger import number
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.policy import MANAGE_DEVICES, RECONCILE
from logistics.vouchers.reconciliation import ReconciliationService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.responses import attempt, csv_response
from logistics.web.templating import render


class DeviceController(Controller):
    path = "/vouchers/devices"
    guards = [may(MANAGE_DEVICES)]
    dependencies = services(devices=DeviceService)

    async def _page(self, request: Request[Any, Any, Any], devices: DeviceService, form: Form, **extra: Any) -> Any:
        return render(
            request,
            "vouchers/devices.html",
            devices=await devices.list(),
            point_options=[(str(site.id), site.name) for site in await devices.points()],
            form=form,
            token=extra.get("token"),
            status_code=extra.get("status_code", 200),
        )

    @get("/")
    async def list_devices(self, request: Request[Any, Any, Any], devices: NamedDependency[DeviceService]) -> Any:
        return await self._page(request, devices, Form())

    @post("/")
    async def create(self, request: Request[Any, Any, Any], devices: NamedDependency[DeviceService]) -> Any:
        """A new device: its token is shown on this page once, never again."""
        form = Form(await request.form())
        point = form.uuids("point")
        name = form.text("name", max_length=80)
        if not point:
            form.error("point", _("Choose the distribution point."))
        if form.valid:
            try:
                _device, token = await devices.create(point[0], name)
                return await self._page(request, devices, Form(), token=token)
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return await self._page(request, devices, form, status_code=422)

    @post("/{device_id:uuid}/revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], devices: NamedDependency[DeviceService], device_id: FromPath[UUID]
    ) -> Any:
        return await attempt(
            request, devices.revoke(device_id), "/vouchers/devices", _("The device can no longer scan.")
        )


def _asked(request: Request[Any, Any, Any]) -> tuple[Form, UUID | None, date]:
    """The point and the day asked for in the query string (today when not said). A day that has not come yet, or
    one that is not a date at all, is an error of the form (next to the field)."""
    form = Form(request.query_params)
    chosen = form.uuids("point")
    today = local_today()
    day = form.date("day", latest=today) or today
    form.values.setdefault("day", day.isoformat())
    return form, chosen[0] if chosen else None, day


class ReconciliationController(Controller):
    path = "/vouchers/reconciliation"
    guards = [may(RECONCILE)]
    dependencies = services(reconciliation=ReconciliationService)

    @get("/")
    async def reconciliation(
        self, request: Request[Any, Any, Any], reconciliation: NamedDependency[ReconciliationService]
    ) -> Any:
        """A point's day: vouchers redeemed, items handed out against the ledger's issues, by volunteer or device."""
        form, point_id, day = _asked(request)
        found = await reconciliation.day(point_id, day) if form.valid else None
        point, report = found if found else (None, None)
        return render(
            request,
            "vouchers/reconciliation.html",
            status_code=200 if form.valid else 422,
            form=form,
            point=point,
            report=report,
            point_options=[(str(site.id), site.name) for site in await reconciliation.points()],
        )

    @get("/reconciliation.csv", media_type="text/csv")
    async def reconciliation_csv(
        self, request: Request[Any, Any, Any], reconciliation: NamedDependency[ReconciliationService]
    ) -> Response[str]:
        form, point_id, day = _asked(request)
        if not form.valid:
            field, message = next(iter(form.errors.items()))
            raise DomainError(message, field)
        found = await reconciliation.day(point_id, day)
        if found is None:
            raise DomainError(_("You are not assigned to any distribution point. Ask a coordinator."))
        point, report = found
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
