"""CBP's legacy "U.S. Border Patrol Monthly Encounters FY2000-FY2020" by sector (no citizenship).

CBP published this series as a PDF; the machine-readable table is UWCHR's conversion (pipe-
delimited, gzip). It is kept as an independent check on the OHSS re-derivation of the same
encounters: from FY2004 on the two agree within rounding.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence

import pandas as pd

from rootcauses.errors import CheckError, ParseError
from rootcauses.periods import month_of_fiscal_year
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.frames import encounters_frame
from rootcauses.sources.parsing import first_true, read_csv, to_int

SOURCE_ID = "usbp_legacy"
SECTOR_REGIONS = {
    "Coastal Border": ("livermore", "miami", "new_orleans", "ramey"),
    "Northern Land Border": (
        "blaine",
        "buffalo",
        "detroit",
        "grand_forks",
        "havre",
        "houlton",
        "spokane",
        "swanton",
    ),
    "Southwest Land Border": (
        "big_bend",
        "del_rio",
        "el_centro",
        "el_paso",
        "laredo",
        "rio_grande_valley",
        "san_diego",
        "tucson",
        "yuma",
    ),
}
SUBTOTALS = {
    "Coastal Border": "coastal_border",
    "Northern Land Border": "northern_border",
    "Southwest Land Border": "southwest_border",
}
SECTORS = [s for sectors in SECTOR_REGIONS.values() for s in sectors]
COLUMNS = ["month", *SECTORS, *SUBTOTALS.values(), "monthly_total", "fy"]


def sector_name(column: str) -> str:
    """``rio_grande_valley`` → ``Rio Grande Valley`` (the OHSS spelling without the state)."""
    return column.replace("_", " ").title()


def _decompress(raw: RawFile) -> bytes:
    if raw.data[:2] != b"\x1f\x8b":
        return raw.data
    try:
        return gzip.decompress(raw.data)
    except (OSError, EOFError) as exc:
        raise ParseError(f"{raw.name}: damaged gzip file ({exc})") from exc


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    name = raw.name
    wide = read_csv(_decompress(raw), name, expected=COLUMNS, sep="|")
    numbers = pd.DataFrame({c: to_int(wide[c], name, c) for c in COLUMNS})
    months = [
        month_of_fiscal_year(int(fy), int(m))
        for fy, m in zip(numbers["fy"], numbers["month"], strict=True)
    ]
    for region, subtotal in SUBTOTALS.items():
        parts = numbers[list(SECTOR_REGIONS[region])].sum(axis=1)
        bad = parts != numbers[subtotal]
        if bad.any():
            row = first_true(bad)
            raise CheckError(
                f"{name}: row {row + 2}: {region} sectors sum to {parts.iloc[row]}, but column "
                f"{subtotal!r} says {numbers[subtotal].iloc[row]}"
            )
    long = (
        numbers[SECTORS]
        .assign(month=months)
        .melt(id_vars="month", var_name="sector", value_name="count")
    )
    region_of = {s: r for r, sectors in SECTOR_REGIONS.items() for s in sectors}
    long["region"] = long["sector"].map(region_of)
    long["area"] = long["sector"].map(sector_name)
    frame = encounters_frame(
        long.drop(columns="sector"),
        SOURCE_ID,
        citizenship="ALL",
        component="USBP",
        demographic="ALL",
        authority="ALL",
        encounter_type="ALL",
    )
    return [
        Part(
            source_id=SOURCE_ID,
            table="encounters",
            frame=frame,
            title="USBP monthly encounters by sector, FY2000-FY2020 (CBP legacy series)",
            files=(raw,),
            status="derived",
            notes="PDF table converted by UWCHR; sector columns sum exactly to the subtotals.",
        )
    ]


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="U.S. Border Patrol monthly encounters by sector, FY2000-FY2020 (legacy series)",
    publisher="U.S. Customs and Border Protection / U.S. Border Patrol (table by UWCHR)",
    folder="outcomes/uwchr_usbp_monthly_encounters_fy2000_fy2020",
    homepage="https://www.cbp.gov/document/stats/us-border-patrol-monthly-encounters-fy-2000-fy-2020",
    licence="U.S. federal government work; UWCHR conversion code GPL-2.0-or-later",
    kind="outcome",
    files=(
        FileSpec(
            pattern="usbp_monthly_encounters_fy2000-fy2020.csv.gz",
            url=(
                "https://raw.githubusercontent.com/UWCHR/cbp/main/import/output/"
                "usbp_monthly_encounters_fy2000-fy2020.csv.gz"
            ),
            status="derived",
        ),
    ),
    read=read,
    notes=(
        "All citizenships combined. FY2000-FY2001 totals are higher than OHSS's re-derivation; "
        "from FY2004 they agree within rounding."
    ),
)
