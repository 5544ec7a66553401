"""The dashboard's charts, drawn from its figures (web/charts.py: server-rendered SVG with a table alternative)."""

from __future__ import annotations

from datetime import date

from logistics.core.i18n import format_date, format_number, ngettext
from logistics.core.i18n import gettext as _
from logistics.dashboard.service import Beds, Dashboard, Distribution
from logistics.web.charts import Bar, Chart, Series, bar_chart, line_chart

#: Day labels on the charts' axes (the full date is in the table).
DAY = "dd.MM"
#: The line charts sit in a third or half of the page: drawn narrower, their text stays readable.
CHART_WIDTH = 520


def day_label(day: date) -> str:
    return format_date(day, DAY)


def occupancy_chart(beds: Beds) -> Chart:
    """Occupied places on the nights before tonight (the snapshots) and tonight (now), against the places."""
    nights = [*beds.history, (beds.night, beds.all.occupied, beds.all.total)]
    return line_chart(
        _("Occupied places: tonight and the %(n)s nights before", n=len(beds.history)),
        [day_label(night) for night, _o, _t in nights],
        [
            Series(_("occupied"), [occupied for _n, occupied, _t in nights], area=True),
            Series(_("places"), [total for _n, _o, total in nights]),
        ],
        label_heading=_("Night"),
        css="chart-occupancy",
        width=CHART_WIDTH,
    )


def pace_chart(distribution: Distribution) -> Chart:
    """Redemptions per day, the last 30 days up to today."""
    return line_chart(
        _("Hand-outs per day, the last %(n)s days", n=len(distribution.per_day)),
        [day_label(day) for day, _n in distribution.per_day],
        [Series(_("hand-outs"), [n for _d, n in distribution.per_day], area=True)],
        label_heading=_("Day"),
        css="chart-pace",
        width=CHART_WIDTH,
    )


def hours_chart(distribution: Distribution) -> Chart:
    """Today's redemptions per hour."""
    return line_chart(
        _("Hand-outs per hour today"),
        [f"{hour:02d}:00" for hour, _n in distribution.per_hour],
        [Series(_("hand-outs"), [n for _h, n in distribution.per_hour], area=True)],
        label_heading=_("Hour"),
        css="chart-hours",
        width=CHART_WIDTH,
    )


def cover_chart(distribution: Distribution, shown: int = 8) -> Chart:
    """The points' items with the least cover: how many of the remaining vouchers there the stock still covers (a
    full bar: all of them)."""
    bars = [
        Bar(
            f"{row.point.name} · {row.item}",
            round(min(row.share, 1.0) * 100),
            href=f"/stock/{row.point.id}",
            text=ngettext(
                "%(num)s of %(of)s voucher",
                "%(num)s of %(of)s vouchers",
                round(row.vouchers),
                num=format_number(row.vouchers_covered),
                of=format_number(round(row.vouchers)),
            ),
            level="danger" if row.short else "",
        )
        for row in distribution.cover[:shown]
    ]
    return bar_chart(
        _("Stock cover: remaining vouchers the stock at the point still covers"),
        bars,
        label_heading=_("Point and item"),
        value_heading=_("Vouchers covered"),
        css="chart-cover",
        scale=100,  # a full bar: every remaining voucher covered
    )


def charts(dashboard: Dashboard) -> dict[str, Chart]:
    return {
        "occupancy": occupancy_chart(dashboard.beds),
        "pace": pace_chart(dashboard.distribution),
        "hours": hours_chart(dashboard.distribution),
        "cover": cover_chart(dashboard.distribution),
    }
