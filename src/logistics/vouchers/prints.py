"""Vouchers on paper and in lists, as use cases: a cycle's valid vouchers or one voucher as a PDF, a cycle's CSV
list (each logged: a voucher carries a household's name), and the public page an SMS links to."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select

from logistics import codes
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.settings import get_settings
from logistics.vouchers.documents import csv_rows, entitlement, voucher_prints
from logistics.vouchers.issuing import CODE_LENGTH, VoucherService
from logistics.vouchers.models import Programme, Voucher
from logistics.vouchers.policy import VIEW
from logistics.vouchers.printing import LAYOUTS, PointInfo, VoucherPrint, render_vouchers


@dataclass(frozen=True)
class PhoneVoucher:
    """What the page on the household's phone shows: no personal data."""

    voucher: Voucher
    code: str
    programme: str
    lines: list[str]
    points: list[PointInfo]  # distribution points, or a value voucher's partner shops
    #: A value voucher's amount, the balance left and the categories it may be spent on (None/[] for goods).
    amount: Decimal | None = None
    balance: Decimal | None = None
    categories: list[str] = field(default_factory=list)


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise DomainError(_("This option is not available."), "layout")


class PrintService(Service):
    async def cycle_pdf(self, programme_id: UUID, cycle: str | None, layout: str) -> tuple[Programme, bytes]:
        """The cycle's valid vouchers to print: `layout` a4 (one a page), a4x4 (four, with cut marks), receipt.
        Rendered inside the caller's transaction: for a region's month (minutes of rendering) use `cycle_prints`,
        commit, then `render_vouchers`, so that no write transaction stays open while the PDF is drawn."""
        programme, prints = await self.cycle_prints(programme_id, cycle, layout)
        return programme, render_vouchers(prints, layout, get_settings().org_name)

    async def cycle_prints(
        self, programme_id: UUID, cycle: str | None, layout: str
    ) -> tuple[Programme, list[VoucherPrint]]:
        """What `cycle_pdf` prints, read and logged (the print's audit entry), not yet rendered."""
        self.require(VIEW)
        _check_layout(layout)
        programme, _cycle, vouchers = await VoucherService(self.session, self.actor).cycle_vouchers(
            programme_id, cycle, only_valid=True
        )
        await audit.record(self.session, self.actor, "voucher.print", "programme", programme.id, [f"{len(vouchers)}"])
        return programme, await voucher_prints(self.session, vouchers)

    async def cycle_csv(self, programme_id: UUID, cycle: str | None) -> tuple[Programme, list[list[str]]]:
        """The cycle's valid vouchers as CSV rows (code, household_id, programme, valid_from, valid_until)."""
        self.require(VIEW)
        programme, _cycle, vouchers = await VoucherService(self.session, self.actor).cycle_vouchers(
            programme_id, cycle, only_valid=True
        )
        await audit.record(self.session, self.actor, "voucher.export", "programme", programme.id, [f"{len(vouchers)}"])
        return programme, await csv_rows(self.session, vouchers)

    async def voucher_pdf(self, voucher_id: UUID, layout: str) -> tuple[Voucher, bytes]:
        self.require(VIEW)
        _check_layout(layout)
        voucher = await VoucherService(self.session, self.actor).voucher(voucher_id)
        await audit.record(self.session, self.actor, "voucher.print", "voucher", voucher.id)
        prints = await voucher_prints(self.session, [voucher])
        return voucher, render_vouchers(prints, layout, get_settings().org_name)

    @query
    async def on_phone(self, code: str) -> PhoneVoucher:
        """The voucher of a code, for anyone who has the code (the 80-bit code is the key)."""
        voucher = None
        if codes.is_well_formed(code, CODE_LENGTH):
            voucher = await self.session.scalar(select(Voucher).where(Voucher.code == codes.normalize(code)))
        if voucher is None:
            raise NotFound(_("There is no voucher with this code."))
        [printed] = await voucher_prints(self.session, [voucher])
        return PhoneVoucher(
            voucher,
            codes.format_code(voucher.code),
            printed.programme,
            await entitlement(self.session, voucher),
            printed.points,
            printed.amount,
            printed.balance,
            printed.categories,
        )
