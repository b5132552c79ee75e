from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import cbp_state
from rootcauses.sources.base import FileSpec, RawFile


def _sw(source_parts) -> pd.DataFrame:
    frame = source_parts("cbp_state")["cbp_state"].frame
    return frame[frame["region"] == "Southwest Land Border"]


def test_southwest_totals_match_cbp_published_figures(source_parts) -> None:
    totals = _sw(source_parts).groupby("fiscal_year")["count"].sum()
    assert totals[2021] == 1_734_686
    assert totals[2022] == 2_378_944  # FY2022 is in two releases: counted once
    assert totals[2023] == 2_475_669
    assert totals[2024] == 2_135_005


def test_fy2021_northern_triangle_title42_and_children(source_parts) -> None:
    fy21 = _sw(source_parts).query("fiscal_year == 2021")
    assert fy21[fy21["citizenship"].isin(["GTM", "HND", "SLV"])]["count"].sum() == 701_049
    assert fy21.query("authority == 'T42'")["count"].sum() == 1_063_526
    assert fy21.query("demographic == 'UAC'")["count"].sum() == 146_925
    assert fy21.query("demographic == 'FMUA'")["count"].sum() == 479_728


def test_nationwide_totals(source_parts) -> None:
    frame = source_parts("cbp_state")["cbp_state"].frame
    totals = frame.groupby("fiscal_year")["count"].sum()
    assert totals[2020] == 646_822
    assert totals[2024] == 2_901_142


HEADER = (
    "Fiscal Year,Month Grouping,Month (abbv),Land Border Region,State,Demographic,"
    "Citizenship,Title of Authority,Encounter Count\n"
)
SPEC = FileSpec(pattern="*.csv", url="https://example.invalid/x.csv")


def _raw(text: str, name: str = "release.csv") -> RawFile:
    data = text.encode()
    return RawFile(name=name, data=data, spec=SPEC, url=SPEC.url, sha256="0")


def test_overlapping_releases_take_each_year_from_the_newest() -> None:
    old = _raw(
        HEADER
        + "2022,FYTD,OCT,Southwest Land Border,TX,UAC,GUATEMALA,Title 8,5\n"
        + "2023,FYTD,OCT,Southwest Land Border,TX,UAC,GUATEMALA,Title 8,7\n",
        "nationwide-encounters-fy22-fy23-state.csv",
    )
    new = _raw(
        HEADER
        + "2023,FYTD,OCT,Southwest Land Border,TX,UAC,GUATEMALA,Title 8,8\n"
        + "2024 (FYTD),FYTD,NOV,Southwest Land Border,TX,UAC,GUATEMALA,Title 8,1\n",
        "nationwide-encounters-fy23-fy24-state.csv",
    )
    frame = cbp_state.read([old, new])[0].frame.set_index("fiscal_year")["count"]
    assert frame.to_dict() == {2022: 5, 2023: 8, 2024: 1}


def test_fiscal_months_map_to_calendar_months() -> None:
    raw = _raw(HEADER + "2021,FYTD,OCT,Other,FL,FMUA,CUBA,Title 8,3\n")
    row = cbp_state.read([raw])[0].frame.iloc[0]
    assert str(row["month"]) == "2020-10-01"
    assert row["citizenship"] == "CUB"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (HEADER.replace("Encounter Count", "Count"), SchemaDriftError, "Encounter Count"),
        (HEADER + "2021,FYTD,OCT,Other,FL,FMUA,CUBA,Title 8,many\n", ParseError, "row 2"),
        (HEADER + "2021,FYTD,OCT,Other,FL,FMUA,CUBA,Title 8,-3\n", CheckError, "≥ 0"),
        (HEADER + "2021,FYTD,OCT,Other,FL,FMUA,ATLANTIS,Title 8,3\n", CheckError, "ATLANTIS"),
        (HEADER + "2021,FYTD,OCT,Other,FL,FMUA,CUBA,Tit", ParseError, "truncated"),
        (HEADER + "2021,FYTD,OCT,Other,FL,Martians,CUBA,Title 8,3\n", ParseError, "Demographic"),
    ],
)
def test_bad_input_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        cbp_state.read([_raw(text)])
    assert "release.csv" in str(info.value)
