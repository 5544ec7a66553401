"""Settlement with the partner shops: per shop and month, the spends on value vouchers and the total to pay; a
closed month is frozen (its spends can no longer be undone).

A month is the shop's local month (the centre's time zone, LOGISTICS_TIMEZONE): a purchase at 00:30 on 1 December
in Warsaw is December's, although it was still 30 November in UTC. The total to pay is the exact sum of the spends
not undone, in whole grosze (`Money`), never a float. Closing a month takes the shop's row lock (`lock_shop`) and
keeps its total and count (`SettlementMonth`); an undo of one of its spends takes the same lock and then refuses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

from logistics import codes
from logistics.accounts.models import User
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import day_start, format_date, format_datetime, format_money, local_time, local_today
from logistics.core.i18n import gettext as _
from logistics.core.policy import can
from logistics.core.roles import Role
from logistics.core.service import Service, query
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.grants import category_label
from logistics.vouchers.models import DeviceToken, SettlementMonth, Spend, Voucher
from logistics.vouchers.policy import CLOSE_SETTLEMENT, SETTLEMENT

ZERO = Decimal("0.00")
#: The years a month may name (a typo like 20026-11 is refused, not looked up).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def masked_code(code: str) -> str:
    """A voucher's code with all but its last group hidden ("••••-••••-••••-XS7S-T")."""
    groups = codes.format_code(code).split("-")
    return "-".join(["••••"] * (len(groups) - 2) + groups[-2:])


def month_of(at: datetime) -> str:
    """The settlement month of a moment: its month in the centre's time zone ("2026-12")."""
    return local_time(at).strftime("%Y-%m")


async def lock_shop(session: AsyncSession, shop_id: UUID, share: bool = False) -> None:
    """Lock the shop's row until the transaction ends (PostgreSQL; SQLite's writers never overlap): closing a month
    takes it exclusively, an undo too, and a spend shared (`share`: tills do not wait for each other), so neither an
    undo nor a purchase slips in under a month being closed."""
    await session.execute(select(Site.id).where(Site.id == shop_id).with_for_update(read=share))


async def month_closed(session: AsyncSession, shop_id: UUID, at: datetime) -> bool:
    """Whether the shop's settlement month of `at` is closed (call after `lock_shop` when about to change it)."""
    found = await session.scalar(
        select(SettlementMonth.id).where(SettlementMonth.shop_id == shop_id, SettlementMonth.month == month_of(at))
    )
    return found is not None


# --- months ---------------------------------------------------------------------------------------------------


def parse_month(value: str | None, field: str = "month") -> str:
    """A month as "YYYY-MM" (nothing else: not "11.2026", not "2026-1"); DomainError on `field` otherwise."""
    text = (value or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match:
        raise DomainError(_("Enter the month as YYYY-MM, e.g. 2026-11."), field)
    year, month = int(match[1]), int(match[2])
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise DomainError(_("Choose a year from %(low)s to %(high)s.", low=EARLIEST_YEAR, high=LATEST_YEAR), field)
    if not 1 <= month <= 12:
        raise DomainError(_("Choose a month from 01 to 12."), field)
    return text


def first_day(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1)


def next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The moments the month starts and ends (local midnights of its first day and of the next month's)."""
    return day_start(first_day(month)), day_start(first_day(next_month(month)))


def month_label(month: str) -> str:
    """ "listopad 2026" (the month's name in the user's language)."""
    return format_date(first_day(month), "LLLL yyyy")


def current_month() -> str:
    return local_today().strftime("%Y-%m")


# --- what the pages, documents and the command show -----------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """One shop's month on the settlements page."""

    shop_id: UUID
    shop: str
    month: str
    spends: int
    total: Decimal
    undone: int
    closed: SettlementMonth | None

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True)
class StatementLine:
    spend_id: UUID
    code: str  # formatted, "ABCD-EFGH-..."
    at: datetime  # in the centre's time zone
    amount: Decimal
    category: str
    category_label: str
    till: str
    undone_at: datetime | None
    undone_by: str


@dataclass(frozen=True)
class Statement:
    """A shop's month: its spends (undone ones listed, never counted), the total to pay and whether it is closed."""

    shop: Site
    month: str
    lines: list[StatementLine]
    total: Decimal  # the live sum of the spends not undone
    count: int
    closed: SettlementMonth | None
    ended: bool  # the month is over (it may be closed)

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def kept(self) -> list[StatementLine]:
        return [line for line in self.lines if line.undone_at is None]

    @property
    def undone(self) -> list[StatementLine]:
        return [line for line in self.lines if line.undone_at is not None]

    @property
    def frozen_total(self) -> Decimal | None:
        return self.closed.total if self.closed else None

    @property
    def differs(self) -> bool:
        """A closed month whose spends no longer add up to the total frozen when it was closed (must not happen:
        the undo of a closed month's spend is refused — but if it ever does, both figures are shown)."""
        return self.closed is not None and (self.closed.total != self.total or self.closed.spends != self.count)

    @property
    def to_pay(self) -> Decimal:
        """What the centre pays: the frozen total of a closed month, else the live (provisional) one."""
        return self.closed.total if self.closed else self.total

    @property
    def status(self) -> str:
        if self.closed:
            return _(
                "Closed on %(when)s by %(who)s",
                when=format_datetime(self.closed.closed_at),
                who=self.closed.closed_by,
            )
        return _("Not closed yet — provisional")

    @property
    def slug(self) -> str:
        ascii_name = unicodedata.normalize("NFKD", self.shop.name.replace("ł", "l").replace("Ł", "L"))
        name = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name.encode("ascii", "ignore").decode()).strip("-").lower()
        name = name or "shop"
        return f"settlement_{name}_{self.month}"


def _kept() -> ColumnElement[bool]:
    return Spend.undone_at.is_(None)


class SettlementService(Service):
    """Coordinators and administrators settle every partner shop's months; a shop's staff see their own shop's
    statements only (another shop's is not found)."""

    @query
    async def shops(self) -> list[Site]:
        """The partner shops whose settlement the actor may see, by name (inactive ones too: a past shop's months
        are still settled)."""
        self.require(SETTLEMENT)
        found = await self.session.scalars(
            select(Site)
            .join(SiteKindRow, SiteKindRow.site_id == Site.id)
            .where(SiteKindRow.kind == SiteKind.SHOP)
            .order_by(Site.name)
        )
        return [site for site in found if can(self.actor, SETTLEMENT, site)]

    async def _shop(self, shop_id: UUID) -> Site:
        """A shop the actor may see; anything else — not a shop, another shop's for its staff — is not found."""
        self.require(SETTLEMENT)
        shop = await self.session.get(Site, shop_id)
        if shop is None or SiteKind.SHOP not in shop.kinds or not self.can(SETTLEMENT, shop):
            raise NotFound(_("This partner shop does not exist."))
        return shop

    @query
    async def shop(self, shop_id: UUID) -> Site:
        return await self._shop(shop_id)

    @query
    async def months(self, shop_id: UUID | None = None) -> list[MonthRow]:
        """Per shop and month that has spends (or is closed), newest first: the spends not undone, their total and
        the undone ones, and the closing if it is closed. One grouped statement for the spends, one for the closed
        months (and one for the range of months): the same three statements for one shop or a hundred."""
        shops = [await self._shop(shop_id)] if shop_id else await self.shops()
        names = {shop.id: shop.name for shop in shops}
        if not names:
            return []
        ids = list(names)
        rows: dict[tuple[UUID, str], MonthRow] = {}
        earliest, latest = (
            await self.session.execute(select(func.min(Spend.at), func.max(Spend.at)).where(Spend.shop_id.in_(ids)))
        ).one()
        if earliest is not None and latest is not None:
            # The local month of each spend as a CASE over the months' local starts: exact in any time zone on
            # SQLite (which has none) and PostgreSQL alike.
            months, month = [], month_of(earliest)
            while month <= month_of(latest):
                months.append(month)
                month = next_month(month)
            month_expr: Any = (
                case(
                    *((Spend.at < month_bounds(month)[1], literal(month)) for month in months[:-1]),
                    else_=literal(months[-1]),
                )
                if len(months) > 1
                else literal(months[0])
            )
            inner = (
                select(
                    Spend.shop_id.label("shop_id"),
                    month_expr.label("month"),
                    case((_kept(), Spend.amount), else_=None).label("amount"),
                    case((_kept(), 1), else_=0).label("kept"),
                )
                .where(Spend.shop_id.in_(ids))
                .subquery()
            )
            grouped = await self.session.execute(
                select(
                    inner.c.shop_id,
                    inner.c.month,
                    func.sum(inner.c.amount),
                    func.sum(inner.c.kept),
                    func.count(),
                ).group_by(inner.c.shop_id, inner.c.month)
            )
            found_rows: list[Any] = list(grouped.all())
            for shop_id_, month_, total, kept_, every in found_rows:
                kept = int(kept_ or 0)
                rows[(shop_id_, month_)] = MonthRow(
                    shop_id_,
                    names[shop_id_],
                    month_,
                    kept,
                    total if total is not None else ZERO,
                    int(every) - kept,
                    None,
                )
        for closed in await self.session.scalars(select(SettlementMonth).where(SettlementMonth.shop_id.in_(ids))):
            key = (closed.shop_id, closed.month)
            found = rows.get(key)
            rows[key] = (
                MonthRow(found.shop_id, found.shop, found.month, found.spends, found.total, found.undone, closed)
                if found
                else MonthRow(closed.shop_id, names[closed.shop_id], closed.month, 0, ZERO, 0, closed)
            )
        return sorted(rows.values(), key=lambda row: (_descending(row.month), row.shop, str(row.shop_id)))

    @query
    async def statement(self, shop_id: UUID, month: str) -> Statement:
        """A shop's month: every spend in it (oldest first, undone ones marked), the total to pay, the count and
        whether it is closed. A month that is not YYYY-MM is refused (on the field "month")."""
        month = parse_month(month)
        shop = await self._shop(shop_id)
        start, end = month_bounds(month)
        found = await self.session.execute(
            select(Spend, Voucher.code, DeviceToken.name, User.full_name)
            .join(Voucher, Voucher.id == Spend.voucher_id)
            .outerjoin(DeviceToken, DeviceToken.id == Spend.device_id)
            .outerjoin(User, User.username == Spend.user_name)
            .where(Spend.shop_id == shop.id, Spend.at >= start, Spend.at < end)
            .order_by(Spend.at, Spend.id)
        )
        # A code is what spends a voucher: a shop's own staff see only its last group (enough to match a receipt);
        # the centre's accounts see it whole.
        masked = self.actor.role == Role.SHOP
        lines = [
            StatementLine(
                spend.id,
                masked_code(code) if masked else codes.format_code(code),
                local_time(spend.at),
                spend.amount,
                spend.category,
                category_label(spend.category),
                device or full_name or spend.user_name,
                spend.undone_at,
                spend.undone_by,
            )
            for spend, code, device, full_name in found.all()
        ]
        kept = [line.amount for line in lines if line.undone_at is None]
        closed = await self.session.scalar(
            select(SettlementMonth).where(SettlementMonth.shop_id == shop.id, SettlementMonth.month == month)
        )
        return Statement(shop, month, lines, sum(kept, start=ZERO), len(kept), closed, end <= datetime.now(UTC))

    async def close(
        self, shop_id: UUID, month: str, now: datetime | None = None, expected_total: Decimal | None = None
    ) -> SettlementMonth:
        """Close a shop's month that has ended: its total and count are kept as they are now and none of its
        spends can be undone any more. The current month (or a later one) is refused, and so is a second close."""
        self.require(CLOSE_SETTLEMENT)
        month = parse_month(month)
        shop = await self._shop(shop_id)
        self.require(CLOSE_SETTLEMENT, shop)
        now = now or datetime.now(UTC)
        start, end = month_bounds(month)
        if end > now:
            raise DomainError(
                _("%(month)s has not ended yet: only a month that is over can be closed.", month=month_label(month)),
                "month",
            )
        await lock_shop(self.session, shop.id)  # an undo of a spend at this shop waits until the month is closed
        existing = await self.session.scalar(
            select(SettlementMonth).where(SettlementMonth.shop_id == shop.id, SettlementMonth.month == month)
        )
        if existing is not None:
            raise _already_closed(existing)
        total, count = (
            await self.session.execute(
                select(func.sum(Spend.amount), func.count()).where(
                    Spend.shop_id == shop.id, Spend.at >= start, Spend.at < end, Spend.undone_at.is_(None)
                )
            )
        ).one()
        total = total if total is not None else ZERO
        if expected_total is not None and total != expected_total:
            raise DomainError(
                _(
                    "The total changed while the statement was open (now %(total)s): check it and close again.",
                    total=format_money(total),
                ),
                "month",
            )
        closed = SettlementMonth(
            shop_id=shop.id,
            month=month,
            closed_at=now,
            closed_by=self.actor.username,
            total=total,
            spends=int(count),
        )
        self.session.add(closed)
        try:
            await self.session.flush()
        except IntegrityError:  # closed a moment ago by someone else (only without the lock: never, normally)
            raise DomainError(_("This month has just been closed by someone else.")) from None
        await audit.record(self.session, self.actor, "settlement.close", "settlement_month", closed.id, ["total"])
        return closed


def _already_closed(existing: SettlementMonth) -> DomainError:
    error = DomainError(
        _(
            "%(month)s is already closed (on %(when)s by %(who)s).",
            month=month_label(existing.month),
            when=format_datetime(existing.closed_at),
            who=existing.closed_by,
        )
    )
    error.error = "already_closed"
    return error


def _descending(month: str) -> int:
    year, number = (int(part) for part in month.split("-"))
    return -(year * 12 + number)
