"""STUB — helper B replaces this module (the receiving institution's confirmation at /r and /r/<code>)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get


class PublicReferralController(Controller):
    path = "/r"

    @get("/", opt={"exclude_from_auth": True})
    async def enter_code(self) -> Any:
        return "stub"
