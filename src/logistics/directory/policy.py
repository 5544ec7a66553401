"""Who may do what with the directory of services.

Everyone who advises people reads it (case workers, coordinators, shelter staff, volunteers at the points and the
administrators); coordinators (and administrators) keep it (add, change, archive, verify, import and export, the
places); case workers and shelter staff suggest changes, which coordinators make or set aside. Warehouse and shop
staff do not use it. The public page (no log-in) exists only when LOGISTICS_PUBLIC_DIRECTORY is on.
"""

from __future__ import annotations

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("directory")

#: Search the directory, open an entry, print a list for a client.
VIEW = policy.rule(
    "directory.view", {Role.CASE_WORKER, Role.COORDINATOR, Role.SHELTER_STAFF, Role.VOLUNTEER, Role.ADMIN}
)
#: Add, change, archive and verify entries; import and export CSV; keep the places; resolve suggestions.
EDIT = policy.rule("directory.edit", {Role.COORDINATOR, Role.ADMIN})
#: Suggest a change to an entry, or a new entry.
SUGGEST = policy.rule("directory.suggest", {Role.CASE_WORKER, Role.SHELTER_STAFF})
