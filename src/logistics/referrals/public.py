"""The receiving institution's confirmation, without a log-in: `/r` to type the code from the letter, `/r/<code>`
(the letter's QR) to confirm the person came.

The 60-bit code is the key. The page shows nothing but the first name and initial, what the person was referred to
and the date of issue; an unknown or malformed code gets a 404 that says nothing more. A code confirms once (the
service's conditional UPDATE); a second confirmation is told the first one's date.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core import i18n
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _, local_today
from logistics.referrals.services import MAX_NOTE, PublicReferral, ReferralService, parse_code
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.responses import see_other
from logistics.web.templating import render

PUBLIC = {"exclude_from_auth": True}


def _language(request: Request[Any, Any, Any]) -> None:
    """`?lang=uk` (or en) for a receiving institution that reads another language."""
    if (lang := request.query_params.get("lang")) in i18n.LANGUAGE_NAMES:
        i18n.set_locale(lang)


class PublicReferralController(Controller):
    path = "/r"
    dependencies = services(referrals=ReferralService)

    @get("/", opt=PUBLIC)
    async def enter_code(self, request: Request[Any, Any, Any]) -> Any:
        _language(request)
        return render(request, "referrals/public_code.html", form=Form.filled())

    @post("/", opt=PUBLIC)
    async def find_code(self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService]) -> Any:
        form = Form(await request.form())
        typed = form.raw("code")[:100]
        form.values["code"] = typed
        try:
            found = await referrals.public(typed)
        except DomainError as error:
            form.error("code", error.message)
            return render(request, "referrals/public_code.html", form=form, status_code=422)
        return see_other(request, f"/r/{found.code}")

    async def _shown(self, referrals: ReferralService, code: str) -> PublicReferral:
        try:
            return await referrals.public(code[:100])
        except DomainError:
            raise NotFound(_("Page not found.")) from None

    @get("/{code:str}", opt=PUBLIC)
    async def referral(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], code: FromPath[str]
    ) -> Any:
        _language(request)
        shown = await self._shown(referrals, code)
        form = Form.filled(came_on=local_today().isoformat())
        return render(request, "referrals/public.html", shown=shown, form=form, max_note=MAX_NOTE)

    @post("/{code:str}", opt=PUBLIC)
    async def confirm(
        self, request: Request[Any, Any, Any], referrals: NamedDependency[ReferralService], code: FromPath[str]
    ) -> Any:
        shown = await self._shown(referrals, code)
        form = Form(await request.form())
        came_on = form.date("came_on")
        note = form.text("note", required=False, max_length=MAX_NOTE)
        if form.valid:
            try:
                await referrals.confirm(shown.code, came_on, note)
            except DomainError as error:
                form.error(error.field or "came_on", error.message)
            else:
                return see_other(request, f"/r/{shown.code}", _("Thank you: the arrival is confirmed."))
        shown = await self._shown(referrals, code)
        return render(request, "referrals/public.html", shown=shown, form=form, max_note=MAX_NOTE, status_code=422)


__all__ = ["PublicReferralController", "parse_code"]
