from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import subnational
from rootcauses.sources.base import FileSpec, Part, RawFile


def _indicator(source_parts, source_id: str, indicator: str) -> pd.Series:
    frame = source_parts("subnational")[source_id].frame
    frame = frame[frame["indicator"] == indicator]
    return frame.set_index(["code", "year"])["value"]


# --- spot checks of SOURCE.md ----------------------------------------------------------------


def test_department_population_sums(source_parts) -> None:
    pop = _indicator(source_parts, "subnational_population", "population")
    by_country_year = pop.groupby([pop.index.get_level_values("code").str[:2], "year"]).sum()
    assert by_country_year["GT", 2018] == 14_901_286
    assert by_country_year["SV", 2007] == 5_744_113
    assert by_country_year["HN", 2019] == 9_158_345
    assert pop["GT-01", 2018] == 3_015_081  # Guatemala department, most populous
    assert pop["GT-02", 2018] == 176_632  # El Progreso, least populous
    assert pop["SV-CA", 2024] == 143_049  # Cabañas, 2.4% of 6,029,976
    assert pop.xs(2018, level="year").idxmax() == "GT-01"


def test_departments_table(source_parts) -> None:
    departments = source_parts("subnational")["subnational_departments"].frame
    assert departments.groupby("country").size().to_dict() == {"GTM": 22, "HND": 18, "SLV": 14}
    zacapa = departments.set_index("code").loc["GT-19"]
    assert zacapa["capital"] == "Zacapa"
    assert zacapa["lat"] == pytest.approx(14.9725) and zacapa["lon"] == pytest.approx(-89.52833)
    assert departments["lat"].notna().all() and departments["lon"].notna().all()


def test_honduras_homicides_2019(source_parts) -> None:
    homicides = _indicator(source_parts, "subnational_homicides", "homicides")
    rates = _indicator(source_parts, "subnational_homicides", "homicide_rate")
    assert homicides.sum() == 4_051
    assert 1e5 * homicides.sum() / 9_158_345 == pytest.approx(44.2, abs=0.05)
    top = rates.sort_values(ascending=False).index.get_level_values("code")[:2].tolist()
    assert top == ["HN-CR", "HN-AT"]
    assert rates["HN-CR", 2019] == pytest.approx(60.5, abs=0.05)
    assert rates["HN-AT", 2019] == pytest.approx(55.1, abs=0.05)


def test_subnational_hdi_2021(source_parts) -> None:
    shdi = _indicator(source_parts, "gdl_shdi", "shdi").xs(2021, level="year")
    honduras = shdi[shdi.index.str.startswith("HN-")].sort_values()
    assert len(honduras) == 18
    assert honduras.index[:4].tolist() == ["HN-LE", "HN-GD", "HN-IN", "HN-CP"]
    assert honduras.iloc[:4].tolist() == [0.544, 0.550, 0.571, 0.572]
    assert shdi["GTMr107"] == 0.554  # Noroccidente (Huehuetenango, Quiché)
    assert shdi["GTMr102"] == 0.556  # Norte (Verapaces)
    assert shdi["GT-01"] == 0.722  # Metropolitana = Guatemala department
    guatemala = shdi[shdi.index.str.startswith(("GT", "GTM"))]
    assert guatemala.idxmax() == "GT-01"
    assert guatemala.nsmallest(2).index.tolist() == ["GTMr107", "GTMr102"]


def test_regions_cover_each_department_once(source_parts) -> None:
    regions = source_parts("subnational")["gdl_regions"].frame.set_index("code")
    assert regions.loc["GTMr107", "departments"] == "GT-13;GT-14"
    assert regions.loc["SLVr101", "departments"] == "SV-AH;SV-SA;SV-SO"
    assert regions.loc["HNDr105", "departments"] == "HN-CR"
    national = source_parts("subnational")["gdl_shdi_national"].frame
    assert set(national["country"]) == {"CRI", "GTM", "HND", "MEX", "NIC", "PAN", "SLV"}


# --- bad input ---------------------------------------------------------------------------------

SPEC = FileSpec(pattern="*", url="https://example.invalid/x")


def _raw(text: str, name: str) -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


DEPT = (
    "iso2,country,admin1_name,admin1_name_ascii,iso_3166_2,iso_3166_2_legacy,national_code,"
    "national_code_source,hasc,fips,capital,area_km2,capital_lat,capital_lon,rep_point_lat,"
    "rep_point_lon,rep_point_note,capital_coord_note\n"
)
GOOD_DEPT = "GT,Guatemala,Zacapa,Zacapa,GT-19,GT-ZA,19,INE,,,Zacapa,2690.0,14.97,-89.53,,,,\n"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (DEPT.replace("iso_3166_2,", "code,"), SchemaDriftError, "iso_3166_2"),
        (DEPT + GOOD_DEPT.replace("GT-19", "GT19"), ParseError, "row 2, column 'iso_3166_2'"),
        (DEPT + GOOD_DEPT.replace("14.97", ""), ParseError, "row 2, column 'capital_lat'"),
        (DEPT + GOOD_DEPT.replace("GT,", "XX,", 1), CheckError, "row 2, column 'iso2'"),
        (DEPT + GOOD_DEPT + GOOD_DEPT, CheckError, "GT-19 listed twice"),
    ],
)
def test_bad_departments_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        subnational.read_departments(_raw(text, "depts.csv"))
    assert "depts.csv" in str(info.value)


GDL = "Country,Continent,ISO_Code,Level,GDLCODE,Region,2020,2021\n"


def test_gdl_table_long() -> None:
    text = GDL + (
        "Honduras,America,HND,National,HNDt,Total,0.62,0.621\n"
        "Honduras,America,HND,Subnat,HNDr113,Lempira,0.54,\n"
    )
    rows = subnational.read_gdl(_raw(text, "gdl.csv"))
    assert rows[["gdl_code", "year", "value"]].to_numpy().tolist() == [
        ["HNDt", 2020, 0.62],
        ["HNDt", 2021, 0.621],
        ["HNDr113", 2020, 0.54],
    ]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (GDL.replace("GDLCODE", "Code"), SchemaDriftError, "missing column.*GDLCODE"),
        (GDL + "Honduras,America,HND,Subnat,HNDr1,L,0.54,high\n", ParseError, "row 2.*'2021'"),
        (GDL + "Honduras,America,HND,Province,HNDr1,L,0.54,0.5\n", ParseError, "row 2.*'Level'"),
        (GDL + "Atlantis,America,ATL,Subnat,ATLr1,X,0.54,0.5\n", CheckError, "row 2.*'ISO_Code'"),
    ],
)
def test_bad_gdl_table(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        subnational.read_gdl(_raw(text, "gdl.csv"))
    assert "gdl.csv" in str(info.value)


def _replace(parts: dict[str, Part], source_id: str, frame: pd.DataFrame) -> list[Part]:
    return [
        Part(p.source_id, p.table, frame if p.source_id == source_id else p.frame, p.title)
        for p in parts.values()
    ]


def test_check_rejects_inconsistent_homicide_rate(source_parts) -> None:
    parts = source_parts("subnational")
    frame = parts["subnational_homicides"].frame.copy()
    frame.loc[frame["indicator"] == "homicide_rate", "value"] += 1.0
    with pytest.raises(CheckError, match=r"subnational_homicides: HN-.* rate"):
        subnational.check(_replace(parts, "subnational_homicides", frame))


def test_check_rejects_region_lists_that_miss_a_department(source_parts) -> None:
    parts = source_parts("subnational")
    frame = parts["gdl_regions"].frame.copy()
    frame.loc[frame["code"] == "GTMr107", "departments"] = "GT-13"
    with pytest.raises(CheckError, match=r"missing: \['GT-14'\]"):
        subnational.check(_replace(parts, "gdl_regions", frame))
