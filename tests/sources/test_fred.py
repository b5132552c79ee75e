from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import fred
from rootcauses.sources.base import FileSpec, RawFile

SERIES = fred.FredSeries(
    series="PCOFFOTMUSDM",
    source_id="fred_pcoffotmusdm",
    indicator="coffee_price_other_milds",
    unit="US cents per pound",
    country="WLD",
    title="Global price of Coffee, Other Mild Arabica",
    publisher="IMF Primary Commodity Prices",
    file="PCOFFOTMUSDM.csv",
    low=20.0,
    high=2000.0,
)


def _raw(text: str, name: str = "PCOFFOTMUSDM.csv", role: str = "PCOFFOTMUSDM") -> RawFile:
    spec = FileSpec(pattern=name, url="https://example.invalid/x.csv", role=role)
    return RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0")


def test_series_file_spec_and_part() -> None:
    spec = SERIES.file_spec()
    assert spec.url == "https://fred.stlouisfed.org/graph/fredgraph.csv?id=PCOFFOTMUSDM"
    assert (spec.pattern, spec.role, spec.save_as) == (
        "PCOFFOTMUSDM.csv",
        "PCOFFOTMUSDM",
        "PCOFFOTMUSDM.csv",
    )
    part = fred.fred_parts([_raw("DATE,PCOFFOTMUSDM\n2024-01-01,200\n")], [SERIES])[0]
    assert part.source_id == "fred_pcoffotmusdm"
    assert "https://fred.stlouisfed.org/series/PCOFFOTMUSDM" in part.notes
    assert part.frame["country"].tolist() == ["WLD"]


@pytest.mark.parametrize(
    "text",
    [
        # FRED since 2024: observation_date, blank for a missing month
        "observation_date,PCOFFOTMUSDM\n2024-01-01,200.5\n2024-02-01,\n2024-03-01,210\n",
        # FRED before 2024: DATE, "." for a missing month
        "DATE,PCOFFOTMUSDM\n2024-01-01,200.5\n2024-02-01,.\n2024-03-01,210\n",
        # old copies: date,value
        "date,value\n2024-01-01,200.5\n2024-02-01,\n2024-03-01,210\n",
    ],
)
def test_fred_header_variants_and_missing_months(text: str) -> None:
    frame = fred.fred_parts([_raw(text)], [SERIES])[0].frame
    assert frame["period"].tolist() == [dt.date(2024, 1, 1), dt.date(2024, 3, 1)]
    assert frame["value"].tolist() == [200.5, 210.0]  # the missing month is dropped, not 0


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        ("DATE,PCOFFROBUSDM\n2024-01-01,1\n", SchemaDriftError, "PCOFFOTMUSDM"),
        ("month,PCOFFOTMUSDM\n2024-01-01,1\n", SchemaDriftError, "date column"),
        ("DATE,PCOFFOTMUSDM\n2024-01-01,cheap\n", ParseError, "row 2, column 'PCOFFOTMUSDM'"),
        ("DATE,PCOFFOTMUSDM\n2024-01-01,1\n2024-01-15,2\n", ParseError, "row 3, column 'DATE'"),
        ("DATE,PCOFFOTMUSDM\n2024-01-01,1\n2024-01-01,2\n", ParseError, "appears twice"),
        ("DATE,PCOFFOTMUSDM\n2024-13-01,1\n", ParseError, "row 2, column 'DATE'"),
        ("DATE,PCOFFOTMUSDM\n2024-01-01,1\n2024-02", ParseError, "truncated"),
    ],
)
def test_bad_input_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        fred.fred_parts([_raw(text)], [SERIES])
    assert "PCOFFOTMUSDM.csv" in str(info.value)


def test_check_ranges() -> None:
    parts = fred.fred_parts([_raw("DATE,PCOFFOTMUSDM\n2024-01-01,2.5\n")], [SERIES])
    with pytest.raises(CheckError, match=r"PCOFFOTMUSDM\.csv: column 'value' is 2\.5"):
        fred.check_ranges(parts, [SERIES])
    with pytest.raises(CheckError, match="was not read"):
        fred.check_ranges([], [SERIES])
