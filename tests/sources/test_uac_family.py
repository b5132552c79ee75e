from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import uac_family
from rootcauses.sources.base import FileSpec, RawFile

COUNTRY_PARTS = [
    "uac_family_by_country",
    "uac_family_by_country_secondary",
    "uac_family_other_residual",
    "uac_family_mexico_and_other_residual",
]


def _cells(source_parts, *ids: str) -> pd.Series:
    parts = source_parts("uac_family")
    frame = pd.concat([parts[i].frame for i in ids], ignore_index=True)
    return frame.set_index(["fiscal_year", "demographic", "citizenship"])["count"]


def _countries(source_parts) -> pd.Series:
    return _cells(source_parts, *COUNTRY_PARTS)


def _totals(source_parts) -> pd.Series:
    return _cells(source_parts, "uac_family_totals", "uac_family_totals_rounded")


def test_fy2014_uac_by_country(source_parts) -> None:  # SOURCE.md check 1
    cells = _countries(source_parts)
    fy14 = {c: cells[2014, "UAC", c] for c in ("HND", "GTM", "SLV", "MEX")}
    assert fy14 == {"HND": 18_244, "GTM": 17_057, "SLV": 16_404, "MEX": 15_634}
    assert sum(fy14.values()) == 67_339
    assert _totals(source_parts)[2014, "UAC", "ALL"] == 68_541
    assert cells[2014, "UAC", "OTHER"] == 1_202


def test_fy2019_family_units_and_fy2015_uac(source_parts) -> None:  # SOURCE.md check 2
    cells = _countries(source_parts)
    fmua = {c: cells[2019, "FMUA", c] for c in ("HND", "GTM", "SLV", "MEX")}
    assert fmua == {"HND": 188_416, "GTM": 185_233, "SLV": 56_897, "MEX": 6_004}
    assert _totals(source_parts)[2019, "FMUA", "ALL"] == 473_682
    assert cells[2019, "UAC", "MEX"] == 10_487
    fy15 = [cells[2015, "UAC", c] for c in ("GTM", "MEX", "SLV", "HND")]
    assert fy15 == [13_589, 11_012, 9_389, 5_409]


def test_fy2009_uac_and_the_mexico_and_other_residual(source_parts) -> None:  # check 3
    cells = _countries(source_parts)
    assert cells[2009, "UAC", "SLV"] == 1_221
    assert cells[2009, "UAC", "GTM"] == 1_115
    assert cells[2009, "UAC", "HND"] == 968
    residual = source_parts("uac_family")["uac_family_mexico_and_other_residual"].frame
    assert sorted(residual["fiscal_year"]) == [2009, 2010, 2011, 2012]
    assert set(residual["citizenship"]) == {"OTHER"}
    assert residual.set_index("fiscal_year")["count"][2009] == 16_156
    rounded = source_parts("uac_family")["uac_family_totals_rounded"].frame
    assert rounded.set_index(["fiscal_year", "demographic"])["count"][2009, "UAC"] == 19_460


def test_cbp_totals_equal_ohss_within_rounding(source_parts) -> None:  # check 4
    totals = _totals(source_parts)
    ohss = {2010: 18_410, 2014: 68_540, 2017: 41_440}
    for year, rounded in ohss.items():
        assert abs(totals[year, "UAC", "ALL"] - rounded) <= 5, year


def test_monthly_sector_file(source_parts) -> None:  # check 5
    part = source_parts("uac_family")["uac_sector_monthly"]
    frame = part.frame
    assert set(frame["area"]) >= {"Rio Grande Valley", "Tucson", "Big Bend", "Buffalo", "Miami"}
    assert not frame["area"].isin(["Southwest Border", "Nationwide Total"]).any()
    sw = frame[frame["region"] == "Southwest Land Border"]
    by_month = sw.groupby("month")["count"].sum()
    assert by_month[dt.date(2013, 3, 1)] == 4_120
    assert by_month[dt.date(2014, 3, 1)] == 7_176
    first_half_fy14 = by_month[
        (by_month.index >= dt.date(2013, 10, 1)) & (by_month.index <= dt.date(2014, 3, 1))
    ]
    assert first_half_fy14.sum() == 28_579
    assert sw.groupby("fiscal_year")["count"].sum()[2012] == 24_403
    assert frame.groupby("fiscal_year")["count"].sum()[2012] == 24_481  # nationwide
    # The PDF's yearly totals travel with the part, so check() compares every sector-year.
    assert "sector_pdf_table" in {f.role for f in part.files}
    assert "Buffalo 2016-02" in part.notes
    assert set(frame["encounter_type"]) == {"APPREHENSION"}


def test_cbp_and_orr_composition_agree(source_parts) -> None:  # check 6
    cells = _countries(source_parts)
    orr = source_parts("uac_family")["orr_uac_referral_shares"].frame
    orr = orr.assign(fy=pd.to_datetime(orr["period"]).dt.year + 1).set_index(["fy", "country"])
    three = ["SLV", "GTM", "HND"]
    for year in range(2012, 2021):
        cbp = pd.Series([cells[year, "UAC", c] for c in three], index=three)
        ref = pd.Series([orr.loc[(year, c), "value"] for c in three], index=three)
        assert ((cbp / cbp.sum() - ref / ref.sum()).abs() <= 0.02).all(), year
    fy14 = pd.Series([cells[2014, "UAC", c] for c in three], index=three)
    assert (fy14 / fy14.sum()).round(3).tolist() == [0.317, 0.330, 0.353]


def test_fy2020_usbp_below_cbp_wide(source_parts) -> None:  # check 7
    cells = _countries(source_parts)
    usbp = {c: cells[2020, "UAC", c] for c in ("GTM", "SLV", "HND", "MEX")}
    assert usbp == {"GTM": 8_390, "SLV": 2_189, "HND": 4_454, "MEX": 14_359}
    cbp = source_parts("cbp_state")["cbp_state"].frame
    cbp = cbp[(cbp["region"] == "Southwest Land Border") & (cbp["fiscal_year"] == 2020)]
    wide = cbp.groupby(["demographic", "citizenship"])["count"].sum()
    assert {c: wide["UAC", c] for c in usbp} == {
        "GTM": 8_538,
        "SLV": 2_373,
        "HND": 4_776,
        "MEX": 16_292,
    }
    for demographic in ("UAC", "FMUA", "SINGLE_ADULT"):
        for country in usbp:
            assert cells[2020, demographic, country] <= wide[demographic, country]


def test_fy2011_2016_northern_triangle_uac(source_parts) -> None:  # check 8
    cells = _countries(source_parts).reset_index()
    window = cells[
        cells["fiscal_year"].between(2011, 2016)
        & (cells["demographic"] == "UAC")
        & cells["citizenship"].isin(["SLV", "GTM", "HND"])
    ]
    assert window["count"].sum() == 161_869


def test_encounter_type_and_canonical_constants(source_parts) -> None:
    frame = pd.concat(
        [source_parts("uac_family")[i].frame for i in COUNTRY_PARTS], ignore_index=True
    )
    assert set(frame.loc[frame["fiscal_year"] >= 2020, "encounter_type"]) == {"ALL"}
    assert set(frame.loc[frame["fiscal_year"] < 2020, "encounter_type"]) == {"APPREHENSION"}
    assert set(frame["frequency"]) == {"annual"}
    assert frame["month"].isna().all()
    assert set(frame["component"]) == {"USBP"}
    assert set(frame["authority"]) == {"ALL"}
    assert set(frame["region"]) == {"Southwest Land Border"}


def test_orr_shares_and_partial_periods(source_parts) -> None:
    parts = source_parts("uac_family")
    orr = parts["orr_uac_referral_shares"].frame.set_index(["period", "country"])["value"]
    assert orr[dt.date(2012, 10, 1), "GTM"] == pytest.approx(0.37)
    assert (dt.date(2013, 10, 1), "MEX") not in orr.index  # printed "<2%"
    assert "FY2014 Mexico <2%" in parts["orr_uac_referral_shares"].notes
    partial = parts["uac_family_partial_periods"]
    assert partial.table == "uac_partial_periods"
    frame = partial.frame
    march = frame[
        (frame["period_label"] == "2015-03 (single month)") & (frame["citizenship"] == "ALL")
    ]
    assert march["count"].tolist() == [3_138]
    assert march["kind"].tolist() == ["single_month"]
    assert "SLV+GTM+HND+MEX" in set(frame["citizenship"])
    assert set(frame.loc[frame["fiscal_year"] == 2021, "encounter_type"]) == {"ALL"}


# ---------------------------------------------------------------- tiny inputs

MAIN_HEADER = ",".join(uac_family.MAIN_COLUMNS) + "\n"
SECTOR_HEADER = ",".join(uac_family.SECTOR_COLUMNS) + "\n"


def _raw(text: str, role: str, name: str = "uac.csv") -> RawFile:
    spec = FileSpec(pattern="*.csv", url="https://example.invalid/", role=role)
    return RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0")


def _main_row(
    fy: int, country: str, count: object, value_type: str = "reported", demographic: str = "UAC"
) -> str:
    return f"{fy},,{country},{demographic},{count},{value_type},Southwest,USBP,https://x,copy,\n"


def _sector_row(month: str, region: str, sector: str, count: int, fy: int = 2015) -> str:
    return f"{fy},{month},{region},{sector},ALL,UAC,{count},https://x\n"


def test_parts_split_by_provenance_and_sum_to_totals() -> None:
    text = MAIN_HEADER + "".join(
        [
            _main_row(2012, "GUATEMALA", 5),
            _main_row(2012, "HONDURAS", 1),
            _main_row(2012, "EL SALVADOR", 1),
            _main_row(2012, "MEXICO_AND_OTHER", 3, "derived"),
            _main_row(2012, "ALL", 10),
            _main_row(2015, "HONDURAS", 4, "reported_secondary", "FMUA"),
            _main_row(2015, "ALL", 10, "reported_rounded", "FMUA"),
        ]
    )
    parts = {p.source_id: p for p in uac_family.main_parts(_raw(text, "country_table"))}
    assert set(parts) == {
        "uac_family_by_country",
        "uac_family_mexico_and_other_residual",
        "uac_family_totals",
        "uac_family_by_country_secondary",
        "uac_family_totals_rounded",
    }
    assert parts["uac_family_mexico_and_other_residual"].frame["citizenship"].tolist() == ["OTHER"]
    assert parts["uac_family_totals"].frame["citizenship"].tolist() == ["ALL"]
    uac_family.check_main(parts)


def test_check_fails_when_countries_exceed_the_total() -> None:
    text = MAIN_HEADER + _main_row(2016, "GUATEMALA", 50) + _main_row(2016, "ALL", 40)
    parts = {p.source_id: p for p in uac_family.main_parts(_raw(text, "country_table"))}
    with pytest.raises(CheckError, match="FY2016 UAC: countries sum to 50"):
        uac_family.check_main(parts)


def test_check_fails_when_the_residual_does_not_close_the_total() -> None:
    text = MAIN_HEADER + "".join(
        [
            _main_row(2016, "GUATEMALA", 5),
            _main_row(2016, "OTHER", 1, "derived"),
            _main_row(2016, "ALL", 9),
        ]
    )
    parts = {p.source_id: p for p in uac_family.main_parts(_raw(text, "country_table"))}
    with pytest.raises(CheckError, match="residual sum to 6"):
        uac_family.check_main(parts)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (MAIN_HEADER.replace("value_type", "kind"), SchemaDriftError, "value_type"),
        (MAIN_HEADER + _main_row(2016, "GUATEMALA", "many"), ParseError, "row 2, column 'count'"),
        (MAIN_HEADER + _main_row(2016, "ATLANTIS", 3), CheckError, "ATLANTIS"),
        (MAIN_HEADER + _main_row(2016, "OTHER", 3, "reported"), ParseError, "row 2"),
        (MAIN_HEADER + _main_row(2016, "ALL", 3, "reported_secondary"), ParseError, "row 2"),
        (
            MAIN_HEADER + "2016,2016-01,GUATEMALA,UAC,3,reported,Southwest,USBP,u,c,\n",
            ParseError,
            "column 'month'",
        ),
        (MAIN_HEADER + _main_row(2016, "GUATEMALA", 3, "estimated"), ParseError, "value_type"),
    ],
)
def test_bad_main_table_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        uac_family.main_parts(_raw(text, "country_table"))
    assert "uac.csv" in str(info.value)


def test_sector_subtotals_are_dropped_and_checked() -> None:
    rows = [
        _sector_row("2015-01", "Southwest", "Tucson", 3),
        _sector_row("2015-01", "Southwest", "Yuma", 4),
        _sector_row("2015-01", "Southwest", "Southwest Border", 7),
        _sector_row("2015-01", "All", "Nationwide Total", 7),
    ]
    raw = _raw(SECTOR_HEADER + "".join(rows), "sector_monthly")
    part = uac_family.sector_part(raw, [])
    assert part.frame["area"].tolist() == ["Tucson", "Yuma"]
    assert part.frame["month"].tolist() == [dt.date(2015, 1, 1)] * 2
    uac_family.check_sectors({part.source_id: part})
    rows[2] = _sector_row("2015-01", "Southwest", "Southwest Border", 8)
    bad = uac_family.sector_part(_raw(SECTOR_HEADER + "".join(rows), "sector_monthly"), [])
    with pytest.raises(CheckError, match="Southwest Border 2015-01 is 8 but its sectors sum to 7"):
        uac_family.check_sectors({bad.source_id: bad})


@pytest.mark.parametrize(
    ("row", "error", "message"),
    [
        (_sector_row("2015-13", "Southwest", "Tucson", 3), ParseError, "column 'month'"),
        (_sector_row("2015-01", "Southwest", "Tucson", 3, fy=2016), ParseError, "fiscal_year"),
        (_sector_row("2015-01", "Pacific", "Tucson", 3), ParseError, "border_region"),
        (_sector_row("2015-01", "All", "Tucson", 3), ParseError, "column 'sector'"),
        (_sector_row("2015-01", "Southwest", "Tucson", -3), CheckError, "≥ 0"),
    ],
)
def test_bad_sector_rows(row: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        uac_family.parse_sector_rows(_raw(SECTOR_HEADER + row, "sector_monthly"))
    assert "uac.csv" in str(info.value) and "row 2" in str(info.value)


def test_bad_orr_share_and_partial_period() -> None:
    orr = ",".join(uac_family.ORR_COLUMNS) + "\n2014,MEXICO,UAC referred to ORR,,about 2,u,c\n"
    with pytest.raises(ParseError, match="row 2, column 'share'"):
        uac_family.orr_part(_raw(orr, "orr_shares"))
    partial = (
        ",".join(uac_family.PARTIAL_COLUMNS)
        + "\n2015,March 2015,GUATEMALA,UAC,3,Southwest,USBP,https://x,\n"
    )
    with pytest.raises(ParseError, match="row 2, column 'period'"):
        uac_family.partial_part(_raw(partial, "partial_periods"))
