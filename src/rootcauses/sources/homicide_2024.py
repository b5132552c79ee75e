"""Homicide rates and counts for 2023-2024 (InSight Crime round-ups; INEGI for Mexico 2024).

Hand-transcribed from press reports of InSight Crime's annual *Homicide Round-Up* (no
machine-readable table is published), one row per country-year with the URL where each figure
was seen. These are national official counts over InSight Crime's own population denominators,
so they are kept apart from the UNODC series (``homicide_rate``): the indicator names carry the
publisher of each figure, ``homicide_rate_insightcrime`` / ``homicide_rate_inegi`` and the
matching counts ``homicides_insightcrime`` / ``homicides_inegi``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import VIOLENCE, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.parsing import (
    HEADER_ROWS,
    first_true,
    read_csv,
    to_float,
    to_int,
    to_iso3_series,
)

SOURCE_ID = "homicide_2024"
COLUMNS = (
    "iso2",
    "country",
    "year",
    "homicide_rate_per_100k",
    "homicides_count",
    "population_used",
    "source",
    "url",
)
# Who published each figure, from the start of the `source` column.
PUBLISHERS = {"InSight Crime": "insightcrime", "INEGI": "inegi"}
RATE_UNIT = "per 100,000 population"
COUNT_UNIT = "homicide victims"
RATE_TOLERANCE = 0.1  # a quoted rate vs count / population, both rounded in the press
MAX_RATE = 300.0


def publisher(values: pd.Series, name: str) -> pd.Series:
    """``InSight Crime 2024 Homicide Round-Up`` → ``insightcrime`` (prefix match, else error)."""
    text = values.astype(str).str.strip()
    out = pd.Series(pd.NA, index=values.index, dtype=object)
    for prefix, key in PUBLISHERS.items():
        out = out.mask(out.isna() & text.str.startswith(prefix), key)
    if out.isna().any():
        pos = first_true(out.isna())
        raise ParseError(
            f"{name}: row {pos + 1 + HEADER_ROWS}, column 'source' is {values.iloc[pos]!r}; "
            f"expected it to start with one of {sorted(PUBLISHERS)}"
        )
    return out


def parse(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=COLUMNS)
    rows = pd.DataFrame(
        {
            "country": to_iso3_series(df["iso2"], name, "iso2"),
            "year": to_int(df["year"], name, "year"),
            "rate": to_float(df["homicide_rate_per_100k"], name, "homicide_rate_per_100k"),
            "count": to_int(df["homicides_count"], name, "homicides_count", allow_missing=True),
            "population": to_float(df["population_used"], name, "population_used"),
            "publisher": publisher(df["source"], name),
        }
    )
    check_rate_against_count(rows, name)
    return rows


def check_rate_against_count(rows: pd.DataFrame, name: str) -> None:
    """Where a row gives count and population, the quoted rate must be count / population."""
    both = rows["count"].notna() & rows["population"].notna() & rows["rate"].notna()
    implied = rows["count"].astype("float64") / rows["population"] * 100_000
    off = both & ((implied - rows["rate"]).abs() > RATE_TOLERANCE)
    if off.any():
        pos = first_true(off)
        raise CheckError(
            f"{name}: row {pos + 1 + HEADER_ROWS}, column 'homicide_rate_per_100k' is "
            f"{rows['rate'].iloc[pos]}, but homicides_count / population_used gives "
            f"{implied.iloc[pos]:.2f} per 100,000"
        )


def to_indicators(rows: pd.DataFrame) -> pd.DataFrame:
    period = year_start(rows["year"])
    rate = pd.DataFrame(
        {
            "country": rows["country"],
            "period": period,
            "indicator": "homicide_rate_" + rows["publisher"],
            "value": rows["rate"],
            "unit": RATE_UNIT,
        }
    )
    count = rate.assign(
        indicator="homicides_" + rows["publisher"],
        value=rows["count"].astype("float64"),
        unit=COUNT_UNIT,
    )
    return indicators_frame(
        pd.concat([rate, count], ignore_index=True), SOURCE_ID, frequency="annual"
    )


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    return [
        Part(
            source_id=SOURCE_ID,
            table="indicators",
            frame=to_indicators(parse(raw)),
            title="Homicide rates and counts 2023-2024 (InSight Crime round-ups, transcribed)",
            files=(raw,),
            status="transcribed",
            notes=(
                "Transcribed from press reports (URL per row in the file). Mexico 2024 is INEGI's "
                "preliminary death-certificate figure (homicide_rate_inegi), not InSight "
                "Crime's. Honduras 2024: 25.3 kept (2,503 homicides / ~9.89 M), one page quotes "
                "26.5. El Salvador's official counts exclude deaths of alleged gang members in "
                "confrontations and unidentified remains in clandestine graves."
            ),
        )
    ]


def check(parts: list[Part]) -> None:
    for part in parts:
        frame = part.frame
        where = f"{part.source_id} ({', '.join(f.name for f in part.files)})"
        is_rate = frame["indicator"].str.startswith("homicide_rate_")
        bad = (frame["value"] < 0) | (is_rate & (frame["value"] > MAX_RATE))
        if bad.any():
            row = frame[bad].iloc[0]
            raise CheckError(
                f"{where}: column 'value' is {row['value']!r} for {row['indicator']} "
                f"{row['country']} {row['period']}; expected a rate in 0-{MAX_RATE:g} or a "
                "count ≥ 0"
            )
        if not set(NORTHERN_TRIANGLE) & set(frame.loc[is_rate, "country"]):
            raise CheckError(f"{where}: no homicide rate for any of {list(NORTHERN_TRIANGLE)}")


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"homicide_rate_insightcrime",
        named(
            "Homicide rate (InSight Crime)",
            VIOLENCE,
            "Homicides per 100,000 people from InSight Crime's yearly "
            "round-up (police and forensic figures)",
        ),
    ),
    (
        r"homicides_insightcrime",
        named(
            "Homicides (InSight Crime)",
            VIOLENCE,
            "Homicide victims in the year, InSight Crime's round-up",
        ),
    ),
    (
        r"homicide_rate_inegi",
        named(
            "Homicide rate, Mexico (INEGI)",
            VIOLENCE,
            "Homicides per 100,000 people from Mexico's death registrations",
        ),
    ),
    (
        r"homicides_inegi",
        named("Homicides, Mexico (INEGI)", VIOLENCE, "Homicide victims registered in Mexico"),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Homicide rates 2023-2024 (InSight Crime Homicide Round-Up; INEGI Mexico 2024)",
    publisher="InSight Crime (compiled from national police / forensic / government data)",
    folder="drivers/homicide-2024",
    homepage="https://insightcrime.org/",
    licence="Figures (facts) quoted with attribution to InSight Crime / INEGI",
    kind="driver",
    files=(
        FileSpec(
            pattern="homicide_*insightcrime*.csv",
            url="https://insightcrime.org/",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Hand-transcribed secondary figures; not comparable one-to-one with the UNODC series "
        "(homicide_rate): national counts and InSight Crime's own population denominators. "
        "Nicaragua, Panama and the US are not covered. El Salvador's 1.9 (2024) is contested."
    ),
    indicators=INDICATORS,
)
