"""The start page after signing in: the panels of the user's role with live figures — tonight's beds at the desk,
the scan page and today's hand-outs at a point, transfers arriving and stock alerts, records to complete — each
registered by its domain (`<domain>/start.py`) with the roles of its action. A role without a panel sees the
navigation as large tiles. Coordinators and administrators start from the centre's dashboard (dashboard/start.py),
which stands in for the panels whose figures it shows."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.policy import Policy
from logistics.core.roles import Role
from logistics.web.guards import may
from logistics.web.layout import render_panels
from logistics.web.templating import render

policy = Policy("home")

START_PAGE = policy.rule("home.start_page", set(Role))


class HomeController(Controller):
    @get("/", guards=[may(START_PAGE)])
    async def home(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> Any:
        """The panels read what they show in the request's (read) transaction; a panel that stands in for others
        (the coordinator's dashboard shows the figures of the beds, stock ... panels) covers them."""
        return render(request, "home.html", panels=await render_panels("home", db_session, actor))
