"""The hand-built SVG charts: ticks, gaps, escaping, markers and bands."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest

from rootcauses.report import svg

NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("lo", "hi"), [(0, 37_210), (-1.13, -0.95), (0, 0.4), (5, 5), (0, 1e7)])
def test_nice_ticks_cover_the_range_with_even_steps(lo: float, hi: float) -> None:
    ticks = svg.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and 2 <= len(ticks) <= 12


def test_compact_keeps_one_suffix_along_an_axis() -> None:
    assert svg.compact(5_000, 10_000) == "5k"
    assert svg.compact(0, 10_000) == "0"
    assert svg.compact(10_000) == "10k"
    assert svg.compact(1_250_000) == "1.25M"
    assert svg.compact(0.25) == "0.25"


def test_decimal_year() -> None:
    assert svg.decimal_year(dt.date(2020, 1, 1)) == 2020.0
    assert svg.decimal_year(dt.date(2020, 7, 1)) == 2020.5


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_line_chart_is_valid_svg_and_breaks_lines_at_gaps() -> None:
    chart = svg.Chart(
        title="a & b <c>",
        lines=[svg.Line("x<y", [1, 2, 3, 4, 5], [1, 2, math.nan, 4, None])],
        x_dates=False,
    )
    root = _parse(svg.line_chart(chart))
    assert root.find(f"{NS}title").text == "a & b <c>"
    polylines = root.findall(f"{NS}polyline")
    # the NaN splits the series into [1, 2] and [4]; the trailing None adds nothing
    assert [len(p.get("points").split()) for p in polylines] == [2, 1]
    assert polylines[0].get("data-label") == "x<y"


def test_markers_bands_and_spans_are_drawn_inside_the_axis() -> None:
    chart = svg.Chart(
        title="t",
        lines=[svg.Line("a", [2020.0, 2021.0], [10, 20]), svg.Line("b", [2020.0, 2021.0], [5, 6])],
        bands=[svg.Band([2020.5, 2021.0], [1, 2], [30, 40])],
        markers=[svg.Marker(2020.5, "1"), svg.Marker(1990.0, "outside")],
        spans=[svg.Span(2020.25, 2020.75, "period")],
    )
    text = svg.line_chart(chart)
    root = _parse(text)
    assert len(root.findall(f"{NS}polygon")) == 1
    dashed = [line for line in root.findall(f"{NS}line") if line.get("stroke-dasharray") == "3,3"]
    assert len(dashed) == 1  # the marker outside the x range is dropped
    assert re.search(r">2021<", text)  # a year tick
    assert ">b<" in text  # legend for several lines


def test_empty_chart_says_so() -> None:
    root = _parse(svg.line_chart(svg.Chart(title="nothing", lines=[svg.Line("a", [], [])])))
    assert "no data" in ET.tostring(root, encoding="unicode")
