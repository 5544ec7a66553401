"""The activities part of a trainer's (volunteer's) start page: today's sessions at their venues, each one tap
from its attendance sheet. Shown only when the user has a venue (the policy's venue-limited roles)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from logistics.activities.attendance import AttendanceService
from logistics.activities.policy import VENUE_LIMITED
from logistics.core.actor import Actor
from logistics.web.layout import register_panel


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any] | None:
    """Today's sessions (a read of `AttendanceService.today`, a query); nothing on a day without any."""
    sessions = await AttendanceService(session, actor).today()
    return {"sessions": sessions} if sessions else None


register_panel("home", "activities/start_panel.html", frozenset(VENUE_LIMITED), start_panel, order=22)
