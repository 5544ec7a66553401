"""Looking back and across: the catalogue with stock per item across locations, one item's lots everywhere,
the movement history with filters (CSV too), one movement, and the printed receipt of a delivery."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _, local_today
from logistics.inventory.catalogue import CatalogueService
from logistics.inventory.documents import receipt_pdf
from logistics.inventory.ledger import LedgerService, number
from logistics.inventory.models import NO_EXPIRY, MovementKind
from logistics.inventory.policy import REVERSE, VIEW_MOVEMENT, VIEW_STOCK
from logistics.inventory.stock import CATEGORIES, MOVEMENT_KINDS, HistoryFilter
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.responses import attempt, csv_response, pdf_response, refusal
from logistics.web.templating import render

PAGE_SIZE = 50
REVERSIBLE = {MovementKind.RECEIPT, MovementKind.ISSUE, MovementKind.ADJUSTMENT, MovementKind.WRITE_OFF}


def _history_filter(request: Request[Any, Any, Any]) -> tuple[Form, HistoryFilter, int]:
    """The history's filter from the query string: location, item, kind, days, page."""
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


class StockHistoryController(Controller):
    path = "/stock"
    dependencies = services(ledger=LedgerService, catalogue=CatalogueService)

    @get("/items", guards=[may(VIEW_STOCK)])
    async def items(self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService]) -> Any:
        """The catalogue with each item's usable and expired stock across the user's locations."""
        form = Form(request.query_params)
        search = form.text("q", required=False, max_length=60)
        totals = await ledger.item_totals(search)
        return render(request, "inventory/items.html", block="results", totals=totals, form=form, categories=CATEGORIES)

    @get("/items/{item_id:uuid}", guards=[may(VIEW_STOCK)])
    async def item(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], item_id: FromPath[UUID]
    ) -> Any:
        item = await ledger.item(item_id)
        return render(
            request,
            "inventory/item.html",
            item=item,
            rows=await ledger.item_stock(item),
            today=local_today(),
            no_expiry=NO_EXPIRY,
            categories=CATEGORIES,
        )

    @get("/movements", guards=[may(VIEW_STOCK)])
    async def movements(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
    ) -> Any:
        """Movement lines, newest first, filtered by location, item, kind and days; 50 a page."""
        form, where, page = _history_filter(request)
        rows = await ledger.history(where, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1) if form.valid else []
        locations = await ledger.locations(include_inactive=True)
        return render(
            request,
            "inventory/movements.html",
            block="results",
            form=form,
            rows=rows[:PAGE_SIZE],
            page=page,
            more=len(rows) > PAGE_SIZE,
            kinds=MOVEMENT_KINDS,
            location_options=[(str(site.id), site.name) for site in locations],
            item_options=[(str(item.id), item.local_name) for item in await catalogue.items()],
            kind_options=options(MOVEMENT_KINDS),
            no_expiry=NO_EXPIRY,
        )

    @get("/movements.csv", media_type="text/csv", guards=[may(VIEW_STOCK)])
    async def movements_csv(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService]
    ) -> Response[str]:
        """The filtered history as CSV (at most 100,000 lines)."""
        form, where, _page = _history_filter(request)
        if not form.valid:
            raise DomainError(next(iter(form.errors.values())))
        rows = await ledger.history(where, 0, 100_000)
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

    @get("/movements/{movement_id:uuid}", guards=[may(VIEW_MOVEMENT)])
    async def movement(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], movement_id: FromPath[UUID]
    ) -> Any:
        movement, lines = await ledger.movement(movement_id)
        reversed_by = await ledger.reversed_by(movement)
        redeemed = await ledger.redeemed(movement)
        return render(
            request,
            "inventory/movement.html",
            movement=movement,
            lines=lines,
            kinds=MOVEMENT_KINDS,
            reversed_by=reversed_by,
            reversible=movement.kind in REVERSIBLE and reversed_by is None and not redeemed,
            redeemed=redeemed and reversed_by is None,
            no_expiry=NO_EXPIRY,
            user_name=await ledger.person_name(movement.user_name),
        )

    @post("/movements/{movement_id:uuid}/reverse", guards=[may(REVERSE)])
    async def reverse(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], movement_id: FromPath[UUID]
    ) -> Any:
        """Undo a mistaken movement with a reversing one that points to it."""
        movement, _lines = await ledger.movement(movement_id, REVERSE)
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        back = f"/stock/movements/{movement.id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        return await attempt(request, ledger.reverse(movement.id, reason), back, _("The movement has been reversed."))

    @get("/movements/{movement_id:uuid}/receipt.pdf", guards=[may(VIEW_MOVEMENT)])
    async def receipt(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], movement_id: FromPath[UUID]
    ) -> Response[bytes]:
        """The receipt record (protokół przyjęcia) of a delivery, to print and sign."""
        movement, lines = await ledger.movement(movement_id)
        if movement.kind != MovementKind.RECEIPT or not lines:
            raise NotFound(_("Only a receipt of goods has a receipt record."))
        content = receipt_pdf(
            movement,
            lines[0][3],
            [(item, lot, line.quantity) for line, item, lot, _site in lines],
            await ledger.person_name(movement.user_name),
        )
        return pdf_response(content, f"receipt-{str(movement.id)[-8:]}.pdf")
