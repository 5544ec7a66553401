"""The programme form for administrators and coordinators: a goods programme (up to eight kit or item lines, at
distribution points) or a value programme (an amount in zł, how it is set, the spending categories, at partner
shops)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _, _l, local_today
from logistics.vouchers import grants
from logistics.vouchers.models import AmountBasis, Programme, ProgrammeKind
from logistics.vouchers.policy import MANAGE_PROGRAMMES
from logistics.vouchers.programmes import (
    HIGHEST_PERCENT,
    LOWEST_PERCENT,
    FormOptions,
    LineInput,
    ProgrammeInput,
    ProgrammeService,
    counted,
    last_day_window,
)
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.responses import see_other
from logistics.web.templating import render

LINES = 8
CYCLES = {"monthly": _l("monthly (one voucher a month)"), "one_off": _l("one-off (one voucher, ever)")}
RULES = {
    "income": _l("income per person up to a percentage of the criterion"),
    "decision": _l("a case worker's decision"),
}
KINDS = {
    ProgrammeKind.GOODS: _l("goods (kits and items at distribution points)"),
    ProgrammeKind.VALUE: _l("value (an amount in zł spent at partner shops)"),
}
BASES = {
    AmountBasis.HOUSEHOLD: _l("per household"),
    AmountBasis.PERSON: _l("per person of the household"),
    AmountBasis.SET: _l("set by the case worker, up to the amount"),
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
        "kind": programme.kind,
        "amount": str(programme.amount) if programme.amount is not None else "",
        "amount_basis": programme.amount_basis,
        "categories": programme.categories,
        "shops" if programme.is_value else "points": [str(site_id) for site_id in programme.point_ids],
    }
    for n, line in enumerate(programme.lines):
        values[f"goods-{n}"] = f"kit:{line.kit_id}" if line.kit_id else f"item:{line.item_id}"
        values[f"quantity-{n}"] = str(line.quantity.normalize())
        values[f"per_person-{n}"] = line.per_person
    return Form.filled(**values)


def _whole(options: FormOptions) -> set[str]:
    """The goods of the form counted in whole numbers: every kit, and the items counted in pieces or packs."""
    return {f"kit:{kit.id}" for kit in options.kits} | {f"item:{item.id}" for item in options.items if counted(item)}


def _read(form: Form, whole: set[str], last_day: date | None) -> ProgrammeInput | None:
    """The programme typed in the form; `last_day` is its last day as saved (an edit may keep one that passed)."""
    code = form.text("code", max_length=20)
    name = form.text("name", max_length=120)
    cycle = form.choice("cycle", list(CYCLES))
    rule = form.choice("rule", list(RULES))
    percent = form.decimal("income_percent", places=2, minimum=LOWEST_PERCENT, maximum=HIGHEST_PERCENT)
    valid_days = form.integer("valid_days", minimum=1, maximum=366)
    earliest, latest = last_day_window(local_today())
    valid_until = form.date("valid_until", earliest=min(earliest, last_day or earliest), latest=latest)
    active = form.boolean("active")
    kind = form.choice("kind", list(KINDS), required=False) or ProgrammeKind.GOODS
    value = kind == ProgrammeKind.VALUE
    amount = form.decimal("amount", places=2, minimum=Decimal("0.01"), maximum=grants.MAX_AMOUNT)
    basis = form.choice("amount_basis", list(BASES), required=False) or AmountBasis.HOUSEHOLD
    categories = form.choices("categories", [code for code, _label in grants.categories()])
    points, shops = form.uuids("points"), form.uuids("shops")
    if value:
        if amount is None and "amount" not in form.errors:
            form.error("amount", _("Enter the amount in zł."))
        if not categories and "categories" not in form.errors:
            form.error("categories", _("Choose at least one category the voucher may be spent on."))
        if points:
            form.error("points", _("A value programme is spent at partner shops: untick the distribution points."))
    else:
        if amount is not None:
            form.error("amount", _("A goods programme has no amount: leave it empty, or make it a value programme."))
        if categories:
            form.error(
                "categories",
                _("A goods programme has no spending categories: untick them, or make it a value programme."),
            )
        if shops:
            form.error("shops", _("A goods programme is handed out at distribution points: untick the shops."))
    lines = []
    for n in range(LINES):
        goods = form.raw(f"goods-{n}")
        quantity = form.decimal(f"quantity-{n}", places=3, minimum=Decimal("0.001"), whole=goods in whole)
        per_person = form.boolean(f"per_person-{n}")
        form.values[f"goods-{n}"] = goods
        if goods and quantity:
            lines.append(LineInput(goods, quantity, per_person))
        elif goods:
            form.error(f"quantity-{n}", _("Enter the quantity."))
    if value and lines:
        form.error(
            "lines",
            _("A value programme holds an amount, not goods: remove the kits and items, or make it a goods programme."),
        )
    if not form.valid:
        return None
    percent = Decimal(100) if percent is None else percent  # not asked for by the decision rule
    return ProgrammeInput(
        code,
        name,
        cycle,
        rule,
        percent,
        valid_days,
        valid_until,
        active,
        lines,
        shops if value else points,
        kind,
        amount if value else None,
        basis,
        categories if value else [],
    )


class ProgrammeController(Controller):
    path = "/vouchers/programmes"
    guards = [may(MANAGE_PROGRAMMES)]
    dependencies = services(programmes=ProgrammeService)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        programmes: ProgrammeService,
        form: Form,
        programme_id: UUID | None,
        status_code: int = 200,
    ) -> Any:
        options = await programmes.form_options()
        return render(
            request,
            "vouchers/programme_form.html",
            status_code=status_code,
            form=form,
            programme_id=programme_id,
            goods=[(f"kit:{kit.id}", f"▣ {kit.name}") for kit in options.kits]
            + [(f"item:{item.id}", f"{item.name} ({item.unit})") for item in options.items],
            point_options=[(str(site.id), site.name) for site in options.points],
            shop_options=[
                (str(site.id), f"{site.name}, {site.address}" if site.address else site.name) for site in options.shops
            ],
            kinds=[(str(key), str(label)) for key, label in KINDS.items()],
            bases=[(str(key), str(label)) for key, label in BASES.items()],
            category_options=grants.categories(),
            max_amount=grants.MAX_AMOUNT,
            cycles=[(key, str(label)) for key, label in CYCLES.items()],
            rules=[(key, str(label)) for key, label in RULES.items()],
            lines=range(LINES),
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any], programmes: NamedDependency[ProgrammeService]) -> Any:
        kind = ProgrammeKind.VALUE if request.query_params.get("kind") == ProgrammeKind.VALUE else ProgrammeKind.GOODS
        form = Form.filled(
            kind=kind, cycle="monthly", rule="income", income_percent="265", active=True, amount_basis="household"
        )
        return await self._page(request, programmes, form, None)

    @get("/{programme_id:uuid}/edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        programmes: NamedDependency[ProgrammeService],
        programme_id: FromPath[UUID],
    ) -> Any:
        programme = await programmes.get(programme_id)
        return await self._page(request, programmes, _filled(programme), programme.id)

    async def _save(
        self, request: Request[Any, Any, Any], programmes: ProgrammeService, programme_id: UUID | None
    ) -> Any:
        form = Form(await request.form())
        saved = await programmes.get(programme_id) if programme_id else None
        data = _read(form, _whole(await programmes.form_options()), saved.valid_until if saved else None)
        if data is not None:
            try:
                await programmes.save(programme_id, data)
                return see_other(request, "/vouchers", _("The programme has been saved."))
            except DomainError as error:
                form.error(error.field or "code", error.message)
        return await self._page(request, programmes, form, programme_id, 422)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], programmes: NamedDependency[ProgrammeService]) -> Any:
        return await self._save(request, programmes, None)

    @post("/{programme_id:uuid}/edit")
    async def update(
        self,
        request: Request[Any, Any, Any],
        programmes: NamedDependency[ProgrammeService],
        programme_id: FromPath[UUID],
    ) -> Any:
        return await self._save(request, programmes, programme_id)
