"""Charts drawn on the server as SVG: a line (area) chart over time and a horizontal bar chart.

Why server-rendered SVG and no charting library: it needs no script, so it works under our Content Security Policy
(no inline scripts, nothing evaluated); it prints and saves to PDF as it is shown; it costs a tablet a few kilobytes
of markup instead of a library to download and run; it is refreshed with the page's htmx partials like any other
figure; and its colours come from the stylesheet (classes, not inline styles). Every chart carries its title, axes
and value labels in the SVG, and the same figures as a table under a <details> — the text alternative for screen
readers and for anyone who would rather read the numbers.

`line_chart(...)` and `bar_chart(...)` return a `Chart`: put `{{ chart }}` in a template (it renders as a <figure>).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from markupsafe import Markup, escape

from logistics.core.i18n import format_number
from logistics.core.i18n import gettext as _

Number = int | float | Decimal

#: The drawing's size in SVG units (it scales to the width of its box).
WIDTH, HEIGHT = 720, 260
#: Room for the y-axis labels (left), the x-axis labels (bottom), the legend and value labels (top), and the last
#: value label (right).
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 40, 36
#: At most this many labels on the x axis (every n-th point is labelled).
MAX_X_LABELS = 8
#: A bar's label line above it, the bar, the gap to the next; room for the value after the longest bar.
BAR_LABEL, BAR_HEIGHT, BAR_GAP, BAR_VALUE_WIDTH = 20, 20, 10, 180

_ids = count(1)


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name (the legend and the table's heading) and one value per x label."""

    name: str
    values: Sequence[Number]
    area: bool = False  # fill the area under the line


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number
    href: str = ""  # the page behind the bar
    text: str = ""  # what the value label says (the value itself when empty), e.g. "12 of 40"
    level: str = ""  # "", "warn" or "danger": the bar's colour class


@dataclass(frozen=True)
class Chart:
    """A drawn chart and its text alternative (a table of the same figures)."""

    title: str
    svg: Markup
    headings: list[str]
    rows: list[list[str]]
    summary: str = ""  # a sentence with the main figure, shown under the chart
    empty: bool = False
    css: str = ""
    links: tuple[str, ...] = ()  # per row, the page behind it ("" for none): a link in the table

    def _row_heading(self, n: int, label: str) -> str:
        href = self.links[n] if n < len(self.links) else ""
        return f'<a href="{escape(href)}">{escape(label)}</a>' if href else str(escape(label))

    def table(self) -> Markup:
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.headings)
        body = "".join(
            "<tr>"
            + f'<th scope="row">{self._row_heading(n, row[0])}</th>'
            + "".join(f"<td>{escape(c)}</td>" for c in row[1:])
            + "</tr>"
            for n, row in enumerate(self.rows)
        )
        return _markup(f'<table class="table chart-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')

    def __html__(self) -> str:
        if self.empty:
            return str(
                Markup(
                    '<figure class="chart-figure {}"><figcaption>{}</figcaption><p class="muted">{}</p></figure>'
                ).format(self.css, self.title, _("No figures to show yet."))
            )
        summary = Markup('<p class="chart-summary">{}</p>').format(self.summary) if self.summary else ""
        return str(
            Markup(
                '<figure class="chart-figure {css}"><figcaption>{title}</figcaption>{svg}{summary}'
                '<details class="chart-data"><summary>{show}</summary>{table}</details></figure>'
            ).format(
                css=self.css,
                title=self.title,
                svg=self.svg,
                summary=summary,
                show=_("The figures as a table"),
                table=self.table(),
            )
        )


def _markup(text: str) -> Markup:
    """Our own drawing: every text that goes into it (titles, labels, values) is escaped where it is added."""
    return Markup(text)  # noqa: S704 — built here from escaped parts only


def _number(value: Number) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_number(value)


def nice_ticks(top: float, ticks: int = 4) -> list[float]:
    """Round axis values from 0 to at least `top` (0, 5, 10, 15, 20 …), `ticks` steps or about."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    steps = math.ceil(top / step - 1e-9)
    return [round(step * n, 10) for n in range(steps + 1)]


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    axis_label: str = "",
    label_heading: str = "",
    css: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """A line chart of `series` over `labels` (the x axis: nights, days, hours), with a y axis of round values,
    the x labels (every n-th when there are many), and each line's last value and highest value written on it.
    `width` and `height` are the drawing's units: a chart shown in a narrow column reads better drawn narrower
    (its text keeps its size)."""
    headings = [label_heading or "", *(s.name for s in series)]
    rows = [[label, *(_number(s.values[i]) for s in series)] for i, label in enumerate(labels)]
    values = [float(v) for s in series for v in s.values]
    if not labels or not values:
        return Chart(title, Markup(""), headings, [], empty=True, css=css)
    chart_id = f"chart-{next(_ids)}"
    ticks = nice_ticks(max(values))
    top = ticks[-1] or 1.0
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts: list[str] = []
    for tick in ticks:  # the y axis: grid lines with round values
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="chart-tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(_number(tick))}</text>"
        )
    most = max(3, min(MAX_X_LABELS, plot_w // 70))  # x labels that fit side by side
    every = max(1, math.ceil(len(labels) / most))
    for i, label in enumerate(labels):  # the x axis
        if i % every == 0 or (i == len(labels) - 1 and (len(labels) - 1) % every >= every / 2):
            parts.append(
                f'<text class="chart-tick" x="{x(i):.1f}" y="{height - BOTTOM + 18}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{width - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
        f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>'
    )
    if axis_label:
        parts.append(f'<text class="chart-axis-label" x="{LEFT}" y="16">{escape(axis_label)}</text>')
    for n, line in enumerate(series):
        points = [(x(i), y(float(v))) for i, v in enumerate(line.values)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        if line.area:
            base = TOP + plot_h
            parts.append(
                f'<polygon class="chart-area chart-area-{n}" points="{points[0][0]:.1f},{base} {path} '
                f'{points[-1][0]:.1f},{base}"/>'
            )
        parts.append(f'<polyline class="chart-line chart-line-{n}" points="{path}"/>')
        if len(points) <= 31:
            for i, (px, py) in enumerate(points):
                parts.append(
                    f'<circle class="chart-dot chart-line-{n}" cx="{px:.1f}" cy="{py:.1f}" r="3">'
                    f"<title>{escape(labels[i])}: {escape(_number(line.values[i]))}</title></circle>"
                )
        # Value labels: the last value, and the highest when it is elsewhere.
        last = len(points) - 1
        highest = max(range(len(points)), key=lambda i: (float(line.values[i]), i))  # the latest of equal highs
        for i in dict.fromkeys((highest, last)):
            px, py = points[i]
            anchor = "end" if px > width - RIGHT - 40 else "middle"
            parts.append(
                f'<text class="chart-value chart-value-{n}" x="{px:.1f}" y="{max(py - 8, TOP - 4):.1f}" '
                f'text-anchor="{anchor}">{escape(_number(line.values[i]))}</text>'
            )
    legend = ""
    if len(series) > 1:
        legend = "".join(
            f'<tspan class="chart-legend-{n}" dx="{12 if n else 0}">■ {escape(s.name)}</tspan>'
            for n, s in enumerate(series)
        )
        legend = f'<text class="chart-legend" x="{width - RIGHT}" y="16" text-anchor="end">{legend}</text>'
    svg = _markup(
        f'<svg class="chart chart-line-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{legend}{"".join(parts)}</svg>'
    )
    return Chart(title, svg, headings, rows, css=css)


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    value_heading: str = "",
    label_heading: str = "",
    css: str = "",
    scale: Number | None = None,
) -> Chart:
    """Horizontal bars, one per row, the longest for the highest value: each bar's label above it (so long names
    are never cut), its value (or `text`) at the bar's end. A bar's `href` is a link in the table under the chart
    (not in the drawing: an image holds no controls). `scale`: the value of a full
    bar (the highest value when not given; a value above it draws a full bar)."""
    headings = [label_heading, value_heading]
    rows = [[bar.label, bar.text or _number(bar.value)] for bar in bars]
    if not bars:
        return Chart(title, Markup(""), headings, [], empty=True, css=css)
    chart_id = f"chart-{next(_ids)}"
    top = float(scale) if scale else max(float(bar.value) for bar in bars) or 1.0
    plot_w = WIDTH - BAR_VALUE_WIDTH
    row_h = BAR_LABEL + BAR_HEIGHT + BAR_GAP
    height = len(bars) * row_h
    parts: list[str] = []
    for n, bar in enumerate(bars):
        y = n * row_h
        width = min(max(float(bar.value), 0) / top, 1.0) * plot_w
        value = escape(bar.text or _number(bar.value))
        label = f'<text class="chart-bar-label" x="0" y="{y + BAR_LABEL - 5}">{escape(bar.label)}</text>'
        level = f" chart-bar-{bar.level}" if bar.level else ""
        parts.append(
            f'{label}<rect class="chart-bar{level}" x="0" y="{y + BAR_LABEL}" width="{max(width, 2):.1f}" '
            f'height="{BAR_HEIGHT}"><title>{escape(bar.label)}: {value}</title></rect>'
            f'<text class="chart-value" x="{max(width, 2) + 6:.1f}" y="{y + BAR_LABEL + BAR_HEIGHT * 0.75:.1f}">'
            f"{value}</text>"
        )
    svg = _markup(
        f'<svg class="chart chart-bar-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{escape(title)}</title>{"".join(parts)}</svg>'
    )
    return Chart(title, svg, headings, rows, css=css, links=tuple(bar.href for bar in bars))
