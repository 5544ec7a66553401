"""The catalogue kept by warehouse staff and coordinators: items (names in three languages, category, base unit,
pack size, net weight, EAN barcodes, perishable, active) and kits (a named composition of items)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import ean

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.models import Item, ItemBarcode, ItemCategory, Kit, KitLine, Unit
from logistics.inventory.policy import CATALOGUE

EAN = re.compile(r"\d{8}|\d{12,14}")
#: The heaviest unit the catalogue accepts (a pallet is not a unit): above it, a typo in grams.
MAX_NET_WEIGHT_KG = Decimal(1000)


def barcode_error(code: str) -> str | None:
    """Why `code` cannot be an EAN-8, UPC-A (12), EAN-13 or GTIN-14 barcode, or None when it can: the right
    number of digits and a check digit that fits (a scanner's misread or a typo shows there)."""
    if not EAN.fullmatch(code):
        return _("A barcode has 8, 12, 13 or 14 digits.")
    if not ean.is_valid(code):
        return _("The check digit of %(ean)s is wrong: scan or type the barcode again.", ean=code)
    return None


@dataclass(frozen=True)
class ItemInput:
    name: str
    name_en: str
    name_uk: str
    category: str
    unit: str
    pack_size: Decimal
    perishable: bool
    is_active: bool
    barcodes: list[str] = field(default_factory=list)
    #: Net weight of one unit in kilograms (None: not known).
    net_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class KitInput:
    name: str
    is_active: bool
    lines: list[tuple[UUID, Decimal]] = field(default_factory=list)


class CatalogueService(Service):
    """Reading the catalogue (every stock page lists its items) and keeping it. Names and barcodes are unique: the
    check before writing gives the message, the unique index decides between two users saving at the same moment."""

    @query
    async def item(self, item_id: UUID) -> Item:
        item = await self.session.get(Item, item_id)
        if item is None:
            raise NotFound(_("This item is not in the catalogue."))
        return item

    @query
    async def items(self, *, active_only: bool = False) -> list[Item]:
        """The items by name (`active_only`: those that may still be received and counted)."""
        query = select(Item).order_by(Item.name)
        if active_only:
            query = query.where(Item.is_active.is_(True))
        return list(await self.session.scalars(query))

    @query
    async def item_with_barcode(self, code: str) -> Item | None:
        return await self.session.scalar(select(Item).join(ItemBarcode).where(ItemBarcode.code == code))

    @query
    async def kit(self, kit_id: UUID) -> Kit:
        kit = await self.session.get(Kit, kit_id)
        if kit is None:
            raise NotFound(_("This kit does not exist."))
        return kit

    @query
    async def kits(self, *, active_only: bool = False) -> list[Kit]:
        query = select(Kit).order_by(Kit.name)
        if active_only:
            query = query.where(Kit.is_active.is_(True))
        return list(await self.session.scalars(query))

    async def save_item(self, item_id: UUID | None, data: ItemInput) -> Item:
        self.require(CATALOGUE)
        name = data.name.strip()
        if not name:
            raise DomainError(_("Name the item."), "name")
        if data.category not in set(ItemCategory) or data.unit not in set(Unit):
            raise DomainError(_("This option is not available."), "category")
        if not data.pack_size.is_finite() or data.pack_size <= 0:
            raise DomainError(_("The quantity must be more than zero."), "pack_size")
        weight = data.net_weight_kg
        if weight is not None and (
            not weight.is_finite()
            or weight <= 0
            or weight > MAX_NET_WEIGHT_KG
            or weight != weight.quantize(Decimal("0.001"))
        ):
            raise DomainError(
                _("Enter the net weight of one unit in kilograms: more than 0, at most 1000, up to 3 decimals."),
                "net_weight_kg",
            )
        clash = await self.session.scalar(select(Item.id).where(Item.name == name))
        if clash is not None and clash != item_id:
            raise DomainError(_("Another item has this name."), "name")
        codes = list(dict.fromkeys(code.strip() for code in data.barcodes if code.strip()))
        for code in codes:
            if problem := barcode_error(code):
                raise DomainError(problem, "barcodes")
            owner = await self.session.scalar(select(ItemBarcode.item_id).where(ItemBarcode.code == code))
            if owner is not None and owner != item_id:
                raise DomainError(_("Barcode %(ean)s belongs to another item.", ean=code), "barcodes")
        item = await self.item(item_id) if item_id else Item(barcodes=[])
        item.name, item.name_en, item.name_uk = name, data.name_en.strip(), data.name_uk.strip()
        item.category, item.unit, item.pack_size = data.category, data.unit, data.pack_size
        item.perishable, item.is_active = data.perishable, data.is_active
        item.net_weight_kg = weight
        kept = {barcode.code: barcode for barcode in item.barcodes}
        item.barcodes = [kept.get(code) or ItemBarcode(code=code) for code in codes]
        self.session.add(item)
        await _flush(self.session, _("Another item has this name, or one of its barcodes belongs to another item."))
        await audit.record(self.session, self.actor, "item.save", "item", item.id, ["item"])
        return item

    async def save_kit(self, kit_id: UUID | None, data: KitInput) -> Kit:
        self.require(CATALOGUE)
        name = data.name.strip()
        if not name:
            raise DomainError(_("Name the kit."), "name")
        if not data.lines:
            raise DomainError(_("Add at least one item."), "lines")
        clash = await self.session.scalar(select(Kit.id).where(Kit.name == name))
        if clash is not None and clash != kit_id:
            raise DomainError(_("Another kit has this name."), "name")
        totals: dict[UUID, Decimal] = {}
        for item_id, quantity in data.lines:
            await self.item(item_id)
            if not quantity.is_finite() or quantity <= 0:
                raise DomainError(_("The quantity must be more than zero."), "lines")
            totals[item_id] = totals.get(item_id, Decimal(0)) + quantity
        kit = await self.kit(kit_id) if kit_id else Kit(lines=[])
        kit.name, kit.is_active = name, data.is_active
        if kit_id:
            kit.lines.clear()
            await self.session.flush()  # the old lines go before the new ones arrive (one line per item)
        kit.lines = [KitLine(item_id=item_id, quantity=quantity) for item_id, quantity in totals.items()]
        self.session.add(kit)
        await _flush(self.session, _("Another kit has this name."))
        await audit.record(self.session, self.actor, "kit.save", "kit", kit.id, ["lines"])
        return kit

    async def add_barcode(self, item_id: UUID, code: str) -> Item:
        """Attach a barcode found while receiving to an item; one that is already the item's changes nothing."""
        self.require(CATALOGUE)
        if problem := barcode_error(code):
            raise DomainError(problem, "ean")
        item = await self.item(item_id)
        owner = await self.session.scalar(select(ItemBarcode.item_id).where(ItemBarcode.code == code))
        if owner == item.id:
            return item
        if owner is not None:
            raise DomainError(_("Barcode %(ean)s belongs to another item.", ean=code), "ean")
        self.session.add(ItemBarcode(item_id=item.id, code=code))
        await _flush(self.session, _("Barcode %(ean)s belongs to another item.", ean=code), "ean")
        await audit.record(self.session, self.actor, "item.add_barcode", "item", item.id, ["barcodes"])
        return item


async def _flush(session: AsyncSession, message: str, field: str = "name") -> None:
    """Flush; a concurrent save that took the same name or barcode first makes this a clear refusal."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise DomainError(message, field) from error
