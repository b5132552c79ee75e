"""Small static SVG charts for the briefs, built as strings. Pure.

Hand-built rather than drawn with matplotlib or plotly: a brief needs only line charts, bands,
shaded spans and event markers; strings keep the text as text (searchable, selectable in the
PDF), the output is deterministic and small, and the package takes no plotting dependency.
Colours are the Okabe-Ito palette, which stays distinct under the common colour-vision
deficiencies.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
GREY = "#767676"


@dataclass(frozen=True)
class Line:
    """One series; ``None``/NaN values break the line."""

    label: str
    x: Sequence[float]
    y: Sequence[float | None]
    color: str = PALETTE[0]
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    """A shaded interval between ``lo`` and ``hi`` (a forecast or simulation band)."""

    x: Sequence[float]
    lo: Sequence[float]
    hi: Sequence[float]
    color: str = PALETTE[0]
    opacity: float = 0.2


@dataclass(frozen=True)
class Marker:
    """A vertical rule at ``x`` with a short label (an event number)."""

    x: float
    label: str


@dataclass(frozen=True)
class Span:
    """A shaded stretch of the x axis (the period a brief is about)."""

    start: float
    end: float
    label: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    lines: Sequence[Line]
    bands: Sequence[Band] = ()
    markers: Sequence[Marker] = ()
    spans: Sequence[Span] = ()
    x_dates: bool = True  # x values are decimal years: ticks are labelled as years
    y_zero: bool = True  # start the y axis at zero (counts); off for indices that go negative
    width: int = 640
    height: int = 240
    legend: bool = True
    css_class: str = "chart"


def decimal_year(month: dt.date) -> float:
    """Position of a month on a year axis (January 2020 → 2020.0, July → 2020.5)."""
    return month.year + (month.month - 1) / 12


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``lo``..``hi`` (1, 2, 2.5 or 5 × 10^k steps)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value < hi + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def compact(value: float, scale: float | None = None) -> str:
    """12 → '12', 12_500 → '12.5k', 1_250_000 → '1.25M'. ``scale`` (the largest tick) keeps
    one suffix along an axis, so 5,000 and 10,000 read as 5k and 10k."""
    size = abs(value if scale is None else scale)
    if value == 0:
        return "0"
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:.3g}k"
    if size >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _segments(xs: Sequence[float], ys: Sequence[float | None]) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if y is None or not math.isfinite(float(y)):
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((float(x), float(y)))
    return [s for s in segments if s]


def line_chart(chart: Chart) -> str:
    """The chart as a standalone ``<svg>`` element (with a ``<title>`` for screen readers)."""
    left, right, top, bottom = 56, 12, 28, 28
    per_row = max(1, min(4, (chart.width - left - right) // 90))  # room for "Guatemala"
    legend_rows = (
        math.ceil(len(chart.lines) / per_row) if chart.legend and len(chart.lines) > 1 else 0
    )
    bottom += 16 * legend_rows
    w, h = chart.width, chart.height + 16 * legend_rows
    plot_w, plot_h = w - left - right, h - top - bottom

    xs = _finite(
        [x for line in chart.lines for x in line.x] + [x for b in chart.bands for x in b.x]
    )
    xs += [s.start for s in chart.spans] + [s.end for s in chart.spans]
    ys = _finite([y for line in chart.lines for y in line.y])
    ys += _finite([v for b in chart.bands for v in (*b.lo, *b.hi)])
    if not xs or not ys:
        return _empty(chart, w, h)
    x_lo, x_hi = min(xs), max(xs)
    if x_hi == x_lo:
        x_hi = x_lo + 1
    y_ticks = nice_ticks(0.0 if chart.y_zero else min(ys), max(ys))
    y_lo, y_hi = min(y_ticks[0], min(ys)), max(y_ticks[-1], max(ys))

    def px(x: float) -> float:
        return round(left + (x - x_lo) / (x_hi - x_lo) * plot_w, 1)

    def py(y: float) -> float:
        return round(top + (1 - (y - y_lo) / ((y_hi - y_lo) or 1)) * plot_h, 1)

    title = escape(chart.title)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(chart.css_class)}" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f"<title>{title}</title>",
        f'<text x="{left}" y="16" font-size="12" font-weight="bold">{title}</text>',
    ]
    for span in chart.spans:
        x0, x1 = px(max(span.start, x_lo)), px(min(span.end, x_hi))
        out.append(
            f'<rect x="{x0}" y="{top}" width="{round(x1 - x0, 1)}" height="{plot_h}" '
            f'fill="#f0f0f0"><title>{escape(span.label)}</title></rect>'
        )
    axis_scale = max(abs(t) for t in y_ticks)
    for tick in y_ticks:
        if y_lo <= tick <= y_hi:
            y, label = py(tick), compact(tick, axis_scale)
            out.append(
                f'<line x1="{left}" x2="{w - right}" y1="{y}" y2="{y}" stroke="#dddddd"/>'
                f'<text x="{left - 4}" y="{y + 4}" text-anchor="end">{label}</text>'
            )
    out.extend(_x_ticks(x_lo, x_hi, chart.x_dates, px, top + plot_h))
    for band in chart.bands:
        points = [
            (px(x), py(lo), py(hi))
            for x, lo, hi in zip(band.x, band.lo, band.hi, strict=True)
            if math.isfinite(lo) and math.isfinite(hi)
        ]
        if points:
            upper = " ".join(f"{x},{hi}" for x, _, hi in points)
            lower = " ".join(f"{x},{lo}" for x, lo, _ in reversed(points))
            out.append(
                f'<polygon points="{upper} {lower}" fill="{band.color}" '
                f'fill-opacity="{band.opacity}" stroke="none"/>'
            )
    for marker in chart.markers:
        if x_lo <= marker.x <= x_hi:
            x = px(marker.x)
            out.append(
                f'<line x1="{x}" x2="{x}" y1="{top}" y2="{top + plot_h}" stroke="{GREY}" '
                f'stroke-dasharray="3,3"/><text x="{x + 2}" y="{top + 10}" fill="{GREY}" '
                f'font-size="10">{escape(marker.label)}</text>'
            )
    for line in chart.lines:
        dash = ' stroke-dasharray="5,3"' if line.dashed else ""
        for segment in _segments(line.x, line.y):
            coords = " ".join(f"{px(x)},{py(y)}" for x, y in segment)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{line.color}" '
                f'stroke-width="1.8"{dash} data-label="{escape(line.label)}"/>'
            )
    out.append(
        f'<line x1="{left}" x2="{w - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#444444"/>'
    )
    if legend_rows:
        for i, line in enumerate(chart.lines):
            lx = left + (i % per_row) * (plot_w / per_row)
            ly = h - bottom + 32 + 16 * (i // per_row)
            out.append(
                f'<rect x="{round(lx, 1)}" y="{ly - 8}" width="12" height="4" '
                f'fill="{line.color}"/><text x="{round(lx + 16, 1)}" y="{ly - 3}">'
                f"{escape(line.label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _x_ticks(x_lo: float, x_hi: float, dates: bool, px, baseline: float) -> list[str]:
    if dates:
        first, last = math.ceil(x_lo), math.floor(x_hi)
        step = max(1, math.ceil((last - first + 1) / 8))
        ticks = [float(y) for y in range(first, last + 1, step)]
    else:
        ticks = [t for t in nice_ticks(x_lo, x_hi, 6) if x_lo <= t <= x_hi]
    return [
        f'<line x1="{px(t)}" x2="{px(t)}" y1="{baseline}" y2="{baseline + 4}" stroke="#444444"/>'
        f'<text x="{px(t)}" y="{baseline + 15}" text-anchor="middle">'
        f"{int(t) if dates or t == int(t) else t}</text>"
        for t in ticks
    ]


def _empty(chart: Chart, w: int, h: int) -> str:
    title = escape(chart.title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(chart.css_class)}" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="11"><title>{title}</title>'
        f'<text x="8" y="16" font-size="12" font-weight="bold">{title}</text>'
        f'<text x="8" y="40">no data for this chart</text></svg>'
    )
