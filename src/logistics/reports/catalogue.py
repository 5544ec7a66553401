"""Every report, registered by importing its module (in the order the list of reports shows them)."""

from __future__ import annotations

from logistics.reports import (  # noqa: F401 - they register
    activities,
    fepz,
    grants,
    in_kind,
    reasons,
    register,
    shelter,
)
from logistics.reports.core import REPORTS, Definition

#: The order the list of reports shows them in.
ORDER = ["shelter", "in-kind", "reasons", "grants", "fepz", "voivode-register", "activities"]

__all__ = ["ORDER", "REPORTS", "Definition"]
