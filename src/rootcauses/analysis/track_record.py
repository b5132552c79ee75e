"""The public track record of the forecasts: every forecast ever stored, scored once its month
is observed (as ViEWS keeps for its conflict forecasts).

The record is the results store's ``forecasts`` table: each ``rootcauses forecast run`` writes a
new, never-modified file holding its origin (the last month of data it saw, ``until``), its
time of making (``created_at``), the data build, every model's mean and 80%/95% intervals for
each month of the horizon, and ``best``, the model the leaderboard picked. Nothing here is
written: the scores are computed on reading, against the encounters of the current build, so a
forecast is scored as soon as a build holds its month, and rescored if the publisher revises it.

Scores of one forecast (a series, a month, a model, an origin): the error (forecast minus
observed), the absolute percentage error, whether the 80% and 95% intervals held the observed
value, and the same forecast run's random walk error for comparison (``rw_abs_error``; a model
whose absolute error is above it did worse than carrying the last value forward). Forecasts made
with data withheld (``--until`` earlier than the data their build held) are marked
``retrospective``: they are tests made after the fact, not forecasts made in real time.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from rootcauses.analysis import forecast as fc
from rootcauses.store import query
from rootcauses.store.results import has_table

COLUMNS = [
    "run_id",
    "made_at",
    "origin",
    "basis",
    "series",
    "model",
    "chosen",
    "h",
    "month",
    "mean",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "actual",
    "error",
    "abs_pct_error",
    "in80",
    "in95",
    "rw_abs_error",
    "scored",
    "retrospective",
]
SUMMARY_COLUMNS = [
    "series",
    "model",
    "forecasts",
    "scored",
    "origins",
    "first_origin",
    "last_origin",
    "mape",
    "coverage80",
    "coverage95",
    "beat_random_walk",
]


def _stored(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not has_table(con, "forecasts"):
        return pd.DataFrame()
    return con.execute("SELECT * FROM forecasts").df()


def _actuals(con: duckdb.DuckDBPyConnection, basis: str) -> pd.DataFrame:
    """Observed encounters of the current build, long: series, month, actual."""
    wide = query.southwest_by_nationality(con, basis=basis)  # type: ignore[arg-type]
    if wide.empty:
        return pd.DataFrame(columns=["series", "month", "actual"])
    wide.index = pd.to_datetime(wide.index)
    long = wide.rename_axis("month").reset_index().melt("month", var_name="series")
    return long.rename(columns={"value": "actual"}).astype({"actual": "float64"})


def score(stored: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Every stored forecast row with its scores (see the module docstring); pure."""
    if stored.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = stored.copy()
    frame["month"] = pd.to_datetime(frame["month"])
    frame["origin"] = pd.to_datetime(frame["until"])
    frame["made_at"] = pd.to_datetime(frame["created_at"])
    if "chosen" not in frame.columns:
        frame["chosen"] = None
    if "h" not in frame.columns:
        months = (frame["month"].dt.year - frame["origin"].dt.year) * 12
        frame["h"] = months + frame["month"].dt.month - frame["origin"].dt.month
    if "data_through" in frame.columns:
        through = pd.to_datetime(frame["data_through"])
        frame["retrospective"] = (frame["origin"] < through).where(through.notna(), None)
    else:
        frame["retrospective"] = None
    frame = frame.merge(actuals, on=["series", "month"], how="left")
    frame["error"] = frame["mean"] - frame["actual"]
    observed = frame["actual"].notna()
    frame["abs_pct_error"] = (frame["error"].abs() / frame["actual"] * 100).where(
        observed & (frame["actual"] > 0)
    )
    for level in ("80", "95"):
        held = (frame["actual"] >= frame[f"lo{level}"]) & (frame["actual"] <= frame[f"hi{level}"])
        frame[f"in{level}"] = held.astype(object).where(observed, None)
    walk = frame[frame["model"] == fc.REFERENCE][["run_id", "series", "month", "error"]]
    walk = walk.rename(columns={"error": "rw_error"})
    frame = frame.merge(walk, on=["run_id", "series", "month"], how="left")
    frame["rw_abs_error"] = frame["rw_error"].abs()
    frame["scored"] = observed
    frame["origin"] = frame["origin"].dt.strftime("%Y-%m")
    frame["month"] = frame["month"].dt.strftime("%Y-%m")
    frame["h"] = frame["h"].astype("int64")
    # newest first; runs made in the same second: the later origin first
    order = ["made_at", "origin", "run_id", "series", "model", "month"]
    frame = frame.sort_values(order, ascending=[False, False, True, True, True, True])
    return frame[COLUMNS].reset_index(drop=True)


def track_record(
    con: duckdb.DuckDBPyConnection,
    *,
    series: Sequence[str] | None = None,
    models: Sequence[str] | None = ("best",),
    scored_only: bool = False,
) -> pd.DataFrame:
    """Every stored forecast of ``series`` by ``models`` (default the leaderboard's pick, as
    published; None for all), newest first, with its scores where the month is observed."""
    stored = _stored(con)
    if stored.empty:
        return pd.DataFrame(columns=COLUMNS)
    parts = [
        score(rows, _actuals(con, str(basis))) for basis, rows in stored.groupby("basis", sort=True)
    ]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if series:
        frame = frame[frame["series"].isin(series)]
    if models:
        frame = frame[frame["model"].isin(models)]
    if scored_only:
        frame = frame[frame["scored"]]
    return frame.reset_index(drop=True)


def summary(record: pd.DataFrame) -> pd.DataFrame:
    """Per series and model: how many forecasts, how many scored, over which origins, the mean
    absolute percentage error, the share inside the 80% and 95% intervals and, of the scored
    forecasts that differ from the same run's random walk, the share closer to the observed
    value (None when none differ)."""
    if record.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rows = []
    for (series, model), part in record.groupby(["series", "model"], sort=True):
        scored = part[part["scored"]]
        # forecasts equal to the random walk's (a pick that is the random walk) are ties
        compared = scored[
            scored["rw_abs_error"].notna() & (scored["error"].abs() != scored["rw_abs_error"])
        ]

        def share(values: pd.Series) -> float | None:
            return float(np.mean(values.astype(bool))) if len(values) else None

        rows.append(
            {
                "series": series,
                "model": model,
                "forecasts": len(part),
                "scored": len(scored),
                "origins": part["origin"].nunique(),
                "first_origin": part["origin"].min(),
                "last_origin": part["origin"].max(),
                "mape": float(scored["abs_pct_error"].mean()) if len(scored) else None,
                "coverage80": share(scored["in80"]),
                "coverage95": share(scored["in95"]),
                "beat_random_walk": share(compared["error"].abs() < compared["rw_abs_error"])
                if model != fc.REFERENCE
                else None,
            }
        )
    order = {code: i for i, code in enumerate(fc.SERIES)}  # GTM, HND, SLV, MEX, OTHER
    rows.sort(key=lambda r: (order.get(str(r["series"]), len(order)), str(r["model"])))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


__all__ = ["COLUMNS", "SUMMARY_COLUMNS", "score", "summary", "track_record"]
