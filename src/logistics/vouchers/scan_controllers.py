"""The volunteers' scan page at a distribution point: scan (camera, handheld scanner or typed code), see what to
hand out in large type or why not, confirm (all, or lower quantities for a partial redemption), back to scanning.

Works without JavaScript (full pages); with htmx only the result area is swapped. The confirm form carries a
request id made when the result was shown, so a double tap or a resent form redeems once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import _
from logistics.vouchers.policy import REDEEM, policy
from logistics.vouchers.redeeming import Outcome, RedemptionService, Refusal, VoucherView
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import see_other
from logistics.web.templating import render

register_nav(lambda: _("Scan vouchers"), "/scan", policy.roles(REDEEM), order=20)


class ScanController(Controller):
    path = "/scan"
    guards = [may(REDEEM)]
    dependencies = services(redemptions=RedemptionService)

    @get("/")
    async def points(self, request: Request[Any, Any, Any], redemptions: NamedDependency[RedemptionService]) -> Any:
        """The user's distribution points; straight to the scan page when there is one."""
        points = await redemptions.points()
        if len(points) == 1:
            return see_other(request, f"/scan/{points[0].id}")
        return render(request, "vouchers/points.html", points=points)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        service: RedemptionService,
        point_id: UUID,
        status_code: int = 200,
        **result: Any,
    ) -> Any:
        point = await service.point(point_id)
        refusal: DomainError | None = result.get("refusal")
        return render(
            request,
            "vouchers/scan.html",
            block="result",
            status_code=status_code,
            point=point,
            today_count=await service.today_count(point.id),
            view=result.get("view"),
            refusal=refusal.message if refusal else None,
            short_of_stock=refusal is not None and refusal.error == "not_enough_stock",
            outcome=result.get("outcome"),
            undone=result.get("undone", False),
            code=result.get("code", ""),
            request_id=str(uuid.uuid4()),
            form=result.get("form") or Form(),
        )

    @get("/{point_id:uuid}")
    async def scan_page(
        self, request: Request[Any, Any, Any], redemptions: NamedDependency[RedemptionService], point_id: FromPath[UUID]
    ) -> Any:
        return await self._page(request, redemptions, point_id)

    @post("/{point_id:uuid}/look")
    async def look(
        self, request: Request[Any, Any, Any], redemptions: NamedDependency[RedemptionService], point_id: FromPath[UUID]
    ) -> Any:
        """A scanned or typed code: what to hand out, or why not."""
        form = Form(await request.form())
        code = form.text("code", required=False, max_length=60)
        try:
            view = await redemptions.look_up(code, point_id)
        except Refusal as refusal:
            return await self._page(request, redemptions, point_id, 200, refusal=refusal, code=code)
        return await self._page(request, redemptions, point_id, view=view, code=view.code)

    @post("/{point_id:uuid}/redeem")
    async def redeem(
        self, request: Request[Any, Any, Any], redemptions: NamedDependency[RedemptionService], point_id: FromPath[UUID]
    ) -> Any:
        """Hand out the confirmed quantities (`qty-<item or kit>`); the voucher keeps what was not handed out."""
        form = Form(await request.form())
        code = form.text("code", max_length=60)
        request_id = form.text("request_id", max_length=64)
        wants: dict[UUID, Decimal] = {}
        try:
            # A double tap or a retry of this confirmation: the first result again (or that it was undone), not a
            # check of the voucher as it is now ("already redeemed", quantities over what remains).
            if form.valid and (replay := await redemptions.replayed(code, point_id, request_id)):
                return await self._page(request, redemptions, point_id, outcome=replay, code=code)
            view = await redemptions.look_up(code, point_id)
            for line in view.lines:
                quantity = form.decimal(
                    f"qty-{line.goods_id}", places=3, minimum=Decimal(0), maximum=line.remaining, whole=line.whole
                )
                if quantity is not None:
                    wants[line.goods_id] = quantity
            if not form.valid:
                return await self._page(request, redemptions, point_id, 422, view=view, code=code, form=form)
            outcome: Outcome = await redemptions.redeem(code, point_id, request_id, wants)
        except Refusal as refusal:
            # The first of two racing taps may have committed since the check above: show its result.
            if form.valid and (replay := await self._replay(redemptions, code, point_id, request_id)):
                return await self._page(request, redemptions, point_id, outcome=replay, code=code)
            # E.g. not enough stock: the volunteer may lower the quantities and confirm again.
            retry = await self._retry_view(redemptions, code, point_id)
            page = {"refusal": refusal, "view": retry, "code": code, "form": form}
            return await self._page(request, redemptions, point_id, 200, **page)
        return await self._page(request, redemptions, point_id, outcome=outcome, code=code)

    @staticmethod
    async def _replay(service: RedemptionService, code: str, point_id: UUID, request_id: str) -> Outcome | None:
        try:
            return await service.replayed(code, point_id, request_id)
        except DomainError:
            return None

    @staticmethod
    async def _retry_view(service: RedemptionService, code: str, point_id: UUID) -> VoucherView | None:
        try:
            return await service.look_up(code, point_id)
        except DomainError:
            return None

    @post("/{point_id:uuid}/undo/{redemption_id:uuid}")
    async def undo(
        self,
        request: Request[Any, Any, Any],
        redemptions: NamedDependency[RedemptionService],
        point_id: FromPath[UUID],
        redemption_id: FromPath[UUID],
    ) -> Any:
        """Undo a hand-out; a refusal (too late, already undone, another volunteer's) is shown in the result."""
        try:
            await redemptions.undo(redemption_id)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            return await self._page(request, redemptions, point_id, 200, refusal=error)
        return await self._page(request, redemptions, point_id, undone=True)
