"""FastAPI application: the dashboard pages at ``/`` and the API under ``/api/``."""

from __future__ import annotations

import io
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from rootcauses import __version__
from rootcauses.config import Settings, get_settings
from rootcauses.countries import HEADLINE_CITIZENSHIPS, _codes, country_name
from rootcauses.errors import RootCausesError
from rootcauses.store import query

TEMPLATES = Jinja2Templates(directory=str(files("rootcauses.web") / "templates"))


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _frame_response(frame: pd.DataFrame, fmt: str, name: str) -> Response:
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if hasattr(value, "isoformat"):
                record[key] = value.isoformat()[:10]
    return Response(
        content=pd.io.json.ujson_dumps({"data": records, "count": len(records)}),
        media_type="application/json",
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="rootcauses API",
        version=__version__,
        description="Data on migration from Guatemala, Honduras and El Salvador to the US.",
    )

    def connection():
        try:
            return query.connect(settings)
        except RootCausesError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        sources, error = [], None
        try:
            with query.connect(settings) as con:
                sources = (
                    con.execute(
                        "SELECT id, dataset, title, publisher, url, status, rows, "
                        "strftime(period_start, '%Y-%m') AS start, strftime(period_end, '%Y-%m') "
                        'AS "end", left(sha256, 12) AS sha FROM sources ORDER BY dataset, id'
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
                "sources": sources,
                "error": error,
                "series": [(c, country_name(c)) for c in HEADLINE_CITIZENSHIPS],
                "version": __version__,
            },
        )

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="application/javascript")

    @app.get("/api/encounters", tags=["encounters"])
    def encounters(
        citizenship: Annotated[
            list[str] | None,
            Query(description="ISO3 code(s), or OTHER; default: GTM, HND, SLV, MEX, OTHER"),
        ] = None,
        basis: Annotated[
            Literal["cbp", "usbp"],
            Query(description="cbp: all CBP (FY2020+); usbp: Border Patrol only (FY2000+)"),
        ] = "cbp",
        start: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(-\d{2})?$")] = None,
        end: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(-\d{2})?$")] = None,
        format: Annotated[Literal["json", "csv"], Query()] = "json",
    ) -> Response:
        """Monthly Southwest-border encounters by citizenship."""
        codes = [c.upper() for c in citizenship] if citizenship else None
        if codes:
            unknown = [c for c in codes if c not in _codes()]
            if unknown:
                raise HTTPException(
                    status_code=422,
                    detail=f"unknown citizenship {unknown}; use ISO3 codes such as GTM or OTHER",
                )
        try:
            with connection() as con:
                frame = query.encounters_monthly(
                    con,
                    basis=basis,
                    citizenship=codes,
                    headline=codes is None or "OTHER" in codes,
                    start=start,
                    end=end,
                )
        except query.QueryError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return _frame_response(frame, format, "encounters")

    @app.get("/api/sources", tags=["sources"])
    def sources(format: Literal["json", "csv"] = "json") -> Response:
        """Every source in the store with its provenance."""
        with connection() as con:
            frame = con.execute("SELECT * FROM sources ORDER BY dataset, id").df()
        return _frame_response(frame, format, "sources")

    return app
