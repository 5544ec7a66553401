"""The one use case of the reports: build a registered report for a period (coordinators and administrators)."""

from __future__ import annotations

from logistics.core.errors import NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.reports.catalogue import ORDER, REPORTS, Definition
from logistics.reports.core import Period, Report, for_reports
from logistics.reports.policy import VIEW_REPORTS


class ReportService(Service):
    def definitions(self) -> list[Definition]:
        self.require(VIEW_REPORTS)
        return sorted(REPORTS.values(), key=lambda d: ORDER.index(d.name) if d.name in ORDER else len(ORDER))

    def definition(self, name: str) -> Definition:
        self.require(VIEW_REPORTS)
        if name not in REPORTS:
            raise NotFound(_("There is no such report."))
        return REPORTS[name]

    @query
    async def build(self, name: str, period: Period) -> Report:
        definition = self.definition(name)
        await for_reports(self.session)
        tables = await definition.build(self.session, period)
        return Report(
            name=name,
            title=str(definition.title),
            description=str(definition.description),
            period=period,
            tables=tables,
        )
