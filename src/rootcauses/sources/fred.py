"""FRED graph CSV downloads (``fredgraph.csv?id=SERIES``): the one reader of that format.

FRED's header has changed over time (``DATE,SERIES`` before 2024, ``observation_date,SERIES``
since; some snapshot copies have ``date,value``) and missing months are ``.`` (old) or blank
(new). :func:`read_fred_series` accepts all of these. A source made of FRED series declares them
as :class:`FredSeries` and uses :func:`fred_parts` (one indicators part per series) and
:func:`check_ranges` (plausible range of every value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, RawFile, one
from rootcauses.sources.frames import indicators_frame
from rootcauses.sources.parsing import first_true, read_csv, to_date, to_float

FRED_GRAPH_CSV = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}"
FRED_SERIES_PAGE = "https://fred.stlouisfed.org/series/{series}"
DATE_COLUMNS = ("observation_date", "DATE", "date")  # FRED since 2024, FRED before, old copies
VALUE_FALLBACK = "value"  # copies saved as ``date,value``


@dataclass(frozen=True)
class FredSeries:
    """One FRED series and how it enters the indicators table."""

    series: str
    source_id: str
    indicator: str
    unit: str
    country: str
    title: str
    publisher: str
    file: str  # snapshot file name (``save_as``)
    low: float  # plausible range of any monthly value, for ``check``
    high: float

    @property
    def url(self) -> str:
        return FRED_GRAPH_CSV.format(series=self.series)

    def file_spec(self) -> FileSpec:
        return FileSpec(pattern=self.file, url=self.url, role=self.series, save_as=self.file)


def read_fred_series(raw: RawFile, series: str) -> pd.DataFrame:
    """A FRED graph CSV of one monthly series → ``period`` (first of month), ``value`` (float).

    Missing values (``.`` or blank) stay NaN here; :func:`indicators_frame` drops them.
    """
    name = raw.name
    frame = read_csv(raw.data, name)
    date_col = next((c for c in DATE_COLUMNS if c in frame.columns), None)
    value_col = next((c for c in (series, VALUE_FALLBACK) if c in frame.columns), None)
    if date_col is None or value_col is None:
        raise SchemaDriftError(
            f"{name}: expected a FRED CSV with a date column (one of {list(DATE_COLUMNS)}) "
            f"and a value column {series!r} (or {VALUE_FALLBACK!r}); found {list(frame.columns)}"
        )
    if frame.empty:
        raise ParseError(f"{name}: no rows under the header (expected monthly values of {series})")
    text = frame[value_col].str.strip()
    values = to_float(text.mask(text == ".", ""), name, value_col)  # "." = old FRED NA
    periods = to_date(frame[date_col], name, date_col, fmt="%Y-%m-%d")
    days = pd.Series([d.day for d in periods])
    if (days != 1).any():
        pos = first_true(days != 1)
        raise ParseError(
            f"{name}: row {pos + 2}, column {date_col!r} is {frame[date_col].iloc[pos]!r}; "
            "expected the first day of a month (a monthly series)"
        )
    repeated = periods.duplicated()
    if repeated.any():
        pos = first_true(repeated)
        raise ParseError(
            f"{name}: row {pos + 2}, column {date_col!r}: month {periods.iloc[pos]} appears twice"
        )
    return pd.DataFrame({"period": periods, "value": values})


def fred_parts(files: Sequence[RawFile], series: Sequence[FredSeries]) -> list[Part]:
    """One indicators part per FRED series (each series is its own published table)."""
    parts = []
    for s in series:
        raw = one(files, s.series)
        rows = read_fred_series(raw, s.series)
        frame = indicators_frame(
            rows,
            s.source_id,
            country=s.country,
            frequency="monthly",
            indicator=s.indicator,
            unit=s.unit,
        )
        parts.append(
            Part(
                source_id=s.source_id,
                table="indicators",
                frame=frame,
                title=f"{s.title} (FRED {s.series})",
                files=(raw,),
                notes=f"{s.publisher}, via FRED: {FRED_SERIES_PAGE.format(series=s.series)}",
            )
        )
    return parts


def check_ranges(parts: list[Part], series: Sequence[FredSeries]) -> None:
    """Every value of a series lies in its plausible range (catches unit or column mix-ups)."""
    by_id = {p.source_id: p for p in parts}
    for s in series:
        part = by_id.get(s.source_id)
        if part is None:
            raise CheckError(f"{s.source_id}: series {s.series} was not read")
        values = part.frame["value"]
        bad = (values < s.low) | (values > s.high)
        if bad.any():
            row = part.frame[bad].iloc[0]
            raise CheckError(
                f"{s.file}: column 'value' is {row['value']:g} for {row['period']}; expected "
                f"{s.unit} between {s.low} and {s.high} ({s.indicator})"
            )
