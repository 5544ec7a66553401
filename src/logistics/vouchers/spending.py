"""Spending value vouchers (grants for urgent needs, in złoty) at a partner shop's till.

`look_up` tells what a code holds at a shop (the balance and the categories it may be spent on, or why not).
`spend` takes an amount off it for a purchase of one category, at most once per request id: the voucher's row is
locked first (a second till, a double tap or a retry waits, then finds the first spend), the balance only goes down
through one conditional UPDATE that cannot pass zero (`spent + amount <= amount`, with the CHECK constraint
`spent_range` behind it), and the spend is recorded in the same transaction — a refusal anywhere leaves nothing.

`undo` gives a spend's amount back within `UNDO_MINUTES` (by the one who spent; a coordinator at any time) unless
the shop's settlement month of the spend is closed. Lock order, as everywhere: the voucher's row, then the shop's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from logistics import codes
from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import NotFound
from logistics.core.i18n import day_start, format_date, format_money, local_today
from logistics.core.i18n import gettext as _
from logistics.core.policy import can
from logistics.core.service import Service, query
from logistics.sites.models import Site, SiteKind
from logistics.vouchers import grants, settlement
from logistics.vouchers.models import Programme, Spend, Voucher, VoucherStatus
from logistics.vouchers.points import sites_of_kind
from logistics.vouchers.policy import REDEEM, SPEND, UNDO_ANY_SPEND
from logistics.vouchers.redeeming import UNDO_MINUTES, Refusal, find_voucher

#: A spend's amount: złoty with at most two decimals.
AMOUNT_PLACES = 2


@dataclass(frozen=True)
class ValueView:
    """A value voucher as the shop's staff see it: no more personal data than a first name and initial."""

    code: str
    programme: str
    holder: str
    amount: Decimal
    spent: Decimal
    valid_from: date
    valid_until: date
    status: str
    categories: list[tuple[str, str]] = field(default_factory=list)  # (code, label in the user's language)

    @property
    def balance(self) -> Decimal:
        return self.amount - self.spent


@dataclass(frozen=True)
class SpendOutcome:
    spend: Spend
    view: ValueView
    created: bool  # False: the same request came again; nothing changed


@dataclass(frozen=True)
class ShopToday:
    spends: int  # today's spends at the shop, not undone
    total: Decimal


async def shops_for(session: AsyncSession, actor: Actor, action: str, *, active_only: bool = True) -> list[Site]:
    """The partner shops where `actor` may do `action`, by name."""
    return await sites_of_kind(session, actor, action, SiteKind.SHOP, active_only=active_only)


def serves_as_till(site: Site, actor: Actor) -> bool:
    """Whether the scan page and the API serve this site as a partner shop's till for the actor: a shop — unless
    it is also a distribution point where the actor hands out goods. Whether the actor may take vouchers there is
    `SpendService.shop`'s to say (another shop's staff: 404)."""
    if SiteKind.SHOP not in site.kinds:
        return False
    return not (SiteKind.DISTRIBUTION_POINT in site.kinds and can(actor, REDEEM, site))


class SpendService(Service):
    def __init__(self, session: AsyncSession, actor: Actor, device_id: UUID | None = None) -> None:
        super().__init__(session, actor)
        self.device_id = device_id

    # --- the shops ---------------------------------------------------------------------------------------------

    @query
    async def shops(self) -> list[Site]:
        """The active partner shops where the user (or till) takes value vouchers."""
        self.require(SPEND)
        return await shops_for(self.session, self.actor, SPEND)

    @query
    async def shop(self, shop_id: UUID) -> Site:
        """An active partner shop the user (or till) takes value vouchers at; any other site is refused (404)."""
        self.require(SPEND)
        site = await self.session.get(Site, shop_id)
        if site is None or SiteKind.SHOP not in site.kinds or not site.is_active or not self.can(SPEND, site):
            raise NotFound(_("This partner shop does not exist or is not one of yours."))
        return site

    @query
    async def is_till(self, site_id: UUID) -> bool:
        """Whether the site is a partner shop's till for the caller (see `serves_as_till`)."""
        site = await self.session.get(Site, site_id)
        return site is not None and serves_as_till(site, self.actor)

    # --- reading a voucher ------------------------------------------------------------------------------------

    async def _voucher(self, code_text: str, lock: bool = False) -> Voucher:
        return await find_voucher(self.session, code_text, lock)

    async def _programme(self, voucher: Voucher) -> Programme:
        programme = await self.session.get(Programme, voucher.programme_id)
        assert programme is not None  # a foreign key
        return programme

    @staticmethod
    def _categories(programme: Programme) -> list[tuple[str, str]]:
        """The categories the programme's vouchers may be spent on (none chosen: every configured one)."""
        chosen = programme.categories
        if not chosen:
            return grants.categories()
        return [(code, grants.category_label(code)) for code in chosen]

    def view(self, voucher: Voucher, programme: Programme) -> ValueView:
        return ValueView(
            codes.format_code(voucher.code),
            programme.name,
            voucher.holder,
            voucher.amount or Decimal("0.00"),
            voucher.spent,
            voucher.valid_from,
            voucher.valid_until,
            voucher.status,
            self._categories(programme),
        )

    async def _check(self, voucher: Voucher, shop: Site, today: date) -> Programme:
        """Refuse a voucher that cannot be spent at this shop today, saying why; returns its programme."""
        if not voucher.is_value:
            raise Refusal(
                "not_a_value_voucher",
                _("This is a voucher for goods at a distribution point: it cannot be spent at a shop."),
                409,
            )
        if voucher.status == VoucherStatus.REVOKED:
            raise Refusal("revoked", _("This voucher was revoked; it no longer works."), 410)
        if voucher.status == VoucherStatus.EXPIRED or voucher.valid_until < today:
            raise Refusal("expired", _("This voucher expired on %(day)s.", day=format_date(voucher.valid_until)), 410)
        if voucher.valid_from > today:
            raise Refusal(
                "not_yet_valid", _("This voucher is valid from %(day)s.", day=format_date(voucher.valid_from)), 409
            )
        programme = await self._programme(voucher)
        shop_ids = programme.point_ids
        if shop_ids and shop.id not in shop_ids:
            names = list(await self.session.scalars(select(Site.name).where(Site.id.in_(shop_ids)).order_by(Site.name)))
            raise Refusal(
                "wrong_shop",
                _("This voucher is not valid at this shop. It is valid at: %(shops)s.", shops=", ".join(names)),
                409,
                {"shops": names},
            )
        if shop.contract_until is not None and shop.contract_until < today:
            raise Refusal(
                "contract_ended",
                _(
                    "The centre's contract with this shop ended on %(day)s: vouchers cannot be taken here.",
                    day=format_date(shop.contract_until),
                ),
                409,
            )
        if shop.contract_from is not None and shop.contract_from > today:
            raise Refusal(
                "contract_not_started",
                _(
                    "The centre's contract with this shop is in force from %(day)s: vouchers cannot be taken yet.",
                    day=format_date(shop.contract_from),
                ),
                409,
            )
        if voucher.status == VoucherStatus.REDEEMED or voucher.balance <= 0:
            raise Refusal("already_spent", _("This voucher has been spent in full: nothing is left on it."), 409)
        return programme

    @staticmethod
    def _amount(amount: Decimal | None) -> Decimal:
        if amount is None:
            raise Refusal("bad_amount", _("Enter the amount of the purchase."), 422, {"field": "amount"}, "amount")
        try:
            valid = amount.is_finite() and amount > 0
            places = -amount.normalize().as_tuple().exponent if valid else 0  # type: ignore[operator]
        except InvalidOperation:
            valid, places = False, 0
        if not valid:
            raise Refusal("bad_amount", _("The amount must be more than 0 zł."), 422, {"field": "amount"}, "amount")
        if places > AMOUNT_PLACES:
            raise Refusal(
                "bad_amount",
                _("Enter the amount in złoty and grosze, with at most two decimal places."),
                422,
                {"field": "amount"},
                "amount",
            )
        if amount > grants.MAX_AMOUNT:
            raise Refusal(
                "bad_amount",
                _("The amount cannot be above %(amount)s.", amount=format_money(grants.MAX_AMOUNT)),
                422,
                {"field": "amount"},
                "amount",
            )
        return amount.quantize(Decimal("0.01"))

    def _category(self, programme: Programme, category: str) -> None:
        allowed = self._categories(programme)
        if category not in {code for code, _label in allowed}:
            raise Refusal(
                "category_not_allowed",
                _(
                    "This voucher cannot be spent on that. It may be spent on: %(categories)s.",
                    categories=", ".join(label for _code, label in allowed),
                ),
                422,
                {"field": "category", "allowed": [code for code, _label in allowed]},
                "category",
            )

    @staticmethod
    def _over_balance(balance: Decimal) -> Refusal:
        if balance <= 0:
            return Refusal("already_spent", _("This voucher has been spent in full: nothing is left on it."), 409)
        return Refusal(
            "over_balance",
            _("More than the balance: %(balance)s is left on the voucher.", balance=format_money(balance)),
            422,
            {"field": "amount", "balance": str(balance)},
            "amount",
        )

    # --- the use cases ----------------------------------------------------------------------------------------

    async def look_up(self, code_text: str, shop_id: UUID, today: date | None = None) -> ValueView:
        """What the voucher holds at this shop now; raises Refusal with the reason otherwise. The scan is
        audit-logged."""
        shop = await self.shop(shop_id)
        voucher = await self._voucher(code_text)
        await audit.record(self.session, self.actor, "voucher.scan", "voucher", voucher.id)
        programme = await self._check(voucher, shop, today or local_today())
        return self.view(voucher, programme)

    async def spend(
        self,
        code_text: str,
        shop_id: UUID,
        request_id: str,
        amount: Decimal | None,
        category: str,
        today: date | None = None,
    ) -> SpendOutcome:
        """Take `amount` off the voucher for a purchase of `category`, at most once per request id."""
        self.require(SPEND)
        request_id = request_id.strip()
        if not 8 <= len(request_id) <= 64:
            raise Refusal("bad_request_id", _("The request id must have 8 to 64 characters."), 422)
        shop = await self.shop(shop_id)
        voucher = await self._voucher(code_text, lock=True)
        earlier = await self._earlier(request_id, voucher, shop.id, amount, category)
        if earlier is not None:
            return earlier
        programme = await self._check(voucher, shop, today or local_today())
        amount = self._amount(amount)
        self._category(programme, category)
        # The shop's row shared (tills do not wait for each other; closing a month takes it exclusively), then the
        # time: a purchase never lands in a month that was closed while it waited.
        await settlement.lock_shop(self.session, shop.id, share=True)
        at = datetime.now(UTC)
        if await settlement.month_closed(self.session, shop.id, at):
            raise Refusal(
                "month_closed", _("This month is closed for settlement with the shop: no more purchases in it."), 409
            )
        if amount > voucher.balance:
            raise self._over_balance(voucher.balance)
        spent = await self.session.scalar(
            update(Voucher)
            .where(Voucher.id == voucher.id, Voucher.spent + amount <= Voucher.amount)
            .values(spent=Voucher.spent + amount)
            .returning(Voucher.spent)
            .execution_options(synchronize_session=False)
        )
        if spent is None:  # spent a moment ago at another till (cannot pass under the lock; the database says no)
            await self.session.refresh(voucher)
            raise self._over_balance(voucher.balance)
        set_committed_value(voucher, "spent", spent)
        if spent == voucher.amount:
            voucher.status = VoucherStatus.REDEEMED
        record = Spend(
            request_id=request_id,
            voucher_id=voucher.id,
            shop_id=shop.id,
            at=at,
            amount=amount,
            category=category,
            user_name=self.actor.username,
            device_id=self.device_id,
            programme_id=voucher.programme_id,
        )
        self.session.add(record)
        await audit.record(self.session, self.actor, "voucher.spend", "voucher", voucher.id, ["spent"])
        try:
            await self.session.flush()
        except IntegrityError as error:
            # The same request id, a moment ago, for another voucher (for this one it waited for the lock).
            if "request_id" not in str(error.orig):
                raise
            raise Refusal(
                "request_id_reused", _("This request id was already used for another voucher."), 422
            ) from error
        return SpendOutcome(record, self.view(voucher, programme), True)

    async def _earlier(
        self,
        request_id: str,
        voucher: Voucher,
        shop_id: UUID,
        amount: Decimal | None = None,
        category: str | None = None,
    ) -> SpendOutcome | None:
        """The spend this request id already made — only when it is the same purchase (voucher, shop and, when
        given, amount and category); a request id another purchase used is refused, never answered with it."""
        earlier = await self.session.scalar(select(Spend).where(Spend.request_id == request_id))
        if earlier is None:
            return None
        if earlier.voucher_id != voucher.id:
            raise Refusal("request_id_reused", _("This request id was already used for another voucher."), 422)
        if (
            earlier.shop_id != shop_id
            or (amount is not None and earlier.amount != amount)
            or (category is not None and earlier.category != category)
        ):
            raise Refusal("request_id_reused", _("This request id was already used for another purchase."), 422)
        return SpendOutcome(earlier, self.view(voucher, await self._programme(voucher)), False)

    @query
    async def replayed(self, code_text: str, shop_id: UUID, request_id: str) -> SpendOutcome | None:
        """The spend this request id already made (a double tap, a resent form), or None."""
        self.require(SPEND)
        request_id = request_id.strip()
        if not 8 <= len(request_id) <= 64:
            return None
        shop = await self.shop(shop_id)
        return await self._earlier(request_id, await self._voucher(code_text), shop.id)

    @query
    async def spend_of(self, spend_id: UUID) -> tuple[Spend, ValueView]:
        """A spend (the caller's shop's) with its voucher as it is now."""
        self.require(SPEND)
        spend = await self.session.get(Spend, spend_id, populate_existing=True)
        if spend is None or not self.can(SPEND, spend):
            raise NotFound(_("This purchase does not exist."))
        voucher = await self.session.get(Voucher, spend.voucher_id, populate_existing=True)
        assert voucher is not None
        return spend, self.view(voucher, await self._programme(voucher))

    async def undo(self, spend_id: UUID, now: datetime | None = None) -> Spend:
        """Within 5 minutes, by the one who spent, or a coordinator later: the amount goes back onto the voucher —
        unless the shop's month of the spend is closed for settlement."""
        self.require(SPEND)
        spend = await self.session.get(Spend, spend_id)
        if spend is None or not self.can(SPEND, spend):
            raise NotFound(_("This purchase does not exist."))
        now = now or datetime.now(UTC)
        if not self.can(UNDO_ANY_SPEND, spend):
            # A till's own purchases by its device token (two tills may share a name), a person's by their name.
            own = (
                spend.device_id == self.device_id
                if self.device_id is not None
                else spend.device_id is None and spend.user_name == self.actor.username
            )
            if not own:
                raise Refusal("not_yours", _("Only the one who took it at the till or a coordinator can undo it."), 409)
            if now - spend.at > timedelta(minutes=UNDO_MINUTES):
                raise Refusal("too_late", _("It is too late to undo (more than 5 minutes): ask a coordinator."), 409)
        # The voucher's row first, as a spend takes it; then the shop's, as closing a month does.
        status = await self.session.scalar(
            select(Voucher.status).where(Voucher.id == spend.voucher_id).with_for_update()
        )
        # A lost voucher's balance went to its replacement when it was reissued: the amount given back goes there
        # too (found and locked after the old one, in the order of the reissues), never onto the dead code.
        given_back_to = spend.voucher_id
        while status == VoucherStatus.REVOKED:
            row = (
                await self.session.execute(
                    select(Voucher.id, Voucher.status)
                    .where(Voucher.replaces_id == given_back_to)
                    .order_by(Voucher.created_at.desc())
                    .limit(1)
                    .with_for_update()
                )
            ).first()
            if row is None:
                raise Refusal(
                    "revoked", _("This voucher was revoked: its purchases can no longer be undone at the till."), 409
                )
            given_back_to, status = row
        await settlement.lock_shop(self.session, spend.shop_id)
        if await settlement.month_closed(self.session, spend.shop_id, spend.at):
            raise Refusal(
                "month_closed",
                _("This month is closed for settlement with the shop: its purchases can no longer be undone."),
                409,
            )
        result = await self.session.execute(
            update(Spend)
            .where(Spend.id == spend.id, Spend.undone_at.is_(None))
            .values(undone_at=now, undone_by=self.actor.username)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise Refusal("already_undone", _("This purchase has already been undone."), 409)
        await self.session.execute(
            update(Voucher)
            .where(Voucher.id == spend.voucher_id)
            .values(spent=Voucher.spent - spend.amount)
            .execution_options(synchronize_session=False)
        )
        if given_back_to != spend.voucher_id:  # the replacement holds the amount given back
            await self.session.execute(
                update(Voucher)
                .where(Voucher.id == given_back_to)
                .values(amount=Voucher.amount + spend.amount)
                .execution_options(synchronize_session=False)
            )
        await self.session.execute(
            update(Voucher)
            .where(Voucher.id == given_back_to, Voucher.status == VoucherStatus.REDEEMED)
            .values(status=VoucherStatus.ISSUED)
            .execution_options(synchronize_session=False)
        )
        await audit.record(self.session, self.actor, "voucher.undo_spend", "voucher", spend.voucher_id, ["spent"])
        await self.session.refresh(spend)
        return spend

    @query
    async def today_spends(self, shop_id: UUID, today: date | None = None) -> ShopToday:
        """Today's spends at the shop (undone ones not counted): how many, and their total."""
        day = today or local_today()
        row = (
            await self.session.execute(
                select(func.count(), func.sum(Spend.amount)).where(
                    Spend.shop_id == shop_id,
                    Spend.undone_at.is_(None),
                    Spend.at >= day_start(day),
                    Spend.at < day_start(day + timedelta(days=1)),
                )
            )
        ).one()
        return ShopToday(int(row[0] or 0), row[1] if row[1] is not None else Decimal("0.00"))
