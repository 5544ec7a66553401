"""The start page after signing in: the panels of the user's role (stock alerts, ...) and the navigation as
large tiles."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.web.dependencies import actor_from_request
from logistics.web.guards import signed_in
from logistics.web.layout import render_panels
from logistics.web.templating import render


class HomeController(Controller):
    @get("/", guards=[signed_in])
    async def home(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        panels = await render_panels("home", db_session, actor_from_request(request))
        return render(request, "home.html", panels=panels)
