from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import economy_wdi
from rootcauses.sources.base import FileSpec, RawFile


def _series(source_parts, source_id: str, indicator: str) -> pd.Series:
    frame = source_parts("economy_wdi")[source_id].frame
    frame = frame[frame["indicator"] == indicator]
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["country", "year"])["value"]


# --- spot checks of SOURCE.md ----------------------------------------------------------------


def test_agriculture_employment_2019(source_parts) -> None:
    share = _series(source_parts, "wdi_agriculture_employment", "agriculture_employment_share")
    expected = {"GTM": 31.5, "HND": 30.3, "NIC": 30.7, "SLV": 16.3, "PAN": 14.0, "MEX": 12.6}
    for country, value in expected.items():
        assert share[country, 2019] == pytest.approx(value, abs=0.05), country
    assert "CRI" not in share.index.get_level_values("country")


def test_unemployment_covid_spike_and_ilo_vs_imf(source_parts) -> None:
    ilo = _series(source_parts, "wdi_unemployment", "unemployment_rate")
    assert ilo["PAN", 2020] == pytest.approx(14.1, abs=0.05)
    assert ilo["CRI", 2020] == pytest.approx(16.4, abs=0.05)
    assert ilo["HND", 2020] == pytest.approx(10.7, abs=0.05)
    imf = _series(source_parts, "imf_weo_2019", "unemployment_rate")
    diff = (ilo - imf).dropna()
    diff = diff[diff.index.get_level_values("year").isin(range(2010, 2018))]
    by_country = diff.abs().groupby(level="country").max()
    assert by_country.max() <= 3.2  # "within 0-3 pp" (Nicaragua reaches 3.1)
    assert by_country["HND"] <= 2.1 + 0.005
    assert by_country["PAN"] <= 0.7 + 0.05
    assert by_country["SLV"] == pytest.approx(2.5, abs=0.1)
    assert "GTM" not in imf.index.get_level_values("country")  # no LUR series for Guatemala


def test_remittances_share_of_gdp(source_parts) -> None:
    share = _series(source_parts, "wdi_remittances_pct_gdp", "remittances_pct_gdp")
    assert share["GTM", 2008] == pytest.approx(11.5, abs=0.05)
    assert share["SLV", 2006] == pytest.approx(21.8, abs=0.05)
    assert share["HND", 2006] == pytest.approx(21.6, abs=0.05)
    assert share["NIC", 2024] == pytest.approx(26.6, abs=0.05)


def test_gdp_growth_covid_and_wdi_vs_imf(source_parts) -> None:
    wdi = _series(source_parts, "wdi_gdp_growth", "gdp_growth")
    assert wdi["PAN", 2020] == pytest.approx(-17.7, abs=0.05)
    assert wdi["HND", 2020] == pytest.approx(-9.0, abs=0.05)
    assert wdi["MEX", 2020] == pytest.approx(-8.7, abs=0.05)
    imf = _series(source_parts, "imf_weo_2019", "gdp_growth")
    diff = (wdi - imf).dropna()
    diff = diff[diff.index.get_level_values("year").isin(range(2010, 2018))].abs()
    by_country = diff.groupby(level="country").max()
    assert by_country["SLV"] == pytest.approx(0.07, abs=0.01)
    assert by_country["MEX"] == pytest.approx(1.15, abs=0.01)
    assert by_country.max() <= 1.16


def test_gini_pip_vs_wdi_2021(source_parts) -> None:
    pip = _series(source_parts, "pip_gini", "gini")
    old = _series(source_parts, "wdi_2021", "gini")
    diff = (pip - old).dropna().abs()
    for country in ("PAN", "SLV", "USA", "NIC"):
        assert diff.xs(country, level="country").max() <= 0.4 + 0.05, country
    assert diff.max() <= 4.5  # GT/HN: up to ~4 points (PIP revisions)


def test_honduras_gdp_per_capita_caveat(source_parts) -> None:
    level = _series(source_parts, "wdi_gdp_pc_ppp", "gdp_pc_ppp_const")
    assert level["HND", 1990] == pytest.approx(1172, abs=1)
    assert level["HND", 2000] == pytest.approx(4580, abs=1)  # x3.9 in ten years


def test_official_downloads_keep_countries_and_world_only(source_parts) -> None:
    parts = source_parts("economy_wdi")
    for source_id in ("wdi_gdp_growth", "wdi_gdp_pc_ppp_current", "wdi_gdp_pc_ppp", "pip_gini"):
        countries = set(parts[source_id].frame["country"])
        assert {"GTM", "HND", "SLV"} <= countries
        assert not countries & {"LCN", "EAS", "HIC", "CHI"}, source_id
    assert "WLD" in set(parts["wdi_gdp_growth"].frame["country"])
    imf_years = pd.to_datetime(parts["imf_weo_2019"].frame["period"]).dt.year
    assert imf_years.max() <= 2018  # IMF projections are not loaded
    population = _series(source_parts, "imf_weo_2019", "population")
    assert population["GTM", 2010] > 1e6  # millions converted to persons


# --- bad input ---------------------------------------------------------------------------------

SPEC = FileSpec(pattern="*", url="https://example.invalid/x")
CODE = "NY.GDP.MKTP.KD.ZG"


def _raw(data: bytes, name: str) -> RawFile:
    return RawFile(name=name, data=data, spec=SPEC, url=SPEC.url, sha256="0")


def _workbook(rows: list[list], *, metadata: bool = True) -> bytes:
    book = Workbook()
    data = book.active
    data.title = "Data"
    for row in [
        ["Data Source", "World Development Indicators"],
        ["Last Updated Date", "2024-02-21"],
        [],
        ["Country Name", "Country Code", "Indicator Name", "Indicator Code", 2020, 2021],
        *rows,
    ]:
        data.append(row)
    if metadata:
        meta = book.create_sheet("Metadata - Countries")
        meta.append(["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"])
        meta.append(["GTM", "Latin America & Caribbean", "Upper middle income", "", "Guatemala"])
        meta.append(["CHI", "Europe & Central Asia", "High income", "", "Channel Islands"])
        meta.append(["LCN", None, None, "", "Latin America & Caribbean"])
        meta.append(["ATL", "Latin America & Caribbean", "", "", "Atlantis"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(code: str, a, b, indicator: str = CODE) -> list:
    return [code, code, "GDP growth (annual %)", indicator, a, b]


def test_world_bank_download_keeps_economies_and_world() -> None:
    data = _workbook(
        [
            _row("GTM", -1.8, 8.0),
            _row("LCN", -6.9, 7.2),
            _row("CHI", 1.0, 2.0),
            _row("WLD", -2.9, None),
        ]
    )
    rows, updated = economy_wdi.read_wb_api_excel(_raw(data, "API.xlsx"), CODE)
    assert updated == "2024-02-21"
    assert sorted(map(tuple, rows.to_numpy().tolist())) == [
        ("GTM", 2020, -1.8),
        ("GTM", 2021, 8.0),
        ("WLD", 2020, -2.9),
    ]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", ParseError, "empty"),
        (b"not a workbook", ParseError, "not a readable Excel workbook"),
        (_workbook([_row("GTM", 1.0, 2.0)], metadata=False), SchemaDriftError, "Metadata"),
        (_workbook([_row("GTM", 1.0, 2.0, "SP.POP.TOTL")]), SchemaDriftError, "Indicator Code"),
        (_workbook([_row("GTM", 1.0, "about 3")]), ParseError, r"row 5, column '2021'"),
        (_workbook([_row("ATL", 1.0, 2.0)]), CheckError, r"row 5, column 'Country Code'.*ATL"),
    ],
)
def test_bad_world_bank_download(data: bytes, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        economy_wdi.read_wb_api_excel(_raw(data, "API_x.xlsx"), CODE)
    assert "API_x.xlsx" in str(info.value)


LONG = "country,iso3,iso2,year,indicator_code,indicator_name,value,unit,source,vintage\n"


def test_long_file_drops_imf_projections_and_copies_of_originals() -> None:
    text = LONG + (
        "Guatemala,GTM,GT,2017,LP,Population,17.0,millions,IMF,WEO Apr 2019 (actual)\n"
        "Guatemala,GTM,GT,2020,LP,Population,18.0,millions,IMF,"
        "WEO Apr 2019 (IMF estimate/projection)\n"
        "Guatemala,GTM,GT,2020,NY.GDP.MKTP.KD.ZG,Growth,-1.8,%,WB,WDI\n"
        "Guatemala,GTM,GT,2019,SI.POV.DDAY,Poverty,8.8,%,WB,WDI 2021-09-15\n"
    )
    rows = economy_wdi.read_long(_raw(text.encode(), "economy_long.csv"))
    got = rows.set_index(["source_id", "indicator", "year"])["value"].to_dict()
    assert got == {
        ("imf_weo_2019", "population", 2017): 17_000_000.0,
        ("wdi_2021", "poverty_headcount_1_90", 2019): 8.8,
    }


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (LONG.replace("indicator_code", "code"), SchemaDriftError, "indicator_code"),
        (LONG + "G,GTM,GT,2019,XX.NEW,x,1,%,WB,v\n", ParseError, "row 2, column 'indicator_code'"),
        (LONG + "G,GTM,GT,2019,LP,x,many,m,IMF,v\n", ParseError, "row 2, column 'value'"),
        (LONG + "G,GTM,GT,20x9,LP,x,1,m,IMF,v\n", ParseError, "row 2, column 'year'"),
    ],
)
def test_bad_long_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        economy_wdi.read_long(_raw(text.encode(), "economy_long.csv"))
    assert "economy_long.csv" in str(info.value)


def test_check_rejects_implausible_values(source_parts) -> None:
    parts = list(source_parts("economy_wdi").values())
    broken = [
        economy_wdi.Part(
            p.source_id,
            p.table,
            p.frame.assign(value=p.frame["value"].where(p.frame["country"] != "GTM", 250.0))
            if p.source_id == "wdi_unemployment"
            else p.frame,
            p.title,
        )
        for p in parts
    ]
    with pytest.raises(CheckError, match=r"unemployment_rate = 250\.0 for GTM"):
        economy_wdi.check(broken)
