"""Vouchers for case workers and coordinators: programmes, a batch for a cycle (preview, then issue), one voucher
on a household's page — or a grant (a value voucher) with its decision — a voucher's page (print, revoke and
reissue a lost one, send), and the lists as PDF/CSV."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import _, _l, format_money, local_today, ngettext
from logistics.db import WRITES
from logistics.people.models import Household
from logistics.vouchers import grants
from logistics.vouchers.documents import CSV_HEADER
from logistics.vouchers.issuing import DECISION_DAYS, GrantInput, VoucherService
from logistics.vouchers.models import AmountBasis, Programme, VoucherStatus
from logistics.vouchers.policy import ISSUE, REVOKE, SEND, VIEW, policy
from logistics.vouchers.printing import LAYOUTS
from logistics.vouchers.prints import PrintService
from logistics.vouchers.sending import SendingService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav, register_panel
from logistics.web.responses import attempt, csv_response, pdf_response, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Vouchers"), "/vouchers", policy.roles(VIEW), order=25)

STATUSES = {
    VoucherStatus.ISSUED: _l("valid"),
    VoucherStatus.REDEEMED: _l("redeemed"),
    VoucherStatus.EXPIRED: _l("expired"),
    VoucherStatus.REVOKED: _l("revoked"),
}


def describe_amount(programme: Programme) -> str:
    """A value programme's amount and how it is set: "300,00 zł per household", "up to 500,00 zł, set by ..."."""
    amount = format_money(programme.amount)
    if programme.amount_basis == AmountBasis.PERSON:
        return _("%(amount)s per person", amount=amount)
    if programme.amount_basis == AmountBasis.SET:
        return _("up to %(amount)s, set by the case worker", amount=amount)
    return _("%(amount)s per household", amount=amount)


def grant_labels() -> dict[str, Any]:
    """What the grant pages show: the categories' and legal bases' labels, and how an amount is described."""
    return {
        "category_names": dict(grants.categories()),
        "basis_names": dict(grants.legal_bases()),
        "describe_amount": describe_amount,
    }


def grant_form(programme: Programme, household: Household) -> Form:
    """The empty form of a grant: today's date, the programme's first category, the first legal basis."""
    bases = grants.legal_bases()
    return Form.filled(
        programme=str(programme.id),
        household=str(household.id),
        decided_on=local_today().isoformat(),
        legal_basis=bases[0][0] if len(bases) == 1 else "",
        purpose=programme.categories[0] if len(programme.categories) == 1 else "",
    )


async def household_panel(session: AsyncSession, actor: Actor, household: Household) -> dict[str, Any]:
    """On a household's page: each active programme with the verdict and this cycle's voucher; every voucher."""
    panel = await VoucherService(session, actor).household_panel(household)
    return {
        "household": panel.household,
        "programmes": panel.programmes,
        "vouchers": panel.vouchers,
        "names": panel.names,
        "decisions": panel.decisions,
        "statuses": STATUSES,
        "forms": {
            programme.id: grant_form(programme, household)
            for programme, _verdict, _current in panel.programmes
            if programme.is_value
        },
        "legal_bases": grants.legal_bases(),
        **grant_labels(),
    }


register_panel("household", "vouchers/household_panel.html", policy.roles(VIEW), household_panel, order=40)


def _choices(form: Form) -> tuple[UUID, UUID] | None:
    """The programme and the household of a small form on a household's page (None when either is missing)."""
    programme, household = form.uuids("programme"), form.uuids("household")
    return (programme[0], household[0]) if programme and household else None


def _household_page(form: Form) -> str:
    household = form.uuids("household")
    return f"/households/{household[0]}" if household else "/vouchers"


class VoucherController(Controller):
    path = "/vouchers"
    guards = [may(VIEW)]
    dependencies = services(vouchers=VoucherService, prints=PrintService, sending=SendingService)

    @get("/")
    async def programmes(self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService]) -> Any:
        """The programmes with this cycle's counts by status."""
        rows = await vouchers.overview()
        return render(request, "vouchers/programmes.html", rows=rows, statuses=STATUSES, **grant_labels())

    # --- batch ------------------------------------------------------------------------------------------------

    @get("/programmes/{programme_id:uuid}/batch", guards=[may(ISSUE)])
    async def batch_preview(
        self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService], programme_id: FromPath[UUID]
    ) -> Any:
        """Who would get this cycle's voucher and who is left out, and why."""
        form = Form(request.query_params)
        cycle = form.pattern(
            "cycle",
            r"\d{4}-\d{2}",
            _("A cycle is a month written as YYYY-MM, e.g. 2026-11."),
            required=False,
            max_length=7,
        )
        try:
            preview = await vouchers.preview(programme_id, cycle or None)
        except DomainError as error:
            form.error("cycle", error.message)
            preview = await vouchers.preview(programme_id)
        if preview.problem:  # e.g. the cycle has ended: nobody gets a voucher, and why
            form.error("cycle", preview.problem)
        return render(request, "vouchers/batch.html", preview=preview, form=form)

    @post("/programmes/{programme_id:uuid}/batch", guards=[may(ISSUE)])
    async def batch_issue(
        self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService], programme_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        cycle = form.pattern(
            "cycle", r"\d{4}-\d{2}|once", _("A cycle is a month written as YYYY-MM, e.g. 2026-11."), max_length=7
        )
        back = f"/vouchers/programmes/{programme_id}/batch?cycle={cycle}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        try:  # a region's month is issued in the background, chunk by chunk (VoucherService.start_batch)
            count, later = await vouchers.start_batch(programme_id, None if cycle == "once" else cycle)
        except DomainError as error:  # the cycle has ended, the programme is closed: nothing was issued
            return await attempt(request, refusal(error.message), back)
        message = ngettext("%(num)s voucher issued.", "%(num)s vouchers issued.", count)
        if later:
            message = _(
                "%(num)s vouchers are being issued: the list fills in as they are. If it stops, issue the batch "
                "again — nobody gets two.",
                num=count,
            )
        return see_other(request, f"/vouchers/programmes/{programme_id}/issued?cycle={cycle}", message)

    @get("/programmes/{programme_id:uuid}/issued")
    async def issued(
        self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService], programme_id: FromPath[UUID]
    ) -> Any:
        """A cycle's vouchers: print them (PDF in three layouts) or hand the list over (CSV)."""
        programme, cycle, listed = await vouchers.cycle_vouchers(programme_id, request.query_params.get("cycle"))
        return render(
            request,
            "vouchers/issued.html",
            programme=programme,
            cycle=cycle,
            vouchers=listed,
            households=await vouchers.households_of(listed),
            statuses=STATUSES,
            layouts=LAYOUTS,
        )

    @get("/programmes/{programme_id:uuid}/vouchers.pdf", opt=WRITES)  # the print is logged
    async def cycle_pdf(
        self, request: Request[Any, Any, Any], prints: NamedDependency[PrintService], programme_id: FromPath[UUID]
    ) -> Response[bytes]:
        """The cycle's valid vouchers to print: `layout` a4 (one a page), a4x4 (four, with cut marks), receipt."""
        query = request.query_params
        programme, content = await prints.cycle_pdf(programme_id, query.get("cycle"), query.get("layout", "a4"))
        return pdf_response(content, f"vouchers-{programme.code}.pdf")

    @get("/programmes/{programme_id:uuid}/vouchers.csv", media_type="text/csv", opt=WRITES)  # the list is logged
    async def cycle_csv(
        self, request: Request[Any, Any, Any], prints: NamedDependency[PrintService], programme_id: FromPath[UUID]
    ) -> Response[str]:
        programme, rows = await prints.cycle_csv(programme_id, request.query_params.get("cycle"))
        return csv_response(f"vouchers-{programme.code}.csv", CSV_HEADER, rows)

    # --- one household's voucher --------------------------------------------------------------------------------

    @post("/issue", guards=[may(ISSUE)])
    async def issue(self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService]) -> Any:
        """From a household's page: this cycle's voucher of a programme."""
        form = Form(await request.form())
        chosen, back = _choices(form), _household_page(form)
        if chosen is None:
            return await attempt(request, refusal(_("Choose the programme.")), back)
        try:
            voucher = await vouchers.issue(*chosen)
        except DomainError as error:
            return await attempt(request, refusal(error.message), back)
        return see_other(request, f"/vouchers/{voucher.id}", _("The voucher has been issued."))

    @post("/grant", guards=[may(ISSUE)])
    async def grant(self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService]) -> Any:
        """From a household's page: a value voucher with the case worker's decision; a refusal shows the form again
        with the reason next to its field, nothing issued."""
        form = Form(await request.form())
        chosen, back = _choices(form), _household_page(form)
        if chosen is None:
            return await attempt(request, refusal(_("Choose the programme.")), back)
        programme, household = await vouchers.programme(chosen[0]), await vouchers.household(chosen[1])
        form.values |= {"programme": str(programme.id), "household": str(household.id)}
        today = local_today()
        number = form.text("number", max_length=40)
        decided_on = form.date(
            "decided_on", required=True, earliest=today - timedelta(days=DECISION_DAYS), latest=today
        )
        legal_basis = form.choice("legal_basis", [code for code, _label in grants.legal_bases()])
        purpose = form.choice("purpose", programme.categories)
        note = form.text("purpose_note", required=False, max_length=300)
        amount: Decimal | None = None
        if programme.amount_basis == AmountBasis.SET:
            amount = form.decimal(
                "amount",
                required=True,
                places=2,
                minimum=Decimal("0.01"),
                maximum=programme.amount or grants.MAX_AMOUNT,
            )
        if form.valid and decided_on is not None:
            try:
                voucher = await vouchers.grant(
                    programme.id, household.id, GrantInput(number, decided_on, legal_basis, purpose, note, amount)
                )
                return see_other(request, f"/vouchers/{voucher.id}", _("The grant has been issued with its decision."))
            except DomainError as error:
                form.error(error.field or "programme", error.message)
        return render(
            request,
            "vouchers/grant.html",
            status_code=422,
            form=form,
            programme=programme,
            household=household,
            legal_bases=grants.legal_bases(),
            **grant_labels(),
        )

    @post("/decide", guards=[may(ISSUE)])
    async def decide(self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService]) -> Any:
        """A case worker's decision for a programme decided case by case, with the reason."""
        form = Form(await request.form())
        chosen, back = _choices(form), _household_page(form)
        eligible = form.choice("eligible", ["yes", "no"])
        reason = form.text("reason", max_length=300)
        if not form.valid or chosen is None:
            return await attempt(request, refusal(form if form.errors else _("Choose the programme.")), back)
        decision = vouchers.decide(*chosen, eligible == "yes", reason)
        return await attempt(request, decision, back, _("The decision has been recorded."))

    @get("/{voucher_id:uuid}", opt=WRITES)  # the view is logged
    async def voucher(
        self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService], voucher_id: FromPath[UUID]
    ) -> Any:
        page = await vouchers.show(voucher_id)
        return render(
            request,
            "vouchers/voucher.html",
            voucher=page.voucher,
            printed=page.printed,
            lines=page.lines,
            programme=page.programme,
            redemptions=page.redemptions,
            over=page.over,
            decision=page.decision,
            spends=page.spends,
            **grant_labels(),
            statuses=STATUSES,
            layouts=LAYOUTS,
            code=codes.format_code(page.voucher.code),
            mail_ready=SendingService.mail_ready(),
        )

    @get("/{voucher_id:uuid}/voucher.pdf", opt=WRITES)  # the print is logged
    async def voucher_pdf(
        self, request: Request[Any, Any, Any], prints: NamedDependency[PrintService], voucher_id: FromPath[UUID]
    ) -> Response[bytes]:
        voucher, content = await prints.voucher_pdf(voucher_id, request.query_params.get("layout", "a4"))
        return pdf_response(content, f"voucher-{codes.format_code(voucher.code)}.pdf")

    @post("/{voucher_id:uuid}/reissue", guards=[may(REVOKE)])
    async def reissue(
        self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService], voucher_id: FromPath[UUID]
    ) -> Any:
        """A lost voucher: the old code stops working now; a new one carries what was not yet handed out."""
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        back = f"/vouchers/{voucher_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        try:
            new = await vouchers.reissue(voucher_id, reason)
        except DomainError as error:
            return await attempt(request, refusal(error.message), back)
        return see_other(request, f"/vouchers/{new.id}", _("The old code no longer works. This is the new voucher."))

    @post("/{voucher_id:uuid}/revoke", guards=[may(REVOKE)])
    async def revoke(
        self, request: Request[Any, Any, Any], vouchers: NamedDependency[VoucherService], voucher_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        back = f"/vouchers/{voucher_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        return await attempt(request, vouchers.revoke(voucher_id, reason), back, _("The voucher has been revoked."))

    @post("/{voucher_id:uuid}/send", guards=[may(SEND)])
    async def send(
        self, request: Request[Any, Any, Any], sending: NamedDependency[SendingService], voucher_id: FromPath[UUID]
    ) -> Any:
        """E-mail with the QR attached, or an SMS with a link to a page showing the QR on the household's phone;
        both queued in the outbox, sent by its delivery job."""
        form = Form(await request.form())
        channel = form.choice("channel", ["email", "sms"])
        back = f"/vouchers/{voucher_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        base = f"{request.url.scheme}://{request.url.netloc}"
        queued = sending.send(voucher_id, channel, base)
        return await attempt(request, queued, back, _("The voucher will be sent in a minute."))
