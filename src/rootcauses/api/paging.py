"""The one paging contract of every list the API returns (data, tracker and simulation lists).

Request: ``limit`` (items per page, 1 to :data:`MAX_LIMIT`) and ``offset`` (items to skip, 0
to :data:`MAX_OFFSET`). Each list has its own default ``limit`` (data tables send every row a
chart needs in one page; the tracker's commitments and the stored simulation runs send 50).

Answer (:class:`Page`): JSON ``{data, count, offset, limit, next}`` where ``data`` is this page,
``count`` the number of matching items over all pages and ``next`` the URL of the following page
(null on the last). Every answer, JSON or CSV, also carries ``X-Total-Count`` (= ``count``) and,
unless it is the last page, ``Link: <next>; rel="next"``. A CSV answer is the same page of rows
with a header row.

Endpoints take a :data:`Paging` (or ``Depends(paging(default))``) parameter and answer with
:func:`page_of` (items they hold), :func:`frame_response` (a table) or :func:`page_answer` (a page
their query cut itself, with the total).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import pandas as pd
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import URL

# One page holds every row a dashboard chart asks for (the largest is ~1,500), so charts never
# page; exports of bigger tables follow the ``next`` link.
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000  # far beyond any list here; keeps offsets inside the databases' ints
T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    """Which slice of the items to send, and the request URL to build the ``next`` link from."""

    limit: int = MAX_LIMIT
    offset: int = 0
    url: str | None = None

    def next_url(self, total: int) -> str | None:
        """The URL of the following page, or None on the last one."""
        if self.url is None or self.offset + self.limit >= total:
            return None
        return str(URL(self.url).include_query_params(offset=self.offset + self.limit))

    def window(self, items: Sequence[T]) -> Sequence[T]:
        """This page of ``items``."""
        return items[self.offset : self.offset + self.limit]

    def headers(self, total: int) -> dict[str, str]:
        """``X-Total-Count`` and, unless this is the last page, ``Link: <next>; rel="next"``."""
        headers = {"X-Total-Count": str(total)}
        next_url = self.next_url(total)
        if next_url:
            headers["Link"] = f'<{next_url}>; rel="next"'
        return headers


def paging(default: int = MAX_LIMIT) -> Callable[..., PageParams]:
    """The ``limit``/``offset`` query parameters of a list whose default page is ``default``."""

    def dependency(
        request: Request,
        limit: Annotated[
            int,
            Query(ge=1, le=MAX_LIMIT, description=f"items per page (at most {MAX_LIMIT:,})"),
        ] = default,
        offset: Annotated[
            int, Query(ge=0, le=MAX_OFFSET, description=f"items to skip (at most {MAX_OFFSET:,})")
        ] = 0,
    ) -> PageParams:
        return PageParams(limit=limit, offset=offset, url=str(request.url))

    return dependency


Paging = Annotated[PageParams, Depends(paging())]


class Page(BaseModel, Generic[T]):
    """One page of a list: ``data`` (this page), ``count`` (all matches), ``offset`` and
    ``limit`` (as asked) and ``next`` (the following page's URL; null on the last)."""

    data: list[T]
    count: int = Field(ge=0, description="matching items over all pages")
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)
    next: str | None = Field(description="URL of the following page; null on the last")


# A table row: column name → value (text, number, boolean or null; dates as YYYY-MM-DD).
Row = dict[str, Any]


class TablePage(Page[Row]):
    """One page of a table's rows, each a JSON object of column → value."""


# How the OpenAPI document describes an answer that is JSON, or CSV with format=csv.
CSV_TOO: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "JSON, or CSV (with a header row) with format=csv",
    }
}


def page_of(items: Sequence[T], page: PageParams, response: Response) -> Page[T]:
    """This page of ``items`` (all the matches) as a :class:`Page`, with the paging headers."""
    return page_answer(list(page.window(items)), len(items), page, response)


def page_answer(data: list[T], total: int, page: PageParams, response: Response) -> Page[T]:
    """A page the caller cut itself (``total`` matches in all) with the paging headers."""
    response.headers.update(page.headers(total))
    return Page[Any](
        data=data, count=total, offset=page.offset, limit=page.limit, next=page.next_url(total)
    )


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
    text: str = iso_dates(frame).to_json(orient="records", date_format="iso", date_unit="s")
    return text


def frame_response(
    frame: pd.DataFrame,
    fmt: str,
    name: str,
    page: PageParams | None = None,
    *,
    total: int | None = None,
) -> Response:
    """A table as one page, JSON (:class:`Page` of rows) or CSV with a header row.

    ``frame`` holds every matching row, or, with ``total``, only this page's rows of ``total``
    (a query that cut the page itself). Without ``page``, one page holds every row."""
    if total is None:
        total = len(frame)
        page = page or PageParams(limit=max(total, 1))
        rows = frame.iloc[page.offset : page.offset + page.limit].reset_index(drop=True)
    else:
        page = page or PageParams(limit=max(total, 1))
        rows = frame.reset_index(drop=True)
    headers = page.headers(total)
    if fmt == "csv":
        buffer = io.StringIO()
        rows.to_csv(buffer, index=False)
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    body = (
        f'{{"data":{_json_records(rows)},"count":{total},"offset":{page.offset},'
        f'"limit":{page.limit},"next":{json.dumps(page.next_url(total))}}}'
    )
    return Response(body, media_type="application/json", headers=headers)


__all__ = [
    "CSV_TOO",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "Page",
    "PageParams",
    "Paging",
    "Row",
    "TablePage",
    "frame_response",
    "iso_dates",
    "page_answer",
    "page_of",
    "paging",
]
