"""Scanning and redeeming vouchers at a distribution point.

`look_up` tells what a code is worth at a point (what to hand out, or why not). `redeem` hands goods out: it
queues on the point's lock, locks the voucher's row and looks for the client's request id (a retried or doubled
request finds the first redemption and returns it, changing nothing), raises the voucher lines' redeemed
quantities with one conditional UPDATE that cannot pass the entitled quantity (and a CHECK constraint behind it),
issues the stock from the point's location first-expiry-first-out, and records the redemption under the request
id (unique) — all in one transaction, so a refusal anywhere leaves nothing behind.

`redeem_offline` records what a scanning page handed out while the network was down (decided on the device from
its point's manifest, sent later with the scan's time): the goods have left, so it is always recorded — at the
scan's time, with the stock issued as of then — and, when the voucher could not give it at that moment (redeemed
meanwhile elsewhere, revoked, ...), recorded as a *conflict* for a coordinator to resolve: the part beyond what a
line still had is kept as the redemption line's `over_quantity`, never in the voucher line's `redeemed`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from logistics import codes
from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import day_start, format_date, format_datetime, local_time, local_today, ngettext
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.db import queue_on
from logistics.inventory.ledger import LedgerService, Shortage, number
from logistics.inventory.models import Item, Kit, Movement
from logistics.inventory.names import item_name, unit_name
from logistics.settings import get_settings
from logistics.sites.models import Site, SiteKind
from logistics.vouchers.issuing import CODE_LENGTH
from logistics.vouchers.models import (
    Conflict,
    Programme,
    ProgrammePoint,
    Redemption,
    RedemptionLine,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from logistics.vouchers.points import distribution_points
from logistics.vouchers.policy import REDEEM, UNDO_ANY
from logistics.vouchers.programmes import COUNTED_UNITS

UNDO_MINUTES = 5
QUANTITY_PLACES = 3  # what a quantity column keeps (Numeric(14, 3))
#: An offline scan's time may be this far ahead of the server's clock (a tablet's clock a little fast) ...
OFFLINE_AHEAD = timedelta(minutes=5)
#: ... and this much older than the offline session a page may keep (`offline_hours`): a queue sent the next day.
OFFLINE_GRACE = timedelta(hours=24)


class Refusal(DomainError):
    """Why a voucher cannot be redeemed here and now; `error` is the machine-readable reason."""

    def __init__(
        self,
        error: str,
        message: str,
        status_code: int,
        details: dict[str, Any] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, field)
        self.error = error
        self.status_code = status_code
        self.details = details or {}


@dataclass(frozen=True)
class LineState:
    line_id: UUID
    goods_id: UUID  # the item or kit
    name: str
    unit: str
    is_kit: bool
    entitled: Decimal
    redeemed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.entitled - self.redeemed

    @property
    def whole(self) -> bool:
        """Handed out in whole numbers: a kit, or an item counted in pieces or packs."""
        return self.is_kit or self.unit in COUNTED_UNITS

    @property
    def unit_label(self) -> str:
        """The unit as the reader's language writes it ("szt" → "шт", "pcs"); a kit's is already in words."""
        return self.unit if self.is_kit else unit_name(self.unit)


@dataclass(frozen=True)
class VoucherView:
    """A voucher as the scanning volunteer sees it: no more personal data than a first name and initial."""

    code: str
    programme: str
    holder: str
    household_size: int
    valid_from: date
    valid_until: date
    status: str
    lines: list[LineState] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    redemption: Redemption
    voucher: VoucherView
    created: bool  # False: the same request came again; nothing changed

    def handed_out(self) -> list[tuple[UUID, Decimal]]:
        goods = {line.line_id: line.goods_id for line in self.voucher.lines}
        return [(goods[line.voucher_line_id], line.quantity) for line in self.redemption.lines]


async def find_voucher(session: AsyncSession, code_text: str, lock: bool = False) -> Voucher:
    """The voucher of a typed or scanned code, with its lines; a malformed or unknown code is refused. With `lock`
    (redeeming, spending) its row stays locked until the transaction ends (PostgreSQL; SQLite's write transactions
    never overlap): a second scanner, a double tap or a retry racing its original waits for the first one, then
    reads what it did."""
    if not codes.is_well_formed(code_text, CODE_LENGTH):
        raise Refusal("malformed_code", _("This is not a valid voucher code: check it and type it again."), 422)
    # Read afresh even when this session has it (with its lines): a refused redemption rolled back its savepoint.
    query = select(Voucher).where(Voucher.code == codes.normalize(code_text)).execution_options(populate_existing=True)
    voucher = await session.scalar(query.with_for_update(of=Voucher) if lock else query)
    if voucher is None:
        raise Refusal("unknown_code", _("There is no voucher with this code."), 404)
    return voucher


class RedemptionService(Service):
    def __init__(self, session: AsyncSession, actor: Actor, device_id: UUID | None = None) -> None:
        super().__init__(session, actor)
        self.device_id = device_id

    @query
    async def points(self) -> list[Site]:
        """The active distribution points where the user hands out goods."""
        self.require(REDEEM)
        return await distribution_points(self.session, self.actor, REDEEM, active_only=True)

    @query
    async def point(self, point_id: UUID) -> Site:
        """A distribution point the user (or device) hands out goods at; another point is refused (404)."""
        self.require(REDEEM)
        site = await self.session.get(Site, point_id)
        if site is None or SiteKind.DISTRIBUTION_POINT not in site.kinds or not self.can(REDEEM, site):
            raise NotFound(_("This distribution point does not exist or is not one of yours."))
        return site

    async def _voucher(self, code_text: str, lock: bool = False) -> Voucher:
        return await find_voucher(self.session, code_text, lock)

    async def _programme(self, voucher: Voucher) -> tuple[str, set[UUID]]:
        """The programme's name and the points it is valid at (none: every point)."""
        rows = (
            await self.session.execute(
                select(Programme.name, ProgrammePoint.site_id)
                .outerjoin(ProgrammePoint, ProgrammePoint.programme_id == Programme.id)
                .where(Programme.id == voucher.programme_id)
            )
        ).all()
        return (rows[0][0] if rows else ""), {site_id for _name, site_id in rows if site_id is not None}

    async def _goods(self, lines: list[VoucherLine]) -> dict[UUID, tuple[str, str, bool]]:
        """Name, unit and whether it is a kit, of the goods the lines entitle to."""
        goods: dict[UUID, tuple[str, str, bool]] = {}
        item_ids = [line.item_id for line in lines if line.item_id]
        kit_ids = [line.kit_id for line in lines if line.kit_id]
        if item_ids:
            items = await self.session.execute(
                select(Item.id, Item.name, Item.name_en, Item.name_uk, Item.unit).where(Item.id.in_(item_ids))
            )
            goods.update(
                (item_id, (item_name(name, name_en, name_uk), unit, False))
                for item_id, name, name_en, name_uk, unit in items.all()
            )
        if kit_ids:
            kits = await self.session.execute(select(Kit.id, Kit.name).where(Kit.id.in_(kit_ids)))
            goods.update((kit_id, (name, _("kit"), True)) for kit_id, name in kits.all())
        return goods

    @query
    async def view(
        self, voucher: Voucher, programme: str | None = None, goods: dict[UUID, tuple[str, str, bool]] | None = None
    ) -> VoucherView:
        """The voucher and its lines as loaded (or changed) in this transaction (`programme` and `goods`: as read
        already by the caller)."""
        if programme is None:
            programme, _points = await self._programme(voucher)
        goods = goods or await self._goods(voucher.lines)
        return VoucherView(
            codes.format_code(voucher.code),
            programme,
            voucher.holder,
            voucher.household_size,
            voucher.valid_from,
            voucher.valid_until,
            voucher.status,
            [
                LineState(line.id, line.goods_id, *goods[line.goods_id], line.entitled, line.redeemed)
                for line in voucher.lines
            ],
        )

    @staticmethod
    def _goods_only(voucher: Voucher) -> None:
        """A value voucher (a grant in złoty) is spent at a partner shop's till, never redeemed for goods."""
        if voucher.is_value:
            raise Refusal(
                "value_voucher",
                _("This is a grant voucher for partner shops: it cannot be redeemed for goods here."),
                409,
            )

    async def _check(self, voucher: Voucher, point: Site, today: date) -> str:
        """Refuse a voucher that cannot be redeemed at this point today, saying why; returns the programme's name."""
        self._goods_only(voucher)
        if voucher.status == VoucherStatus.REVOKED:
            raise Refusal("revoked", _("This voucher was revoked; it no longer works."), 410)
        if voucher.status == VoucherStatus.EXPIRED or voucher.valid_until < today:
            raise Refusal("expired", _("This voucher expired on %(day)s.", day=format_date(voucher.valid_until)), 410)
        if voucher.valid_from > today:
            raise Refusal(
                "not_yet_valid",
                _("This voucher is valid from %(day)s.", day=format_date(voucher.valid_from)),
                409,
            )
        programme, point_ids = await self._programme(voucher)
        if point_ids and point.id not in point_ids:
            names = await self.session.scalars(select(Site.name).where(Site.id.in_(point_ids)).order_by(Site.name))
            raise Refusal(
                "wrong_point",
                _("This voucher is not valid at this point. It is valid at: %(points)s.", points=", ".join(names)),
                409,
            )
        if voucher.status == VoucherStatus.REDEEMED or all(line.remaining <= 0 for line in voucher.lines):
            last = await self.session.execute(
                select(Redemption.at, Site.name)
                .join(Site, Site.id == Redemption.point_id)
                .where(Redemption.voucher_id == voucher.id, Redemption.undone_at.is_(None))
                .order_by(Redemption.at.desc())
                .limit(1)
            )
            row = last.first()
            where = _("at %(point)s on %(when)s", point=row[1], when=format_datetime(row[0])) if row else ""
            raise Refusal(
                "already_redeemed",
                _("Already redeemed %(where)s.", where=where),
                409,
                {"point": row[1] if row else None, "at": row[0].isoformat() if row else None},
            )
        return programme

    async def look_up(self, code_text: str, point_id: UUID, today: date | None = None) -> VoucherView:
        """What the voucher gives at this point now; raises Refusal with the reason otherwise."""
        point = await self.point(point_id)
        voucher = await self._voucher(code_text)
        await audit.record(self.session, self.actor, "voucher.scan", "voucher", voucher.id)
        programme = await self._check(voucher, point, today or local_today())
        return await self.view(voucher, programme)

    async def redeem(
        self,
        code_text: str,
        point_id: UUID,
        request_id: str,
        wants: dict[UUID, Decimal] | None = None,
        today: date | None = None,
    ) -> Outcome:
        """Hand out `wants` (item or kit → quantity; everything remaining when None), at most once per request id.

        The point's lock is taken first, then the voucher's row, then the stock (see `_begin`): the redemptions at a
        point wait for each other in the order they came, not in a scramble for the balance rows they share."""
        request_id, point, voucher, earlier = await self._begin(code_text, point_id, request_id)
        if earlier is not None:
            return earlier
        today = today or local_today()
        programme = await self._check(voucher, point, today)
        goods = await self._goods(voucher.lines)
        whole = {goods_id for goods_id, (_name, unit, kit) in goods.items() if kit or unit in COUNTED_UNITS}
        plan = self._plan({line.goods_id: line for line in voucher.lines}, wants, whole)
        redemption = Redemption.for_voucher(
            voucher,
            request_id=request_id,
            point_id=point.id,
            at=datetime.now(UTC),
            user_name=self.actor.username,
            device_id=self.device_id,
            lines=[],
        )
        if not await self._count_all(plan):  # redeemed a moment ago by another scanner
            await self.session.refresh(voucher)
            await self._check(voucher, point, today)
            raise Refusal("over_remaining", _("More than remains on the voucher."), 422)
        redemption.lines = [RedemptionLine(voucher_line_id=line.id, quantity=quantity) for line, quantity in plan]
        if all(line.remaining <= 0 for line in voucher.lines):
            voucher.status = VoucherStatus.REDEEMED
        try:
            movement = await LedgerService(self.session, self.actor).hand_out(
                point.id,
                [(line.item_id, quantity) for line, quantity in plan if line.item_id],
                [(line.kit_id, int(quantity)) for line, quantity in plan if line.kit_id],
                codes.format_code(voucher.code),
            )
        except Shortage as shortage:
            raise Refusal(
                "not_enough_stock",
                shortage.message + " " + _("Hand out what there is: lower the quantities."),
                409,
                {"missing": [{"item": m.item, "missing": number(m.short)} for m in shortage.missing]},
            ) from shortage
        redemption.movement_id = movement.id
        self.session.add(redemption)
        await audit.record(self.session, self.actor, "voucher.redeem", "voucher", voucher.id, ["lines"])
        try:
            await self.session.flush()
        except IntegrityError as error:
            # The same request id, a moment ago, for another voucher: for this voucher the request would have
            # waited for the lock above and found the first redemption.
            if "request_id" not in str(error.orig):
                raise
            raise Refusal(
                "request_id_reused", _("This request id was already used for another voucher."), 422
            ) from error
        view = await self.view(voucher, programme, goods)
        return Outcome(redemption, view, True)

    async def _count_all(self, plan: list[tuple[VoucherLine, Decimal]]) -> bool:
        """Raise each planned line's redeemed quantity by its quantity, in one conditional UPDATE that passes no
        line's entitlement (a CHECK constraint behind it); False, and nothing changed, when a line had less left."""
        if not plan:
            return True
        added = case(*((VoucherLine.id == line.id, quantity) for line, quantity in plan))
        rows = (
            await self.session.execute(
                update(VoucherLine)
                .where(
                    VoucherLine.id.in_([line.id for line, _quantity in plan]),
                    VoucherLine.redeemed + added <= VoucherLine.entitled,
                )
                .values(redeemed=VoucherLine.redeemed + added)
                .returning(VoucherLine.id, VoucherLine.redeemed)
                .execution_options(synchronize_session=False)
            )
        ).all()
        if len(rows) < len(plan):
            return False  # the savepoint of the use case undoes the lines that were raised
        redeemed = dict(rows)
        for line, _quantity in plan:
            set_committed_value(line, "redeemed", redeemed[line.id])
        return True

    async def _begin(
        self, code_text: str, point_id: UUID, request_id: str
    ) -> tuple[str, Site, Voucher, Outcome | None]:
        """What every redemption starts with: the request id checked, the point, the voucher's row locked, and the
        redemption this request id already made (then nothing else is done)."""
        self.require(REDEEM)
        request_id = request_id.strip()
        if not 8 <= len(request_id) <= 64:
            raise Refusal("bad_request_id", _("The request id must have 8 to 64 characters."), 422)
        point = await self.point(point_id)
        await queue_on(self.session, point.id)  # the point first, then the voucher's row, then the stock
        voucher = await self._voucher(code_text, lock=True)
        earlier = await self._earlier(request_id, voucher)
        if earlier is None:
            self._goods_only(voucher)  # offline too: a value voucher is never in a point's manifest
        return request_id, point, voucher, earlier

    async def redeem_offline(
        self,
        code_text: str,
        point_id: UUID,
        request_id: str,
        wants: dict[UUID, Decimal],
        offline_at: datetime,
        now: datetime | None = None,
    ) -> Outcome:
        """Record what a scanning page handed out offline at `offline_at` (item or kit → quantity), at most once per
        request id. The goods have left: it is recorded whatever the voucher says now — as a conflict when the
        voucher could not give it at that moment — and the stock is issued from the point, first-expiry-first-out
        as of `offline_at` and dated then (unless the ledger has too little: a `not_enough_stock` conflict).

        As `redeem`: the voucher's row is locked first, so two devices syncing the same voucher at once are one
        after the other — the first counts on the voucher's lines, the second finds them taken (a conflict)."""
        request_id, point, voucher, earlier = await self._begin(code_text, point_id, request_id)
        if earlier is not None:
            return earlier
        now = now or datetime.now(UTC)
        if offline_at.tzinfo is None:
            raise Refusal(
                "bad_offline_at", _("The time of the offline scan needs its time zone (e.g. 2026-12-02T10:15Z)."), 422
            )
        # A hand-out is never lost for its time: a device whose clock ran ahead is recorded as of now, a queue sent
        # long after the outage at its scan's time — both for a coordinator to look at.
        clock = ""
        if offline_at > now + OFFLINE_AHEAD:
            offline_at, clock = now, Conflict.CLOCK
        elif offline_at < now - timedelta(hours=get_settings().offline_hours) - OFFLINE_GRACE:
            clock = Conflict.LATE
        offline_at = offline_at.astimezone(UTC)
        if not wants:
            raise Refusal("nothing_to_hand_out", _("Choose at least one thing to hand out."), 422)
        goods = await self._goods(voucher.lines)
        whole = {goods_id for goods_id, (_name, unit, kit) in goods.items() if kit or unit in COUNTED_UNITS}
        plan = self._plan({line.goods_id: line for line in voucher.lines}, wants, whole, offline=True)
        conflict, programme = await self._conflict(voucher, point, local_time(offline_at).date())
        redemption = Redemption.for_voucher(
            voucher,
            request_id=request_id,
            point_id=point.id,
            at=offline_at,
            offline_received_at=now,
            user_name=self.actor.username,
            device_id=self.device_id,
            lines=[],
        )
        counted_any = over_any = False
        for line, quantity in plan:
            counted = await self._count(line, quantity)
            counted_any, over_any = counted_any or counted > 0, over_any or counted < quantity
            redemption.lines.append(
                RedemptionLine(voucher_line_id=line.id, quantity=quantity, over_quantity=quantity - counted)
            )
        if not conflict and over_any:
            conflict = Conflict.OVER_REMAINING if counted_any else Conflict.ALREADY_REDEEMED
        conflict = conflict or clock
        if voucher.status == VoucherStatus.ISSUED and all(line.remaining <= 0 for line in voucher.lines):
            voucher.status = VoucherStatus.REDEEMED
        redemption.conflict = conflict
        self.session.add(redemption)
        await audit.record(self.session, self.actor, "voucher.redeem_offline", "voucher", voucher.id, ["lines"])
        try:
            await self.session.flush()
        except IntegrityError as error:  # as in `redeem`
            if "request_id" not in str(error.orig):
                raise
            raise Refusal(
                "request_id_reused", _("This request id was already used for another voucher."), 422
            ) from error
        view = await self.view(voucher, programme, goods)
        ledger = LedgerService(self.session, self.actor, as_of=offline_at)
        items = [(line.item_id, quantity) for line, quantity in plan if line.item_id]
        kits = [(line.kit_id, int(quantity)) for line, quantity in plan if line.kit_id]
        try:
            movement: Movement | None = await ledger.hand_out(point.id, items, kits, codes.format_code(voucher.code))
        except Shortage as shortage:
            # The ledger says the shelves had less (it cannot go below zero): what it has is issued, the rest is for
            # a coordinator to explain (a stock count), with the conflict saying so.
            redemption.conflict = conflict or Conflict.NOT_ENOUGH_STOCK
            totals: dict[UUID, Decimal] = defaultdict(Decimal)
            for item_id, quantity in items + await ledger.kit_items(kits):
                totals[item_id] += quantity
            for missing in shortage.missing:
                totals[missing.item_id] = missing.available
            there = [(item_id, quantity) for item_id, quantity in totals.items() if quantity > 0]
            movement = await ledger.hand_out(point.id, there, [], codes.format_code(voucher.code)) if there else None
        redemption.movement_id = movement.id if movement else None
        return Outcome(redemption, view, True)

    async def _conflict(self, voucher: Voucher, point: Site, day: date) -> tuple[str, str]:
        """Why the voucher could not be redeemed at this point on `day` whatever its lines ("" when it could), and
        the programme's name."""
        programme, point_ids = await self._programme(voucher)
        if voucher.status == VoucherStatus.REVOKED:
            return Conflict.REVOKED, programme
        if voucher.valid_until < day:
            return Conflict.EXPIRED, programme
        if voucher.valid_from > day:
            return Conflict.NOT_YET_VALID, programme
        if point_ids and point.id not in point_ids:
            return Conflict.WRONG_POINT, programme
        return "", programme

    async def _count(self, line: VoucherLine, quantity: Decimal) -> Decimal:
        """Raise the line's redeemed quantity by as much of `quantity` as it still has (the voucher's row is
        locked: the line read is the line as it is); returns that part."""
        counted = min(quantity, max(line.remaining, Decimal(0)))
        if counted <= 0:
            return Decimal(0)
        redeemed = await self.session.scalar(
            update(VoucherLine)
            .where(VoucherLine.id == line.id, VoucherLine.redeemed == line.redeemed)
            .where(VoucherLine.redeemed + counted <= VoucherLine.entitled)
            .values(redeemed=VoucherLine.redeemed + counted)
            .returning(VoucherLine.redeemed)
            .execution_options(synchronize_session=False)
        )
        if redeemed is None:  # cannot happen under the voucher's lock; should it, count nothing rather than fail
            return Decimal(0)
        set_committed_value(line, "redeemed", redeemed)
        return counted

    @staticmethod
    def _plan(
        lines: dict[UUID, VoucherLine], wants: dict[UUID, Decimal] | None, whole: set[UUID], offline: bool = False
    ) -> list[tuple[VoucherLine, Decimal]]:
        """What to hand out: `wants` checked against the lines (`whole`: the goods counted in whole units); an
        offline hand-out (already done) is not held to what remains now."""
        if wants is None:
            plan = [(line, line.remaining) for line in lines.values() if line.remaining > 0]
            if not plan:
                raise Refusal("nothing_to_hand_out", _("Choose at least one thing to hand out."), 422)
            return plan
        plan = []
        for goods_id, quantity in wants.items():
            line = lines.get(goods_id)
            if line is None:
                raise Refusal("not_on_voucher", _("The voucher does not entitle to this item."), 422)
            if not quantity.is_finite() or quantity < 0:
                raise Refusal("bad_quantity", _("The quantity cannot be negative."), 422)
            if offline and quantity > line.entitled:  # handed out already, but never more than it ever gave
                raise Refusal(
                    "over_remaining",
                    _("More than the voucher entitles to (%(n)s).", n=number(line.entitled)),
                    422,
                )
            if quantity > line.remaining and not offline:
                raise Refusal(
                    "over_remaining",
                    _("More than remains on the voucher (%(n)s).", n=number(line.remaining)),
                    422,
                )
            if line.kit_id and quantity != quantity.to_integral_value():
                raise Refusal("bad_quantity", _("Kits are handed out whole."), 422)
            if goods_id in whole and quantity != quantity.to_integral_value():
                raise Refusal("bad_quantity", _("Pieces and packs are handed out in whole numbers."), 422)
            if quantity.normalize().as_tuple().exponent < -QUANTITY_PLACES:  # type: ignore[operator]
                raise Refusal(
                    "bad_quantity",
                    ngettext(
                        "Enter a number with at most %(num)s decimal place.",
                        "Enter a number with at most %(num)s decimal places.",
                        QUANTITY_PLACES,
                    ),
                    422,
                )
            if quantity > 0:
                plan.append((line, quantity))
        if not plan:
            raise Refusal("nothing_to_hand_out", _("Choose at least one thing to hand out."), 422)
        return plan

    @query
    async def replayed(self, code_text: str, point_id: UUID, request_id: str) -> Outcome | None:
        """The redemption this request id already made (a double tap or a retry of the same confirmation), or
        None: the page shows it again as it was — or as undone — instead of checking the voucher anew."""
        self.require(REDEEM)
        request_id = request_id.strip()
        if not 8 <= len(request_id) <= 64:
            return None
        await self.point(point_id)
        return await self._earlier(request_id, await self._voucher(code_text))

    async def _earlier(self, request_id: str, voucher: Voucher) -> Outcome | None:
        earlier = await self.session.scalar(select(Redemption).where(Redemption.request_id == request_id))
        if earlier is None:
            return None
        if earlier.voucher_id != voucher.id:
            raise Refusal("request_id_reused", _("This request id was already used for another voucher."), 422)
        return Outcome(earlier, await self.view(voucher), False)

    # --- undo and the day's count ---------------------------------------------------------------------------

    async def undo(self, redemption_id: UUID, now: datetime | None = None) -> Redemption:
        """Within 5 minutes, by the one who redeemed or a coordinator: the goods go back, the voucher is whole."""
        self.require(REDEEM)
        redemption = await self.session.get(Redemption, redemption_id)
        if redemption is None or not self.can(REDEEM, redemption):
            raise NotFound(_("This redemption does not exist."))
        now = now or datetime.now(UTC)
        if not self.can(UNDO_ANY, redemption):
            if redemption.user_name != self.actor.username:
                raise DomainError(_("Only the one who handed it out or a coordinator can undo this."))
            if now - redemption.at > timedelta(minutes=UNDO_MINUTES):
                raise DomainError(_("It is too late to undo (more than 5 minutes): ask a coordinator."))
        # The voucher's row first, as a redemption takes it: its lines are then changed by one of them at a time
        # (two orders of taking the line rows could deadlock on PostgreSQL).
        await self.session.execute(select(Voucher.id).where(Voucher.id == redemption.voucher_id).with_for_update())
        # Another hand-out of this voucher went over it (an offline conflict): giving this one back would make the
        # voucher redeemable again while those goods are out. The conflict is resolved first (or undone itself).
        over = await self.session.scalar(
            select(Redemption.id)
            .join(RedemptionLine, RedemptionLine.redemption_id == Redemption.id)
            .where(
                Redemption.voucher_id == redemption.voucher_id,
                Redemption.id != redemption.id,
                Redemption.undone_at.is_(None),
                Redemption.conflict_resolved_at.is_(None),
                RedemptionLine.over_quantity > 0,
            )
            .limit(1)
        )
        if over is not None:
            raise DomainError(
                _("Another hand-out of this voucher is an unresolved offline conflict: resolve or undo it first.")
            )
        result = await self.session.execute(
            update(Redemption)
            .where(Redemption.id == redemption.id, Redemption.undone_at.is_(None))
            .values(undone_at=now, undone_by=self.actor.username)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This redemption has already been undone."))
        for line in redemption.lines:
            await self.session.execute(
                update(VoucherLine)
                .where(VoucherLine.id == line.voucher_line_id)
                .values(redeemed=VoucherLine.redeemed - line.counted)  # an over-redeemed part was never counted
                .execution_options(synchronize_session=False)
            )
        await self.session.execute(
            update(Voucher)
            .where(Voucher.id == redemption.voucher_id, Voucher.status == VoucherStatus.REDEEMED)
            .values(status=VoucherStatus.ISSUED)
            .execution_options(synchronize_session=False)
        )
        if redemption.movement_id:
            reversal = await LedgerService(self.session, self.actor).undo_hand_out(redemption.movement_id, "undo")
            redemption.undo_movement_id = reversal.id
        await audit.record(self.session, self.actor, "voucher.undo", "voucher", redemption.voucher_id, ["redemption"])
        await self.session.refresh(redemption)
        return redemption

    @query
    async def today_count(self, point_id: UUID, today: date | None = None) -> int:
        day = today or local_today()
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Redemption)
                .where(
                    Redemption.point_id == point_id,
                    Redemption.undone_at.is_(None),
                    Redemption.at >= day_start(day),
                    Redemption.at < day_start(day + timedelta(days=1)),
                )
            )
            or 0
        )
