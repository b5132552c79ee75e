"""The U.S. Root Causes strategy for Guatemala, Honduras and El Salvador: pillars, commitments,
dated progress, a timeline of events, and U.S. foreign-assistance figures.

The strategy files are the project's own compilation from public pages (``status
"transcribed"``, ``fetchable=False``; every row cites its own URL). They are loaded exactly as
published but typed, because the tracker imports them later:

* ``strategy_pillars``, ``strategy_commitments``, ``strategy_progress`` (extra tables). Dates
  stay text with their precision (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, checked to be real
  dates) and a ``<column>_precision`` column says which (``year``/``month``/``day``); money and
  progress values are numbers; ``;``-separated lists (``pillar_id``, paired ``target_value`` /
  ``unit``) stay text as published. ``country`` is kept and ``country_iso3`` added
  (``regional`` → ``XNT``, the Northern Triangle as a group).
* ``strategy_events`` → the canonical ``events`` table. A date given only to the month or year
  is placed on the first day of that period, an end date on the last day of its period, so the
  interval covers what the source says; ``strategy_event_details`` keeps the published date
  text, its precision and the ``notes`` (second mentions, UNCERTAIN/INFERRED flags) per event.
* ``us_aid_country_summary`` → indicators ``us_aid_<transaction type>_fy`` (current USD) and
  ``us_aid_<transaction type>_constant_fy`` (constant USD), for GTM/HND/SLV, per U.S. fiscal year.
  ``read`` parses ForeignAssistance.gov's official country summary file
  (``us_foreign_aid_country.csv``) when it is present (``fetch`` downloads it), and otherwise
  the snapshot's filtered long-format copy of it.
* ``strategy_aid_headlines`` (extra table): headline budget figures, each with its source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError, SourceError
from rootcauses.periods import PARTIAL_DATE, PRECISION, period_end, period_start
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, Status, by_role, one
from rootcauses.sources.catalogue import US_AID, IndicatorInfo, named
from rootcauses.sources.frames import events_frame, indicators_frame
from rootcauses.sources.parsing import (
    first_true,
    read_csv,
    text_or_none,
    to_choice,
    to_float,
    to_iso3_series,
)

DATASET = "strategy"
HOMEPAGE = (
    "https://www.state.gov/u-s-efforts-to-address-the-root-causes-of-irregular-migration-in-"
    "central-america/"
)
AID_URL = "https://s3.amazonaws.com/files.explorer.devtechlab.com/us_foreign_aid_country.csv"
AID_PAGE = "https://foreignassistance.gov/data"

EVENT_COLUMNS = ["date", "end_date", "country", "category", "event", "source_url", "notes"]
PILLAR_COLUMNS = [
    "id",
    "framework",
    "pillar",
    "line_of_effort",
    "description",
    "source_url",
    "notes",
]
COMMITMENT_COLUMNS = [
    "id",
    "actor",
    "actor_type",
    "country",
    "pillar_id",
    "commitment",
    "metric",
    "target_value",
    "unit",
    "baseline",
    "announced_date",
    "deadline",
    "amount_usd",
    "source_url",
    "source_date",
    "notes",
]
PROGRESS_COLUMNS = [
    "commitment_id",
    "report_date",
    "value",
    "unit",
    "reported",
    "source_url",
    "notes",
]
HEADLINE_COLUMNS = ["fiscal_year", "scope", "measure", "amount_usd", "source_url", "notes"]
AID_COLUMNS = [
    "country",
    "country_name",
    "fiscal_year",
    "transaction_type",
    "current_usd",
    "constant_usd",
    "source_url",
    "source_copy",
    "check_vs_2022_snapshot",
    "notes",
]
# The official file (ForeignAssistance.gov "Country Summary", us_foreign_aid_country.csv).
OFFICIAL_AID = {
    "Country Code": "country",
    "Transaction Type Name": "transaction_type",
    "Fiscal Year": "fiscal_year",
    "current_amount": "current_usd",
    "constant_amount": "constant_usd",
}

CATEGORIES = {
    c: c for c in ("policy", "corruption", "election", "aid", "disaster", "strategy", "security")
}
ACTOR_TYPES = {c: c for c in ("us_gov", "private", "ngo", "partner_gov", "multilateral")}
# Not a country: rows covering two or more of GT/HN/SV (sometimes the wider region).
REGIONAL = {"regional": "XNT"}
TRANSACTION_TYPES = {
    "Obligations": "obligations",
    "Disbursements": "disbursements",
    "Appropriated and Planned": "appropriated_and_planned",
    "President's Budget Requests": "presidents_budget_request",
    "Initial Allocations": "initial_allocations",
}
CURRENT_UNIT = "current USD"
CONSTANT_UNIT = "constant USD (ForeignAssistance.gov deflator, base year of the release)"

EVENTS_ID = "strategy_events"
DETAILS_ID = "strategy_event_details"
PILLARS_ID = "strategy_pillars"
COMMITMENTS_ID = "strategy_commitments"
PROGRESS_ID = "strategy_progress"
AID_ID = "us_aid_country_summary"
HEADLINES_ID = "strategy_aid_headlines"

URL = re.compile(r"^https?://\S+$")


# --------------------------------------------------------------------------- helpers


def partial_dates(
    values: pd.Series, name: str, column: str, *, allow_missing: bool = True
) -> tuple[pd.Series, pd.Series]:
    """``YYYY`` / ``YYYY-MM`` / ``YYYY-MM-DD`` → (text, precision); the text must be a real date."""
    text = values.astype(str).str.strip()
    blank = text == ""
    shape = text.str.fullmatch(PARTIAL_DATE.pattern)
    padded = text.where(text.str.len() != 4, text + "-01-01")
    padded = padded.where(padded.str.len() != 7, padded + "-01")
    real = pd.to_datetime(padded.where(shape), format="%Y-%m-%d", errors="coerce").notna()
    ok = (shape & real) | (blank & allow_missing)
    if not ok.all():
        pos = first_true(~ok)
        what = "is missing" if blank.iloc[pos] else f"is {values.iloc[pos]!r}"
        raise ParseError(
            f"{name}: row {pos + 2}, column {column!r} {what}; expected a date YYYY, YYYY-MM "
            "or YYYY-MM-DD"
        )
    precision = text.str.len().map(PRECISION)
    return text.astype(object).where(~blank, None), precision.astype(object).where(~blank, None)


def _countries(values: pd.Series, name: str, column: str = "country") -> pd.Series:
    text = values.astype(str).str.strip()
    return to_iso3_series(text.replace(REGIONAL), name, column)


# --------------------------------------------------------------------------- events


def events_parts(raw: RawFile) -> list[Part]:
    name = raw.name
    df = read_csv(raw.data, name, expected=EVENT_COLUMNS)
    date_text, date_precision = partial_dates(df["date"], name, "date", allow_missing=False)
    end_text, end_precision = partial_dates(df["end_date"], name, "end_date")
    events = pd.DataFrame(
        {
            "date": [period_start(t) for t in date_text],
            "end_date": [period_end(t) for t in end_text],
            "country": _countries(df["country"], name),
            "category": to_choice(df["category"], CATEGORIES, name, "category"),
            "event": text_or_none(df["event"]),
            "source_url": text_or_none(df["source_url"]),
        }
    )
    if events["event"].isna().any():
        pos = first_true(events["event"].isna())
        raise ParseError(f"{name}: row {pos + 2}, column 'event' is empty; expected a text")
    frame = events_frame(events, EVENTS_ID)
    details = events[["date", "country", "category", "event"]].assign(
        date_text=date_text,
        date_precision=date_precision,
        end_date_text=end_text,
        end_date_precision=end_precision,
        notes=text_or_none(df["notes"]),
    )
    return [
        Part(
            source_id=EVENTS_ID,
            table="events",
            frame=frame,
            title="Root Causes strategy timeline: policy, corruption, election, aid, other events",
            files=(raw,),
            status="transcribed",
            notes=(
                "Compiled from public pages (URL on every row; notes hold second mentions and "
                "UNCERTAIN/INFERRED flags, see strategy_event_details). Dates known only to the "
                "month or year are placed on the first day of that period and end dates on the "
                "last day of theirs. country XNT = two or more of GT/HN/SV ('regional')."
            ),
        ),
        Part(
            source_id=DETAILS_ID,
            table=DETAILS_ID,
            frame=details,
            title="Root Causes strategy timeline: published dates, their precision, and notes",
            files=(raw,),
            status="transcribed",
            notes="Joins strategy_events on (date, country, category, event).",
        ),
    ]


# --------------------------------------------------------------------------- tracker tables


def pillars_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=PILLAR_COLUMNS)
    frame = pd.DataFrame({c: text_or_none(df[c]) for c in PILLAR_COLUMNS})
    return Part(
        source_id=PILLARS_ID,
        table=PILLARS_ID,
        frame=frame,
        title="Root Causes strategy pillars, CMMS lines of effort, Call to Action focus areas",
        files=(raw,),
        status="transcribed",
        notes=(
            "P1-P5 Root Causes Strategy pillars (pillar level only: the per-pillar lines of "
            "effort could not be read), M1-M8 Collaborative Migration Management Strategy lines "
            "of effort, A1-A6 Call to Action focus areas, F1-F4 Central America Forward. "
            "description is the compiler's one-line summary."
        ),
    )


def commitments_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=COMMITMENT_COLUMNS)
    announced, announced_precision = partial_dates(df["announced_date"], name, "announced_date")
    source_date, source_precision = partial_dates(df["source_date"], name, "source_date")
    frame = pd.DataFrame(
        {
            "id": text_or_none(df["id"]),
            "actor": text_or_none(df["actor"]),
            "actor_type": to_choice(df["actor_type"], ACTOR_TYPES, name, "actor_type"),
            "country": text_or_none(df["country"]),
            "country_iso3": _countries(df["country"], name),
            "pillar_id": text_or_none(df["pillar_id"]),
            "commitment": text_or_none(df["commitment"]),
            "metric": text_or_none(df["metric"]),
            "target_value": text_or_none(df["target_value"]),
            "unit": text_or_none(df["unit"]),
            "baseline": text_or_none(df["baseline"]),
            "announced_date": announced,
            "announced_date_precision": announced_precision,
            "deadline": text_or_none(df["deadline"]),
            "amount_usd": to_float(df["amount_usd"], name, "amount_usd"),
            "source_url": text_or_none(df["source_url"]),
            "source_date": source_date,
            "source_date_precision": source_precision,
            "notes": text_or_none(df["notes"]),
        }
    )
    return Part(
        source_id=COMMITMENTS_ID,
        table=COMMITMENTS_ID,
        frame=frame,
        title="Root Causes strategy commitments: actor, pillar, metric, target, deadline",
        files=(raw,),
        status="transcribed",
        notes=(
            "As published. target_value and unit may hold several ';'-separated values paired "
            "by position; target_value is text ('+40%' occurs). deadline is free text as the "
            "source words it. C900 is the aggregate Call to Action total (its progress rows are "
            "running totals); C109 repeats the combined C101 figure, do not add them. notes "
            "flags: UNCERTAIN, INFERRED, DERIVED, UNDATED, PRE-RCS."
        ),
    )


def progress_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=PROGRESS_COLUMNS)
    report, precision = partial_dates(df["report_date"], name, "report_date")
    frame = pd.DataFrame(
        {
            "commitment_id": text_or_none(df["commitment_id"]),
            "report_date": report,
            "report_date_precision": precision,
            "value": to_float(df["value"], name, "value"),
            "unit": text_or_none(df["unit"]),
            "reported": text_or_none(df["reported"]),
            "source_url": text_or_none(df["source_url"]),
            "notes": text_or_none(df["notes"]),
        }
    )
    return Part(
        source_id=PROGRESS_ID,
        table=PROGRESS_ID,
        frame=frame,
        title="Root Causes strategy progress reports per commitment",
        files=(raw,),
        status="transcribed",
        notes=(
            "Headline numbers use different definitions (PCA 'jobs generated', USAID 'created "
            "or sustained', WH 'up to ... estimated'): do not add them across sources. value is "
            "empty where the report gives a status, not a number."
        ),
    )


# --------------------------------------------------------------------------- aid


def aid_rows(raw: RawFile, official: bool) -> pd.DataFrame:
    """GT/HN/SV rows of the official country summary (all countries, ``official``) or of the
    snapshot's long-format copy, typed: country, fiscal_year, kind, current, constant, notes.

    Values are validated on every row of the file, so error rows are file lines."""
    name = raw.name
    if official:
        df = read_csv(raw.data, name, expected=[*OFFICIAL_AID, "Country Name"])
        df = df.rename(columns=OFFICIAL_AID).assign(notes="")
        label = {ours: theirs for theirs, ours in OFFICIAL_AID.items()}  # for error messages
    else:
        df = read_csv(raw.data, name, expected=AID_COLUMNS)
        label = {c: c for c in AID_COLUMNS}
    kind = to_choice(df["transaction_type"], TRANSACTION_TYPES, name, label["transaction_type"])
    current = to_float(df["current_usd"], name, label["current_usd"])
    constant = to_float(df["constant_usd"], name, label["constant_usd"])
    years = df["fiscal_year"].str.strip()
    # "1976tq" is the transition quarter of 1976 (Jul-Sep), not a fiscal year.
    keep = ~years.str.fullmatch(r"\d{4}\s*tq", case=False)
    if official:
        keep &= df["country"].str.strip().isin(NORTHERN_TRIANGLE)
    bad = keep & ~years.str.fullmatch(r"\d{4}")
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column {label['fiscal_year']!r} is {years.iloc[pos]!r}; "
            "expected a year such as 2021"
        )
    country = to_iso3_series(df["country"].where(keep, "OTHER"), name, label["country"])
    return pd.DataFrame(
        {
            "country": country,
            "fiscal_year": years.where(keep, "0").astype(int),
            "kind": kind,
            "current": current,
            "constant": constant,
            "notes": df["notes"],
        }
    )[keep].reset_index(drop=True)


def aid_part(raw: RawFile, official: bool) -> Part:
    df = aid_rows(raw, official)
    period = [dt.date(y - 1, 10, 1) for y in df["fiscal_year"]]
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "country": df["country"],
                    "period": period,
                    "indicator": "us_aid_" + df["kind"] + "_fy",
                    "value": df["current"],
                    "unit": CURRENT_UNIT,
                }
            ),
            pd.DataFrame(
                {
                    "country": df["country"],
                    "period": period,
                    "indicator": "us_aid_" + df["kind"] + "_constant_fy",
                    "value": df["constant"],
                    "unit": CONSTANT_UNIT,
                }
            ),
        ],
        ignore_index=True,
    )
    frame = indicators_frame(long, AID_ID, frequency="annual")
    if official:
        notes = (
            "ForeignAssistance.gov country summary file (official), GTM/HND/SLV rows; the 1976 "
            "transition quarter is dropped."
        )
        status: Status = "official"
    else:
        flagged = df.loc[df["notes"].str.contains("incomplete", case=False), "fiscal_year"]
        incomplete = ", ".join(f"FY{y}" for y in sorted(set(flagged))) or "none"
        notes = (
            "Snapshot copy of ForeignAssistance.gov's us_foreign_aid_country.csv (GitHub "
            "lublog/ForeignAssistance @fbcdca2, 2023-09-29) filtered to GT/HN/SV, FY2000 on; "
            "FY2012-FY2020 agree within 5% with a June 2022 copy, FY2021 was revised up "
            f"13-21%. Incomplete reporting: {incomplete}. FY2024-FY2025 obligations are "
            "missing: fetch the official file. SV FY2015 obligations (332M) are a spike, "
            "probably the MCC compact."
        )
        status = "derived"
    return Part(
        source_id=AID_ID,
        table="indicators",
        frame=frame,
        title="U.S. foreign assistance to GT/HN/SV by transaction type and fiscal year",
        files=(raw,),
        status=status,
        notes=(
            f"{notes} Indicators us_aid_<obligations|disbursements|appropriated_and_planned|"
            "presidents_budget_request|initial_allocations>_fy in current USD and "
            "..._constant_fy in constant USD; the constant base year differs by transaction "
            "type and release. Later fiscal years are revised as reporting catches up."
        ),
    )


def headlines_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=HEADLINE_COLUMNS)
    frame = pd.DataFrame(
        {
            "fiscal_year_label": text_or_none(df["fiscal_year"]),
            "scope": text_or_none(df["scope"]),
            "measure": text_or_none(df["measure"]),
            "amount_usd": to_float(df["amount_usd"], name, "amount_usd"),
            "source_url": text_or_none(df["source_url"]),
            "notes": text_or_none(df["notes"]),
        }
    )
    return Part(
        source_id=HEADLINES_ID,
        table=HEADLINES_ID,
        frame=frame,
        title="Central America aid headline figures (requests, appropriations, allocations)",
        files=(raw,),
        status="transcribed",
        notes=(
            "Headline budget figures with their sources (GAO, CRS, OMB, White House, press). "
            "fiscal_year_label is the published fiscal_year text (ranges such as FY2013-FY2018 "
            "and calendar years occur); scopes "
            "differ (all of Central America vs GT/HN/SV). FY2023 is DERIVED; Honduras 2025 is "
            "UNCERTAIN (see notes)."
        ),
    )


# --------------------------------------------------------------------------- read / check


def read(files: Sequence[RawFile]) -> list[Part]:
    parts = events_parts(one(files, "events"))
    parts.append(pillars_part(one(files, "pillars")))
    parts.append(commitments_part(one(files, "commitments")))
    parts.append(progress_part(one(files, "progress")))
    official = by_role(files, "aid_official")
    copy = by_role(files, "aid_copy")
    if official:
        parts.append(aid_part(official[-1], official=True))
    elif copy:
        parts.append(aid_part(copy[-1], official=False))
    else:
        raise SourceError(
            f"{DATASET}: no ForeignAssistance.gov country summary (official {AID_URL}, or the "
            "snapshot's aid/foreignassistance_gov_country_summary.csv)"
        )
    parts.append(headlines_part(one(files, "aid_headlines")))
    return parts


def _unique(frame: pd.DataFrame, column: str, where: str) -> None:
    dup = frame[column].duplicated(keep=False) | frame[column].isna()
    if dup.any():
        raise CheckError(
            f"{where}: column {column!r} value {frame.loc[dup, column].iloc[0]!r} "
            "is missing or not unique"
        )


def _urls(frame: pd.DataFrame, where: str, column: str = "source_url") -> None:
    pieces = frame[column].dropna().str.split(r"\s+;\s+").explode()
    bad = ~pieces.str.fullmatch(URL.pattern)
    if bad.any() or frame[column].isna().any():
        value = pieces[bad].iloc[0] if bad.any() else None
        raise CheckError(f"{where}: column {column!r} has {value!r}; expected an http(s) URL")


def check(parts: list[Part]) -> None:
    found = {p.source_id: p.frame for p in parts}
    pillars, commitments = found[PILLARS_ID], found[COMMITMENTS_ID]
    progress, events = found[PROGRESS_ID], found[EVENTS_ID]
    _unique(pillars, "id", PILLARS_ID)
    _unique(commitments, "id", COMMITMENTS_ID)
    for source_id in (PILLARS_ID, COMMITMENTS_ID, PROGRESS_ID, EVENTS_ID, HEADLINES_ID):
        _urls(found[source_id], source_id)
    pillar_refs = commitments["pillar_id"].dropna().str.split(";").explode().str.strip()
    unknown = sorted(set(pillar_refs) - set(pillars["id"]))
    if unknown:
        raise CheckError(f"{COMMITMENTS_ID}: column 'pillar_id' names unknown pillar(s) {unknown}")
    orphans = sorted(set(progress["commitment_id"].dropna()) - set(commitments["id"]))
    if orphans or progress["commitment_id"].isna().any():
        raise CheckError(
            f"{PROGRESS_ID}: column 'commitment_id' has unknown or missing id(s) {orphans}"
        )
    paired = commitments.dropna(subset=["target_value"])
    n_targets = paired["target_value"].str.count(";")
    n_units = paired["unit"].fillna("").str.count(";")
    mismatch = n_targets != n_units
    if mismatch.any():
        row = paired[mismatch].iloc[0]
        raise CheckError(
            f"{COMMITMENTS_ID}: {row['id']}: target_value {row['target_value']!r} and unit "
            f"{row['unit']!r} do not pair by position"
        )
    negative = commitments["amount_usd"] < 0
    if negative.any():
        raise CheckError(
            f"{COMMITMENTS_ID}: {commitments.loc[negative, 'id'].iloc[0]}: amount_usd < 0"
        )
    ends = events.dropna(subset=["end_date"])
    backwards = ends["end_date"] < ends["date"]
    if backwards.any():
        row = ends[backwards].iloc[0]
        raise CheckError(
            f"{EVENTS_ID}: event {row['event']!r} ends ({row['end_date']}) before "
            f"it starts ({row['date']})"
        )
    aid = found[AID_ID]
    obligations = aid[aid["indicator"] == "us_aid_obligations_fy"]
    missing = set(NORTHERN_TRIANGLE) - set(obligations["country"])
    if missing:
        raise CheckError(f"{AID_ID}: no obligations for {sorted(missing)}")
    wide = aid.assign(
        kind=aid["indicator"].str.replace("_constant_fy", "_fy", regex=False),
        constant=aid["indicator"].str.endswith("_constant_fy"),
    ).pivot_table(index=["country", "period", "kind"], columns="constant", values="value")
    if {True, False} <= set(wide.columns):
        both = wide.dropna()
        flipped = np.sign(both[True]) != np.sign(both[False])
        if flipped.any():
            key = both[flipped].index[0]
            raise CheckError(f"{AID_ID}: {key}: current and constant USD differ in sign")


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"us_aid_(?P<s>[a-z_]+?)_constant_fy",
        named(
            "US aid {s} (constant US$)",
            US_AID,
            "US foreign assistance {s}, fiscal year, constant dollars (ForeignAssistance.gov)",
        ),
    ),
    (
        r"us_aid_(?P<s>[a-z_]+?)_fy",
        named(
            "US aid {s}",
            US_AID,
            "US foreign assistance {s}, fiscal year, current dollars (ForeignAssistance.gov)",
        ),
    ),
)


SOURCE = SourceSpec(
    id=DATASET,
    title="U.S. Root Causes strategy: pillars, commitments, progress, events and aid figures",
    publisher=(
        "Compiled by the project from U.S. government (White House, State, USAID, CRS, GAO) "
        "and press sources; aid data: ForeignAssistance.gov (USAID/State)"
    ),
    folder="strategy",
    homepage=HOMEPAGE,
    licence=(
        "Compilation: project's own (paraphrased; every row cites its source). "
        "ForeignAssistance.gov data: U.S. government work (public domain)."
    ),
    kind="strategy",
    files=(
        FileSpec(
            pattern="events.csv", url=HOMEPAGE, role="events", status="transcribed", fetchable=False
        ),
        FileSpec(
            pattern="pillars.csv",
            url=HOMEPAGE,
            role="pillars",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="commitments.csv",
            url=HOMEPAGE,
            role="commitments",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="progress.csv",
            url=HOMEPAGE,
            role="progress",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="aid/us_foreign_aid_country.csv",
            url=AID_URL,
            role="aid_official",
            save_as="aid/us_foreign_aid_country.csv",
            required=False,
        ),
        FileSpec(
            pattern="aid/foreignassistance_gov_country_summary.csv",
            url=AID_PAGE,
            role="aid_copy",
            status="derived",
            fetchable=False,
            required=False,
        ),
        FileSpec(
            pattern="aid/central_america_funding_headlines.csv",
            url=HOMEPAGE,
            role="aid_headlines",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "The strategy tables are a compilation from public pages (paraphrased; a URL on every "
        "row; notes flag UNCERTAIN, INFERRED, DERIVED, UNDATED and PRE-RCS items). Headline "
        "numbers from different sources use different definitions: do not add them. Aid "
        "figures for the latest fiscal years are incomplete until reporting catches up."
    ),
    extra_tables=(DETAILS_ID, PILLARS_ID, COMMITMENTS_ID, PROGRESS_ID, HEADLINES_ID),
    indicators=INDICATORS,
)
