from __future__ import annotations

import pytest

from rootcauses.errors import ParseError
from rootcauses.sources import emigration_departments as emigration
from rootcauses.sources.base import RawFile

SPEC = emigration.SOURCE.files[0]
HEADER = "iso2,iso_3166_2,admin1_name,period,indicator,value,unit,source,url\n"


def _raw(rows: str) -> RawFile:
    data = (HEADER + rows).encode()
    return RawFile(name="emigration.csv", data=data, spec=SPEC, url=SPEC.url, sha256="0")


def _values(source_parts, indicator: str):
    frame = source_parts("emigration_departments")["emigration_departments"].frame
    return frame[frame["indicator"] == indicator]


# --- the national sums and checks of SOURCE.md ----------------------------------------------------


def test_census_sums_by_country(source_parts) -> None:
    households = _values(source_parts, "households_with_emigrants").groupby("country")["value"]
    assert households.sum().to_dict() == {"GTM": 194_979, "SLV": 156_381}
    emigrants = _values(source_parts, "emigrants_reported_by_households")
    assert emigrants.groupby("country")["value"].sum().to_dict() == {
        "GTM": 301_069,
        "SLV": 226_808,
    }


def test_el_salvador_by_year_of_departure_adds_up_to_the_census_total(source_parts) -> None:
    by_year = _values(source_parts, "emigrants_by_year_of_departure")
    assert sorted(by_year["year"].unique()) == list(range(2014, 2025))
    totals = by_year.groupby("code")["value"].sum()
    reported = _values(source_parts, "emigrants_reported_by_households").set_index("code")
    assert totals.to_dict() == reported.loc[totals.index, "value"].to_dict()
    assert totals["SV-SS"] == 46_669 and totals["SV-CA"] == 11_338


def test_highest_emigration_per_1000_where_source_md_says(source_parts) -> None:
    rates = _values(source_parts, "emigrants_per_1000_population").set_index("code")["value"]
    guatemala = rates[rates.index.str.startswith("GT-")]
    assert guatemala.idxmax() == "GT-13" and guatemala.max() == pytest.approx(47.7, abs=0.05)
    assert rates[rates.index.str.startswith("SV-")].idxmax() == "SV-CA"


def test_periods_and_measures() -> None:
    frame = emigration.read_emigration(
        _raw(
            "GT,GT-13,Huehuetenango,2014-2015,family_unit_deportation_events_attended_sosep,"
            "12,events,SOSEP (transcribed),http://x\n"
            "HN,HN-CR,Cortés,2019,emigrants_by_year_of_departure_survey,56,persons,"
            "INE Honduras survey,http://y\n"
        )
    )
    assert frame[["year", "year_end"]].to_numpy().tolist() == [[2014, 2015], [2019, 2019]]
    assert frame["measure"].tolist() == ["transcribed", "survey estimate"]
    assert frame["country"].tolist() == ["GTM", "HND"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("GT,HN-CR,X,2018,x,1,u,s,http://x\n", "row 2, column 'iso_3166_2' is 'HN-CR'"),
        ("GT,GT-01,X,18,x,1,u,s,http://x\n", "row 2, column 'period' is '18'"),
        ("GT,GT-01,X,2018,x,many,u,s,http://x\n", "row 2, column 'value' is 'many'"),
    ],
)
def test_bad_rows_name_the_row_and_column(row: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        emigration.read_emigration(_raw(row))
