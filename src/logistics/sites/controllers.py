"""Sites: everyone signed in sees the sites they work at; administrators create and edit them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from logistics.core.errors import DomainError
from logistics.core.i18n import _, local_today
from logistics.sites.labels import KIND_LABELS
from logistics.sites.models import Site, SiteKind
from logistics.sites.policy import MANAGE, VIEW, policy
from logistics.sites.services import SiteInput, SiteService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import see_other
from logistics.web.templating import render

register_nav(lambda: _("Sites"), "/sites", policy.roles(VIEW), order=80)


def read_site_form(form: Form) -> SiteInput | None:
    name = form.text("name", max_length=120)
    address = form.text("address", required=False, max_length=250)
    phone = form.pattern(
        "phone",
        r"[0-9+()\- ]{3,40}",
        _("Use digits, spaces and + ( ) - only."),
        required=False,
        max_length=40,
    )
    opening_hours = form.text("opening_hours", required=False, max_length=1000)
    gmina = form.text("gmina", required=False, max_length=80)
    operator = form.text("operator", required=False, max_length=160)
    kinds = form.choices("kinds", [kind.value for kind in SiteKind], required=True)
    contract_number = form.text("contract_number", required=False, max_length=40)
    contract_from = form.date("contract_from")
    contract_until = form.date("contract_until")
    contact = form.text("contact", required=False, max_length=200)
    if not form.valid:
        return None
    return SiteInput(
        name=name,
        address=address,
        phone=phone,
        opening_hours=opening_hours,
        kinds=kinds,
        gmina=gmina,
        operator=operator,
        contract_number=contract_number,
        contract_from=contract_from,
        contract_until=contract_until,
        contact=contact,
    )


class SiteController(Controller):
    path = "/sites"
    dependencies = services(sites=SiteService)

    @get("/", guards=[may(VIEW)])
    async def list_sites(
        self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService], kind: FromQuery[str] = ""
    ) -> Any:
        kind = kind if kind in {k.value for k in SiteKind} else ""
        found = await sites.list_sites(kind=kind or None)
        return render(request, "sites/list.html", block="table", sites=found, kind=kind, kind_labels=KIND_LABELS)

    @get("/{site_id:uuid}", guards=[may(VIEW)])
    async def site_page(
        self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService], site_id: FromPath[UUID]
    ) -> Any:
        site = await sites.get_site(site_id)
        return render(
            request, "sites/detail.html", site=site, kind_labels=KIND_LABELS, shop=SiteKind.SHOP, today=local_today()
        )

    @get("/new", guards=[may(MANAGE)])
    async def new_site(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "sites/form.html", form=Form(), site=None, kind_labels=KIND_LABELS)

    @post("/new", guards=[may(MANAGE)])
    async def create_site(self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService]) -> Any:
        return await self._save(request, sites, None)

    @get("/{site_id:uuid}/edit", guards=[may(MANAGE)])
    async def edit_site(
        self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService], site_id: FromPath[UUID]
    ) -> Any:
        site = await sites.get_site(site_id)
        form = Form.filled(
            name=site.name,
            address=site.address,
            phone=site.phone,
            opening_hours=site.opening_hours,
            gmina=site.gmina,
            operator=site.operator,
            kinds=[k.value for k in site.kinds],
            contract_number=site.contract_number,
            contract_from=site.contract_from.isoformat() if site.contract_from else "",
            contract_until=site.contract_until.isoformat() if site.contract_until else "",
            contact=site.contact,
        )
        return render(request, "sites/form.html", form=form, site=site, kind_labels=KIND_LABELS)

    @post("/{site_id:uuid}/edit", guards=[may(MANAGE)])
    async def update_site(
        self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService], site_id: FromPath[UUID]
    ) -> Any:
        return await self._save(request, sites, await sites.get_site(site_id))

    @post("/{site_id:uuid}/active", guards=[may(MANAGE)])
    async def set_active(
        self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService], site_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        active = form.boolean("active")
        await sites.set_active(site_id, active)
        message = _("The site has been activated.") if active else _("The site has been deactivated.")
        return see_other(request, f"/sites/{site_id}", message)

    async def _save(self, request: Request[Any, Any, Any], service: SiteService, site: Site | None) -> Any:
        """Create (`site` None) or update a site from the posted form; the form again with errors (422)."""
        form = Form(await request.form())
        data = read_site_form(form)
        if data:
            try:
                if site is None:
                    created = await service.create_site(data)
                    return see_other(request, f"/sites/{created.id}", _("The site has been created."))
                await service.update_site(site.id, data)
                return see_other(request, f"/sites/{site.id}", _("The changes have been saved."))
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return render(
            request, "sites/form.html", block="form", status_code=422, form=form, site=site, kind_labels=KIND_LABELS
        )
