"""The dashboard as the start page of coordinators and administrators: a panel of the start page that shows the
dashboard's figures, and stands in for the start panels whose figures it already shows (beds tonight, stays due
for review, stock, hand-outs, undelivered messages — `covers`: the start page neither loads nor shows them). The
administrator's job panel stays."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.dashboard.controllers import REFRESH
from logistics.dashboard.policy import VIEW_DASHBOARD, policy
from logistics.dashboard.service import dashboard_figures
from logistics.dashboard.views import charts
from logistics.web.layout import register_panel

#: The start panels whose figures are on the dashboard (and so not shown again beside it).
COVERS = frozenset(
    {
        "shelter/start_panel.html",
        "shelter/review_panel.html",
        "inventory/start_panel.html",
        "vouchers/start_panel.html",
        "notifications/start_panel.html",
        "people/start_panel.html",
    }
)


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    figures = await dashboard_figures(session, actor)
    return {"dash": figures, "charts": charts(figures), "refresh": REFRESH}


register_panel("home", "dashboard/start_panel.html", policy.roles(VIEW_DASHBOARD), start_panel, order=1, covers=COVERS)
