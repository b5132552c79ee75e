from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import ParseError, SchemaDriftError, SourceError
from rootcauses.sources import hurdat2
from rootcauses.sources.base import FileSpec, RawFile

TEXT_SPEC = next(f for f in hurdat2.SOURCE.files if f.role == "text")
CSV_SPEC = next(f for f in hurdat2.SOURCE.files if f.role == "csv")


def _raw(text: str, name: str, spec: FileSpec) -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0")


def _parts(source_parts) -> dict:
    return {k: p.frame for k, p in source_parts("hurdat2").items()}


# ---- the real snapshot ---------------------------------------------------------------------


def test_nhc_spot_checks(source_parts) -> None:
    fixes = _parts(source_parts)["hurdat2"]
    mitch = fixes[fixes["storm_id"] == "AL131998"]
    assert mitch["max_wind_kt"].max() == 155
    assert mitch["min_pressure_mb"].min() == 905
    assert fixes.loc[fixes["storm_id"].str.endswith("2005"), "storm_id"].nunique() == 31
    eta = fixes[(fixes["storm_id"] == "AL292020") & (fixes["time"].dt.date == dt.date(2020, 11, 5))]
    assert eta["lat"].between(14, 15.5).all() and eta["lon"].between(-88, -86).all()
    assert fixes["max_wind_kt"].min() >= 0  # -99 (missing) became NULL


def test_exposure_reproduces_the_derived_climate_file(source_parts, snapshot) -> None:
    ref = pd.read_csv(
        snapshot / "drivers/climate/hurdat2_atlantic_storm_exposure_by_country_year_1950-2025.csv"
    )
    ref["country"] = ref["iso2"].map(
        {"GT": "GTM", "HN": "HND", "SV": "SLV", "NI": "NIC", "CR": "CRI", "PA": "PAN", "BZ": "BLZ"}
    )
    frame = _parts(source_parts)["hurdat2_exposure"]
    wide = frame.pivot_table(index=["country", "period"], columns="indicator", values="value")
    wide = wide.reset_index().assign(year=lambda f: [p.year for p in f["period"]])
    both = ref.merge(wide, on=["country", "year"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all()  # same countries and years (1950-2023 here)
    columns = {
        "storms_with_fix_in_box": "storms_in_box",
        "max_wind_kt_in_box": "storm_max_wind_in_box",
        "hurricanes_in_box": "hurricanes_in_box_y",
        "storms_within_1deg_of_box": "storms_within_1deg",
        "max_wind_kt_within_1deg": "storm_max_wind_within_1deg",
        "landfall_records_in_box": "storm_landfalls_in_box",
    }
    both = both.rename(columns={"hurricanes_in_box_x": "hurricanes_in_box"})
    for theirs, ours in columns.items():
        # the derived file leaked HURDAT2's missing-wind code -99; we store no value there
        known = both[theirs] != -99
        assert (both.loc[known, theirs] == both.loc[known, ours]).all(), theirs
        assert both.loc[~known, ours].isna().all(), theirs
    # climate/SOURCE.md spot checks
    at = both.set_index(["country", "year"])
    assert at.loc[("HND", 1998), "storm_max_wind_in_box"] == 130  # Mitch
    assert at.loc[("HND", 1998), "storm_landfalls_in_box"] >= 1
    assert "BETA(AL272005)" in at.loc[("HND", 2005), "storm_names_in_box"]


def test_named_storm_events(source_parts) -> None:
    events = _parts(source_parts)["hurdat2_storm_events"]
    assert set(events["country"]) == {"GTM", "HND", "SLV"}
    assert (events["category"] == "disaster").all()
    hnd = events[events["country"] == "HND"]["event"]
    for storm in ("Mitch (AL131998)", "Fifi (AL141974)", "Eta (AL292020)", "Iota (AL312020)"):
        assert hnd.str.contains(storm, regex=False).any(), storm
    assert not events["event"].str.contains("Twenty-One|Unnamed").any()
    mitch = events[events["event"].str.contains("Mitch") & (events["country"] == "HND")].iloc[0]
    assert mitch["event"].startswith("Hurricane Mitch")
    assert mitch["date"] <= dt.date(1998, 10, 29) <= mitch["end_date"]


# ---- the official text format, on a tiny hand-made file ------------------------------------

MISSING12 = ", ".join(["-999"] * 12)
TEXT = (
    "AL131998,              MITCH,      3,\n"
    f"19981027, 1800,  , HU, 16.4N,  85.6W, 130,  923, {MISSING12},\n"
    f"19981029, 1500, L, TS, 15.9N,  86.0W,  45,  990, {MISSING12},\n"
    f"19981101, 0000,  , TD, 14.5N,  89.5W,  25,  998, {MISSING12},\n"
    "AL292020,                ETA,      2,\n"
    "20201103, 2100, L, HU, 13.8N,  83.4W, 120,  940,  100,   90,   60,   90,   60,   50,"
    "   30,   50,   35,   30,   20,   30,   10,\n"
    "20201105, 0000,  , TD, 14.5N,  86.5W,  25, 1000,    0,    0,    0,    0,    0,    0,"
    "    0,    0,    0,    0,    0,    0, -999,\n"
)
CSV_HEADER = (  # column order of the snapshot file
    "storm_id,name,datetime_utc,lat,lon,record_id,sys_status,max_wind_kt,min_pressure_mb,"
    + ",".join(hurdat2.RADII)
    + ",radius_max_wind_nm\n"
)
EMPTY13 = "," * 13
CSV = (
    CSV_HEADER
    + f"AL131998,MITCH,1998-10-27 18:00,16.4,-85.6,,HU,130,923{EMPTY13}\n"
    + f"AL131998,MITCH,1998-10-29 15:00,15.9,-86,L,TS,45,990{EMPTY13}\n"
    + f"AL131998,MITCH,1998-11-01 00:00,14.5,-89.5,,TD,25,998{EMPTY13}\n"
    + "AL292020,ETA,2020-11-03 21:00,13.8,-83.4,L,HU,120,940,100,90,60,90,60,50,30,50,35,30,"
    "20,30,10\n" + "AL292020,ETA,2020-11-05 00:00,14.5,-86.5,,TD,25,1000,0,0,0,0,0,0,0,0,0,0,0,0,\n"
)
TEXT_NAME = "hurdat2-1851-2020-052021.txt"


def test_text_parser_reads_the_official_format() -> None:
    fixes = hurdat2.parse_text(_raw(TEXT, TEXT_NAME, TEXT_SPEC))
    assert len(fixes) == 5
    first = fixes.iloc[0]
    assert (first["storm_id"], first["name"], first["status"]) == ("AL131998", "MITCH", "HU")
    assert first["time"] == pd.Timestamp("1998-10-27 18:00")
    assert (first["lat"], first["lon"], first["max_wind_kt"]) == (16.4, -85.6, 130)
    assert pd.isna(first["radius_34kt_ne_nm"]) and pd.isna(first["record_id"])
    assert fixes.iloc[1]["record_id"] == "L"
    assert fixes.iloc[3]["radius_max_wind_nm"] == 10  # 21-field (2021+) line
    assert pd.isna(fixes.iloc[4]["radius_max_wind_nm"])


def _to_text(fixes: pd.DataFrame) -> str:
    """Write fixes in the official HURDAT2 text layout (the inverse of the parser)."""

    def number(value: float, missing: int) -> str:
        return str(missing) if pd.isna(value) else str(int(value))

    lines = []
    for storm_id, storm in fixes.groupby("storm_id", sort=False):
        lines.append(f"{storm_id}, {storm['name'].iloc[0]:>18}, {len(storm):>6},")
        for r in storm.itertuples():
            lat = f"{abs(r.lat):.1f}{'N' if r.lat >= 0 else 'S'}"
            lon = f"{abs(r.lon):.1f}{'W' if r.lon < 0 else 'E'}"
            numbers = [number(r.max_wind_kt, -99), number(r.min_pressure_mb, -999)] + [
                number(getattr(r, c), -999) for c in [*hurdat2.RADII, "radius_max_wind_nm"]
            ]
            record = r.record_id if isinstance(r.record_id, str) else " "
            fields = [f"{r.time:%Y%m%d}", f"{r.time:%H%M}", record, r.status, lat, lon, *numbers]
            lines.append(", ".join(f"{f:>5}" for f in fields) + ",")
    return "\n".join(lines) + "\n"


def test_text_parser_agrees_with_the_snapshot_csv(source_parts) -> None:
    fixes = _parts(source_parts)["hurdat2"]
    season = fixes[fixes["storm_id"].str.endswith(("2020", "2005", "1998"))].reset_index(drop=True)
    text = _raw(_to_text(season), TEXT_NAME, TEXT_SPEC)
    parsed = hurdat2.parse_text(text)
    pd.testing.assert_frame_equal(parsed[hurdat2.FIX_COLUMNS], season[hurdat2.FIX_COLUMNS])


def test_text_and_csv_give_the_same_fixes() -> None:
    text = hurdat2.parse_text(_raw(TEXT, TEXT_NAME, TEXT_SPEC))
    csv = hurdat2.parse_csv(_raw(CSV, "obs.csv", CSV_SPEC))
    pd.testing.assert_frame_equal(
        text[hurdat2.FIX_COLUMNS].astype(str), csv[hurdat2.FIX_COLUMNS].astype(str)
    )


def test_read_prefers_the_text_file_and_builds_exposure_and_events() -> None:
    text = _raw(TEXT, TEXT_NAME, TEXT_SPEC)
    csv = _raw(CSV.replace("MITCH", "OTHER"), "obs.csv", CSV_SPEC)
    parts = {p.source_id: p for p in hurdat2.read([csv, text])}
    assert parts["hurdat2"].status == "official"
    assert parts["hurdat2"].frame["name"].iloc[0] == "MITCH"
    exposure = parts["hurdat2_exposure"].frame
    hnd98 = exposure[(exposure["country"] == "HND") & (exposure["period"] == dt.date(1998, 1, 1))]
    got = hnd98.set_index("indicator")["value"]
    assert got["storms_in_box"] == 1 and got["hurricanes_in_box"] == 1
    assert got["storm_max_wind_in_box"] == 130  # 16.4N 85.6W is inside the HND box
    assert got["storm_landfalls_in_box"] == 1
    assert exposure["period"].max() == dt.date(2020, 1, 1)  # named 1851-2020: 2020 complete
    events = parts["hurdat2_storm_events"].frame
    assert set(events["country"]) == {"HND", "GTM", "SLV"}  # Mitch ends at 14.5N 89.5W
    hnd = events[events["country"] == "HND"].iloc[0]
    assert hnd["event"].startswith("Hurricane Mitch (AL131998)")
    assert (hnd["date"], hnd["end_date"]) == (dt.date(1998, 10, 27), dt.date(1998, 10, 29))


def test_a_cut_file_drops_its_partial_last_season() -> None:
    fixes = hurdat2.parse_csv(_raw(CSV, "obs.csv", CSV_SPEC))
    assert hurdat2.complete_through(fixes, "hurdat2_atlantic_1851_2025_observations.csv") == 2019
    assert hurdat2.complete_through(fixes, "hurdat2-1851-2020-052021.txt") == 2020


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (TEXT.replace("      3,", "      4,"), ParseError, "line 1: storm AL131998 declares 4"),
        (TEXT.replace("16.4N", "16.4Q"), ParseError, "row 2, column 'latitude'"),
        (TEXT.replace(" 130,", " ???,"), ParseError, "row 2, column 'max_wind_kt'"),
        (TEXT.replace(", HU, 16.4N", ", XX, 16.4N"), ParseError, "row 2, column 'status'"),
        (
            TEXT.replace(f"998, {MISSING12},", "998,"),
            ParseError,
            "line 4 has 7 of 19 required fields",
        ),
        ("19981027, 1800,  , HU,\n", ParseError, "line 1 is not a storm header"),
        (TEXT.replace("AL292020", "AL131998"), ParseError, "line 5: storm AL131998 appears twice"),
        (TEXT.replace("19981029", "19981329"), ParseError, "row 3, column 'date/time'"),
        (TEXT.replace(", L, TS", ", Q, TS"), ParseError, "row 3, column 'record id'"),
    ],
)
def test_bad_text_names_file_and_line(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        hurdat2.parse_text(_raw(text, TEXT_NAME, TEXT_SPEC))
    assert TEXT_NAME in str(info.value)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (CSV.replace("max_wind_kt", "wind"), SchemaDriftError, "max_wind_kt"),
        (CSV.replace(",130,", ",fast,"), ParseError, "row 2, column 'max_wind_kt'"),
        (CSV.replace("1998-10-29 15:00", "29/10/1998"), ParseError, "row 3, column 'datetime_utc'"),
        (CSV.replace("16.4,-85.6", ",-85.6"), ParseError, "row 2, column 'lat'"),
    ],
)
def test_bad_csv_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        hurdat2.read([_raw(text, "obs.csv", CSV_SPEC)])
    assert "obs.csv" in str(info.value)


def test_no_file_at_all_is_an_error() -> None:
    with pytest.raises(SourceError, match="hurdat2-1851"):
        hurdat2.read([])
