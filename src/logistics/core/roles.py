"""The roles a user can have, and which of them see every site."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CASE_WORKER = "case_worker"
    SHELTER_STAFF = "shelter_staff"
    WAREHOUSE = "warehouse"
    VOLUNTEER = "volunteer"
    SHOP = "shop"  # a partner shop's staff: take value vouchers at the till of their own shop


#: Roles that see every site; the others see only the sites they are assigned to. Case workers serve people
#: across the whole centre (they refer them to any shelter or distribution point).
ALL_SITE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CASE_WORKER})
