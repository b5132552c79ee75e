"""Firearms recovered in Mexico and Central America and traced by ATF (with GAO figures).

Hand-transcribed: ATF publishes its Mexico and Central America trace figures as web pages / PDFs
and no machine-readable table was found, so each figure was copied from report highlights or
secondary pages (URL per row in the file). One row per figure.

- ``firearms`` (indicators): figures for single countries. Multi-year figures (GAO aggregates,
  five-year shares) have ``period`` = 1 January of the first year, ``period_end`` = 31 December of
  the last and frequency ``multi-year``. Qualifiers of the source ("more than", "about", "over")
  are kept in ``unit`` because they change the meaning of the number.
- ``firearms_groups`` (extra table ``firearms_groups``): figures published only for groups of
  countries (e.g. GAO's Belize + El Salvador + Guatemala + Honduras 2015-2019), with the member
  ISO3 codes; the project's country codes have no entry for these groups, and splitting a group
  total over its members would invent numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import VIOLENCE, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame
from rootcauses.sources.parsing import (
    HEADER_ROWS,
    first_true,
    read_csv,
    to_choice,
    to_float,
    to_int,
    to_iso3_series,
)

SOURCE_ID = "firearms"
GROUPS_ID = "firearms_groups"
GROUPS_TABLE = "firearms_groups"
COLUMNS = (
    "country_or_group",
    "iso2",
    "period_start",
    "period_end",
    "measure",
    "value",
    "unit",
    "original_source",
)
# Ad-hoc group codes of the transcription → member countries (not countries themselves).
GROUPS = {
    "CA4": ("BLZ", "SLV", "GTM", "HND"),
    "CA5": ("BLZ", "SLV", "GTM", "HND", "PAN"),
    "CA6": ("GTM", "SLV", "HND", "PAN", "BLZ", "CRI"),
    "MX+NT": ("MEX", "GTM", "HND", "SLV"),
}
# The transcription's measure labels → stable indicator names (several labels are one concept).
MEASURES = {
    "firearms_recovered_and_submitted_for_tracing": "firearms_submitted_for_tracing",
    "trace_requests_examined": "firearms_submitted_for_tracing",
    "US_sourced_firearms_recovered_in_Mexico_in_ATF_data": "firearms_traced_us_sourced",
    "US_sourced_firearms_among_submitted": "firearms_traced_us_sourced",
    "share_of_recovered_and_traced_firearms_US_sourced": "firearms_traced_us_sourced_share",
    "share_of_seized_and_traced_firearms_US_origin": "firearms_traced_us_sourced_share",
    "share_US_sourced": "firearms_traced_us_sourced_share",
    "share_US_manufactured_or_sourced": "firearms_traced_us_sourced_share",
    "share_non_US_sourced": "firearms_traced_non_us_sourced_share",
    "share_traced_to_US_retail_purchase": "firearms_traced_us_retail_share",
    "firearms_traced_to_US_purchase_ATF_FOIA": "firearms_traced_us_retail",
    "estimated_firearms_smuggled_from_US_per_year": "firearms_smuggled_from_us_estimate",
}
UNITS = {  # base of the file's unit → canonical unit
    "firearms": "firearms",
    "firearms per year": "firearms per year",
    "percent": "% of traced firearms",
}
UNIT_TEXT = re.compile(r"^\s*(?P<base>[^(]*?)\s*(?:\((?P<qualifier>[^)]*)\))?\s*$")
GROUP_COLUMNS = [
    "group_code",
    "group_name",
    "members",
    "period",
    "period_end",
    "frequency",
    "indicator",
    "value",
    "unit",
]


def parse_units(values: pd.Series, name: str) -> pd.Series:
    """``firearms (more than)`` → ``firearms (more than)``; ``percent (about)`` →
    ``% of traced firearms (about)``; an unknown base unit is an error."""
    parts = values.astype(str).str.extract(UNIT_TEXT)
    base = to_choice(parts["base"].fillna(""), UNITS, name, "unit")
    qualifier = parts["qualifier"].fillna("").str.strip()
    return base.where(qualifier == "", base + " (" + qualifier + ")")


def parse_periods(df: pd.DataFrame, name: str) -> pd.DataFrame:
    start = to_int(df["period_start"], name, "period_start", allow_missing=True)
    end = to_int(df["period_end"], name, "period_end", allow_missing=True)
    half = start.isna() != end.isna()
    backwards = start.notna() & end.notna() & (end < start)
    problems = {
        "only one of period_start / period_end is given": half,
        "the end year is before the start year": backwards,
    }
    for what, mask in problems.items():
        if mask.any():
            pos = first_true(mask)
            raise ParseError(f"{name}: row {pos + 1 + HEADER_ROWS}, column 'period_end': {what}")
    multi = (end > start).fillna(False).astype(bool)
    first = start.map(lambda y: None if pd.isna(y) else dt.date(int(y), 1, 1))
    last = end.map(lambda y: None if pd.isna(y) else dt.date(int(y), 12, 31))
    return pd.DataFrame(
        {
            "period": first.astype(object),
            "period_end": last.astype(object).where(multi, None),
            "frequency": multi.map({True: "multi-year", False: "annual"}),
        },
        index=df.index,
    )


def parse(raw: RawFile) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The transcription → (country rows, group rows, rows without a period)."""
    name = raw.name
    df = read_csv(raw.data, name, expected=COLUMNS)
    code = df["iso2"].str.strip()
    is_group = code.isin(list(GROUPS))
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "code": code,
                    "name": df["country_or_group"].str.strip(),
                    "indicator": to_choice(df["measure"], MEASURES, name, "measure"),
                    "value": to_float(df["value"], name, "value"),
                    "unit": parse_units(df["unit"], name),
                }
            ),
            parse_periods(df, name),
        ],
        axis=1,
    )
    rows["country"] = to_iso3_series(code.where(~is_group, "WLD"), name, "iso2").where(~is_group)
    undated = rows["period"].isna()
    return rows[~is_group & ~undated], rows[is_group & ~undated], rows[undated]


def group_table(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.rename(columns={"code": "group_code", "name": "group_name"})
    out["members"] = out["group_code"].map(lambda g: ",".join(GROUPS[g]))
    out = out[out["value"].notna()]
    return out[GROUP_COLUMNS].reset_index(drop=True)


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    countries, groups, undated = parse(raw)
    dropped = "; ".join(
        f"{r.name} {r.indicator} = {r.value:g} {r.unit}" for r in undated.itertuples()
    )
    parts = [
        Part(
            source_id=SOURCE_ID,
            table="indicators",
            frame=indicators_frame(countries, SOURCE_ID),
            title="Firearms recovered and traced by ATF: Mexico and Central America (transcribed)",
            files=(raw,),
            status="transcribed",
            notes=(
                "Guatemala vs Honduras 2016 assignment is inferred (the article names Honduras "
                "for both figures; 2,182 assigned to Guatemala). Mexico 2013/2015/2016 counts are "
                "totals traced, not US-sourced. Figures without a period dropped: "
                f"{dropped or 'none'}. Figures given only in words (e.g. 'nearly half') dropped."
            ),
        ),
    ]
    # A later transcription may give no group figure at all: then there is no such table.
    table = group_table(groups)
    if not table.empty:
        parts.append(
            Part(
                source_id=GROUPS_ID,
                table=GROUPS_TABLE,
                frame=table,
                title="Firearms trace figures published only for groups of countries (transcribed)",
                files=(raw,),
                status="transcribed",
                notes=(
                    "Group codes of the transcription: "
                    + "; ".join(f"{g} = {'+'.join(m)}" for g, m in GROUPS.items())
                    + ". GAO's Central America report number (GAO-22-104680) is unconfirmed."
                ),
            )
        )
    return parts


def check(parts: list[Part]) -> None:
    by_id = {p.source_id: p for p in parts}
    frame = by_id[SOURCE_ID].frame
    missing = sorted(set(NORTHERN_TRIANGLE) - set(frame["country"].unique()))
    if missing:
        raise CheckError(f"{SOURCE_ID}: no firearms figures for {missing}")
    for part in parts:
        values = part.frame
        share = values["indicator"].str.endswith("_share")
        bad = (values["value"] < 0) | (share & (values["value"] > 100))
        if bad.any():
            row = values[bad].iloc[0]
            raise CheckError(
                f"{part.source_id}: {row['indicator']} is {row['value']:g} ({row['unit']}); "
                "expected a count ≥ 0 or a share in 0..100"
            )
    if GROUPS_ID in by_id:
        check_group_totals(by_id[GROUPS_ID].frame, frame)


def check_group_totals(groups: pd.DataFrame, countries: pd.DataFrame) -> None:
    """An exact group count must equal the sum of its members when all of them are given."""
    exact = groups[
        ~groups["unit"].str.contains(r"\(", regex=True)
        & ~groups["indicator"].str.endswith("_share")
    ]
    for row in exact.itertuples():
        members = row.members.split(",")
        same = countries[
            (countries["indicator"] == row.indicator)
            & (countries["period"] == row.period)
            & (
                countries["period_end"].isna()
                if row.period_end is None
                else countries["period_end"] == row.period_end
            )
            & countries["country"].isin(members)
        ]
        if set(same["country"]) != set(members):
            continue
        if same["value"].sum() != row.value:
            raise CheckError(
                f"{GROUPS_ID}: {row.group_code} {row.indicator} {row.period} is "
                f"{row.value:,.0f} but its members {members} add up to "
                f"{same['value'].sum():,.0f}"
            )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"firearms_submitted_for_tracing",
        named(
            "Firearms submitted for tracing",
            VIOLENCE,
            "Crime guns recovered in the country and submitted to the US ATF for tracing",
        ),
    ),
    (
        r"firearms_traced_us_sourced_share",
        named(
            "Traced firearms from the US (%)",
            VIOLENCE,
            "Share of traced firearms first sold or made in the United States",
        ),
    ),
    (
        r"firearms_traced_us_sourced",
        named(
            "Traced firearms from the US",
            VIOLENCE,
            "Traced firearms first sold or made in the United States",
        ),
    ),
    (
        r"firearms_traced_non_us_sourced_share",
        named(
            "Traced firearms from outside the US (%)",
            VIOLENCE,
            "Share of traced firearms with a non-US origin",
        ),
    ),
    (
        r"firearms_traced_us_retail_share",
        named(
            "Traced firearms sold at US retail (%)",
            VIOLENCE,
            "Share of traced firearms last sold by a US retailer",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Firearms trace data, Mexico and Central America (ATF, GAO; transcribed)",
    publisher="US Bureau of Alcohol, Tobacco, Firearms and Explosives (ATF); US GAO",
    folder="drivers/firearms",
    homepage="https://www.atf.gov/resource-center/data-statistics",
    licence="US federal government works (public domain in the US)",
    kind="driver",
    files=(
        FileSpec(
            pattern="firearms_*transcribed.csv",
            url="https://www.atf.gov/resource-center/data-statistics",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Transcribed from report highlights and secondary pages (URL per row). Trace data are "
        "not a random sample of crime guns: submissions depend on each government (only "
        "Mexico's federal Attorney General submits) and vary strongly by year. 'US-sourced' "
        "includes guns legally exported to the region and diverted there. No annual series "
        "2017-2024; no Nicaragua or Costa Rica country figures. GAO-21-322: "
        "https://www.gao.gov/products/gao-21-322"
    ),
    extra_tables=(GROUPS_TABLE,),
    indicators=INDICATORS,
)
