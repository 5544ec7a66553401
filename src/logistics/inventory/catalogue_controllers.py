"""Catalogue pages: items and kits, for warehouse staff, coordinators and administrators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _
from logistics.inventory.catalogue import MAX_NET_WEIGHT_KG, CatalogueService, ItemInput, KitInput
from logistics.inventory.models import Unit
from logistics.inventory.names import unit_name
from logistics.inventory.policy import CATALOGUE
from logistics.inventory.stock import CATEGORIES
from logistics.web.dependencies import services
from logistics.web.forms import Form, options
from logistics.web.guards import may
from logistics.web.responses import see_other
from logistics.web.templating import render

KIT_LINES = 12


class CatalogueController(Controller):
    path = "/stock/catalogue"
    guards = [may(CATALOGUE)]
    dependencies = services(catalogue=CatalogueService)

    @get("/")
    async def catalogue(self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService]) -> Any:
        items = sorted(await catalogue.items(), key=lambda item: (item.category, item.name))
        kits = await catalogue.kits()
        names = {item.id: item for item in items}
        return render(request, "inventory/catalogue.html", items=items, kits=kits, names=names, categories=CATEGORIES)

    async def _item_page(
        self, request: Request[Any, Any, Any], form: Form, item_id: UUID | None, status_code: int = 200
    ) -> Any:
        return render(
            request,
            "inventory/item_form.html",
            status_code=status_code,
            form=form,
            item_id=item_id,
            category_options=options(CATEGORIES),
            unit_options=[(unit.value, f"{unit_name(unit.value)} ({unit.value})") for unit in Unit],
        )

    @get("/items/new")
    async def new_item(self, request: Request[Any, Any, Any]) -> Any:
        return await self._item_page(
            request, Form.filled(category="food", unit="szt", pack_size="1", is_active=True), None
        )

    @get("/items/{item_id:uuid}")
    async def edit_item(
        self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService], item_id: FromPath[UUID]
    ) -> Any:
        item = await catalogue.item(item_id)
        form = Form.filled(
            name=item.name,
            name_en=item.name_en,
            name_uk=item.name_uk,
            category=item.category,
            unit=item.unit,
            pack_size=format(item.pack_size.normalize(), "f"),
            net_weight_kg="" if item.net_weight_kg is None else format(item.net_weight_kg.normalize(), "f"),
            perishable=item.perishable,
            is_active=item.is_active,
            barcodes=" ".join(barcode.code for barcode in item.barcodes),
        )
        return await self._item_page(request, form, item.id)

    async def _save_item(
        self, request: Request[Any, Any, Any], catalogue: CatalogueService, item_id: UUID | None
    ) -> Any:
        form = Form(await request.form())
        name = form.text("name", max_length=120)
        name_en = form.text("name_en", required=False, max_length=120)
        name_uk = form.text("name_uk", required=False, max_length=120)
        category = form.choice("category", list(CATEGORIES))
        unit = form.choice("unit", [unit.value for unit in Unit])
        pack_size = form.decimal("pack_size", required=True, places=3, minimum=Decimal("0.001"))
        weight = form.decimal("net_weight_kg", places=3, minimum=Decimal("0.001"), maximum=MAX_NET_WEIGHT_KG)
        perishable, active = form.boolean("perishable"), form.boolean("is_active")
        barcodes = form.text("barcodes", required=False, max_length=500).replace(",", " ").split()
        if form.valid and pack_size is not None:
            data = ItemInput(name, name_en, name_uk, category, unit, pack_size, perishable, active, barcodes, weight)
            try:
                await catalogue.save_item(item_id, data)
                return see_other(request, "/stock/catalogue", _("The item has been saved."))
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return await self._item_page(request, form, item_id, 422)

    @post("/items/new")
    async def create_item(self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService]) -> Any:
        return await self._save_item(request, catalogue, None)

    @post("/items/{item_id:uuid}")
    async def update_item(
        self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService], item_id: FromPath[UUID]
    ) -> Any:
        return await self._save_item(request, catalogue, item_id)

    async def _kit_page(
        self,
        request: Request[Any, Any, Any],
        catalogue: CatalogueService,
        form: Form,
        kit_id: UUID | None,
        status_code: int = 200,
    ) -> Any:
        items = await catalogue.items(active_only=True)
        return render(
            request,
            "inventory/kit_form.html",
            status_code=status_code,
            form=form,
            kit_id=kit_id,
            item_options=[(str(item.id), f"{item.local_name} ({item.unit_name})") for item in items],
            lines=range(KIT_LINES),
        )

    @get("/kits/new")
    async def new_kit(self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService]) -> Any:
        return await self._kit_page(request, catalogue, Form.filled(is_active=True), None)

    @get("/kits/{kit_id:uuid}")
    async def edit_kit(
        self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService], kit_id: FromPath[UUID]
    ) -> Any:
        kit = await catalogue.kit(kit_id)
        values: dict[str, Any] = {"name": kit.name, "is_active": kit.is_active}
        for n, line in enumerate(kit.lines):
            values[f"item-{n}"] = str(line.item_id)
            values[f"quantity-{n}"] = format(line.quantity.normalize(), "f")
        return await self._kit_page(request, catalogue, Form.filled(**values), kit.id)

    async def _save_kit(self, request: Request[Any, Any, Any], catalogue: CatalogueService, kit_id: UUID | None) -> Any:
        form = Form(await request.form())
        name = form.text("name", max_length=120)
        active = form.boolean("is_active")
        lines = []
        for n in range(KIT_LINES):
            item = form.uuids(f"item-{n}")
            quantity = form.decimal(f"quantity-{n}", places=3, minimum=Decimal("0.001"))
            form.values[f"item-{n}"] = str(item[0]) if item else ""
            if item and quantity:
                lines.append((item[0], quantity))
            elif item:
                form.error(f"quantity-{n}", _("Enter the quantity."))
        if form.valid:
            try:
                await catalogue.save_kit(kit_id, KitInput(name, active, lines))
                return see_other(request, "/stock/catalogue", _("The kit has been saved."))
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return await self._kit_page(request, catalogue, form, kit_id, 422)

    @post("/kits/new")
    async def create_kit(self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService]) -> Any:
        return await self._save_kit(request, catalogue, None)

    @post("/kits/{kit_id:uuid}")
    async def update_kit(
        self, request: Request[Any, Any, Any], catalogue: NamedDependency[CatalogueService], kit_id: FromPath[UUID]
    ) -> Any:
        return await self._save_kit(request, catalogue, kit_id)
