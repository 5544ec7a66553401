"""Programmes, kept by administrators and coordinators: what a voucher entitles to — kits and items, optionally per
person (goods), or an amount in zł per household, per person or set by the case worker within a maximum, spent on
the programme's categories (value) — where it is redeemed (distribution points) or spent (partner shops), its
cycle and validity, and who is eligible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import format_date, format_money, format_number, local_today
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.models import Item, Kit, Unit
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers import grants
from logistics.vouchers.models import (
    AmountBasis,
    Cycle,
    Programme,
    ProgrammeCategory,
    ProgrammeKind,
    ProgrammeLine,
    ProgrammePoint,
    Rule,
    Voucher,
)
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
    #: Distribution points (goods) or partner shops (value); none: every one of them.
    point_ids: list[UUID] = field(default_factory=list)
    kind: str = ProgrammeKind.GOODS
    #: A value programme's amount in zł (per household, per person, or the most a case worker may set).
    amount: Decimal | None = None
    amount_basis: str = AmountBasis.HOUSEHOLD
    #: A value programme's spending categories (codes of `grants.categories()`).
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FormOptions:
    """What the programme form offers: active kits and items, the distribution points and the partner shops."""

    kits: list[Kit]
    items: list[Item]
    points: list[Site]
    shops: list[Site] = field(default_factory=list)


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
        if data.kind not in set(ProgrammeKind):
            raise DomainError(_("This option is not available."), "kind")
        value = data.kind == ProgrammeKind.VALUE
        if value:
            self._check_value(data)
        else:
            if data.amount is not None:
                raise DomainError(
                    _("A goods programme has no amount: leave it empty, or make it a value programme."), "amount"
                )
            if data.categories:
                raise DomainError(
                    _("A goods programme has no spending categories: untick them, or make it a value programme."),
                    "categories",
                )
            if not data.lines:
                raise DomainError(_("Add at least one kit or item the voucher entitles to."), "lines")
        existing = await self.get(programme_id) if programme_id else None
        if existing is not None and existing.kind != data.kind:
            issued = await self.session.scalar(select(Voucher.id).where(Voucher.programme_id == existing.id).limit(1))
            if issued is not None:
                raise DomainError(
                    _("Vouchers of this programme have been issued: its kind (goods or value) can no longer change."),
                    "kind",
                )
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
            if value and (site is None or SiteKind.SHOP not in site.kinds):
                raise DomainError(_("This partner shop does not exist."), "shops")
            if not value and (site is None or SiteKind.DISTRIBUTION_POINT not in site.kinds):
                raise DomainError(_("This distribution point does not exist."), "points")
        programme = existing or Programme(lines=[], point_rows=[], category_rows=[])
        programme.code, programme.name, programme.cycle, programme.rule = code, data.name.strip(), data.cycle, data.rule
        programme.income_percent, programme.valid_days = data.income_percent, data.valid_days
        programme.valid_until, programme.is_active = data.valid_until, data.is_active
        programme.kind = data.kind
        programme.amount = data.amount if value else None
        programme.amount_basis = data.amount_basis if value else AmountBasis.HOUSEHOLD
        programme.lines = lines
        # Rows kept when still chosen, so an edit never inserts a (programme, site) or (programme, category) pair
        # before deleting the same one (the unique constraints).
        points = list(dict.fromkeys(data.point_ids))
        programme.point_rows = [row for row in programme.point_rows if row.site_id in points] + [
            ProgrammePoint(site_id=point_id) for point_id in points if point_id not in programme.point_ids
        ]
        chosen = list(dict.fromkeys(data.categories)) if value else []
        programme.category_rows = [row for row in programme.category_rows if row.category in chosen] + [
            ProgrammeCategory(category=code) for code in chosen if code not in programme.categories
        ]
        try:
            async with self.session.begin_nested():
                self.session.add(programme)
                await self.session.flush()
        except IntegrityError as error:  # the same code saved a moment ago by someone else (the unique index)
            raise DomainError(_("Another programme has this code."), "code") from error
        await audit.record(self.session, self.actor, "programme.save", "programme", programme.id, ["lines"])
        return programme

    @staticmethod
    def _check_value(data: ProgrammeInput) -> None:
        """A value programme: an amount in zł, how it is set, at least one configured category, and no goods."""
        if data.amount is None:
            raise DomainError(_("Enter the amount in zł."), "amount")
        if not data.amount.is_finite() or data.amount != data.amount.quantize(Decimal("0.01")):
            raise DomainError(_("Enter the amount in zł with at most two decimal places."), "amount")
        if not Decimal("0.01") <= data.amount <= grants.MAX_AMOUNT:
            raise DomainError(
                _(
                    "The amount is from %(least)s to %(most)s.",
                    least=format_money(Decimal("0.01")),
                    most=format_money(grants.MAX_AMOUNT),
                ),
                "amount",
            )
        if data.amount_basis not in set(AmountBasis):
            raise DomainError(_("This option is not available."), "amount_basis")
        if not data.categories:
            raise DomainError(_("Choose at least one category the voucher may be spent on."), "categories")
        configured = {code for code, _label in grants.categories()}
        if any(code not in configured for code in data.categories):
            raise DomainError(_("This option is not available."), "categories")
        if data.lines:
            raise DomainError(
                _(
                    "A value programme holds an amount, not goods: remove the kits and items, or make it a goods "
                    "programme."
                ),
                "lines",
            )

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
        shops = await self.session.scalars(
            select(Site)
            .join(SiteKindRow, SiteKindRow.site_id == Site.id)
            .where(SiteKindRow.kind == SiteKind.SHOP)
            .order_by(Site.name)
        )
        return FormOptions(list(kits), list(items), list(points), list(shops))
