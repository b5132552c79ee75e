"""Departments (admin-1) of Guatemala, Honduras and El Salvador, and subnational indicators.

``indicators.country`` must be ISO3, so subnational data go to two extra tables:

- ``subnational_departments`` (id ``subnational_departments``, transcribed): one row per
  department — ISO 3166-2 ``code``, ``country`` (ISO3), ``name``, capital and the capital's
  coordinates (``lat``/``lon``: department capitals, not polygon centroids), ``area_km2``
  (GT and SV only), national and legacy codes.
- ``subnational_indicators`` (``code, country, year, indicator, value, unit, measure, source``):
  ``code`` is an ISO 3166-2 department code, or a Global Data Lab region code (``GTMr101``) when
  the value is for a GDL region spanning several departments. Parts:
  ``subnational_population`` (census counts / projections / estimates, transcribed; ``measure``
  says which), ``subnational_homicides`` (Honduras 2019, SEPOL/INE via the ``openhn`` R package)
  and ``gdl_shdi`` (GDL Subnational Human Development Index, official file format).
- ``subnational_regions`` (id ``gdl_regions``, derived): each GDL region with the departments it
  covers (assigned by the dataset's author from the national regionalisations; unverified for
  El Salvador).
- The GDL national totals go to ``indicators`` as ``shdi`` (id ``gdl_shdi_national``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import POPULATION, POVERTY, VIOLENCE, IndicatorInfo, named
from rootcauses.sources.checks import part_frame
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.parsing import (
    first_true,
    numeric_block,
    read_csv,
    text_or_none,
    to_choice,
    to_float,
    to_int,
    to_iso3_series,
)

SOURCE_ID = "subnational"
DEPARTMENTS_ID = "subnational_departments"
POPULATION_ID = "subnational_population"
HOMICIDES_ID = "subnational_homicides"
SHDI_ID = "gdl_shdi"
SHDI_NATIONAL_ID = "gdl_shdi_national"
REGIONS_ID = "gdl_regions"

DEPARTMENTS_TABLE = "subnational_departments"
INDICATORS_TABLE = "subnational_indicators"
REGIONS_TABLE = "subnational_regions"
INDICATOR_COLUMNS = ["code", "country", "year", "indicator", "value", "unit", "measure", "source"]
INDICATOR_KEYS = ["code", "year", "indicator"]

ISO_3166_2 = r"(GT|HN|SV)-[0-9A-Z]{2}"
# Central America, generously: a capital outside it means a transcription error.
LAT_RANGE, LON_RANGE = (12.0, 18.5), (-92.5, -83.0)
SHDI_UNIT = "index (0-1)"

# --- departments ---------------------------------------------------------------------------------

DEPARTMENT_COLUMNS = {
    "iso_3166_2": "code",
    "iso2": "country",
    "admin1_name": "name",
    "admin1_name_ascii": "name_ascii",
    "iso_3166_2_legacy": "legacy_code",
    "national_code": "national_code",
    "hasc": "hasc",
    "capital": "capital",
    "capital_lat": "lat",
    "capital_lon": "lon",
    "area_km2": "area_km2",
}


def _codes(values: pd.Series, name: str, column: str) -> pd.Series:
    text = values.str.strip()
    bad = ~text.str.fullmatch(ISO_3166_2)
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column {column!r} is {values.iloc[pos]!r}; expected an "
            "ISO 3166-2 code of GT, HN or SV (e.g. GT-01, HN-AT)"
        )
    return text


def read_departments(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=DEPARTMENT_COLUMNS)
    out = pd.DataFrame(
        {
            "code": _codes(df["iso_3166_2"], name, "iso_3166_2"),
            "country": to_iso3_series(df["iso2"], name, "iso2"),
            "name": df["admin1_name"].str.strip(),
            "name_ascii": df["admin1_name_ascii"].str.strip(),
            "legacy_code": text_or_none(df["iso_3166_2_legacy"]),
            "national_code": text_or_none(df["national_code"]),
            "hasc": text_or_none(df["hasc"]),
            "capital": df["capital"].str.strip(),
            "lat": to_float(df["capital_lat"], name, "capital_lat", allow_missing=False),
            "lon": to_float(df["capital_lon"], name, "capital_lon", allow_missing=False),
            "area_km2": to_float(df["area_km2"], name, "area_km2"),
        }
    )
    dup = out["code"].duplicated()
    if dup.any():
        raise CheckError(f"{name}: department {out.loc[dup, 'code'].iloc[0]} listed twice")
    out["source"] = DEPARTMENTS_ID
    return out


# --- department population and indicators (transcribed) ------------------------------------------

POPULATION_COLUMNS = ("iso2", "iso_3166_2", "year", "population", "measure")
INDICATORS_COLUMNS = ("iso2", "iso_3166_2", "year", "indicator", "value", "unit")
HOMICIDE_INDICATORS = {
    "homicides_count": ("homicides", "homicides"),
    "homicide_rate_per_100k": ("homicide_rate", "per 100,000 population"),
}


def read_population(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=POPULATION_COLUMNS)
    return pd.DataFrame(
        {
            "code": _codes(df["iso_3166_2"], name, "iso_3166_2"),
            "country": to_iso3_series(df["iso2"], name, "iso2"),
            "year": to_int(df["year"], name, "year"),
            "indicator": "population",
            "value": to_int(df["population"], name, "population").astype("float64"),
            "unit": "persons",
            "measure": df["measure"].str.strip(),
            "source": POPULATION_ID,
        }
    )


def read_department_indicators(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=INDICATORS_COLUMNS)
    names = {k: v[0] for k, v in HOMICIDE_INDICATORS.items()}
    units = {v[0]: v[1] for v in HOMICIDE_INDICATORS.values()}
    indicator = to_choice(df["indicator"], names, name, "indicator")
    return pd.DataFrame(
        {
            "code": _codes(df["iso_3166_2"], name, "iso_3166_2"),
            "country": to_iso3_series(df["iso2"], name, "iso2"),
            "year": to_int(df["year"], name, "year"),
            "indicator": indicator,
            "value": to_float(df["value"], name, "value", allow_missing=False),
            "unit": indicator.map(units),
            "measure": None,
            "source": HOMICIDES_ID,
        }
    )


# --- Global Data Lab SHDI ------------------------------------------------------------------------

GDL_COLUMNS = ("Country", "ISO_Code", "Level", "GDLCODE", "Region")
GDL_LEVELS = {"National": "national", "Subnat": "subnational"}
MAPPING_COLUMNS = ("gdl_code", "level", "iso_3166_2_covered", "mapping_note")


def read_gdl(raw: RawFile) -> pd.DataFrame:
    """The GDL SHDI table (one row per region, one column per year) → long rows."""
    name = raw.name
    df = read_csv(raw.data, name, expected=GDL_COLUMNS)
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c)]
    if not years:
        raise SchemaDriftError(f"{name}: no year columns; found {list(df.columns)}")
    values = numeric_block(df[years], name, 2).to_numpy()
    regions = pd.DataFrame(
        {
            "country": to_iso3_series(df["ISO_Code"], name, "ISO_Code"),
            "level": to_choice(df["Level"], GDL_LEVELS, name, "Level"),
            "gdl_code": df["GDLCODE"].str.strip(),
            "region": df["Region"].str.strip(),
        }
    )
    if regions["gdl_code"].duplicated().any():
        raise CheckError(
            f"{name}: GDLCODE {regions['gdl_code'][regions['gdl_code'].duplicated()].iloc[0]} twice"
        )
    rows = regions.loc[regions.index.repeat(len(years))].reset_index(drop=True)
    rows["year"] = [int(y) for y in years] * len(regions)
    rows["value"] = values.ravel()
    return rows[rows["value"].notna()].reset_index(drop=True)


def read_region_mapping(raw: RawFile) -> pd.DataFrame:
    """GDL region → ISO 3166-2 departments (';'-separated), from the snapshot's tidy SHDI file."""
    name = raw.name
    df = read_csv(raw.data, name, expected=MAPPING_COLUMNS)
    df = df[df["level"] == "Subnat"].drop_duplicates(["gdl_code", "iso_3166_2_covered"])
    dup = df["gdl_code"].duplicated()
    if dup.any():
        raise CheckError(
            f"{name}: region {df.loc[dup, 'gdl_code'].iloc[0]} is mapped to two department lists"
        )
    covered = df["iso_3166_2_covered"].str.strip()
    for pos, text in enumerate(covered):
        for code in text.split(";"):
            if not re.fullmatch(ISO_3166_2, code):
                raise ParseError(
                    f"{name}: column 'iso_3166_2_covered' has {code!r} for "
                    f"{df['gdl_code'].iloc[pos]}; expected ISO 3166-2 codes separated by ';'"
                )
    return pd.DataFrame(
        {
            "gdl_code": df["gdl_code"].str.strip(),
            "departments": covered,
            "mapping_note": df["mapping_note"].str.strip(),
        }
    )


def regions_table(gdl: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    regions = gdl[gdl["level"] == "subnational"].drop_duplicates("gdl_code")
    out = regions[["gdl_code", "country", "region"]].merge(mapping, on="gdl_code", how="left")
    out = out.rename(columns={"gdl_code": "code", "region": "name"})
    out["departments"] = out["departments"].astype(object).where(out["departments"].notna(), None)
    out["mapping_note"] = (
        out["mapping_note"].astype(object).where(out["mapping_note"].notna(), None)
    )
    out["source"] = REGIONS_ID
    return out.reset_index(drop=True)


def shdi_subnational(gdl: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Subnational SHDI rows keyed by the department code when the region is one department."""
    single = regions["departments"].notna() & ~regions["departments"].fillna("").str.contains(";")
    department = dict(
        zip(regions.loc[single, "code"], regions.loc[single, "departments"], strict=True)
    )
    rows = gdl[gdl["level"] == "subnational"]
    return pd.DataFrame(
        {
            "code": rows["gdl_code"].map(lambda c: department.get(c, c)),
            "country": rows["country"],
            "year": rows["year"],
            "indicator": "shdi",
            "value": rows["value"],
            "unit": SHDI_UNIT,
            "measure": None,
            "source": SHDI_ID,
        }
    ).reset_index(drop=True)


# --- read / check --------------------------------------------------------------------------------


def read(files: Sequence[RawFile]) -> list[Part]:
    departments_file = one(files, "departments")
    population_file = one(files, "population")
    indicators_file = one(files, "indicators")
    gdl_file = one(files, "gdl")
    mapping_file = one(files, "gdl_mapping")

    gdl = read_gdl(gdl_file)
    regions = regions_table(gdl, read_region_mapping(mapping_file))
    national = gdl[gdl["level"] == "national"].assign(period=lambda d: year_start(d["year"]))
    return [
        Part(
            DEPARTMENTS_ID,
            DEPARTMENTS_TABLE,
            read_departments(departments_file),
            "Departments of Guatemala, Honduras and El Salvador: codes, capitals, areas",
            (departments_file,),
            "transcribed",
            "lat/lon are the department capitals (complete), not polygon centroids. area_km2 "
            "for GT and SV only. SV national_code order is unverified: join on code.",
        ),
        Part(
            POPULATION_ID,
            INDICATORS_TABLE,
            read_population(population_file)[INDICATOR_COLUMNS],
            "Department population: GT census 2018, HN INE projection 2019, SV 1992/2007/2013/2024",
            (population_file,),
            "transcribed",
            "Mixed measures (census counts, projections, estimates; see measure). GT and SV "
            "hand-transcribed from web pages; Zacapa 2018 = national total minus the other "
            "departments; SV 1992 and 2024 only 6 of 14 departments. Census counts are not "
            "adjusted for omission (~9% in GT 2018).",
        ),
        Part(
            HOMICIDES_ID,
            INDICATORS_TABLE,
            read_department_indicators(indicators_file)[INDICATOR_COLUMNS],
            "Homicides and homicide rate by department, Honduras 2019 (SEPOL / INE)",
            (indicators_file,),
            "derived",
            "Copied from the openhn R package (data-raw/departamento.csv); rates use the INE "
            "2019 projection. No department homicide data for GT or SV.",
        ),
        Part(
            SHDI_ID,
            INDICATORS_TABLE,
            shdi_subnational(gdl, regions)[INDICATOR_COLUMNS],
            "Subnational Human Development Index (Global Data Lab)",
            (gdl_file, mapping_file),
            "official",
            "Honduras by department; Guatemala (8 regions) and El Salvador (4 regions) by GDL "
            "region code (see subnational_regions for the departments each covers); comparator "
            "countries by GDL region.",
        ),
        Part(
            SHDI_NATIONAL_ID,
            "indicators",
            indicators_frame(
                national, SHDI_NATIONAL_ID, frequency="annual", indicator="shdi", unit=SHDI_UNIT
            ),
            "Human Development Index, national totals of the GDL subnational HDI",
            (gdl_file,),
            "official",
            "GDL's national totals; close to but not identical with UNDP's HDI.",
        ),
        Part(
            REGIONS_ID,
            REGIONS_TABLE,
            regions,
            "Global Data Lab regions and the departments they cover",
            (gdl_file, mapping_file),
            "derived",
            "Department lists assigned by the dataset author from the national regionalisations "
            "(GT: Ley Preliminar de Regionalización; SV: EHPM regions, NOT verified against GDL "
            "documentation). Regions of the comparator countries have no department list.",
        ),
    ]


def _frame(parts: list[Part], source_id: str) -> pd.DataFrame:
    return part_frame(parts, source_id, SOURCE_ID)


def check(parts: list[Part]) -> None:
    departments = _frame(parts, DEPARTMENTS_ID)
    prefix = departments["code"].str[:2].map({"GT": "GTM", "HN": "HND", "SV": "SLV"})
    if (prefix != departments["country"]).any():
        row = departments[prefix != departments["country"]].iloc[0]
        raise CheckError(f"{DEPARTMENTS_ID}: code {row['code']} is not in {row['country']}")
    absent = sorted(set(NORTHERN_TRIANGLE) - set(departments["country"]))
    if absent:
        raise CheckError(f"{DEPARTMENTS_ID}: no departments for {absent}")
    outside = ~departments["lat"].between(*LAT_RANGE) | ~departments["lon"].between(*LON_RANGE)
    if outside.any():
        row = departments[outside].iloc[0]
        raise CheckError(
            f"{DEPARTMENTS_ID}: capital of {row['code']} at ({row['lat']}, {row['lon']}) is "
            "outside Central America"
        )
    known = set(departments["code"])

    for source_id in (POPULATION_ID, HOMICIDES_ID, SHDI_ID):
        frame = _frame(parts, source_id)
        dup = frame.duplicated(INDICATOR_KEYS)
        if dup.any():
            row = frame[dup].iloc[0]
            raise CheckError(
                f"{source_id}: two values for {row['code']} {row['year']} {row['indicator']}"
            )
        nt = frame["country"].isin(NORTHERN_TRIANGLE) & (frame["code"].str[2] == "-")
        unknown = sorted(set(frame.loc[nt, "code"]) - known)
        if unknown:
            raise CheckError(f"{source_id}: department codes {unknown} not in {DEPARTMENTS_ID}")

    shdi = _frame(parts, SHDI_ID)["value"]
    if not shdi.between(0, 1).all():
        raise CheckError(f"{SHDI_ID}: SHDI outside 0-1 ({shdi.min()}, {shdi.max()})")

    # Each Northern Triangle department lies in exactly one GDL region.
    regions = _frame(parts, REGIONS_ID)
    nt_regions = regions[regions["country"].isin(NORTHERN_TRIANGLE)]
    if nt_regions["departments"].isna().any():
        code = nt_regions.loc[nt_regions["departments"].isna(), "code"].iloc[0]
        raise CheckError(f"{REGIONS_ID}: region {code} has no department list")
    listed = nt_regions["departments"].str.split(";").explode()
    if listed.duplicated().any() or set(listed) != known:
        raise CheckError(
            f"{REGIONS_ID}: regions must cover each department once; twice: "
            f"{sorted(set(listed[listed.duplicated()]))}, missing: {sorted(known - set(listed))}, "
            f"unknown: {sorted(set(listed) - known)}"
        )

    # Homicide rates agree with the counts and the population of the same department and year.
    homicides = _frame(parts, HOMICIDES_ID).pivot_table(
        index=["code", "year"], columns="indicator", values="value"
    )
    population = _frame(parts, POPULATION_ID).set_index(["code", "year"])["value"]
    rate = homicides["homicides"] / population.reindex(homicides.index) * 1e5
    off = (rate - homicides["homicide_rate"]).abs() > 0.01
    if off.any():
        code, year = homicides.index[off.to_numpy()][0]
        raise CheckError(
            f"{HOMICIDES_ID}: {code} {year} rate {homicides.loc[(code, year), 'homicide_rate']} "
            f"but homicides / population × 100,000 = {rate[(code, year)]:.2f}"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"shdi",
        named(
            "Human Development Index (GDL)",
            POVERTY,
            "Global Data Lab's Human Development Index, 0-1 (health, education, income)",
        ),
    ),
    (
        r"population",
        named(
            "Population", POPULATION, "People living in the department (censuses and projections)"
        ),
    ),
    (
        r"homicides",
        named("Homicides", VIOLENCE, "Homicide victims in the department (Honduras, SEPOL)"),
    ),
    (
        r"homicide_rate",
        named(
            "Homicide rate",
            VIOLENCE,
            "Homicides per 100,000 people in the department (Honduras, SEPOL)",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Departments of GT/HN/SV: codes, capitals, population, homicides (HN), subnational HDI",
    publisher=(
        "INE Guatemala, INE Honduras / SEPOL, DIGESTYC-ONEC / BCR El Salvador; Global Data Lab "
        "(Radboud University)"
    ),
    folder="drivers/subnational",
    homepage="https://globaldatalab.org/shdi/",
    licence="Official statistics (facts); GDL SHDI free with citation; Wikipedia CC BY-SA",
    kind="driver",
    extra_tables=(DEPARTMENTS_TABLE, INDICATORS_TABLE, REGIONS_TABLE),
    files=(
        FileSpec(
            pattern="departments_GT_HN_SV_codes_coords.csv",
            url="https://www.iso.org/obp/ui/#iso:code:3166:GT",
            role="departments",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="department_population_long.csv",
            url="https://www.censopoblacion.gt/",
            role="population",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="department_indicators_long.csv",
            url="https://www.sepol.hn/",
            role="indicators",
            status="derived",
            fetchable=False,
        ),
        FileSpec(
            pattern="original/gdl_subnational_hdi_extract_CA.csv",
            url="https://globaldatalab.org/shdi/table/shdi/",
            role="gdl",
            fetchable=False,
        ),
        FileSpec(
            pattern="subnational_hdi_gdl_GT_HN_SV_*.csv",
            url="https://globaldatalab.org/shdi/",
            role="gdl_mapping",
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Coordinates are department capitals, not centroids. Department populations mix census "
        "counts (GT 2018, SV 1992/2007/2024), INE projections (HN 2019) and estimates (SV 2013) "
        "and are partly hand-transcribed. SHDI for GT and SV exists only for 8 / 4 GDL regions; "
        "the region→department lists are ours (SV unverified). No department homicide data for "
        "GT/SV, no department poverty rates."
    ),
    indicators=INDICATORS,
)
