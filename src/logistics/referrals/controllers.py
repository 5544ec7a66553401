"""STUB — helper B replaces this module (the referrals' pages)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from logistics.referrals.policy import VIEW
from logistics.web.guards import may


class ReferralController(Controller):
    path = "/referrals"

    @get("/", guards=[may(VIEW)])
    async def list_referrals(self) -> Any:
        return "stub"
