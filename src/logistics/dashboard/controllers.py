"""The dashboard's own pages: `/dashboard` (also full screen for a wall, `?wall=1`: no menu, large type) and
`/dashboard/figures`, the block the page refreshes itself with every minute (htmx). For coordinators and
administrators it is also their start page (`dashboard/start.py`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency

from logistics.dashboard.policy import VIEW_DASHBOARD
from logistics.dashboard.service import DashboardService
from logistics.dashboard.views import charts
from logistics.web.dependencies import services
from logistics.web.guards import may
from logistics.web.templating import render

#: Seconds between the page's refreshes.
REFRESH = 60


def _wall(request: Request[Any, Any, Any]) -> bool:
    return request.query_params.get("wall") == "1"


class DashboardController(Controller):
    path = "/dashboard"
    guards = [may(VIEW_DASHBOARD)]
    dependencies = services(dashboard=DashboardService)

    async def _render(self, request: Request[Any, Any, Any], dashboard: DashboardService) -> Any:
        figures = await dashboard.figures()
        return render(
            request,
            "dashboard/page.html",
            block="figures",
            dash=figures,
            charts=charts(figures),
            wall=_wall(request),
            refresh=REFRESH,
        )

    @get("/")
    async def page(self, request: Request[Any, Any, Any], dashboard: NamedDependency[DashboardService]) -> Any:
        """The centre at a glance: beds, distribution, stock, activities, people — each figure a link."""
        return await self._render(request, dashboard)

    @get("/figures")
    async def figures(self, request: Request[Any, Any, Any], dashboard: NamedDependency[DashboardService]) -> Any:
        """The figures block alone, for the page's refresh (the whole page when not asked by htmx)."""
        return await self._render(request, dashboard)
