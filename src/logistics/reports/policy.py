"""Who may see the reports and the centre's dashboard: coordinators and administrators (figures only)."""

from __future__ import annotations

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("reports")

VIEW_REPORTS = policy.rule("reports.view", {Role.ADMIN, Role.COORDINATOR})
