"""The reports' pages: the list, one report for a period on screen, and its CSV, XLSX and PDF."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.reports.core import Period, Report
from logistics.reports.policy import VIEW_REPORTS, policy
from logistics.reports.render import to_csv, to_pdf, to_xlsx
from logistics.reports.service import ReportService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.templating import render

register_nav(lambda: _("Reports"), "/reports", policy.roles(VIEW_REPORTS), order=85)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def last_month(today: date) -> Period:
    """The default period: the last full month."""
    end = today.replace(day=1) - timedelta(days=1)
    return Period.month(end.year, end.month)


def quick_periods(today: date) -> list[tuple[str, Period]]:
    """Periods a coordinator reports for most often: this and last month, the last half-year, last year."""
    this_month = Period(today.replace(day=1), today)
    half = Period.named(f"{today.year}-H1") if today.month > 6 else Period.named(f"{today.year - 1}-H2")
    return [
        ("this_month", this_month),
        ("last_month", last_month(today)),
        ("half_year", half),
        ("this_year", Period(date(today.year, 1, 1), today)),
        ("last_year", Period.named(str(today.year - 1))),
    ]


def _period(params: Form) -> Period:
    """The period a request's query asks for (`from`/`to`, or `period`); the last full month when it names none."""
    first, last, named = params.raw("from"), params.raw("to"), params.raw("period")
    if not (first or last or named):
        return last_month(local_today())
    return Period.parse(first, last, named)


class ReportsController(Controller):
    path = "/reports"
    guards = [may(VIEW_REPORTS)]
    dependencies = services(reports=ReportService)

    @get("/")
    async def index(self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService]) -> Any:
        today = local_today()
        return render(
            request,
            "reports/list.html",
            definitions=reports.definitions(),
            period=last_month(today),
            quick=quick_periods(today),
        )

    @get("/{name:str}")
    async def show(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], name: FromPath[str]
    ) -> Any:
        definition = reports.definition(name)
        params = Form(request.query_params)
        form = Form.filled(**{key: params.raw(key) for key in ("from", "to", "period")})
        report: Report | None = None
        try:
            period = _period(params)
        except DomainError as error:
            form.errors[error.field or "from"] = error.message
            period = last_month(local_today())
        else:
            report = await reports.build(name, period)
        return render(
            request,
            "reports/report.html",
            status_code=200 if form.valid else 422,
            definition=definition,
            report=report,
            period=period,
            form=form,
            quick=quick_periods(local_today()),
        )

    async def _export(self, request: Request[Any, Any, Any], reports: ReportService, name: str) -> Report:
        return await reports.build(name, _period(Form(request.query_params)))

    @staticmethod
    def _file(report: Report, extension: str, content: str | bytes, media_type: str) -> Response[Any]:
        filename = f"{report.name}_{report.period.slug}.{extension}"
        return Response(
            content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    @get("/{name:str}/export.csv", media_type="text/csv")
    async def export_csv(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], name: FromPath[str]
    ) -> Response[Any]:
        report = await self._export(request, reports, name)
        return self._file(report, "csv", to_csv(report), "text/csv; charset=utf-8")

    @get("/{name:str}/export.xlsx", media_type=XLSX)
    async def export_xlsx(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], name: FromPath[str]
    ) -> Response[Any]:
        report = await self._export(request, reports, name)
        return self._file(report, "xlsx", to_xlsx(report), XLSX)

    @get("/{name:str}/export.pdf", media_type="application/pdf")
    async def export_pdf(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], name: FromPath[str]
    ) -> Response[Any]:
        report = await self._export(request, reports, name)
        return self._file(report, "pdf", to_pdf(report), "application/pdf")
