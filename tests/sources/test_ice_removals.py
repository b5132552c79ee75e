from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import ice_removals
from rootcauses.sources.base import FileSpec, RawFile


def _fy(year: int) -> dt.date:
    return dt.date(year - 1, 10, 1)


@pytest.fixture
def removals(source_parts):
    frame = source_parts("ice_removals")["ice_removals"].frame
    return frame.set_index(["period", "country"])["value"]


@pytest.fixture
def totals(source_parts):
    return source_parts("ice_removals")["ice_removals_total"].frame.set_index("period")["value"]


def test_spot_checks_against_ice_reports(removals) -> None:
    assert removals[_fy(2019), "MEX"] == 127_492
    assert removals[_fy(2019), "GTM"] == 54_919
    assert removals[_fy(2019), "HND"] == 41_800
    assert removals[_fy(2019), "SLV"] == 18_981
    assert removals[_fy(2018), "MEX"] == 141_045
    assert removals[_fy(2018), "GTM"] == 50_390
    assert removals[_fy(2018), "HND"] == 28_894
    assert removals[_fy(2018), "SLV"] == 15_445


def test_national_totals(totals, source_parts) -> None:
    assert totals[_fy(2019)] == 267_258
    assert totals[_fy(2021)] == 59_011
    assert totals[_fy(2024)] == 271_484
    frame = source_parts("ice_removals")["ice_removals_total"].frame
    assert set(frame["country"]) == {"USA"}
    assert set(frame["indicator"]) == {"ice_removals_total_fy"}


def test_northern_triangle_sums(removals) -> None:
    nt = removals[removals.index.get_level_values("country").isin(["GTM", "HND", "SLV"])]
    by_year = nt.groupby(level="period").sum()
    assert by_year[_fy(2014)] == 122_298
    assert by_year[_fy(2019)] == 115_700
    assert by_year[_fy(2021)] == 15_554
    assert by_year[_fy(2024)] == 127_642


def test_coverage_and_share_of_printed_totals(removals, totals, source_parts) -> None:
    assert len(removals) == 183  # 11 fiscal years x 17 countries, 4 cells missing
    assert removals.index.get_level_values("country").nunique() == 17
    share = removals.groupby(level="period").sum() / totals
    assert removals.groupby(level="period").sum()[_fy(2019)] == 256_583
    assert share.min() == pytest.approx(0.936, abs=0.0005)
    assert share.idxmin() == _fy(2021)
    assert share.max() == pytest.approx(0.978, abs=0.0005)
    assert share.idxmax() == _fy(2014)
    part = source_parts("ice_removals")["ice_removals"]
    assert part.status == "transcribed"
    assert "PAN FY2018" in part.notes and "CUB FY2014" in part.notes


HEADER = "fiscal_year,country_key,country_name,removals,source_doc,as_of\n"
TOTALS = (
    "fiscal_year,source_doc,as_of,country_rows_in_source,ice_removals_total_all_countries\n"
    "2019,ice-ero-report-fy2019,2019-10-06,191,267258\n"
)
ROWS = (
    "2019,GTM,Guatemala,54919,ice-ero-report-fy2019,2019-10-06\n"
    "2019,HND,Honduras,41800,ice-ero-report-fy2019,2019-10-06\n"
    "2019,SLV,El Salvador,18981,ice-ero-report-fy2019,2019-10-06\n"
)
DATA_NAME = "removals_by_citizenship_americas_fy2014_fy2024.csv"
TOTALS_NAME = "removals_totals_by_fiscal_year.csv"


def _files(data: str, totals: str = TOTALS) -> list[RawFile]:
    out = []
    for name, text, role in ((DATA_NAME, data, "data"), (TOTALS_NAME, totals, "totals")):
        spec = FileSpec(pattern=name, url=ice_removals.OFFICIAL_PAGE, role=role)
        out.append(RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0"))
    return out


def test_fiscal_year_period_and_tiny_extract() -> None:
    parts = ice_removals.read(_files(HEADER + ROWS))
    ice_removals.check(parts)
    frame = parts[0].frame
    assert set(frame["period"]) == {dt.date(2018, 10, 1)}
    assert set(frame["frequency"]) == {"annual"}
    assert frame.set_index("country")["value"]["SLV"] == 18_981


@pytest.mark.parametrize(
    ("data", "totals", "error", "message"),
    [
        ("", TOTALS, ParseError, f"{DATA_NAME}: the file is empty"),
        (HEADER.replace("removals,", "count,"), TOTALS, SchemaDriftError, "removals"),
        (
            HEADER + ROWS.replace("54919", "54919x"),
            TOTALS,
            ParseError,
            f"{DATA_NAME}: row 2, column 'removals'",
        ),
        (HEADER + ROWS.replace("41800", "-1"), TOTALS, CheckError, "row 3, column 'removals'"),
        (
            HEADER + ROWS.replace("GTM,Guatemala", "XXY,Atlantis"),
            TOTALS,
            CheckError,
            "column 'country_key': unknown country 'XXY'",
        ),
        (
            HEADER + ROWS.replace("HND,Honduras", "HND,Nicaragua"),
            TOTALS,
            CheckError,
            f"{DATA_NAME}: row 3, column 'country_name' is 'Nicaragua'",
        ),
        (HEADER + ROWS + ROWS.splitlines()[0] + "\n", TOTALS, ParseError, "row 5 repeats"),
        (
            HEADER + ROWS.replace("ice-ero-report-fy2019,", "ice-annual-report-fy2024,", 1),
            TOTALS,
            CheckError,
            "row 2, column 'source_doc'",
        ),
        (HEADER + ROWS, TOTALS.replace("267258", "lots"), ParseError, TOTALS_NAME),
    ],
)
def test_bad_input_names_file_row_and_column(
    data: str, totals: str, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        ice_removals.read(_files(data, totals))


def test_check_refuses_countries_above_printed_total() -> None:
    parts = ice_removals.read(_files(HEADER + ROWS, TOTALS.replace("267258", "100000")))
    with pytest.raises(CheckError, match="above the printed ICE total 100,000"):
        ice_removals.check(parts)


def test_check_requires_the_northern_triangle() -> None:
    parts = ice_removals.read(_files(HEADER + ROWS.split("\n", 1)[1]))
    with pytest.raises(CheckError, match=r"no \['GTM'\]"):
        ice_removals.check(parts)
