"""Administrators browse the audit log with filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit.services import PAGE_SIZE, AuditFilter, browse
from logistics.core.i18n import _
from logistics.core.roles import Role
from logistics.web.guards import requires
from logistics.web.layout import register_nav
from logistics.web.templating import render

register_nav(lambda: _("Audit log"), "/admin/audit", {Role.ADMIN}, order=92)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class AuditController(Controller):
    path = "/admin/audit"
    guards = [requires(Role.ADMIN)]

    @get("/")
    async def browse_log(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        who: Annotated[str, QueryParameter(name="actor")] = "",
        action: FromQuery[str] = "",
        entity_type: FromQuery[str] = "",
        entity_id: FromQuery[str] = "",
        day_from: FromQuery[str] = "",
        day_to: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Any:
        query = AuditFilter(
            actor=who[:64],
            action=action[:64],
            entity_type=entity_type[:64],
            entity_id=entity_id[:64],
            day_from=_day(day_from),
            day_to=_day(day_to),
            page=max(page, 1),
        )
        entries, total = await browse(db_session, query)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return render(
            request,
            "audit/list.html",
            block="results",
            entries=entries,
            total=total,
            query=query,
            pages=pages,
        )
