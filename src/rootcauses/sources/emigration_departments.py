"""Emigration by department of origin in Guatemala, Honduras and El Salvador.

One extra table, ``department_emigration`` (id ``emigration_departments``): ``code`` (ISO
3166-2, the key of ``subnational_departments`` and ``department_shapes``), ``country`` (ISO3),
``name``, ``indicator``, ``period`` as published (``2018``, ``2014-2015``, ``2014-2024``),
``year`` and ``year_end`` (its first and last year), ``value``, ``unit``, ``producer`` (the
official producer and instrument as the file names them), ``url`` and ``measure``:

* GT census 2018 and SV census 2024: households with emigrants, emigrants, emigrants per 1,000
  residents, households receiving remittances (census counts, unweighted);
* SV census 2024: emigrants by year of departure 2014-2024 and by stated cause;
* HN migration survey 2023 / EPHPM 2024: weighted survey estimates (large sampling error);
* GT SOSEP family-unit deportation events 2014-2018 (transcribed).

Emigration measured at origin is not a flow of departures: households that left entirely are
missing and older departures are under-represented; the census windows differ (GT since 2002,
SV the last 10 years), so levels compare within a country, not across.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import (
    EMIGRATION,
    ENFORCEMENT,
    REMITTANCES,
    IndicatorInfo,
    named,
)
from rootcauses.sources.checks import part_frame
from rootcauses.sources.parsing import first_true, read_csv, to_float

SOURCE_ID = "emigration_departments"
TABLE = "department_emigration"
COLUMNS = ("iso2", "iso_3166_2", "admin1_name", "period", "indicator", "value", "unit", "source")
ISO_3166_2 = r"(GT|HN|SV)-[0-9A-Z]{2}"
COUNTRY_OF = {"GT": "GTM", "HN": "HND", "SV": "SLV"}
PERIOD = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
KEYS = ["code", "indicator", "period"]


def _measure(producer: str, indicator: str) -> str:
    if "(transcribed)" in producer or "sosep" in indicator:
        return "transcribed"
    if "survey" in indicator or "estimate" in indicator or "weighted" in producer.lower():
        return "survey estimate"
    return "census count" if "per_1000" not in indicator else "derived"


def read_emigration(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=(*COLUMNS, "url"))
    codes = df["iso_3166_2"].str.strip()
    bad = ~codes.str.fullmatch(ISO_3166_2) | (codes.str[:2] != df["iso2"].str.strip())
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column 'iso_3166_2' is {df['iso_3166_2'].iloc[pos]!r} with "
            f"iso2 {df['iso2'].iloc[pos]!r}; expected an ISO 3166-2 code of that country "
            "(GT, HN or SV)"
        )
    periods = df["period"].str.strip()
    parsed = periods.str.extract(PERIOD)
    bad = parsed[0].isna()
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column 'period' is {df['period'].iloc[pos]!r}; expected a "
            "year (2018) or a range of years (2014-2024)"
        )
    year = parsed[0].astype(int)
    year_end = parsed[1].fillna(parsed[0]).astype(int)
    backwards = year_end < year
    if backwards.any():
        pos = first_true(backwards)
        raise ParseError(
            f"{name}: row {pos + 2}, column 'period' {periods.iloc[pos]!r} runs backwards"
        )
    producer = df["source"].str.strip()
    indicator = df["indicator"].str.strip()
    return pd.DataFrame(
        {
            "code": codes,
            "country": codes.str[:2].map(COUNTRY_OF),
            "name": df["admin1_name"].str.strip(),
            "indicator": indicator,
            "period": periods,
            "year": year,
            "year_end": year_end,
            "value": to_float(df["value"], name, "value", allow_missing=False),
            "unit": df["unit"].str.strip(),
            "measure": [_measure(p, i) for p, i in zip(producer, indicator, strict=True)],
            "producer": producer,
            "url": df["url"].str.strip(),
        }
    )


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    return [
        Part(
            SOURCE_ID,
            TABLE,
            read_emigration(raw),
            "Emigration by department of origin: GT census 2018, SV census 2024, HN survey 2023",
            (raw,),
            "derived",
            "Aggregated from the official microdata by a third-party project (University of "
            "Chicago Policy Lab students); HN values are weighted survey estimates with large "
            "sampling error; GT SOSEP deportation events transcribed. Levels compare within a "
            "country only (the census windows differ).",
        )
    ]


def check(parts: list[Part]) -> None:
    frame = part_frame(parts, SOURCE_ID, SOURCE_ID)
    dup = frame.duplicated(KEYS)
    if dup.any():
        row = frame[dup].iloc[0]
        raise CheckError(
            f"{SOURCE_ID}: two values for {row['code']} {row['indicator']} {row['period']}"
        )
    absent = sorted(set(NORTHERN_TRIANGLE) - set(frame["country"]))
    if absent:
        raise CheckError(f"{SOURCE_ID}: no departments for {absent}")
    negative = frame["value"] < 0
    if negative.any():
        row = frame[negative].iloc[0]
        raise CheckError(
            f"{SOURCE_ID}: {row['code']} {row['indicator']} {row['period']} is {row['value']}; "
            "expected counts, rates and shares ≥ 0"
        )
    shares = frame[frame["unit"].str.startswith("%")]
    if not shares["value"].le(100).all():
        row = shares[shares["value"] > 100].iloc[0]
        raise CheckError(
            f"{SOURCE_ID}: {row['code']} {row['indicator']} is {row['value']}%; expected ≤ 100"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"households_with_emigrants_pct",
        named(
            "Households with a member abroad (%)",
            EMIGRATION,
            "Share of households reporting a member who emigrated "
            "and has not returned (census or survey)",
        ),
    ),
    (
        r"households_with_emigrants",
        named(
            "Households with a member abroad",
            EMIGRATION,
            "Households reporting a member who emigrated and has not returned",
        ),
    ),
    (
        r"emigrants_per_1000_population",
        named(
            "Emigrants per 1,000 residents",
            EMIGRATION,
            "Emigrants reported by the households of the department per 1,000 residents",
        ),
    ),
    (
        r"emigrants_reported_by_households",
        named(
            "Emigrants reported by households",
            EMIGRATION,
            "Members who emigrated, as reported by the households left behind",
        ),
    ),
    (
        r"emigrants_by_year_of_departure(?P<p>_survey)?",
        named(
            "Emigrants by year of departure",
            EMIGRATION,
            "Emigrants still abroad, by the year they left",
        ),
    ),
    (
        r"emigrants_estimate_survey",
        named(
            "Emigrants (survey estimate)",
            EMIGRATION,
            "Weighted survey estimate of emigrants from the department's households",
        ),
    ),
    (
        r"emigrants_by_cause_(?P<c>[a-z_]+)",
        named(
            "Emigrants who left for {c}",
            EMIGRATION,
            "Emigrants by the main reason the household gave for leaving",
        ),
    ),
    (
        r"households_receiving_remittances_pct",
        named(
            "Households receiving remittances (%)",
            REMITTANCES,
            "Share of households receiving money or help from abroad",
        ),
    ),
    (
        r"households_receiving_remittances(?P<p>_estimate)?",
        named(
            "Households receiving remittances",
            REMITTANCES,
            "Households receiving money or help from abroad",
        ),
    ),
    (
        r"households_total(?P<p>_estimate)?",
        named("Households", EMIGRATION, "Households in the department"),
    ),
    (
        r"family_unit_deportation_events_attended_sosep",
        named(
            "Family deportations received (SOSEP)",
            ENFORCEMENT,
            "Deportation events of family units received by Guatemala's SOSEP, by department",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Emigration by department of origin, GT/HN/SV (censuses 2018/2024, HN survey 2023)",
    publisher=(
        "INE Guatemala (census 2018); BCR/ONEC El Salvador (census 2024); INE Honduras "
        "(Encuesta de Migración y Remesas 2023, EPHPM 2024); SOSEP Guatemala"
    ),
    folder="outcomes/emigration_by_department",
    homepage="https://censo2018.ine.gob.gt/descarga",
    licence="Official statistics (facts); aggregates of public microdata",
    kind="outcome",
    files=(
        FileSpec(
            pattern="emigration_by_department_long.csv",
            url="https://censo2018.ine.gob.gt/descarga",
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Emigration at origin, not departures: households that left entirely are missing and "
        "older departures are under-represented. GT counts emigrants since 2002, SV those of "
        "the last 10 years (2024 partial). No department-level returnee series was found."
    ),
    extra_tables=(TABLE,),
    indicators=INDICATORS,
)
