"""Goods going out of a location: issue to a shelter kitchen or another recipient (items and kits), and send a
transfer — with the FEFO plan shown before sending — then confirm its receipt (or call it back) at the other end.

Both pick pages list what the location can still hand out (unexpired lots) with a quantity field per item in
base units; the ledger takes the lots first-expiry-first-out and refuses everything when anything is short.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.inventory.catalogue import CatalogueService
from logistics.inventory.ledger import MAX_QUANTITY, LedgerService, number
from logistics.inventory.models import Item, Kit, Lot
from logistics.inventory.policy import CANCEL_TRANSFER, ISSUE, RECEIVE_TRANSFER, SEND, VIEW_STOCK, VIEW_TRANSFER
from logistics.inventory.stock import CATEGORIES, TRANSFER_STATUSES
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.responses import attempt, see_other
from logistics.web.templating import render


class Pick:
    """The quantities typed on a pick page: `qty-<item id>` in base units and `kit-<kit id>` as a count."""

    def __init__(self, form: Form, catalogue: Iterable[Item], kits: list[Kit]) -> None:
        """Every item of the catalogue is read, not only those in stock when the page was shown: when another
        user took the last units meanwhile, the ledger says what is missing instead of the line vanishing."""
        self.items: list[tuple[UUID, Decimal]] = []
        self.kits: list[tuple[UUID, int]] = []
        for item in catalogue:
            quantity = form.decimal(
                f"qty-{item.id}", places=3, minimum=Decimal(0), maximum=MAX_QUANTITY, whole=item.countable
            )
            if quantity:
                self.items.append((item.id, quantity))
        for kit in kits:
            count = form.integer(f"kit-{kit.id}", minimum=0, maximum=1000)
            if count:
                self.kits.append((kit.id, count))
        if form.valid and not self.items and not self.kits:
            form.error("lines", _("Type the quantity of at least one item."))


class OutgoingController(Controller):
    path = "/stock"
    dependencies = services(ledger=LedgerService, catalogue=CatalogueService)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        ledger: LedgerService,
        catalogue: CatalogueService,
        location_id: UUID,
        mode: str,
        form: Form,
        status_code: int = 200,
        plan: list[tuple[Item, Lot, Decimal]] | None = None,
    ) -> Any:
        location = await ledger.location(location_id, ISSUE if mode == "issue" else SEND)
        kits = await catalogue.kits(active_only=True) if mode == "issue" else []
        names = {item.id: item for item in await catalogue.items()} if kits else {}
        destinations = await ledger.destinations(location) if mode == "transfer" else []
        usable = await ledger.usable(location)
        shown = {"lines", "reference", "recipient" if mode == "issue" else "to"}
        shown |= {f"qty-{item.id}" for item, _available in usable} | {f"kit-{kit.id}" for kit in kits}
        hidden = [form.errors.pop(name) for name in list(form.errors) if name not in shown]
        if hidden:  # a refusal on a field the page does not show (an item no longer in stock): at the top
            form.errors["lines"] = " ".join(dict.fromkeys(filter(None, [form.errors.get("lines"), *hidden])))
        return render(
            request,
            "inventory/pick.html",
            status_code=status_code,
            location=location,
            mode=mode,
            form=form,
            usable=usable,
            kits=kits,
            contents={kit.id: _contents(kit, names) for kit in kits},
            categories=CATEGORIES,
            destinations=[(str(site.id), site.name) for site in destinations],
            plan=plan,
        )

    # --- issue (shelter kitchen, another recipient) ---------------------------------------------------------

    @get("/{location_id:uuid}/issue", guards=[may(ISSUE)])
    async def issue_page(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        return await self._page(request, ledger, catalogue, location_id, "issue", Form())

    @post("/{location_id:uuid}/issue", guards=[may(ISSUE)])
    async def issue(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        """Hand out the typed items and kits to the named recipient, all or nothing."""
        location = await ledger.location(location_id, ISSUE)
        form = Form(await request.form())
        recipient = form.text("recipient", max_length=200)
        reference = form.text("reference", required=False, max_length=80)
        pick = Pick(form, await catalogue.items(), await catalogue.kits(active_only=True))
        status = 422
        if form.valid:
            try:
                movement = await ledger.issue(location.id, pick.items, reference, recipient, kits=pick.kits)
                return see_other(request, f"/stock/movements/{movement.id}", _("The goods have been issued."))
            except DomainError as error:
                form.error(error.field or "lines", error.message)
                status = error.status_code
        return await self._page(request, ledger, catalogue, location.id, "issue", form, status)

    # --- transfer -------------------------------------------------------------------------------------------

    @get("/{location_id:uuid}/transfer", guards=[may(SEND)])
    async def transfer_page(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        return await self._page(request, ledger, catalogue, location_id, "transfer", Form())

    @post("/{location_id:uuid}/transfer", guards=[may(SEND)])
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        ledger: NamedDependency[LedgerService],
        catalogue: NamedDependency[CatalogueService],
        location_id: FromPath[UUID],
    ) -> Any:
        """First the FEFO plan (which lots would go); with `send`, the transfer itself."""
        location = await ledger.location(location_id, SEND)
        form = Form(await request.form())
        to = form.uuids("to")
        if not to:
            form.error("to", _("Choose where the goods go."))
        reference = form.text("reference", required=False, max_length=80)
        pick = Pick(form, await catalogue.items(), [])
        status = 422
        if form.valid:
            try:
                if form.raw("send"):
                    transfer = await ledger.send(location.id, to[0], pick.items, reference)
                    return see_other(request, f"/stock/transfers/{transfer.id}", _("The goods are on their way."))
                if to[0] == location.id:
                    raise DomainError(_("Choose two different locations."), "to")
                plan = await ledger.transfer_plan(location.id, pick.items)
                return await self._page(request, ledger, catalogue, location.id, "transfer", form, plan=plan)
            except DomainError as error:
                form.error(error.field or "lines", error.message)
                status = error.status_code
        return await self._page(request, ledger, catalogue, location.id, "transfer", form, status)


def _contents(kit: Kit, items: dict[UUID, Item]) -> str:
    """What a kit is made of, for its line on the issue page: "2 szt Makaron, 1 l Mleko"."""
    return ", ".join(
        f"{number(line.quantity)} {items[line.item_id].unit} {items[line.item_id].name}" for line in kit.lines
    )


class TransferController(Controller):
    path = "/stock/transfers"
    dependencies = services(ledger=LedgerService)

    @get("/", guards=[may(VIEW_STOCK)])
    async def transfers(self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService]) -> Any:
        """In transit first (the ones to confirm), then the last 100 closed — at the user's locations."""
        in_transit, closed = await ledger.transfers()
        return render(
            request,
            "inventory/transfers.html",
            in_transit=in_transit,
            closed=closed,
            names=await ledger.site_names(),
            statuses=TRANSFER_STATUSES,
        )

    @get("/{transfer_id:uuid}", guards=[may(VIEW_TRANSFER)])
    async def transfer(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], transfer_id: FromPath[UUID]
    ) -> Any:
        return await self._detail(request, ledger, transfer_id, Form())

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        ledger: LedgerService,
        transfer_id: UUID,
        form: Form,
        status: int = 200,
    ) -> Any:
        transfer = await ledger.transfer(transfer_id)
        return render(
            request,
            "inventory/transfer.html",
            status_code=status,
            transfer=transfer,
            lots=await ledger.transfer_lots(transfer),
            names=await ledger.site_names([transfer.from_location_id, transfer.to_location_id]),
            form=form,
            statuses=TRANSFER_STATUSES,
        )

    @post("/{transfer_id:uuid}/receive", guards=[may(RECEIVE_TRANSFER)])
    async def receive(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], transfer_id: FromPath[UUID]
    ) -> Any:
        """What arrived, line by line (prefilled with what was sent); differences stay recorded."""
        transfer = await ledger.transfer(transfer_id, RECEIVE_TRANSFER)
        form = Form(await request.form())
        received = {}
        for line in transfer.lines:
            whole = (await ledger.item(line.item_id)).countable
            quantity = form.decimal(f"received-{line.id}", required=True, places=3, minimum=Decimal(0), whole=whole)
            if quantity is not None:
                received[line.id] = quantity
        note = form.text("note", required=False, max_length=200)
        status = 422
        if form.valid:
            try:
                await ledger.receive_transfer(transfer.id, received, note)
                return see_other(request, f"/stock/transfers/{transfer.id}", _("The receipt has been confirmed."))
            except DomainError as error:
                form.error(error.field or "note", error.message)
                status = error.status_code
        return await self._detail(request, ledger, transfer.id, form, status)

    @post("/{transfer_id:uuid}/cancel", guards=[may(CANCEL_TRANSFER)])
    async def cancel(
        self, request: Request[Any, Any, Any], ledger: NamedDependency[LedgerService], transfer_id: FromPath[UUID]
    ) -> Any:
        transfer = await ledger.transfer(transfer_id, CANCEL_TRANSFER)
        form = Form(await request.form())
        reason = form.text("reason", required=False, max_length=200)
        return await attempt(
            request,
            ledger.cancel_transfer(transfer.id, reason),
            f"/stock/transfers/{transfer.id}",
            _("The transfer has been called back: the goods are at the sender again."),
        )
