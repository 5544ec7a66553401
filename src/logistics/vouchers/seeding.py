"""Demo vouchers (`logistics seed demo`): the programmes of seeds/demo/programmes.json, last month's and this month's
vouchers for the eligible demo households, part of them redeemed at the distribution points over the past weeks, the
FEPŻ deliveries that stock the points for them, and a device token per point.

And the grants for urgent needs (`grants` in programmes.json): a value programme valid at the partner shops, a
till token per shop, this month's grants (each with its decision) for some of the eligible households, part of them
spent at the shops over the past days — one in full, one purchase undone — and last month's grants, spent at the
shops, the first shop's month closed for settlement.

Everything is relative to the day the demo is loaded (`today`): this month's vouchers find enough stock at their
point whatever the day, except the deliberate shortage of programmes.json (`shortage`): one item at one point is
delivered for only part of the vouchers, so the "not enough stock" refusal can be shown too."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import day_start, local_today, local_zone
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Item, Kit, Movement
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.devices import DeviceService, device_actor
from logistics.vouchers.issuing import CODE_BITS, VoucherService, cycle_of, holder_of, validity
from logistics.vouchers.models import (
    EligibilityDecision,
    GrantDecision,
    Programme,
    ProgrammeCategory,
    ProgrammeKind,
    ProgrammeLine,
    ProgrammePoint,
    Redemption,
    Rule,
    SettlementMonth,
    Spend,
    Voucher,
    VoucherStatus,
)
from logistics.vouchers.redeeming import RedemptionService, Refusal

ACTOR = Actor(user_id=None, username="seed", role="admin", sees_all_sites=True)
#: This month's stock at each point covers its share of the month's vouchers with this much to spare.
MARGIN = Decimal("1.2")
#: Last month's vouchers: the share redeemed (the rest expired unredeemed).
PAST_REDEEMED_SHARE = 0.8
#: Last month's vouchers went to every PAST_EVERY-th household of this month's only (loading stays quick).
PAST_EVERY = 3


async def load_voucher_demo(
    session: AsyncSession, data: dict[str, Any], today: date | None = None
) -> tuple[int, int, list[str]]:
    """Once (when there are no programmes): returns vouchers issued, vouchers redeemed, and the device tokens."""
    if await session.scalar(select(Programme.id).limit(1)):
        return 0, 0, []
    today = today or local_today()
    kits = {kit.name: kit.id for kit in await session.scalars(select(Kit))}
    items = {item.name: item.id for item in await session.scalars(select(Item))}
    sites = {site.name: site.id for site in await session.scalars(select(Site))}
    programmes = []
    for row in data["programmes"]:
        programme = Programme(
            code=row["code"],
            name=row["name"],
            cycle=row["cycle"],
            rule=row["rule"],
            income_percent=Decimal(row["income_percent"]),
            lines=[
                ProgrammeLine(
                    position=position,
                    kit_id=kits.get(line.get("kit", "")),
                    item_id=items.get(line.get("item", "")),
                    quantity=Decimal(line["quantity"]),
                    per_person=line["per_person"],
                )
                for position, line in enumerate(row["lines"])
            ],
            point_rows=[ProgrammePoint(site_id=sites[name]) for name in row["points"]],
        )
        session.add(programme)
        programmes.append(programme)
    await session.flush()
    chooser = random.Random(7)
    first = today.replace(day=1)
    # This month: issued a week ago (or on the 1st), the points stocked for all of them, a share already redeemed.
    issue_day = max(first, today - timedelta(days=7))
    issued = await _issue(session, programmes, issue_day)
    # Last month: every PAST_EVERY-th of these households had one too, issued on its 2nd day; most were redeemed
    # over the following weeks, the rest left to expire.
    past_issue = (first - timedelta(days=1)).replace(day=2)
    past = await _issue_again(session, issued[::PAST_EVERY], past_issue)
    past_plan = await voucher_points(session, past)
    past_plan = chooser.sample(past_plan, int(len(past_plan) * PAST_REDEEMED_SHARE))
    past_needs = await _needs(session, past_plan)
    await _deliver(session, past_needs, data["delivery"], past_issue - timedelta(days=1), Decimal(1), soon=False)
    past_last = min(first - timedelta(days=1), today - timedelta(days=1))
    redeemed = await _redeem(session, past_plan, past_issue, past_last, chooser)
    plan = await voucher_points(session, issued)
    needs = await _needs(session, plan)
    short = data.get("shortage")
    if short:
        key = (sites[short["point"]], items[short["item"]])
        needs[key] = (needs[key] * Decimal(str(short["share"])) / MARGIN).to_integral_value(ROUND_CEILING)
    await _deliver(session, needs, data["delivery"], issue_day - timedelta(days=1), MARGIN)
    share = chooser.sample(plan, int(len(plan) * data["redeemed_share"]))
    redeemed += await _redeem(session, share, issue_day, today, chooser)
    points = list(await session.scalars(_points_query()))
    devices = DeviceService(session, ACTOR)
    tokens, made = [], {}
    for point in points:
        made[point.id], token = await devices.create(point.id, data["device"])
        tokens.append(f"{point.name}: {token}")
    await _offline_conflict(session, share, made, today)
    return len(past) + len(issued), redeemed, tokens


async def _offline_conflict(
    session: AsyncSession, share: list[tuple[Voucher, Site]], made: dict[UUID, Any], today: date
) -> None:
    """One offline hand-out that came back as a conflict for the coordinators: a point's tablet, without the
    network a few hours after a voucher was redeemed online, handed the same package out again."""
    # The load day's now: the real one today, its afternoon on another day (the redemptions are dated that month).
    now = datetime.now(UTC) if today == local_today() else datetime.combine(today, time(14), local_zone())
    latest = now.astimezone(UTC) - timedelta(hours=1)
    for voucher, point in share:
        first = await session.scalar(
            select(Redemption).where(Redemption.voucher_id == voucher.id, Redemption.at < latest - timedelta(hours=3))
        )
        if first is None or point.id not in made:
            continue
        at = min(first.at + timedelta(hours=3), latest)
        wants = {line.goods_id: line.entitled for line in voucher.lines}
        device = made[point.id]
        service = RedemptionService(session, device_actor(device), device.id)
        try:
            async with session.begin_nested():
                await service.redeem_offline(
                    voucher.code, point.id, f"demo-offline-{voucher.id}", wants, at, now=at + timedelta(minutes=40)
                )
        except Refusal:
            continue
        return


def _points_query() -> Any:
    return (
        select(Site)
        .join(SiteKindRow, SiteKindRow.site_id == Site.id)
        .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
        .order_by(Site.name)
    )


async def voucher_points(session: AsyncSession, vouchers: list[Voucher]) -> list[tuple[Voucher, Site]]:
    """The point each demo voucher is stocked for: the programme's points (or every point) in turn."""
    points = list(await session.scalars(_points_query()))
    programmes = {p.id: p for p in await session.scalars(select(Programme))}
    turn: dict[UUID, int] = defaultdict(int)
    plan = []
    for voucher in sorted(vouchers, key=lambda v: (v.created_at, v.id)):
        programme = programmes[voucher.programme_id]
        allowed = [p for p in points if not programme.point_ids or p.id in programme.point_ids]
        plan.append((voucher, allowed[turn[programme.id] % len(allowed)]))
        turn[programme.id] += 1
    return plan


async def demo_cycle_vouchers(session: AsyncSession, today: date | None = None) -> list[Voucher]:
    """This month's demo vouchers of the goods programmes, oldest first."""
    today = today or local_today()
    vouchers = []
    goods = select(Programme).where(Programme.kind == ProgrammeKind.GOODS).order_by(Programme.code)
    for programme in await session.scalars(goods):
        vouchers += list(
            await session.scalars(
                select(Voucher)
                .where(Voucher.programme_id == programme.id, Voucher.cycle == cycle_of(programme, today))
                .order_by(Voucher.created_at)
            )
        )
    return vouchers


async def _issue(session: AsyncSession, programmes: list[Programme], day: date) -> list[Voucher]:
    """Each programme's batch as issued on `day`."""
    issued = []
    for programme in programmes:
        issued += await VoucherService(session, ACTOR).issue_batch(programme.id, today=day)
    return issued


async def _issue_again(session: AsyncSession, vouchers: list[Voucher], day: date) -> list[Voucher]:
    """The same programme's voucher for the same households, as issued on `day` (another cycle)."""
    service = VoucherService(session, ACTOR)
    issued = []
    for voucher in vouchers:
        if voucher.household_id is None:
            continue
        try:
            issued.append(await service.issue(voucher.programme_id, voucher.household_id, today=day))
        except DomainError:  # not eligible then, or issued already
            continue
    return issued


async def _needs(session: AsyncSession, plan: list[tuple[Voucher, Site]]) -> dict[tuple[UUID, UUID], Decimal]:
    """(point, item) → the quantity the vouchers planned there hand out (kits as their components)."""
    needs: dict[tuple[UUID, UUID], Decimal] = defaultdict(Decimal)
    ledger = LedgerService(session, ACTOR)
    for voucher, point in plan:
        kits = [(line.kit_id, int(line.entitled)) for line in voucher.lines if line.kit_id]
        for item_id, quantity in await ledger.kit_items(kits):
            needs[(point.id, item_id)] += quantity
        for line in voucher.lines:
            if line.item_id:
                needs[(point.id, line.item_id)] += line.entitled
    return needs


async def _deliver(
    session: AsyncSession,
    needs: dict[tuple[UUID, UUID], Decimal],
    source: str,
    day: date,
    margin: Decimal,
    soon: bool = True,
) -> None:
    """A food-aid delivery straight to the points, received on `day`: `needs` times `margin`, perishable goods in
    two lots — a quarter expiring ten days after `day` (first out, and an expiry alert), the rest four months on
    (all of them four months on when not `soon`)."""
    ledger = LedgerService(session, ACTOR, as_of=datetime.combine(day, time(9), UTC))
    early_expiry, later = day + timedelta(days=10), day + timedelta(days=120)
    for point_id in sorted({point_id for point_id, _item in needs}, key=str):
        lines = []
        for (where, item_id), need in sorted(needs.items(), key=str):
            quantity = (need * margin).to_integral_value(ROUND_CEILING)
            if where != point_id or quantity <= 0:
                continue
            item = await ledger.item(item_id)
            if not item.perishable:
                lines.append(ReceiptLine(item_id, quantity, None))
                continue
            early = (quantity / 4).to_integral_value(ROUND_CEILING) if soon else Decimal(0)
            if early:
                lines.append(ReceiptLine(item_id, early, early_expiry))
            if quantity > early:
                lines.append(ReceiptLine(item_id, quantity - early, later))
        if lines:
            await ledger.receive(point_id, source, lines, "FEPŻ")


async def _redeem(
    session: AsyncSession, plan: list[tuple[Voucher, Site]], first: date, last: date, chooser: random.Random
) -> int:
    """Redeem the planned vouchers at their points on days between `first` and `last` (opening hours), through the
    service; the redemption and its stock movement are then dated that day (the service records "now")."""
    redeemed = 0
    span = max(0, (last - first).days)
    zone = local_zone()
    for voucher, point in plan:
        day = first + timedelta(days=chooser.randint(0, span))
        at = datetime.combine(day, time(chooser.randint(9, 15), chooser.randint(0, 59)), zone).astimezone(UTC)
        if day == local_today():  # loaded today: not later than now
            at = min(at, datetime.now(UTC) - timedelta(minutes=chooser.randint(1, 30)))
        try:
            outcome = await RedemptionService(session, ACTOR).redeem(
                voucher.code, point.id, f"demo-{voucher.id}", today=day
            )
        except Refusal:  # not enough stock there: the voucher stays to be redeemed (the refusal left nothing)
            continue
        outcome.redemption.at = at
        if outcome.redemption.movement_id is not None:
            movement = await session.get(Movement, outcome.redemption.movement_id)
            if movement is not None:
                movement.at = at
        redeemed += 1
    await session.flush()
    return redeemed


# --- grants for urgent needs: value vouchers spent at the partner shops -----------------------------------------


async def load_grant_demo(
    session: AsyncSession, data: dict[str, Any] | None, today: date | None = None
) -> tuple[int, int, list[str]]:
    """Once (when there is no programme of its code): returns the grants issued, the purchases made with them and
    the shops' till tokens."""
    if not data or await session.scalar(select(Programme.id).where(Programme.code == data["code"])):
        return 0, 0, []
    today = today or local_today()
    shops = [await session.scalar(select(Site).where(Site.name == name)) for name in data["shops"]]
    if any(shop is None for shop in shops):
        return 0, 0, []
    shop_list: list[Site] = [shop for shop in shops if shop is not None]
    programme = Programme(
        code=data["code"],
        name=data["name"],
        cycle="monthly",
        rule=Rule.DECISION,
        kind=ProgrammeKind.VALUE,
        amount=Decimal(data["amount"]),
        amount_basis=data["amount_basis"],
        category_rows=[ProgrammeCategory(category=code) for code in data["categories"]],
        point_rows=[ProgrammePoint(site_id=shop.id) for shop in shop_list],
    )
    session.add(programme)
    await session.flush()
    devices = DeviceService(session, ACTOR)
    tills, tokens = {}, []
    for shop in shop_list:
        tills[shop.id], token = await devices.create(shop.id, data["till"])
        tokens.append(f"{shop.name}: {token}")

    first = today.replace(day=1)
    issue_day = max(first, today - timedelta(days=7))
    past_issue = (first - timedelta(days=1)).replace(day=2)
    past_last = first - timedelta(days=1)
    # The households: some of this month's eligible ones (they have this month's FEPŻ parcel), drawn once.
    eligible: list[UUID] = [
        household_id
        for household_id in await session.scalars(
            select(Voucher.household_id)
            .join(Programme, Programme.id == Voucher.programme_id)
            .where(
                Programme.code == data["eligible_from"],
                Voucher.cycle == f"{today:%Y-%m}",
                Voucher.household_id.is_not(None),
            )
            .order_by(Voucher.created_at, Voucher.id)
        )
        if household_id is not None
    ]
    chooser = random.Random(17)
    plan: list[list[tuple[int, str, str]]] = data["this_month"]
    past_plan: list[list[tuple[int, str, str]]] = data["last_month"]
    chosen = chooser.sample(eligible, min(len(eligible), len(plan) + len(past_plan)))
    grants = _Grants(session, programme, data, tills, today)
    # Last month's first, so that the decisions' numbers go up with their dates.
    for household_id, spends in zip(chosen[len(plan) :], past_plan, strict=False):
        voucher = await grants.grant(household_id, past_issue)
        await grants.spend(voucher, spends, past_issue, past_last, chooser)
    for household_id, spends in zip(chosen, plan, strict=False):
        voucher = await grants.grant(household_id, issue_day)
        await grants.spend(voucher, spends, issue_day, today, chooser)
    await session.flush()
    await _close_month(session, shop_list[0], past_issue, grants.now(first), data["closed_by"])
    return grants.issued, grants.spends, tokens


class _Grants:
    """Issues the demo's grants (voucher, eligibility decision and grant decision) and their purchases, as the
    services would have recorded them on those days."""

    def __init__(
        self,
        session: AsyncSession,
        programme: Programme,
        data: dict[str, Any],
        tills: dict[UUID, Any],
        today: date,
    ) -> None:
        self.session, self.programme, self.data, self.tills, self.today = session, programme, data, tills, today
        self.shops = list(tills)
        self.number = int(data["first_number"])
        self.issued = self.spends = 0

    def current(self) -> datetime:
        """The load day's now: the real one today, its afternoon on another day."""
        if self.today == local_today():
            return datetime.now(UTC)
        return datetime.combine(self.today, time(14), local_zone()).astimezone(UTC)

    def now(self, day: date) -> datetime:
        """10:00 on `day`, or a little before the load day's now when that is earlier (never before `day`)."""
        moment = datetime.combine(day, time(10), local_zone()).astimezone(UTC)
        latest = self.current() - timedelta(minutes=10)
        return max(day_start(day).astimezone(UTC) + timedelta(minutes=1), min(moment, latest))

    async def grant(self, household_id: UUID, day: date) -> Voucher:
        household = await VoucherService(self.session, ACTOR).household(household_id)
        case_worker = self.data["case_worker"]
        cycle = f"{day:%Y-%m}"
        valid_from, valid_until = validity(self.programme, cycle, day)
        amount = Decimal(self.data["amount"])
        voucher = Voucher(
            code=codes.normalize(codes.generate(CODE_BITS)),
            programme_id=self.programme.id,
            household_id=household.id,
            cycle=cycle,
            valid_from=valid_from,
            valid_until=valid_until,
            household_size=household.size,
            holder=holder_of(household),
            issued_by=case_worker,
            amount=amount,
            spent=Decimal("0.00"),
        )
        self.session.add(voucher)
        decided_on = day - timedelta(days=2 + self.issued % 3)
        existing = await self.session.scalar(
            select(EligibilityDecision).where(
                EligibilityDecision.programme_id == self.programme.id,
                EligibilityDecision.household_id == household.id,
            )
        )
        if existing is None:
            self.session.add(
                EligibilityDecision(
                    programme_id=self.programme.id,
                    household_id=household.id,
                    eligible=True,
                    reason=self.data["reason"],
                    decided_by=case_worker,
                )
            )
        await self.session.flush()
        self.session.add(
            GrantDecision(
                voucher_id=voucher.id,
                household_id=household.id,
                decided_by=case_worker,
                number=f"{self.data['number_prefix']}.{self.number}.{decided_on.year}",
                decided_on=decided_on,
                legal_basis=self.data["legal_basis"],
                purpose=self.data["purpose"],
                purpose_note=self.data["purpose_note"],
            )
        )
        self.number += 1
        self.issued += 1
        return voucher

    async def spend(
        self,
        voucher: Voucher,
        spends: list[tuple[int, str, str]],
        first: date,
        last: date,
        chooser: random.Random,
    ) -> None:
        """The voucher's purchases (shop index, amount, category; an amount ending in "!" undone a few minutes
        later), on days from `first` to `last` in order, at the shops' opening hours and never after now."""
        span = max(0, (last - first).days)
        days = sorted(first + timedelta(days=chooser.randint(0, span)) for _spend in spends)
        real = self.current() if last == self.today else None
        for number, ((shop_index, amount_text, category), day) in enumerate(zip(spends, days, strict=True)):
            undone = amount_text.endswith("!")
            amount = Decimal(amount_text.rstrip("!"))
            hour = time(chooser.randint(8, 18), chooser.randint(0, 59))
            at_utc = datetime.combine(day, hour, local_zone()).astimezone(UTC)
            if real is not None and day == last and at_utc > real - timedelta(minutes=15):
                if day > first:  # not yet that hour on the load day: the day before
                    at_utc = datetime.combine(day - timedelta(days=1), hour, local_zone()).astimezone(UTC)
                else:  # issued on the load day: a while before now
                    at_utc = max(
                        day_start(day).astimezone(UTC) + timedelta(minutes=number + 1),
                        real - timedelta(minutes=chooser.randint(15, 90)),
                    )
            shop = self.shops[shop_index]
            till = self.tills[shop]
            by_till = shop_index != 0 or number % 2 == 0  # the first shop's staff also take some signed in
            self.session.add(
                Spend(
                    request_id=f"demo-spend-{voucher.id}-{number}",
                    voucher_id=voucher.id,
                    shop_id=shop,
                    at=at_utc,
                    amount=amount,
                    category=category,
                    user_name=f"device:{till.name}" if by_till else self.data["shop_user"],
                    device_id=till.id if by_till else None,
                    programme_id=voucher.programme_id,
                    undone_at=at_utc + timedelta(minutes=3) if undone else None,
                    undone_by=self.data["shop_user"] if undone else "",
                )
            )
            if not undone:
                voucher.spent += amount
            self.spends += 1
        assert voucher.amount is not None
        assert voucher.spent <= voucher.amount
        if voucher.spent == voucher.amount:
            voucher.status = VoucherStatus.REDEEMED
        elif voucher.valid_until < self.today:
            voucher.status = VoucherStatus.EXPIRED  # as the nightly expiry left it


async def _close_month(session: AsyncSession, shop: Site, day: date, closed_at: datetime, closed_by: str) -> None:
    """The shop's month of `day` closed for settlement: its spends not undone, counted and summed."""
    zone = local_zone()
    start = datetime.combine(day.replace(day=1), time(0), zone)
    stop = datetime.combine((day.replace(day=28) + timedelta(days=4)).replace(day=1), time(0), zone)
    spends = list(
        await session.scalars(
            select(Spend).where(Spend.shop_id == shop.id, Spend.at >= start, Spend.at < stop, Spend.undone_at.is_(None))
        )
    )
    session.add(
        SettlementMonth(
            shop_id=shop.id,
            month=f"{day:%Y-%m}",
            closed_at=closed_at,
            closed_by=closed_by,
            total=sum((spend.amount for spend in spends), Decimal("0.00")),
            spends=len(spends),
        )
    )
    await session.flush()
