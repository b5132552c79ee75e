"""Dashboard pages: server-side templates; the charts fetch their data from the API. The
Drivers and Forecasts pages live in :mod:`rootcauses.web.drivers` and
:mod:`rootcauses.web.forecasts`."""

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
from rootcauses.countries import HEADLINE_CITIZENSHIPS
from rootcauses.errors import RootCausesError
from rootcauses.findings import data_through_for, findings_for
from rootcauses.findings.compute import format_value
from rootcauses.i18n import N_, country, gettext
from rootcauses.store import query
from rootcauses.store.results import has_table
from rootcauses.web import i18n as web_i18n

TEMPLATES = Jinja2Templates(directory=str(files("rootcauses.web") / "templates"))
web_i18n.install(TEMPLATES)  # {% trans %}, _(), number/percent/month filters, the language
NAV = [  # labels translated where base.html shows them
    ("/", N_("Overview")),
    ("/drivers", N_("Drivers")),
    ("/forecasts", N_("Forecasts")),
    ("/commitments", N_("Commitments")),
    ("/policy-lab", N_("Policy lab")),
    ("/sources", N_("Sources")),
]
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
            "page_title": gettext(title),
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
    """Country names in the page's language."""
    return {c: country(c) for c in codes}


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    """Findings first (statement, chart, source, caveat), then what the models can and cannot
    say, then the monthly encounters chart."""
    title = N_("Migration from Guatemala, Honduras and El Salvador: what the data show")
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


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    title = N_("Sources")
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
