"""The settlement pages: the partner shops' months with their totals (open or closed, filtered by shop), one
shop's statement for a month (on screen, CSV, XLSX, PDF) and closing a month. A shop's staff see their own shop
only; another shop's statement is not found."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import _
from logistics.sites.models import Site
from logistics.vouchers.policy import CLOSE_SETTLEMENT, SETTLEMENT, policy
from logistics.vouchers.settlement import SettlementService, Statement, current_month, next_month, parse_month
from logistics.vouchers.settlement_documents import to_csv, to_pdf, to_xlsx
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import flash, pdf_response, see_other
from logistics.web.templating import render

PAGE = "/vouchers/settlements"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv", "xlsx", "pdf"}

register_nav(lambda: _("Settlements"), PAGE, policy.roles(SETTLEMENT), order=27)


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"


def statement_path(shop_id: UUID, month: str) -> str:
    return f"{PAGE}/{shop_id}/{month}"


def _no_statement(request: Request[Any, Any, Any], shop: Site, month: str, error: DomainError) -> Any:
    """The statement page without a statement: the month that is not one, refused next to its field (422)."""
    form = Form.filled(month=month)
    form.error(error.field or "month", error.message)
    return render(request, "vouchers/settlement.html", status_code=422, statement=None, shop=shop, form=form, path="")


class SettlementController(Controller):
    path = PAGE
    guards = [may(SETTLEMENT)]
    dependencies = services(settlement=SettlementService)

    @get("/")
    async def months(self, request: Request[Any, Any, Any], settlement: NamedDependency[SettlementService]) -> Any:
        """The shops' months, newest first; `shop` filters them, `shop` with `month` opens that statement."""
        filters = Form(request.query_params)
        chosen = filters.uuids("shop")
        month = filters.raw("month")
        if month:
            try:
                month = parse_month(month)
            except DomainError as error:
                filters.error("month", error.message)
            else:
                if chosen and filters.valid:
                    await settlement.shop(chosen[0])  # another shop's: not found
                    return see_other(request, statement_path(chosen[0], month))
                if filters.valid:
                    filters.error("shop", _("Choose the partner shop."))
        rows = await settlement.months(chosen[0] if chosen else None) if filters.valid else []
        return render(
            request,
            "vouchers/settlements.html",
            block="months",
            status_code=200 if filters.valid else 422,
            filters=filters,
            rows=rows,
            shop_options=[(str(shop.id), shop.name) for shop in await settlement.shops()],
            current_month=current_month(),
        )

    async def _page(
        self, request: Request[Any, Any, Any], statement: Statement, form: Form | None = None, status_code: int = 200
    ) -> Any:
        return render(
            request,
            "vouchers/settlement.html",
            status_code=status_code,
            statement=statement,
            shop=statement.shop,
            form=form or Form.filled(month=statement.month),
            path=statement_path(statement.shop.id, statement.month),
            previous=previous_month(statement.month),
            next=next_month(statement.month) if next_month(statement.month) <= current_month() else None,
        )

    @get("/{shop_id:uuid}/{month:str}")
    async def statement(
        self,
        request: Request[Any, Any, Any],
        settlement: NamedDependency[SettlementService],
        shop_id: FromPath[UUID],
        month: FromPath[str],
    ) -> Any:
        """A shop's month on screen; `….csv`, `….xlsx` and `….pdf` are its documents."""
        month, _dot, extension = month.partition(".")
        if extension and extension not in FORMATS:
            raise NotFound(_("This page does not exist."))
        shop = await settlement.shop(shop_id)  # another shop's: not found, whatever the month says
        try:
            found = await settlement.statement(shop.id, month)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            if extension:
                raise
            return _no_statement(request, shop, month, error)
        if extension == "csv":
            return _download(to_csv(found), f"{found.slug}.csv", "text/csv; charset=utf-8")
        if extension == "xlsx":
            return _download(to_xlsx(found), f"{found.slug}.xlsx", XLSX)
        if extension == "pdf":
            return pdf_response(to_pdf(found), f"{found.slug}.pdf")
        return await self._page(request, found)

    @post("/{shop_id:uuid}/{month:str}/close", guards=[may(CLOSE_SETTLEMENT)])
    async def close(
        self,
        request: Request[Any, Any, Any],
        settlement: NamedDependency[SettlementService],
        shop_id: FromPath[UUID],
        month: FromPath[str],
    ) -> Any:
        """Close the month: its total is frozen and its spends can no longer be undone. A month not over yet is
        refused next to the month; a month closed already is refused with a message."""
        submitted = Form(await request.form())
        # The total the coordinator was shown: closing freezes that total or nothing (an undo in between is caught).
        expected = submitted.decimal("expected_total", places=2, minimum=Decimal(0))
        try:
            closed = await settlement.close(shop_id, month, expected_total=expected)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            if error.field != "month":  # closed already (perhaps a moment ago, by someone else)
                flash(request, error.message, "error")
                return see_other(request, statement_path(shop_id, month))
            try:
                found = await settlement.statement(shop_id, month)
            except DomainError:  # the month itself is not a month: the statement cannot be shown
                return _no_statement(request, await settlement.shop(shop_id), month, error)
            form = Form.filled(month=found.month)
            form.error("month", error.message)
            return await self._page(request, found, form, status_code=422)
        return see_other(
            request,
            statement_path(shop_id, closed.month),
            _("The month has been closed: its total is frozen and its purchases can no longer be undone."),
        )


def _download(content: str | bytes, filename: str, media_type: str) -> Response[Any]:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
