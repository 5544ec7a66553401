"""Vouchers for case workers and coordinators: programmes, a batch for a cycle (preview, then issue), one voucher
on a household's page, a voucher's page (print, revoke and reissue a lost one, send), and the lists as PDF/CSV."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.i18n import _, _l, local_today
from logistics.people.models import Household
from logistics.settings import get_settings
from logistics.sites.models import Site
from logistics.vouchers.documents import CSV_HEADER, csv_rows, entitlement, voucher_prints
from logistics.vouchers.issuing import ISSUE_ROLES, VoucherService, cycle_of
from logistics.vouchers.models import Programme, Redemption, Voucher, VoucherStatus
from logistics.vouchers.printing import LAYOUTS, render_vouchers
from logistics.vouchers.sending import SendingService
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.layout import register_nav, register_panel
from logistics.web.responses import attempt, csv_response, pdf_response, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Vouchers"), "/vouchers", ISSUE_ROLES, order=25)

STATUSES = {
    VoucherStatus.ISSUED: _l("valid"),
    VoucherStatus.REDEEMED: _l("redeemed"),
    VoucherStatus.EXPIRED: _l("expired"),
    VoucherStatus.REVOKED: _l("revoked"),
}


async def household_panel(session: AsyncSession, actor: Actor, household: Household) -> dict[str, Any]:
    """On a household's page: each active programme with the verdict and this cycle's voucher; every voucher."""
    service = VoucherService(session, actor)
    today = local_today()
    programmes = []
    for programme in await session.scalars(
        select(Programme).where(Programme.is_active.is_(True)).order_by(Programme.code)
    ):
        cycle = cycle_of(programme, today)
        programmes.append(
            (
                programme,
                await service.verdict(programme, household, today),
                await service.current(programme, household.id, cycle),
            )
        )
    vouchers = list(
        await session.scalars(
            select(Voucher).where(Voucher.household_id == household.id).order_by(Voucher.created_at.desc())
        )
    )
    names = {programme.id: programme.name for programme, _verdict, _current in programmes}
    return {
        "household": household,
        "programmes": programmes,
        "vouchers": vouchers,
        "names": names,
        "statuses": STATUSES,
    }


register_panel("household", "vouchers/household_panel.html", ISSUE_ROLES, household_panel, order=40)


def _layout(request: Request[Any, Any, Any]) -> str:
    """The print layout asked for (`layout`: a4, a4x4 or receipt; a4 when not said)."""
    layout = request.query_params.get("layout", "a4")
    if layout not in LAYOUTS:
        raise DomainError(_("This option is not available."), "layout")
    return layout


class VoucherController(Controller):
    path = "/vouchers"
    guards = [requires(*ISSUE_ROLES)]

    @get("/")
    async def programmes(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """The programmes with this cycle's counts by status."""
        today = local_today()
        rows = []
        for programme in await db_session.scalars(
            select(Programme).order_by(Programme.is_active.desc(), Programme.code)
        ):
            cycle = cycle_of(programme, today)
            counts = dict(
                (
                    await db_session.execute(
                        select(Voucher.status, func.count())
                        .where(Voucher.programme_id == programme.id, Voucher.cycle == cycle)
                        .group_by(Voucher.status)
                    )
                ).all()
            )
            rows.append((programme, cycle, counts))
        return render(request, "vouchers/programmes.html", rows=rows, statuses=STATUSES)

    # --- batch ------------------------------------------------------------------------------------------------

    @get("/programmes/{programme_id:uuid}/batch")
    async def batch_preview(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
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
        service = VoucherService(db_session, actor_from_request(request))
        try:
            preview = await service.preview(programme_id, cycle or None)
        except DomainError as error:
            form.error("cycle", error.message)
            preview = await service.preview(programme_id)
        return render(request, "vouchers/batch.html", preview=preview, form=form)

    @post("/programmes/{programme_id:uuid}/batch")
    async def batch_issue(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        cycle = form.pattern(
            "cycle", r"\d{4}-\d{2}|once", _("A cycle is a month written as YYYY-MM, e.g. 2026-11."), max_length=7
        )
        back = f"/vouchers/programmes/{programme_id}/batch?cycle={cycle}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        service = VoucherService(db_session, actor_from_request(request))
        issued = await service.issue_batch(programme_id, None if cycle == "once" else cycle)
        return see_other(
            request,
            f"/vouchers/programmes/{programme_id}/issued?cycle={cycle}",
            _("%(n)s vouchers issued.", n=len(issued)),
        )

    @get("/programmes/{programme_id:uuid}/issued")
    async def issued(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
    ) -> Any:
        """A cycle's vouchers: print them (PDF in three layouts) or hand the list over (CSV)."""
        programme = await VoucherService(db_session, actor_from_request(request)).programme(programme_id)
        cycle = request.query_params.get("cycle") or cycle_of(programme, local_today())
        vouchers = list(
            await db_session.scalars(
                select(Voucher)
                .where(Voucher.programme_id == programme.id, Voucher.cycle == cycle)
                .order_by(Voucher.created_at)
            )
        )
        households = {
            h.id: h
            for h in await db_session.scalars(
                select(Household).where(Household.id.in_([v.household_id for v in vouchers]))
            )
        }
        return render(
            request,
            "vouchers/issued.html",
            programme=programme,
            cycle=cycle,
            vouchers=vouchers,
            households=households,
            statuses=STATUSES,
            layouts=LAYOUTS,
        )

    async def _cycle_vouchers(self, db_session: AsyncSession, programme_id: UUID, cycle: str) -> list[Voucher]:
        return list(
            await db_session.scalars(
                select(Voucher)
                .where(
                    Voucher.programme_id == programme_id, Voucher.cycle == cycle, Voucher.status == VoucherStatus.ISSUED
                )
                .order_by(Voucher.created_at)
            )
        )

    @get("/programmes/{programme_id:uuid}/vouchers.pdf")
    async def cycle_pdf(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
    ) -> Response[bytes]:
        """The cycle's valid vouchers to print: `layout` a4 (one a page), a4x4 (four, with cut marks), receipt."""
        actor = actor_from_request(request)
        programme = await VoucherService(db_session, actor).programme(programme_id)
        layout = _layout(request)
        vouchers = await self._cycle_vouchers(db_session, programme.id, request.query_params.get("cycle", ""))
        await audit.record(db_session, actor, "voucher.print", "programme", programme.id, [f"{len(vouchers)}"])
        content = render_vouchers(await voucher_prints(db_session, vouchers), layout, get_settings().org_name)
        return pdf_response(content, f"vouchers-{programme.code}.pdf")

    @get("/programmes/{programme_id:uuid}/vouchers.csv", media_type="text/csv")
    async def cycle_csv(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
    ) -> Response[str]:
        actor = actor_from_request(request)
        programme = await VoucherService(db_session, actor).programme(programme_id)
        vouchers = await self._cycle_vouchers(db_session, programme.id, request.query_params.get("cycle", ""))
        await audit.record(db_session, actor, "voucher.export", "programme", programme.id, [f"{len(vouchers)}"])
        return csv_response(f"vouchers-{programme.code}.csv", CSV_HEADER, await csv_rows(db_session, vouchers))

    # --- one household's voucher --------------------------------------------------------------------------------

    @post("/issue")
    async def issue(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """From a household's page: this cycle's voucher of a programme."""
        form = Form(await request.form())
        programme, household = form.uuids("programme"), form.uuids("household")
        back = f"/households/{household[0]}" if household else "/vouchers"
        if not programme or not household:
            return await attempt(request, refusal(_("Choose the programme.")), back)
        try:
            voucher = await VoucherService(db_session, actor_from_request(request)).issue(programme[0], household[0])
        except DomainError as error:
            return await attempt(request, refusal(error.message), back)
        return see_other(request, f"/vouchers/{voucher.id}", _("The voucher has been issued."))

    @post("/decide")
    async def decide(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """A case worker's decision for a programme decided case by case, with the reason."""
        form = Form(await request.form())
        programme, household = form.uuids("programme"), form.uuids("household")
        eligible = form.choice("eligible", ["yes", "no"])
        reason = form.text("reason", max_length=300)
        back = f"/households/{household[0]}" if household else "/vouchers"
        if not form.valid or not programme or not household:
            return await attempt(request, refusal(form if form.errors else _("Choose the programme.")), back)
        service = VoucherService(db_session, actor_from_request(request))
        return await attempt(
            request,
            service.decide(programme[0], household[0], eligible == "yes", reason),
            back,
            _("The decision has been recorded."),
        )

    @get("/{voucher_id:uuid}")
    async def voucher(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], voucher_id: FromPath[UUID]
    ) -> Any:
        actor = actor_from_request(request)
        voucher = await VoucherService(db_session, actor).voucher(voucher_id)
        await audit.record(db_session, actor, "voucher.view", "voucher", voucher.id)
        redemptions = (
            await db_session.execute(
                select(Redemption, Site.name)
                .join(Site, Site.id == Redemption.point_id)
                .where(Redemption.voucher_id == voucher.id)
                .order_by(Redemption.at)
            )
        ).all()
        [printed] = await voucher_prints(db_session, [voucher])
        return render(
            request,
            "vouchers/voucher.html",
            voucher=voucher,
            printed=printed,
            lines=await entitlement(db_session, voucher),
            programme=await db_session.get(Programme, voucher.programme_id),
            redemptions=redemptions,
            statuses=STATUSES,
            layouts=LAYOUTS,
            code=codes.format_code(voucher.code),
            mail_ready=SendingService.mail_ready(),
        )

    @get("/{voucher_id:uuid}/voucher.pdf")
    async def voucher_pdf(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], voucher_id: FromPath[UUID]
    ) -> Response[bytes]:
        actor = actor_from_request(request)
        voucher = await VoucherService(db_session, actor).voucher(voucher_id)
        layout = _layout(request)
        await audit.record(db_session, actor, "voucher.print", "voucher", voucher.id)
        content = render_vouchers(await voucher_prints(db_session, [voucher]), layout, get_settings().org_name)
        return pdf_response(content, f"voucher-{codes.format_code(voucher.code)}.pdf")

    @post("/{voucher_id:uuid}/reissue")
    async def reissue(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], voucher_id: FromPath[UUID]
    ) -> Any:
        """A lost voucher: the old code stops working now; a new one carries what was not yet handed out."""
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        back = f"/vouchers/{voucher_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        try:
            new = await VoucherService(db_session, actor_from_request(request)).reissue(voucher_id, reason)
        except DomainError as error:
            return await attempt(request, refusal(error.message), back)
        return see_other(request, f"/vouchers/{new.id}", _("The old code no longer works. This is the new voucher."))

    @post("/{voucher_id:uuid}/revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], voucher_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        reason = form.text("reason", max_length=200)
        back = f"/vouchers/{voucher_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        service = VoucherService(db_session, actor_from_request(request))
        return await attempt(request, service.revoke(voucher_id, reason), back, _("The voucher has been revoked."))

    @post("/{voucher_id:uuid}/send")
    async def send(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], voucher_id: FromPath[UUID]
    ) -> Any:
        """E-mail with the QR attached, or an SMS with a link to a page showing the QR on the household's phone."""
        form = Form(await request.form())
        channel = form.choice("channel", ["email", "sms"])
        back = f"/vouchers/{voucher_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        service = SendingService(db_session, actor_from_request(request))
        base = f"{request.url.scheme}://{request.url.netloc}"
        return await attempt(request, service.send(voucher_id, channel, base), back, _("The voucher has been sent."))
