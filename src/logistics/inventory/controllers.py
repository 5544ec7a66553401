"""Stock pages (tablet first): the locations, a location's stock by lot, and receiving goods line by line.

A receipt being entered is a draft in the server-side session (works without JavaScript; htmx only swaps the
form): scan an EAN (a handheld scanner types it and Enter) or pick the item, type the quantity in packs or
base units and the expiry date, next line; *Finish* writes one receipt movement with all lines.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _, _l, local_today, ngettext
from logistics.inventory.alerts import AlertService
from logistics.inventory.catalogue import CatalogueService, barcode_error
from logistics.inventory.ledger import MAX_QUANTITY, LedgerService, ReceiptLine
from logistics.inventory.minimums import MinimumLevelService
from logistics.inventory.models import NO_EXPIRY, Item, MovementKind
from logistics.inventory.policy import CATALOGUE, CORRECT, RECEIVE, SET_MINIMUM, VIEW_STOCK, policy
from logistics.inventory.stock import CATEGORIES
from logistics.settings import get_settings
from logistics.sites.models import Site
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import csv_response, flash, see_other
from logistics.web.templating import render

register_nav(lambda: _("Stock"), "/stock", policy.roles(VIEW_STOCK), order=30)

#: Why a lot is corrected: three kinds of write-off, and an adjustment up or down.
CORRECTIONS = {
    "expired": _l("Write-off: expired"),
    "damaged": _l("Write-off: damaged"),
    "recalled": _l("Write-off: recalled by the producer"),
    "found": _l("Adjustment: more than in the records (+)"),
    "missing": _l("Adjustment: less than in the records (−)"),
}


def _draft_key(location_id: UUID) -> str:
    return f"receipt:{location_id}"


def _draft(request: Request[Any, Any, Any], location: Site) -> list[dict[str, str]]:
    """The lines of the receipt being entered at the location (kept in the server-side session)."""
    if not isinstance(request.scope.get("session"), dict):
        return []
    return list(request.session.get(_draft_key(location.id), []))


class StockController(Controller):
    path = "/stock"
    dependencies = services(
        ledger=LedgerService, catalogue=CatalogueService, alerts=AlertService, minimums=MinimumLevelService
    )

    @get("/", guards=[may(VIEW_STOCK)])
    async def locations(self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService]) -> Any:
        return render(request, "inventory/locations.html", sites=await ledger.locations())

    @get("/alerts", guards=[may(VIEW_STOCK)])
    async def alerts(self, request: Request[Any, Any, Any], alerts: NamedDependency[AlertService]) -> Any:
        """Below minimum level, expiring within 14 days, expired — at the locations the user sees."""
        low, lots = await alerts.alerts()
        return render(request, "inventory/alerts.html", low=low, lots=lots, days=get_settings().stock_alert_days)

    @get("/{location_id:uuid}", guards=[may(VIEW_STOCK)])
    async def location_stock(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], location_id: FromPath[UUID]
    ) -> Any:
        """Stock at a location by item and lot, with expiry dates; soon-expiring and expired lots marked."""
        location = await ledger.location(location_id)
        today = local_today()
        return render(
            request,
            "inventory/stock.html",
            location=location,
            incoming=await ledger.incoming(location),
            rows=await ledger.stock(location),
            today=today,
            soon=today + timedelta(days=get_settings().stock_alert_days),
            no_expiry=NO_EXPIRY,
        )

    @get("/{location_id:uuid}/stock.csv", media_type="text/csv", guards=[may(VIEW_STOCK)])
    async def location_stock_csv(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], location_id: FromPath[UUID]
    ) -> Response[str]:
        location = await ledger.location(location_id)
        return csv_response(
            "stock.csv",
            ["item", "category", "unit", "expiry", "lot", "quantity"],
            (
                [
                    row.name,
                    row.category,
                    row.unit,
                    "" if row.expiry == NO_EXPIRY else row.expiry.isoformat(),
                    row.producer_lot,
                    format(row.quantity.normalize(), "f"),
                ]
                for row in await ledger.stock(location)
            ),
        )

    # --- minimum levels -----------------------------------------------------------------------------------

    async def _minimums_page(
        self, request: Request[Any, Any, Any], minimums: MinimumLevelService, location_id: UUID, form: Form | None
    ) -> Any:
        location = await minimums.location(location_id, SET_MINIMUM)
        rows = await minimums.levels(location)
        if form is None:
            form = Form.filled(
                **{f"min-{row.item.id}": format(row.minimum.normalize(), "f") for row in rows if row.minimum}
            )
        return render(
            request,
            "inventory/minimums.html",
            status_code=422 if form.errors else 200,
            location=location,
            rows=rows,
            form=form,
            categories=CATEGORIES,
        )

    @get("/{location_id:uuid}/minimums", guards=[may(SET_MINIMUM)])
    async def minimums_page(
        self,
        request: Request[Any, Any, Any],
        minimums: NamedDependency[MinimumLevelService],
        location_id: FromPath[UUID],
    ) -> Any:
        """The minimum level of every item at the location, with its usable stock there."""
        return await self._minimums_page(request, minimums, location_id, None)

    @post("/{location_id:uuid}/minimums", guards=[may(SET_MINIMUM)])
    async def set_minimums(
        self,
        request: Request[Any, Any, Any],
        minimums: NamedDependency[MinimumLevelService],
        location_id: FromPath[UUID],
    ) -> Any:
        """Save the levels typed on the page: an emptied field (or 0) removes the item's level."""
        location = await minimums.location(location_id, SET_MINIMUM)
        form = Form(await request.form())
        levels: dict[UUID, Decimal | None] = {}
        for row in await minimums.levels(location):
            name = f"min-{row.item.id}"
            if form.has(name):
                levels[row.item.id] = form.decimal(
                    name, places=3, minimum=Decimal(0), maximum=MAX_QUANTITY, whole=row.item.countable
                )
        if form.valid:
            try:
                changed = await minimums.set_minimums(location.id, levels)
                return see_other(
                    request,
                    f"/stock/{location.id}/minimums",
                    ngettext("%(num)s minimum level changed.", "%(num)s minimum levels changed.", changed),
                )
            except DomainError as error:
                form.error(error.field or "minimums", error.message)
        return await self._minimums_page(request, minimums, location.id, form)

    # --- write-offs and adjustments ------------------------------------------------------------------------

    async def _correct_page(
        self,
        request: Request[Any, Any, Any],
        ledger: LedgerService,
        location_id: UUID,
        lot_id: UUID,
        form: Form,
        status_code: int = 200,
    ) -> Any:
        location = await ledger.location(location_id, CORRECT)
        lot, item, quantity = await ledger.lot_at(location, lot_id)
        return render(
            request,
            "inventory/correct.html",
            status_code=status_code,
            location=location,
            lot=lot,
            item=item,
            quantity=quantity,
            form=form,
            reasons=options(CORRECTIONS),
        )

    @get("/{location_id:uuid}/correct/{lot_id:uuid}", guards=[may(CORRECT)])
    async def correct_page(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        location_id: FromPath[UUID],
        lot_id: FromPath[UUID],
    ) -> Any:
        return await self._correct_page(request, ledger, location_id, lot_id, Form())

    @post("/{location_id:uuid}/correct/{lot_id:uuid}", guards=[may(CORRECT)])
    async def correct(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        location_id: FromPath[UUID],
        lot_id: FromPath[UUID],
    ) -> Any:
        """Write off (expired, damaged, recalled) or adjust (found, missing) one lot; the reason is recorded."""
        location = await ledger.location(location_id, CORRECT)
        form = Form(await request.form())
        reason = form.choice("reason", list(CORRECTIONS))
        _lot, item, _quantity = await ledger.lot_at(location, lot_id)
        quantity = form.decimal(
            "quantity", required=True, places=3, minimum=Decimal("0.001"), maximum=MAX_QUANTITY, whole=item.countable
        )
        note = form.text("note", required=False, max_length=150)
        status = 422
        if form.valid and quantity is not None:
            kind = MovementKind.ADJUSTMENT if reason in {"found", "missing"} else MovementKind.WRITE_OFF
            delta = quantity if reason == "found" else -quantity
            try:
                await ledger.correct(
                    kind, location.id, lot_id, delta, " — ".join(filter(None, [str(CORRECTIONS[reason]), note]))
                )
                return see_other(request, f"/stock/{location.id}", _("Recorded."))
            except DomainError as error:
                form.error(error.field or "lines", error.message)
                status = error.status_code
        return await self._correct_page(request, ledger, location.id, lot_id, form, status)

    # --- receiving ----------------------------------------------------------------------------------------

    async def _receive_page(
        self,
        request: Request[Any, Any, Any],
        ledger: LedgerService,
        catalogue: CatalogueService,
        location_id: UUID,
        form: Form,
        status_code: int = 200,
        unknown_ean: str = "",
        found: Item | None = None,
    ) -> Any:
        location = await ledger.location(location_id, RECEIVE)
        items = await catalogue.items(active_only=True)
        # Where the cursor goes: the first field with an error, else the next one to fill for the item found,
        # else the EAN (ready for the next scan).
        order = ["ean", "item", "quantity", "expiry"]
        focus = next((name for name in order if name in form.errors), "")
        if not focus and found is not None:
            focus = "expiry" if found.perishable and form.raw("quantity") else "quantity"
        if not focus and form.errors:
            focus = "source"
        return render(
            request,
            "inventory/receive.html",
            block="receipt",
            status_code=status_code,
            location=location,
            items=items,
            item_options=[(str(item.id), item.local_name) for item in items],
            names={str(item.id): item for item in items},
            draft=_draft(request, location),
            form=form,
            unknown_ean=unknown_ean,
            found=found,
            focus=focus or "ean",
        )

    @get("/{location_id:uuid}/receive", guards=[may(RECEIVE)])
    async def receive_page(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        return await self._receive_page(request, ledger, catalogue, location_id, Form.filled(unit="packs"))

    @post("/{location_id:uuid}/receive/line", guards=[may(RECEIVE)])
    async def add_line(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        """One scanned or chosen line: the EAN (or the item), quantity in packs or units, expiry date.

        Scanner first: a scanner types the EAN and Enter before anything else, so an EAN that finds its item
        without a quantity is no error — the form comes back with the item found and the focus on the quantity
        (or the expiry date); the next Enter adds the line and the focus returns to the EAN."""
        location = await ledger.location(location_id, RECEIVE)
        form = Form(await request.form())
        ean = form.pattern(
            "ean", r"\d{8}|\d{12,14}", _("A barcode has 8, 12, 13 or 14 digits."), required=False, max_length=14
        )
        if ean and not form.errors and (problem := barcode_error(ean)):
            form.error("ean", problem)
        chosen = form.uuids("item")
        typed_quantity = bool(form.raw("quantity"))
        quantity = form.decimal("quantity", required=False, places=3)
        form.values["unit"] = "packs" if form.raw("unit") == "packs" else "units"  # kept for the next line
        in_packs = form.values["unit"] == "packs"
        expiry = form.date("expiry")
        item: Item | None = None
        if ean and not form.errors:
            item = await catalogue.item_with_barcode(ean)
            if item is None:
                form.error("ean", _("Unknown barcode %(ean)s. Choose the item it belongs to and add it.", ean=ean))
                return await self._receive_page(request, ledger, catalogue, location.id, form, 422, unknown_ean=ean)
        elif chosen:
            item = await catalogue.item(chosen[0])
        if item is None and not form.errors:
            form.error("ean", _("Scan a barcode or choose the item."))
        if item is not None and not typed_quantity and not form.errors:
            form.values["item"] = str(item.id)  # the scan found the item: now its quantity (and expiry date)
            return await self._receive_page(request, ledger, catalogue, location.id, form, found=item)
        if quantity is None and not form.errors:
            form.error("quantity", _("This field is required."))
        if form.valid and item is not None and quantity is not None:
            base = quantity * item.pack_size if in_packs else quantity
            if base <= 0:
                form.error("quantity", _("The quantity must be more than zero."))
            elif base > MAX_QUANTITY:
                form.error("quantity", _("This quantity is too large."))
            elif item.countable and base != base.to_integral_value():
                form.error("quantity", _("Enter a whole number: this is counted in whole units."))
            elif item.perishable and expiry is None:
                form.error("expiry", _("%(item)s is perishable: enter the expiry date.", item=item.local_name))
            elif expiry is not None and expiry < local_today():
                form.error(
                    "expiry", _("The expiry date of %(item)s has passed: it cannot be received.", item=item.local_name)
                )
            else:
                line = {"item": str(item.id), "quantity": str(base), "expiry": expiry.isoformat() if expiry else ""}
                request.session[_draft_key(location.id)] = [*_draft(request, location), line]
                form = Form.filled(unit=form.values["unit"])
                return await self._receive_page(request, ledger, catalogue, location.id, form)
        return await self._receive_page(request, ledger, catalogue, location.id, form, 422, found=item)

    @post("/{location_id:uuid}/receive/remove", guards=[may(RECEIVE)])
    async def remove_line(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        location = await ledger.location(location_id, RECEIVE)
        form = Form(await request.form())
        index = form.integer("index", minimum=0, maximum=999)
        draft = _draft(request, location)
        if index is not None and index < len(draft):
            draft.pop(index)
            request.session[_draft_key(location.id)] = draft
        return await self._receive_page(request, ledger, catalogue, location.id, Form.filled(unit="packs"))

    @post("/{location_id:uuid}/receive/finish", guards=[may(RECEIVE)])
    async def finish(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        """Write the receipt: one movement with every line of the draft."""
        location = await ledger.location(location_id, RECEIVE)
        form = Form(await request.form())
        source = form.text("source", max_length=200)
        reference = form.text("reference", required=False, max_length=80)
        lines = [
            ReceiptLine(
                UUID(line["item"]),
                Decimal(line["quantity"]),
                date.fromisoformat(line["expiry"]) if line["expiry"] else None,
            )
            for line in _draft(request, location)
        ]
        if form.valid:
            try:
                movement = await ledger.receive(location.id, source, lines, reference)
                request.session.pop(_draft_key(location.id), None)
                return see_other(
                    request,
                    f"/stock/movements/{movement.id}",
                    ngettext(
                        "The goods have been received (%(num)s line).",
                        "The goods have been received (%(num)s lines).",
                        len(lines),
                    ),
                )
            except DomainError as error:
                form.error("source", error.message)  # a line's problem is named in the message
        return await self._receive_page(request, ledger, catalogue, location.id, form, 422)

    @post("/barcodes", guards=[may(CATALOGUE)])
    async def add_barcode(self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService]) -> Any:
        """Attach an unknown EAN to an item of the catalogue, then go on receiving."""
        form = Form(await request.form())
        ean = form.pattern("ean", r"\d{8}|\d{12,14}", _("A barcode has 8, 12, 13 or 14 digits."), max_length=14)
        if ean and not form.errors and (problem := barcode_error(ean)):
            form.error("ean", problem)
        item_ids = form.uuids("item")
        location = form.uuids("location")
        back = f"/stock/{location[0]}/receive" if location else "/stock"
        if not form.valid or not item_ids:
            if form.errors:
                flash(request, next(iter(form.errors.values())), "error")
            return see_other(request, back)
        try:
            item = await catalogue.add_barcode(item_ids[0], ean)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, back)
        return see_other(request, back, _("Barcode %(ean)s now belongs to %(item)s.", ean=ean, item=item.local_name))
