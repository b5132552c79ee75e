from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import governance
from rootcauses.sources.base import FileSpec, RawFile


def _values(source_parts, source_id: str) -> pd.Series:
    frame = source_parts("governance")[source_id].frame
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["indicator", "country", "year"])["value"]


# --- the snapshot: SOURCE.md spot checks ---------------------------------------------------------


def test_wgi_spot_checks(source_parts) -> None:
    wgi = _values(source_parts, "wgi")
    assert wgi["wgi_control_of_corruption", "HND", 2011] == pytest.approx(-0.834, abs=5e-4)
    assert wgi["wgi_control_of_corruption", "SLV", 2018] == pytest.approx(-0.586, abs=5e-4)
    assert wgi["wgi_control_of_corruption_pctrank", "HND", 2018] == pytest.approx(29.0, abs=0.05)
    assert wgi["wgi_control_of_corruption_pctrank", "HND", 2021] == pytest.approx(14.8, abs=0.05)


def test_wgi_years_and_legacy_codes(source_parts) -> None:
    wgi = _values(source_parts, "wgi")
    years = set(wgi.index.get_level_values("year"))
    assert years == {1996, 1998, 2000, *range(2002, 2023)}  # biennial before 2002
    countries = set(wgi.index.get_level_values("country"))
    assert {"ROU", "AND", "COD", "TLS", "PSE", "XKX"} <= countries  # ROM, ADO, ZAR, TMP, WBG, KSV
    assert not {"ROM", "ADO", "ZAR", "ANT"} & countries


def test_wgi_matches_the_tidy_extract_for_the_study_countries(source_parts, snapshot: Path) -> None:
    tidy = pd.read_csv(snapshot / "drivers/governance/wgi_1996-2022_long.csv")
    tidy["indicator"] = tidy["indicator"].replace(
        {
            "voice_accountability": "voice_and_accountability",
            "political_stability_no_violence": "political_stability",
        }
    )
    wgi = _values(source_parts, "wgi")
    for field, suffix in (
        ("estimate", ""),
        ("percentile_rank", "_pctrank"),
        ("std_err", "_std_err"),
    ):
        keyed = tidy.assign(name="wgi_" + tidy["indicator"] + suffix)
        expected = keyed.set_index(["name", "iso3", "year"])[field]
        got = wgi.reindex(expected.index)
        assert got.notna().all(), field
        assert (got - expected).abs().max() < 1e-4, field


def test_cpi_spot_checks(source_parts) -> None:
    cpi = _values(source_parts, "cpi")
    salvador = [cpi["cpi_score", "SLV", y] for y in range(2014, 2023)]
    assert salvador == [39, 39, 36, 33, 35, 34, 36, 34, 33]
    ca_2022 = {c: cpi["cpi_score", c, 2022] for c in ("CRI", "PAN", "SLV", "GTM", "HND", "NIC")}
    assert ca_2022 == {"CRI": 54, "PAN": 36, "SLV": 33, "GTM": 24, "HND": 23, "NIC": 19}
    assert cpi["cpi_score", "NIC", 2023] == 17
    assert cpi["cpi_score", "HND", 2023] == 23
    assert cpi["cpi_score", "GTM", 2023] == 23
    assert min(cpi.index.get_level_values("year")) == 2012


def test_cpi_pre2012_old_scale_kept_apart(source_parts) -> None:
    old = _values(source_parts, "cpi_pre2012")
    cpi_2010 = {c: old["cpi_score_pre2012", c, 2010] for c in ("CRI", "SLV", "PAN", "GTM", "NIC")}
    assert cpi_2010 == {"CRI": 5.3, "SLV": 3.6, "PAN": 3.6, "GTM": 3.2, "NIC": 2.5}
    assert old["cpi_score_pre2012", "HND", 2010] == 2.4
    assert old["cpi_score_pre2012", "GTM", 2011] == pytest.approx(2.73)
    assert round(old["cpi_score_pre2012", "HND", 2011], 1) == 2.6
    assert max(old.index.get_level_values("year")) == 2011


# --- tiny workbooks ------------------------------------------------------------------------------

FIELDS = ["Estimate", "StdErr", "NumSrc", "Rank", "Lower", "Upper"]


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _wide_sheet(rows: list[list]) -> list[list]:
    return [
        ["Control of Corruption"],
        [None, None, *([1996] * 6), *([1998] * 6)],
        ["Country/Territory", "Code", *FIELDS, *FIELDS],
        *rows,
    ]


GOOD_ROWS = [
    ["Guatemala", "GTM", -0.5, 0.2, 5, 30.0, 20, 40, -0.6, 0.2, 5, 28.0, 18, 38],
    ["Romania", "ROM", 0.1, 0.2, 5, 55.0, 45, 65, None, None, None, None, None, None],
    ["Netherlands Antilles (former)", "ANT", 0.9, 0.3, 2, 80.0, 60, 90, 1.0, 0.3, 2, 82, 60, 90],
]


def _wgi_book(rows=GOOD_ROWS, drop: str | None = None) -> bytes:
    return _xlsx({s: _wide_sheet(rows) for s in governance.WGI_SHEETS if s != drop})


def _raw(data: bytes, name: str, role: str) -> RawFile:
    spec = FileSpec(pattern="*", url="https://example.invalid/", role=role)
    return RawFile(name=name, data=data, spec=spec, url=spec.url, sha256="0")


def test_wgi_wide_layout() -> None:
    part = governance.read_wgi(_raw(_wgi_book(), "wgidataset.xlsx", "wgi"))
    frame = part.frame
    years = pd.to_datetime(frame["period"]).dt.year
    cc = frame[frame["indicator"].str.startswith("wgi_control_of_corruption")].assign(year=years)
    got = cc.set_index(["indicator", "country", "year"])["value"].to_dict()
    assert got == {
        ("wgi_control_of_corruption", "GTM", 1996): -0.5,
        ("wgi_control_of_corruption_std_err", "GTM", 1996): 0.2,
        ("wgi_control_of_corruption_pctrank", "GTM", 1996): 30.0,
        ("wgi_control_of_corruption", "GTM", 1998): -0.6,
        ("wgi_control_of_corruption_std_err", "GTM", 1998): 0.2,
        ("wgi_control_of_corruption_pctrank", "GTM", 1998): 28.0,
        ("wgi_control_of_corruption", "ROU", 1996): 0.1,
        ("wgi_control_of_corruption_std_err", "ROU", 1996): 0.2,
        ("wgi_control_of_corruption_pctrank", "ROU", 1996): 55.0,
    }  # empty cells dropped, ANT (dissolved) dropped, ROM → ROU
    assert frame["indicator"].nunique() == 18


def test_wgi_long_layout_of_the_2024_release() -> None:
    header = [
        "codeindyr",
        "code",
        "countryname",
        "year",
        "indicator",
        "estimate",
        "stddev",
        "nsource",
        "pctrank",
        "pctranklower",
        "pctrankupper",
    ]
    rows = [
        ["GTMcc2023", "GTM", "Guatemala", 2023, "cc", -0.9, 0.15, 9, 20.5, 15, 25],
        ["HNDrl2023", "HND", "Honduras", 2023, "rl", "..", "..", "..", "..", "..", ".."],
        ["XKXva2023", "XKX", "Kosovo", 2023, "va", 0.2, 0.2, 5, 55.0, 45, 65],
    ]
    data = _xlsx({"wgidataset": [header, *rows]})
    frame = governance.read_wgi(_raw(data, "wgidataset.xlsx", "wgi")).frame
    got = frame.set_index(["indicator", "country"])["value"].to_dict()
    assert got == {
        ("wgi_control_of_corruption", "GTM"): -0.9,
        ("wgi_voice_and_accountability", "XKX"): 0.2,
        ("wgi_control_of_corruption_std_err", "GTM"): 0.15,
        ("wgi_voice_and_accountability_std_err", "XKX"): 0.2,
        ("wgi_control_of_corruption_pctrank", "GTM"): 20.5,
        ("wgi_voice_and_accountability_pctrank", "XKX"): 55.0,
    }
    assert str(frame["period"].iloc[0]) == "2023-01-01"


BAD_CELL = [["Guatemala", "GTM", "strong", 0.2, 5, 30.0, 20, 40, *[None] * 6]]
BAD_CODE = [["Atlantis", "ATL", 0.5, 0.2, 5, 30.0, 20, 40, *[None] * 6]]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", ParseError, "empty"),
        (b"not a workbook", ParseError, "not a readable Excel workbook"),
        (_wgi_book(drop="RuleofLaw"), SchemaDriftError, r"no sheet\(s\) \['RuleofLaw'\]"),
        (_xlsx({"Other": [["a", "b"]]}), SchemaDriftError, "neither the per-dimension sheets"),
        (_wgi_book(BAD_CELL), ParseError, r"sheet '.+': row 4, column '1996 Estimate' is 'strong'"),
        (_wgi_book(BAD_CODE), CheckError, r"row 4, column 'Code': unknown country 'ATL'"),
    ],
)
def test_bad_wgi_workbook_names_file_sheet_row_and_column(
    data: bytes, error: type, message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        governance.read_wgi(_raw(data, "wgidataset.xlsx", "wgi"))
    assert "wgidataset.xlsx" in str(info.value)


CPI_HEADER = [
    "Country / Territory",
    "ISO3",
    "Region",
    "CPI score 2024",
    "Rank 2024",
    "Sources 2024",
    "Standard error 2024",
    "CPI Score 2012",
    "Sources 2012",
    "Standard error 2012",
]
CPI_ROWS = [
    ["Guatemala", "GTM", "AME", 25, 146, 7, 1.5, 33, 7, 2.0],
    ["Kosovo", "KSV", "ECA", 44, 73, 7, 2.0, 34, 5, 3.0],
    ["Honduras", "HND", "AME", 22, 154, 8, 1.8, None, None, None],
]


def _cpi_book(rows=CPI_ROWS, sheet: str = "CPI Timeseries 2012 - 2024") -> bytes:
    return _xlsx(
        {
            "CPI 2024": [["Corruption Perceptions Index 2024"]],
            sheet: [["Corruption Perceptions Index 2024"], [None], [None], CPI_HEADER, *rows],
        }
    )


def test_cpi_timeseries_sheet_of_a_later_release() -> None:
    frame = governance.read_cpi(_raw(_cpi_book(), "CPI2024-Results-and-trends.xlsx", "cpi")).frame
    years = pd.to_datetime(frame["period"]).dt.year
    got = frame.assign(year=years).set_index(["indicator", "country", "year"])["value"]
    assert got["cpi_score", "GTM", 2024] == 25
    assert got["cpi_score", "GTM", 2012] == 33  # "CPI Score" capitalised in older columns
    assert got["cpi_rank", "HND", 2024] == 154
    assert got["cpi_std_err", "XKX", 2012] == 3.0  # TI's KSV → XKX
    assert ("cpi_score", "HND", 2012) not in got.index  # not scored: dropped, never zero


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (_cpi_book(sheet="Timeseries"), SchemaDriftError, "CPI Timeseries 2012 - <year>"),
        (
            _cpi_book([["Guatemala", "GTM", "AME", "twenty", 146, 7, 1.5, 33, 7, 2.0]]),
            ParseError,
            r"row 5, column 'CPI score 2024' is 'twenty'",
        ),
        (
            _cpi_book([["Guatemala", None, "AME", 25, 146, 7, 1.5, 33, 7, 2.0]]),
            CheckError,
            r"row 5, column 'ISO3' is empty",
        ),
    ],
)
def test_bad_cpi_workbook_names_file_sheet_row_and_column(
    data: bytes, error: type, message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        governance.read_cpi(_raw(data, "CPI2024.xlsx", "cpi"))
    assert "CPI2024.xlsx" in str(info.value)


def test_pre2012_csv_errors_name_file_row_and_column() -> None:
    text = "country,iso3,iso2,year,cpi_score_0_10_pre2012\nGuatemala,GTM,GT,2010,low\n"
    with pytest.raises(ParseError, match=r"cpi_long\.csv: row 2, column 'cpi_score_0_10_pre2012'"):
        governance.read_cpi_pre2012(_raw(text.encode(), "cpi_long.csv", "cpi_pre2012"))


def test_check_refuses_ranks_out_of_order_with_scores(source_parts) -> None:
    parts = list(source_parts("governance").values())
    cpi = next(p for p in parts if p.source_id == "cpi")
    frame = cpi.frame.copy()
    flip = (frame["indicator"] == "cpi_rank") & (frame["country"] == "DNK")
    frame.loc[flip, "value"] = 180.0  # the cleanest country ranked last
    broken = [dataclasses.replace(p, frame=frame) if p.source_id == "cpi" else p for p in parts]
    with pytest.raises(CheckError, match="cpi_rank of DNK"):
        governance.check(broken)
