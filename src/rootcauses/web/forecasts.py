"""The Forecasts page: the latest forecast over what was observed, past forecasts with the
values that came in, the public track record (every stored forecast, scored) and the backtest
leaderboard. The charts and tables fetch their data from the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rootcauses.countries import HEADLINE_CITIZENSHIPS
from rootcauses.errors import RootCausesError
from rootcauses.i18n import N_
from rootcauses.report.labels import MODELS, label
from rootcauses.store import query
from rootcauses.store.results import read_results
from rootcauses.web.pages import _names, _render, unreadable

router = APIRouter(include_in_schema=False)


@router.get("/forecasts", response_class=HTMLResponse)
def forecasts(request: Request) -> HTMLResponse:
    title = N_("Forecasts of encounters")
    try:
        with query.connect(request.app.state.settings) as con:
            frame = read_results(con, "forecasts")
    except RootCausesError as exc:
        return _render(request, "forecasts.html", title, error=unreadable(request, exc))
    names = _names(HEADLINE_CITIZENSHIPS)
    if frame.empty:
        return _render(request, "forecasts.html", title, has_forecasts=False, names=names)
    present = [c for c in HEADLINE_CITIZENSHIPS if c in set(frame["series"])]
    return _render(
        request,
        "forecasts.html",
        title,
        has_forecasts=True,
        series=[(c, names[c]) for c in present],  # in the page's language
        basis=str(frame["basis"].iloc[0]),
        until=str(frame["until"].iloc[0])[:7],
        names=names,
        models={code: label("model", code) for code in MODELS},  # the leaderboard's rows
    )
