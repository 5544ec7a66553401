"""The directory's panel on the coordinators' start page: entries not verified for VERIFY_MONTHS months and open
suggestions, each with a link to its list. (Importing this module also completes the models' metadata.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.directory import models as _models  # noqa: F401 — the directory's tables in the metadata
from logistics.directory.models import VERIFY_MONTHS
from logistics.directory.policy import EDIT, policy
from logistics.directory.services import DirectoryService
from logistics.web.layout import register_panel


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    counts = await DirectoryService(session, actor).counts()
    return {"counts": counts, "verify_months": VERIFY_MONTHS}


register_panel("home", "directory/start_panel.html", policy.roles(EDIT), start_panel, order=45)
