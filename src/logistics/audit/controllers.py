"""Administrators browse the audit log with filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from logistics.audit.labels import ACTIONS, ENTITIES, action_label, entity_label, field_labels
from logistics.audit.policy import VIEW_LOG, policy
from logistics.audit.services import PAGE_SIZE, AuditFilter, AuditService
from logistics.core.i18n import _
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.templating import render

register_nav(lambda: _("Audit log"), "/admin/audit", policy.roles(VIEW_LOG), order=92)


def _day(value: str) -> date | None:
    """A day of the filter, read as a form reads dates; a malformed one (not YYYY-MM-DD, or a year no form accepts,
    like 0001 or 9999) is ignored like any other malformed filter."""
    return Form({"day": value}).date("day")


def _choices(labels: dict[str, Any]) -> dict[str, str]:
    """Codes and their labels in the user's language, in the order of the labels."""
    return dict(sorted(((code, str(label)) for code, label in labels.items()), key=lambda pair: pair[1].casefold()))


class AuditController(Controller):
    path = "/admin/audit"
    guards = [may(VIEW_LOG)]
    dependencies = services(audit=AuditService)

    @get("/")
    async def browse_log(
        self,
        request: Request[Any, Any, Any],
        audit: NamedDependency[AuditService],
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
            page=min(max(page, 1), 100_000),
        )
        entries, total = await audit.browse(query)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return render(
            request,
            "audit/list.html",
            block="results",
            entries=entries,
            total=total,
            query=query,
            pages=pages,
            action_label=action_label,
            entity_label=entity_label,
            field_labels=field_labels,
            action_choices=_choices(ACTIONS),
            entity_choices=_choices(ENTITIES),
        )
