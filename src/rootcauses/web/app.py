"""The FastAPI application: dashboard pages at ``/`` and the API routers under ``/api``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from rootcauses import __version__
from rootcauses.api import encounters, forecasts, sources, tracker
from rootcauses.config import Settings, get_settings
from rootcauses.countries import HEADLINE_CITIZENSHIPS, country_name
from rootcauses.errors import RootCausesError
from rootcauses.store import query

TEMPLATES = Jinja2Templates(directory=str(files("rootcauses.web") / "templates"))
API_ROUTERS: list[APIRouter] = [
    encounters.router,
    sources.router,
    forecasts.router,
    tracker.router,
]


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="rootcauses API",
        version=__version__,
        description="Data on migration from Guatemala, Honduras and El Salvador to the US.",
    )
    app.state.settings = settings or get_settings()
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        sources_list, error = [], None
        try:
            with query.connect(app.state.settings) as con:
                sources_list = (
                    con.execute(
                        "SELECT id, dataset, title, publisher, url, status, rows, "
                        "strftime(period_start, '%Y-%m') AS start, "
                        "strftime(period_end, '%Y-%m') AS \"end\", left(sha256, 12) AS sha "
                        "FROM sources ORDER BY dataset, id"
                    )
                    .df()
                    .to_dict(orient="records")
                )
        except RootCausesError as exc:
            error = str(exc)
        return TEMPLATES.TemplateResponse(
            request,
            "index.html",
            {
                "sources": sources_list,
                "error": error,
                "series": [(c, country_name(c)) for c in HEADLINE_CITIZENSHIPS],
                "version": __version__,
            },
        )

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="application/javascript")

    return app
