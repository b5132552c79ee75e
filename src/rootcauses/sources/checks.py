"""Checks every part must pass before it reaches the store: columns, types, codes, unique cells."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rootcauses import schema
from rootcauses.countries import _codes
from rootcauses.errors import CheckError, SchemaDriftError
from rootcauses.sources.base import Part


def _example(frame: pd.DataFrame, mask: pd.Series) -> str:
    row = frame[mask].iloc[0]
    return ", ".join(f"{k}={row[k]!r}" for k in frame.columns[:8])


def check_part(part: Part) -> None:
    """Validate a canonical part against :mod:`rootcauses.schema`; extra tables pass through."""
    columns = schema.CANONICAL.get(part.table)
    if columns is None:
        if part.frame.empty:
            raise CheckError(f"{part.source_id}: table {part.table!r} has no rows")
        return
    frame = part.frame
    where = f"{part.source_id} ({part.table})"
    if list(frame.columns) != list(columns):
        raise SchemaDriftError(
            f"{where}: columns {list(frame.columns)} differ from the canonical {list(columns)}"
        )
    if frame.empty:
        raise CheckError(f"{where}: no rows")
    if (frame["source"] != part.source_id).any():
        raise CheckError(f"{where}: the source column must be {part.source_id!r}")
    if part.table == "encounters":
        _check_encounters(frame, where)
    elif part.table == "indicators":
        _check_indicators(frame, where)
    else:
        _check_events(frame, where)
    keys = schema.KEYS[part.table]
    dup = frame.duplicated(subset=keys, keep=False)
    if dup.any():
        raise CheckError(
            f"{where}: {int(dup.sum())} rows share the same cell (would be double-counted), "
            f"e.g. {_example(frame, dup)}"
        )


def _in(frame: pd.DataFrame, column: str, allowed, where: str) -> None:
    bad = ~frame[column].isin(allowed)
    if bad.any():
        raise CheckError(
            f"{where}: column {column!r} has {frame.loc[bad, column].iloc[0]!r}; "
            f"expected one of {sorted(map(str, allowed))}"
        )


def _is_first_of_month(series: pd.Series) -> pd.Series:
    return series.map(lambda d: d is None or pd.isna(d) or (isinstance(d, dt.date) and d.day == 1))


def _check_encounters(frame: pd.DataFrame, where: str) -> None:
    counts = frame["count"]
    if counts.isna().any() or (counts < 0).any():
        raise CheckError(f"{where}: counts must be whole numbers ≥ 0")
    _in(frame, "frequency", ("monthly", "annual"), where)
    _in(frame, "component", schema.COMPONENTS, where)
    _in(frame, "region", schema.REGIONS, where)
    _in(frame, "demographic", schema.DEMOGRAPHICS, where)
    _in(frame, "authority", schema.AUTHORITIES, where)
    _in(frame, "encounter_type", schema.ENCOUNTER_TYPES, where)
    _in(frame, "citizenship", [*_codes(), "ALL"], where)
    monthly = frame["frequency"] == "monthly"
    if frame.loc[monthly, "month"].isna().any():
        raise CheckError(f"{where}: monthly rows need a month")
    if not _is_first_of_month(frame["month"]).all():
        raise CheckError(f"{where}: month must be the first day of the month")
    if frame["fiscal_year"].isna().any():
        raise CheckError(f"{where}: fiscal_year missing")


def _check_indicators(frame: pd.DataFrame, where: str) -> None:
    _in(frame, "frequency", schema.FREQUENCIES, where)
    _in(frame, "country", list(_codes()), where)
    if frame["period"].isna().any():
        raise CheckError(f"{where}: period missing")
    if frame["indicator"].isna().any() or (frame["indicator"] == "").any():
        raise CheckError(f"{where}: indicator name missing")
    if frame["value"].isna().any():
        raise CheckError(
            f"{where}: missing values must be dropped, not stored "
            f"(e.g. {_example(frame, frame['value'].isna())})"
        )


def _check_events(frame: pd.DataFrame, where: str) -> None:
    _in(frame, "country", list(_codes()), where)
    if frame["date"].isna().any():
        raise CheckError(f"{where}: event date missing")
    if frame["event"].isna().any():
        raise CheckError(f"{where}: event text missing")


def part_frame(parts: list[Part], source_id: str, where: str) -> pd.DataFrame:
    """The frame of the part ``source_id`` (for a source's ``check``); raise if it was not read."""
    for part in parts:
        if part.source_id == source_id:
            return part.frame
    raise CheckError(f"{where}: part {source_id} was not read")


def assert_close(name: str, got: float, expected: float, tolerance: float, where: str) -> None:
    """A published total check with a documented tolerance."""
    if abs(got - expected) > tolerance:
        raise CheckError(
            f"{where}: {name} is {got:,.0f}, expected {expected:,.0f} (tolerance {tolerance:,})"
        )
