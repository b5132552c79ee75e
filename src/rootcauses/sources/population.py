"""Population (UN WPP 2024): totals, broad age groups; average household size.

Parts:

- ``wpp_population`` / ``wpp_population_projection`` (``population``, persons, 1 July): every
  country and the world, 1950-2023 estimates / 2024-2100 medium variant, computed from three UN
  Population Division files of the ``wpp2024`` R package (``data-raw``): ``PopChange.txt``
  (annual change, estimates), ``popprojMed.txt`` and ``PopChangeprojMed.txt`` (medium variant).
  In that package the projection labelled year Y is the population on 1 January Y+1, and the
  change of year Y is the change from 1 January Y to 1 January Y+1. So every 1 January is known
  (back-cast from 1 January 2024 with the annual changes), and the 1 July population is the mean
  of two consecutive 1 January values. This reproduces the published WPP 2024 1-July values to
  within 15 persons (exactly for 2024) — hence ``derived``, read from the official files.
- ``wpp_population_age`` / ``wpp_population_age_projection``: broad age groups (0-14, 15-24,
  15-29, 15-34, 15-64, 65+, males 15-34) summed from the five-year age groups of WPP 2024
  (``popAge5dt``/``popprojAge5dt``) for the 8 study countries, every fifth year (1950-2020
  estimates, 2025-2050 medium variant). Read from the snapshot's CSV extract of those R data
  files (``derived``): parsing the .rda files takes about a second, over the time budget.
- ``undesa_hh_size_<category>``: average household size, UN DESA Database on Household Size and
  Composition 2022, all countries, one source id per data-source category (census microdata
  samples from IPUMS, DHS, MICS, the UN Demographic Yearbook, labour-force surveys): categories
  report different values for the same census year, so they are never merged. The snapshot
  holds a reduced extract of the UN workbook (``derived``).
- ``household_size_transcribed``: households, persons and average household size from GT/HN/SV
  censuses and surveys, hand-transcribed from web pages (``transcribed``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pycountry

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import POPULATION, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.parsing import (
    first_true,
    numeric_block,
    read_csv,
    to_choice,
    to_float,
    to_int,
    to_iso3_series,
)

SOURCE_ID = "population"
WPP_ID = "wpp_population"
WPP_PROJECTION_ID = "wpp_population_projection"
AGE_ID = "wpp_population_age"
AGE_PROJECTION_ID = "wpp_population_age_projection"
TRANSCRIBED_ID = "household_size_transcribed"
WPP_RAW = "https://raw.githubusercontent.com/PPgp/wpp2024/HEAD/data-raw/{file}"
PERSONS = "persons"

# --- WPP annual totals ---------------------------------------------------------------------------

# M49 codes of the WPP files: codes of 900 and above are regions, income groups and other
# aggregates (dropped, except the world); below 900 every code is a country or area.
M49_AGGREGATES_FROM = 900
M49_SPECIAL = {900: "WLD", 412: "XKX"}  # World; Kosovo (under UNSC res. 1244)
M49_NOT_COUNTRIES = {830: "Channel Islands"}  # Guernsey + Jersey, no ISO 3166 code


def m49_to_iso3(codes: pd.Series, name: str, column: str, first_row: int = 2) -> pd.Series:
    """UN M49 numeric codes → ISO3; aggregates and non-countries become NA; an unknown country
    code is an error naming its row. (A numeric-code lookup for rootcauses.countries.)"""
    out: dict[int, str | None] = {}
    for code in codes.unique():
        code = int(code)
        if code in M49_SPECIAL:
            out[code] = M49_SPECIAL[code]
        elif code >= M49_AGGREGATES_FROM or code in M49_NOT_COUNTRIES:
            out[code] = None
        else:
            country = pycountry.countries.get(numeric=f"{code:03d}")
            if country is None:
                pos = first_true(codes == code)
                raise CheckError(
                    f"{name}: row {first_row + pos}, column {column!r}: unknown M49 country code "
                    f"{code}; add it to M49_SPECIAL or M49_NOT_COUNTRIES if it is a known area"
                )
            out[code] = country.alpha_3
    return codes.astype(int).map(out)


def read_wpp_table(raw: RawFile) -> pd.DataFrame:
    """A ``wpp2024`` data-raw table (tab-separated ``country_code, country, <years>``, values in
    thousands) → floats indexed by M49 code, one column per year."""
    name = raw.name
    df = read_csv(raw.data, name, expected=("country_code", "country"), sep="\t")
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c)]
    if not years:
        raise SchemaDriftError(f"{name}: no year columns; found {list(df.columns)}")
    codes = to_int(df["country_code"], name, "country_code")
    values = numeric_block(df[years], name, 2)
    values.index = codes.astype(int).to_numpy()
    values.columns = [int(y) for y in years]
    if values.index.duplicated().any():
        code = values.index[values.index.duplicated()][0]
        raise ParseError(f"{name}: country_code {code} appears twice")
    return values


def mid_year_population(
    change: pd.DataFrame, projection: pd.DataFrame, projection_change: pd.DataFrame, names: str
) -> pd.DataFrame:
    """1 July population (thousands) for every year of the three tables (see module doc)."""
    first = min(projection.columns)
    expected_change = list(range(min(change.columns), first))
    if list(change.columns) != expected_change:
        raise SchemaDriftError(
            f"{names}: the annual changes must run without gaps up to {first - 1}, the year "
            f"before the first projection year; found {change.columns[0]}-{change.columns[-1]}"
        )
    if list(projection_change.columns) != list(projection.columns):
        raise SchemaDriftError(f"{names}: projection and projected-change years differ")
    codes = change.index
    for table in (projection, projection_change):
        if set(table.index) != set(codes):
            diff = sorted(set(table.index) ^ set(codes))[:5]
            raise SchemaDriftError(f"{names}: the files list different countries, e.g. {diff}")
    proj = projection.loc[codes]
    jan_first = proj[first] - projection_change.loc[codes, first]
    # 1 January of each estimate year: back-cast with the annual changes.
    back = change.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]
    jan_est = back.rsub(jan_first, axis=0)
    jan_proj = proj.copy()
    jan_proj.columns = [y + 1 for y in proj.columns]
    jan = pd.concat([jan_est, jan_first.rename(first), jan_proj], axis=1)
    values = jan.to_numpy()
    mid = (values[:, :-1] + values[:, 1:]) / 2
    return pd.DataFrame(mid, index=codes, columns=list(jan.columns[:-1]))


def wpp_rows(mid: pd.DataFrame, name: str) -> pd.DataFrame:
    iso3 = m49_to_iso3(pd.Series(mid.index), name, "country_code")
    keep = iso3.notna().to_numpy()
    block = np.round(mid.to_numpy()[keep] * 1000)
    years = np.array(mid.columns, dtype=int)
    return pd.DataFrame(
        {
            "country": np.repeat(iso3[keep].to_numpy(), len(years)),
            "year": np.tile(years, int(keep.sum())),
            "value": block.ravel(),
        }
    )


# --- WPP broad age groups ------------------------------------------------------------------------

AGE_COLUMNS = ("iso3", "year", "age_group", "pop_male", "pop_female", "pop_total", "status")
AGE_STATUS = {
    "WPP2024 estimate (1 July)": "estimate",
    "WPP2024 medium variant (1 July)": "projection",
}
AGE_GROUPS = [f"{a}-{a + 4}" for a in range(0, 100, 5)] + ["100+"]
# indicator → (lowest age, highest age or None, column)
BROAD_GROUPS = {
    "population_0_14": (0, 14, "pop_total"),
    "population_15_24": (15, 24, "pop_total"),
    "population_15_29": (15, 29, "pop_total"),
    "population_15_34": (15, 34, "pop_total"),
    "population_15_64": (15, 64, "pop_total"),
    "population_65_plus": (65, None, "pop_total"),
    "population_male_15_34": (15, 34, "pop_male"),
}


def broad_age_groups(raw: RawFile) -> pd.DataFrame:
    """Five-year age groups → (country, year, status, indicator, value) for the broad groups."""
    name = raw.name
    df = read_csv(raw.data, name, expected=AGE_COLUMNS)
    rows = pd.DataFrame(
        {
            "country": to_iso3_series(df["iso3"], name, "iso3"),
            "year": to_int(df["year"], name, "year"),
            "age": to_choice(df["age_group"], {a: a for a in AGE_GROUPS}, name, "age_group"),
            "status": to_choice(df["status"], AGE_STATUS, name, "status"),
            "pop_total": to_int(df["pop_total"], name, "pop_total"),
            "pop_male": to_int(df["pop_male"], name, "pop_male"),
        }
    )
    counts = rows.groupby(["country", "year"])["age"].nunique()
    incomplete = counts[counts != len(AGE_GROUPS)]
    if len(incomplete) or rows.duplicated(["country", "year", "age"]).any():
        where = incomplete.index[0] if len(incomplete) else "a duplicated row"
        raise CheckError(
            f"{name}: each country and year needs the {len(AGE_GROUPS)} age groups once "
            f"(0-4 … 100+); see {where}"
        )
    low = rows["age"].str.extract(r"^(\d+)", expand=False).astype(int)
    pieces = []
    for indicator, (start, end, column) in BROAD_GROUPS.items():
        inside = (low >= start) & ((low <= end) if end is not None else True)
        summed = rows[inside].groupby(["country", "year", "status"], as_index=False)[column].sum()
        pieces.append(summed.rename(columns={column: "value"}).assign(indicator=indicator))
    out = pd.concat(pieces, ignore_index=True)
    out["value"] = out["value"].astype("float64")
    return out


# --- household size ------------------------------------------------------------------------------

HH_COLUMNS = {
    "Country or area": "name",
    "ISO Code": "m49",
    "Data source category": "category",
    "Reference date (dd/mm/yyyy)": "date",
    "Average household size (number of members)": "value",
}
HH_CATEGORIES = {
    "IPUMS": "ipums",  # census microdata samples (IPUMS International)
    "DHS": "dhs",
    "MICS": "mics",
    "DYB": "dyb",  # UN Demographic Yearbook (census tabulations)
    "LFS": "lfs",
}
HH_UNIT = "persons per household"


def parse_reference_dates(values: pd.Series, name: str, column: str) -> pd.Series:
    """``d/m/yy`` or ``d/m/yyyy`` → first day of the month; two-digit years ≥ 50 are 19xx."""
    parts = values.str.strip().str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
    bad = parts.isna().any(axis=1)
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column {column!r} is {values.iloc[pos]!r}; "
            "expected a date d/m/yy or d/m/yyyy"
        )
    year = parts[2].astype(int)
    year = year.where(parts[2].str.len() == 4, np.where(year >= 50, 1900 + year, 2000 + year))
    month = parts[1].astype(int)
    if not month.between(1, 12).all():
        pos = first_true(~month.between(1, 12))
        raise ParseError(f"{name}: row {pos + 2}, column {column!r}: month out of range")
    return pd.Series(
        [dt.date(y, m, 1) for y, m in zip(year, month, strict=True)], index=values.index
    )


def household_size_undesa(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=HH_COLUMNS, encoding="utf-8-sig")
    df = df[list(HH_COLUMNS)].rename(columns=HH_COLUMNS)
    m49 = to_int(df["m49"], name, "ISO Code")
    out = pd.DataFrame(
        {
            "country": m49_to_iso3(m49, name, "ISO Code"),
            "category": to_choice(df["category"], HH_CATEGORIES, name, "Data source category"),
            "period": parse_reference_dates(df["date"], name, "Reference date (dd/mm/yyyy)"),
            "value": to_float(df["value"], name, "Average household size (number of members)"),
        }
    )
    out = out[out["country"].notna() & out["value"].notna()]
    # The UN file lists some rows twice (e.g. Saint Barthélemy DYB 2015): identical rows are one.
    return out.drop_duplicates().reset_index(drop=True)


TRANSCRIBED_COLUMNS = (
    "iso2",
    "year",
    "households",
    "persons",
    "avg_hh_size_computed",
    "avg_hh_size_urban",
    "avg_hh_size_rural",
    "note",
    "url",
)
TRANSCRIBED_INDICATORS = {
    "households": ("households", "households"),
    "persons": ("household_population", PERSONS),
    "avg": ("household_size_avg", HH_UNIT),
    "avg_hh_size_urban": ("household_size_avg_urban", HH_UNIT),
    "avg_hh_size_rural": ("household_size_avg_rural", HH_UNIT),
}


def household_size_transcribed(raw: RawFile) -> pd.DataFrame:
    """Counts from censuses/surveys → long rows; the average is recomputed as persons /
    households and must agree with the file's own computed column."""
    name = raw.name
    df = read_csv(raw.data, name, expected=TRANSCRIBED_COLUMNS)
    wide = pd.DataFrame(
        {
            "country": to_iso3_series(df["iso2"], name, "iso2"),
            "year": to_int(df["year"], name, "year"),
            "households": to_int(df["households"], name, "households"),
            "persons": to_int(df["persons"], name, "persons"),
            "computed": to_float(df["avg_hh_size_computed"], name, "avg_hh_size_computed"),
            "avg_hh_size_urban": to_float(df["avg_hh_size_urban"], name, "avg_hh_size_urban"),
            "avg_hh_size_rural": to_float(df["avg_hh_size_rural"], name, "avg_hh_size_rural"),
        }
    )
    wide["avg"] = wide["persons"].astype(float) / wide["households"].astype(float)
    off = (wide["avg"] - wide["computed"]).abs() > 0.006
    if off.any():
        pos = first_true(off)
        raise CheckError(
            f"{name}: row {pos + 2}, column 'avg_hh_size_computed' is "
            f"{wide['computed'].iloc[pos]!r} but persons / households = {wide['avg'].iloc[pos]:.3f}"
        )
    pieces = []
    for column, (indicator, unit) in TRANSCRIBED_INDICATORS.items():
        piece = wide[["country", "year"]].assign(
            value=wide[column].astype("float64"), indicator=indicator, unit=unit
        )
        pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)


# --- read / check --------------------------------------------------------------------------------


def _annual(rows: pd.DataFrame, source_id: str, **constants) -> pd.DataFrame:
    out = rows.assign(period=year_start(rows["year"]))
    return indicators_frame(out, source_id, frequency="annual", **constants)


def read_totals(files: Sequence[RawFile]) -> list[Part]:
    change_file = one(files, "change")
    proj_file = one(files, "projection")
    proj_change_file = one(files, "projection_change")
    used = (change_file, proj_file, proj_change_file)
    names = ", ".join(f.name for f in used)
    change = read_wpp_table(change_file)
    mid = mid_year_population(
        change, read_wpp_table(proj_file), read_wpp_table(proj_change_file), names
    )
    rows = wpp_rows(mid, change_file.name)
    last_estimate = max(change.columns)
    note = (
        "1 July = mean of consecutive 1 January populations from the wpp2024 package's annual "
        "change and medium-variant files; within 15 persons of the published WPP 2024 values."
    )
    parts = []
    for source_id, subset, title in (
        (WPP_ID, rows[rows["year"] <= last_estimate], "Total population, 1 July (UN WPP 2024)"),
        (
            WPP_PROJECTION_ID,
            rows[rows["year"] > last_estimate],
            "Total population, 1 July, medium-variant projection (UN WPP 2024)",
        ),
    ):
        frame = _annual(subset, source_id, indicator="population", unit=PERSONS)
        parts.append(Part(source_id, "indicators", frame, title, used, "derived", note))
    return parts


def read_age_groups(raw: RawFile) -> list[Part]:
    rows = broad_age_groups(raw)
    note = (
        "Sums of WPP 2024 five-year age groups (8 study countries), every fifth year only; "
        "interpolate for annual models (the snapshot's interpolated file is not loaded)."
    )
    parts = []
    for source_id, status, title in (
        (AGE_ID, "estimate", "Population by broad age group, 1 July (UN WPP 2024)"),
        (
            AGE_PROJECTION_ID,
            "projection",
            "Population by broad age group, medium variant (WPP 2024)",
        ),
    ):
        subset = rows[rows["status"] == status].drop(columns="status")
        frame = _annual(subset, source_id, unit=PERSONS)
        parts.append(Part(source_id, "indicators", frame, title, (raw,), "derived", note))
    return parts


def read_household_size(files: Sequence[RawFile]) -> list[Part]:
    parts = []
    undesa = one(files, "household_undesa")
    rows = household_size_undesa(undesa)
    for label, category in HH_CATEGORIES.items():
        subset = rows[rows["category"] == category].drop(columns="category")
        if subset.empty:
            continue
        source_id = f"undesa_hh_size_{category}"
        frame = indicators_frame(
            subset, source_id, frequency="irregular", indicator="household_size_avg", unit=HH_UNIT
        )
        parts.append(
            Part(
                source_id,
                "indicators",
                frame,
                f"Average household size, {label} sources (UN DESA Household Size and "
                "Composition 2022)",
                (undesa,),
                "derived",
                "period = first day of the reference month (1 July is the UN's placeholder for "
                "census years). Categories are separate ids: they disagree for the same year.",
            )
        )
    transcribed = one(files, "household_transcribed")
    rows = household_size_transcribed(transcribed)
    frame = indicators_frame(
        rows.assign(period=year_start(rows["year"])), TRANSCRIBED_ID, frequency="irregular"
    )
    parts.append(
        Part(
            TRANSCRIBED_ID,
            "indicators",
            frame,
            "Households and average household size, GT/HN/SV censuses and surveys (transcribed)",
            (transcribed,),
            "transcribed",
            "Guatemala 2018: the denominator 3,275,931 is labelled 'total de viviendas' "
            "(dwellings), so 4.55 persons per unit is approximate. household_size_avg = "
            "persons / households (the rounded figure reported by the office is not loaded).",
        )
    )
    return parts


def read(files: Sequence[RawFile]) -> list[Part]:
    return [
        *read_totals(files),
        *read_age_groups(one(files, "age5")),
        *read_household_size(files),
    ]


AGE_TOTAL_TOLERANCE = 1e-4  # relative: age-group sums vs the totals (two WPP products)


def check(parts: list[Part]) -> None:
    found = {p.source_id: p.frame for p in parts}
    for source_id in (WPP_ID, WPP_PROJECTION_ID, AGE_ID, AGE_PROJECTION_ID, TRANSCRIBED_ID):
        if source_id not in found:
            raise CheckError(f"{SOURCE_ID}: part {source_id} was not read")
        absent = sorted(set(NORTHERN_TRIANGLE) - set(found[source_id]["country"]))
        if absent:
            raise CheckError(f"{source_id}: no rows for {absent}")
    for source_id, frame in found.items():
        if (frame["value"] <= 0).any():
            row = frame[frame["value"] <= 0].iloc[0]
            raise CheckError(f"{source_id}: {row['indicator']} ≤ 0 for {row['country']}")
    totals = pd.concat([found[WPP_ID], found[WPP_PROJECTION_ID]]).set_index(["country", "period"])
    for source_id in (AGE_ID, AGE_PROJECTION_ID):
        ages = found[source_id].pivot_table(
            index=["country", "period"], columns="indicator", values="value"
        )
        whole = ages["population_0_14"] + ages["population_15_64"] + ages["population_65_plus"]
        total = totals["value"].reindex(whole.index)
        off = (whole - total).abs() > AGE_TOTAL_TOLERANCE * total
        if off.any() or total.isna().any():
            country, period = whole.index[(off | total.isna()).to_numpy()][0]
            raise CheckError(
                f"{source_id}: age groups of {country} {period} sum to "
                f"{whole[(country, period)]:,.0f} but the total population is "
                f"{total[(country, period)]:,.0f}"
            )
        nested = (ages["population_15_24"] <= ages["population_15_29"]) & (
            ages["population_15_29"] <= ages["population_15_34"]
        )
        if not nested.all():
            country, period = nested.index[~nested.to_numpy()][0]
            raise CheckError(f"{source_id}: age groups not nested for {country} {period}")
    for source_id, frame in found.items():
        if "household_size" in source_id:
            sizes = frame[frame["indicator"].str.startswith("household_size_avg")]["value"]
            if not sizes.between(1, 15).all():
                raise CheckError(f"{source_id}: household size outside 1-15: {sizes.max()}")


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"population",
        named(
            "Population", POPULATION, "People living in the country (UN World Population Prospects)"
        ),
    ),
    (
        r"population_male_15_34",
        named("Men aged 15-34", POPULATION, "Young men, the group most likely to migrate"),
    ),
    (
        r"population_(?P<a>\d+)_plus",
        named("Population aged {a} and over", POPULATION, "People aged {a} and over"),
    ),
    (
        r"population_(?P<a>\d+)_(?P<b>\d+)",
        named("Population aged {a}-{b}", POPULATION, "People aged {a} to {b}"),
    ),
    (
        r"household_size_avg",
        named(
            "Household size",
            POPULATION,
            "Average number of people per household (surveys and censuses)",
        ),
    ),
    (
        r"household_size_avg_(?P<a>rural|urban)",
        named("Household size, {a}", POPULATION, "Average number of people per {a} household"),
    ),
    (r"households", named("Households", POPULATION, "Number of households (censuses)")),
    (
        r"household_population",
        named("Population in households", POPULATION, "People living in households (censuses)"),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Population (UN WPP 2024) and household size (UN DESA 2022, national sources)",
    publisher="United Nations, DESA Population Division; national statistical offices",
    folder="drivers/population",
    homepage="https://population.un.org/wpp/",
    licence="CC BY 3.0 IGO (UN WPP, UN DESA); household counts: official statistics (facts)",
    kind="driver",
    files=(
        FileSpec(
            pattern="original/wpp2024_PopChange.txt",
            url=WPP_RAW.format(file="PopChange.txt"),
            role="change",
            save_as="original/wpp2024_PopChange.txt",
        ),
        FileSpec(
            pattern="original/wpp2024_popprojMed.txt",
            url=WPP_RAW.format(file="popprojMed.txt"),
            role="projection",
            save_as="original/wpp2024_popprojMed.txt",
        ),
        FileSpec(
            pattern="original/wpp2024_PopChangeprojMed.txt",
            url=WPP_RAW.format(file="PopChangeprojMed.txt"),
            role="projection_change",
            save_as="original/wpp2024_PopChangeprojMed.txt",
        ),
        FileSpec(
            pattern="population_by_age5_sex_wpp2024_*.csv",
            url="https://population.un.org/wpp/downloads?folder=Standard%20Projections&group=CSV%20format",
            role="age5",
            status="derived",
            fetchable=False,
        ),
        FileSpec(
            pattern="original/undesa_pd_2022_hh-size-composition*.csv",
            url="https://www.un.org/development/desa/pd/data/household-size-and-composition",
            role="household_undesa",
            status="derived",
            fetchable=False,
        ),
        FileSpec(
            pattern="household_size_GT_HN_SV_transcribed.csv",
            url="https://www.ine.gob.hn/",
            role="household_transcribed",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "WPP revises its whole history every release: do not mix with other population series "
        "(e.g. IMF WEO in imf_weo_2019). WPP adjusts for census under-count: Guatemala 2023 "
        "18.1 M vs 14.9 M counted in the 2018 census; El Salvador 6.31 M (2023) vs 6.03 M "
        "(2024 census). 2024+ are medium-variant projections (separate ids). Age groups are "
        "quinquennial. Household size: few, irregular observations; categories disagree."
    ),
    publication={
        "wpp_population": Publication(
            19,
            "year",
            (
                "UN WPP is revised every two years in July; a year's estimate first appears in the "
                "next revision, up to 19 months after the year"
            ),
        ),
    },
    indicators=INDICATORS,
)
