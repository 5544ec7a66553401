"""Who sees the centre's dashboard: the same decision as the reports' — coordinators and administrators, figures
only (`reports.view`) — so the dashboard asks that rule rather than keeping a second list of the same roles."""

from __future__ import annotations

from logistics.reports.policy import VIEW_REPORTS, policy

VIEW_DASHBOARD = VIEW_REPORTS

__all__ = ["VIEW_DASHBOARD", "policy"]
