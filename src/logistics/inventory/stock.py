"""Reading stock: the locations, a location's lots, an item across locations, transfers, and the movement history
with filters — at the locations the actor may see (`StockService`; the ledger's use cases build on it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.accounts.models import User
from logistics.core.actor import Actor
from logistics.core.errors import NotFound
from logistics.core.i18n import _l, day_start, local_today
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.models import (
    Balance,
    Item,
    ItemCategory,
    Lot,
    Movement,
    MovementKind,
    MovementLine,
    StocktakeStatus,
    Transfer,
    TransferStatus,
)
from logistics.inventory.names import item_name, unit_name
from logistics.inventory.policy import VIEW_MOVEMENT, VIEW_STOCK, VIEW_TRANSFER
from logistics.sites.models import Site, SiteKind

#: Sites that hold stock: warehouses, distribution points, and the pantries of shelters.
STOCK_KINDS = frozenset(
    {
        SiteKind.WAREHOUSE,
        SiteKind.DISTRIBUTION_POINT,
        SiteKind.SHELTER,
        SiteKind.NIGHT_SHELTER,
        SiteKind.WARMING_CENTRE,
        SiteKind.COLLECTIVE_ACCOMMODATION,
    }
)

CATEGORIES = {
    ItemCategory.FOOD: _l("Food"),
    ItemCategory.HYGIENE: _l("Hygiene"),
    ItemCategory.BABY: _l("Baby"),
    ItemCategory.CLOTHING: _l("Clothing"),
    ItemCategory.BEDDING: _l("Bedding"),
    ItemCategory.CLEANING: _l("Cleaning"),
    ItemCategory.OTHER: _l("Other"),
}
TRANSFER_STATUSES = {
    TransferStatus.IN_TRANSIT: _l("in transit"),
    TransferStatus.RECEIVED: _l("received"),
    TransferStatus.CANCELLED: _l("called back"),
}
STOCKTAKE_STATUSES = {
    StocktakeStatus.OPEN: _l("open"),
    StocktakeStatus.CONFIRMED: _l("confirmed"),
    StocktakeStatus.CANCELLED: _l("cancelled"),
}
MOVEMENT_KINDS = {
    MovementKind.RECEIPT: _l("Receipt"),
    MovementKind.TRANSFER: _l("Transfer sent"),
    MovementKind.TRANSFER_IN: _l("Transfer received"),
    MovementKind.ISSUE: _l("Issue"),
    MovementKind.ADJUSTMENT: _l("Adjustment"),
    MovementKind.WRITE_OFF: _l("Write-off"),
    MovementKind.STOCKTAKE: _l("Stocktake"),
    MovementKind.REVERSAL: _l("Reversal"),
}


@dataclass(frozen=True)
class StockRow:
    """One lot in stock at a location: plain values, not ORM objects (a warehouse lists thousands of lots)."""

    item_id: UUID
    name: str
    category: str
    unit: str
    lot_id: UUID
    expiry: date
    producer_lot: str
    quantity: Decimal
    name_en: str = ""
    name_uk: str = ""

    @property
    def local_name(self) -> str:
        return item_name(self.name, self.name_en, self.name_uk)

    @property
    def unit_name(self) -> str:
        return unit_name(self.unit)


async def stock_at(session: AsyncSession, location_id: UUID) -> list[StockRow]:
    """Every lot in stock at a location, by category, item and expiry (the location's stock page)."""
    rows = await session.execute(
        select(
            Item.id,
            Item.name,
            Item.category,
            Item.unit,
            Lot.id,
            Lot.expiry,
            Lot.producer_lot,
            Balance.quantity,
            Item.name_en,
            Item.name_uk,
        )
        .join(Balance, Balance.item_id == Item.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location_id, Balance.quantity > 0)
        .order_by(Item.category, Item.name, Lot.expiry)
    )
    return [StockRow(*row[:8], name_en=row[8], name_uk=row[9]) for row in rows.all()]


async def usable_at(session: AsyncSession, location_id: UUID, today: date) -> list[tuple[Item, Decimal]]:
    """Per item, the stock at a location that may still be handed out (lots not expired), by category and name."""
    rows = await session.execute(
        select(Item, func.sum(Balance.quantity))
        .join(Balance, Balance.item_id == Item.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location_id, Balance.quantity > 0, Lot.expiry >= today)
        .group_by(Item.id)
        .order_by(Item.category, Item.name)
    )
    return [(item, quantity) for item, quantity in rows.all()]


def visible(actor: Actor | None, column: Any) -> list[ColumnElement[bool]]:
    """No condition for everyone-seeing roles (and jobs); the actor's sites for the others."""
    if actor is None or actor.sees_all_sites:
        return []
    return [column.in_(actor.site_ids)]


async def item_totals(session: AsyncSession, actor: Actor, today: date, search: str = "") -> list[ItemTotal]:
    """Every item of the catalogue with its stock across the user's locations: usable and expired."""
    usable = func.sum(case((Lot.expiry >= today, Balance.quantity), else_=0))
    expired = func.sum(case((Lot.expiry < today, Balance.quantity), else_=0))
    totals = (
        select(
            Balance.item_id,
            usable.label("usable"),
            expired.label("expired"),
            func.count(func.distinct(Balance.location_id)).label("locations"),
        )
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.quantity > 0, *visible(actor, Balance.location_id))
        .group_by(Balance.item_id)
        .subquery()
    )
    query = (
        select(Item, totals.c.usable, totals.c.expired, totals.c.locations)
        .outerjoin(totals, totals.c.item_id == Item.id)
        .order_by(Item.category, Item.name)
    )
    if search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Item.name.ilike(pattern), Item.name_en.ilike(pattern), Item.name_uk.ilike(pattern)))
    rows = (await session.execute(query)).all()
    return [ItemTotal(row[0], Decimal(row[1] or 0), Decimal(row[2] or 0), int(row[3] or 0)) for row in rows]


@dataclass(frozen=True)
class ItemTotal:
    item: Item
    usable: Decimal
    expired: Decimal
    locations: int


async def item_stock(session: AsyncSession, actor: Actor, item_id: UUID) -> list[tuple[Site, Lot, Decimal]]:
    """One item's lots at each of the user's locations, by location and expiry."""
    rows = await session.execute(
        select(Site, Lot, Balance.quantity)
        .join(Balance, Balance.location_id == Site.id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.item_id == item_id, Balance.quantity > 0, *visible(actor, Balance.location_id))
        .order_by(Site.name, Lot.expiry)
    )
    return [(site, lot, quantity) for site, lot, quantity in rows.all()]


@dataclass(frozen=True)
class HistoryFilter:
    location_id: UUID | None = None
    item_id: UUID | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None


async def movement_history(
    session: AsyncSession, actor: Actor, where: HistoryFilter, offset: int = 0, limit: int = 50
) -> list[tuple[Movement, MovementLine, Item, Lot, Site]]:
    """Movement lines, newest first, at the user's locations, narrowed by location, item, kind and days."""
    query = (
        select(Movement, MovementLine, Item, Lot, Site)
        .join(MovementLine, MovementLine.movement_id == Movement.id)
        .join(Item, Item.id == MovementLine.item_id)
        .join(Lot, Lot.id == MovementLine.lot_id)
        .join(Site, Site.id == MovementLine.location_id)
        .where(*visible(actor, MovementLine.location_id))
        .order_by(Movement.at.desc(), Movement.id.desc(), MovementLine.id)
        .offset(offset)
        .limit(limit)
    )
    if where.location_id:
        query = query.where(MovementLine.location_id == where.location_id)
    if where.item_id:
        query = query.where(MovementLine.item_id == where.item_id)
    if where.kind:
        query = query.where(Movement.kind == where.kind)
    if where.since:
        query = query.where(Movement.at >= day_start(where.since))
    if where.until:
        query = query.where(Movement.at < day_start(where.until + timedelta(days=1)))
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


def holds_stock(site: Site) -> bool:
    return bool(set(site.kinds) & STOCK_KINDS)


class StockService(Service):
    """What the stock pages read. A location is looked up with the action the actor means to do there: a site
    that holds no stock is not found (404), one of another site refused (403) — never swapped for one's own."""

    @query
    async def location(self, site_id: UUID, action: str | None = VIEW_STOCK) -> Site:
        """A site that holds stock, where the actor may do `action` (None: any site, e.g. a transfer's receiver)."""
        site = await self.session.get(Site, site_id)
        if site is None:
            raise NotFound(_("This site does not exist."))
        if not holds_stock(site):
            raise NotFound(_("This site holds no stock."))
        if action is not None:
            self.require(action, site)
        return site

    @query
    async def locations(self, include_inactive: bool = False) -> list[Site]:
        """The sites holding stock whose stock the actor may see, by name."""
        query = select(Site).order_by(Site.name)
        if not include_inactive:
            query = query.where(Site.is_active.is_(True))
        sites = await self.session.scalars(query.where(*visible(self.actor, Site.id)))
        return [site for site in sites if holds_stock(site) and self.can(VIEW_STOCK, site)]

    @query
    async def destinations(self, sender: Site) -> list[Site]:
        """Where goods may be sent from `sender`: every other active site that holds stock, not only one's own."""
        sites = await self.session.scalars(
            select(Site).where(Site.is_active.is_(True), Site.id != sender.id).order_by(Site.name)
        )
        return [site for site in sites if holds_stock(site)]

    @query
    async def item(self, item_id: UUID) -> Item:
        item = await self.session.get(Item, item_id)
        if item is None:
            raise NotFound(_("This item is not in the catalogue."))
        return item

    @query
    async def stock(self, location: Site) -> list[StockRow]:
        self.require(VIEW_STOCK, location)
        return await stock_at(self.session, location.id)

    @query
    async def usable(self, location: Site) -> list[tuple[Item, Decimal]]:
        self.require(VIEW_STOCK, location)
        return await usable_at(self.session, location.id, local_today())

    @query
    async def lot_at(self, location: Site, lot_id: UUID) -> tuple[Lot, Item, Decimal]:
        """A lot, its item and its quantity at the location (0 when none is left there)."""
        self.require(VIEW_STOCK, location)
        lot = await self.session.get(Lot, lot_id)
        if lot is None:
            raise NotFound(_("This lot does not exist."))
        item = await self.item(lot.item_id)
        quantity = await self.session.scalar(
            select(Balance.quantity).where(Balance.location_id == location.id, Balance.lot_id == lot.id)
        )
        return lot, item, quantity or Decimal(0)

    @query
    async def incoming(self, location: Site) -> list[Transfer]:
        """Transfers on their way to the location, oldest first."""
        self.require(VIEW_STOCK, location)
        rows = await self.session.scalars(
            select(Transfer)
            .where(Transfer.to_location_id == location.id, Transfer.status == TransferStatus.IN_TRANSIT)
            .order_by(Transfer.sent_at)
        )
        return list(rows)

    @query
    async def item_totals(self, search: str = "") -> list[ItemTotal]:
        return await item_totals(self.session, self.actor, local_today(), search)

    @query
    async def item_stock(self, item: Item) -> list[tuple[Site, Lot, Decimal]]:
        return await item_stock(self.session, self.actor, item.id)

    @query
    async def history(
        self, where: HistoryFilter, offset: int = 0, limit: int = 50
    ) -> list[tuple[Movement, MovementLine, Item, Lot, Site]]:
        """The movement history; narrowed to one location, that location must be one the actor sees (403)."""
        if where.location_id is not None:
            await self.location(where.location_id)
        return await movement_history(self.session, self.actor, where, offset, limit)

    @query
    async def movement(
        self, movement_id: UUID, action: str = VIEW_MOVEMENT
    ) -> tuple[Movement, list[tuple[MovementLine, Item, Lot, Site]]]:
        """A movement with its lines, when the actor may do `action` to it (see or reverse it: at every location
        it touched)."""
        movement = await self.session.get(Movement, movement_id)
        if movement is None:
            raise NotFound(_("This movement does not exist."))
        self.require(action, movement)
        rows = await self.session.execute(
            select(MovementLine, Item, Lot, Site)
            .join(Item, Item.id == MovementLine.item_id)
            .join(Lot, Lot.id == MovementLine.lot_id)
            .join(Site, Site.id == MovementLine.location_id)
            .where(MovementLine.movement_id == movement.id)
            .order_by(Item.name, Lot.expiry)
        )
        return movement, [(line, item, lot, site) for line, item, lot, site in rows.all()]

    @query
    async def reversed_by(self, movement: Movement) -> UUID | None:
        return await self.session.scalar(select(Movement.id).where(Movement.reverses_id == movement.id))

    @query
    async def transfer(self, transfer_id: UUID, action: str = VIEW_TRANSFER) -> Transfer:
        """A transfer the actor may do `action` to: see it (from or to one of the actor's sites), receive it (to
        one), call it back (from one)."""
        transfer = await self.session.get(Transfer, transfer_id)
        if transfer is None:
            raise NotFound(_("This transfer does not exist."))
        self.require(action, transfer)
        return transfer

    @query
    async def transfers(self) -> tuple[list[Transfer], list[Transfer]]:
        """In transit (the ones to confirm), then the last 100 closed — from or to the actor's sites."""
        query = select(Transfer).order_by(Transfer.sent_at.desc())
        if not self.actor.sees_all_sites:
            mine = self.actor.site_ids
            query = query.where(or_(Transfer.from_location_id.in_(mine), Transfer.to_location_id.in_(mine)))
        in_transit = await self.session.scalars(query.where(Transfer.status == TransferStatus.IN_TRANSIT))
        closed = await self.session.scalars(query.where(Transfer.status != TransferStatus.IN_TRANSIT).limit(100))
        return list(in_transit), list(closed)

    @query
    async def transfer_lots(self, transfer: Transfer) -> dict[UUID, tuple[Item, Lot]]:
        """The item and lot of each line of a transfer, by lot."""
        self.require(VIEW_TRANSFER, transfer)
        rows = await self.session.execute(
            select(Item, Lot)
            .join(Lot, Lot.item_id == Item.id)
            .where(Lot.id.in_([line.lot_id for line in transfer.lines]))
        )
        return {lot.id: (item, lot) for item, lot in rows.all()}

    @query
    async def site_names(self, site_ids: list[UUID] | None = None) -> dict[UUID, str]:
        """Names of sites (all of them, or those of `site_ids`) — a transfer names both ends."""
        query = select(Site.id, Site.name)
        if site_ids is not None:
            query = query.where(Site.id.in_(site_ids))
        return {site_id: name for site_id, name in (await self.session.execute(query)).all()}

    @query
    async def person_name(self, username: str) -> str:
        """The full name of the account that recorded something (a receipt's "received by"); the username when the
        account has no name or no longer exists."""
        if not username:
            return ""
        full_name = await self.session.scalar(select(User.full_name).where(User.username == username))
        return (full_name or "").strip() or username
