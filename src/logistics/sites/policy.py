"""Who may do what with sites: everyone signed in sees the sites they work at (roles that see every site see
them all); administrators create, change, close and reopen sites."""

from __future__ import annotations

from uuid import UUID

from logistics.core.policy import Policy
from logistics.core.roles import Role
from logistics.sites.models import Site

policy = Policy("sites")


def site_of(site: Site) -> UUID:
    return site.id


#: The list of sites and a site's page.
VIEW = policy.rule("sites.view", set(Role), site=site_of)
#: Create a site, change its name, address, phone, hours and kinds, deactivate or reactivate it.
MANAGE = policy.rule("sites.manage", {Role.ADMIN})
