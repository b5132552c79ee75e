"""EM-DAT disasters by country, year and type (1900–2015), and transcribed major events.

Two source ids:

- ``emdat`` (indicators, annual, all countries): from the original EM-DAT "advanced search" export
  aggregated to country × year × disaster type (``original_emdat_Data_all_countries.csv``,
  Latin-1, first line ``sep=,``). Per type and for the natural / technological groups: events,
  deaths (incl. missing presumed dead), people affected (injured + affected + homeless),
  homeless, and damage in US$ (the file gives thousands of US$ at the time of the event).
  Group totals add the reported values only (blank = not reported, never zero).
  ``emdat_country_year_type_1900-2015.csv`` in the same folder is an 8-country extract of this
  file and is not loaded.
- ``disasters_major_events`` (events, transcribed): Hurricanes Eta and Iota (Nov 2020) with the
  figures and pages they were read from, one event per country.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import DISASTERS, IndicatorInfo, named
from rootcauses.sources.frames import events_frame, indicators_frame
from rootcauses.sources.parsing import (
    first_true,
    read_csv,
    rename_exact,
    to_choice,
    to_date,
    to_float,
    to_int,
    to_iso3_series,
)

EMDAT_ID = "emdat"
EVENTS_ID = "disasters_major_events"
EMDAT_URL = "https://public.emdat.be/"
EVENTS_URL = (
    "https://reliefweb.int/report/guatemala/central-america-hurricanes-eta-iota-final-report-"
    "mdr43007"
)

COLUMNS = {
    "year": "year",
    "disaster type": "type",
    "iso": "iso",
    "country_name": "country_name",
    "occurrence": "occurrence",
    "Total deaths": "deaths",
    "Affected": "affected_only",
    "Injured": "injured",
    "Homeless": "homeless",
    "Total affected": "affected",
    "Total damage": "damage_thousand_usd",
}
COLUMN_LABEL = {v: k for k, v in COLUMNS.items()}  # for error messages
# EM-DAT disaster type → (indicator suffix, EM-DAT disaster group). A new type fails loudly.
TYPES = {
    "Drought": ("drought", "natural"),
    "Earthquake": ("earthquake", "natural"),
    "Epidemic": ("epidemic", "natural"),
    "Extreme temperature": ("extreme_temperature", "natural"),
    "Flood": ("flood", "natural"),
    "Impact": ("impact", "natural"),
    "Insect infestation": ("insect_infestation", "natural"),
    "Animal accident": ("animal_accident", "natural"),
    "Landslide": ("landslide", "natural"),
    "Mass movement (dry)": ("mass_movement_dry", "natural"),
    "Storm": ("storm", "natural"),
    "Volcanic activity": ("volcanic_activity", "natural"),
    "Wildfire": ("wildfire", "natural"),
    "Industrial accident": ("industrial_accident", "technological"),
    "Miscellaneous accident": ("miscellaneous_accident", "technological"),
    "Transport accident": ("transport_accident", "technological"),
    "Complex Disasters": ("complex_disasters", "complex"),
}
GROUP_TOTALS = ("natural", "technological")
# EM-DAT codes that are not current countries: former states and sub-national islands. Their
# rows are dropped (successor states have their own rows after the split).
NOT_COUNTRIES = {
    "SUN": "Soviet Union",
    "CSK": "Czechoslovakia",
    "DDR": "Germany Dem Rep",
    "DFR": "Germany Fed Rep",
    "YUG": "Yugoslavia",
    "YMN": "Yemen Arab Rep",
    "YMD": "Yemen P Dem Rep",
    "ANT": "Netherlands Antilles",
    "AZO": "Azores Islands",
    "SPI": "Canary Is",
}
MEASURES = {  # column → (indicator stem, unit)
    "occurrence": ("disaster_events", "events"),
    "deaths": ("disaster_deaths", "persons (deaths + missing presumed dead)"),
    "affected": ("disaster_affected", "persons (injured + affected + homeless)"),
    "homeless": ("disaster_homeless", "persons"),
    "damage_usd": ("disaster_damage_usd", "US$ at the time of the event (not inflation-adjusted)"),
}

EVENT_COLUMNS = [
    "event",
    "country",
    "iso2",
    "start_date",
    "end_date",
    "measure",
    "value",
    "unit",
    "reporting_source",
    "url_where_seen",
    "second_mention_url",
    "note",
]
# Rows of the transcribed file that are regional totals, not countries (kept out of events).
REGIONS = {"Central America", "Latin America"}


def parse_emdat(raw: RawFile) -> pd.DataFrame:
    """The EM-DAT export → one row per country × year × type with numeric measures."""
    name = raw.name
    sep_line = raw.data.lstrip()[:4].lower() == b"sep="
    header_rows = 2 if sep_line else 1
    df = read_csv(raw.data, name, skiprows=1 if sep_line else 0, encoding="latin-1")
    df.columns = [str(c).strip() for c in df.columns]
    df = rename_exact(df, COLUMNS, name)
    iso = df["iso"].str.strip().str.upper()
    keep = ~iso.isin(NOT_COUNTRIES)
    out = pd.DataFrame(
        {
            # Rows of former states are parsed with a stand-in code and dropped at the end, so
            # error messages keep the file's line numbers.
            "country": to_iso3_series(iso.where(keep, "WLD"), name, "iso", header_rows=header_rows),
            "year": to_int(df["year"], name, "year", header_rows=header_rows).astype(int),
            "type": to_choice(
                df["type"], {t: t for t in TYPES}, name, "disaster type", header_rows=header_rows
            ),
        }
    )
    out["occurrence"] = to_int(
        df["occurrence"], name, "occurrence", header_rows=header_rows
    ).astype(float)
    for column in ("deaths", "affected_only", "injured", "homeless", "affected"):
        out[column] = to_float(df[column], name, COLUMN_LABEL[column], header_rows=header_rows)
    damage = to_float(df["damage_thousand_usd"], name, "Total damage", header_rows=header_rows)
    out["damage_usd"] = damage * 1000.0
    negative = (out.select_dtypes("number") < 0).any(axis=1)
    if negative.any():
        pos = first_true(negative)
        raise CheckError(f"{name}: row {pos + 1 + header_rows} has a negative count or damage")
    _check_total_affected(out, name, header_rows)
    out = out[keep.to_numpy()].reset_index(drop=True)
    dup = out.duplicated(["country", "year", "type"], keep=False)
    if dup.any():
        row = out[dup].iloc[0]
        raise CheckError(
            f"{name}: {row['country']} {row['year']} {row['type']!r} appears on several rows"
        )
    return out


def _check_total_affected(out: pd.DataFrame, name: str, header_rows: int) -> None:
    """EM-DAT defines Total affected = Affected + Injured + Homeless; the file must agree."""
    parts = out[["affected_only", "injured", "homeless"]]
    expected = parts.sum(axis=1, min_count=1)
    bad = ~((expected == out["affected"]) | (expected.isna() & out["affected"].isna()))
    if bad.any():
        pos = first_true(bad)
        raise CheckError(
            f"{name}: row {pos + 1 + header_rows}, column 'Total affected' is "
            f"{out['affected'].iloc[pos]}; expected Affected + Injured + Homeless = "
            f"{expected.iloc[pos]}"
        )


def emdat_indicators(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-type and group-total indicators (long form, missing values dropped)."""
    rows = rows.assign(
        suffix=rows["type"].map({t: s for t, (s, _) in TYPES.items()}),
        group=rows["type"].map({t: g for t, (_, g) in TYPES.items()}),
    )
    measures = list(MEASURES)
    by_type = rows[["country", "year", "suffix", *measures]]
    totals = (
        rows[rows["group"].isin(GROUP_TOTALS)]
        .groupby(["country", "year", "group"], as_index=False)[measures]
        .sum(min_count=1)
        .rename(columns={"group": "suffix"})
    )
    long = pd.concat([by_type, totals], ignore_index=True).melt(
        id_vars=["country", "year", "suffix"], var_name="measure", value_name="value"
    )
    long = long[long["value"].notna()]
    stems = long["measure"].map({m: s for m, (s, _) in MEASURES.items()})
    long = long.assign(
        indicator=stems + "_" + long["suffix"],
        unit=long["measure"].map({m: u for m, (_, u) in MEASURES.items()}),
        period=pd.to_datetime(pd.DataFrame({"year": long["year"], "month": 1, "day": 1})).dt.date,
    )
    return long


def parse_events(raw: RawFile) -> pd.DataFrame:
    """The transcribed Eta/Iota figures → one event per (event, country)."""
    name = raw.name
    df = read_csv(raw.data, name, expected=EVENT_COLUMNS)
    df = df[~df["country"].str.strip().isin(REGIONS)].reset_index(drop=True)
    df = df.assign(
        iso3=to_iso3_series(df["country"], name, "country"),
        start=to_date(df["start_date"], name, "start_date", fmt="%Y-%m-%d"),
        end=to_date(df["end_date"], name, "end_date", fmt="%Y-%m-%d", allow_missing=True),
        number=to_float(df["value"], name, "value", allow_missing=False),
    )
    df["figure"] = (
        df["measure"].str.replace("_", " ")
        + " "
        + df["number"].map("{:,.0f}".format)
        + " "
        + df["unit"]
        + " ("
        + df["reporting_source"]
        + ")"
    )
    keys = ["event", "iso3", "start", "end"]
    events = df.groupby(keys, as_index=False, sort=False).agg(
        figures=("figure", "; ".join), source_url=("url_where_seen", "first")
    )
    return pd.DataFrame(
        {
            "date": events["start"],
            "end_date": events["end"],
            "country": events["iso3"],
            "event": events["event"] + ": " + events["figures"],
            "source_url": events["source_url"],
        }
    )


def read(files: Sequence[RawFile]) -> list[Part]:
    emdat_raw = one(files, "emdat")
    rows = parse_emdat(emdat_raw)
    indicators = indicators_frame(emdat_indicators(rows), EMDAT_ID, frequency="annual")
    parts = [
        Part(
            source_id=EMDAT_ID,
            table="indicators",
            frame=indicators,
            title="EM-DAT disasters by country, year and type: events, deaths, affected, damage",
            files=(emdat_raw,),
            notes=(
                f"Years {rows['year'].min()}-{rows['year'].max()} (the last may be incomplete). "
                "Indicators disaster_<measure>_<type> per EM-DAT type and "
                "disaster_<measure>_natural / _technological group totals, which add the "
                "reported values only (a blank is 'not reported', not zero). Damage converted "
                "from thousands of US$ at the time of the event (not inflation-adjusted). "
                f"Rows for former states and islands ({', '.join(sorted(NOT_COUNTRIES))}) are "
                "dropped."
            ),
        )
    ]
    event_files = [f for f in files if f.role == "events"]
    if event_files:
        events_raw = one(files, "events")
        events = events_frame(parse_events(events_raw), EVENTS_ID, category="disaster")
        parts.append(
            Part(
                source_id=EVENTS_ID,
                table="events",
                frame=events,
                title="Major disasters 2016-2024, transcribed (Hurricanes Eta and Iota, 2020)",
                files=(events_raw,),
                status="transcribed",
                notes=(
                    "Early official counts (late Nov/Dec 2020) that differ between sources; "
                    "regional totals (Central America, Latin America) are not stored. Other "
                    "2016-2024 disasters (Volcán de Fuego 2018, Dry Corridor droughts, Julia "
                    "2022) are missing."
                ),
            )
        )
    return parts


def check(parts: list[Part]) -> None:
    by_id = {p.source_id: p for p in parts}
    frame = by_id[EMDAT_ID].frame
    where = f"{EMDAT_ID} ({by_id[EMDAT_ID].files[0].name})"
    missing = set(NORTHERN_TRIANGLE) - set(frame["country"])
    if missing:
        raise CheckError(f"{where}: no rows for {sorted(missing)}")
    if (frame["value"] < 0).any():
        raise CheckError(f"{where}: negative values")
    # Group totals must equal the sum of their types (the aggregation never double counts).
    groups = {suffix: group for suffix, group in TYPES.values()}
    split = {}
    for name in frame["indicator"].unique():
        stem = next(s for s, _ in MEASURES.values() if name.startswith(s + "_"))
        suffix = name[len(stem) + 1 :]
        split[name] = (stem, groups.get(suffix, suffix), suffix in GROUP_TOTALS)
    codes = pd.Categorical(frame["indicator"])
    frame = pd.DataFrame(
        {
            "country": frame["country"].to_numpy(),
            "period": frame["period"].to_numpy(),
            "value": frame["value"].to_numpy(),
            "stem": codes.map({k: v[0] for k, v in split.items()}, na_action=None),
            "group": codes.map({k: v[1] for k, v in split.items()}, na_action=None),
            "is_total": codes.map({k: v[2] for k, v in split.items()}, na_action=None).astype(bool),
        }
    )
    index = ["country", "period", "stem", "group"]
    summed = frame[~frame["is_total"]].groupby(index, observed=True)["value"].sum()
    totals = frame[frame["is_total"]].set_index(index)["value"]
    diff = (summed.reindex(totals.index) - totals).abs()
    if (diff > 1e-6 * totals.abs().clip(lower=1)).any():
        key = diff.idxmax()
        raise CheckError(f"{where}: group total {key} differs from the sum of its types")
    if EVENTS_ID in by_id:
        events = by_id[EVENTS_ID].frame
        if events["source_url"].isna().any() or (events["source_url"] == "").any():
            raise CheckError(f"{EVENTS_ID}: every transcribed event needs the page it came from")


# What each EM-DAT measure counts, for the indicator names below.
DISASTER_MEASURES = {
    "affected": ("people affected", "People injured, affected or left homeless"),
    "damage_usd": ("damage (US$)", "Reported economic damage, US$ at the time"),
    "deaths": ("deaths", "Deaths and missing presumed dead"),
    "events": ("events", "Number of recorded disasters"),
    "homeless": ("people left homeless", "People left homeless"),
}
# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = tuple(
    (
        rf"disaster_{measure}_(?P<kind>[a-z_]+)",
        named(
            f"Disasters ({{kind}}): {label}",
            DISASTERS,
            f"{text} in the year's {{kind}} disasters (EM-DAT)",
        ),
    )
    for measure, (label, text) in DISASTER_MEASURES.items()
)


SOURCE = SourceSpec(
    id="disasters",
    title="EM-DAT international disaster database (country-year aggregates) and major events",
    publisher="CRED / UCLouvain (EM-DAT); national civil protection agencies, UN OCHA, IFRC",
    folder="drivers/disasters",
    homepage="https://www.emdat.be",
    licence=(
        "EM-DAT: free for non-commercial use with registration; cite 'EM-DAT, CRED / UCLouvain, "
        "Brussels, Belgium - www.emdat.be'"
    ),
    kind="driver",
    files=(
        FileSpec(
            pattern="original_emdat_Data*.csv",
            url=EMDAT_URL,
            role="emdat",
            fetchable=False,
        ),
        FileSpec(
            pattern="major_events_*_transcribed.csv",
            url=EVENTS_URL,
            role="events",
            required=False,
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "EM-DAT here is a 2016 country-year-type aggregate (1900-2015); it is not event-level "
        "and 2016-2024 is not covered (only Eta/Iota 2020 transcribed). Current EM-DAT exports "
        "(event-level xlsx, free registration) use another format this module does not read. "
        "EM-DAT under-records small events; drought 'affected' figures are rough; damage is "
        "missing for many events."
    ),
    publication={
        "emdat": Publication(
            12,
            "year",
            (
                "EM-DAT records events continuously, but country-year totals reach the public "
                "through yearly refreshes (OWID); assumed from December of Y+1"
            ),
        ),
    },
    indicators=INDICATORS,
)
