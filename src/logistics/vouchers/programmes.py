"""Programmes, kept by administrators and coordinators: what a voucher entitles to (kits and items, optionally
per person), where it is redeemed, its cycle and validity, and who is eligible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import format_date, format_number, local_today
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.models import Item, Kit, Unit
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.models import Cycle, Programme, ProgrammeLine, ProgrammePoint, Rule
from logistics.vouchers.policy import MANAGE_PROGRAMMES

#: Units counted in whole numbers (pieces, packs): a voucher never entitles to half a piece. Kits are whole too.
COUNTED_UNITS = frozenset({Unit.PIECE, Unit.PACK})
#: The income limit of the income rule, in per cent of the criterion (FEPŻ: 265 %).
LOWEST_PERCENT, HIGHEST_PERCENT = Decimal(1), Decimal(1000)
#: How far ahead a programme's last day may be: anything further is a typing mistake (FEPŻ runs for seven years).
PLANNED_YEARS = 10


def counted(item: Item) -> bool:
    """Whether the item is counted in whole units (pieces, packs)."""
    return item.unit in COUNTED_UNITS


def last_day_window(today: date) -> tuple[date, date]:
    """The days a programme's last day may be set to: from today to PLANNED_YEARS ahead."""
    return today, today + timedelta(days=365 * PLANNED_YEARS)


@dataclass(frozen=True)
class LineInput:
    goods: str  # "kit:<uuid>" or "item:<uuid>"
    quantity: Decimal
    per_person: bool = False


@dataclass(frozen=True)
class ProgrammeInput:
    code: str
    name: str
    cycle: str
    rule: str
    income_percent: Decimal
    valid_days: int | None
    valid_until: date | None
    is_active: bool
    lines: list[LineInput] = field(default_factory=list)
    point_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class FormOptions:
    """What the programme form offers: active kits and items, and the distribution points."""

    kits: list[Kit]
    items: list[Item]
    points: list[Site]


class ProgrammeService(Service):
    @query
    async def get(self, programme_id: UUID) -> Programme:
        self.require(MANAGE_PROGRAMMES)
        programme = await self.session.get(Programme, programme_id)
        if programme is None:
            raise NotFound(_("This programme does not exist."))
        return programme

    async def save(self, programme_id: UUID | None, data: ProgrammeInput) -> Programme:
        """Create (no id) or change a programme. Vouchers already issued keep what they entitled to."""
        self.require(MANAGE_PROGRAMMES)
        code = data.code.strip().upper()
        if not code or not code.replace("-", "").replace("_", "").isalnum():
            raise DomainError(_("The code is letters and digits, e.g. FEPZ."), "code")
        if not data.name.strip():
            raise DomainError(_("Name the programme."), "name")
        if data.cycle not in set(Cycle) or data.rule not in set(Rule):
            raise DomainError(_("This option is not available."), "cycle")
        if not LOWEST_PERCENT <= data.income_percent <= HIGHEST_PERCENT:
            raise DomainError(
                _(
                    "The income limit is from %(low)s to %(high)s %% of the criterion.",
                    low=format_number(LOWEST_PERCENT),
                    high=format_number(HIGHEST_PERCENT),
                ),
                "income_percent",
            )
        if not data.lines:
            raise DomainError(_("Add at least one kit or item the voucher entitles to."), "lines")
        existing = await self.get(programme_id) if programme_id else None
        if data.valid_until is not None and data.valid_until != (existing.valid_until if existing else None):
            earliest, latest = last_day_window(local_today())
            if not earliest <= data.valid_until <= latest:
                raise DomainError(
                    _(
                        "The last day is from today to %(latest)s: vouchers ending earlier would already be expired.",
                        latest=format_date(latest),
                    ),
                    "valid_until",
                )
        clash = await self.session.scalar(select(Programme.id).where(Programme.code == code))
        if clash is not None and clash != programme_id:
            raise DomainError(_("Another programme has this code."), "code")
        lines = []
        for position, line in enumerate(data.lines):
            kind, _sep, raw = line.goods.partition(":")
            try:
                goods_id = UUID(raw)
            except ValueError as error:
                raise DomainError(_("Choose a kit or an item."), "lines") from error
            goods = await self.session.get(Kit if kind == "kit" else Item, goods_id)
            if kind not in {"kit", "item"} or goods is None:
                raise DomainError(_("Choose a kit or an item."), "lines")
            if not line.quantity.is_finite() or line.quantity <= 0:
                raise DomainError(_("The quantity must be more than zero."), "lines")
            whole = isinstance(goods, Kit) or (isinstance(goods, Item) and counted(goods))
            if whole and line.quantity != line.quantity.to_integral_value():
                raise DomainError(_("Kits, pieces and packs are counted in whole numbers."), "lines")
            lines.append(
                ProgrammeLine(
                    position=position,
                    kit_id=goods_id if kind == "kit" else None,
                    item_id=goods_id if kind == "item" else None,
                    quantity=line.quantity,
                    per_person=line.per_person,
                )
            )
        for point_id in data.point_ids:
            site = await self.session.get(Site, point_id)
            if site is None or SiteKind.DISTRIBUTION_POINT not in site.kinds:
                raise DomainError(_("This distribution point does not exist."), "points")
        programme = existing or Programme(lines=[], point_rows=[])
        programme.code, programme.name, programme.cycle, programme.rule = code, data.name.strip(), data.cycle, data.rule
        programme.income_percent, programme.valid_days = data.income_percent, data.valid_days
        programme.valid_until, programme.is_active = data.valid_until, data.is_active
        programme.lines = lines
        programme.point_rows = [ProgrammePoint(site_id=point_id) for point_id in dict.fromkeys(data.point_ids)]
        try:
            async with self.session.begin_nested():
                self.session.add(programme)
                await self.session.flush()
        except IntegrityError as error:  # the same code saved a moment ago by someone else (the unique index)
            raise DomainError(_("Another programme has this code."), "code") from error
        await audit.record(self.session, self.actor, "programme.save", "programme", programme.id, ["lines"])
        return programme

    @query
    async def form_options(self) -> FormOptions:
        self.require(MANAGE_PROGRAMMES)
        kits = await self.session.scalars(select(Kit).where(Kit.is_active.is_(True)).order_by(Kit.name))
        items = await self.session.scalars(select(Item).where(Item.is_active.is_(True)).order_by(Item.name))
        points = await self.session.scalars(
            select(Site)
            .join(SiteKindRow, SiteKindRow.site_id == Site.id)
            .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
            .order_by(Site.name)
        )
        return FormOptions(list(kits), list(items), list(points))
