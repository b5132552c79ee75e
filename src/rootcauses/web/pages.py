"""Dashboard pages: server-side templates; the charts fetch their data from the API."""

from __future__ import annotations

import logging
import math
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from rootcauses import __version__
from rootcauses.api.errors import new_error_id, public_message
from rootcauses.countries import COMPARATORS, HEADLINE_CITIZENSHIPS, NORTHERN_TRIANGLE, country_name
from rootcauses.errors import RootCausesError
from rootcauses.findings import data_through_for, findings_for
from rootcauses.findings.compute import format_value
from rootcauses.store import query
from rootcauses.store.results import has_table, read_results

TEMPLATES = Jinja2Templates(directory=str(files("rootcauses.web") / "templates"))
NAV = [
    ("/", "Overview"),
    ("/drivers", "Drivers"),
    ("/forecasts", "Forecasts"),
    ("/commitments", "Commitments"),
    ("/policy-lab", "Policy lab"),
    ("/sources", "Sources"),
]
MAP_COUNTRIES = (*NORTHERN_TRIANGLE, *COMPARATORS)
# National capitals (lat, lon): the map draws markers here, so it needs no remote topojson.
CAPITALS = {
    "GTM": (14.634, -90.507),
    "HND": (14.072, -87.192),
    "SLV": (13.692, -89.218),
    "MEX": (19.433, -99.133),
    "NIC": (12.114, -86.236),
    "CRI": (9.928, -84.091),
    "PAN": (8.983, -79.517),
}
DEFAULT_INDICATOR = "homicide_rate"

router = APIRouter(include_in_schema=False)


log = logging.getLogger("rootcauses.web")
NO_STORE_HINT = "If no store has been built yet, build one with `rootcauses data build`."


def unreadable(
    request: Request,
    exc: BaseException,
    what: str = "the data store",
    hint: str | None = NO_STORE_HINT,
) -> str:
    """A page's message when ``what`` cannot be read: the API's generic message with an error id
    (and ``hint``, what to try); the cause (it may name paths, hosts or users) goes only to the
    server log, under the same id."""
    error_id = new_error_id()
    log.error(
        "error %s: GET %s: %s could not be read", error_id, request.url.path, what, exc_info=exc
    )
    return f"{public_message(503, error_id)}." + (f" {hint}" if hint else "")


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _render(request: Request, template: str, title: str, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "page_title": title,
            "nav": NAV,
            "active": request.url.path,
            "version": __version__,
            "error": None,
            "fmt": _fmt,
            "data_through": data_through_for(request.app.state.settings),
            **context,
        },
    )


def _names(codes) -> dict[str, str]:
    return {c: country_name(c) for c in codes}


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    """Findings first (statement, chart, source, caveat), then what the models can and cannot
    say, then the monthly encounters chart."""
    title = "Migration from Guatemala, Honduras and El Salvador: what the data show"
    settings = request.app.state.settings
    try:
        found = findings_for(settings)
        with query.connect(settings) as con:
            results = {t: has_table(con, t) for t in ("driver_models", "forecasts", "sim_runs")}
    except RootCausesError as exc:
        return _render(request, "overview.html", title, error=unreadable(request, exc))
    return _render(
        request,
        "overview.html",
        title,
        findings=[f.public() for f in found.items],
        build_id=found.build_id,
        results=results,
        chart_value=format_value,
        names=_names(HEADLINE_CITIZENSHIPS),
        sources=query.BASIS_SOURCE,
    )


@router.get("/drivers", response_class=HTMLResponse)
def drivers(request: Request) -> HTMLResponse:
    title = "Drivers of migration"
    try:
        with query.connect(request.app.state.settings) as con:
            catalogue = con.execute(
                "SELECT indicator, any_value(unit) AS unit FROM indicators "
                "WHERE country IN ('GTM', 'HND', 'SLV') GROUP BY indicator ORDER BY indicator"
            ).df()
            models = read_results(con, "driver_models")
    except RootCausesError as exc:
        return _render(request, "drivers.html", title, error=unreadable(request, exc))
    names = list(catalogue["indicator"])
    return _render(
        request,
        "drivers.html",
        title,
        catalogue=catalogue.to_dict(orient="records"),
        default=DEFAULT_INDICATOR if DEFAULT_INDICATOR in names else (names[0] if names else ""),
        countries=[(c, country_name(c)) for c in MAP_COUNTRIES],
        default_countries=NORTHERN_TRIANGLE,
        names=_names(MAP_COUNTRIES),
        capitals=CAPITALS,
        models=models.to_dict(orient="records"),
    )


@router.get("/forecasts", response_class=HTMLResponse)
def forecasts(request: Request) -> HTMLResponse:
    title = "Forecasts of encounters"
    try:
        with query.connect(request.app.state.settings) as con:
            frame = read_results(con, "forecasts")
    except RootCausesError as exc:
        return _render(request, "forecasts.html", title, error=unreadable(request, exc))
    if frame.empty:
        return _render(request, "forecasts.html", title, has_forecasts=False)
    present = [c for c in HEADLINE_CITIZENSHIPS if c in set(frame["series"])]
    return _render(
        request,
        "forecasts.html",
        title,
        has_forecasts=True,
        series=[(c, country_name(c)) for c in present],
        basis=str(frame["basis"].iloc[0]),
        until=str(frame["until"].iloc[0])[:7],
    )


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    title = "Sources"
    try:
        with query.connect(request.app.state.settings) as con:
            rows = (
                con.execute(
                    "SELECT id, title, publisher, url, licence, status, rows, sha256, "
                    "strftime(period_start, '%Y-%m') AS start, "
                    "strftime(period_end, '%Y-%m') AS \"end\", "
                    "strftime(built_at, '%Y-%m-%d %H:%M') AS built "
                    "FROM sources ORDER BY dataset, id"
                )
                .df()
                .to_dict(orient="records")
            )
    except RootCausesError as exc:
        return _render(request, "sources.html", title, error=unreadable(request, exc))
    built = max((r["built"] for r in rows if r["built"]), default=None)
    return _render(request, "sources.html", title, sources=rows, built_at=built)
