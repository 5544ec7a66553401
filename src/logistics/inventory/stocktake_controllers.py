"""Stocktake pages: open a count for a location, the count sheet grouped by category, review, confirm once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.inventory.ledger import STOCK_ROLES
from logistics.inventory.models import Item, Stocktake
from logistics.inventory.stock import CATEGORIES, STOCKTAKE_STATUSES
from logistics.inventory.stocktake import StocktakeService
from logistics.sites.models import Site
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.responses import attempt, refusal, see_other
from logistics.web.templating import render


class StocktakeController(Controller):
    path = "/stock"
    guards = [requires(*STOCK_ROLES)]

    @get("/{location_id:uuid}/stocktake")
    async def stocktakes(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        """The open count (if any) and the past ones at a location."""
        counting = StocktakeService(db_session, actor_from_request(request))
        location = await counting.location(location_id)
        past = list(
            await db_session.scalars(
                select(Stocktake)
                .where(Stocktake.location_id == location.id)
                .order_by(Stocktake.created_at.desc())
                .limit(50)
            )
        )
        return render(
            request, "inventory/stocktakes.html", location=location, stocktakes=past, statuses=STOCKTAKE_STATUSES
        )

    @post("/{location_id:uuid}/stocktake")
    async def open(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        counting = StocktakeService(db_session, actor_from_request(request))
        try:
            stocktake = await counting.open(location_id)
        except DomainError as error:
            return await attempt(request, refusal(error.message), f"/stock/{location_id}/stocktake")
        return see_other(request, f"/stock/stocktakes/{stocktake.id}", _("The count sheet is ready."))

    async def _sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        stocktake_id: UUID,
        form: Form,
        status_code: int = 200,
        review: bool = False,
    ) -> Any:
        counting = StocktakeService(db_session, actor_from_request(request))
        stocktake = await counting.stocktake(stocktake_id)
        lines = await counting.sheet(stocktake)
        items = list(await db_session.scalars(select(Item).where(Item.is_active.is_(True)).order_by(Item.name)))
        return render(
            request,
            "inventory/stocktake.html",
            status_code=status_code,
            stocktake=stocktake,
            location=await db_session.get(Site, stocktake.location_id),
            lines=lines,
            counted=sum(1 for line, _item, _lot in lines if line.counted is not None),
            differences=[(line, item, lot) for line, item, lot in lines if line.difference],
            review=review,
            form=form,
            categories=CATEGORIES,
            statuses=STOCKTAKE_STATUSES,
            item_options=[(str(item.id), item.name) for item in items],
        )

    @get("/stocktakes/{stocktake_id:uuid}")
    async def sheet(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stocktake_id: FromPath[UUID]
    ) -> Any:
        return await self._sheet(request, db_session, stocktake_id, Form())

    @get("/stocktakes/{stocktake_id:uuid}/review")
    async def review(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stocktake_id: FromPath[UUID]
    ) -> Any:
        return await self._sheet(request, db_session, stocktake_id, Form(), review=True)

    @post("/stocktakes/{stocktake_id:uuid}/count")
    async def count(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stocktake_id: FromPath[UUID]
    ) -> Any:
        """Save the typed counts (an emptied field clears its count); then the sheet again, or the review."""
        form = Form(await request.form())
        counting = StocktakeService(db_session, actor_from_request(request))
        stocktake = await counting.stocktake(stocktake_id)
        counts: dict[UUID, Decimal | None] = {}
        for line in stocktake.lines:
            name = f"count-{line.id}"
            if form.has(name):
                counts[line.id] = form.decimal(name, places=3, minimum=Decimal(0))
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
        return await self._sheet(request, db_session, stocktake.id, form, status)

    @post("/stocktakes/{stocktake_id:uuid}/line")
    async def add_line(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stocktake_id: FromPath[UUID]
    ) -> Any:
        """Goods found that are not on the sheet: their item and expiry date add a line to count."""
        form = Form(await request.form())
        item = form.uuids("item")
        expiry = form.date("expiry")
        counting = StocktakeService(db_session, actor_from_request(request))
        back = f"/stock/stocktakes/{stocktake_id}"
        if not item:
            form.error("item", _("Choose the item."))
        if not form.valid:
            return await attempt(request, refusal(form), back)
        return await attempt(
            request, counting.add_line(stocktake_id, item[0], expiry), back, _("The line has been added.")
        )

    @post("/stocktakes/{stocktake_id:uuid}/confirm")
    async def confirm(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stocktake_id: FromPath[UUID]
    ) -> Any:
        counting = StocktakeService(db_session, actor_from_request(request))
        return await attempt(
            request,
            counting.confirm(stocktake_id),
            f"/stock/stocktakes/{stocktake_id}",
            _("The stocktake has been confirmed: the differences are in the stock."),
        )

    @post("/stocktakes/{stocktake_id:uuid}/cancel")
    async def cancel(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stocktake_id: FromPath[UUID]
    ) -> Any:
        counting = StocktakeService(db_session, actor_from_request(request))
        return await attempt(
            request, counting.cancel(stocktake_id), f"/stock/stocktakes/{stocktake_id}", _("The count was cancelled.")
        )
