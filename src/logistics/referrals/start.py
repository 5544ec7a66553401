"""The referrals part of a case worker's start page: their own open and overdue referrals, overdue first."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.referrals import models as _models  # noqa: F401 — the metadata is complete once app.py imports this
from logistics.referrals.policy import ISSUE, policy
from logistics.referrals.services import ReferralService
from logistics.web.layout import register_panel

SHOWN = 8


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    service = ReferralService(session, actor)
    lines = await service.open_of_actor(limit=SHOWN)
    counts = await service.counts(mine=True)
    return {"lines": lines, "open": counts["open"], "overdue": counts["overdue"]}


register_panel("home", "referrals/start_panel.html", policy.roles(ISSUE), start_panel, order=16)
