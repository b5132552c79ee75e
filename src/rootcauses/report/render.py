"""Turn a :class:`~rootcauses.report.build.Report` into one self-contained HTML file (inline
CSS, inline SVG charts, no scripts, no external files) and that HTML into a PDF.

The brief is written in English or Spanish (``lang``): the template's text through Jinja's i18n
extension, chart titles and labels through :mod:`rootcauses.i18n`, months in the language's
locale. Numbers keep the English separators, which are also those of Guatemala, Honduras and El
Salvador (``es_419``)."""

from __future__ import annotations

import math
from importlib.resources import files

import jinja2
import pandas as pd
from markupsafe import Markup

from rootcauses import __version__, i18n
from rootcauses.i18n import country, gettext
from rootcauses.report import svg
from rootcauses.report.build import Report, theory_summary
from rootcauses.report.errors import ReportError
from rootcauses.report.labels import BASES, count, label, place, places
from rootcauses.store.query import BASIS_SOURCE

BASIS_LABEL = BASES


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(files("rootcauses.report") / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install_jinja(env)
    env.filters.update(number=number, percent=percent, signed_percent=signed_percent, fixed=fixed)
    env.globals.update(label=label, place=place, places=places, count=count)
    return env


def number(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.0f}".replace("-", "−")


def fixed(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or math.isnan(value) else f"{100 * value:.{digits}f}%"


def signed_percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{100 * value:+.1f}%".replace("-", "−")


def _color(i: int) -> str:
    return svg.PALETTE[i % len(svg.PALETTE)]


def encounters_chart(report: Report) -> str:
    frame = report.monthly.sort_index()
    x = [svg.decimal_year(m) for m in frame.index]
    lines = [
        svg.Line(country(c), x, list(frame[c].astype(float)), _color(i))
        for i, c in enumerate(report.codes)
    ]
    markers = [
        svg.Marker(svg.decimal_year(pd.Timestamp(e.date).date().replace(day=1)), str(e.number))
        for e in report.events.itertuples()
    ]
    end = svg.decimal_year(report.end) + 1 / 12
    return svg.line_chart(
        svg.Chart(
            title=gettext("Southwest-border encounters per month, citizens of {place}").format(
                place=report.label
            ),
            lines=lines,
            markers=markers,
            spans=[
                svg.Span(svg.decimal_year(report.start), end, gettext("the period of this brief"))
            ],
            width=680,
            height=260,
            css_class="chart encounters",
        )
    )


def driver_chart(panel, codes) -> str:
    frame = panel.values
    x = [float(y) for y in frame.index]
    lines = [
        svg.Line(country(c), x, list(frame[c]), _color(codes.index(c)))
        for c in codes
        if c in frame.columns
    ]
    return svg.line_chart(
        svg.Chart(
            title=gettext(panel.label),
            lines=lines,
            y_zero=bool(frame.min().min() >= 0) if not frame.empty else True,
            width=330,
            height=170,
            legend=len(lines) > 1,
            css_class="chart driver",
        )
    )


def fan_chart(report: Report, series: str) -> str:
    fc = report.forecast
    assert fc is not None
    fan = fc.fan[fc.fan["series"] == series]
    hist = fc.history[fc.history["series"] == series].sort_values("month")
    fx = [svg.decimal_year(m) for m in fan["month"]]
    hx = [svg.decimal_year(m) for m in hist["month"]]
    color = _color(report.codes.index(series)) if series in report.codes else _color(0)
    return svg.line_chart(
        svg.Chart(
            title=gettext("{country}: forecast ({model}), intervals of 80% and 95%").format(
                country=country(series), model=label("model", fc.chosen.get(series, "best"))
            ),
            lines=[
                svg.Line(gettext("observed"), hx, list(hist["count"].astype(float)), svg.GREY),
                svg.Line(gettext("forecast"), fx, list(fan["mean"]), color, dashed=True),
            ],
            bands=[
                svg.Band(fx, list(fan["lo95"]), list(fan["hi95"]), color, 0.15),
                svg.Band(fx, list(fan["lo80"]), list(fan["hi80"]), color, 0.3),
            ],
            width=680 if len(report.codes) == 1 else 330,
            height=220,
            css_class="chart fan",
        )
    )


def scenario_chart(report: Report, citizenship: str, metric: str) -> str:
    assert report.scenarios is not None
    part = report.scenarios.monthly
    part = part[(part["citizenship"] == citizenship) & (part["metric"] == metric)]
    x = [svg.decimal_year(m) for m in part["month"]]
    color = _color(report.codes.index(citizenship))
    bands = []
    if part["lo"].notna().any():
        bands = [svg.Band(x, list(part["lo"]), list(part["hi"]), color, 0.25)]
    return svg.line_chart(
        svg.Chart(
            title=f"{place(citizenship)}: {label('metric', metric)}",
            lines=[svg.Line(label("metric", metric), x, list(part["value"]), color)],
            bands=bands,
            y_zero=bool(part["value"].min() >= 0),
            width=330,
            height=170,
            legend=False,
            css_class="chart scenario",
        )
    )


def render_html(report: Report, lang: str | None = None) -> str:
    """The brief as one HTML document: inline CSS and SVG, links only to the sources; in
    ``lang`` (``en`` or ``es``; by default the current language, :mod:`rootcauses.i18n`). The
    sentences computed with the report (:func:`~rootcauses.report.build.build_report`) are in the
    language it was built in."""
    with i18n.use(lang or i18n.current()):
        return i18n.contract(_render_html(report))


def _render_html(report: Report) -> str:
    charts = {
        "encounters": Markup(encounters_chart(report)),
        "drivers": [Markup(driver_chart(p, list(report.codes))) for p in report.drivers],
        "fans": [],
        "scenarios": [],
    }
    if report.forecast is not None:
        charts["fans"] = [
            Markup(fan_chart(report, s)) for s in report.codes if s in report.forecast.chosen
        ]
    if report.scenarios is not None:
        pairs = report.scenarios.monthly[["citizenship", "metric"]].drop_duplicates()
        charts["scenarios"] = [
            Markup(scenario_chart(report, r.citizenship, r.metric))
            for r in pairs.itertuples()
            if r.metric in ("encounters_difference", "encounters", "arrivals")
        ][:6]
    template = _environment().get_template("brief.html")
    return template.render(
        r=report,
        charts=charts,
        names={c: country(c) for c in report.codes},
        basis_source=BASIS_SOURCE[report.basis],
        basis_sources=BASIS_SOURCE,
        theory_summary=theory_summary,
        basis_label=label("basis", report.basis),
        version=__version__,
        today=report.generated_at.strftime("%Y-%m-%d"),
        period=f"{i18n.month(report.start)} – {i18n.month(report.end)}",
        previous=f"{i18n.month(report.headline.previous_start)} – "
        f"{i18n.month(report.headline.previous_end)}",
        date=lambda v: pd.Timestamp(v).strftime("%Y-%m-%d") if pd.notna(v) else "",
        month=lambda v: i18n.month(pd.Timestamp(v).date()) if pd.notna(v) else "",
    )


def render_pdf(html: str) -> bytes:
    """The brief as PDF (WeasyPrint); the HTML has no external resources to fetch."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - weasyprint is a dependency
        raise ReportError(f"WeasyPrint is not installed: {exc}") from exc
    try:
        return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    except ReportError:
        raise
    except Exception as exc:  # WeasyPrint raises many types (cairo, fonts, layout)
        raise ReportError(f"could not render the PDF: {exc}") from exc


def page_fill(html: str) -> list[float]:
    """How far down each printed page its content reaches (0 empty … 1 full), from WeasyPrint's
    layout: the check that no page but the last is left mostly blank."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - weasyprint is a dependency
        raise ReportError(f"WeasyPrint is not installed: {exc}") from exc

    def boxes(box):
        if type(box).__name__ == "MarginBox":  # page numbers in the page margin
            return
        yield box
        for child in getattr(box, "children", None) or []:
            yield from boxes(child)

    fills = []
    for page in HTML(string=html, url_fetcher=_no_fetch).render().pages:
        root = page._page_box
        top, height = root.content_box_y(), root.height
        bottoms = [
            b.position_y + b.margin_height()
            for b in boxes(root)
            if type(b).__name__ in ("LineBox", "BlockReplacedBox", "InlineReplacedBox")
        ]
        fills.append(max(0.0, (max(bottoms, default=top) - top) / height))
    return fills


def _no_fetch(url: str, *args, **kwargs):
    """Refuse every fetch: a brief is self-contained, so a fetch is a bug, not a feature."""
    raise ReportError(f"the brief tried to load {url}; it must be self-contained")


def default_name(report: Report, suffix: str = "html") -> str:
    return f"brief-{report.country}-{report.start:%Y-%m}-{report.end:%Y-%m}.{suffix}"


__all__ = ["default_name", "page_fill", "render_html", "render_pdf"]
