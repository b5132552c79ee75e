"""The FastAPI application: dashboard pages at ``/`` and the API routers under ``/api``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from rootcauses import __version__
from rootcauses.api import encounters, forecasts, indicators, sim, sources, tracker
from rootcauses.config import Settings, get_settings
from rootcauses.web import commitments, pages, policylab

API_ROUTERS: list[APIRouter] = [
    encounters.router,
    sources.router,
    forecasts.router,
    tracker.router,
    indicators.router,
    sim.router,
]
PAGE_ROUTERS: list[APIRouter] = [pages.router, commitments.router, policylab.router]


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

    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount(
        "/assets", StaticFiles(directory=str(files("rootcauses.web") / "static")), name="assets"
    )

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="application/javascript")

    return app
