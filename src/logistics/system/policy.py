"""Who may see how the system runs: administrators see the scheduled jobs and the history of their runs."""

from __future__ import annotations

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("system")

VIEW_JOBS = policy.rule("system.view_jobs", {Role.ADMIN})
