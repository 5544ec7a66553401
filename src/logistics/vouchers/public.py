"""The page an SMS links to: the voucher's QR on the household's phone, to show at the distribution point.

Public (the 80-bit code in the address is the key); it shows no personal data — only the programme, what the
voucher entitles to, its validity and where to collect it."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.core.errors import NotFound
from logistics.core.i18n import _
from logistics.printing import qr_svg
from logistics.vouchers.documents import entitlement, voucher_prints
from logistics.vouchers.issuing import CODE_LENGTH
from logistics.vouchers.models import Voucher
from logistics.web.templating import render


@get("/v/{code:str}", opt={"exclude_from_auth": True})
async def public_voucher(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], code: FromPath[str]
) -> Any:
    voucher = None
    if codes.is_well_formed(code, CODE_LENGTH):
        voucher = await db_session.scalar(select(Voucher).where(Voucher.code == codes.normalize(code)))
    if voucher is None:
        raise NotFound(_("There is no voucher with this code."))
    [printed] = await voucher_prints(db_session, [voucher])
    return render(
        request,
        "vouchers/public.html",
        voucher=voucher,
        code=codes.format_code(voucher.code),
        qr=Markup(qr_svg(codes.format_code(voucher.code))),  # noqa: S704 — our own SVG, no user input in it
        programme=printed.programme,
        lines=await entitlement(db_session, voucher),
        points=printed.points,
    )
