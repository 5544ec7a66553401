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
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _, _l, local_today
from logistics.inventory.alerts import below_minimum, expiring, home_panel
from logistics.inventory.ledger import STOCK_KINDS, STOCK_ROLES, LedgerService, ReceiptLine
from logistics.inventory.models import (
    NO_EXPIRY,
    Balance,
    Item,
    ItemBarcode,
    Lot,
    MovementKind,
    Transfer,
    TransferStatus,
)
from logistics.inventory.stock import stock_at
from logistics.settings import get_settings
from logistics.sites.services import SiteService
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form, options
from logistics.web.guards import requires
from logistics.web.layout import register_nav, register_panel
from logistics.web.responses import csv_response, see_other
from logistics.web.templating import render

register_nav(lambda: _("Stock"), "/stock", STOCK_ROLES, order=30)

register_panel("home", "inventory/home_panel.html", STOCK_ROLES, home_panel, order=30)
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


class StockController(Controller):
    path = "/stock"
    guards = [requires(*STOCK_ROLES)]

    @get("/")
    async def locations(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        sites = await SiteService(db_session, actor_from_request(request)).list_sites(include_inactive=False)
        return render(
            request, "inventory/locations.html", sites=[site for site in sites if set(site.kinds) & STOCK_KINDS]
        )

    @get("/alerts")
    async def alerts(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """Below minimum level, expiring within 14 days, expired — at the locations the user sees."""
        actor = actor_from_request(request)
        return render(
            request,
            "inventory/alerts.html",
            low=await below_minimum(db_session, actor),
            lots=await expiring(db_session, actor),
            days=get_settings().stock_alert_days,
        )

    @get("/{location_id:uuid}")
    async def location_stock(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        """Stock at a location by item and lot, with expiry dates; soon-expiring and expired lots marked."""
        location = await LedgerService(db_session, actor_from_request(request)).location(location_id)
        today = local_today()
        incoming = await db_session.scalars(
            select(Transfer)
            .where(Transfer.to_location_id == location.id, Transfer.status == TransferStatus.IN_TRANSIT)
            .order_by(Transfer.sent_at)
        )
        return render(
            request,
            "inventory/stock.html",
            location=location,
            incoming=list(incoming),
            rows=await stock_at(db_session, location.id),
            today=today,
            soon=today + timedelta(days=get_settings().stock_alert_days),
            no_expiry=NO_EXPIRY,
        )

    @get("/{location_id:uuid}/stock.csv", media_type="text/csv")
    async def location_stock_csv(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Response[str]:
        location = await LedgerService(db_session, actor_from_request(request)).location(location_id)
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
                for row in await stock_at(db_session, location.id)
            ),
        )

    # --- write-offs and adjustments ------------------------------------------------------------------------

    async def _correct_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        location_id: UUID,
        lot_id: UUID,
        form: Form,
        status_code: int = 200,
    ) -> Any:
        location = await LedgerService(db_session, actor_from_request(request)).location(location_id)
        lot = await db_session.get(Lot, lot_id)
        if lot is None:
            raise NotFound(_("This lot does not exist."))
        quantity = await db_session.scalar(
            select(Balance.quantity).where(Balance.location_id == location.id, Balance.lot_id == lot.id)
        )
        return render(
            request,
            "inventory/correct.html",
            status_code=status_code,
            location=location,
            lot=lot,
            item=await db_session.get(Item, lot.item_id),
            quantity=quantity or Decimal(0),
            form=form,
            reasons=options(CORRECTIONS),
        )

    @get("/{location_id:uuid}/correct/{lot_id:uuid}")
    async def correct_page(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        location_id: FromPath[UUID],
        lot_id: FromPath[UUID],
    ) -> Any:
        return await self._correct_page(request, db_session, location_id, lot_id, Form())

    @post("/{location_id:uuid}/correct/{lot_id:uuid}")
    async def correct(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        location_id: FromPath[UUID],
        lot_id: FromPath[UUID],
    ) -> Any:
        """Write off (expired, damaged, recalled) or adjust (found, missing) one lot; the reason is recorded."""
        form = Form(await request.form())
        reason = form.choice("reason", list(CORRECTIONS))
        quantity = form.decimal("quantity", required=True, places=3, minimum=Decimal("0.001"))
        note = form.text("note", required=False, max_length=150)
        status = 422
        if form.valid and quantity is not None:
            kind = MovementKind.ADJUSTMENT if reason in {"found", "missing"} else MovementKind.WRITE_OFF
            delta = quantity if reason == "found" else -quantity
            try:
                await LedgerService(db_session, actor_from_request(request)).correct(
                    kind, location_id, lot_id, delta, " — ".join(filter(None, [str(CORRECTIONS[reason]), note]))
                )
                return see_other(request, f"/stock/{location_id}", _("Recorded."))
            except DomainError as error:
                form.error(error.field or "lines", error.message)
                status = error.status_code
        return await self._correct_page(request, db_session, location_id, lot_id, form, status)

    # --- receiving ----------------------------------------------------------------------------------------

    async def _receive_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        location_id: UUID,
        form: Form,
        status_code: int = 200,
        unknown_ean: str = "",
    ) -> Any:
        location = await LedgerService(db_session, actor_from_request(request)).location(location_id)
        items = list(await db_session.scalars(select(Item).where(Item.is_active.is_(True)).order_by(Item.name)))
        names = {str(item.id): item for item in items}
        draft = (
            request.session.get(_draft_key(location.id), []) if isinstance(request.scope.get("session"), dict) else []
        )
        return render(
            request,
            "inventory/receive.html",
            block="receipt",
            status_code=status_code,
            location=location,
            items=items,
            item_options=[(str(item.id), item.name) for item in items],
            names=names,
            draft=draft,
            form=form,
            unknown_ean=unknown_ean,
        )

    @get("/{location_id:uuid}/receive")
    async def receive_page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        return await self._receive_page(request, db_session, location_id, Form.filled(unit="packs"))

    @post("/{location_id:uuid}/receive/line")
    async def add_line(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        """One scanned or chosen line: the EAN (or the item), quantity in packs or units, expiry date."""
        form = Form(await request.form())
        ean = form.pattern(
            "ean", r"\d{8}|\d{12,14}", _("A barcode has 8, 12, 13 or 14 digits."), required=False, max_length=14
        )
        chosen = form.uuids("item")
        quantity = form.decimal("quantity", required=True, places=3)
        in_packs = form.raw("unit") == "packs"
        expiry = form.date("expiry")
        item = None
        if ean and not form.errors:
            item = await db_session.scalar(select(Item).join(ItemBarcode).where(ItemBarcode.code == ean))
            if item is None:
                form.error("ean", _("Unknown barcode %(ean)s. Choose the item it belongs to and add it.", ean=ean))
                return await self._receive_page(request, db_session, location_id, form, 422, unknown_ean=ean)
        elif chosen:
            item = await db_session.get(Item, chosen[0])
        if item is None and not form.errors:
            form.error("ean", _("Scan a barcode or choose the item."))
        if not form.valid or item is None or quantity is None:
            return await self._receive_page(request, db_session, location_id, form, 422)
        base = quantity * item.pack_size if in_packs else quantity
        if base <= 0:
            form.error("quantity", _("The quantity must be more than zero."))
            return await self._receive_page(request, db_session, location_id, form, 422)
        if item.perishable and expiry is None:
            form.error("expiry", _("%(item)s is perishable: enter the expiry date.", item=item.name))
            return await self._receive_page(request, db_session, location_id, form, 422)
        if expiry is not None and expiry < local_today():
            form.error("expiry", _("The expiry date of %(item)s has passed: it cannot be received.", item=item.name))
            return await self._receive_page(request, db_session, location_id, form, 422)
        draft = list(request.session.get(_draft_key(location_id), []))
        draft.append({"item": str(item.id), "quantity": str(base), "expiry": expiry.isoformat() if expiry else ""})
        request.session[_draft_key(location_id)] = draft
        return await self._receive_page(request, db_session, location_id, Form.filled(unit=form.raw("unit") or "packs"))

    @post("/{location_id:uuid}/receive/remove")
    async def remove_line(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        index = form.integer("index", minimum=0, maximum=999)
        draft = list(request.session.get(_draft_key(location_id), []))
        if index is not None and index < len(draft):
            draft.pop(index)
            request.session[_draft_key(location_id)] = draft
        return await self._receive_page(request, db_session, location_id, Form.filled(unit="packs"))

    @post("/{location_id:uuid}/receive/finish")
    async def finish(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        """Write the receipt: one movement with every line of the draft."""
        form = Form(await request.form())
        source = form.text("source", max_length=200)
        reference = form.text("reference", required=False, max_length=80)
        draft = list(request.session.get(_draft_key(location_id), []))
        lines = [
            ReceiptLine(
                UUID(line["item"]),
                Decimal(line["quantity"]),
                date.fromisoformat(line["expiry"]) if line["expiry"] else None,
            )
            for line in draft
        ]
        if form.valid:
            try:
                movement = await LedgerService(db_session, actor_from_request(request)).receive(
                    location_id, source, lines, reference
                )
                request.session.pop(_draft_key(location_id), None)
                return see_other(
                    request,
                    f"/stock/movements/{movement.id}",
                    _("The goods have been received (%(n)s lines).", n=len(lines)),
                )
            except DomainError as error:
                form.error("source", error.message)  # a line's problem is named in the message
        return await self._receive_page(request, db_session, location_id, form, 422)

    @post("/barcodes")
    async def add_barcode(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """Attach an unknown EAN to an item of the catalogue, then go on receiving."""
        form = Form(await request.form())
        ean = form.pattern("ean", r"\d{8}|\d{12,14}", _("A barcode has 8, 12, 13 or 14 digits."), max_length=14)
        item_ids = form.uuids("item")
        location = form.uuids("location")
        back = f"/stock/{location[0]}/receive" if location else "/stock"
        item = await db_session.get(Item, item_ids[0]) if item_ids else None
        if not form.valid or item is None:
            return see_other(request, back)
        if await db_session.scalar(select(ItemBarcode.id).where(ItemBarcode.code == ean)) is None:
            db_session.add(ItemBarcode(item_id=item.id, code=ean))
            await audit.record(
                db_session, actor_from_request(request), "item.add_barcode", "item", item.id, ["barcodes"]
            )
        return see_other(request, back, _("Barcode %(ean)s now belongs to %(item)s.", ean=ean, item=item.name))
