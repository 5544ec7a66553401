"""Conflicts of offline redemptions: a scanning page handed goods out offline on a voucher that could not give them
at that moment (redeemed meanwhile elsewhere, revoked, expired, ...; see `redeeming.Conflict`). They stay on the
coordinators' list — with every redemption of the voucher: where, by whom, when, what, online or offline, and what
was over the voucher — until one of them resolves it with a note (once: a conditional UPDATE)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _l, day_start, ngettext
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.inventory.ledger import number
from logistics.inventory.models import Item, Kit
from logistics.inventory.names import item_name, unit_name
from logistics.sites.models import Site
from logistics.vouchers.models import Conflict, DeviceToken, Programme, Redemption, RedemptionLine, Voucher, VoucherLine
from logistics.vouchers.points import distribution_points
from logistics.vouchers.policy import RESOLVE_CONFLICTS

NOTE_LENGTH = 500
EARLIEST = date(2000, 1, 1)
#: The most conflicts a list shows (the unresolved first): more would be a problem to solve elsewhere.
LIST_LIMIT = 500

REASONS = {
    Conflict.ALREADY_REDEEMED: _l("already redeemed"),
    Conflict.OVER_REMAINING: _l("more than remained"),
    Conflict.REVOKED: _l("revoked"),
    Conflict.EXPIRED: _l("expired"),
    Conflict.NOT_YET_VALID: _l("not yet valid"),
    Conflict.WRONG_POINT: _l("not valid at this point"),
    Conflict.NOT_ENOUGH_STOCK: _l("not enough stock in the ledger"),
    Conflict.CLOCK: _l("the device's clock was ahead: recorded when it arrived"),
    Conflict.LATE: _l("sent long after the scan"),
}


@dataclass(frozen=True)
class HandedLine:
    goods: str  # the kit's or item's name
    unit: str
    quantity: Decimal
    over: Decimal  # beyond what the voucher's line still had


@dataclass(frozen=True)
class HandOut:
    """One redemption of a conflict's voucher."""

    redemption: Redemption
    point: str
    by: str  # the device's name, or the user's
    lines: list[HandedLine]

    @property
    def offline(self) -> bool:
        return self.redemption.offline_received_at is not None

    @property
    def at(self) -> datetime:
        return self.redemption.at


@dataclass(frozen=True)
class ConflictView:
    redemption: Redemption  # the conflicting one
    point: str
    code: str  # formatted
    holder: str  # first name and initial, as the scan page shows
    programme: str
    hand_outs: list[HandOut]  # every redemption of the voucher, oldest first

    @property
    def reason(self) -> str:
        label = REASONS.get(self.redemption.conflict)  # type: ignore[call-overload]
        return str(label) if label else self.redemption.conflict

    @property
    def resolved(self) -> bool:
        return self.redemption.conflict_resolved_at is not None

    @property
    def over(self) -> list[HandedLine]:
        """What this redemption handed out beyond the voucher."""
        mine = next(h for h in self.hand_outs if h.redemption.id == self.redemption.id)
        return [line for line in mine.lines if line.over > 0]

    @property
    def over_text(self) -> str:
        return over_text(self.over)


def over_text(lines: list[HandedLine]) -> str:
    """The over-redeemed quantities: "1 × Paczka A, 3 l Olej 1 l"."""
    return ", ".join(f"{number(line.over)} {line.unit} {line.goods}" for line in lines)


class ConflictService(Service):
    @query
    async def points(self) -> list[Site]:
        """The distribution points whose conflicts the user sees."""
        self.require(RESOLVE_CONFLICTS)
        return await distribution_points(self.session, self.actor, RESOLVE_CONFLICTS)

    @query
    async def find(
        self, point_id: UUID | None = None, since: date | None = None, include_resolved: bool = False
    ) -> list[ConflictView]:
        """The conflicts at the user's points (or one of them) from `since` on, the unresolved first, newest first;
        resolved ones too with `include_resolved`."""
        self.require(RESOLVE_CONFLICTS)
        allowed = [point.id for point in await self.points()]
        found = select(Redemption).where(Redemption.conflict != "", Redemption.point_id.in_(allowed))
        if not include_resolved:
            found = found.where(Redemption.conflict_resolved_at.is_(None))
        if point_id is not None:
            found = found.where(Redemption.point_id == point_id)
        if since is not None:  # nothing lies before 2000: an earlier day (0001-01-01) would overflow the zone
            found = found.where(Redemption.at >= day_start(max(since, EARLIEST)))
        found = found.order_by(Redemption.conflict_resolved_at.is_not(None), Redemption.at.desc()).limit(LIST_LIMIT)
        return await describe(self.session, list(await self.session.scalars(found)))

    async def resolve(self, redemption_id: UUID, note: str, now: datetime | None = None) -> Redemption:
        """Close a conflict with a note saying what was done about it (required); a conflict is resolved once."""
        self.require(RESOLVE_CONFLICTS)
        note = note.strip()
        if not note:
            raise DomainError(_("Say what was done about it."), "note")
        if len(note) > NOTE_LENGTH:
            raise DomainError(
                ngettext("At most %(num)s character.", "At most %(num)s characters.", NOTE_LENGTH), "note"
            )
        redemption = await self.session.get(Redemption, redemption_id)
        if redemption is None or not redemption.conflict or not self.can(RESOLVE_CONFLICTS, redemption):
            raise NotFound(_("This conflict does not exist."))
        result = await self.session.execute(
            update(Redemption)
            .where(
                Redemption.id == redemption.id,
                Redemption.conflict != "",
                Redemption.conflict_resolved_at.is_(None),
            )
            .values(
                conflict_resolved_at=now or datetime.now(UTC),
                conflict_resolved_by=self.actor.username,
                conflict_note=note,
            )
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This conflict has already been resolved."))
        await audit.record(
            self.session, self.actor, "voucher.conflict_resolved", "voucher", redemption.voucher_id, ["conflict_note"]
        )
        await self.session.refresh(redemption)
        return redemption


def _line(goods: dict[UUID, tuple[str, str]], line: RedemptionLine) -> HandedLine:
    name, unit = goods.get(line.voucher_line_id, ("", ""))
    return HandedLine(name, unit, line.quantity, line.over_quantity)


async def describe(session: AsyncSession, conflicts: list[Redemption]) -> list[ConflictView]:
    """Each conflict with every redemption of its voucher, named (a few queries for the whole list)."""
    if not conflicts:
        return []
    voucher_ids = {conflict.voucher_id for conflict in conflicts}
    vouchers = {
        voucher.id: voucher for voucher in await session.scalars(select(Voucher).where(Voucher.id.in_(voucher_ids)))
    }
    programmes = dict(
        (
            await session.execute(
                select(Programme.id, Programme.name).where(
                    Programme.id.in_({voucher.programme_id for voucher in vouchers.values()})
                )
            )
        ).all()
    )
    redemptions: dict[UUID, list[Redemption]] = defaultdict(list)
    for redemption in await session.scalars(
        select(Redemption).where(Redemption.voucher_id.in_(voucher_ids)).order_by(Redemption.at, Redemption.id)
    ):
        redemptions[redemption.voucher_id].append(redemption)
    every = [r for rs in redemptions.values() for r in rs]
    sites = dict(
        (await session.execute(select(Site.id, Site.name).where(Site.id.in_({r.point_id for r in every})))).all()
    )
    device_ids = {r.device_id for r in every if r.device_id}
    devices = (
        dict(
            (
                await session.execute(select(DeviceToken.id, DeviceToken.name).where(DeviceToken.id.in_(device_ids)))
            ).all()
        )
        if device_ids
        else {}
    )
    goods = await _goods(session, {line.voucher_line_id for r in every for line in r.lines})

    def hand_out(redemption: Redemption) -> HandOut:
        return HandOut(
            redemption,
            sites.get(redemption.point_id, ""),
            devices.get(redemption.device_id, redemption.user_name) if redemption.device_id else redemption.user_name,
            [_line(goods, line) for line in redemption.lines],
        )

    return [
        ConflictView(
            conflict,
            sites.get(conflict.point_id, ""),
            codes.format_code(vouchers[conflict.voucher_id].code),
            vouchers[conflict.voucher_id].holder,
            programmes.get(vouchers[conflict.voucher_id].programme_id, ""),
            [hand_out(r) for r in redemptions[conflict.voucher_id]],
        )
        for conflict in conflicts
    ]


async def _goods(session: AsyncSession, line_ids: set[UUID]) -> dict[UUID, tuple[str, str]]:
    """Voucher line → (the goods' name, unit label) in the reader's language."""
    if not line_ids:
        return {}
    rows = await session.execute(
        select(VoucherLine.id, Item.name, Item.name_en, Item.name_uk, Item.unit, Kit.name)
        .outerjoin(Item, Item.id == VoucherLine.item_id)
        .outerjoin(Kit, Kit.id == VoucherLine.kit_id)
        .where(VoucherLine.id.in_(line_ids))
    )
    return {
        line_id: (kit, "×") if kit else (item_name(name, name_en, name_uk), unit_name(unit))
        for line_id, name, name_en, name_uk, unit, kit in rows.all()
    }


async def conflicts_of_day(session: AsyncSession, point_id: UUID, day: date) -> list[ConflictView]:
    """A point's conflicts of that day, resolved or not (its reconciliation lists them), oldest first."""
    found = (
        select(Redemption)
        .where(
            Redemption.conflict != "",
            Redemption.point_id == point_id,
            Redemption.at >= day_start(day),
            Redemption.at < day_start(day + timedelta(days=1)),
        )
        .order_by(Redemption.at)
    )
    return await describe(session, list(await session.scalars(found)))


async def over_redeemed(session: AsyncSession, voucher_id: UUID) -> list[HandedLine]:
    """What the voucher's redemptions (not undone) handed out beyond it, per kit or item."""
    rows = await session.execute(
        select(RedemptionLine)
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(
            Redemption.voucher_id == voucher_id,
            Redemption.undone_at.is_(None),
            RedemptionLine.over_quantity > 0,
        )
    )
    lines = list(rows.scalars())
    goods = await _goods(session, {line.voucher_line_id for line in lines})
    totals: dict[UUID, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.voucher_line_id] += line.over_quantity
    return [HandedLine(*goods[line_id], total, total) for line_id, total in totals.items()]
