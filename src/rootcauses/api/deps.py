"""Shared API dependencies and response helpers: the store connection, paging and the one
table-shaped response (CSV with a header row, or JSON ``{data, count, …}``)."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

import duckdb
import pandas as pd
from fastapi import Depends, HTTPException, Query, Request, Response
from starlette.datastructures import URL

from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.store import query

# One page holds every row a dashboard chart asks for (the largest is ~1,500), so charts never
# page; exports of bigger tables follow the ``next`` link.
MAX_LIMIT = 10_000


T = TypeVar("T")
_APP_STATE_LOCK = threading.Lock()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def app_state(request: Request, name: str, make: Callable[[], T]) -> T:
    """One object per app (the tracker database, the simulation job queue), made on first use
    by whichever request needs it first; tests may put their own on ``app.state`` beforehand."""
    value = getattr(request.app.state, name, None)
    if value is None:
        with _APP_STATE_LOCK:
            value = getattr(request.app.state, name, None)
            if value is None:
                value = make()
                setattr(request.app.state, name, value)
    return value


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


@dataclass(frozen=True)
class PageParams:
    """Which slice of the rows to send, and the request URL to build the ``next`` link from."""

    limit: int = MAX_LIMIT
    offset: int = 0
    url: str | None = None

    def next_url(self, total: int) -> str | None:
        """The URL of the following page, or None on the last one."""
        if self.url is None or self.offset + self.limit >= total:
            return None
        return str(URL(self.url).include_query_params(offset=self.offset + self.limit))


def paging(
    request: Request,
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description=f"rows per page (at most {MAX_LIMIT:,})"),
    ] = MAX_LIMIT,
    offset: Annotated[int, Query(ge=0, description="rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset, url=str(request.url))


Paging = Annotated[PageParams, Depends(paging)]


def _is_dates(values: pd.Series) -> bool:
    """A column of calendar dates: ``datetime.date`` objects, or timestamps that are all
    midnight (DuckDB hands ``DATE`` columns to pandas that way)."""
    present = values.dropna()
    if present.empty:
        return False
    if pd.api.types.is_datetime64_any_dtype(values):
        return bool((present == present.dt.normalize()).all())
    if values.dtype == object:
        return all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in present)
    return False


def iso_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as ``YYYY-MM-DD`` and timestamp columns as ``YYYY-MM-DDTHH:MM:SS``; every
    other value — text included, whatever it contains — unchanged."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            shape = "%Y-%m-%d" if _is_dates(values) else "%Y-%m-%dT%H:%M:%S"
            out[column] = values.dt.strftime(shape).astype(object).where(values.notna(), None)
        elif _is_dates(values):
            out[column] = [None if pd.isna(v) else v.isoformat() for v in values]
    return out


def _json_records(frame: pd.DataFrame) -> str:
    return iso_dates(frame).to_json(orient="records", date_format="iso", date_unit="s")


def frame_response(
    frame: pd.DataFrame, fmt: str, name: str, page: PageParams | None = None
) -> Response:
    """CSV (with a header row) or JSON for any table-shaped answer, one page of it.

    JSON is ``{data, count, offset, limit, next}`` where ``count`` is the number of matching rows
    (all pages) and ``next`` the URL of the following page (null on the last); CSV carries the
    same as ``X-Total-Count`` and a ``Link: <…>; rel="next"`` header."""
    page = page or PageParams(limit=max(len(frame), 1))
    total = len(frame)
    rows = frame.iloc[page.offset : page.offset + page.limit].reset_index(drop=True)
    next_url = page.next_url(total)
    headers = {"X-Total-Count": str(total)}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    if fmt == "csv":
        buffer = io.StringIO()
        rows.to_csv(buffer, index=False)
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    next_json = json.dumps(next_url)
    body = (
        f'{{"data":{_json_records(rows)},"count":{total},"offset":{page.offset},'
        f'"limit":{page.limit},"next":{next_json}}}'
    )
    return Response(body, media_type="application/json", headers=headers)
