"""The voivode's register of shelter places (art. 48a ust. 10 of the Social Assistance Act): per facility — its
commune, name, address, operator and kind, its places (in all, for men, women, families, mixed, accessible) and
the places free now.

The places are those of now, whatever the period: the active beds (seats, mats) in the active rooms of every active
site with a shelter kind, counted by `shelter.occupancy.occupancy()` — the same figures as the occupancy board.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import _l, format_datetime
from logistics.core.i18n import gettext as _
from logistics.reports.core import Cell, Period, Table, report, totals
from logistics.shelter.models import RoomCategory
from logistics.shelter.occupancy import occupancy
from logistics.sites.labels import KIND_LABELS, SHELTER_ORDER


@report(
    "voivode-register",
    _l("Register of shelter places"),
    _l(
        "The places in night shelters, shelters and warming centres for the voivode's register: per facility its "
        "commune, operator, kind, places by room category, accessible places and the places free now."
    ),
)
async def build(session: AsyncSession, period: Period) -> list[Table]:
    rows: list[list[Cell]] = []
    for entry in await occupancy(session, None):
        site = entry.site
        kinds = [kind for kind in SHELTER_ORDER if kind in site.kinds]
        rows.append(
            [
                site.gmina,
                site.name,
                site.address,
                site.operator,
                ", ".join(str(KIND_LABELS[kind]) for kind in kinds),
                entry.all.total,
                *(entry.by_category[category.value].total for category in RoomCategory),
                entry.accessible.total,
                entry.all.free,
            ]
        )
    rows.sort(key=lambda row: (str(row[0]).casefold(), str(row[1]).casefold()))
    return [
        Table(
            _("Shelter places"),
            [
                _("Commune (gmina)"),
                _("Facility"),
                _("Address"),
                _("Run by"),
                _("Kind of facility"),
                _("Places"),
                _("Places for men"),
                _("Places for women"),
                _("Places for families"),
                _("Mixed places"),
                _("Accessible places"),
                _("Free now"),
            ],
            rows,
            totals(rows, _("Total"), skip=5),
            _(
                "The places as they are now (%(now)s), whatever the period chosen: active beds, seats and mats in "
                "active rooms. Free now: not occupied, held or out of service.",
                now=format_datetime(datetime.now(UTC)),
            ),
        )
    ]
