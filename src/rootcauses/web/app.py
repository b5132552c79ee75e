"""The FastAPI application: dashboard pages at ``/`` and the API routers under ``/api``.

Every error answer follows one model (:mod:`rootcauses.api.errors`), declared on every API route.
Around the routers sit, outermost first: security headers (CSP with a per-request script nonce,
nosniff, frame denial, referrer policy), CORS only for origins the settings allow, a last-resort
500 handler without stack traces, a request-body size limit (413), and the store cache (ETags,
304s and an in-process LRU of chart data; ``no-store`` for the tracker and the policy lab).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from rootcauses import __version__
from rootcauses.api import encounters, findings, forecasts, indicators, sim, sources, tracker
from rootcauses.api.caching import StoreCacheMiddleware
from rootcauses.api.errors import ERROR_RESPONSES, install_error_handlers
from rootcauses.config import Settings, get_settings
from rootcauses.web import commitments, pages, policylab
from rootcauses.web.security import (
    DEFAULT_MAX_BODY_BYTES,
    BodySizeLimitMiddleware,
    ErrorTrapMiddleware,
    SecurityHeadersMiddleware,
    add_script_nonces,
)

API_ROUTERS: list[APIRouter] = [
    encounters.router,
    sources.router,
    forecasts.router,
    tracker.router,
    indicators.router,
    sim.router,
    findings.router,
]
PAGE_ROUTERS: list[APIRouter] = [pages.router, commitments.router, policylab.router]
# Modules whose ``TEMPLATES`` render pages; their inline scripts get the CSP nonce.
TEMPLATE_MODULES = (pages, commitments, policylab)


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _add_safety(app: FastAPI, settings: Settings) -> None:
    """The middleware stack; ``add_middleware`` wraps, so the last added runs first."""
    app.add_middleware(StoreCacheMiddleware, store_path=settings.store_path)
    app.add_middleware(findings.DataThroughMiddleware)  # X-Data-Through on /api answers
    max_bytes = getattr(settings, "max_request_bytes", DEFAULT_MAX_BODY_BYTES)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_bytes)
    app.add_middleware(ErrorTrapMiddleware)
    origins = list(getattr(settings, "cors_origins", None) or [])
    if origins:  # closed by default: no Access-Control-* headers at all
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Link", "X-Total-Count"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    for module in TEMPLATE_MODULES:
        templates = getattr(module, "TEMPLATES", None)
        if templates is not None:
            add_script_nonces(templates)


def _swagger_ui() -> Path:
    """Swagger UI's files from the installed swagger-ui-bundle package (no CDN: works offline)."""
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="rootcauses API",
        version=__version__,
        description="Data on migration from Guatemala, Honduras and El Salvador to the US.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings or get_settings()
    install_error_handlers(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api", responses=ERROR_RESPONSES)

    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount(
        "/assets", StaticFiles(directory=str(files("rootcauses.web") / "static")), name="assets"
    )

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="application/javascript")

    app.mount("/static/swagger", StaticFiles(directory=str(_swagger_ui())), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def openapi_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} — documentation",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    _add_safety(app, app.state.settings)
    return app
