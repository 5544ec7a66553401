"""A distribution point's manifest: what its scanning page needs to decide a scan while the network is down.

The vouchers valid at the point in the current window (with their remaining lines), the revoked ones and those
valid only at other points — each known by a keyed hash of its code, never the code: `code_hash(key, code)` is
the first 9 bytes of HMAC-SHA256 under the point's key (`manifest_key`), so a tablet that is stolen shows
neither the codes nor a way to make them (80-bit codes cannot be found from their hashes, even with the key).
No more personal data than the page shows online: the holder's first name and initial and the household's size.

A refresh with `since` (the last manifest's `generated_at`) lists only the vouchers that changed since then, with
an overlap for transactions that committed late; a manifest from another day, or an hour old, is sent whole.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true

from logistics.audit import services as audit
from logistics.core.i18n import gettext as _
from logistics.core.i18n import local_time, local_today
from logistics.core.service import Service
from logistics.inventory.ledger import number
from logistics.inventory.models import Item, Kit
from logistics.inventory.names import item_name, unit_name
from logistics.settings import get_settings
from logistics.sites.models import Site
from logistics.vouchers.models import (
    Programme,
    ProgrammeKind,
    ProgrammePoint,
    Redemption,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from logistics.vouchers.programmes import COUNTED_UNITS
from logistics.vouchers.redeeming import RedemptionService

VERSION = 1
#: A refresh also sends what changed this long before the last manifest: a transaction that began before it was
#: built and committed after it.
OVERLAP = timedelta(seconds=120)
#: A refresh of a manifest older than this is answered with a full one.
REFRESH_AT_MOST = timedelta(minutes=60)
KEY_CONTEXT = b"przystan-offline-manifest:"
VALID = (VoucherStatus.ISSUED, VoucherStatus.REDEEMED)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def manifest_key(point_id: UUID) -> bytes:
    """The point's 32-byte key for the hashes of its manifest, derived from the secret key."""
    secret = get_settings().secret_key.encode()
    return hmac.digest(secret, KEY_CONTEXT + point_id.bytes, hashlib.sha256)


def code_hash(key: bytes, code: str) -> str:
    """A normalized voucher code as the manifest knows it: 12 characters, base64url of 9 bytes of HMAC-SHA256."""
    return _b64(hmac.digest(key, code.encode("ascii"), hashlib.sha256)[:9])


# --- the manifest ----------------------------------------------------------------------------------------------

GoodsRow = tuple[UUID, str, str, bool, bool]
LineRow = tuple[int, str]
VoucherRow = tuple[str, str, int, int, int, int, str, list[LineRow]]
ElsewhereRow = tuple[str, str]


class Manifest(msgspec.Struct):
    """What a point's scanning page decides offline from. Rows are arrays (compact); indices point into the lists
    of the same manifest. A voucher's code appears only as `code_hash(key, code)`."""

    version: int
    point: UUID
    point_name: str
    generated_at: datetime  # send it back as `since` to have only what changed
    full: bool  # True: replaces what the device has; False: rows to replace (by hash) in what it has
    today: date
    offline_hours: int  # how long after `generated_at` the page may still decide offline
    key: Annotated[
        str, msgspec.Meta(description="The point's key (base64url): a code's hash is HMAC-SHA256(key, code)[:9].")
    ]
    programmes: Annotated[list[str], msgspec.Meta(description="The names of the programmes valid at the point.")]
    goods: Annotated[
        list[GoodsRow],
        msgspec.Meta(
            description="[item or kit id, name, unit as the scan page writes it, is a kit, handed out in whole numbers]"
        ),
    ]
    vouchers: Annotated[
        list[VoucherRow],
        msgspec.Meta(
            description="[code hash, holder (first name and initial), household size, index into `programmes`, "
            "valid from, valid until (each in days from `today`: -1 is yesterday), "
            'status ("issued" or "redeemed"), lines in the voucher\'s order: '
            '[index into `goods`, what remains as a decimal number, e.g. "2" or "1.5"]]'
        ),
    ]
    revoked: Annotated[list[str], msgspec.Meta(description="The code hashes of revoked vouchers.")]
    elsewhere: Annotated[
        list[ElsewhereRow],
        msgspec.Meta(
            description="[code hash, the names of the points where it is valid] of vouchers valid only elsewhere"
        ),
    ]


def refresh_since(since: str | None, now: datetime, today: date) -> datetime | None:
    """The time a refresh starts from, or None when the whole manifest is to be sent: no `since`, not a time with a
    zone, in the future, older than an hour or of another day."""
    if not since:
        return None
    try:
        at = datetime.fromisoformat(since.strip().replace(" ", "+"))  # a "+" not escaped in the query reads " "
    except ValueError:
        return None
    if at.tzinfo is None or at > now or now - at > REFRESH_AT_MOST or local_time(at).date() != today:
        return None
    return at - OVERLAP


class ManifestService(Service):
    async def manifest(self, point_id: UUID, since: str | None, today: date | None = None) -> Manifest:
        """The point's manifest: whole (audit-logged), or with `since` only the vouchers changed since then.

        A few statements over sets, whatever the number of vouchers: the programmes with their points, the
        vouchers (three windows: valid here, revoked, valid elsewhere), their lines, the goods."""
        point = await RedemptionService(self.session, self.actor).point(point_id)
        now = datetime.now(UTC)
        today = today or local_today()
        cut = refresh_since(since, now, today)
        here, elsewhere = await self._programmes(point.id)
        programme_index = {programme_id: n for n, programme_id in enumerate(here)}
        key = manifest_key(point.id)
        changed = self._changed(cut)
        current = and_(
            Voucher.status.in_(VALID),
            Voucher.valid_until >= today,
            Voucher.valid_from <= today + timedelta(days=1),
            changed,
        )

        valid_here = and_(current, Voucher.programme_id.in_(list(here)))
        rows = (
            await self.session.execute(
                select(
                    Voucher.code,
                    Voucher.holder,
                    Voucher.household_size,
                    Voucher.programme_id,
                    Voucher.valid_from,
                    Voucher.valid_until,
                    Voucher.status,
                )
                .where(valid_here)
                .order_by(Voucher.id)
            )
        ).all()
        lines = await self._lines(valid_here)
        goods, goods_index = await self._goods({goods_id for voucher in lines.values() for goods_id, _r in voucher})
        vouchers: list[VoucherRow] = [
            (
                code_hash(key, code),
                holder,
                household_size,
                programme_index[programme_id],
                (valid_from - today).days,
                (valid_until - today).days,
                status,
                [(goods_index[goods_id], number(remaining)) for goods_id, remaining in lines[code]],
            )
            for code, holder, household_size, programme_id, valid_from, valid_until, status in rows
        ]

        revoked = await self.session.scalars(
            select(Voucher.code)
            .where(
                Voucher.status == VoucherStatus.REVOKED,
                Voucher.valid_until >= today,
                Voucher.programme_id.in_(list(here)),
                changed,
            )
            .order_by(Voucher.id)
        )
        names = await self._point_names({site for sites in elsewhere.values() for site in sites})
        elsewhere_names = {
            programme_id: ", ".join(sorted(names[site] for site in sites)) for programme_id, sites in elsewhere.items()
        }
        others = await self.session.execute(
            select(Voucher.code, Voucher.programme_id)
            .where(current, Voucher.programme_id.in_(list(elsewhere)))
            .order_by(Voucher.id)
        )
        if cut is None:
            await audit.record(self.session, self.actor, "point.manifest", "site", point.id)
        return Manifest(
            version=VERSION,
            point=point.id,
            point_name=point.name,
            generated_at=now,
            full=cut is None,
            today=today,
            offline_hours=get_settings().offline_hours,
            key=_b64(key),
            programmes=list(here.values()),
            goods=goods,
            vouchers=vouchers,
            revoked=[code_hash(key, code) for code in revoked],
            elsewhere=[(code_hash(key, code), elsewhere_names[programme_id]) for code, programme_id in others.all()],
        )

    @staticmethod
    def _changed(cut: datetime | None) -> ColumnElement[bool]:
        """The vouchers changed since `cut` (all of them without one): created, updated (revoked, fully redeemed,
        expired), or with a redemption made, received from an offline device, or undone since."""
        if cut is None:
            return true()
        return or_(
            Voucher.created_at >= cut,
            Voucher.updated_at >= cut,
            exists().where(
                Redemption.voucher_id == Voucher.id,
                or_(Redemption.at >= cut, Redemption.offline_received_at >= cut, Redemption.undone_at >= cut),
            ),
        )

    async def _programmes(self, point_id: UUID) -> tuple[dict[UUID, str], dict[UUID, set[UUID]]]:
        """The goods programmes valid at the point (id → name, by name), and those valid only at other points (id →
        the points)."""
        rows = await self.session.execute(
            select(Programme.id, Programme.name, ProgrammePoint.site_id)
            .outerjoin(ProgrammePoint, ProgrammePoint.programme_id == Programme.id)
            # Goods programmes only: a value voucher (spent at a partner shop's till, online) is never in a
            # point's manifest — neither as valid here nor as valid elsewhere.
            .where(Programme.kind != ProgrammeKind.VALUE)
            .order_by(Programme.name, Programme.id)
        )
        names: dict[UUID, str] = {}
        points: dict[UUID, set[UUID]] = defaultdict(set)
        for programme_id, name, site_id in rows.all():
            names[programme_id] = name
            if site_id is not None:
                points[programme_id].add(site_id)
        here = {
            programme_id: name
            for programme_id, name in names.items()
            if programme_id not in points or point_id in points[programme_id]  # no points: valid at every one
        }
        return here, {programme_id: sites for programme_id, sites in points.items() if programme_id not in here}

    async def _lines(self, vouchers: ColumnElement[bool]) -> dict[str, list[tuple[UUID, Decimal]]]:
        """The lines of the vouchers that match, by code, in each voucher's order: the item or kit and what
        remains of it (one column each: converting 12,000 ids and quantities is most of the manifest's time)."""
        rows = await self.session.execute(
            select(
                Voucher.code,
                func.coalesce(VoucherLine.item_id, VoucherLine.kit_id),
                VoucherLine.entitled - VoucherLine.redeemed,
            )
            .join(Voucher, Voucher.id == VoucherLine.voucher_id)
            .where(vouchers)
            .order_by(VoucherLine.voucher_id, VoucherLine.position, VoucherLine.id)
        )
        lines: dict[str, list[tuple[UUID, Decimal]]] = defaultdict(list)
        for code, goods_id, remaining in rows.all():
            lines[code].append((goods_id, max(remaining, Decimal(0))))
        return lines

    async def _goods(self, ids: set[UUID]) -> tuple[list[GoodsRow], dict[UUID, int]]:
        """The goods rows (as the scan page names them, in the reader's language) and each one's index."""
        goods: list[GoodsRow] = []
        if ids:
            items = await self.session.execute(
                select(Item.id, Item.name, Item.name_en, Item.name_uk, Item.unit).where(Item.id.in_(ids))
            )
            goods += [
                (item_id, item_name(name, name_en, name_uk), unit_name(unit), False, unit in COUNTED_UNITS)
                for item_id, name, name_en, name_uk, unit in items.all()
            ]
            kits = await self.session.execute(select(Kit.id, Kit.name).where(Kit.id.in_(ids)))
            goods += [(kit_id, name, _("kit"), True, True) for kit_id, name in kits.all()]
        goods.sort(key=lambda row: (row[1], row[0]))
        return goods, {row[0]: n for n, row in enumerate(goods)}

    async def _point_names(self, ids: set[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Site.id, Site.name).where(Site.id.in_(ids)))
        return {site_id: name for site_id, name in rows.all()}
