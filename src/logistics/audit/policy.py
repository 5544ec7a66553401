"""Who may read the audit log: administrators."""

from __future__ import annotations

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("audit")

VIEW_LOG = policy.rule("audit.view_log", {Role.ADMIN})
