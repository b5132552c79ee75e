"""Country precipitation (CRU TS via World Bank CCKP), rainfall anomalies, and ERA5 cross-checks.

Four source ids:

- ``cru_precip`` (monthly ``precip``, mm): CRU TS 4.09 country-area means from the World Bank
  Climate Change Knowledge Portal (CCKP). Read from the CCKP API JSON
  (``{"data": {ISO3: {"YYYY-MM": mm}}}``, one file per country) when present, otherwise from the
  snapshot's CSV of the same numbers (rounded to 0.1 mm by the site it was taken from).
- ``cru_precip_derived``: recomputed here from the monthly series, vs the 1991–2020 normal —
  monthly ``precip_pct_of_normal`` and ``precip_z`` (standardised anomaly of that calendar
  month), and annual/seasonal totals (annual, May–Oct, May–Aug *primera*, Jul–Aug *canícula*,
  Sep–Nov *postrera*) with their ``_z`` and ``_pct_of_normal``. This reproduces the derived
  columns of the monthly CSV and ``precip_seasonal_annual_by_country_cru_ts409_*.csv`` (not
  loaded). These are simple standardised anomalies, not SPI/SPEI.
- ``era5_precip`` (annual ``precip_annual_era5``) and ``era5_temperature`` (monthly
  ``temp_era5`` and ``temp_anomaly_era5`` vs 1991–2020): ERA5 reanalysis country aggregates
  published by Our World in Data — an independent cross-check, not the primary series.

Not loaded: the older CCKP vintage (CRU TS 4.0x, 1991–2016) precipitation/temperature files,
superseded by CRU TS 4.09 and kept in the folder only as a cross-check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError, SchemaDriftError, SourceError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, by_role
from rootcauses.sources.catalogue import CLIMATE, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame
from rootcauses.sources.parsing import first_true, read_csv, to_float, to_int, to_iso3_series

CRU_ID = "cru_precip"
DERIVED_ID = "cru_precip_derived"
ERA5_PRECIP_ID = "era5_precip"
ERA5_TEMP_ID = "era5_temperature"

COUNTRIES = ("GTM", "HND", "SLV", "MEX", "NIC", "CRI", "PAN", "USA")
CCKP_COLLECTION = (
    "cru-x0.5_timeseries_pr_timeseries_monthly_1901-2024_mean_historical_cru_ts4.09_mean"
)
CCKP_API = f"https://cckpapi.worldbank.org/cckp/v1/{CCKP_COLLECTION}"
CCKP_HOME = "https://climateknowledgeportal.worldbank.org/"
OWID_PRECIP = "https://api.ourworldindata.org/v1/indicators/1005182.data.json"
OWID_TEMP = "https://api.ourworldindata.org/v1/indicators/1005195.data.json"

BASELINE = (1991, 2020)
SEASONS = {  # indicator stem → calendar months
    "precip_annual": tuple(range(1, 13)),
    "precip_may_oct": (5, 6, 7, 8, 9, 10),
    "precip_may_aug_primera": (5, 6, 7, 8),
    "precip_jul_aug_canicula": (7, 8),
    "precip_sep_nov_postrera": (9, 10, 11),
}
SEASON_NAMES = {
    "precip_annual": "calendar year",
    "precip_may_oct": "May-Oct rainy season",
    "precip_may_aug_primera": "May-Aug (primera)",
    "precip_jul_aug_canicula": "Jul-Aug (canícula)",
    "precip_sep_nov_postrera": "Sep-Nov (postrera)",
}
NORMAL = f"{BASELINE[0]}-{BASELINE[1]}"

CRU_CSV_COLUMNS = ["iso3", "year", "month", "precip_mm"]
ERA5_PRECIP_COLUMNS = ["iso3", "year", "precip_annual_mm_era5"]
ERA5_TEMP_COLUMNS = ["iso3", "year", "month", "temp_c_era5"]


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_cckp_json(raw: RawFile) -> pd.DataFrame:
    """CCKP API answer ``{"data": {ISO3: {"YYYY-MM": mm, …}}}`` → ``country, year, month,
    value``."""
    name = raw.name
    if not raw.data.strip():
        raise ParseError(f"{name}: the file is empty (expected CCKP API JSON)")
    try:
        doc = json.loads(raw.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{name}: not readable JSON: {exc}") from exc
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or not data:
        found = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise SchemaDriftError(
            f"{name}: expected {{'data': {{ISO3: {{'YYYY-MM': mm}}}}}}; found keys {found}"
        )
    frames = []
    for code, series in data.items():
        if not isinstance(series, dict):
            raise SchemaDriftError(f"{name}: data[{code!r}] is not a mapping of 'YYYY-MM' → mm")
        keys = pd.Series(list(series), dtype=str)
        parts = keys.str.extract(r"^(\d{4})-(\d{2})")
        if parts.isna().any().any():
            bad = keys[parts[0].isna()].iloc[0]
            raise ParseError(f"{name}: data[{code!r}] has key {bad!r}; expected 'YYYY-MM'")
        values = pd.Series(list(series.values()), dtype=object).astype(str)
        number = to_float(values.where(values != "None", ""), name, f"data[{code!r}]")
        frames.append(
            pd.DataFrame(
                {
                    "country": to_iso3_series(pd.Series([code] * len(keys)), name, "data"),
                    "year": parts[0].astype(int),
                    "month": parts[1].astype(int),
                    "value": number,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def parse_country_csv(raw: RawFile, columns: list[str], value: str) -> pd.DataFrame:
    """One of the snapshot's country CSVs → ``country, year[, month], value``."""
    name = raw.name
    df = read_csv(raw.data, name, expected=columns)
    out = pd.DataFrame(
        {
            "country": to_iso3_series(df["iso3"], name, "iso3"),
            "year": to_int(df["year"], name, "year").astype(int),
        }
    )
    if "month" in columns:
        out["month"] = to_int(df["month"], name, "month").astype(int)
        bad = ~out["month"].between(1, 12)
        if bad.any():
            pos = first_true(bad)
            raise ParseError(
                f"{name}: row {pos + 2}, column 'month' is {df['month'].iloc[pos]!r}; expected 1-12"
            )
    out["value"] = to_float(df[value], name, value)
    key = ["country", "year", "month"] if "month" in columns else ["country", "year"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        pos = first_true(dup)
        raise CheckError(f"{name}: row {pos + 2} repeats {out.loc[pos, key].tolist()}")
    return out


# ---------------------------------------------------------------------------------------------
# Derived series


def _month_start(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(
        pd.DataFrame({"year": frame["year"], "month": frame.get("month", 1), "day": 1})
    ).dt.date


def _baseline_stats(values: pd.DataFrame, by: list[str], what: str) -> pd.DataFrame:
    """Mean and SD (ddof=1) over the baseline years, requiring every baseline year."""
    base = values[values["year"].between(*BASELINE)]
    stats = base.groupby(by)["value"].agg(["mean", "std", "size"])
    expected_years = BASELINE[1] - BASELINE[0] + 1
    short = stats[stats["size"] < expected_years]
    if not stats.empty and not short.empty:
        key = short.index[0]
        raise CheckError(
            f"{what}: {key} has {short['size'].iloc[0]} of {expected_years} baseline years "
            f"{NORMAL}; anomalies cannot be computed"
        )
    missing = set(values["country"]) - set(stats.index.get_level_values(0))
    if missing:
        raise CheckError(f"{what}: no {NORMAL} baseline for {sorted(missing)}")
    return stats


def monthly_anomalies(precip: pd.DataFrame) -> pd.DataFrame:
    """``precip_pct_of_normal`` and ``precip_z`` per country-month (long form)."""
    stats = _baseline_stats(precip, ["country", "month"], CRU_ID)
    joined = precip.join(stats, on=["country", "month"])
    mean = joined["mean"].where(joined["mean"] > 0)  # a month with no rain has no % of normal
    sd = joined["std"].where(joined["std"] > 0)
    pct = joined.assign(
        indicator="precip_pct_of_normal",
        value=100.0 * joined["value"] / mean,
        unit=f"% of the {NORMAL} mean of the calendar month",
    )
    z = joined.assign(
        indicator="precip_z",
        value=(joined["value"] - joined["mean"]) / sd,
        unit=f"standard deviations from the {NORMAL} mean of the calendar month",
    )
    return pd.concat([pct, z], ignore_index=True)[
        ["country", "year", "month", "indicator", "value", "unit"]
    ]


def seasonal_totals(precip: pd.DataFrame) -> pd.DataFrame:
    """Annual and seasonal totals (complete seasons only) with z-scores and % of normal."""
    pieces = []
    for stem, months in SEASONS.items():
        rows = precip[precip["month"].isin(months)]
        grouped = rows.groupby(["country", "year"])["value"]
        totals = grouped.sum()[grouped.size() == len(months)].rename("value").reset_index()
        stats = _baseline_stats(totals, ["country"], f"{CRU_ID} {stem}")
        joined = totals.join(stats, on="country")
        mean = joined["mean"].where(joined["mean"] > 0)
        sd = joined["std"].where(joined["std"] > 0)
        label = SEASON_NAMES[stem]
        pieces += [
            joined.assign(indicator=stem, unit=f"mm, {label} total"),
            joined.assign(
                indicator=f"{stem}_z",
                value=(joined["value"] - joined["mean"]) / sd,
                unit=f"standard deviations from the {NORMAL} mean ({label})",
            ),
            joined.assign(
                indicator=f"{stem}_pct_of_normal",
                value=100.0 * joined["value"] / mean,
                unit=f"% of the {NORMAL} mean ({label})",
            ),
        ]
    return pd.concat(pieces, ignore_index=True)[["country", "year", "indicator", "value", "unit"]]


# ---------------------------------------------------------------------------------------------
# Entry points


def _cru_monthly(files: Sequence[RawFile]) -> tuple[pd.DataFrame, list[RawFile], str]:
    """Monthly CRU precipitation: CCKP JSON per country where present, else the CSV."""
    used: list[RawFile] = []
    frames = []
    from_json: set[str] = set()
    for raw in sorted(by_role(files, "cckp_json"), key=lambda f: f.name):
        frame = parse_cckp_json(raw)
        frames.append(frame)
        from_json |= set(frame["country"])
        used.append(raw)
    csvs = by_role(files, "cru_csv")
    if csvs:
        csv = parse_country_csv(csvs[-1], CRU_CSV_COLUMNS, "precip_mm")
        rest = csv[~csv["country"].isin(from_json)]
        if not rest.empty:
            frames.append(rest)
            used.append(csvs[-1])
    if not frames:
        raise SourceError(
            f"{CRU_ID}: no CRU precipitation file (CCKP API JSON from {CCKP_API}/<ISO3> or the "
            "snapshot CSV)"
        )
    precip = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    dup = precip.duplicated(["country", "year", "month"])
    if dup.any():
        row = precip[dup].iloc[0]
        raise CheckError(
            f"{CRU_ID}: {row['country']} {row['year']}-{row['month']:02d} is in two files"
        )
    if not from_json:
        origin = "snapshot CSV"
    elif set(precip["country"]) <= from_json:
        origin = "CCKP API JSON"
    else:
        origin = f"CCKP API JSON for {sorted(from_json)}, snapshot CSV for the rest"
    return precip.sort_values(["country", "year", "month"]).reset_index(drop=True), used, origin


def read(files: Sequence[RawFile]) -> list[Part]:
    precip, cru_files, origin = _cru_monthly(files)
    official = origin == "CCKP API JSON"
    monthly = precip.assign(period=_month_start(precip), indicator="precip", unit="mm/month")
    parts = [
        Part(
            source_id=CRU_ID,
            table="indicators",
            frame=indicators_frame(monthly, CRU_ID, frequency="monthly"),
            title="Monthly precipitation by country, CRU TS (World Bank CCKP)",
            files=tuple(cru_files),
            status="official" if official else "derived",
            notes=(
                f"Read from: {origin}. Country-area means: national averages dilute the Dry "
                "Corridor signal. CRU TS relaxes to climatology where stations are missing "
                "(early decades, some recent months): prefer 1950+ (better 1980+)."
            ),
        )
    ]
    anomalies = monthly_anomalies(precip)
    anomalies = anomalies.assign(period=_month_start(anomalies), frequency="monthly")
    seasonal = seasonal_totals(precip)
    seasonal = seasonal.assign(period=_month_start(seasonal), frequency="annual")
    parts.append(
        Part(
            source_id=DERIVED_ID,
            table="indicators",
            frame=indicators_frame(pd.concat([anomalies, seasonal]), DERIVED_ID),
            title="Rainfall anomalies and seasonal totals vs 1991-2020 (from CRU TS)",
            files=tuple(cru_files),
            status="derived",
            notes=(
                f"Standardised anomalies (SD with ddof=1) and % of the {NORMAL} normal; not "
                "SPI/SPEI. Seasonal totals only for complete seasons (a season in progress is "
                "left out). Primera May-Aug, canícula Jul-Aug, postrera Sep-Nov."
            ),
        )
    )
    era5_precip = by_role(files, "era5_precip")
    if era5_precip:
        raw = era5_precip[-1]
        rows = parse_country_csv(raw, ERA5_PRECIP_COLUMNS, "precip_annual_mm_era5")
        rows = rows.assign(period=_month_start(rows), indicator="precip_annual_era5", unit="mm")
        parts.append(
            Part(
                source_id=ERA5_PRECIP_ID,
                table="indicators",
                frame=indicators_frame(rows, ERA5_PRECIP_ID, frequency="annual"),
                title="Annual precipitation by country, ERA5 reanalysis (via Our World in Data)",
                files=(raw,),
                status="derived",
                notes=(
                    "Cross-check only: ERA5 is a model product; its annual totals correlate "
                    "with CRU at 0.88 for GT but only 0.48-0.65 for HN, SV, NI, CR, PA "
                    "(1991-2024). Values rounded to 0.1 mm by the site they were taken from."
                ),
            )
        )
    era5_temp = by_role(files, "era5_temp")
    if era5_temp:
        raw = era5_temp[-1]
        temp = parse_country_csv(raw, ERA5_TEMP_COLUMNS, "temp_c_era5").dropna(subset=["value"])
        stats = _baseline_stats(temp, ["country", "month"], ERA5_TEMP_ID)
        joined = temp.join(stats, on=["country", "month"])
        rows = pd.concat(
            [
                temp.assign(indicator="temp_era5", unit="°C, monthly mean surface air temperature"),
                joined.assign(
                    indicator="temp_anomaly_era5",
                    value=joined["value"] - joined["mean"],
                    unit=f"°C vs the {NORMAL} mean of the calendar month",
                ),
            ],
            ignore_index=True,
        )
        rows = rows.assign(period=_month_start(rows))
        parts.append(
            Part(
                source_id=ERA5_TEMP_ID,
                table="indicators",
                frame=indicators_frame(rows, ERA5_TEMP_ID, frequency="monthly"),
                title="Monthly surface air temperature by country, ERA5 (via Our World in Data)",
                files=(raw,),
                status="derived",
                notes=f"Anomaly recomputed here vs the {NORMAL} mean of each calendar month.",
            )
        )
    return parts


RANGES = {  # indicator → plausible (low, high)
    "precip": (0.0, 2000.0),
    "precip_annual": (0.0, 10000.0),
    "precip_annual_era5": (0.0, 10000.0),
    "temp_era5": (-40.0, 45.0),
}


def check(parts: list[Part]) -> None:
    for part in parts:
        frame = part.frame
        where = f"{part.source_id} ({', '.join(f.name for f in part.files)})"
        for indicator, (low, high) in RANGES.items():
            values = frame.loc[frame["indicator"] == indicator]
            bad = ~values["value"].between(low, high)
            if bad.any():
                row = values[bad].iloc[0]
                raise CheckError(
                    f"{where}: {indicator} is {row['value']} for {row['country']} "
                    f"{row['period']}; expected {low} to {high}"
                )
        if part.source_id in (CRU_ID, ERA5_TEMP_ID, ERA5_PRECIP_ID):
            missing = set(NORTHERN_TRIANGLE) - set(frame["country"])
            if missing:
                raise CheckError(f"{where}: no rows for {sorted(missing)}")
        if part.source_id == CRU_ID:
            periods = pd.to_datetime(frame["period"])
            index = periods.dt.year * 12 + periods.dt.month
            steps = index.groupby(frame["country"]).agg(lambda s: np.unique(np.diff(s)).tolist())
            gaps = steps[steps.map(lambda s: s not in ([1], []))]
            if not gaps.empty:
                raise CheckError(f"{where}: months missing in the series of {gaps.index[0]}")
        if part.source_id == DERIVED_ID:
            annual = frame[frame["indicator"] == "precip_annual"].set_index(["country", "period"])
            may_oct = frame[frame["indicator"] == "precip_may_oct"].set_index(["country", "period"])
            both = annual["value"].align(may_oct["value"], join="inner")
            if (both[1] > both[0] + 1e-6).any():
                raise CheckError(f"{where}: a May-Oct total exceeds the annual total")


def _cckp_spec(iso3: str) -> FileSpec:
    name = f"cckp_cru_pr_monthly_{iso3}.json"
    return FileSpec(
        pattern=name,
        url=f"{CCKP_API}/{iso3}?_format=json",
        role="cckp_json",
        save_as=name,
        required=False,
    )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"precip",
        named("Rainfall (monthly)", CLIMATE, "Monthly rainfall over the country (CRU)"),
    ),
    (
        r"precip_z",
        named(
            "Rainfall anomaly (monthly, z-score)",
            CLIMATE,
            "Monthly rainfall in standard deviations from the 1991-2020 mean of that month",
        ),
    ),
    (
        r"precip_pct_of_normal",
        named(
            "Rainfall (monthly, % of normal)",
            CLIMATE,
            "Monthly rainfall as a share of the 1991-2020 mean of that month",
        ),
    ),
    (
        r"precip_annual_era5",
        named(
            "Rainfall, calendar year (ERA5)",
            CLIMATE,
            "Yearly rainfall over the country from the ERA5 reanalysis",
        ),
    ),
    (
        r"precip_(?P<s>[a-z_]+?)_pct_of_normal",
        named(
            "Rainfall, {s} (% of normal)",
            CLIMATE,
            "Rainfall in the {s} as a share of the 1991-2020 mean",
        ),
    ),
    (
        r"precip_(?P<s>[a-z_]+?)_z",
        named(
            "Rainfall anomaly, {s} (z-score)",
            CLIMATE,
            "Rainfall in the {s} in standard deviations from the "
            "1991-2020 mean; below -1 is a marked drought",
        ),
    ),
    (
        r"precip_(?P<s>[a-z_]+)",
        named("Rainfall, {s}", CLIMATE, "Total rainfall in the {s} (CRU)"),
    ),
    (
        r"temp_era5",
        named("Temperature (monthly)", CLIMATE, "Monthly mean surface air temperature (ERA5)"),
    ),
    (
        r"temp_anomaly_era5",
        named(
            "Temperature anomaly (monthly)",
            CLIMATE,
            "Difference from the 1991-2020 mean of the calendar month (ERA5)",
        ),
    ),
)


SOURCE = SourceSpec(
    id="drought",
    title="Country precipitation and rainfall anomalies (CRU TS via CCKP), ERA5 cross-checks",
    publisher=(
        "Climatic Research Unit, University of East Anglia (CRU TS) via the World Bank Climate "
        "Change Knowledge Portal; ECMWF/Copernicus ERA5 via Our World in Data"
    ),
    folder="drivers/drought",
    homepage=CCKP_HOME,
    licence=(
        "CCKP/World Bank data CC BY 4.0; CRU TS Open Government Licence (cite Harris et al. "
        "2020); ERA5 Copernicus licence with attribution; OWID CC BY 4.0"
    ),
    kind="driver",
    files=(
        *(_cckp_spec(code) for code in COUNTRIES),
        FileSpec(
            pattern="precip_monthly_by_country_cru_ts*_cckp_*.csv",
            url=CCKP_API,
            role="cru_csv",
            required=False,
            status="derived",
            fetchable=False,
        ),
        FileSpec(
            pattern="precip_annual_by_country_era5_owid_*.csv",
            url=OWID_PRECIP,
            role="era5_precip",
            required=False,
            status="derived",
            fetchable=False,
        ),
        FileSpec(
            pattern="temp_monthly_by_country_era5_owid_*.csv",
            url=OWID_TEMP,
            role="era5_temp",
            required=False,
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Anomalies are simple standardised anomalies vs 1991-2020, not SPI/SPEI. National "
        "averages dilute the Dry Corridor signal (humid Caribbean slopes, Petén, Mosquitia). "
        "CRU (gauges) and ERA5 (reanalysis) often disagree on year-to-year anomalies in Central "
        "America: prefer CRU. The CCKP collection id names the CRU TS version and end year "
        f"({CCKP_COLLECTION}); a new CRU TS release needs the new id."
    ),
    publication={
        "cru_precip": Publication(
            6,
            "year",
            (
                "CRU TS is released once a year with the previous calendar year added (CRU TS 4.09:"
                " 1901-2024), in the first half of the following year: every month of Y from June "
                "of Y+1"
            ),
        ),
        "cru_precip_derived": Publication(
            6,
            "year",
            (
                "computed from CRU TS (released once a year, in the first half of Y+1): from June "
                "of Y+1"
            ),
        ),
        "era5_temperature": Publication(
            1,
            "period",
            (
                "ERA5 monthly means (ERA5T) appear within days of the month's end: from the "
                "following month"
            ),
        ),
        "era5_precip": Publication(
            1,
            "year",
            "annual ERA5 totals are complete in the days after December: from January of Y+1",
        ),
    },
    indicators=INDICATORS,
)
