"""CBP Southwest Land Border encounters by component, demographic and citizenship group (FY2022+).

The only CBP file that splits Southwest-border encounters into Border Patrol (between ports) and
Field Operations (at ports, including CBP One appointments) by nationality group. Each monthly
release replaces the previous one, so only the newest file is read.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.periods import month_of_fiscal_year
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.cbp import (
    AUTHORITIES,
    DEMOGRAPHICS,
    parse_calendar_month,
    parse_fiscal_year,
)
from rootcauses.sources.frames import encounters_frame
from rootcauses.sources.parsing import read_csv, to_choice, to_int, to_iso3_series

SOURCE_ID = "cbp_sw"
COLUMNS = (
    "Fiscal Year",
    "Month (abbv)",
    "Component",
    "Demographic",
    "Citizenship Grouping",
    "Title of Authority",
    "Encounter Type",
    "Encounter Count",
)
COMPONENTS = {"U.S. Border Patrol": "USBP", "Office of Field Operations": "OFO"}
ENCOUNTER_TYPES = {
    "Apprehensions": "APPREHENSION",
    "Inadmissibles": "INADMISSIBLE",
    "Expulsions": "EXPULSION",
}


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    name = raw.name
    df = read_csv(raw.data, name, expected=COLUMNS)
    fy = parse_fiscal_year(df["Fiscal Year"], name)
    calendar_month = parse_calendar_month(df["Month (abbv)"], name)
    rows = pd.DataFrame(
        {
            "month": [month_of_fiscal_year(y, m) for y, m in zip(fy, calendar_month, strict=True)],
            "fiscal_year": fy,
            "component": to_choice(df["Component"], COMPONENTS, name, "Component"),
            "demographic": to_choice(df["Demographic"], DEMOGRAPHICS, name, "Demographic"),
            "citizenship": to_iso3_series(df["Citizenship Grouping"], name, "Citizenship Grouping"),
            "authority": to_choice(
                df["Title of Authority"], AUTHORITIES, name, "Title of Authority"
            ),
            "encounter_type": to_choice(
                df["Encounter Type"], ENCOUNTER_TYPES, name, "Encounter Type"
            ),
            "count": to_int(df["Encounter Count"], name, "Encounter Count"),
        }
    )
    keys = [c for c in rows.columns if c != "count"]
    rows = rows.groupby(keys, as_index=False)["count"].sum()
    frame = encounters_frame(rows, SOURCE_ID, region="Southwest Land Border", area=None)
    return [
        Part(
            source_id=SOURCE_ID,
            table="encounters",
            frame=frame,
            title="CBP Southwest Land Border encounters by component and citizenship group",
            files=(raw,),
        )
    ]


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="CBP Southwest Land Border encounters by component, demographic and citizenship",
    publisher="U.S. Customs and Border Protection (CBP)",
    folder="outcomes/cbp_southwest_border_encounters_fy22_fy25",
    homepage="https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters",
    licence="U.S. federal government work (public domain in the U.S.)",
    kind="outcome",
    files=(
        FileSpec(
            pattern="sbo-encounters-fy*.csv",
            url="https://www.cbp.gov/document/stats/southwest-land-border-encounters",
            link=r"sbo-encounters-fy\d\d-fy\d\d[^/]*\.csv$",
            select="latest",
        ),
    ),
    read=read,
    notes=(
        "Citizenship groups: GTM, HND, SLV, MEX and OTHER. OFO encounters rise from FY2023 with "
        "CBP One appointments; Title 42 ends 11 May 2023."
    ),
)
