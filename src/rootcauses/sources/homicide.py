"""Intentional homicide rate per 100,000 population: UNODC via Our World in Data, all countries.

Primary (``homicide``): the OWID grapher CSV of chart ``homicide-rate-unodc`` exactly as OWID
publishes it, read by :mod:`rootcauses.sources.owid`. Rows with an ISO3 code are kept
(``OWID_WRL`` becomes ``WLD`` and ``OWID_KOS`` ``XKX``); OWID/UN region aggregates and entities
without a code (UN regions, England and Wales, Scotland, Iraq sub-regions …) are dropped.

Cross-check (``homicide_wdi``): the World Bank WDI indicator VC.IHR.PSRC.P5 (the same UNODC series
republished), frozen 2021-09-15 vintage for the 8 study countries, taken from the tidy
``homicide_rate_long.csv`` in the snapshot (no machine-readable copy of that vintage is published
any more). It is a separate indicator, ``homicide_rate_wdi``, never mixed with the primary.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, by_role, one
from rootcauses.sources.catalogue import VIOLENCE, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.owid import read_owid_grapher
from rootcauses.sources.parsing import read_csv, to_choice, to_float, to_int, to_iso3_series

SOURCE_ID = "homicide"
WDI_ID = "homicide_wdi"
INDICATOR = "homicide_rate"
WDI_INDICATOR = "homicide_rate_wdi"
UNIT = "per 100,000 population"

VALUE_PATTERN = r"^Homicide rate per 100,000 population$"  # the grapher's value column

LONG_COLUMNS = ("country", "iso3", "year", "homicide_rate_per_100k", "source")
# The tidy file stacks two vintages; each label says which one a row is.
LONG_SOURCES = {
    "UNODC via Our World in Data (grapher homicide-rate-unodc)": "owid",
    "World Bank WDI VC.IHR.PSRC.P5 (2021-09-15 vintage)": "wdi",
}

MAX_RATE = 300.0  # far above any national rate ever published (El Salvador 1995: ~138)


def _country_codes(codes: pd.Series, keep: pd.Series, name: str, column: str) -> pd.Series:
    """ISO3 codes of the rows in ``keep`` (the others become NA); errors name the file line."""
    return to_iso3_series(codes.where(keep, "WLD"), name, column).where(keep)


def parse_long(raw: RawFile) -> pd.DataFrame:
    """The tidy two-vintage file → its WDI rows (country, year, value)."""
    name = raw.name
    df = read_csv(raw.data, name, expected=LONG_COLUMNS)
    is_wdi = to_choice(df["source"], LONG_SOURCES, name, "source") == "wdi"
    if not is_wdi.any():
        raise CheckError(f"{name}: column 'source' has no World Bank WDI rows")
    out = pd.DataFrame(
        {
            "country": _country_codes(df["iso3"].str.strip(), is_wdi, name, "iso3"),
            "year": to_int(df["year"], name, "year"),
            "value": to_float(df["homicide_rate_per_100k"], name, "homicide_rate_per_100k"),
        }
    )
    return out[is_wdi]


def _frame(rows: pd.DataFrame, source_id: str, indicator: str) -> pd.DataFrame:
    rows = rows.assign(period=year_start(rows["year"]), indicator=indicator)
    return indicators_frame(rows, source_id, frequency="annual", unit=UNIT)


def read(files: Sequence[RawFile]) -> list[Part]:
    owid_file = one(files, "data")
    grapher = read_owid_grapher(owid_file, VALUE_PATTERN)
    parts = [
        Part(
            source_id=SOURCE_ID,
            table="indicators",
            frame=_frame(grapher.rows, SOURCE_ID, INDICATOR),
            title="Intentional homicide rate per 100,000 population (UNODC via OWID)",
            files=(owid_file,),
            notes=(
                f"{len(grapher.dropped)} entities without an ISO3 code dropped (regional "
                f"aggregates, sub-national units): {', '.join(grapher.dropped)}"
            ),
        )
    ]
    wdi_files = by_role(files, "wdi")
    if wdi_files:
        wdi_file = wdi_files[0]
        parts.append(
            Part(
                source_id=WDI_ID,
                table="indicators",
                frame=_frame(parse_long(wdi_file), WDI_ID, WDI_INDICATOR),
                title="Intentional homicides per 100,000 people (World Bank WDI, 2021-09-15)",
                files=(wdi_file,),
                status="derived",
                notes=(
                    "Frozen 2021-09-15 vintage of WDI VC.IHR.PSRC.P5 for 8 countries, for "
                    "cross-checking only; differs from the UNODC 2025 vintage by up to ~6.5 "
                    "(Guatemala 2017-2018, police vs forensic counts). Fills Guatemala 2015-2016."
                ),
            )
        )
    return parts


def check(parts: list[Part]) -> None:
    for part in parts:
        frame = part.frame
        where = f"{part.source_id} ({', '.join(f.name for f in part.files)})"
        bad = (frame["value"] < 0) | (frame["value"] > MAX_RATE)
        if bad.any():
            row = frame[bad].iloc[0]
            raise CheckError(
                f"{where}: column 'value' is {row['value']!r} for {row['country']} "
                f"{row['period']}; expected a rate between 0 and {MAX_RATE:g} per 100,000"
            )
        missing = sorted(set(NORTHERN_TRIANGLE) - set(frame["country"].unique()))
        if missing:
            raise CheckError(f"{where}: no homicide rates for {missing} (Northern Triangle)")


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"homicide_rate",
        named("Homicide rate", VIOLENCE, "Intentional homicides per 100,000 people (UNODC)"),
    ),
    (
        r"homicide_rate_wdi",
        named(
            "Homicide rate (World Bank)",
            VIOLENCE,
            "Intentional homicides per 100,000 people as the World Bank publishes them",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Intentional homicide rate (UNODC via Our World in Data; WDI cross-check)",
    publisher="UNODC (International Homicide Statistics), processed by Our World in Data",
    folder="drivers/homicide",
    homepage="https://ourworldindata.org/grapher/homicide-rate-unodc",
    licence="CC BY 4.0 (cite UNODC and Our World in Data); WDI: CC BY 4.0",
    kind="driver",
    files=(
        FileSpec(
            pattern="*homicide-rate-unodc*.csv",
            url="https://ourworldindata.org/grapher/homicide-rate-unodc.csv",
            save_as="owid_homicide-rate-unodc_all_countries.csv",
        ),
        FileSpec(
            pattern="homicide_rate_long.csv",
            url="https://data.worldbank.org/indicator/VC.IHR.PSRC.P5",
            role="wdi",
            required=False,
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "UNODC blends criminal-justice and public-health counts and revises back-years: do not "
        "mix vintages (homicide_rate vs homicide_rate_wdi). El Salvador from 2019 (and "
        "especially after the 2022 state of exception) excludes some deaths (presumed gang "
        "members killed in confrontations, remains in clandestine graves); comparability is "
        "disputed. Guatemala 2015-2016 and several Honduras/Nicaragua/US years are missing in "
        "the UNODC series. The most recent year uses UN WPP 2024 population."
    ),
    publication={
        "homicide": Publication(
            18,
            "year",
            (
                "UNODC collects year Y through the UN-CTS questionnaire during Y+1 and publishes it"
                " with a data-portal update late in Y+1 or in Y+2 (the 2025 vintage ends in 2024); "
                "the late end of that range, from June of Y+2"
            ),
        ),
        "homicide_wdi": Publication(
            18,
            "year",
            (
                "the World Bank republishes the UNODC series after UNODC (WDI VC.IHR.PSRC.P5): not "
                "earlier than UNODC, from June of Y+2"
            ),
        ),
    },
    indicators=INDICATORS,
)
