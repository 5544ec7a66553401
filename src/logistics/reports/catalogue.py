"""Every report, registered by importing its module (in the order the list of reports shows them)."""

from __future__ import annotations

from logistics.reports import activities, fepz, in_kind, reasons, register, shelter  # noqa: F401 - they register
from logistics.reports.core import REPORTS, Definition

#: The order the list of reports shows them in.
ORDER = ["shelter", "in-kind", "reasons", "fepz", "voivode-register", "activities"]

__all__ = ["ORDER", "REPORTS", "Definition"]
