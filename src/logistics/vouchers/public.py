"""The page an SMS links to: the voucher's QR on the household's phone, to show at the distribution point.

Public (the 80-bit code in the address is the key); it shows no personal data — only the programme, what the
voucher entitles to (or a value voucher's amount, balance and categories), its validity and where to collect it (or
the partner shops where it may be spent)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from markupsafe import Markup

from logistics.core import i18n
from logistics.printing import qr_svg
from logistics.vouchers.prints import PrintService
from logistics.web.dependencies import services
from logistics.web.templating import render


@get("/v/{code:str}", opt={"exclude_from_auth": True}, dependencies=services(prints=PrintService))
async def public_voucher(
    request: Request[Any, Any, Any], prints: NamedDependency[PrintService], code: FromPath[str]
) -> Any:
    # The SMS names the household's language (`?lang=uk`); otherwise the visitor's choice or the default.
    if (lang := request.query_params.get("lang")) in i18n.LANGUAGE_NAMES:
        i18n.set_locale(lang)
    shown = await prints.on_phone(code)
    return render(
        request,
        "vouchers/public.html",
        voucher=shown.voucher,
        code=shown.code,
        qr=Markup(qr_svg(shown.code)),  # noqa: S704 — our own SVG, no user input in it
        programme=shown.programme,
        lines=shown.lines,
        points=shown.points,
        amount=shown.amount,
        balance=shown.balance,
        categories=shown.categories,
    )
