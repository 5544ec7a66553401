"""The programme form for administrators and coordinators (up to eight kit or item lines)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError
from logistics.core.i18n import _, _l
from logistics.inventory.models import Item, Kit
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.vouchers.models import Programme
from logistics.vouchers.programmes import PROGRAMME_ROLES, LineInput, ProgrammeInput, ProgrammeService
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.responses import see_other
from logistics.web.templating import render

LINES = 8
CYCLES = {"monthly": _l("monthly (one voucher a month)"), "one_off": _l("one-off (one voucher, ever)")}
RULES = {
    "income": _l("income per person up to a percentage of the criterion"),
    "decision": _l("a case worker's decision"),
}


def _filled(programme: Programme) -> Form:
    values: dict[str, Any] = {
        "code": programme.code,
        "name": programme.name,
        "cycle": programme.cycle,
        "rule": programme.rule,
        "income_percent": str(programme.income_percent.normalize()),
        "valid_days": str(programme.valid_days or ""),
        "valid_until": programme.valid_until.isoformat() if programme.valid_until else "",
        "active": programme.is_active,
        "points": [str(site_id) for site_id in programme.point_ids],
    }
    for n, line in enumerate(programme.lines):
        values[f"goods-{n}"] = f"kit:{line.kit_id}" if line.kit_id else f"item:{line.item_id}"
        values[f"quantity-{n}"] = str(line.quantity.normalize())
        values[f"per_person-{n}"] = line.per_person
    return Form.filled(**values)


def _read(form: Form) -> ProgrammeInput | None:
    code = form.text("code", max_length=20)
    name = form.text("name", max_length=120)
    cycle = form.choice("cycle", list(CYCLES))
    rule = form.choice("rule", list(RULES))
    percent = form.decimal("income_percent", places=2, minimum=Decimal(0)) or Decimal(100)
    valid_days = form.integer("valid_days", minimum=1, maximum=366)
    valid_until = form.date("valid_until")
    active = form.boolean("active")
    points = form.uuids("points")
    lines = []
    for n in range(LINES):
        goods = form.raw(f"goods-{n}")
        quantity = form.decimal(f"quantity-{n}", places=3, minimum=Decimal("0.001"))
        per_person = form.boolean(f"per_person-{n}")
        form.values[f"goods-{n}"] = goods
        if goods and quantity:
            lines.append(LineInput(goods, quantity, per_person))
        elif goods:
            form.error(f"quantity-{n}", _("Enter the quantity."))
    if not form.valid:
        return None
    return ProgrammeInput(code, name, cycle, rule, percent, valid_days, valid_until, active, lines, points)


class ProgrammeController(Controller):
    path = "/vouchers/programmes"
    guards = [requires(*PROGRAMME_ROLES)]

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        form: Form,
        programme_id: UUID | None,
        status_code: int = 200,
    ) -> Any:
        kits = list(await db_session.scalars(select(Kit).where(Kit.is_active.is_(True)).order_by(Kit.name)))
        items = list(await db_session.scalars(select(Item).where(Item.is_active.is_(True)).order_by(Item.name)))
        points = await db_session.scalars(
            select(Site)
            .join(SiteKindRow, SiteKindRow.site_id == Site.id)
            .where(SiteKindRow.kind == SiteKind.DISTRIBUTION_POINT)
            .order_by(Site.name)
        )
        return render(
            request,
            "vouchers/programme_form.html",
            status_code=status_code,
            form=form,
            programme_id=programme_id,
            goods=[(f"kit:{kit.id}", f"▣ {kit.name}") for kit in kits]
            + [(f"item:{item.id}", f"{item.name} ({item.unit})") for item in items],
            point_options=[(str(site.id), site.name) for site in points],
            cycles=[(key, str(label)) for key, label in CYCLES.items()],
            rules=[(key, str(label)) for key, label in RULES.items()],
            lines=range(LINES),
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        form = Form.filled(cycle="monthly", rule="income", income_percent="265", active=True)
        return await self._page(request, db_session, form, None)

    @get("/{programme_id:uuid}/edit")
    async def edit(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
    ) -> Any:
        programme = await ProgrammeService(db_session, actor_from_request(request)).get(programme_id)
        return await self._page(request, db_session, _filled(programme), programme.id)

    async def _save(self, request: Request[Any, Any, Any], db_session: AsyncSession, programme_id: UUID | None) -> Any:
        form = Form(await request.form())
        data = _read(form)
        if data is not None:
            try:
                await ProgrammeService(db_session, actor_from_request(request)).save(programme_id, data)
                return see_other(request, "/vouchers", _("The programme has been saved."))
            except DomainError as error:
                form.error(error.field or "code", error.message)
        return await self._page(request, db_session, form, programme_id, 422)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        return await self._save(request, db_session, None)

    @post("/{programme_id:uuid}/edit")
    async def update(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], programme_id: FromPath[UUID]
    ) -> Any:
        return await self._save(request, db_session, programme_id)
