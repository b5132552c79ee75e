from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import population
from rootcauses.sources.base import FileSpec, RawFile


def _values(source_parts, source_id: str, indicator: str | None = None) -> pd.Series:
    frame = source_parts("population")[source_id].frame
    if indicator:
        frame = frame[frame["indicator"] == indicator]
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["country", "year"])["value"].sort_index()


# --- spot checks of SOURCE.md ----------------------------------------------------------------


def test_published_wpp_2024_values_for_2024(source_parts) -> None:
    projected = _values(source_parts, "wpp_population_projection")
    assert projected["GTM", 2024] == 18_406_359
    assert projected["WLD", 2024] == 8_161_972_572
    assert projected["USA", 2024] == 345_426_571


def test_estimates_reproduce_published_1_july_values(source_parts) -> None:
    estimates = _values(source_parts, "wpp_population")
    assert estimates["GTM", 2023] == pytest.approx(18_124_842, abs=10)
    assert estimates["GTM", 2020] == pytest.approx(17_357_331, abs=10)
    assert estimates.index.get_level_values("year").max() == 2023
    assert estimates.index.get_level_values("year").min() == 1950


def test_age_groups_sum_to_totals_2020(source_parts) -> None:
    ages = source_parts("population")["wpp_population_age"].frame
    ages = ages[pd.to_datetime(ages["period"]).dt.year == 2020]
    wide = ages.pivot_table(index="country", columns="indicator", values="value")
    whole = wide["population_0_14"] + wide["population_15_64"] + wide["population_65_plus"]
    assert whole["GTM"] == 17_357_327
    totals = _values(source_parts, "wpp_population").xs(2020, level="year")
    assert len(whole) == 8
    for country, value in whole.items():
        assert value == pytest.approx(totals[country], abs=20), country


def test_age_groups_every_fifth_year(source_parts) -> None:
    parts = source_parts("population")
    est = pd.to_datetime(parts["wpp_population_age"].frame["period"]).dt.year
    proj = pd.to_datetime(parts["wpp_population_age_projection"].frame["period"]).dt.year
    assert sorted(est.unique()) == list(range(1950, 2021, 5))
    assert sorted(proj.unique()) == list(range(2025, 2051, 5))


def test_household_size(source_parts) -> None:
    mics = _values(source_parts, "undesa_hh_size_mics")
    dhs = _values(source_parts, "undesa_hh_size_dhs")
    assert mics.loc[("HND", 2019)].item() == pytest.approx(3.87)
    assert dhs.loc[("GTM", 2015)].item() == pytest.approx(4.81)
    transcribed = _values(source_parts, "household_size_transcribed", "household_size_avg")
    assert transcribed["HND", 2018] == pytest.approx(4.19, abs=0.005)
    assert transcribed["HND", 2024] == pytest.approx(3.77, abs=0.005)
    assert transcribed["SLV", 2021] == pytest.approx(3.28, abs=0.005)
    assert transcribed["GTM", 2018] == pytest.approx(4.55, abs=0.005)
    # Honduras UN/MICS 2019 lies between EPHPM 2018 and EPHPM 2024.
    assert transcribed["HND", 2024] < mics.loc[("HND", 2019)].item() < transcribed["HND", 2018]
    households = _values(source_parts, "household_size_transcribed", "households")
    assert households["HND", 2018] == 2_152_827


def test_guatemala_dhs_period_is_the_reference_month(source_parts) -> None:
    frame = source_parts("population")["undesa_hh_size_dhs"].frame
    periods = set(frame.loc[frame["country"] == "GTM", "period"])
    assert {dt.date(1995, 9, 1), dt.date(1999, 2, 1), dt.date(2015, 2, 1)} <= periods


# --- derivation on hand-built tables -----------------------------------------------------------


def _table(values: dict[int, list[float]], codes: list[int]) -> pd.DataFrame:
    return pd.DataFrame(values, index=codes)


def test_mid_year_population_from_january_values() -> None:
    # 1 Jan 2024 = 110 - 10 = 100; 1 Jan 2023 = 100 - 8 = 92; 1 Jan 2025 = 110; 1 Jan 2026 = 121
    change = _table({2023: [8.0]}, [320])
    proj = _table({2024: [110.0], 2025: [121.0]}, [320])
    proj_change = _table({2024: [10.0], 2025: [11.0]}, [320])
    mid = population.mid_year_population(change, proj, proj_change, "files")
    assert mid.loc[320].to_dict() == {2023: 96.0, 2024: 105.0, 2025: 115.5}


def test_mid_year_population_refuses_a_gap() -> None:
    change = _table({2021: [8.0]}, [320])
    proj = _table({2024: [110.0]}, [320])
    with pytest.raises(SchemaDriftError, match="without gaps"):
        population.mid_year_population(change, proj, proj, "a.txt, b.txt")


# --- bad input ---------------------------------------------------------------------------------

SPEC = FileSpec(pattern="*", url="https://example.invalid/x")


def _raw(text: str, name: str) -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


WPP = "country_code\tcountry\t2022\t2023\n"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (WPP.replace("country_code", "code"), SchemaDriftError, "country_code"),
        (WPP + "320\tGuatemala\t180.5\tlots\n", ParseError, "row 2, column '2023'"),
        (WPP + "guat\tGuatemala\t180.5\t181\n", ParseError, "row 2, column 'country_code'"),
    ],
)
def test_bad_wpp_table(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        population.read_wpp_table(_raw(text, "wpp2024_PopChange.txt"))
    assert "wpp2024_PopChange.txt" in str(info.value)


def test_m49_codes() -> None:
    codes = pd.Series([320, 900, 1834, 412, 830])
    iso3 = population.m49_to_iso3(codes, "f.txt", "country_code")
    assert iso3.fillna("-").tolist() == ["GTM", "WLD", "-", "XKX", "-"]
    with pytest.raises(CheckError, match=r"f.txt: row 3, column 'country_code'.*899"):
        population.m49_to_iso3(pd.Series([320, 899]), "f.txt", "country_code")


AGE = "iso3,iso2,country,year,age_group,pop_male,pop_female,pop_total,status\n"
EST = "WPP2024 estimate (1 July)"


def _age_rows(groups: list[str], status: str = EST) -> str:
    return "".join(f"GTM,GT,Guatemala,2020,{g},5,5,10,{status}\n" for g in groups)


def test_broad_age_groups_from_tiny_file() -> None:
    rows = population.broad_age_groups(_raw(AGE + _age_rows(population.AGE_GROUPS), "age.csv"))
    got = rows.set_index("indicator")["value"].to_dict()
    assert got["population_0_14"] == 30
    assert got["population_15_29"] == 30
    assert got["population_65_plus"] == 80  # 65-69 … 95-99 and 100+
    assert got["population_male_15_34"] == 20


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (AGE + _age_rows(population.AGE_GROUPS[:-1]), CheckError, "21 age groups"),
        (AGE + _age_rows(["0-4", "5-10"]), ParseError, "row 3, column 'age_group'"),
        (AGE + _age_rows(["0-4"], "WPP2024 low variant"), ParseError, "row 2, column 'status'"),
        (AGE.replace("pop_total", "total"), SchemaDriftError, "pop_total"),
    ],
)
def test_bad_age_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        population.broad_age_groups(_raw(text, "age.csv"))
    assert "age.csv" in str(info.value)


HH = (
    "\ufeffCountry or area,ISO Code,Data source category,Reference date (dd/mm/yyyy),"
    "Average household size (number of members),\n"
)


def test_household_size_dates_and_duplicates() -> None:
    text = HH + (
        "Guatemala,320,DHS,26/02/2015,4.81,\n"
        "Guatemala,320,IPUMS,1/7/64,5.23,\n"
        "Guatemala,320,IPUMS,1/7/64,5.23,\n"
        "Channel Islands,830,DYB,1/7/01,2.4,\n"
        "Guatemala,320,DYB,1/7/02,..,\n"
    )
    rows = population.household_size_undesa(_raw(text, "hh.csv"))
    assert rows.to_dict("records") == [
        {"country": "GTM", "category": "dhs", "period": dt.date(2015, 2, 1), "value": 4.81},
        {"country": "GTM", "category": "ipums", "period": dt.date(1964, 7, 1), "value": 5.23},
    ]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (HH + "Guatemala,320,DHS,2015-02-26,4.81,\n", ParseError, "row 2, column 'Reference"),
        (HH + "Guatemala,320,Survey,1/7/15,4.81,\n", ParseError, "row 2, column 'Data source"),
        (HH + "Guatemala,320,DHS,1/7/15,big,\n", ParseError, "row 2, column 'Average"),
        (HH + "Atlantis,899,DHS,1/7/15,4.0,\n", CheckError, "row 2, column 'ISO Code'"),
    ],
)
def test_bad_household_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        population.household_size_undesa(_raw(text, "hh.csv"))
    assert "hh.csv" in str(info.value)


TRANSCRIBED = (
    "iso2,country,year,source,households,persons,avg_hh_size_reported,avg_hh_size_computed,"
    "avg_hh_size_urban,avg_hh_size_rural,note,url,second_mention_url\n"
)


def test_transcribed_average_must_match_counts() -> None:
    good = TRANSCRIBED + "HN,Honduras,2018,EPHPM,2152827,9023838,4.2,4.19,4.0,4.4,,u,\n"
    rows = population.household_size_transcribed(_raw(good, "hh_t.csv"))
    avg = rows.set_index("indicator")["value"]["household_size_avg"]
    assert avg == pytest.approx(9023838 / 2152827)
    bad = good.replace(",4.19,", ",4.5,")
    with pytest.raises(CheckError, match=r"hh_t\.csv: row 2, column 'avg_hh_size_computed'"):
        population.household_size_transcribed(_raw(bad, "hh_t.csv"))
