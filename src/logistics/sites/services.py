"""Site use cases: list what the actor may see, create and edit sites (administrators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.sites.models import Site, SiteKind, SiteKindRow
from logistics.sites.policy import MANAGE, VIEW


@dataclass(frozen=True)
class SiteInput:
    name: str
    address: str
    phone: str
    opening_hours: str
    kinds: list[str]
    gmina: str = ""
    operator: str = ""
    #: A partner shop's contract with the centre and whom to call there (only for a site of the kind shop).
    contract_number: str = ""
    contract_from: date | None = None
    contract_until: date | None = None
    contact: str = ""


#: The fields only a partner shop has.
SHOP_FIELDS = ("contract_number", "contract_from", "contract_until", "contact")


class SiteService(Service):
    @query
    async def list_sites(self, *, include_inactive: bool = True, kind: str | None = None) -> list[Site]:
        """The sites this actor may see (all for the roles that see every site), by name."""
        rows = select(Site).order_by(Site.name)
        if not include_inactive:
            rows = rows.where(Site.is_active.is_(True))
        if kind:
            rows = rows.where(Site.id.in_(select(SiteKindRow.site_id).where(SiteKindRow.kind == kind)))
        if not self.actor.sees_all_sites:
            rows = rows.where(Site.id.in_(self.actor.site_ids))
        return [site for site in await self.session.scalars(rows) if self.can(VIEW, site)]

    @query
    async def get_site(self, site_id: UUID) -> Site:
        """The site, or NotFound — also for a site outside the actor's sites, which must not learn it exists."""
        site = await self.session.get(Site, site_id)
        if site is None or not self.can(VIEW, site):
            raise NotFound(_("This site does not exist or is not one of yours."))
        return site

    async def create_site(self, data: SiteInput) -> Site:
        self.require(MANAGE)
        await self._check_unique_name(data.name, None)
        kinds = _valid_kinds(data.kinds)
        _check_shop_fields(data, kinds)
        site = Site(
            name=data.name,
            address=data.address,
            phone=data.phone,
            opening_hours=data.opening_hours,
            gmina=data.gmina,
            operator=data.operator,
            **{name: getattr(data, name) for name in SHOP_FIELDS},
        )
        site.kind_rows = [SiteKindRow(kind=kind) for kind in kinds]
        self.session.add(site)
        await _flush_unique_name(self.session)
        await audit.record(
            self.session,
            self.actor,
            "site.create",
            "site",
            site.id,
            ["name", "address", "phone", "gmina", "operator", "kinds"]
            + [name for name in SHOP_FIELDS if getattr(data, name)],
        )
        return site

    async def update_site(self, site_id: UUID, data: SiteInput) -> Site:
        self.require(MANAGE)
        site = await self.get_site(site_id)
        await self._check_unique_name(data.name, site.id)
        kinds = _valid_kinds(data.kinds)
        _check_shop_fields(data, kinds)
        changed = [
            name
            for name in ("name", "address", "phone", "opening_hours", "gmina", "operator", *SHOP_FIELDS)
            if getattr(site, name) != getattr(data, name)
        ]
        for name in changed:
            setattr(site, name, getattr(data, name))
        if [k.value for k in site.kinds] != kinds:
            site.kind_rows = [SiteKindRow(kind=kind) for kind in kinds]
            changed.append("kinds")
        if changed:
            await _flush_unique_name(self.session)
            await audit.record(self.session, self.actor, "site.update", "site", site.id, changed)
        return site

    async def set_active(self, site_id: UUID, active: bool) -> Site:
        """Close or reopen a site; one conditional UPDATE, so of two requests at once only one changes it (and is
        audited)."""
        self.require(MANAGE)
        site = await self.get_site(site_id)
        changed = await self.session.execute(
            update(Site)
            .where(Site.id == site.id, Site.is_active != active)
            .values(is_active=active)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            await self.session.refresh(site)
            await audit.record(
                self.session,
                self.actor,
                "site.activate" if active else "site.deactivate",
                "site",
                site.id,
                ["is_active"],
            )
        return site

    async def _check_unique_name(self, name: str, own_id: UUID | None) -> None:
        other = await self.session.scalar(select(Site.id).where(Site.name == name))
        if other is not None and other != own_id:
            raise DomainError(_("A site with this name already exists."), "name")


async def _flush_unique_name(session: AsyncSession) -> None:
    """Flush; a concurrent request that took the same name first makes this a clear message, not an error page."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise DomainError(_("A site with this name already exists."), "name") from error


def _valid_kinds(kinds: list[str]) -> list[str]:
    if not kinds:
        raise DomainError(_("Choose at least one option."), "kinds")
    allowed = {kind.value for kind in SiteKind}
    if any(kind not in allowed for kind in kinds):
        raise DomainError(_("This option is not available."), "kinds")
    return sorted(set(kinds))


def _check_shop_fields(data: SiteInput, kinds: list[str]) -> None:
    """A contract ends on or after the day it begins; only a partner shop has a contract and a contact."""
    if data.contract_from and data.contract_until and data.contract_until < data.contract_from:
        raise DomainError(_("The contract cannot end before it begins."), "contract_until")
    if SiteKind.SHOP not in kinds:
        given = next((name for name in SHOP_FIELDS if getattr(data, name)), None)
        if given:
            raise DomainError(
                _("Only a partner shop has a contract and a contact: tick the kind Partner shop or leave this empty."),
                given,
            )


async def resolve_site_ids(session: AsyncSession, names_or_ids: list[str]) -> list[UUID]:
    """Site ids for names or ids given on the command line; DomainError naming the first unknown one."""
    result = []
    for value in names_or_ids:
        try:
            condition = Site.id == UUID(value)
        except ValueError:
            condition = Site.name == value
        site_id = await session.scalar(select(Site.id).where(condition))
        if site_id is None:
            raise DomainError(_("Unknown site: %(site)s", site=value), "sites")
        result.append(site_id)
    return result
