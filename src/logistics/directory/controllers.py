"""STUB — helper A replaces this module (the directory's pages and the public page)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from logistics.directory.policy import VIEW
from logistics.web.guards import may


class DirectoryController(Controller):
    path = "/directory"

    @get("/", guards=[may(VIEW)])
    async def search(self) -> Any:
        return "stub"


@get("/public/services", opt={"exclude_from_auth": True})
async def public_directory() -> Any:
    return "stub"
