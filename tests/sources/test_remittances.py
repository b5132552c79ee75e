from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import remittances
from rootcauses.sources.base import FileSpec, RawFile


def _values(source_parts, indicator: str) -> pd.Series:
    frame = source_parts("remittances")["remittances"].frame
    frame = frame[frame["indicator"] == indicator]
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["country", "year"])["value"]


def test_guatemala_remittances_match_wdi_figures(source_parts) -> None:
    received = _values(source_parts, "remittances_received_usd") / 1e6
    assert received["GTM", 2019] == pytest.approx(10_656, abs=0.5)
    assert received["GTM", 2022] == pytest.approx(18_205, abs=0.5)
    assert received["GTM", 2023] == pytest.approx(19_981, abs=0.5)
    # WDI (BoP basis) runs ~1% above Banguat's family remittances (10,508 / 18,040 / 19,804 M).
    for year, banguat in ((2019, 10_508), (2022, 18_040), (2023, 19_804)):
        assert 1.0 < received["GTM", year] / banguat < 1.02


def test_share_of_gdp_agrees_with_wdi_2025_vintage(source_parts) -> None:
    share = 100 * (
        _values(source_parts, "remittances_received_usd") / _values(source_parts, "gdp_usd")
    )
    wdi = source_parts("economy_wdi")["wdi_remittances_pct_gdp"].frame
    wdi = wdi.assign(year=pd.to_datetime(wdi["period"]).dt.year).set_index(["country", "year"])
    wdi = wdi["value"]
    for country, value in (("GTM", 13.808), ("HND", 21.708), ("SLV", 21.044)):
        assert share[country, 2019] == pytest.approx(value, abs=0.0005)
        assert wdi[country, 2019] == pytest.approx(value, abs=0.0005)
    # 2023: small later revisions in the 2025 vintage.
    for country, here, there in (
        ("GTM", 19.13, 19.14),
        ("HND", 26.07, 26.10),
        ("SLV", 24.09, 24.48),
    ):
        assert share[country, 2023] == pytest.approx(here, abs=0.005)
        assert wdi[country, 2023] == pytest.approx(there, abs=0.005)


def test_documented_gaps_are_missing(source_parts) -> None:
    received = _values(source_parts, "remittances_received_usd")
    paid = _values(source_parts, "remittances_paid_usd")
    assert ("NIC", 1990) not in received.index and ("NIC", 1992) in received.index
    assert ("MEX", 2004) not in paid.index and ("MEX", 2005) in paid.index
    assert ("HND", 1995) not in paid.index and ("HND", 1996) in paid.index
    assert received.index.get_level_values("year").max() == 2023


HEADER = (
    "iso3,iso2,country,year,remittances_received_usd,remittances_paid_usd,gdp_current_usd,"
    "remittances_received_pct_gdp_derived\n"
)
SPEC = FileSpec(pattern="*.csv", url="https://example.invalid/x.csv")


def _raw(text: str) -> RawFile:
    return RawFile(name="rem.csv", data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def test_tiny_file() -> None:
    part = remittances.read([_raw(HEADER + "GTM,GT,Guatemala,2019,1000,,10000,10.0\n")])[0]
    got = part.frame.set_index("indicator")["value"].to_dict()
    assert got == {"remittances_received_usd": 1000.0, "gdp_usd": 10000.0}  # blank paid dropped
    assert part.status == "derived"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (HEADER.replace("gdp_current_usd", "gdp"), SchemaDriftError, "gdp_current_usd"),
        (HEADER + "GTM,GT,G,2019,lots,,10000,10.0\n", ParseError, "row 2, column 'remittances_r"),
        (HEADER + "ATL,AT,Atlantis,2019,1000,,10000,10.0\n", CheckError, "row 2.*'ATL'"),
        (HEADER + "GTM,GT,G,2019,1000,,10000,12.0\n", CheckError, "row 2, column 'remittances_r"),
        (HEADER + "GTM,GT,G,2019,-1000,,10000,-10.0\n", CheckError, "row 2 has a negative"),
    ],
)
def test_bad_input_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        remittances.read([_raw(text)])
    assert "rem.csv" in str(info.value)


def test_check_requires_northern_triangle() -> None:
    part = remittances.read([_raw(HEADER + "MEX,MX,Mexico,2019,1000,,10000,10.0\n")])
    with pytest.raises(CheckError, match=r"no remittances_received_usd values for \['GTM'"):
        remittances.check(part)
