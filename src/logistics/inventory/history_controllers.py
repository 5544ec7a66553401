"""Looking back and across: the catalogue with stock per item across locations, one item's lots everywhere,
the movement history with filters (CSV too), one movement, and the printed receipt of a delivery."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _, local_today
from logistics.inventory.documents import receipt_pdf
from logistics.inventory.ledger import STOCK_KINDS, STOCK_ROLES, LedgerService, number
from logistics.inventory.models import NO_EXPIRY, Item, Lot, Movement, MovementKind, MovementLine
from logistics.inventory.stock import (
    CATEGORIES,
    MOVEMENT_KINDS,
    HistoryFilter,
    item_stock,
    item_totals,
    movement_history,
)
from logistics.sites.models import Site
from logistics.sites.services import SiteService
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form, options
from logistics.web.guards import requires
from logistics.web.responses import attempt, csv_response, pdf_response, refusal
from logistics.web.templating import render

PAGE_SIZE = 50
REVERSIBLE = {MovementKind.RECEIPT, MovementKind.ISSUE, MovementKind.ADJUSTMENT, MovementKind.WRITE_OFF}


class StockHistoryController(Controller):
    path = "/stock"
    guards = [requires(*STOCK_ROLES)]

    @get("/items")
    async def items(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """The catalogue with each item's usable and expired stock across the user's locations."""
        form = Form(request.query_params)
        search = form.text("q", required=False, max_length=60)
        totals = await item_totals(db_session, actor_from_request(request), local_today(), search)
        return render(request, "inventory/items.html", block="results", totals=totals, form=form, categories=CATEGORIES)

    @get("/items/{item_id:uuid}")
    async def item(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], item_id: FromPath[UUID]
    ) -> Any:
        actor = actor_from_request(request)
        item = await LedgerService(db_session, actor).item(item_id)
        return render(
            request,
            "inventory/item.html",
            item=item,
            rows=await item_stock(db_session, actor, item.id),
            today=local_today(),
            no_expiry=NO_EXPIRY,
            categories=CATEGORIES,
        )

    async def _filter(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> tuple[Form, HistoryFilter, int]:
        form = Form(request.query_params)
        location = form.uuids("location")
        item = form.uuids("item")
        kind = form.choice("kind", list(MOVEMENT_KINDS), required=False)
        since, until = form.date("since"), form.date("until")
        page = form.integer("page", minimum=1, maximum=100_000) or 1
        if since and until and since > until:
            form.error("until", _("The end is before the start."))
        where = HistoryFilter(location[0] if location else None, item[0] if item else None, kind, since, until)
        return form, where, page

    @get("/movements")
    async def movements(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """Movement lines, newest first, filtered by location, item, kind and days; 50 a page."""
        actor = actor_from_request(request)
        form, where, page = await self._filter(request, db_session)
        rows = []
        if form.valid:
            rows = await movement_history(db_session, actor, where, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        sites = await SiteService(db_session, actor).list_sites(include_inactive=True)
        items = list(await db_session.scalars(select(Item).order_by(Item.name)))
        return render(
            request,
            "inventory/movements.html",
            block="results",
            form=form,
            rows=rows[:PAGE_SIZE],
            page=page,
            more=len(rows) > PAGE_SIZE,
            kinds=MOVEMENT_KINDS,
            location_options=[(str(site.id), site.name) for site in sites if set(site.kinds) & STOCK_KINDS],
            item_options=[(str(item.id), item.name) for item in items],
            kind_options=options(MOVEMENT_KINDS),
            no_expiry=NO_EXPIRY,
        )

    @get("/movements.csv", media_type="text/csv")
    async def movements_csv(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        """The filtered history as CSV (at most 100,000 lines)."""
        form, where, _page = await self._filter(request, db_session)
        if not form.valid:
            raise DomainError(next(iter(form.errors.values())))
        rows = await movement_history(db_session, actor_from_request(request), where, 0, 100_000)
        return csv_response(
            "movements.csv",
            ["time", "kind", "location", "item", "unit", "expiry", "lot", "quantity", "source", "reference", "user"],
            (
                [
                    movement.at.isoformat(),
                    movement.kind,
                    site.name,
                    item.name,
                    item.unit,
                    "" if lot.expiry == NO_EXPIRY else lot.expiry.isoformat(),
                    lot.producer_lot,
                    number(line.quantity),
                    movement.source,
                    movement.reference,
                    movement.user_name,
                ]
                for movement, line, item, lot, site in rows
            ),
        )

    async def _movement(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, movement_id: UUID
    ) -> tuple[Movement, list[tuple[MovementLine, Item, Lot, Site]]]:
        """A movement with its lines, when the user sees every location it touched."""
        actor = actor_from_request(request)
        movement = await db_session.get(Movement, movement_id)
        if movement is None:
            raise NotFound(_("This movement does not exist."))
        rows = (
            await db_session.execute(
                select(MovementLine, Item, Lot, Site)
                .join(Item, Item.id == MovementLine.item_id)
                .join(Lot, Lot.id == MovementLine.lot_id)
                .join(Site, Site.id == MovementLine.location_id)
                .where(MovementLine.movement_id == movement.id)
                .order_by(Item.name, Lot.expiry)
            )
        ).all()
        lines = [(line, item, lot, site) for line, item, lot, site in rows]
        if not all(actor.can_see_site(line.location_id) for line, *_rest in lines):
            raise NotFound(_("This movement does not exist."))
        return movement, lines

    @get("/movements/{movement_id:uuid}")
    async def movement(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], movement_id: FromPath[UUID]
    ) -> Any:
        movement, lines = await self._movement(request, db_session, movement_id)
        reversed_by = await db_session.scalar(select(Movement.id).where(Movement.reverses_id == movement.id))
        return render(
            request,
            "inventory/movement.html",
            movement=movement,
            lines=lines,
            kinds=MOVEMENT_KINDS,
            reversed_by=reversed_by,
            reversible=movement.kind in REVERSIBLE and reversed_by is None,
            no_expiry=NO_EXPIRY,
        )

    @post("/movements/{movement_id:uuid}/reverse")
    async def reverse(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], movement_id: FromPath[UUID]
    ) -> Any:
        """Undo a mistaken movement with a reversing one that points to it."""
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        back = f"/stock/movements/{movement_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        ledger = LedgerService(db_session, actor_from_request(request))
        return await attempt(request, ledger.reverse(movement_id, reason), back, _("The movement has been reversed."))

    @get("/movements/{movement_id:uuid}/receipt.pdf")
    async def receipt(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], movement_id: FromPath[UUID]
    ) -> Response[bytes]:
        """The receipt record (protokół przyjęcia) of a delivery, to print and sign."""
        movement, lines = await self._movement(request, db_session, movement_id)
        if movement.kind != MovementKind.RECEIPT or not lines:
            raise NotFound(_("Only a receipt of goods has a receipt record."))
        content = receipt_pdf(movement, lines[0][3], [(item, lot, line.quantity) for line, item, lot, _site in lines])
        return pdf_response(content, f"receipt-{str(movement.id)[-8:]}.pdf")
