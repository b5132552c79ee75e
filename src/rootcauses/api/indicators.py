"""Driver indicators (long form) and the events timeline (policies, disasters, elections …)."""

from __future__ import annotations

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Path, Query, Response

from rootcauses.api.deps import Store
from rootcauses.api.paging import CSV_TOO, Paging, TablePage, frame_response
from rootcauses.countries import _codes
from rootcauses.store import query

router = APIRouter(tags=["indicators"])

DATE = r"^\d{4}(-\d{2}){0,2}$"
Format = Annotated[Literal["json", "csv"], Query()]
Start = Annotated[str | None, Query(pattern=DATE, description="first period, YYYY[-MM[-DD]]")]
End = Annotated[str | None, Query(pattern=DATE, description="last period, YYYY[-MM[-DD]]")]


def _countries(values: list[str] | None) -> list[str] | None:
    """Upper-cased ISO3 (or special) codes; 422 naming any that are unknown."""
    if not values:
        return None
    codes = [v.strip().upper() for v in values]
    known = _codes()
    unknown = [c for c in codes if c not in known or len(c) == 2]
    if unknown:
        raise HTTPException(
            status_code=422,
            detail=f"unknown country {unknown}; use ISO3 codes such as GTM, HND, SLV, MEX",
        )
    return codes


def _dates(start: str | None, end: str | None) -> None:
    try:
        first, last = query._month(start), query._month(end)
    except query.QueryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if first and last and first > last:
        raise HTTPException(status_code=422, detail=f"start {first} is after end {last}")


@router.get("/indicators", response_model=TablePage, responses=CSV_TOO)
def indicators(store: Store, page: Paging, format: Format = "json") -> Response:
    """The catalogue: every indicator with its unit, frequency, country count, span and sources."""
    frame = query.indicators_catalogue(store)
    return frame_response(frame, format, "indicators", page)


@router.get("/indicators/{name}", response_model=TablePage, responses=CSV_TOO)
def indicator(
    store: Store,
    page: Paging,
    name: Annotated[str, Path(pattern=r"^[A-Za-z0-9_]{1,80}$", description="e.g. homicide_rate")],
    country: Annotated[list[str] | None, Query(description="ISO3 code(s); default all")] = None,
    start: Start = None,
    end: End = None,
    format: Format = "json",
) -> Response:
    """One indicator in long form (country, period, value, unit, source); ``count`` is the total
    number of matching rows, ``data`` the page from ``offset``."""
    codes = _countries(country)
    _dates(start, end)
    try:
        frame = query.indicator(store, name, countries=codes, start=start, end=end)
    except query.QueryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    return frame_response(frame, format, name, page)


@router.get("/events", response_model=TablePage, responses=CSV_TOO)
def events(
    store: Store,
    page: Paging,
    category: Annotated[
        list[str] | None, Query(description="e.g. policy, disaster, election; default all")
    ] = None,
    country: Annotated[
        list[str] | None, Query(description="ISO3 code(s); XNT = the Northern Triangle")
    ] = None,
    start: Start = None,
    end: End = None,
    format: Format = "json",
) -> Response:
    """Dated events used to annotate the charts (policies, storms, elections …)."""
    codes = _countries(country)
    _dates(start, end)
    known = {r[0] for r in store.execute("SELECT DISTINCT category FROM events").fetchall()}
    unknown = sorted(set(category or []) - known)
    if unknown:
        raise HTTPException(
            status_code=422, detail=f"unknown category {unknown}; expected any of {sorted(known)}"
        )
    frame = query.events(store, categories=category, countries=codes)
    frame["date"] = pd.to_datetime(frame["date"])
    if start:
        frame = frame[frame["date"] >= pd.Timestamp(query._month(start))]
    if end:
        frame = frame[frame["date"] <= pd.Timestamp(query._month(end))]
    frame = frame.assign(
        date=frame["date"].dt.date,
        end_date=pd.to_datetime(frame["end_date"]).dt.date,
    ).reset_index(drop=True)
    return frame_response(frame, format, "events", page)
