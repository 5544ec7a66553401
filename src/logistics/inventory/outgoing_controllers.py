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
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.inventory.ledger import STOCK_KINDS, STOCK_ROLES, LedgerService, Shortage, number
from logistics.inventory.models import Item, Kit, Lot, Transfer, TransferStatus
from logistics.inventory.stock import CATEGORIES, TRANSFER_STATUSES, usable_at
from logistics.sites.models import Site
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
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
            quantity = form.decimal(f"qty-{item.id}", places=3)
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
    guards = [requires(*STOCK_ROLES)]

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        location_id: UUID,
        mode: str,
        form: Form,
        status_code: int = 200,
        plan: list[tuple[Item, Lot, Decimal]] | None = None,
    ) -> Any:
        ledger = LedgerService(db_session, actor_from_request(request))
        location = await ledger.location(location_id)
        sites = []
        if mode == "transfer":  # any stock location may receive, not only the user's own
            sites = list(
                await db_session.scalars(
                    select(Site).where(Site.is_active.is_(True), Site.id != location.id).order_by(Site.name)
                )
            )
        kits = await self._kits(db_session) if mode == "issue" else []
        names = {item.id: item for item in await db_session.scalars(select(Item))} if kits else {}
        return render(
            request,
            "inventory/pick.html",
            status_code=status_code,
            location=location,
            mode=mode,
            form=form,
            usable=await usable_at(db_session, location.id, local_today()),
            kits=kits,
            contents={
                kit.id: ", ".join(
                    f"{number(line.quantity)} {names[line.item_id].unit} {names[line.item_id].name}"
                    for line in kit.lines
                )
                for kit in kits
            },
            categories=CATEGORIES,
            destinations=[(str(site.id), site.name) for site in sites if set(site.kinds) & STOCK_KINDS],
            plan=plan,
        )

    @staticmethod
    async def _kits(db_session: AsyncSession) -> list[Kit]:
        return list(await db_session.scalars(select(Kit).where(Kit.is_active.is_(True)).order_by(Kit.name)))

    # --- issue (shelter kitchen, another recipient) ---------------------------------------------------------

    @get("/{location_id:uuid}/issue")
    async def issue_page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        return await self._page(request, db_session, location_id, "issue", Form())

    @post("/{location_id:uuid}/issue")
    async def issue(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        """Hand out the typed items and kits to the named recipient, all or nothing."""
        form = Form(await request.form())
        ledger = LedgerService(db_session, actor_from_request(request))
        location = await ledger.location(location_id)
        recipient = form.text("recipient", max_length=200)
        reference = form.text("reference", required=False, max_length=80)
        pick = Pick(form, await db_session.scalars(select(Item)), await self._kits(db_session))
        status = 422
        if form.valid:
            try:
                movement = await ledger.issue(location.id, pick.items, reference, recipient, kits=pick.kits)
                return see_other(request, f"/stock/movements/{movement.id}", _("The goods have been issued."))
            except DomainError as error:
                form.error(error.field or "lines", error.message)
                status = error.status_code
        return await self._page(request, db_session, location.id, "issue", form, status)

    # --- transfer -------------------------------------------------------------------------------------------

    @get("/{location_id:uuid}/transfer")
    async def transfer_page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        return await self._page(request, db_session, location_id, "transfer", Form())

    @post("/{location_id:uuid}/transfer")
    async def transfer(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], location_id: FromPath[UUID]
    ) -> Any:
        """First the FEFO plan (which lots would go); with `send`, the transfer itself."""
        form = Form(await request.form())
        ledger = LedgerService(db_session, actor_from_request(request))
        location = await ledger.location(location_id)
        to = form.uuids("to")
        if not to:
            form.error("to", _("Choose where the goods go."))
        reference = form.text("reference", required=False, max_length=80)
        pick = Pick(form, await db_session.scalars(select(Item)), [])
        status = 422
        if form.valid:
            try:
                if form.raw("send"):
                    transfer = await ledger.send(location.id, to[0], pick.items, reference)
                    return see_other(request, f"/stock/transfers/{transfer.id}", _("The goods are on their way."))
                if to[0] == location.id:
                    raise DomainError(_("Choose two different locations."), "to")
                plan = await self._plan(db_session, ledger, location.id, pick.items)
                return await self._page(request, db_session, location.id, "transfer", form, plan=plan)
            except DomainError as error:
                form.error(error.field or "lines", error.message)
                status = error.status_code
        return await self._page(request, db_session, location.id, "transfer", form, status)

    @staticmethod
    async def _plan(
        db_session: AsyncSession, ledger: LedgerService, location_id: UUID, wants: list[tuple[UUID, Decimal]]
    ) -> list[tuple[Item, Lot, Decimal]]:
        plan, missing = [], []
        for item_id, quantity in wants:
            try:
                item = await ledger.item(item_id)
                for lot_id, take in await ledger.fefo(location_id, item_id, quantity):
                    lot = await db_session.get(Lot, lot_id)
                    assert lot is not None
                    plan.append((item, lot, take))
            except Shortage as shortage:
                missing.extend(shortage.missing)
        if missing:
            raise Shortage(missing)
        return plan


class TransferController(Controller):
    path = "/stock/transfers"
    guards = [requires(*STOCK_ROLES)]

    @get("/")
    async def transfers(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """In transit first (the ones to confirm), then the last 100 closed — at the user's locations."""
        actor = actor_from_request(request)
        query = select(Transfer).order_by(Transfer.sent_at.desc())
        if not actor.sees_all_sites:
            query = query.where(
                or_(Transfer.from_location_id.in_(actor.site_ids), Transfer.to_location_id.in_(actor.site_ids))
            )
        in_transit = list(await db_session.scalars(query.where(Transfer.status == TransferStatus.IN_TRANSIT)))
        closed = list(await db_session.scalars(query.where(Transfer.status != TransferStatus.IN_TRANSIT).limit(100)))
        names = dict((await db_session.execute(select(Site.id, Site.name))).all())
        return render(
            request,
            "inventory/transfers.html",
            in_transit=in_transit,
            closed=closed,
            names=names,
            statuses=TRANSFER_STATUSES,
        )

    @get("/{transfer_id:uuid}")
    async def transfer(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], transfer_id: FromPath[UUID]
    ) -> Any:
        return await self._detail(request, db_session, transfer_id, Form())

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        transfer_id: UUID,
        form: Form,
        status: int = 200,
    ) -> Any:
        actor = actor_from_request(request)
        transfer = await LedgerService(db_session, actor).transfer(transfer_id)
        rows = await db_session.execute(
            select(Item, Lot)
            .join(Lot, Lot.item_id == Item.id)
            .where(Lot.id.in_([line.lot_id for line in transfer.lines]))
        )
        lots = {lot.id: (item, lot) for item, lot in rows.all()}
        names = dict(
            (
                await db_session.execute(
                    select(Site.id, Site.name).where(Site.id.in_([transfer.from_location_id, transfer.to_location_id]))
                )
            ).all()
        )
        return render(
            request,
            "inventory/transfer.html",
            status_code=status,
            transfer=transfer,
            lots=lots,
            names=names,
            form=form,
            can_receive=actor.can_see_site(transfer.to_location_id),
            can_cancel=actor.can_see_site(transfer.from_location_id),
            statuses=TRANSFER_STATUSES,
        )

    @post("/{transfer_id:uuid}/receive")
    async def receive(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], transfer_id: FromPath[UUID]
    ) -> Any:
        """What arrived, line by line (prefilled with what was sent); differences stay recorded."""
        form = Form(await request.form())
        ledger = LedgerService(db_session, actor_from_request(request))
        transfer = await ledger.transfer(transfer_id)
        received = {}
        for line in transfer.lines:
            quantity = form.decimal(f"received-{line.id}", required=True, places=3)
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
        return await self._detail(request, db_session, transfer.id, form, status)

    @post("/{transfer_id:uuid}/cancel")
    async def cancel(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], transfer_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        reason = form.text("reason", required=False, max_length=200)
        ledger = LedgerService(db_session, actor_from_request(request))
        return await attempt(
            request,
            ledger.cancel_transfer(transfer_id, reason),
            f"/stock/transfers/{transfer_id}",
            _("The transfer has been called back: the goods are at the sender again."),
        )
