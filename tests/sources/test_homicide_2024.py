from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import homicide_2024
from rootcauses.sources.base import FileSpec, RawFile


def _values(source_parts) -> pd.Series:
    frame = source_parts("homicide_2024")["homicide_2024"].frame
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["indicator", "country", "year"])["value"]


def test_spot_checks_2024(source_parts) -> None:
    values = _values(source_parts)
    rate = "homicide_rate_insightcrime"
    assert values[rate, "GTM", 2024] == 16.1
    assert values[rate, "SLV", 2024] == 1.9
    assert values[rate, "HND", 2024] == 25.3
    assert values[rate, "CRI", 2024] == 16.6
    assert values["homicides_insightcrime", "GTM", 2024] == 2_869
    assert values["homicides_insightcrime", "SLV", 2024] == 114


def test_2023_against_unodc_and_inegi_kept_apart(source_parts) -> None:
    values = _values(source_parts)
    assert values["homicide_rate_insightcrime", "CRI", 2023] == 17.7  # UNODC/OWID: 17.75
    assert values["homicide_rate_insightcrime", "HND", 2023] == 31.1  # UNODC/OWID: 31.44
    assert values["homicide_rate_insightcrime", "MEX", 2023] == 23.3
    assert values["homicides_insightcrime", "MEX", 2023] == 29_675
    # Mexico 2024 is INEGI's figure, not InSight Crime's: a separate indicator.
    assert values["homicide_rate_inegi", "MEX", 2024] == 25.6
    assert ("homicide_rate_insightcrime", "MEX", 2024) not in values.index
    frame = source_parts("homicide_2024")["homicide_2024"].frame
    assert "homicide_rate" not in set(frame["indicator"])  # never the UNODC primary key


HEADER = (
    "iso2,country,year,homicide_rate_per_100k,homicides_count,population_used,source,url,"
    "second_mention_url,note\n"
)
ROW = "HN,Honduras,2024,25.3,2503,9890000,InSight Crime 2024 Homicide Round-Up,https://x,,\n"
SPEC = FileSpec(pattern="*.csv", url="https://example.invalid/")


def _raw(text: str, name: str = "homicide_2024_insightcrime.csv") -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def test_rate_and_count_rows() -> None:
    frame = homicide_2024.read([_raw(HEADER + ROW)])[0].frame
    assert frame.set_index("indicator")["value"].to_dict() == {
        "homicide_rate_insightcrime": 25.3,
        "homicides_insightcrime": 2503.0,
    }
    assert set(frame["country"]) == {"HND"}


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (HEADER.replace("homicides_count", "count"), SchemaDriftError, "homicides_count"),
        (HEADER + ROW.replace("25.3", "n/a"), ParseError, "row 2, column 'homicide_rate"),
        (HEADER + ROW.replace("HN,", "QQ,"), CheckError, "row 2, column 'iso2'"),
        (HEADER + ROW.replace("InSight Crime", "Some blog"), ParseError, "column 'source'"),
        (HEADER + ROW.replace("25.3", "26.5"), CheckError, "row 2.*25.31"),
    ],
)
def test_bad_input_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        homicide_2024.read([_raw(text)])
    assert "homicide_2024_insightcrime.csv" in str(info.value)


def test_check_needs_a_northern_triangle_rate() -> None:
    parts = homicide_2024.read([_raw(HEADER + ROW.replace("HN,Honduras", "CR,Costa Rica"))])
    with pytest.raises(CheckError, match="GTM"):
        homicide_2024.check(parts)
