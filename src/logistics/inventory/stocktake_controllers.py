"""Stocktake pages: open a count for a location, the count sheet grouped by category, review, confirm once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.inventory.catalogue import CatalogueService
from logistics.inventory.policy import STOCKTAKE, VIEW_STOCK
from logistics.inventory.stock import CATEGORIES, STOCKTAKE_STATUSES
from logistics.inventory.stocktake import StocktakeService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.responses import attempt, refusal, see_other
from logistics.web.templating import render


class StocktakeController(Controller):
    path = "/stock"
    dependencies = services(counting=StocktakeService, catalogue=CatalogueService)

    @get("/{location_id:uuid}/stocktake", guards=[may(VIEW_STOCK)])
    async def stocktakes(
        self, request: Request[Any, Any, Any], counting: NamedDependency[StocktakeService], location_id: FromPath[UUID]
    ) -> Any:
        """The open count (if any) and the past ones at a location."""
        location = await counting.location(location_id)
        return render(
            request,
            "inventory/stocktakes.html",
            location=location,
            stocktakes=await counting.stocktakes_at(location),
            statuses=STOCKTAKE_STATUSES,
        )

    @post("/{location_id:uuid}/stocktake", guards=[may(STOCKTAKE)])
    async def open(
        self, request: Request[Any, Any, Any], counting: NamedDependency[StocktakeService], location_id: FromPath[UUID]
    ) -> Any:
        location = await counting.location(location_id, STOCKTAKE)
        try:
            stocktake = await counting.open(location.id)
        except DomainError as error:
            return await attempt(request, refusal(error.message), f"/stock/{location.id}/stocktake")
        return see_other(request, f"/stock/stocktakes/{stocktake.id}", _("The count sheet is ready."))

    async def _sheet(
        self,
        request: Request[Any, Any, Any],
        counting: StocktakeService,
        catalogue: CatalogueService,
        stocktake_id: UUID,
        form: Form,
        status_code: int = 200,
        review: bool = False,
    ) -> Any:
        stocktake = await counting.stocktake(stocktake_id)
        lines = await counting.sheet(stocktake)
        items = await catalogue.items(active_only=True)
        return render(
            request,
            "inventory/stocktake.html",
            status_code=status_code,
            stocktake=stocktake,
            location=await counting.location(stocktake.location_id),
            lines=lines,
            counted=sum(1 for line, _item, _lot in lines if line.counted is not None),
            differences=[(line, item, lot) for line, item, lot in lines if line.difference],
            review=review,
            form=form,
            categories=CATEGORIES,
            statuses=STOCKTAKE_STATUSES,
            item_options=[(str(item.id), item.local_name) for item in items],
        )

    @get("/stocktakes/{stocktake_id:uuid}", guards=[may(VIEW_STOCK)])
    async def sheet(
        self,
        request: Request[Any, Any, Any],
        counting: NamedDependency[StocktakeService],
        catalogue: NamedDependency[CatalogueService],
        stocktake_id: FromPath[UUID],
    ) -> Any:
        return await self._sheet(request, counting, catalogue, stocktake_id, Form())

    @get("/stocktakes/{stocktake_id:uuid}/review", guards=[may(VIEW_STOCK)])
    async def review(
        self,
        request: Request[Any, Any, Any],
        counting: NamedDependency[StocktakeService],
        catalogue: NamedDependency[CatalogueService],
        stocktake_id: FromPath[UUID],
    ) -> Any:
        return await self._sheet(request, counting, catalogue, stocktake_id, Form(), review=True)

    @post("/stocktakes/{stocktake_id:uuid}/count", guards=[may(STOCKTAKE)])
    async def count(
        self,
        request: Request[Any, Any, Any],
        counting: NamedDependency[StocktakeService],
        catalogue: NamedDependency[CatalogueService],
        stocktake_id: FromPath[UUID],
    ) -> Any:
        """Save the typed counts (an emptied field clears its count); then the sheet again, or the review."""
        stocktake = await counting.stocktake(stocktake_id, STOCKTAKE)
        form = Form(await request.form())
        counts: dict[UUID, Decimal | None] = {}
        for line in stocktake.lines:
            name = f"count-{line.id}"
            if form.has(name):
                whole = (await catalogue.item(line.item_id)).countable
                counts[line.id] = form.decimal(name, places=3, minimum=Decimal(0), whole=whole)
        status = 422
        if form.valid:
            try:
                await counting.count(stocktake.id, counts)
                if form.raw("review"):
                    return see_other(request, f"/stock/stocktakes/{stocktake.id}/review")
                return see_other(request, f"/stock/stocktakes/{stocktake.id}", _("The counts have been saved."))
            except DomainError as error:
                form.error(error.field or "sheet", error.message)
                status = error.status_code
        return await self._sheet(request, counting, catalogue, stocktake.id, form, status)

    @post("/stocktakes/{stocktake_id:uuid}/line", guards=[may(STOCKTAKE)])
    async def add_line(
        self, request: Request[Any, Any, Any], counting: NamedDependency[StocktakeService], stocktake_id: FromPath[UUID]
    ) -> Any:
        """Goods found that are not on the sheet: their item and expiry date add a line to count."""
        stocktake = await counting.stocktake(stocktake_id, STOCKTAKE)
        form = Form(await request.form())
        item = form.uuids("item")
        expiry = form.date("expiry")
        back = f"/stock/stocktakes/{stocktake.id}"
        if not item:
            form.error("item", _("Choose the item."))
        if not form.valid:
            return await attempt(request, refusal(form), back)
        return await attempt(
            request, counting.add_line(stocktake.id, item[0], expiry), back, _("The line has been added.")
        )

    @post("/stocktakes/{stocktake_id:uuid}/confirm", guards=[may(STOCKTAKE)])
    async def confirm(
        self, request: Request[Any, Any, Any], counting: NamedDependency[StocktakeService], stocktake_id: FromPath[UUID]
    ) -> Any:
        stocktake = await counting.stocktake(stocktake_id, STOCKTAKE)
        return await attempt(
            request,
            counting.confirm(stocktake.id),
            f"/stock/stocktakes/{stocktake.id}",
            _("The stocktake has been confirmed: the differences are in the stock."),
        )

    @post("/stocktakes/{stocktake_id:uuid}/cancel", guards=[may(STOCKTAKE)])
    async def cancel(
        self, request: Request[Any, Any, Any], counting: NamedDependency[StocktakeService], stocktake_id: FromPath[UUID]
    ) -> Any:
        stocktake = await counting.stocktake(stocktake_id, STOCKTAKE)
        return await attempt(
            request, counting.cancel(stocktake.id), f"/stock/stocktakes/{stocktake.id}", _("The count was cancelled.")
        )
