"""Builders that turn a parsed frame into a canonical one (column order, types, derived fields)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rootcauses import schema
from rootcauses.errors import SchemaDriftError


def _complete(df: pd.DataFrame, columns: dict[str, str], constants: dict, where: str):
    out = df.copy()
    for column, value in constants.items():
        if column not in columns:
            raise SchemaDriftError(f"{where}: {column!r} is not a canonical column")
        out[column] = value
    missing = [c for c in columns if c not in out.columns]
    if missing:
        raise SchemaDriftError(f"{where}: canonical column(s) {missing} not set")
    return out[list(columns)].reset_index(drop=True)


def encounters_frame(df: pd.DataFrame, source_id: str, **constants) -> pd.DataFrame:
    """Canonical encounters rows. ``fiscal_year`` is derived from ``month`` when absent."""
    out = df.copy()
    if "fiscal_year" not in out.columns and "fiscal_year" not in constants:
        months = pd.to_datetime(out["month"])
        out["fiscal_year"] = (months.dt.year + (months.dt.month >= 10)).astype("int64")
    if "frequency" not in out.columns and "frequency" not in constants:
        constants["frequency"] = "monthly"
    for column in ("area",):
        if column not in out.columns and column not in constants:
            constants[column] = None
    out = _complete(out, schema.ENCOUNTERS, {**constants, "source": source_id}, source_id)
    out["count"] = out["count"].astype("int64")
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out


def indicators_frame(df: pd.DataFrame, source_id: str, **constants) -> pd.DataFrame:
    """Canonical indicator rows; rows without a value are dropped (never stored as zeros)."""
    out = df.copy()
    if "period_end" not in out.columns and "period_end" not in constants:
        constants["period_end"] = None
    out = _complete(out, schema.INDICATORS, {**constants, "source": source_id}, source_id)
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype("float64")
    out = out[out["value"].notna()].reset_index(drop=True)
    return out


def events_frame(df: pd.DataFrame, source_id: str, **constants) -> pd.DataFrame:
    out = df.copy()
    if "end_date" not in out.columns and "end_date" not in constants:
        constants["end_date"] = None
    return _complete(out, schema.EVENTS, {**constants, "source": source_id}, source_id)


def year_start(years) -> list[dt.date]:
    """1 January of each year (annual indicator periods)."""
    return [dt.date(int(y), 1, 1) for y in years]
