"""Food insecurity: prevalence of undernourishment (FAO via OWID) and IPC acute food insecurity.

Parts:

- ``fao_undernourishment`` (official): FAO SDG 2.1.1 prevalence of undernourishment, all
  countries, from the OWID grapher CSV ``prevalence-of-undernourishment`` (2025 vintage in the
  snapshot; the official URL serves the newest).
- ``fao_undernourishment_2022`` (official format, frozen): the same chart as downloaded in 2022
  (WDI ``SN.ITK.DEFC.ZS`` wording). FAO revises the whole back series every year, so it is a
  separate id for cross-checks only — never splice the two.
- ``ipc_acute_food_insecurity`` (transcribed): people in IPC Phase 3+ (and 3 / 4, share of the
  analysed population, analysed population) per national analysis period of GT, HN and SV;
  ``period`` = first day of the first month, ``period_end`` = last day of the last month,
  frequency ``irregular``; projections carry the suffix ``_projected``.
- ``ipc_analyses`` (extra table ``food_insecurity_ipc``): every transcribed row as published,
  including the Trifinio cross-border micro-region analyses (not national, so not in
  ``indicators``) and a Guatemala 2024/25 projection without stated dates.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE, to_iso3
from rootcauses.errors import CheckError, ParseError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import FOOD, IndicatorInfo, named
from rootcauses.sources.checks import part_frame
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.owid import OWID_GRAPHER, read_owid_grapher
from rootcauses.sources.parsing import first_true, read_csv, text_or_none, to_float, to_int

SOURCE_ID = "food_insecurity"
POU_ID = "fao_undernourishment"
POU_OLD_ID = "fao_undernourishment_2022"
IPC_ID = "ipc_acute_food_insecurity"
IPC_TABLE_ID = "ipc_analyses"
IPC_TABLE = "food_insecurity_ipc"
POU_COLUMN = r"prevalence of undernourishment"
POU_UNIT = "% of population"

IPC_COLUMNS = (
    "iso2",
    "area_analysed",
    "analysis_published",
    "period_start",
    "period_end",
    "period_type",
    "people_ipc3plus",
    "pct_analysed_ipc3plus",
    "people_ipc3",
    "people_ipc4",
    "analysed_population",
    "url",
    "second_mention_url",
    "note",
)
# file column → (indicator, unit)
IPC_MEASURES = {
    "people_ipc3plus": ("ipc_phase3plus_people", "persons"),
    "pct_analysed_ipc3plus": ("ipc_phase3plus_share", "% of analysed population"),
    "people_ipc3": ("ipc_phase3_people", "persons"),
    "people_ipc4": ("ipc_phase4_people", "persons"),
    "analysed_population": ("ipc_analysed_population", "persons"),
}
PHASE_SUM_TOLERANCE = 0.01  # Phase 3 + Phase 4 vs Phase 3+: published figures are rounded
SHARE_TOLERANCE = 1.5  # percentage points: share vs people / analysed population


# --- undernourishment ----------------------------------------------------------------------------


def read_pou(raw: RawFile, source_id: str, title: str, note: str) -> Part:
    grapher = read_owid_grapher(raw, POU_COLUMN)
    rows = grapher.rows.assign(period=year_start(grapher.rows["year"]))
    frame = indicators_frame(
        rows,
        source_id,
        frequency="annual",
        indicator="undernourishment_prevalence",
        unit=POU_UNIT,
    )
    notes = f"{note} Column: {grapher.column!r}."
    return Part(source_id, "indicators", frame, title, (raw,), notes=notes)


# --- IPC -----------------------------------------------------------------------------------------


def _month(values: pd.Series, name: str, column: str, *, end: bool) -> pd.Series:
    """``YYYY-MM`` → first (or last) day of the month; blank → None."""
    text = values.str.strip()
    parsed = pd.to_datetime(text.where(text != ""), format="%Y-%m", errors="coerce")
    bad = parsed.isna() & (text != "")
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column {column!r} is {values.iloc[pos]!r}; expected YYYY-MM"
        )
    if end:
        parsed = parsed + pd.offsets.MonthEnd(0)
    return pd.Series(
        [None if pd.isna(d) else d.date() for d in parsed], index=values.index, dtype=object
    )


def _period_type(values: pd.Series, name: str) -> pd.Series:
    text = values.str.strip().str.lower()
    kind = text.str.extract(r"^(current|projection)", expand=False)
    if kind.isna().any():
        pos = first_true(kind.isna())
        raise ParseError(
            f"{name}: row {pos + 2}, column 'period_type' is {values.iloc[pos]!r}; expected "
            "'current' or 'projection …'"
        )
    return kind


def _countries(values: pd.Series, name: str) -> pd.Series:
    """``GT`` or ``SV+GT+HN`` → ``GTM`` / ``SLV;GTM;HND``; the error names the row."""
    out = []
    for pos, text in enumerate(values.str.strip()):
        try:
            out.append(";".join(to_iso3(code) for code in text.split("+")))
        except CheckError:
            raise CheckError(
                f"{name}: row {pos + 2}, column 'iso2': unknown country {text!r}"
            ) from None
    return pd.Series(out, index=values.index)


def read_ipc(raw: RawFile) -> pd.DataFrame:
    """The transcribed IPC table → one row per analysis period (typed, as published)."""
    name = raw.name
    df = read_csv(raw.data, name, expected=IPC_COLUMNS)
    out = pd.DataFrame(
        {
            "countries": _countries(df["iso2"], name),
            "area_analysed": df["area_analysed"].str.strip(),
            "analysis_published": df["analysis_published"].str.strip(),
            "period_start": _month(df["period_start"], name, "period_start", end=False),
            "period_end": _month(df["period_end"], name, "period_end", end=True),
            "period_type": _period_type(df["period_type"], name),
            **{
                column: to_float(df[column], name, column)
                if column.startswith("pct")
                else to_int(df[column], name, column, allow_missing=True)
                for column in IPC_MEASURES
            },
            "url": df["url"].str.strip(),
            "second_mention_url": text_or_none(df["second_mention_url"]),
            "note": text_or_none(df["note"]),
        }
    )
    dated = out["period_start"].notna() & out["period_end"].notna()
    backwards = dated & (out["period_start"] > out["period_end"])
    if backwards.any():
        pos = first_true(backwards)
        raise CheckError(f"{name}: row {pos + 2}: period_start is after period_end")
    return out


def ipc_indicators(rows: pd.DataFrame) -> pd.DataFrame:
    """National, dated analyses → long indicator rows."""
    national = rows[
        ~rows["countries"].str.contains(";")
        & rows["period_start"].notna()
        & rows["period_end"].notna()
    ]
    suffix = national["period_type"].map({"current": "", "projection": "_projected"})
    pieces = []
    for column, (indicator, unit) in IPC_MEASURES.items():
        pieces.append(
            pd.DataFrame(
                {
                    "country": national["countries"],
                    "period": national["period_start"],
                    "period_end": national["period_end"],
                    "indicator": indicator + suffix,
                    "value": national[column].astype("float64"),
                    "unit": unit,
                }
            )
        )
    long = pd.concat(pieces, ignore_index=True)
    return long[long["value"].notna()].reset_index(drop=True)


# --- read / check --------------------------------------------------------------------------------


def read(files: Sequence[RawFile]) -> list[Part]:
    ipc_file = one(files, "ipc")
    rows = read_ipc(ipc_file)
    table = rows.copy()
    for column in IPC_MEASURES:
        table[column] = table[column].astype("float64")
    table["source"] = IPC_TABLE_ID
    return [
        read_pou(
            one(files, "pou"),
            POU_ID,
            "Prevalence of undernourishment, % of population (FAO SDG 2.1.1 via OWID)",
            "FAO values are 3-year averages; 2.5 is FAO's floor and means '< 2.5%'.",
        ),
        read_pou(
            one(files, "pou_2022"),
            POU_OLD_ID,
            "Prevalence of undernourishment, % of population (2022 vintage, via OWID)",
            "Older FAO vintage (WDI SN.ITK.DEFC.ZS wording), kept for cross-checks: FAO revises "
            "back series (e.g. Guatemala 2019: 16.8 here vs 14.1 in fao_undernourishment).",
        ),
        Part(
            IPC_ID,
            "indicators",
            indicators_frame(ipc_indicators(rows), IPC_ID, frequency="irregular"),
            "IPC acute food insecurity: people in Phase 3+ by analysis period (GT, HN, SV)",
            (ipc_file,),
            "transcribed",
            "Hand-transcribed from IPC, ReliefWeb, SICA and press pages (URL per row in "
            "food_insecurity_ipc). Figures are rounded as published; analysed populations "
            "differ between rounds; Guatemala 2019/20 covers rural areas only. Current and "
            "projected figures of one analysis are not independent.",
        ),
        Part(
            IPC_TABLE_ID,
            IPC_TABLE,
            table,
            "IPC acute food insecurity analyses as transcribed (incl. Trifinio micro-regions)",
            (ipc_file,),
            "transcribed",
            "countries is ';'-separated ISO3 (SLV;GTM;HND for the Trifinio cross-border "
            "analyses); period_end is the last day of the last month.",
        ),
    ]


def _part(parts: list[Part], source_id: str) -> pd.DataFrame:
    return part_frame(parts, source_id, SOURCE_ID)


def check(parts: list[Part]) -> None:
    for source_id in (POU_ID, POU_OLD_ID, IPC_ID):
        frame = _part(parts, source_id)
        absent = sorted(set(NORTHERN_TRIANGLE) - set(frame["country"]))
        if absent:
            raise CheckError(f"{source_id}: no rows for {absent}")
    for source_id in (POU_ID, POU_OLD_ID):
        values = _part(parts, source_id)["value"]
        if not values.between(0, 100).all():
            raise CheckError(
                f"{source_id}: prevalence outside 0-100 ({values.min()}, {values.max()})"
            )

    table = _part(parts, IPC_TABLE_ID)
    phases = table["people_ipc3"] + table["people_ipc4"]
    off = (phases - table["people_ipc3plus"]).abs() > PHASE_SUM_TOLERANCE * table["people_ipc3plus"]
    if off.any():
        row = table[off].iloc[0]
        raise CheckError(
            f"{IPC_TABLE_ID}: {row['area_analysed']} {row['period_start']}: Phase 3 "
            f"({row['people_ipc3']:,.0f}) + Phase 4 ({row['people_ipc4']:,.0f}) differs from "
            f"Phase 3+ ({row['people_ipc3plus']:,.0f})"
        )
    share = 100 * table["people_ipc3plus"] / table["analysed_population"]
    off = (share - table["pct_analysed_ipc3plus"]).abs() > SHARE_TOLERANCE
    too_many = table["people_ipc3plus"] > table["analysed_population"]
    if off.any() or too_many.any():
        row = table[off | too_many].iloc[0]
        raise CheckError(
            f"{IPC_TABLE_ID}: {row['area_analysed']} {row['period_start']}: "
            f"{row['people_ipc3plus']:,.0f} of {row['analysed_population']:,.0f} analysed is "
            f"not {row['pct_analysed_ipc3plus']}%"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"undernourishment_prevalence",
        named(
            "Undernourishment (%)",
            FOOD,
            "Share of people not eating enough to meet their energy needs (FAO)",
        ),
    ),
    (
        r"ipc_phase3plus_share(?P<p>_projected)?",
        named(
            "Acute food insecurity (% in crisis or worse){p}",
            FOOD,
            "Share of the population analysed in IPC phase 3 (crisis) or worse",
        ),
    ),
    (
        r"ipc_phase3plus_people(?P<p>_projected)?",
        named("People in food crisis or worse{p}", FOOD, "People in IPC phase 3 (crisis) or worse"),
    ),
    (
        r"ipc_phase3_people(?P<p>_projected)?",
        named("People in food crisis (IPC 3){p}", FOOD, "People in IPC phase 3 (crisis)"),
    ),
    (
        r"ipc_phase4_people(?P<p>_projected)?",
        named("People in food emergency (IPC 4){p}", FOOD, "People in IPC phase 4 (emergency)"),
    ),
    (
        r"ipc_analysed_population(?P<p>_projected)?",
        named(
            "Population covered by the IPC analysis{p}",
            FOOD,
            "People in the areas the IPC analysis covered",
        ),
    ),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Undernourishment (FAO via OWID) and IPC acute food insecurity (GT, HN, SV)",
    publisher="FAO (SOFI / FAOSTAT, SDG 2.1.1) via Our World in Data; IPC and national TWGs",
    folder="drivers/food-insecurity",
    homepage="https://ourworldindata.org/grapher/prevalence-of-undernourishment",
    licence="CC BY 4.0 (FAO, OWID); IPC figures: public IPC publications, cite IPC",
    kind="driver",
    extra_tables=(IPC_TABLE,),
    files=(
        FileSpec(
            pattern="original/owid_prevalence-of-undernourishment_all_countries_2025vintage.csv",
            url=OWID_GRAPHER.format(chart="prevalence-of-undernourishment"),
            role="pou",
            save_as="original/owid_prevalence-of-undernourishment_all_countries_2025vintage.csv",
        ),
        FileSpec(
            pattern="original/owid_prevalence-of-undernourishment_all_countries_2022vintage.csv",
            url="https://ourworldindata.org/grapher/prevalence-of-undernourishment",
            role="pou_2022",
            fetchable=False,
        ),
        FileSpec(
            pattern="ipc_acute_food_insecurity_*_transcribed.csv",
            url="https://www.ipcinfo.org/ipc-country-analysis/en/",
            role="ipc",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Undernourishment: FAO revises back series every release — never mix vintages "
        "(fao_undernourishment vs fao_undernourishment_2022); 2.5 means '< 2.5%'. IPC figures "
        "are rounded, hand-transcribed, and coverage differs by round (GT 2019/20 rural only); "
        "no El Salvador national analysis after 2022, no Honduras figures for 2024. FIES "
        "(SDG 2.1.2) not available."
    ),
    indicators=INDICATORS,
)
