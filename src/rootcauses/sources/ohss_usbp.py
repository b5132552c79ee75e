"""OHSS Key Homeland Security Metrics: U.S. Border Patrol encounters, FY2000 onward (xlsx).

The longest consistent monthly series by citizenship (135 countries) for the Border Patrol; no
port-of-entry (OFO) encounters. OHSS rounds every cell to the nearest 10, so each worksheet is
kept as its own source id: sums within one are exact to rounding, and no two are ever added.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.periods import MONTH_NAME_NUMBER, month_of_fiscal_year
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.frames import encounters_frame
from rootcauses.sources.parsing import (
    first_true,
    open_workbook,
    read_excel_sheet,
    to_choice,
    to_int,
    to_iso3_series,
)

FAMILY_STATUS = {
    "Single Adults": "SINGLE_ADULT",
    "Unaccompanied Children": "UAC",
    "Family Unit Individuals": "FMUA",
}
REGIONS = {
    "Southwest Land Border": "Southwest Land Border",
    "Northern Land Border": "Northern Land Border",
    "Coastal Border": "Coastal Border",
}


@dataclass(frozen=True)
class Sheet:
    name: str
    source_id: str
    breakdown: str | None  # the column beside Region, if any
    title: str


SHEETS = [
    Sheet("Monthly Count", "ohss_usbp_total", None, "USBP encounters, all, monthly"),
    Sheet("Annual Count", "ohss_usbp_total_fy", None, "USBP encounters, all, by fiscal year"),
    Sheet(
        "Monthly Rgn and Citp",
        "ohss_usbp_citizenship",
        "Citizenship",
        "USBP encounters by region and citizenship, monthly",
    ),
    Sheet(
        "Annual Rgn and Citp",
        "ohss_usbp_citizenship_fy",
        "Citizenship",
        "USBP encounters by region and citizenship, by fiscal year",
    ),
    Sheet(
        "Monthly Rgn and Fam Status",
        "ohss_usbp_family",
        "Family Status",
        "USBP encounters by region and family status, monthly",
    ),
    Sheet(
        "Annual Rgn and Fam Status",
        "ohss_usbp_family_fy",
        "Family Status",
        "USBP encounters by region and family status, by fiscal year",
    ),
    Sheet(
        "Monthly Rgn and Sector",
        "ohss_usbp_sector",
        "Sector",
        "USBP encounters by region and sector, monthly",
    ),
    Sheet(
        "Annual Rgn and Sector",
        "ohss_usbp_sector_fy",
        "Sector",
        "USBP encounters by region and sector, by fiscal year",
    ),
]


def _clean_header(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [re.sub(r"\s+", " ", str(c)).strip() for c in frame.columns]
    return frame


def fiscal_month(values: pd.Series, where: str) -> pd.Series:
    """``"04 January"`` → calendar month 1 (the number is the fiscal-month order)."""
    parts = values.astype(str).str.extract(r"^\s*(\d{1,2})\s+([A-Za-z]+)\s*$")
    names = parts[1].str.lower().map(MONTH_NAME_NUMBER)
    order = pd.to_numeric(parts[0], errors="coerce")
    expected = (order + 8) % 12 + 1
    bad = names.isna() | (names != expected)
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{where}: row {pos + 2}, column 'Month' is {values.iloc[pos]!r}; expected a "
            "fiscal month such as '01 October' or '04 January'"
        )
    return names.astype(int)


def read_sheet(book: pd.ExcelFile, file_name: str, sheet: Sheet) -> pd.DataFrame:
    where = f"{file_name}, sheet {sheet.name!r}"
    df = _clean_header(read_excel_sheet(book, file_name, sheet.name, dtype=str))
    monthly = sheet.name.startswith("Monthly")
    expected = ["Fiscal Year"] + (["Month"] if monthly else [])
    if sheet.breakdown:
        expected += ["Region", sheet.breakdown]
    expected.append("Quantity")
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise SchemaDriftError(
            f"{where}: missing column(s) {missing}; expected {expected}, found {list(df.columns)}"
        )
    df = df.dropna(how="all")
    rows = pd.DataFrame({"fiscal_year": to_int(df["Fiscal Year"], where, "Fiscal Year")})
    if monthly:
        calendar = fiscal_month(df["Month"], where)
        rows["month"] = [
            month_of_fiscal_year(int(fy), int(m))
            for fy, m in zip(rows["fiscal_year"], calendar, strict=True)
        ]
        rows["frequency"] = "monthly"
    else:
        rows["month"] = None
        rows["frequency"] = "annual"
    rows["region"] = "ALL"
    rows["citizenship"] = "ALL"
    rows["demographic"] = "ALL"
    rows["area"] = None
    if sheet.breakdown:
        rows["region"] = to_choice(df["Region"], REGIONS, where, "Region")
    if sheet.breakdown == "Citizenship":
        rows["citizenship"] = to_iso3_series(df["Citizenship"], where, "Citizenship")
    elif sheet.breakdown == "Family Status":
        rows["demographic"] = to_choice(df["Family Status"], FAMILY_STATUS, where, "Family Status")
    elif sheet.breakdown == "Sector":
        rows["area"] = df["Sector"].astype(str).str.replace(r",\s*[A-Z]{2}$", "", regex=True)
    rows["count"] = to_int(df["Quantity"], where, "Quantity")
    keys = [c for c in rows.columns if c != "count"]
    rows = rows.groupby(keys, dropna=False, as_index=False)["count"].sum()
    return encounters_frame(
        rows, sheet.source_id, component="USBP", authority="ALL", encounter_type="ALL"
    )


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    book = open_workbook(raw.data, raw.name)
    return [
        Part(
            source_id=sheet.source_id,
            table="encounters",
            frame=read_sheet(book, raw.name, sheet),
            title=f"OHSS {sheet.title} (sheet {sheet.name!r})",
            files=(raw,),
            notes="Rounded by OHSS to the nearest 10; cells under 10 are suppressed.",
        )
        for sheet in SHEETS
    ]


def check(parts: list[Part]) -> None:
    """Each breakdown adds up to the Count sheet within OHSS rounding (≤ 5 per cell)."""
    by_id = {p.source_id: p.frame for p in parts}
    total = by_id["ohss_usbp_total_fy"].set_index("fiscal_year")["count"]
    for source_id in ("ohss_usbp_citizenship_fy", "ohss_usbp_family_fy", "ohss_usbp_sector_fy"):
        frame = by_id[source_id]
        sums = frame.groupby("fiscal_year")["count"].sum()
        cells = frame.groupby("fiscal_year").size()
        for fy, value in sums.items():
            if fy not in total.index:
                raise CheckError(f"{source_id}: FY{fy} is missing from the 'Annual Count' sheet")
            tolerance = 5 * cells[fy] + 10
            if abs(value - total[fy]) > tolerance:
                raise CheckError(
                    f"{source_id}: FY{fy} cells sum to {value:,}, the 'Annual Count' sheet says "
                    f"{total[fy]:,} (more than rounding of {cells[fy]} cells can explain)"
                )


SOURCE = SourceSpec(
    id="ohss_usbp",
    title="OHSS Key Homeland Security Metrics: CBP Encounters - USBP (FY2000 onward)",
    publisher="DHS Office of Homeland Security Statistics (OHSS), from U.S. Border Patrol records",
    folder="outcomes/ohss_khsm_usbp_encounters_fy2000_fy2025",
    homepage="https://ohss.dhs.gov/khsm/cbp-encounters",
    licence="U.S. federal government work (public domain in the U.S.)",
    kind="outcome",
    files=(
        FileSpec(
            pattern="KHSM*Encounters*USBP*.xlsx",
            url="https://ohss.dhs.gov/khsm/cbp-encounters",
            link=r"KHSM[^/]*Encounters[^/]*USBP[^/]*\.xlsx$",
            select="latest",
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Border Patrol only (no OFO). Cells rounded to the nearest 10. Unaccompanied children are "
        "coded only from FY2008 and family units from FY2012 (earlier years count everyone as "
        "single adults). FY2000-FY2001 are lower than CBP's legacy totals."
    ),
)
