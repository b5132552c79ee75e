"""Shared API dependencies and response helpers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated

import duckdb
import pandas as pd
from fastapi import Depends, HTTPException, Request, Response

from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.store import query


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(
    settings: Annotated[Settings, Depends(get_settings)],
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only store connection per request; 503 with the reason when there is no store."""
    try:
        con = query.connect(settings)
    except RootCausesError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    try:
        yield con
    finally:
        con.close()


Store = Annotated[duckdb.DuckDBPyConnection, Depends(get_store)]


def frame_response(frame: pd.DataFrame, fmt: str, name: str) -> Response:
    """CSV (with a header row) or JSON ``{data, count}`` for any table-shaped answer."""
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    body = frame.to_json(orient="records", date_format="iso", date_unit="s")
    body = body.replace("T00:00:00", "")  # dates, not timestamps
    return Response(
        content=f'{{"data":{body},"count":{len(frame)}}}', media_type="application/json"
    )
