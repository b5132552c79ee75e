"""Economy and social indicators: World Bank WDI (several vintages), World Bank PIP, IMF WEO.

The folder mixes vintages, so every vintage is its own source id and no key carries two values:

- ``wdi_gdp_growth`` (official): NY.GDP.MKTP.KD.ZG, all countries, World Bank API Excel download.
- ``wdi_gdp_pc_ppp_current`` (official): NY.GDP.PCAP.PP.CD, all countries, same format.
- ``wdi_gdp_pc_ppp`` (official): NY.GDP.PCAP.PP.KD (constant 2021 international $), WDI 2025 as
  republished in the OWID grapher CSV ``gdp-per-capita-worldbank``, all countries.
- ``pip_gini`` (official): Gini (World Bank PIP 2025) from the OWID grapher CSV
  ``economic-inequality-gini-index``, rescaled 0-1 → 0-100 (the WDI ``SI.POV.GINI`` scale).
- ``wdi_remittances_pct_gdp`` (derived): BX.TRF.PWKR.DT.GD.ZS, WDI 2025.
- ``wdi_unemployment`` (derived): SL.UEM.TOTL.ZS, WDI 2023 (ILO modelled, to 2022).
- ``wdi_agriculture_employment`` (derived): SL.AGR.EMPL.ZS, WDI c.2020-21 (ILO modelled, to 2019).
- ``wdi_2021`` (derived): WDI 2021-09-15 topic downloads — Gini, poverty headcounts at the old
  2011-PPP lines, urban and slum population, ILO unemployment by sex, youth participation,
  refugees by origin.
- ``imf_weo_2019`` (derived): IMF WEO April 2019, actual values only (its projections dropped).

The derived ids come from the tidy ``economy_long.csv`` (values copied from third-party mirrors;
no official machine-readable file of those vintages is published any more). Its rows for the four
series read above from their originals are skipped, so nothing is counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import (
    DISPLACEMENT,
    ECONOMY,
    POPULATION,
    POVERTY,
    REMITTANCES,
    IndicatorInfo,
    named,
)
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.owid import OWID_GRAPHER, read_owid_grapher
from rootcauses.sources.parsing import (
    numeric_block,
    open_workbook,
    read_csv,
    read_excel_sheet,
    require_columns,
    to_choice,
    to_float,
    to_int,
    to_iso3_series,
)

SOURCE_ID = "economy_wdi"
WB_API = "https://api.worldbank.org/v2/en/indicator/{code}?downloadformat=excel"

# --- World Bank API Excel downloads --------------------------------------------------------------

WB_HEADER = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
# Codes with a region in the metadata sheet that are not ISO 3166 countries (dropped).
WB_NOT_COUNTRIES = {"CHI": "Channel Islands"}


@dataclass(frozen=True)
class Series:
    """One published table read from its own file."""

    source_id: str
    indicator: str
    unit: str
    title: str
    code: str = ""  # World Bank indicator code (API downloads)
    value_column: str = ""  # regex of the OWID value column
    scale: float = 1.0
    notes: str = ""


WB_SERIES = (
    Series(
        source_id="wdi_gdp_growth",
        code="NY.GDP.MKTP.KD.ZG",
        indicator="gdp_growth",
        unit="% per year (real GDP)",
        title="GDP growth, annual % (World Bank WDI NY.GDP.MKTP.KD.ZG)",
    ),
    Series(
        source_id="wdi_gdp_pc_ppp_current",
        code="NY.GDP.PCAP.PP.CD",
        indicator="gdp_pc_ppp_current",
        unit="current international $ (PPP)",
        title="GDP per capita, PPP, current international $ (World Bank WDI NY.GDP.PCAP.PP.CD)",
    ),
)

OWID_SERIES = (
    Series(
        source_id="wdi_gdp_pc_ppp",
        value_column=r"^GDP per capita",
        indicator="gdp_pc_ppp_const",
        unit="international $ at constant prices (PPP; 2021 prices in WDI 2025)",
        title="GDP per capita, PPP, constant international $ (WDI NY.GDP.PCAP.PP.KD via OWID)",
        notes=(
            "WDI series as republished by Our World in Data (grapher gdp-per-capita-worldbank). "
            "Honduras 1990-1999 looks wrong in this vintage (rises from ~1,170 to ~4,580 while "
            "real growth was ~3 %/yr): use Honduras levels from 2000 on, or IMF WEO."
        ),
    ),
    Series(
        source_id="pip_gini",
        value_column=r"^Gini",
        indicator="gini",
        unit="Gini index (0-100)",
        scale=100.0,
        title="Gini index (World Bank Poverty and Inequality Platform via OWID)",
        notes=(
            "Published as a 0-1 coefficient; multiplied by 100 to the WDI SI.POV.GINI scale. "
            "Survey years only; income- or consumption-based depending on the country. OWID "
            "entities without a code (urban-only or rural-only surveys, e.g. 'Argentina (urban)') "
            "are dropped."
        ),
    ),
)

# --- the tidy long file (derived vintages) -------------------------------------------------------

LONG_COLUMNS = ("iso3", "year", "indicator_code", "value", "vintage")


@dataclass(frozen=True)
class LongCode:
    source_id: str
    indicator: str
    unit: str
    scale: float = 1.0


LONG_CODES = {
    "BX.TRF.PWKR.DT.GD.ZS": LongCode("wdi_remittances_pct_gdp", "remittances_pct_gdp", "% of GDP"),
    "SL.UEM.TOTL.ZS": LongCode("wdi_unemployment", "unemployment_rate", "% of labour force"),
    "SL.AGR.EMPL.ZS": LongCode(
        "wdi_agriculture_employment", "agriculture_employment_share", "% of total employment"
    ),
    "SI.POV.GINI": LongCode("wdi_2021", "gini", "Gini index (0-100)"),
    "SI.POV.DDAY": LongCode(
        "wdi_2021", "poverty_headcount_1_90", "% of population below $1.90 a day (2011 PPP)"
    ),
    "SI.POV.LMIC": LongCode(
        "wdi_2021", "poverty_headcount_3_20", "% of population below $3.20 a day (2011 PPP)"
    ),
    "SI.POV.UMIC": LongCode(
        "wdi_2021", "poverty_headcount_5_50", "% of population below $5.50 a day (2011 PPP)"
    ),
    "SI.POV.NAHC": LongCode(
        "wdi_2021", "poverty_headcount_national", "% of population below the national lines"
    ),
    "SP.URB.TOTL.IN.ZS": LongCode("wdi_2021", "urban_population_share", "% of total population"),
    "SP.URB.TOTL": LongCode("wdi_2021", "urban_population", "persons"),
    "EN.POP.SLUM.UR.ZS": LongCode("wdi_2021", "slum_population_share", "% of urban population"),
    "SL.UEM.TOTL.FE.ZS": LongCode(
        "wdi_2021", "unemployment_rate_female", "% of female labour force"
    ),
    "SL.UEM.TOTL.MA.ZS": LongCode("wdi_2021", "unemployment_rate_male", "% of male labour force"),
    "SL.TLF.ACTI.1524.ZS": LongCode(
        "wdi_2021", "labour_force_participation_15_24", "% of population aged 15-24"
    ),
    "SM.POP.REFG.OR": LongCode("wdi_2021", "refugees_by_origin", "persons"),
    "NGDP_RPCH": LongCode("imf_weo_2019", "gdp_growth", "% per year (real GDP)"),
    "NGDPD": LongCode("imf_weo_2019", "gdp_usd", "current US$", 1e9),
    "NGDPDPC": LongCode("imf_weo_2019", "gdp_pc_usd", "current US$"),
    "PPPPC": LongCode("imf_weo_2019", "gdp_pc_ppp_current", "current international $ (PPP)"),
    "LUR": LongCode("imf_weo_2019", "unemployment_rate", "% of labour force"),
    "LP": LongCode("imf_weo_2019", "population", "persons", 1e6),
}
# Rows of the long file that are copies of the originals read above.
LONG_FROM_ORIGINALS = (
    "NY.GDP.MKTP.KD.ZG",
    "NY.GDP.PCAP.PP.CD",
    "NY.GDP.PCAP.PP.KD",
    "SI.POV.GINI (PIP)",
)

LONG_PARTS = {
    "wdi_remittances_pct_gdp": (
        "Personal remittances received, % of GDP (WDI BX.TRF.PWKR.DT.GD.ZS, 2025 vintage)",
        "WDI 2025 (series to 2024), values copied verbatim from the open-numbers WDI mirror.",
    ),
    "wdi_unemployment": (
        "Unemployment, % of labour force, ILO modelled (WDI SL.UEM.TOTL.ZS, 2023 vintage)",
        "WDI 2023, ILO modelled estimates to 2022. Mexico only 2017-2022; USA not included.",
    ),
    "wdi_agriculture_employment": (
        "Employment in agriculture, % of employment, ILO modelled (WDI SL.AGR.EMPL.ZS)",
        "WDI c.2020-21, ILO modelled estimates to 2019; Costa Rica and USA not included.",
    ),
    "wdi_2021": (
        "WDI 2021-09-15 topic downloads (poverty, urban and social development)",
        "Poverty headcounts use the old 2011-PPP lines ($1.90/$3.20/$5.50), not comparable with "
        "the current 2017/2021-PPP lines. Gini here is the 2021 vintage (pip_gini is newer). "
        "Unemployment by sex and youth participation are ILO modelled estimates.",
    ),
    "imf_weo_2019": (
        "IMF World Economic Outlook, April 2019 (actual values)",
        "Values IMF marked as estimates/projections (after each country's latest actual year, "
        "2017/2018) are not loaded: they predate COVID. Unemployment uses national definitions "
        "(not ILO modelled); Guatemala has none. GDP converted from billions and population "
        "from millions.",
    ),
}

# Plausible ranges (any release) per indicator name.
RANGES = {
    "gdp_growth": (-70.0, 160.0),
    "gdp_pc_ppp_current": (100.0, 300_000.0),
    "gdp_pc_ppp_const": (100.0, 300_000.0),
    "gdp_pc_usd": (10.0, 300_000.0),
    "gini": (10.0, 80.0),
    "unemployment_rate": (0.0, 60.0),
    "remittances_pct_gdp": (0.0, 100.0),
}
PERCENT_SHARES = ("_share", "poverty_headcount", "unemployment_rate", "participation")


# --- helpers -------------------------------------------------------------------------------------


def _label(value: object) -> str:
    """Header cells as text: year cells read as 1960.0 become '1960'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def read_wb_api_excel(raw: RawFile, code: str) -> tuple[pd.DataFrame, str]:
    """A World Bank API Excel download (sheet ``Data``: countries × years) → (country, year,
    value) rows for the economies the ``Metadata - Countries`` sheet assigns a region (i.e. not
    aggregates), plus ``WLD``; and the file's 'Last Updated Date'."""
    name = raw.name
    book = open_workbook(raw.data, name)
    data = read_excel_sheet(book, name, "Data", header=None, dtype=object)
    first = data.iloc[:, 0].map(_label).str.strip()
    hits = (first == WB_HEADER[0]).to_numpy().nonzero()[0]
    if not len(hits):
        raise SchemaDriftError(f"{name}: sheet 'Data' has no header row starting {WB_HEADER[0]!r}")
    h = int(hits[0])
    updated = ""
    for i in range(h):
        if first.iloc[i] == "Last Updated Date":
            updated = _label(data.iat[i, 1])[:10]
    body = data.iloc[h + 1 :].copy()
    body.columns = [_label(v).strip() for v in data.iloc[h]]
    where = f"{name}, sheet 'Data'"
    require_columns(body, WB_HEADER, where)
    codes = set(body["Indicator Code"].dropna().astype(str).str.strip())
    if codes != {code}:
        raise SchemaDriftError(
            f"{where}: column 'Indicator Code' has {sorted(codes)}; expected {code!r}"
        )
    years = [c for c in body.columns if re.fullmatch(r"\d{4}", c)]
    if not years:
        raise SchemaDriftError(f"{where}: no year columns in the header row {h + 1}")

    meta = read_excel_sheet(book, name, "Metadata - Countries", dtype=object)
    require_columns(meta, ("Country Code", "Region"), f"{name}, sheet 'Metadata - Countries'")
    region = meta["Region"].map(_label).str.strip()
    economies = set(meta.loc[region != "", "Country Code"].astype(str).str.strip())
    economies = (economies - set(WB_NOT_COUNTRIES)) | {"WLD"}

    country = body["Country Code"].map(_label).str.strip()
    keep = country.isin(economies)
    iso3 = to_iso3_series(country.where(keep, "WLD"), name, "Country Code", header_rows=h + 1)
    mask = keep.to_numpy()
    block = numeric_block(body[years], where, h + 2).to_numpy()[mask]
    rows = pd.DataFrame(
        {
            "country": np.repeat(iso3.to_numpy()[mask], len(years)),
            "year": np.tile(np.array(years, dtype=int), int(mask.sum())),
            "value": block.ravel(),
        }
    )
    return rows[rows["value"].notna()].reset_index(drop=True), updated


def read_long(raw: RawFile) -> pd.DataFrame:
    """``economy_long.csv`` → (source_id, country, year, indicator, value, unit) rows for the
    vintages not read from an original file; IMF projections dropped."""
    name = raw.name
    df = read_csv(raw.data, name, expected=LONG_COLUMNS)
    allowed = {c: c for c in (*LONG_CODES, *LONG_FROM_ORIGINALS)}
    code = to_choice(df["indicator_code"], allowed, name, "indicator_code")
    rows = pd.DataFrame(
        {
            "code": code,
            "country": to_iso3_series(df["iso3"], name, "iso3"),
            "year": to_int(df["year"], name, "year"),
            "value": to_float(df["value"], name, "value"),
        }
    )
    projected = df["vintage"].str.contains("projection", case=False)
    rows = rows[rows["code"].isin(list(LONG_CODES)) & ~projected & rows["value"].notna()].copy()
    spec = rows["code"].map(LONG_CODES)
    rows["source_id"] = spec.map(lambda s: s.source_id)
    rows["indicator"] = spec.map(lambda s: s.indicator)
    rows["unit"] = spec.map(lambda s: s.unit)
    rows["value"] = rows["value"] * spec.map(lambda s: s.scale)
    return rows.drop(columns="code").reset_index(drop=True)


def _annual(rows: pd.DataFrame, source_id: str, **constants) -> pd.DataFrame:
    out = rows.assign(period=year_start(rows["year"]))
    return indicators_frame(out, source_id, frequency="annual", **constants)


# --- read / check --------------------------------------------------------------------------------


def read(files: Sequence[RawFile]) -> list[Part]:
    parts: list[Part] = []
    for series in WB_SERIES:
        raw = one(files, series.source_id)
        rows, updated = read_wb_api_excel(raw, series.code)
        frame = _annual(rows, series.source_id, indicator=series.indicator, unit=series.unit)
        note = f"World Bank WDI, file last updated {updated or 'unknown'}."
        parts.append(Part(series.source_id, "indicators", frame, series.title, (raw,), notes=note))
    for series in OWID_SERIES:
        raw = one(files, series.source_id)
        grapher = read_owid_grapher(raw, series.value_column)
        rows = grapher.rows.assign(value=grapher.rows["value"] * series.scale)
        frame = _annual(rows, series.source_id, indicator=series.indicator, unit=series.unit)
        note = f"{series.notes} Value column: {grapher.column!r}."
        parts.append(Part(series.source_id, "indicators", frame, series.title, (raw,), notes=note))
    long_file = one(files, "long")
    rows = read_long(long_file)
    for source_id, (title, note) in LONG_PARTS.items():
        subset = rows[rows["source_id"] == source_id]
        frame = _annual(subset.drop(columns="source_id"), source_id)
        parts.append(
            Part(source_id, "indicators", frame, title, (long_file,), status="derived", notes=note)
        )
    return parts


def _check_ranges(part: Part) -> None:
    frame = part.frame
    for indicator, values in frame.groupby("indicator")["value"]:
        low, high = RANGES.get(indicator, (0.0, 100.0) if _is_percent(indicator) else (0.0, np.inf))
        bad = (values < low) | (values > high)
        if bad.any():
            row = frame.loc[bad[bad].index[0]]
            raise CheckError(
                f"{part.source_id}: {indicator} = {float(row['value'])} for {row['country']} "
                f"{row['period']} is outside the plausible range [{low}, {high}]"
            )


def _is_percent(indicator: str) -> bool:
    return any(key in indicator for key in PERCENT_SHARES)


def check(parts: list[Part]) -> None:
    found = {p.source_id: p for p in parts}
    expected = [s.source_id for s in (*WB_SERIES, *OWID_SERIES)] + list(LONG_PARTS)
    missing = [s for s in expected if s not in found]
    if missing:
        raise CheckError(f"{SOURCE_ID}: parts {missing} were not read")
    for part in parts:
        _check_ranges(part)
        for indicator, countries in part.frame.groupby("indicator")["country"]:
            absent = sorted(set(NORTHERN_TRIANGLE) - set(countries))
            # Guatemala has no IMF unemployment series; every other series covers GT, HN, SV.
            if absent and (part.source_id, indicator) != ("imf_weo_2019", "unemployment_rate"):
                raise CheckError(f"{part.source_id}: no {indicator} values for {absent}")


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"gdp_growth",
        named("Economic growth", ECONOMY, "Real GDP growth over the previous year"),
    ),
    (
        r"gdp_pc_ppp_const",
        named(
            "Income per person (constant prices)",
            ECONOMY,
            "GDP per person at purchasing-power parity, constant international dollars",
        ),
    ),
    (
        r"gdp_pc_ppp_current",
        named(
            "Income per person (current prices)",
            ECONOMY,
            "GDP per person at purchasing-power parity, current international dollars",
        ),
    ),
    (
        r"gdp_pc_usd",
        named("GDP per person (US$)", ECONOMY, "GDP per person in current US dollars"),
    ),
    (r"gdp_usd", named("GDP (US$)", ECONOMY, "Gross domestic product in current US dollars")),
    (
        r"unemployment_rate",
        named("Unemployment rate", ECONOMY, "Unemployed people as a share of the labour force"),
    ),
    (
        r"unemployment_rate_(?P<sex>female|male)",
        named(
            "Unemployment rate, {sex}",
            ECONOMY,
            "Unemployed {sex} workers as a share of the {sex} labour force",
        ),
    ),
    (
        r"labour_force_participation_15_24",
        named(
            "Youth labour force participation",
            ECONOMY,
            "People aged 15-24 working or looking for work, share of the age group",
        ),
    ),
    (
        r"agriculture_employment_share",
        named("Jobs in agriculture (%)", ECONOMY, "Share of employment in agriculture"),
    ),
    (
        r"remittances_pct_gdp",
        named(
            "Remittances received (% of GDP)",
            REMITTANCES,
            "Personal remittances received as a share of GDP",
        ),
    ),
    (
        r"gini",
        named(
            "Income inequality (Gini)",
            POVERTY,
            "Gini index of income or consumption, 0 (equal) to 100",
        ),
    ),
    (
        r"poverty_headcount_national",
        named(
            "Poverty (national lines)",
            POVERTY,
            "Share of people below the country's own poverty lines",
        ),
    ),
    (
        r"poverty_headcount_(?P<a>\d)_(?P<b>\d\d)",
        named(
            "Poverty at ${a}.{b} a day",
            POVERTY,
            "Share of people living on less than ${a}.{b} a day (2011 prices, PPP)",
        ),
    ),
    (
        r"slum_population_share",
        named(
            "Urban population in slums (%)",
            POVERTY,
            "Share of the urban population living in slums",
        ),
    ),
    (
        r"refugees_by_origin",
        named(
            "Refugees from the country (World Bank)",
            DISPLACEMENT,
            "Refugees abroad by country of origin, as the World Bank republishes UNHCR's figures",
        ),
    ),
    (
        r"urban_population_share",
        named("Urban population (%)", POPULATION, "Share of people living in urban areas"),
    ),
    (
        r"urban_population",
        named("Urban population", POPULATION, "People living in urban areas"),
    ),
    (
        r"population",
        named(
            "Population", POPULATION, "People living in the country (UN World Population Prospects)"
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Economy and social indicators (World Bank WDI, PIP, IMF WEO; several vintages)",
    publisher="World Bank (WDI, PIP); IMF (WEO); redistributed by Our World in Data",
    folder="drivers/economy-wdi",
    homepage="https://databank.worldbank.org/source/world-development-indicators",
    licence="CC BY 4.0 (World Bank, OWID); IMF WEO: free with attribution",
    kind="driver",
    files=(
        *(
            FileSpec(
                pattern=f"original/API_{s.code}_DS2_*.xls*",
                url=WB_API.format(code=s.code),
                role=s.source_id,
                save_as=f"original/API_{s.code}_DS2_en_excel_v2.xls",
            )
            for s in WB_SERIES
        ),
        FileSpec(
            pattern="original/owid_gdp-per-capita-worldbank.csv",
            url=OWID_GRAPHER.format(chart="gdp-per-capita-worldbank"),
            role="wdi_gdp_pc_ppp",
            save_as="original/owid_gdp-per-capita-worldbank.csv",
        ),
        FileSpec(
            pattern="original/owid_economic-inequality-gini-index.csv",
            url=OWID_GRAPHER.format(chart="economic-inequality-gini-index"),
            role="pip_gini",
            save_as="original/owid_economic-inequality-gini-index.csv",
        ),
        FileSpec(
            pattern="economy_long.csv",
            url="https://databank.worldbank.org/source/world-development-indicators",
            role="long",
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Mixed vintages, one source id each: never combine two ids for one series without "
        "checking (e.g. gini: pip_gini vs wdi_2021; gdp_growth: wdi_gdp_growth vs imf_weo_2019; "
        "unemployment_rate: ILO modelled (wdi_unemployment) vs national definitions "
        "(imf_weo_2019)). Poverty lines in wdi_2021 are the old 2011-PPP lines. Honduras GDP per "
        "capita PPP 1990-1999 (wdi_gdp_pc_ppp) looks wrong. Not in the folder: SP.POP.TOTL (see "
        "population), remittances in US$ (see remittances), undernourishment (see "
        "food-insecurity), agriculture employment after 2019."
    ),
    publication={
        "wdi_gdp_growth": Publication(
            7,
            "year",
            "WDI's July update adds year Y's national accounts (GDP growth) in July of Y+1",
        ),
        "wdi_gdp_pc_ppp": Publication(
            7,
            "year",
            "WDI's July update adds year Y's GDP per capita (PPP) in July of Y+1",
        ),
        "wdi_gdp_pc_ppp_current": Publication(
            7,
            "year",
            "WDI's July update adds year Y's GDP per capita (PPP) in July of Y+1",
        ),
        "wdi_remittances_pct_gdp": Publication(
            7,
            "year",
            "WDI's July update adds year Y's balance-of-payments remittances in July of Y+1",
        ),
        "wdi_unemployment": Publication(
            7,
            "year",
            "WDI's July update adds year Y's ILO modelled unemployment in July of Y+1",
        ),
        "imf_weo_2019": Publication(
            4,
            "year",
            "the April World Economic Outlook gives first estimates for Y in April of Y+1",
        ),
    },
    indicators=INDICATORS,
)
