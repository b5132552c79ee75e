"""CBP Nationwide Encounters by state, demographic and citizenship (FY2020 onward, monthly).

CBP publishes this series as overlapping multi-year releases (FY20-FY23, FY22-FY25, FY23-FY26 …);
every fiscal year is taken from the newest release that holds it, so no month is counted twice.
These files carry no component (USBP vs OFO) split: rows are CBP-wide (``component = CBP``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.periods import month_of_fiscal_year
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec
from rootcauses.sources.cbp import (
    AUTHORITIES,
    DEMOGRAPHICS,
    parse_calendar_month,
    parse_fiscal_year,
)
from rootcauses.sources.frames import encounters_frame
from rootcauses.sources.parsing import read_csv, to_choice, to_int, to_iso3_series

COLUMNS = {
    "Fiscal Year": "fy",
    "Month (abbv)": "month_abbr",
    "Land Border Region": "region",
    "State": "area",
    "Demographic": "demographic",
    "Citizenship": "citizenship",
    "Title of Authority": "authority",
    "Encounter Count": "count",
}
REGIONS = {
    "Southwest Land Border": "Southwest Land Border",
    "Northern Land Border": "Northern Land Border",
    "Other": "Other",
}

SOURCE_ID = "cbp_state"


def parse_release(raw: RawFile) -> pd.DataFrame:
    """One release file → canonical rows (all of its fiscal years)."""
    name = raw.name
    df = read_csv(raw.data, name, expected=COLUMNS)
    out = pd.DataFrame(
        {
            "fy": parse_fiscal_year(df["Fiscal Year"], name),
            "calendar_month": parse_calendar_month(df["Month (abbv)"], name),
            "region": to_choice(df["Land Border Region"], REGIONS, name, "Land Border Region"),
            "area": df["State"].str.strip().replace("", None),
            "demographic": to_choice(df["Demographic"], DEMOGRAPHICS, name, "Demographic"),
            "citizenship": to_iso3_series(df["Citizenship"], name, "Citizenship"),
            "authority": to_choice(
                df["Title of Authority"], AUTHORITIES, name, "Title of Authority"
            ),
            "count": to_int(df["Encounter Count"], name, "Encounter Count"),
        }
    )
    out["month"] = [
        month_of_fiscal_year(fy, m) for fy, m in zip(out["fy"], out["calendar_month"], strict=True)
    ]
    return out


def newest_release_per_year(releases: dict[str, pd.DataFrame]) -> dict[str, list[int]]:
    """For each release, the fiscal years taken from it: each FY from the release that ends
    latest (ties: the later file name), so overlapping releases are never double-counted."""
    order = sorted(releases, key=lambda n: (int(releases[n]["fy"].max()), n), reverse=True)
    taken: dict[str, list[int]] = {}
    claimed: set[int] = set()
    for name in order:
        years = sorted(set(releases[name]["fy"].unique()) - claimed)
        taken[name] = [int(y) for y in years]
        claimed.update(years)
    return taken


def read(files: Sequence[RawFile]) -> list[Part]:
    releases = {f.name: parse_release(f) for f in files}
    chosen = newest_release_per_year(releases)
    pieces = [releases[n][releases[n]["fy"].isin(ys)] for n, ys in chosen.items() if ys]
    rows = pd.concat(pieces, ignore_index=True)
    # A release may publish one cell on several lines (e.g. states of one region); add them.
    keys = ["month", "fy", "region", "area", "demographic", "citizenship", "authority"]
    rows = rows.groupby(keys, dropna=False, as_index=False)["count"].sum()
    frame = encounters_frame(
        rows.rename(columns={"fy": "fiscal_year"}),
        SOURCE_ID,
        component="CBP",
        encounter_type="ALL",
    )
    note = "; ".join(
        f"{n}: FY{min(ys)}-FY{max(ys)}" if ys else f"{n}: superseded" for n, ys in chosen.items()
    )
    return [
        Part(
            source_id=SOURCE_ID,
            table="encounters",
            frame=frame,
            title="CBP nationwide encounters by state, demographic and citizenship",
            files=tuple(files),
            notes=f"fiscal years taken from: {note}",
        )
    ]


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="CBP Nationwide Encounters by state, demographic and citizenship",
    publisher="U.S. Customs and Border Protection (CBP)",
    folder="outcomes/cbp_nationwide_encounters_state",
    homepage="https://www.cbp.gov/newsroom/stats/nationwide-encounters",
    licence="U.S. federal government work (public domain in the U.S.)",
    kind="outcome",
    files=(
        FileSpec(
            pattern="*encounters-fy*-state.csv",
            url="https://www.cbp.gov/document/stats/nationwide-encounters",
            link=r"nationwide-encounters-fy\d\d-fy\d\d[^/]*-state\.csv$",
            select="all",
        ),
    ),
    read=read,
    notes=(
        "Encounters are events, not people. Title 42 expulsions (Mar 2020 - May 2023) inflate "
        "repeat crossings. 21 citizenships are broken out; the rest are OTHER."
    ),
)
