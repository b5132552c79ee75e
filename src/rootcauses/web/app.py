"""The FastAPI application: dashboard pages at ``/`` and the API routers under ``/api``.

Every error answer follows one model (:mod:`rootcauses.api.errors`), declared on every API route.
Around the routers sit, outermost first: security headers (CSP with a per-request script nonce,
nosniff, frame denial except on ``/embed/``, referrer policy), gzip for pages and API answers,
CORS only for origins the settings allow, a last-resort 500 handler without stack traces, a
request-body size limit (413), and the store cache (ETags, 304s and an in-process LRU of chart
data; ``no-store`` for the tracker and the policy lab).

Static files (``/assets``, :mod:`rootcauses.web.assets`) are fingerprinted, precompressed and
cached for a year; ``/docs`` lists the operations of the OpenAPI document as plain HTML
(:mod:`rootcauses.web.apidocs`) and loads Swagger UI 5 from the package (reads OpenAPI 3.1, no
CDN) only when the reader asks to try the API.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from rootcauses import __version__
from rootcauses.api import (
    departments,
    encounters,
    findings,
    forecasts,
    indicators,
    sim,
    sources,
    tracker,
)
from rootcauses.api import scorecard as scorecard_api
from rootcauses.api.caching import StoreCacheMiddleware
from rootcauses.api.errors import ERROR_RESPONSES, install_error_handlers
from rootcauses.config import Settings, get_settings
from rootcauses.i18n import gettext
from rootcauses.web import apidocs, commitments, pages, policylab
from rootcauses.web import drivers as drivers_page
from rootcauses.web import forecasts as forecasts_page
from rootcauses.web import scorecard as scorecard_page
from rootcauses.web.assets import StaticAssets
from rootcauses.web.i18n import LanguageMiddleware
from rootcauses.web.i18n import install as install_i18n
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
    scorecard_api.router,
    departments.router,
]
PAGE_ROUTERS: list[APIRouter] = [
    pages.router,
    drivers_page.router,
    forecasts_page.router,
    commitments.router,
    policylab.router,
]
# Modules whose ``TEMPLATES`` render pages; their inline scripts get the CSP nonce.
TEMPLATE_MODULES = (pages, commitments, policylab)
# /embed/NAME: one chart of a page, which other sites may frame (see security.py); the page's own
# code draws it from the query string. Kept in step with EMBEDS in static/common.js.
EMBEDS: dict[str, tuple[str, Callable[[Request], HTMLResponse], str]] = {
    "encounters": ("/", pages.overview, "chart"),
    "nt-share": ("/", pages.overview, "share"),
    "indicator": ("/drivers", drivers_page.drivers, "chart"),
    "indicator-map": ("/drivers", drivers_page.drivers, "map"),
    "department-map": ("/drivers", drivers_page.drivers, "departments"),
    "forecast": ("/forecasts", forecasts_page.forecasts, "chart"),
}
DOCS_TEMPLATES = Jinja2Templates(directory=str(files("rootcauses.web") / "templates"))
install_i18n(DOCS_TEMPLATES)
ASSETS = StaticAssets()


class PageGZipMiddleware(GZipMiddleware):
    """Starlette's gzip for pages and API answers; ``/assets`` compresses its own files."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/assets/"):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _add_safety(app: FastAPI, settings: Settings) -> None:
    """The middleware stack; ``add_middleware`` wraps, so the last added runs first."""
    app.add_middleware(LanguageMiddleware)  # pages in English or Spanish; the API in English
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
    # Pages, JSON and CSV; answers already encoded (static files, cached API data) pass through.
    app.add_middleware(PageGZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(SecurityHeadersMiddleware)
    for templates in (*(getattr(m, "TEMPLATES", None) for m in TEMPLATE_MODULES), DOCS_TEMPLATES):
        if templates is not None:
            add_script_nonces(templates)
            templates.env.globals["asset"] = ASSETS.url
    scorecard_page.install(pages.TEMPLATES)  # _scorecard.html reads its own data


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
    app.mount("/assets", ASSETS, name="assets")

    @app.get("/embed/{name}", include_in_schema=False, response_class=HTMLResponse)
    def embed(request: Request, name: str) -> HTMLResponse:
        if name not in EMBEDS:
            raise HTTPException(404, f"no embeddable chart {name!r}; one of {', '.join(EMBEDS)}")
        page, render, element = EMBEDS[name]
        request.state.embed = element
        query = request.url.query
        request.state.embed_page = f"{page}?{query}" if query else page
        return render(request)

    @app.get("/docs", include_in_schema=False)
    def openapi_docs(request: Request) -> HTMLResponse:
        return DOCS_TEMPLATES.TemplateResponse(
            request,
            "docs.html",
            {
                "title": gettext("{api} — documentation").format(api=app.title),
                "openapi_url": app.openapi_url,
                "openapi_version": app.openapi_version,
                "api": {"title": app.title, "version": app.version, "description": app.description},
                "tags": apidocs.operations(app.openapi()),
            },
        )

    _add_safety(app, app.state.settings)
    return app
