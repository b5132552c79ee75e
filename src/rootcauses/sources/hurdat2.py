"""NOAA NHC HURDAT2: Atlantic hurricane best tracks, and storm exposure of Central America.

``read`` parses the official HURDAT2 text file (``hurdat2-1851-YYYY-MMDDYY.txt``) when present and
otherwise the snapshot's CSV conversion of it (one row per fix, same content). Three parts:

- ``hurdat2`` (extra table ``hurdat2_fixes``): every 6-hourly or special fix of every storm.
- ``hurdat2_exposure`` (derived indicators, country × year from 1950): systems with a tropical or
  subtropical fix inside each country's lat/lon bounding box, their maximum wind, hurricanes,
  the same within 1° of the box, and landfall records. This reproduces
  ``climate/hurdat2_atlantic_storm_exposure_by_country_year_1950-2025.csv``, which is therefore
  not loaded.
- ``hurdat2_storm_events`` (events, category ``disaster``): each named storm with a tropical fix
  inside the box of Guatemala, Honduras or El Salvador.

HURDAT2 text format (NHC, ``hurdat2-format-atl-1851-2021.pdf``): a header line per storm
``AL092021, IDA, 40,`` (basin+number+year, name, number of data lines) followed by data lines
``YYYYMMDD, HHMM, record id, status, lat(N/S), lon(E/W), wind kt, pressure mb, 12 wind radii
(34/50/64 kt × NE/SE/SW/NW, n mi)[, radius of max wind]``; missing values are -999 (-99 wind).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from itertools import compress

import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError, SourceError
from rootcauses.sources.base import (
    FileSpec,
    Part,
    Publication,
    RawFile,
    SourceSpec,
    Status,
    by_role,
)
from rootcauses.sources.catalogue import DISASTERS, IndicatorInfo, named
from rootcauses.sources.frames import events_frame, indicators_frame
from rootcauses.sources.parsing import first_true, read_csv, to_float

SOURCE_ID = "hurdat2"
EXPOSURE_ID = "hurdat2_exposure"
EVENTS_ID = "hurdat2_storm_events"
FIXES_TABLE = "hurdat2_fixes"
HOMEPAGE = "https://www.nhc.noaa.gov/data/#hurdat"

RADII = [f"radius_{kt}kt_{q}_nm" for kt in (34, 50, 64) for q in ("ne", "se", "sw", "nw")]
NUMERIC = ["lat", "lon", "max_wind_kt", "min_pressure_mb", *RADII, "radius_max_wind_nm"]
FIX_COLUMNS = ["storm_id", "name", "time", "record_id", "status", *NUMERIC]
CSV_COLUMNS = ["storm_id", "name", "datetime_utc", "record_id", "sys_status", *NUMERIC]
STATUSES = ("TD", "TS", "HU", "EX", "SD", "SS", "LO", "WV", "DB")
RECORD_IDS = ("L", "W", "P", "I", "C", "S", "G", "T", "R")  # special-record flags
TROPICAL = ("TD", "TS", "HU", "SS", "SD")  # remnant/disturbance stages (EX, LO, WV, DB) excluded

# Approximate country extents (lat_min, lat_max, lon_min, lon_max), from the climate/ SOURCE.md.
BOXES = {
    "GTM": (13.7, 17.9, -92.3, -88.2),
    "HND": (12.9, 16.5, -89.4, -83.1),
    "SLV": (13.1, 14.5, -90.2, -87.6),
    "NIC": (10.7, 15.1, -87.7, -82.6),
    "CRI": (8.0, 11.3, -86.0, -82.5),
    "PAN": (7.2, 9.7, -83.1, -77.1),
    "BLZ": (15.8, 18.5, -89.3, -87.4),
}
NEAR_DEGREES = 1.0
LANDFALL_DEGREES = 0.3
FIRST_YEAR = 1950  # satellite-era-ish start of the exposure table (earlier years undercount)
EXPOSURE_UNITS = {
    "storms_in_box": "systems with a TD/TS/HU/SS/SD fix inside the country box",
    "storm_max_wind_in_box": "kt, max sustained wind of those fixes (0 = no storm)",
    "hurricanes_in_box": "systems with a hurricane-status fix inside the country box",
    "storms_within_1deg": "systems with a TD/TS/HU/SS/SD fix within 1° of the country box",
    "storm_max_wind_within_1deg": "kt, max sustained wind within 1° of the box (0 = no storm)",
    "storm_landfalls_in_box": "systems with a landfall (L) record within 0.3° of the box",
}
LABELS = {
    "HU": "Hurricane",
    "TS": "Tropical Storm",
    "SS": "Subtropical Storm",
    "TD": "Tropical Depression",
    "SD": "Subtropical Depression",
}
COUNTRY_NAMES = {"GTM": "Guatemala", "HND": "Honduras", "SLV": "El Salvador"}

HEADER_ID = re.compile(r"^[A-Z]{2}\d{6}$")
_UNITS = "ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE"
# Depressions that were never named carry their number spelled out (e.g. TWENTY-ONE).
NUMBERED = re.compile(
    rf"^(UNNAMED|{_UNITS}|TEN|ELEVEN|TWELVE|THIRTEEN|FOURTEEN|FIFTEEN|SIXTEEN|SEVENTEEN|"
    rf"EIGHTEEN|NINETEEN|(TWENTY|THIRTY|FORTY)(-({_UNITS}))?)$"
)


# ---------------------------------------------------------------------------------------------
# Parsing


def _coordinate(
    values: pd.Series, name: str, column: str, hemispheres: str, lines: np.ndarray
) -> pd.Series:
    """``28.0N`` → 28.0, ``94.8W`` → -94.8 (``hemispheres`` = positive + negative letter)."""
    text = values.str.strip().str.upper()
    number = pd.to_numeric(text.str[:-1], errors="coerce")
    ok = text.str[-1:].isin(list(hemispheres)) & number.notna()
    if not ok.all():
        pos = first_true(~ok)
        raise ParseError(
            f"{name}: row {lines[pos]}, column {column!r} is {values.iloc[pos]!r}; expected "
            f"degrees followed by {hemispheres[0]} or {hemispheres[1]}"
        )
    return number.where(text.str[-1:] != hemispheres[1], -number)


def _times(values: pd.Series, name: str, column: str, fmt: str, lines: np.ndarray) -> pd.Series:
    parsed = pd.to_datetime(values.str.strip(), format=fmt, errors="coerce")
    if parsed.isna().any():
        pos = first_true(parsed.isna())
        raise ParseError(
            f"{name}: row {lines[pos]}, column {column!r} is {values.iloc[pos]!r}; "
            f"expected a date and time ({fmt})"
        )
    return parsed


def _choice(
    values: pd.Series, allowed: Sequence[str], name: str, column: str, lines: np.ndarray
) -> pd.Series:
    text = values.str.strip().str.upper()
    ok = text.isin(list(allowed))
    if not ok.all():
        pos = first_true(~ok)
        raise ParseError(
            f"{name}: row {lines[pos]}, column {column!r} is {values.iloc[pos]!r}; "
            f"expected one of {list(allowed)}"
        )
    return text


def _record_ids(values: pd.Series, name: str, column: str, lines: np.ndarray) -> pd.Series:
    """Blank, or one of the HURDAT2 special-record letters (L landfall, W max wind, …)."""
    text = values.fillna("").str.strip().str.upper()
    _choice(text.where(text != "", RECORD_IDS[0]), RECORD_IDS, name, column, lines)
    return text.replace("", None)


def _missing_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    """HURDAT2 codes missing values as -999 (-99 for wind)."""
    for column in ["max_wind_kt", "min_pressure_mb", *RADII, "radius_max_wind_nm"]:
        frame[column] = frame[column].where(frame[column] >= 0)
    return frame


TEXT_NUMBERS = ["max_wind_kt", "min_pressure_mb", *RADII, "radius_max_wind_nm"]  # fields 7-21


def _text_cells(body: str, name: str, lines: np.ndarray) -> pd.DataFrame:
    """The data lines' fields: date and time as integers, fields 7-21 as numbers (the C reader
    does the work); on failure the lines are re-read as text to name the first bad field."""
    numeric = range(6, 6 + len(TEXT_NUMBERS))
    options = {"header": None, "names": range(22), "skipinitialspace": True}
    try:
        cells = pd.read_csv(
            io.StringIO(body),
            dtype={
                **dict.fromkeys(range(22), str),
                0: "int64",
                1: "int64",
                **dict.fromkeys(numeric, "float64"),
            },
            keep_default_na=False,
            na_values={key: [""] for key in numeric},
            **options,
        )
    except (ValueError, pd.errors.ParserError) as exc:
        cells = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, **options)
        fields = [("date", 0), ("time", 1), *zip(TEXT_NUMBERS, numeric, strict=True)]
        for column, i in fields:
            text = cells[i].fillna("").str.strip()
            number = pd.to_numeric(text, errors="coerce")
            bad = (number.isna() & (text != "")) | ((text == "") & (i <= 1))
            if bad.any():
                pos = first_true(bad)
                raise ParseError(
                    f"{name}: row {lines[pos]}, column {column!r} is {text.iloc[pos]!r}; "
                    "expected a number"
                ) from None
        raise ParseError(f"{name}: not readable as HURDAT2 text: {exc}") from exc
    cells[[2, 3, 4, 5]] = cells[[2, 3, 4, 5]].fillna("")
    return cells


def _text_times(date: pd.Series, hhmm: pd.Series, name: str, lines: np.ndarray) -> pd.Series:
    """YYYYMMDD and HHMM integers → timestamps; an impossible date names its line."""
    parts = pd.DataFrame(
        {
            "year": date // 10000,
            "month": date // 100 % 100,
            "day": date % 100,
            "hour": hhmm // 100,
            "minute": hhmm % 100,
        }
    )
    times = pd.to_datetime(parts, errors="coerce")
    bad = times.isna() | (parts["minute"] >= 60)
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {lines[pos]}, column 'date/time' is {date.iloc[pos]} "
            f"{hhmm.iloc[pos]:04d}; expected YYYYMMDD, HHMM"
        )
    return times


def parse_text(raw: RawFile) -> pd.DataFrame:
    """The official HURDAT2 text file → one row per fix (columns ``FIX_COLUMNS``)."""
    name = raw.name
    if not raw.data.strip():
        raise ParseError(f"{name}: the file is empty (expected HURDAT2 text)")
    text_lines = raw.data.decode("utf-8", errors="replace").splitlines()
    lines = pd.Series(text_lines, dtype=str)
    first = lines.str.slice(0, 8)  # storm id (AL092021) or date (20210826)
    is_header = first.str.match(HEADER_ID)
    is_data = first.str.fullmatch(r"\d{8}")
    bad = ~(is_header | is_data | (lines.str.strip() == ""))
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: line {pos + 1} starts with {first.iloc[pos]!r}; expected a storm header "
            "(e.g. AL092021) or a date YYYYMMDD"
        )
    if not is_header.iloc[0]:
        raise ParseError(f"{name}: line 1 is not a storm header (e.g. 'AL092021, IDA, 40,')")
    repeated = first.where(is_header).duplicated() & is_header
    if repeated.any():
        pos = first_true(repeated)
        raise ParseError(f"{name}: line {pos + 1}: storm {first.iloc[pos]} appears twice")
    # Storm id / name / declared number of fixes, carried down to the data lines.
    head = lines[is_header].str.split(",", expand=True).reindex(columns=[0, 1, 2])
    storm_id = first.where(is_header).ffill()
    storm_name = head[1].str.strip().reindex(lines.index).ffill()
    counted = is_data.groupby(storm_id).sum()
    declared = pd.Series(
        pd.to_numeric(head[2].str.strip(), errors="coerce").to_numpy(),
        index=first[is_header].to_numpy(),
    )
    mismatch = declared.reindex(counted.index) != counted
    if mismatch.any():
        sid = mismatch[mismatch].index[0]
        line = first_true(first == sid) + 1
        raise ParseError(
            f"{name}: line {line}: storm {sid} declares {declared[sid]} fixes but "
            f"{counted[sid]} follow (truncated file?)"
        )
    line_no = np.asarray(is_data).nonzero()[0] + 1
    cells = _text_cells("\n".join(compress(text_lines, is_data.to_numpy())), name, line_no)
    required = (
        2 + cells[[3, 4, 5]].ne("").sum(axis=1) + cells[list(range(6, 20))].notna().sum(axis=1)
    )
    short = required < 19
    if short.any():
        pos = first_true(short)
        raise ParseError(
            f"{name}: line {line_no[pos]} has {required.iloc[pos]} of 19 required fields "
            "(date, time, status, lat, lon, wind, pressure, 12 radii; then record id and, "
            "from 2021, radius of max wind) (truncated file?)"
        )
    keep = is_data.to_numpy()
    out = pd.DataFrame(
        {
            "storm_id": storm_id[keep].to_numpy(),
            "name": storm_name[keep].to_numpy(),
            "time": _text_times(cells[0], cells[1], name, line_no),
            "record_id": _record_ids(cells[2], name, "record id", line_no),
            "status": _choice(cells[3], STATUSES, name, "status", line_no),
            "lat": _coordinate(cells[4], name, "latitude", "NS", line_no),
            "lon": _coordinate(cells[5], name, "longitude", "EW", line_no),
        }
    )
    out[TEXT_NUMBERS] = cells[list(range(6, 6 + len(TEXT_NUMBERS)))].to_numpy()
    return _missing_to_na(out)


def parse_csv(raw: RawFile) -> pd.DataFrame:
    """The snapshot's CSV conversion (one row per fix) → columns ``FIX_COLUMNS``."""
    name = raw.name
    text_columns = {c: str for c in CSV_COLUMNS if c not in NUMERIC}
    try:  # fast path: numbers parsed by the C reader
        df = read_csv(
            raw.data,
            name,
            expected=CSV_COLUMNS,
            dtype={**text_columns, **dict.fromkeys(NUMERIC, "float64")},
            keep_default_na=True,
            na_values=[""],
        )
        numbers = df[NUMERIC]
    except ParseError as fast_error:  # re-read as text so the error names row and column
        text = read_csv(raw.data, name, expected=CSV_COLUMNS)
        for column in NUMERIC:
            to_float(text[column], name, column, allow_missing=column not in ("lat", "lon"))
        raise fast_error
    df[list(text_columns)] = df[list(text_columns)].fillna("")
    lines = np.arange(len(df)) + 2  # file line of each row (after the header)
    for column in ("lat", "lon"):
        if numbers[column].isna().any():
            pos = first_true(numbers[column].isna())
            raise ParseError(
                f"{name}: row {pos + 2}, column {column!r} is missing; expected a number"
            )
    out = pd.DataFrame(
        {
            "storm_id": df["storm_id"].str.strip(),
            "name": df["name"].str.strip(),
            "time": _times(df["datetime_utc"], name, "datetime_utc", "%Y-%m-%d %H:%M", lines),
            "record_id": _record_ids(df["record_id"], name, "record_id", lines),
            "status": _choice(df["sys_status"], STATUSES, name, "sys_status", lines),
        }
    )
    out[NUMERIC] = numbers.to_numpy()
    bad_id = ~out["storm_id"].str.match(HEADER_ID)
    if bad_id.any():
        pos = first_true(bad_id)
        raise ParseError(
            f"{name}: row {pos + 2}, column 'storm_id' is {df['storm_id'].iloc[pos]!r}; "
            "expected basin + number + year such as AL131998"
        )
    return _missing_to_na(out)


def complete_through(fixes: pd.DataFrame, file_name: str) -> int:
    """Last season fully in the file. Official files are named after their last season
    (``hurdat2-1851-2024-…``); a file that stops in an earlier year than its name says was cut
    (the snapshot stops on 30 Sep 2024), so its last, partial season is left out."""
    last = int(fixes["time"].max().year)
    stated = re.search(r"1851[-_](\d{4})", file_name)
    if stated is None:
        return last
    stated_year = int(stated.group(1))
    return last - 1 if stated_year > last else min(last, stated_year)


# ---------------------------------------------------------------------------------------------
# Derived tables


def near_boxes(fixes: pd.DataFrame) -> pd.DataFrame:
    """Fixes from FIRST_YEAR on within NEAR_DEGREES of any box (a few thousand of ~55,000)."""
    lat_min = min(b[0] for b in BOXES.values()) - NEAR_DEGREES
    lat_max = max(b[1] for b in BOXES.values()) + NEAR_DEGREES
    lon_min = min(b[2] for b in BOXES.values()) - NEAR_DEGREES
    lon_max = max(b[3] for b in BOXES.values()) + NEAR_DEGREES
    keep = (
        fixes["lat"].between(lat_min, lat_max).to_numpy()
        & fixes["lon"].between(lon_min, lon_max).to_numpy()
        & (fixes["time"].dt.year >= FIRST_YEAR).to_numpy()
    )
    return fixes[keep].assign(year=lambda f: f["time"].dt.year)


def box_flags(recent: pd.DataFrame) -> pd.DataFrame:
    """One row per (country, fix) of :func:`near_boxes` with where the fix lies relative to the
    country box: ``inside`` / ``near`` (tropical status, in the box / within 1°), ``landfall``
    (an L record within 0.3°) and ``hurricane`` (inside with status HU)."""
    lat, lon = recent["lat"].to_numpy(), recent["lon"].to_numpy()
    tropical = recent["status"].isin(TROPICAL).to_numpy()
    is_landfall = (recent["record_id"] == "L").fillna(False).to_numpy(dtype=bool)
    is_hu = (recent["status"] == "HU").to_numpy()

    def within(box: tuple[float, float, float, float], margin: float) -> np.ndarray:
        lat_min, lat_max, lon_min, lon_max = box
        return (
            (lat >= lat_min - margin)
            & (lat <= lat_max + margin)
            & (lon >= lon_min - margin)
            & (lon <= lon_max + margin)
        )

    pieces = []
    for country, box in BOXES.items():
        inside = within(box, 0.0)
        pieces.append(
            recent.assign(
                country=country,
                inside=inside & tropical,
                near=within(box, NEAR_DEGREES) & tropical,
                landfall=within(box, LANDFALL_DEGREES) & is_landfall,
                hurricane=inside & is_hu,
            )
        )
    flags = pd.concat(pieces, ignore_index=True)
    return flags[flags[["near", "landfall"]].any(axis=1)]


def exposure(flags: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """Country × year exposure counts (wide), years FIRST_YEAR..last_year, zeros when none."""
    flags = flags[flags["year"] <= last_year]
    ids, wind = flags["storm_id"], flags["max_wind_kt"]
    table = (
        flags.assign(
            storms_in_box=ids.where(flags["inside"]),
            storm_max_wind_in_box=wind.where(flags["inside"]),
            hurricanes_in_box=ids.where(flags["hurricane"]),
            storms_within_1deg=ids.where(flags["near"]),
            storm_max_wind_within_1deg=wind.where(flags["near"]),
            storm_landfalls_in_box=ids.where(flags["landfall"]),
        )
        .groupby(["country", "year"])
        .agg(
            {
                "storms_in_box": "nunique",
                "storm_max_wind_in_box": "max",
                "hurricanes_in_box": "nunique",
                "storms_within_1deg": "nunique",
                "storm_max_wind_within_1deg": "max",
                "storm_landfalls_in_box": "nunique",
            }
        )
    )
    grid = pd.MultiIndex.from_product(
        [list(BOXES), range(FIRST_YEAR, last_year + 1)], names=["country", "year"]
    )
    table = table.reindex(grid).astype(float)
    counts = ["storms_in_box", "hurricanes_in_box", "storms_within_1deg", "storm_landfalls_in_box"]
    table[counts] = table[counts].fillna(0.0)
    # Max wind is 0 when no storm came by, and missing when storms did but none has a wind.
    for wind, count in [
        ("storm_max_wind_in_box", "storms_in_box"),
        ("storm_max_wind_within_1deg", "storms_within_1deg"),
    ]:
        table.loc[table[count] == 0, wind] = 0.0
    return table.reset_index()


def storm_events(flags: pd.DataFrame) -> pd.DataFrame:
    """Named storms with a tropical fix inside the box of GTM, HND or SLV (one row each)."""
    flags = flags[flags["country"].isin(NORTHERN_TRIANGLE)]
    landfalls = set(
        zip(*flags.loc[flags["landfall"], ["country", "storm_id"]].T.to_numpy(), strict=True)
    )
    inside = flags[flags["inside"] & ~flags["name"].str.upper().str.match(NUMBERED)]
    ranked = inside.assign(rank=inside["status"].map({s: i for i, s in enumerate(LABELS)}))
    storms = ranked.groupby(["country", "storm_id"], as_index=False).agg(
        name=("name", "first"),
        start=("time", "min"),
        end=("time", "max"),
        wind=("max_wind_kt", "max"),
        rank=("rank", "min"),
    )
    label = storms["rank"].map(dict(enumerate(LABELS.values())))
    wind = storms["wind"].map(
        lambda w: "" if pd.isna(w) else f", max sustained wind {w:.0f} kt there"
    )
    land = [
        "; landfall record" if (c, sid) in landfalls else ""
        for c, sid in zip(storms["country"], storms["storm_id"], strict=True)
    ]
    event = (
        label
        + " "
        + storms["name"].str.title()
        + " ("
        + storms["storm_id"]
        + ") tracked over/near "
        + storms["country"].map(COUNTRY_NAMES)
        + " (HURDAT2 fix inside the country box"
        + wind
        + land
        + ")"
    )
    frame = pd.DataFrame(
        {
            "date": storms["start"].dt.date,
            "end_date": storms["end"].dt.date,
            "country": storms["country"],
            "event": event,
        }
    )
    return frame.sort_values(["date", "country"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Entry points


def read(files: Sequence[RawFile]) -> list[Part]:
    texts, csvs = by_role(files, "text"), by_role(files, "csv")
    if texts:
        raw = sorted(texts, key=lambda f: f.name)[-1]
        fixes = parse_text(raw)
        fmt = "official HURDAT2 text file"
    elif csvs:
        raw = sorted(csvs, key=lambda f: f.name)[-1]
        fixes = parse_csv(raw)
        fmt = "CSV conversion of the HURDAT2 text file (converter not recorded)"
    else:
        raise SourceError(
            f"{SOURCE_ID}: no HURDAT2 file (expected hurdat2-1851-YYYY-MMDDYY.txt from "
            f"{HOMEPAGE}, or the snapshot CSV)"
        )
    status: Status = "official" if texts else "derived"
    last_year = complete_through(fixes, raw.name)

    flags = box_flags(near_boxes(fixes))
    wide = exposure(flags, last_year)
    long = wide.melt(id_vars=["country", "year"], var_name="indicator", value_name="value")
    long["period"] = pd.to_datetime(
        pd.DataFrame({"year": long["year"], "month": 1, "day": 1})
    ).dt.date
    long["unit"] = long["indicator"].map(EXPOSURE_UNITS)
    indicators = indicators_frame(long, EXPOSURE_ID, frequency="annual")

    events = events_frame(storm_events(flags), EVENTS_ID, category="disaster", source_url=HOMEPAGE)
    boxes = "; ".join(f"{c} {b}" for c, b in BOXES.items())
    return [
        Part(
            source_id=SOURCE_ID,
            table=FIXES_TABLE,
            frame=fixes[FIX_COLUMNS],
            title="HURDAT2 Atlantic best-track fixes (6-hourly and special records)",
            files=(raw,),
            status=status,
            notes=f"Read from {raw.name} ({fmt}). Missing values (-999/-99) are NULL.",
        ),
        Part(
            source_id=EXPOSURE_ID,
            table="indicators",
            frame=indicators,
            title="Atlantic tropical-cyclone exposure by country and year (bounding boxes)",
            files=(raw,),
            status="derived",
            notes=(
                f"Years {FIRST_YEAR}-{last_year} (complete seasons only). Max wind is 0 when "
                "no storm came by and missing when the storms' winds are unknown (HURDAT2 "
                "-99; the derived climate/ file shows -99 there). Country boxes "
                f"(lat_min, lat_max, lon_min, lon_max): {boxes}. Boxes overlap neighbours and "
                "sea; Eastern-Pacific storms (e.g. Agatha 2010) are not in Atlantic HURDAT2; "
                "remnant stages (EX/LO/WV/DB) are excluded though they can bring the heaviest "
                "rain."
            ),
        ),
        Part(
            source_id=EVENTS_ID,
            table="events",
            frame=events,
            title="Named Atlantic storms over Guatemala, Honduras or El Salvador",
            files=(raw,),
            status="derived",
            notes=(
                "One event per named storm and country with a TD/TS/HU/SS/SD fix inside the "
                "country's bounding box; date/end_date = first/last such fix. Storms passing "
                "offshore (within 1°) and Eastern-Pacific storms are not listed."
            ),
        ),
    ]


def check(parts: list[Part]) -> None:
    by_id = {p.source_id: p for p in parts}
    fixes = by_id[SOURCE_ID].frame
    where = f"{SOURCE_ID} ({by_id[SOURCE_ID].files[0].name})"
    for column, low, high in [
        ("lat", -90, 90),
        ("lon", -180, 180),
        ("max_wind_kt", 0, 200),
        ("min_pressure_mb", 850, 1100),
    ]:
        values = fixes[column]
        bad = values.notna() & ~values.between(low, high)
        if bad.any():
            row = fixes[bad].iloc[0]
            raise CheckError(
                f"{where}: column {column!r} is {row[column]} for {row['storm_id']} at "
                f"{row['time']}; expected {low} to {high}"
            )
    year_of_id = fixes["storm_id"].str[-4:].astype(int)
    drift = ~(fixes["time"].dt.year - year_of_id).isin([0, 1])
    if drift.any():
        row = fixes[drift].iloc[0]
        raise CheckError(f"{where}: fix at {row['time']} is outside storm {row['storm_id']}'s year")

    frame = by_id[EXPOSURE_ID].frame
    wide = frame.pivot_table(index=["country", "period"], columns="indicator", values="value")
    pairs = [
        ("hurricanes_in_box", "storms_in_box"),
        ("storms_in_box", "storms_within_1deg"),
        ("storm_max_wind_in_box", "storm_max_wind_within_1deg"),
    ]
    for small, large in pairs:
        bad = wide[small] > wide[large]
        if bad.any():
            country, period = bad[bad].index[0]
            raise CheckError(f"{EXPOSURE_ID}: {small} > {large} for {country} in {period.year}")
    missing = set(NORTHERN_TRIANGLE) - set(frame["country"])
    if missing:
        raise CheckError(f"{EXPOSURE_ID}: no exposure rows for {sorted(missing)}")
    per_year = frame.groupby("country")["period"].nunique()
    if per_year.nunique() != 1:
        raise CheckError(f"{EXPOSURE_ID}: countries cover different years: {per_year.to_dict()}")
    events = by_id[EVENTS_ID].frame
    if not set(events["country"]) <= set(NORTHERN_TRIANGLE):
        raise CheckError(f"{EVENTS_ID}: events outside GTM/HND/SLV")
    if np.any(pd.to_datetime(events["end_date"]) < pd.to_datetime(events["date"])):
        raise CheckError(f"{EVENTS_ID}: an event ends before it starts")


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"storms_in_box",
        named(
            "Tropical storms over the country",
            DISASTERS,
            "Storm systems with a track point over the country (NOAA HURDAT2)",
        ),
    ),
    (
        r"storms_within_1deg",
        named(
            "Tropical storms near the country",
            DISASTERS,
            "Storm systems passing within about 110 km of the country",
        ),
    ),
    (
        r"hurricanes_in_box",
        named(
            "Hurricanes over the country",
            DISASTERS,
            "Systems at hurricane strength over the country",
        ),
    ),
    (
        r"storm_landfalls_in_box",
        named("Storm landfalls", DISASTERS, "Storm systems making landfall on the country"),
    ),
    (
        r"storm_max_wind_in_box",
        named(
            "Strongest storm wind over the country",
            DISASTERS,
            "Highest sustained wind of the storms over the country (knots)",
        ),
    ),
    (
        r"storm_max_wind_within_1deg",
        named(
            "Strongest storm wind near the country",
            DISASTERS,
            "Highest sustained wind of the storms within about 110 km (knots)",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="HURDAT2 Atlantic hurricane database (best tracks), with Central America exposure",
    publisher="NOAA National Hurricane Center (NHC)",
    folder="drivers/hurdat2-noaa",
    homepage=HOMEPAGE,
    licence="U.S. federal government work (public domain in the U.S.)",
    kind="driver",
    files=(
        FileSpec(
            pattern="hurdat2-1851-*.txt",
            url="https://www.nhc.noaa.gov/data/",
            link=r"hurdat2-1851-\d{4}-\d{6}\.txt$",
            role="text",
            required=False,
        ),
        FileSpec(
            pattern="hurdat2_atlantic_*_observations.csv",
            url=HOMEPAGE,
            role="csv",
            required=False,
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    extra_tables=(FIXES_TABLE,),
    notes=(
        "Atlantic basin only: Eastern-Pacific storms that hit the Pacific coasts of GT/SV/MX "
        "(e.g. Agatha 2010) are in the separate HURDAT2-NEPAC file. Pre-satellite records "
        "(before ~1966) undercount weak or short storms. Exposure uses rectangular country "
        "boxes, so storms in the Gulf of Honduras count for HND, GTM and BLZ alike."
    ),
    publication={
        "hurdat2_exposure": Publication(
            5,
            "year",
            (
                "NHC adds each season's post-storm best tracks to HURDAT2 in spring of the "
                "following year (operational advisories were public as the storms happened): from "
                "May of Y+1"
            ),
        ),
    },
    indicators=INDICATORS,
)
