"""Coordinators' page of the conflicts of offline redemptions: filter by point and from a day, see every
redemption of each conflict's voucher, resolve one with a note (the error next to its field). And the start
page's reminder while some are unresolved."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import _, local_today
from logistics.vouchers.conflicts import ConflictService
from logistics.vouchers.policy import RESOLVE_CONFLICTS, policy
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_panel
from logistics.web.responses import flash, local_path, see_other
from logistics.web.templating import render

PAGE = "/vouchers/conflicts"


async def conflicts_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any] | None:
    """On the start page while there are unresolved conflicts (nothing otherwise)."""
    found = await ConflictService(session, actor).find()
    return {"conflicts": len(found)} if found else None


register_panel("home", "vouchers/conflicts_panel.html", policy.roles(RESOLVE_CONFLICTS), conflicts_panel, order=5)


class ConflictController(Controller):
    path = PAGE
    guards = [may(RESOLVE_CONFLICTS)]
    dependencies = services(conflicts=ConflictService)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        conflicts: ConflictService,
        filters: Form,
        note: tuple[UUID, Form] | None = None,
    ) -> Any:
        chosen = filters.uuids("point")
        since = filters.date("from", latest=local_today())
        include_resolved = filters.boolean("all")
        found = await conflicts.find(chosen[0] if chosen else None, since, include_resolved) if filters.valid else []
        return render(
            request,
            "vouchers/conflicts.html",
            block="conflicts",
            status_code=422 if note or not filters.valid else 200,
            filters=filters,
            conflicts=found,
            point_options=[(str(site.id), site.name) for site in await conflicts.points()],
            note_for=note[0] if note else None,
            note_form=note[1] if note else Form(),
            back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        )

    @get("/")
    async def list_conflicts(self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]) -> Any:
        """The conflicts, unresolved first; `point`, `from` (a day) and `all` (resolved ones too) filter them."""
        return await self._page(request, conflicts, Form(request.query_params))

    @post("/{redemption_id:uuid}/resolve")
    async def resolve(
        self,
        request: Request[Any, Any, Any],
        conflicts: NamedDependency[ConflictService],
        redemption_id: FromPath[UUID],
    ) -> Any:
        """Resolve a conflict with a note; back to the page it was sent from (this list or a reconciliation)."""
        form = Form(await request.form())
        note = form.text("note", max_length=500)
        back = local_path(form.raw("next"), PAGE)
        if form.valid:
            try:
                await conflicts.resolve(redemption_id, note)
                return see_other(request, back, _("The conflict has been resolved."))
            except (NotFound, Forbidden):
                raise
            except DomainError as error:
                if not error.field:  # resolved a moment ago by someone else
                    flash(request, error.message, "error")
                    return see_other(request, back)
                form.error(error.field, error.message)
        return await self._page(request, conflicts, Form(), (redemption_id, form))
