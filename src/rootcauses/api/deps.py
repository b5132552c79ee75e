"""Shared API dependencies: the settings, per-app state and the store connection.

Paging and the table-shaped answer live in :mod:`rootcauses.api.paging` (re-exported here)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

import duckdb
from fastapi import Depends, HTTPException, Request

# the one paging contract, re-exported for the routers that import it from here
from rootcauses.api.paging import (
    MAX_LIMIT,
    PageParams,
    Paging,
    frame_response,
    iso_dates,
    paging,
)
from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.store import query

T = TypeVar("T")
_APP_STATE_LOCK = threading.Lock()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


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


__all__ = [
    "MAX_LIMIT",
    "PageParams",
    "Paging",
    "Store",
    "app_state",
    "frame_response",
    "get_settings",
    "get_store",
    "iso_dates",
    "paging",
]
