from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import firearms
from rootcauses.sources.base import FileSpec, RawFile


def _annual(source_parts) -> pd.Series:
    frame = source_parts("firearms")["firearms"].frame
    annual = frame[frame["frequency"] == "annual"]
    years = pd.to_datetime(annual["period"]).dt.year
    return annual.assign(year=years).set_index(["indicator", "country", "year"])["value"]


def test_central_america_2016_adds_up_to_the_regional_total(source_parts) -> None:
    values = _annual(source_parts)
    members = ["BLZ", "SLV", "GTM", "HND", "PAN"]
    counts = [values["firearms_submitted_for_tracing", c, 2016] for c in members]
    assert counts == [53, 2_718, 2_182, 623, 152]
    groups = source_parts("firearms")["firearms_groups"].frame
    total = groups.query("group_code == 'CA5' and indicator == 'firearms_submitted_for_tracing'")
    assert total["value"].tolist() == [sum(counts)] == [5_728]


def test_mexico_2016_down_about_24_percent_from_2015(source_parts) -> None:
    values = _annual(source_parts)
    m15 = values["firearms_submitted_for_tracing", "MEX", 2015]
    m16 = values["firearms_submitted_for_tracing", "MEX", 2016]
    assert (m15, m16) == (17_784, 13_452)
    assert (m16 / m15 - 1) * 100 == pytest.approx(-24.4, abs=0.05)


def test_gao_multi_year_shares_have_a_period_end(source_parts) -> None:
    frame = source_parts("firearms")["firearms"].frame
    gao = frame.query("country == 'MEX' and indicator == 'firearms_traced_us_sourced_share'")
    spans = {(r.period, r.period_end): r.value for r in gao.itertuples()}
    assert spans == {
        (dt.date(2014, 1, 1), dt.date(2018, 12, 31)): 70,
        (dt.date(2004, 1, 1), dt.date(2008, 12, 31)): 87,
    }
    assert set(gao["frequency"]) == {"multi-year"}
    over = frame.query("indicator == 'firearms_submitted_for_tracing' and country == 'MEX'")
    assert "firearms (more than)" in set(over["unit"])  # ">99,000" is not "99,000"


def test_groups_are_not_countries(source_parts) -> None:
    parts = source_parts("firearms")
    assert not {"CA4", "CA5", "CA6", "MX+NT"} & set(parts["firearms"].frame["country"])
    groups = parts["firearms_groups"].frame.set_index(["group_code", "indicator"])
    assert groups.loc[("CA4", "firearms_traced_us_sourced_share"), "value"] == 40
    assert groups.loc[("CA4", "firearms_submitted_for_tracing"), "members"] == "BLZ,SLV,GTM,HND"


HEADER = (
    "country_or_group,iso2,period_start,period_end,measure,value,unit,original_source,"
    "url_where_seen,second_mention_url,note\n"
)
ROWS = (
    "Guatemala,GT,2016,2016,firearms_recovered_and_submitted_for_tracing,10,firearms,ATF,u,,\n"
    "Honduras,HN,2016,2016,firearms_recovered_and_submitted_for_tracing,5,firearms,ATF,u,,\n"
    "El Salvador,SV,2016,2016,share_non_US_sourced,51,percent,ATF,u,,\n"
    '"Two",CA4,2016,2016,firearms_recovered_and_submitted_for_tracing,15,firearms,ATF,u,,\n'
)
SPEC = FileSpec(pattern="*.csv", url="https://example.invalid/")


def _raw(text: str, name: str = "firearms_transcribed.csv") -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def test_group_total_must_match_its_members_when_all_are_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(firearms.GROUPS, "CA4", ("GTM", "HND"))  # a group for this tiny file
    parts = firearms.read([_raw(HEADER + ROWS)])
    firearms.check(parts)  # 10 + 5 == 15
    bad = parts[1].frame.assign(value=16.0)
    with pytest.raises(CheckError, match=r"CA4 .* 16 but its members .* add up to 15"):
        firearms.check([parts[0], dataclasses.replace(parts[1], frame=bad)])


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (HEADER.replace("measure", "what"), SchemaDriftError, "measure"),
        (
            HEADER + ROWS.replace(",10,firearms", ",ten,firearms"),
            ParseError,
            "row 2, column 'value'",
        ),
        (
            HEADER + ROWS.replace("share_non_US", "share_alien"),
            ParseError,
            "row 4, column 'measure'",
        ),
        (HEADER + ROWS.replace("Guatemala,GT", "Atlantis,QQ"), CheckError, "row 2, column 'iso2'"),
        (HEADER + ROWS.replace(",51,percent", ",51,furlongs"), ParseError, "row 4, column 'unit'"),
        (
            HEADER + ROWS.replace("GT,2016,2016", "GT,2016,"),
            ParseError,
            "row 2, column 'period_end'",
        ),
    ],
)
def test_bad_input_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        firearms.read([_raw(text)])
    assert "firearms_transcribed.csv" in str(info.value)


def test_check_refuses_a_share_above_100() -> None:
    parts = firearms.read([_raw(HEADER + ROWS.replace(",51,percent", ",151,percent"))])
    with pytest.raises(CheckError, match="151"):
        firearms.check(parts)


def test_no_group_rows_means_no_group_table() -> None:
    parts = firearms.read([_raw(HEADER + ROWS.rsplit('"Two"', 1)[0])])
    assert [p.source_id for p in parts] == ["firearms"]
    firearms.check(parts)
