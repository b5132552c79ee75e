from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import homicide
from rootcauses.sources.base import FileSpec, RawFile


def _rates(source_parts, source_id: str = "homicide") -> pd.Series:
    frame = source_parts("homicide")[source_id].frame
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["country", "year"])["value"]


def test_spot_checks_unodc_owid(source_parts) -> None:
    rates = _rates(source_parts)
    assert rates["SLV", 2015] == pytest.approx(107.6, abs=0.05)
    assert rates["HND", 2015] == pytest.approx(55.7, abs=0.05)
    assert rates["HND", 2011] == pytest.approx(83.2, abs=0.05)
    assert rates["CRI", 2023] == pytest.approx(17.7, abs=0.1)
    assert rates["SLV", 2022] == pytest.approx(7.90, abs=0.005)


def test_latest_year_values_seen_in_a_second_copy(source_parts) -> None:
    rates = _rates(source_parts)
    latest = {"GTM": 23.37, "HND": 31.44, "MEX": 24.86, "CRI": 17.75, "PAN": 12.47, "USA": 5.76}
    for country, value in latest.items():
        assert rates[country, 2023] == pytest.approx(value, abs=0.005), country
    assert rates["NIC", 2021] == pytest.approx(11.35, abs=0.005)


def test_documented_gaps_stay_missing_not_zero(source_parts) -> None:
    rates = _rates(source_parts)
    assert ("GTM", 2015) not in rates.index
    assert ("GTM", 2016) not in rates.index
    assert ("USA", 2004) not in rates.index
    assert "WLD" in rates.index.get_level_values("country")


def test_wdi_cross_check_vintage(source_parts) -> None:
    wdi = _rates(source_parts, "homicide_wdi")
    primary = _rates(source_parts)
    assert wdi["SLV", 2015] == pytest.approx(105.2, abs=0.05)
    assert wdi["HND", 2015] == pytest.approx(56.5, abs=0.05)
    assert wdi["GTM", 2015] == pytest.approx(29.4, abs=0.05)
    assert wdi["GTM", 2016] == pytest.approx(27.3, abs=0.05)
    assert wdi["GTM", 2017] == pytest.approx(26.1, abs=0.05)
    # Police vs forensic counts: the two vintages differ by ~6.5 for Guatemala 2017-2018.
    assert primary["GTM", 2017] - wdi["GTM", 2017] == pytest.approx(6.7, abs=0.3)
    assert primary["GTM", 2018] - wdi["GTM", 2018] == pytest.approx(6.4, abs=0.3)


OWID_HEADER = (
    'Entity,Code,Year,"Homicide rate per 100,000 population",World region according to OWID\n'
)
SPEC = FileSpec(pattern="*.csv", url="https://example.invalid/homicide-rate-unodc.csv")


def _raw(text: str, name: str = "homicide-rate-unodc.csv") -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def test_codes_aggregates_and_world() -> None:
    text = OWID_HEADER + (
        "Guatemala,GTM,2020,18.19,North America\n"
        "Americas (UN),,2020,15.0,\n"
        "Africa (UN),UN_AFR,2020,12.0,\n"
        "World,OWID_WRL,2020,5.8,\n"
        "Kosovo,OWID_KOS,2020,2.0,Europe\n"
        "Honduras,HND,2020,,North America\n"
    )
    parts = homicide.read([_raw(text)])
    frame = parts[0].frame
    assert frame.set_index("country")["value"].to_dict() == {
        "GTM": 18.19,
        "WLD": 5.8,
        "XKX": 2.0,
    }
    assert str(frame["period"].iloc[0]) == "2020-01-01"
    assert "Americas (UN)" in parts[0].notes
    assert len(parts) == 1  # no WDI file given: the cross-check part is optional


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (OWID_HEADER.replace("Homicide rate", "Murder rate"), SchemaDriftError, "Homicide rate"),
        (OWID_HEADER + "Guatemala,GTM,2020,high,North America\n", ParseError, "row 2"),
        (OWID_HEADER + "Guatemala,GTM,20x0,18.2,North America\n", ParseError, "'Year'"),
        (OWID_HEADER + "Atlantis,ATL,2020,1.0,\n", CheckError, "row 2, column 'Code'"),
    ],
)
def test_bad_input_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        homicide.read([_raw(text)])
    assert "homicide-rate-unodc.csv" in str(info.value)


def test_unknown_vintage_label_in_long_file_is_refused() -> None:
    long = _raw(
        "country,iso3,iso2,year,homicide_rate_per_100k,source\n"
        "Guatemala,GTM,GT,2015,29.4,Some other vintage\n",
        "homicide_rate_long.csv",
    )
    long = RawFile(
        name=long.name,
        data=long.data,
        spec=FileSpec(pattern="x", url="u", role="wdi"),
        url="u",
        sha256="0",
    )
    owid = _raw(OWID_HEADER + "Guatemala,GTM,2020,18.19,North America\n")
    with pytest.raises(ParseError, match=r"homicide_rate_long\.csv: row 2, column 'source'"):
        homicide.read([owid, long])


def test_check_refuses_implausible_rates() -> None:
    owid = _raw(OWID_HEADER + "".join(f"X,{c},2020,9999,\n" for c in ("GTM", "HND", "SLV")))
    with pytest.raises(CheckError, match="9999"):
        homicide.check(homicide.read([owid]))
