"""Forecasts, their track record, backtest leaderboards and driver models stored by the CLI
runs."""

from __future__ import annotations

from typing import Annotated, Literal

import duckdb
import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Response

from rootcauses.analysis import forecast as fc
from rootcauses.analysis import track_record as tr
from rootcauses.api.deps import Paging, Store, frame_response
from rootcauses.api.paging import CSV_TOO, TablePage
from rootcauses.countries import HEADLINE_CITIZENSHIPS
from rootcauses.store.results import read_results

router = APIRouter(tags=["forecasts"])
RunId = Annotated[str | None, Query(pattern=r"^[0-9a-f]{12}$", description="default: latest")]


def _latest(
    store: duckdb.DuckDBPyConnection, table: str, run: str | None, hint: str
) -> pd.DataFrame:
    frame = read_results(store, table, run)
    if frame.empty:
        raise HTTPException(status_code=404, detail=f"no {table} in the store yet: run `{hint}`")
    return frame


@router.get("/forecasts", response_model=TablePage, responses=CSV_TOO)
def forecasts(
    store: Store,
    page: Paging,
    series: Annotated[list[str] | None, Query(description="GTM, HND, SLV, MEX, OTHER")] = None,
    model: Annotated[list[str] | None, Query(description="e.g. best, seasonal_naive")] = None,
    run: RunId = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The latest (or a given) forecast run: one row per series, month and model."""
    frame = _latest(store, "forecasts", run, "rootcauses forecast run")
    for column, wanted in (("series", series), ("model", model)):
        if wanted:
            unknown = sorted(set(wanted) - set(frame[column]))
            if unknown:
                raise HTTPException(status_code=422, detail=f"unknown {column} {unknown}")
            frame = frame[frame[column].isin(wanted)]
    columns = [
        "series",
        "month",
        "model",
        "mean",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
        "chosen",
        "run_id",
        "build_id",
        "basis",
        "until",
    ]
    return frame_response(frame[columns], format, "forecasts", page)


@router.get("/forecasts/leaderboard", response_model=TablePage, responses=CSV_TOO)
def leaderboard(
    store: Store, page: Paging, run: RunId = None, format: Literal["json", "csv"] = "json"
) -> Response:
    """MASE, sMAPE and interval coverage per series, model and horizon."""
    frame = _latest(store, "backtests", run, "rootcauses forecast backtest")
    board = fc.leaderboard(frame).assign(run_id=frame["run_id"].iloc[0])
    return frame_response(board, format, "leaderboard", page)


@router.get("/drivers", response_model=TablePage, responses=CSV_TOO)
def driver_models(
    store: Store, page: Paging, run: RunId = None, format: Literal["json", "csv"] = "json"
) -> Response:
    """The theory comparison table (coefficients, intervals, within-R², out-of-sample gain)."""
    frame = _latest(store, "driver_models", run, "rootcauses drivers fit")
    return frame_response(frame, format, "driver_models", page)


TRACK_MODELS = ("best", *fc.ALL_MODELS)
SeriesFilter = Annotated[
    list[Literal[HEADLINE_CITIZENSHIPS]] | None,  # type: ignore[valid-type]
    Query(description="GTM, HND, SLV, MEX, OTHER; default all"),
]
ModelFilter = Annotated[
    list[Literal[TRACK_MODELS]] | None,  # type: ignore[valid-type]
    Query(description="default best (the leaderboard's pick, as published)"),
]


def _record(
    store: duckdb.DuckDBPyConnection, series: list[str] | None, model: list[str] | None
) -> pd.DataFrame:
    return tr.track_record(store, series=series, models=model or ["best"])


@router.get("/forecasts/track-record", response_model=TablePage, responses=CSV_TOO)
def track_record(
    store: Store,
    page: Paging,
    series: SeriesFilter = None,
    model: ModelFilter = None,
    scored: Annotated[
        bool, Query(description="only forecasts whose month is observed (and so scored)")
    ] = False,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Every stored forecast, newest first: its origin (last month of data seen), when it was
    made, horizon, month, mean and 80%/95% interval, and once the month is observed the value,
    the error, the absolute percentage error, whether each interval held it, and the same run's
    random walk error. ``retrospective`` marks forecasts made with later data withheld."""
    frame = _record(store, series, model)
    if scored:
        frame = frame[frame["scored"]]
    return frame_response(frame, format, "track_record", page)


@router.get("/forecasts/track-record/summary", response_model=TablePage, responses=CSV_TOO)
def track_record_summary(
    store: Store,
    page: Paging,
    series: SeriesFilter = None,
    model: ModelFilter = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Per series and model: forecasts stored and scored, their origins, the mean absolute
    percentage error, the 80%/95% interval coverage and the share closer than the random walk."""
    summary = tr.summary(_record(store, series, model))
    return frame_response(summary, format, "track_record_summary", page)
