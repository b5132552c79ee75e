"""The outcome scorecard on the Commitments page (``_scorecard.html``): one compact table per
pillar, a verdict badge and a small chart of the observed path against the synthetic control
with its placebo band for every indicator and country.

The partial asks for its data itself (``scorecard_context(request)``, a template global that
:func:`install` puts on a template set), so the page that includes it passes nothing; the
values are the API's (:func:`rootcauses.api.scorecard.scorecard_for`, cached per build). The
charts are static SVG drawn on the server (:mod:`rootcauses.report.svg`): no script, and
the page works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from rootcauses.analysis.scorecard import Row, Scorecard, by_pillar, counts
from rootcauses.api.scorecard import scorecard_for
from rootcauses.countries import country_name
from rootcauses.errors import RootCausesError
from rootcauses.i18n import N_, gettext
from rootcauses.report.svg import Band, Chart, Line, Span, line_chart
from rootcauses.web.pages import unreadable

VERDICT_LABELS: dict[str, str] = {  # translated where shown (_scorecard.html)
    "better": N_("Better than the counterfactual"),
    "worse": N_("Worse than the counterfactual"),
    "no_detectable_change": N_("No detectable change"),
    "insufficient_data": N_("Insufficient data"),
}
# Okabe–Ito, as the other pages; the badge's words carry the verdict, the colour only repeats it.
VERDICT_COLOURS: dict[str, str] = {
    "better": "#009E73",
    "worse": "#D55E00",
    "no_detectable_change": "#56B4E9",
    "insufficient_data": "#767676",
}
OBSERVED, SYNTHETIC = "#000000", "#0072B2"
CHART_WORDS = (  # the small charts' title, lines and span, translated when drawn
    N_("observed and synthetic"),
    N_("synthetic"),
    N_("observed"),
    N_("since the strategy"),
)


def format_value(value: float | None) -> str:
    """How the scorecard prints a value: two decimals below 100, none above; ``—`` for none."""
    if value is None:
        return "—"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def row_chart(row: Row, first_post_year: int) -> str:
    """A small SVG of the observed path, the synthetic control and the placebo band."""
    series = row.series
    years = [float(y) for y in series.get("year", [])]
    if not years:
        return ""
    post = [
        (x, lo, hi)
        for x, lo, hi in zip(years, series["lo"], series["hi"], strict=True)
        if lo is not None and hi is not None
    ]
    chart = Chart(
        title=gettext(CHART_WORDS[0]),
        lines=[
            Line(gettext(CHART_WORDS[1]), years, series["synthetic"], SYNTHETIC, dashed=True),
            Line(gettext(CHART_WORDS[2]), years, series["observed"], OBSERVED),
        ],
        bands=[Band([p[0] for p in post], [p[1] for p in post], [p[2] for p in post], SYNTHETIC)]
        if post
        else [],
        spans=[Span(first_post_year - 0.5, years[-1] + 0.5, gettext(CHART_WORDS[3]))],
        y_zero=False,
        width=250,
        height=130,
        legend=False,
        css_class="scorecard-chart",
    )
    return line_chart(chart)


def page_context(card: Scorecard) -> dict[str, Any]:
    """What ``_scorecard.html`` renders, from a computed scorecard."""
    first_post = int(card.design.get("first_post_year", 2021))
    groups = by_pillar(card)
    countries = list(card.design.get("treated", ()))
    for group in groups:
        for indicator in group["indicators"]:
            first: Row = indicator["rows"][0]
            indicator["label"] = first.label
            indicator["unit"] = first.unit
            indicator["higher_is_better"] = first.higher_is_better
            indicator["cells"] = [
                {"row": r, "chart": row_chart(r, first_post)} for r in indicator["rows"]
            ]
    return {
        "groups": groups,
        "counts": counts(card),
        "countries": [(c, country_name(c)) for c in countries],
        "method": card.method,
        "not_covered": card.not_covered,
        "donor_pool": len(card.design.get("donor_pool", ())),
        "pre_window": card.design.get("pre_window"),
        "labels": VERDICT_LABELS,
        "colours": VERDICT_COLOURS,
        "value": format_value,
        "build_id": card.build_id,
    }


def scorecard_context(request: Request) -> dict[str, Any]:
    """The partial's data, or ``{"error": …}`` when the store cannot be read (logged with an
    error id, as every page does)."""
    try:
        card = scorecard_for(request.app.state.settings)
    except RootCausesError as exc:
        return {"error": unreadable(request, exc, "the outcome scorecard")}
    return page_context(card)


def install(templates: Jinja2Templates) -> None:
    """Make ``scorecard_context`` callable from the templates of ``templates``."""
    templates.env.globals["scorecard_context"] = scorecard_context


__all__ = [
    "VERDICT_COLOURS",
    "VERDICT_LABELS",
    "format_value",
    "install",
    "page_context",
    "row_chart",
    "scorecard_context",
]
