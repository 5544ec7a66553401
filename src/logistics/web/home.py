"""The start page after signing in: the navigation of the user's role as large tiles."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get

from logistics.web.guards import signed_in
from logistics.web.templating import render


class HomeController(Controller):
    @get("/", guards=[signed_in])
    async def home(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "home.html")
