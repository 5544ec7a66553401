"""web/charts.py: the line chart's axes, value labels and title, the bar chart's bars and labels, empty data, and
the table that is every chart's text alternative."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from logistics.core.i18n import in_locale
from logistics.web.charts import Bar, Series, bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def english():
    with in_locale("en"):  # reset afterwards: a language set for good would leak into the worker's next tests
        yield


def svg_of(html: str) -> ElementTree.Element:
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found
    svg = found.group(0).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ElementTree.fromstring(svg)  # noqa: S314 — our own drawing, in a test


def texts(svg: ElementTree.Element, css: str) -> list[str]:
    return [el.text or "" for el in svg.iter(f"{SVG}text") if css in (el.get("class") or "").split()]


def test_round_axis_values():
    assert nice_ticks(92) == [0, 25, 50, 75, 100]
    assert nice_ticks(4) == [0, 1, 2, 3, 4]
    assert nice_ticks(160) == [0, 50, 100, 150, 200]
    assert nice_ticks(0) == [0, 1]


def test_a_line_chart_has_a_title_axes_labels_values_and_a_table():
    chart = line_chart(
        "Occupied places",
        ["01.11", "02.11", "03.11"],
        [Series("occupied", [40, 55, 50], area=True), Series("places", [92, 92, 92])],
        label_heading="Night",
    )
    html = str(chart.__html__())
    svg = svg_of(html)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == "Occupied places" and svg.get("aria-labelledby") == title.get("id")
    assert "<figcaption>Occupied places</figcaption>" in html
    assert texts(svg, "chart-tick") == ["0", "25", "50", "75", "100", "01.11", "02.11", "03.11"]
    # Value labels: each line's highest and last value (once when they are the same point).
    assert texts(svg, "chart-value-0") == ["55", "50"]
    assert texts(svg, "chart-value-1") == ["92"]
    assert [el.get("class") for el in svg.iter(f"{SVG}polyline")] == [
        "chart-line chart-line-0",
        "chart-line chart-line-1",
    ]
    assert len(list(svg.iter(f"{SVG}polygon"))) == 1  # the area under the first line only
    # The point highest on the drawing is the highest value: y grows downwards.
    points = [tuple(map(float, p.split(","))) for p in next(svg.iter(f"{SVG}polyline")).get("points", "").split()]
    assert min(points, key=lambda p: p[1]) == points[1]
    # The text alternative: the same figures in a table, under a <details>.
    assert '<details class="chart-data"><summary>The figures as a table</summary>' in html
    assert chart.headings == ["Night", "occupied", "places"]
    assert chart.rows == [["01.11", "40", "92"], ["02.11", "55", "92"], ["03.11", "50", "92"]]
    assert '<th scope="row">02.11</th><td>55</td><td>92</td>' in html


def test_many_points_get_every_nth_label_and_no_dots():
    labels = [f"n{n:02d}" for n in range(90)]
    chart = line_chart("90 nights", labels, [Series("occupied", list(range(90)))])
    svg = svg_of(str(chart.__html__()))
    x_labels = [t for t in texts(svg, "chart-tick") if t in labels]
    assert 3 <= len(x_labels) <= 9 and x_labels[0] == "n00"
    assert not list(svg.iter(f"{SVG}circle"))
    assert len(chart.rows) == 90  # the table has every night


def test_text_in_a_chart_is_escaped():
    chart = line_chart("<b>", ["<i>"], [Series("<s>", [1])])
    html = str(chart.__html__())
    assert "<b>" not in html and "<i>" not in html and "<s>" not in html and "&lt;b&gt;" in html


def test_empty_data_says_so_without_a_drawing():
    for chart in (line_chart("Nothing", [], [Series("occupied", [])]), bar_chart("Nothing", [])):
        html = str(chart.__html__())
        assert chart.empty and "<svg" not in html
        assert "<figcaption>Nothing</figcaption>" in html and "No figures to show yet." in html


def test_a_bar_chart_draws_bars_to_scale_with_labels_links_and_values():
    chart = bar_chart(
        "Stock cover",
        [
            Bar("Punkt 2 · Olej", 50, href="/stock/2", text="1 of 2 vouchers", level="danger"),
            Bar("Punkt 1 · Makaron", 100),
            Bar("Punkt 1 · Olej", 250),  # above the scale: a full bar
        ],
        label_heading="Point and item",
        value_heading="Covered",
        scale=100,
    )
    html = str(chart.__html__())
    svg = svg_of(html)
    widths = [float(rect.get("width", "0")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[0] * 2 == pytest.approx(widths[1]) and widths[2] == widths[1]
    assert [rect.get("class") for rect in svg.iter(f"{SVG}rect")] == [
        "chart-bar chart-bar-danger",
        "chart-bar",
        "chart-bar",
    ]
    assert texts(svg, "chart-bar-label") == ["Punkt 2 · Olej", "Punkt 1 · Makaron", "Punkt 1 · Olej"]
    assert texts(svg, "chart-value") == ["1 of 2 vouchers", "100", "250"]
    # The page behind a bar is a link in the table: a drawing (role="img") holds no controls.
    assert not list(svg.iter(f"{SVG}a"))
    assert '<th scope="row"><a href="/stock/2">Punkt 2 · Olej</a></th><td>1 of 2 vouchers</td>' in html
    assert '<th scope="row">Punkt 1 · Makaron</th>' in html
    assert chart.rows == [
        ["Punkt 2 · Olej", "1 of 2 vouchers"],
        ["Punkt 1 · Makaron", "100"],
        ["Punkt 1 · Olej", "250"],
    ]
    assert '<th scope="col">Point and item</th><th scope="col">Covered</th>' in html


def test_numbers_are_written_as_the_language_writes_them():
    with in_locale("pl"):
        chart = line_chart("Zajęte", ["a", "b"], [Series("x", [1.5, 1200])])
        assert chart.rows == [["a", "1,5"], ["b", "1\xa0200"]]
