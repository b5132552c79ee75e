"""ENSO: NOAA CPC Oceanic Niño Index (ONI), ``oni.ascii.txt``.

The ONI is the 3-month running mean of the ERSST.v5 Niño-3.4 sea-surface temperature anomaly.
CPC labels each overlapping season (DJF, JFM, …, NDJ) with the year of its middle month, so a
season is stored at the first day of its centre month: DJF 1950 → 1950-01-01, NDJ 1950 →
1950-12-01. Two source ids:

- ``enso_oni`` (official): monthly ``oni`` and ``nino34_sst`` for country WLD.
- ``enso_oni_derived`` (derived here from the same file): annual summaries that reproduce the
  project's ``climate/enso_annual_from_oni.csv`` (that file is therefore not loaded) and a
  monthly episode flag (CPC rule: ±0.5 °C for at least five consecutive overlapping seasons).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import CLIMATE, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame
from rootcauses.sources.parsing import first_true, to_choice, to_float, to_int

SOURCE_ID = "enso_oni"
DERIVED_ID = "enso_oni_derived"
URL = "https://www.cpc.ncep.noaa.gov/data/indices/oni.ascii.txt"
HEADER = ["SEAS", "YR", "TOTAL", "ANOM"]
SEASONS = ("DJF", "JFM", "FMA", "MAM", "AMJ", "MJJ", "JJA", "JAS", "ASO", "SON", "OND", "NDJ")
CENTRE_MONTH = {season: str(i + 1) for i, season in enumerate(SEASONS)}
THRESHOLD = 0.5  # °C, CPC episode threshold
MIN_RUN = 5  # consecutive overlapping seasons
GROWING = ("MJJ", "JJA", "JAS", "ASO")  # Dry Corridor primera/canícula window
ANOMALY = "°C anomaly (Niño 3.4, 3-month running mean)"


def parse_oni(raw: RawFile) -> pd.DataFrame:
    """The whitespace-separated CPC file → ``season, year, month, total, anom`` (one per line)."""
    name = raw.name
    text = raw.data.decode("utf-8", errors="replace")
    lines = text.rstrip().splitlines()
    if not lines or not lines[0].strip():
        raise ParseError(f"{name}: the file is empty (expected the header {' '.join(HEADER)})")
    header = lines[0].split()
    if header != HEADER:
        raise SchemaDriftError(f"{name}: line 1 is {header}; expected the header {HEADER}")
    body = pd.Series(lines[1:], dtype=str)
    if body.empty:
        raise ParseError(f"{name}: no data lines after the header")
    cells = body.str.split()
    widths = cells.str.len()
    if (widths != len(HEADER)).any():
        pos = first_true(widths != len(HEADER))
        raise ParseError(
            f"{name}: line {pos + 2} has {widths.iloc[pos]} fields ({body.iloc[pos]!r}); "
            f"expected {len(HEADER)}: {' '.join(HEADER)} (truncated file?)"
        )
    table = pd.DataFrame(cells.tolist(), columns=HEADER)
    out = pd.DataFrame(
        {
            "season": table["SEAS"].str.upper(),
            "month": to_choice(table["SEAS"].str.upper(), CENTRE_MONTH, name, "SEAS").astype(int),
            "year": to_int(table["YR"], name, "YR").astype(int),
            "total": to_float(table["TOTAL"], name, "TOTAL", allow_missing=False),
            "anom": to_float(table["ANOM"], name, "ANOM", allow_missing=False),
        }
    )
    out["period"] = pd.to_datetime(
        pd.DataFrame({"year": out["year"], "month": out["month"], "day": 1})
    ).dt.date
    dup = out.duplicated("period", keep=False)
    if dup.any():
        pos = first_true(dup)
        raise ParseError(
            f"{name}: line {pos + 2}: season {out['season'].iloc[pos]} {out['year'].iloc[pos]} "
            "appears more than once"
        )
    return out.sort_values("period").reset_index(drop=True)


def episode_members(values: pd.Series, above: bool) -> pd.Series:
    """True where a season belongs to a run of ≥ MIN_RUN consecutive seasons past the
    threshold (≥ +0.5 for El Niño, ≤ −0.5 for La Niña)."""
    flag = (values >= THRESHOLD) if above else (values <= -THRESHOLD)
    run_id = (flag != flag.shift()).cumsum()
    run_len = flag.groupby(run_id).transform("size")
    return flag & (run_len >= MIN_RUN)


def annual_summaries(oni: pd.DataFrame) -> pd.DataFrame:
    """Year × summary (long form): 12-season stats for complete years, MJJ–ASO stats when all
    four growing-season seasons are present."""
    seasons = oni.assign(
        el_nino=episode_members(oni["anom"], above=True),
        la_nina=episode_members(oni["anom"], above=False),
    )
    by_year = seasons.groupby("year")
    stats = pd.DataFrame(
        {
            "oni_mean": by_year["anom"].mean(),
            "oni_max": by_year["anom"].max(),
            "oni_min": by_year["anom"].min(),
            "el_nino_seasons": by_year["el_nino"].sum().astype(float),
            "la_nina_seasons": by_year["la_nina"].sum().astype(float),
        }
    )
    stats = stats[by_year.size() == len(SEASONS)]
    growing = seasons[seasons["season"].isin(GROWING)].groupby("year")["anom"]
    mean_growing = growing.mean()[growing.size() == len(GROWING)]
    phase = np.sign(mean_growing.where(mean_growing.abs() >= THRESHOLD, 0.0))
    stats = stats.join(
        pd.DataFrame({"oni_mean_mjj_aso": mean_growing, "enso_phase_mjj_aso": phase}),
        how="outer",
    )
    return (
        stats.rename_axis("year")
        .reset_index()
        .melt(id_vars="year", var_name="indicator", value_name="value")
    )


ANNUAL_UNITS = {
    "oni_mean": f"{ANOMALY}; mean of the 12 seasons labelled with the year",
    "oni_max": ANOMALY,
    "oni_min": ANOMALY,
    "el_nino_seasons": "seasons (of 12) in an El Niño episode",
    "la_nina_seasons": "seasons (of 12) in a La Niña episode",
    "oni_mean_mjj_aso": f"{ANOMALY}; mean of MJJ, JJA, JAS, ASO",
    "enso_phase_mjj_aso": "1 El Niño (MJJ–ASO mean ≥ 0.5), 0 neutral, −1 La Niña (≤ −0.5)",
}


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    oni = parse_oni(raw)
    monthly = pd.concat(
        [
            oni.assign(indicator="oni", value=oni["anom"], unit=ANOMALY),
            oni.assign(indicator="nino34_sst", value=oni["total"], unit="°C (3-month mean)"),
        ]
    )
    official = indicators_frame(monthly, SOURCE_ID, country="WLD", frequency="monthly")

    episodes = episode_members(oni["anom"], True).astype(float) - episode_members(
        oni["anom"], False
    ).astype(float)
    flag = oni.assign(
        indicator="enso_episode",
        value=episodes,
        unit="1 El Niño episode, 0 neutral, −1 La Niña episode (CPC ±0.5 °C, ≥5 seasons)",
        frequency="monthly",
    )
    annual = annual_summaries(oni)
    annual = annual.assign(
        period=[dt.date(int(y), 1, 1) for y in annual["year"]],
        unit=annual["indicator"].map(ANNUAL_UNITS),
        frequency="annual",
    )
    derived = indicators_frame(pd.concat([annual, flag]), DERIVED_ID, country="WLD")
    return [
        Part(
            source_id=SOURCE_ID,
            table="indicators",
            frame=official,
            title="Oceanic Niño Index (ONI) and Niño-3.4 SST, monthly (season centre month)",
            files=(raw,),
            notes=(
                "period = first day of the centre month of each 3-month season (DJF → January). "
                "Values are one vintage: CPC revises history when the base period changes."
            ),
        ),
        Part(
            source_id=DERIVED_ID,
            table="indicators",
            frame=derived,
            title="ENSO annual summaries and episode flag, derived from the ONI",
            files=(raw,),
            status="derived",
            notes=(
                "Recomputed from oni.ascii.txt (reproduces climate/enso_annual_from_oni.csv). "
                "Annual 12-season statistics only for years with all 12 seasons; MJJ–ASO only "
                "when those four seasons are published. The episode flag of the latest four "
                "seasons is provisional (a run may still reach five seasons)."
            ),
        ),
    ]


def check(parts: list[Part]) -> None:
    for part in parts:
        frame = part.frame
        where = f"{part.source_id} ({part.files[0].name if part.files else 'ONI'})"
        if part.source_id == SOURCE_ID:
            oni = frame[frame["indicator"] == "oni"]
            sst = frame[frame["indicator"] == "nino34_sst"]
            _in_range(oni, -5.0, 5.0, where, "ANOM")
            _in_range(sst, 20.0, 32.0, where, "TOTAL")
            periods = pd.to_datetime(oni["period"]).sort_values()
            steps = (periods.dt.year * 12 + periods.dt.month).diff().dropna()
            if (steps != 1).any():
                gap = periods.iloc[first_true(steps != 1)]
                raise CheckError(f"{where}: seasons missing after {gap.date()} (gap in the series)")
        else:
            wide = frame[frame["frequency"] == "annual"].pivot(
                index="period", columns="indicator", values="value"
            )
            full = wide.dropna(subset=["oni_mean"])
            bad = (full["oni_mean"] < full["oni_min"] - 1e-9) | (
                full["oni_mean"] > full["oni_max"] + 1e-9
            )
            if bad.any():
                raise CheckError(
                    f"{where}: annual oni_mean outside [oni_min, oni_max] in {bad.idxmax()}"
                )
            seasons = full["el_nino_seasons"] + full["la_nina_seasons"]
            if (seasons > len(SEASONS)).any():
                raise CheckError(f"{where}: more than 12 episode seasons in a year")


def _in_range(frame: pd.DataFrame, low: float, high: float, where: str, column: str) -> None:
    bad = ~frame["value"].between(low, high)
    if bad.any():
        row = frame[bad].iloc[0]
        raise CheckError(
            f"{where}: column {column!r} is {row['value']} at {row['period']}; "
            f"expected {low} to {high}"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"oni",
        named(
            "El Niño index (ONI)",
            CLIMATE,
            "NOAA's Oceanic Niño Index: +0.5 °C or more is El Niño, -0.5 or less La Niña",
        ),
    ),
    (
        r"oni_(?P<s>mean|max|min)",
        named("El Niño index, yearly {s}", CLIMATE, "The Oceanic Niño Index over the year ({s})"),
    ),
    (
        r"oni_mean_mjj_aso",
        named(
            "El Niño index, May-October mean",
            CLIMATE,
            "The Oceanic Niño Index over the rainy season",
        ),
    ),
    (
        r"nino34_sst",
        named(
            "Niño 3.4 sea temperature", CLIMATE, "Sea surface temperature in the Niño 3.4 region"
        ),
    ),
    (
        r"el_nino_seasons",
        named(
            "El Niño seasons in the year",
            CLIMATE,
            "Three-month seasons of the year in El Niño conditions",
        ),
    ),
    (
        r"la_nina_seasons",
        named(
            "La Niña seasons in the year",
            CLIMATE,
            "Three-month seasons of the year in La Niña conditions",
        ),
    ),
    (
        r"enso_episode",
        named(
            "El Niño / La Niña episode",
            CLIMATE,
            "Whether an El Niño (+1) or La Niña (-1) episode was under way",
        ),
    ),
    (
        r"enso_phase_mjj_aso",
        named(
            "El Niño / La Niña in the rainy season",
            CLIMATE,
            "The phase over May-October (+1 El Niño, -1 La Niña)",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Oceanic Niño Index (ONI)",
    publisher="NOAA National Weather Service, Climate Prediction Center (CPC)",
    folder="drivers/enso-oni",
    homepage="https://origin.cpc.ncep.noaa.gov/products/analysis_monitoring/ensostuff/ONI_v5.php",
    licence="U.S. federal government work (public domain in the U.S.)",
    kind="driver",
    files=(FileSpec(pattern="oni.ascii.txt", url=URL),),
    read=read,
    check=check,
    notes=(
        "Global index (country WLD). Each 3-month season is stored at the first day of its "
        "centre month (DJF 1950 → January 1950). El Niño years are linked to Dry Corridor "
        "drought in GT/HN/SV/NI, but the ONI is only a proxy (2014 drought, neutral ONI). "
        "CPC revises history slightly when it updates the base period or ERSST version."
    ),
    publication={
        "enso_oni": Publication(
            2,
            "period",
            (
                "the ONI of the season centred on month m needs month m+1's sea-surface "
                "temperatures; CPC publishes it early in month m+2"
            ),
        ),
        "enso_oni_derived": Publication(
            2,
            "year",
            (
                "annual summaries of the ONI need January of Y+1: from February of Y+1 (early in "
                "the month after)"
            ),
        ),
    },
    indicators=INDICATORS,
)
