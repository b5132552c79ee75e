"""USBP Southwest-border UAC and family-unit apprehensions by country, monthly UAC by sector, and
ORR referral shares by country of origin.

None of CBP's historical pages is still online and the monthly series was a PDF, so every file
here is a transcription kept in the data snapshot (``fetchable=False``; each ``url`` is the
official page the numbers come from). The folder's SOURCE.md lists every copy used.

Source ids. The main table mixes numbers known in different ways (``value_type``) and the
``encounters`` table has no column for that, so each kind is its own source id and the
``source`` column of every row says how the number is known:

* ``uac_family_by_country``: CBP figures (``reported``) for GT/HN/SV/MX;
* ``uac_family_by_country_secondary``: CBP figures known only through a news transcription;
* ``uac_family_other_residual``: ``OTHER`` = all − (SV+GT+HN+MX), computed by the compiler;
* ``uac_family_mexico_and_other_residual``: FY2009–FY2012, when no Mexico figure was found,
  ``OTHER`` = all − (SV+GT+HN), i.e. Mexico *and* the rest (published label MEXICO_AND_OTHER);
* ``uac_family_totals`` / ``uac_family_totals_rounded``: all-citizenship totals (citizenship
  ``ALL``) as CBP printed them / as OHSS publishes them (rounded to 10). Totals are kept apart
  from their parts so nothing is counted twice; :func:`check` asserts parts ≤ total, and
  parts = total where a residual was derived.

Rows are USBP apprehensions between ports on the Southwest border (``encounter_type``
``APPREHENSION``, authority ``ALL``, which is Title 8 before March 2020). Figures for FY2020 and
later also hold Title 42 expulsions (from 20 March 2020), so their ``encounter_type`` is ``ALL``.

Further parts: ``uac_sector_monthly`` (monthly UAC by USBP sector, all citizenships; the
regional and national subtotal rows are not stored but checked), ``orr_uac_referral_shares``
(indicator ``orr_uac_referral_share_fy``) and ``uac_family_partial_periods`` (an extra table of
fiscal-year-to-date and single-month figures quoted in the press).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.errors import CheckError, ParseError
from rootcauses.periods import fiscal_year
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, Status, by_role, one
from rootcauses.sources.catalogue import ENFORCEMENT, IndicatorInfo, named
from rootcauses.sources.frames import encounters_frame, indicators_frame
from rootcauses.sources.parsing import (
    first_true,
    read_csv,
    text_or_none,
    to_choice,
    to_date,
    to_float,
    to_int,
    to_iso3_series,
)

DATASET = "uac_family"

# Title 42 expulsions start on 20 March 2020: counts from then on are encounters, not only
# apprehensions.
TITLE42_START = dt.date(2020, 3, 1)
TITLE42_FIRST_FY = fiscal_year(TITLE42_START)

REGION = "Southwest Land Border"
BORDERS = {"Southwest": REGION}
AGENCIES = {"USBP": "USBP"}
DEMOGRAPHICS = {"UAC": "UAC", "FMUA": "FMUA", "SINGLE_ADULT": "SINGLE_ADULT"}
VALUE_TYPES = {v: v for v in ("reported", "reported_secondary", "reported_rounded", "derived")}
# Labels of the citizenship column that are not countries.
ALL = "ALL"
MEXICO_AND_OTHER = "MEXICO_AND_OTHER"
RESIDUALS = {"OTHER", MEXICO_AND_OTHER}

MAIN_COLUMNS = [
    "fiscal_year",
    "month",
    "citizenship",
    "demographic",
    "count",
    "value_type",
    "border",
    "agency",
    "source_url",
    "source_copy",
    "note",
]
PARTIAL_COLUMNS = [
    "fiscal_year",
    "period",
    "citizenship",
    "demographic",
    "count",
    "border",
    "agency",
    "source_url",
    "note",
]
SECTOR_COLUMNS = [
    "fiscal_year",
    "month",
    "border_region",
    "sector",
    "citizenship",
    "demographic",
    "count",
    "source_url",
]
ORR_COLUMNS = [
    "fiscal_year",
    "citizenship",
    "demographic",
    "share",
    "share_text",
    "source_url",
    "source_copy",
]
BORDER_REGIONS = {
    "Southwest": "Southwest Land Border",
    "Northern": "Northern Land Border",
    "Coastal": "Coastal Border",
    "All": "ALL",
}
# Subtotal rows of the monthly file, by the region whose sectors they add up (ALL = nation).
SUBTOTALS = {
    "Southwest Border": "Southwest Land Border",
    "Northern Border": "Northern Land Border",
    "Coastal Border": "Coastal Border",
    "Nationwide Total": "ALL",
}
# Row labels of the PDF conversion (originals/wpinvestigative) that differ from the tidy file,
# once line breaks are folded and "(formerly ...)" is dropped.
PDF_LABELS = {"Southwest Bord": "Southwest Border", "Monthly Total": "Nationwide Total"}
FORMERLY = re.compile(r"\s*\(formerly[^)]*\)")
PDF_MONTHS = [
    "October",
    "November",
    "December",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
]

ORR_INDICATOR = "orr_uac_referral_share_fy"

# (is a total, value type, residual label or None) → source id
MAIN_PARTS = {
    (False, "reported", None): "uac_family_by_country",
    (False, "reported_secondary", None): "uac_family_by_country_secondary",
    (False, "derived", "OTHER"): "uac_family_other_residual",
    (False, "derived", MEXICO_AND_OTHER): "uac_family_mexico_and_other_residual",
    (True, "reported", None): "uac_family_totals",
    (True, "reported_rounded", None): "uac_family_totals_rounded",
}
COUNTRY_PARTS = [sid for (total, _, _), sid in MAIN_PARTS.items() if not total]
TOTAL_PARTS = [sid for (total, _, _), sid in MAIN_PARTS.items() if total]
CELL_COLUMNS = [
    "month",
    "fiscal_year",
    "citizenship",
    "component",
    "region",
    "demographic",
    "encounter_type",
    "count",
]
SECTOR_ID = "uac_sector_monthly"
ORR_ID = "orr_uac_referral_shares"
PARTIAL_ID = "uac_family_partial_periods"
PARTIAL_TABLE = "uac_partial_periods"

COMMON_NOTES = (
    "USBP apprehensions between ports on the Southwest border only (no OFO inadmissibles). "
    "Counts are events, not people. FMUA counts persons apprehended in family units (children "
    "and their parents), not families. FY2020 includes Title 42 expulsions (encounter_type ALL)."
)
MAIN_TITLES: dict[str, tuple[str, Status, str]] = {
    "uac_family_by_country": (
        "USBP Southwest-border UAC, family-unit and single-adult apprehensions by country "
        "(CBP figures)",
        "transcribed",
        "Transcribed from CBP pages via stored copies: 'Southwest Border Unaccompanied Alien "
        "Children' FY2014-FY2016 (FY2009-FY2012 via a course-page transcription), 'USBP "
        "Southwest Border Apprehensions' FY2018 and FY2019-FY2021 (Washington Post scrape of "
        "2021-03-03). Mexico UAC FY2009-FY2012 not found (see the mexico_and_other residual).",
    ),
    "uac_family_by_country_secondary": (
        "USBP Southwest-border family units by country known only from news transcriptions",
        "transcribed",
        "CBP year-end figures quoted in the press (FY2015 family units by country: "
        "tierrasdeamerica.com; Honduras FY2014: elheraldo.hn); value_type reported_secondary.",
    ),
    "uac_family_other_residual": (
        "USBP Southwest-border apprehensions of other citizenships (total minus SV/GT/HN/MX)",
        "derived",
        "OTHER = ALL - (SV+GT+HN+MX), derived by the compiler; approximate where the total is "
        "an OHSS figure rounded to 10 (FY2020).",
    ),
    "uac_family_mexico_and_other_residual": (
        "USBP Southwest-border UAC of Mexico and other citizenships, FY2009-FY2012 "
        "(total minus SV/GT/HN)",
        "derived",
        "FY2009-FY2012 only: citizenship OTHER here means every citizenship except SV/GT/HN, "
        "Mexico included (published label MEXICO_AND_OTHER; the Mexico row was not found), so "
        "it is not comparable with OTHER in later years. FY2009 is approximate (OHSS total "
        "rounded to 10).",
    ),
    "uac_family_totals": (
        "USBP Southwest-border UAC and family-unit apprehensions, all citizenships (CBP totals)",
        "transcribed",
        "Totals as CBP printed them (citizenship ALL). FY2013/FY2014 family units are CBP's "
        "figures of the time (14,855 / 68,445); OHSS now gives 12,940 / 67,060.",
    ),
    "uac_family_totals_rounded": (
        "USBP Southwest-border UAC and family-unit encounters, all citizenships (OHSS KHSM, "
        "rounded to 10)",
        "official",
        "FY2009 and FY2020 totals from OHSS KHSM 'CBP Encounters - USBP' (rounded to the "
        "nearest 10); the CBP figures for those years were not found.",
    ),
}


# --------------------------------------------------------------------------- helpers


def _row_error(name: str, pos: int, column: str, value: object, expected: str) -> ParseError:
    return ParseError(f"{name}: row {pos + 2}, column {column!r} is {value!r}; expected {expected}")


def _blank(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip() == ""


def _encounter_type_fy(years: pd.Series) -> np.ndarray:
    return np.where(years >= TITLE42_FIRST_FY, "ALL", "APPREHENSION")


def _citizenship(values: pd.Series, name: str, column: str = "citizenship") -> pd.Series:
    """Country names → ISO3; ``ALL`` and ``MEXICO_AND_OTHER`` kept as labels for now;
    ``SV+GT+HN+MX`` (a group) → ``SLV+GTM+HND+MEX``."""
    text = values.astype(str).str.strip()
    special = text.isin([ALL, MEXICO_AND_OTHER])
    group = text.str.contains("+", regex=False)
    codes = to_iso3_series(text.mask(special | group, "OTHER"), name, column)
    codes = codes.mask(special, text)
    if group.any():
        parts = text[group].str.split("+")
        codes[group] = ["+".join(to_iso3_series(pd.Series(p), name, column)) for p in parts]
    return codes


# --------------------------------------------------------------------------- main table


def parse_main(raw: RawFile) -> pd.DataFrame:
    """The main table → one row per cell with the source id it belongs to."""
    name = raw.name
    df = read_csv(raw.data, name, expected=MAIN_COLUMNS)
    if not _blank(df["month"]).all():
        pos = first_true(~_blank(df["month"]))
        raise _row_error(name, pos, "month", df["month"].iloc[pos], "empty (annual table)")
    out = pd.DataFrame(
        {
            "fiscal_year": to_int(df["fiscal_year"], name, "fiscal_year"),
            "label": df["citizenship"].str.strip(),
            "citizenship": _citizenship(df["citizenship"], name),
            "demographic": to_choice(df["demographic"], DEMOGRAPHICS, name, "demographic"),
            "count": to_int(df["count"], name, "count"),
            "value_type": to_choice(df["value_type"], VALUE_TYPES, name, "value_type"),
            "region": to_choice(df["border"], BORDERS, name, "border"),
            "component": to_choice(df["agency"], AGENCIES, name, "agency"),
        }
    )
    if out["citizenship"].str.contains("+", regex=False).any():
        pos = first_true(out["citizenship"].str.contains("+", regex=False))
        raise _row_error(name, pos, "citizenship", out["label"].iloc[pos], "one country")
    total = out["label"] == ALL
    residual = out["label"].where(out["label"].isin(RESIDUALS))
    keys = zip(total, out["value_type"], residual, strict=True)
    ids = [MAIN_PARTS.get((t, v, None if pd.isna(r) else r)) for t, v, r in keys]
    out["source_id"] = ids
    if out["source_id"].isna().any():
        pos = first_true(out["source_id"].isna())
        row = out.iloc[pos]
        raise ParseError(
            f"{name}: row {pos + 2}: citizenship {row['label']!r} with value_type "
            f"{row['value_type']!r} is not a combination this reader knows (totals are "
            "'reported' or 'reported_rounded'; OTHER/MEXICO_AND_OTHER are 'derived'; countries "
            "are 'reported' or 'reported_secondary')"
        )
    out.loc[out["label"] == MEXICO_AND_OTHER, "citizenship"] = "OTHER"
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out


def main_parts(raw: RawFile) -> list[Part]:
    rows = parse_main(raw)
    parts = []
    for source_id, (title, status, notes) in MAIN_TITLES.items():
        cells = rows[rows["source_id"] == source_id]
        if cells.empty:
            continue
        frame = encounters_frame(
            cells.assign(
                month=None,
                encounter_type=_encounter_type_fy(cells["fiscal_year"]),
            )[CELL_COLUMNS],
            source_id,
            frequency="annual",
            area=None,
            authority="ALL",
        )
        parts.append(
            Part(
                source_id=source_id,
                table="encounters",
                frame=frame,
                title=title,
                files=(raw,),
                status=status,
                notes=f"{notes} {COMMON_NOTES}",
            )
        )
    return parts


# --------------------------------------------------------------------------- monthly by sector


def parse_sector_rows(raw: RawFile) -> pd.DataFrame:
    """Every row of the monthly file, subtotals included (``subtotal`` says which are)."""
    name = raw.name
    df = read_csv(raw.data, name, expected=SECTOR_COLUMNS)
    month = to_date(df["month"], name, "month", fmt="%Y-%m")
    out = pd.DataFrame(
        {
            "month": month,
            "fiscal_year": to_int(df["fiscal_year"], name, "fiscal_year").astype("int64"),
            "region": to_choice(df["border_region"], BORDER_REGIONS, name, "border_region"),
            "area": df["sector"].str.strip(),
            "citizenship": to_choice(df["citizenship"], {ALL: ALL}, name, "citizenship"),
            "demographic": to_choice(df["demographic"], {"UAC": "UAC"}, name, "demographic"),
            "count": to_int(df["count"], name, "count"),
        }
    )
    derived_fy = pd.Series([fiscal_year(m) for m in month], index=out.index)
    wrong = derived_fy != out["fiscal_year"]
    if wrong.any():
        pos = first_true(wrong)
        raise _row_error(
            name,
            pos,
            "fiscal_year",
            df["fiscal_year"].iloc[pos],
            f"{derived_fy.iloc[pos]} (the fiscal year of month {df['month'].iloc[pos]})",
        )
    out["subtotal"] = out["area"].isin(list(SUBTOTALS))
    bad = out["subtotal"] & (out["area"].map(SUBTOTALS) != out["region"])
    bad |= ~out["subtotal"] & (out["region"] == "ALL")
    if bad.any():
        pos = first_true(bad)
        raise _row_error(
            name,
            pos,
            "sector",
            df["sector"].iloc[pos],
            f"a sector or subtotal of border_region {df['border_region'].iloc[pos]!r}",
        )
    return out


def sector_part(raw: RawFile, pdf: Sequence[RawFile]) -> Part:
    rows = parse_sector_rows(raw)
    sectors = rows[~rows["subtotal"]]
    frame = encounters_frame(
        sectors.assign(
            encounter_type=np.where(
                pd.to_datetime(sectors["month"]) >= pd.Timestamp(TITLE42_START),
                "ALL",
                "APPREHENSION",
            )
        ).drop(columns="subtotal"),
        SECTOR_ID,
        component="USBP",
        authority="ALL",
    )
    missing = _missing_sector_months(sectors)
    return Part(
        source_id=SECTOR_ID,
        table="encounters",
        frame=frame,
        title="USBP monthly UAC apprehensions by sector (all citizenships)",
        files=(raw, *pdf),
        status="transcribed",
        notes=(
            "CBP PDF 'U.S. Border Patrol Total Monthly UAC Apprehensions by Sector (FY 2010 - "
            "FY 2019)', converted by the Washington Post (wpinvestigative/unaccompanied_minors). "
            "Rows are sectors (area); the regional and nationwide subtotal rows are not stored "
            "(they are checked against the sectors). Cells blank in the PDF are absent, not "
            f"zero: {missing or 'none'}. Nationwide includes Northern and Coastal sectors; the "
            "FY2012 nationwide total 24,481 is not the Southwest total 24,403."
        ),
    )


def _missing_sector_months(sectors: pd.DataFrame) -> str:
    months = sorted(sectors["month"].unique())
    have = sectors.groupby("area")["month"].apply(set)
    gaps = [f"{area} {m:%Y-%m}" for area, got in have.items() for m in months if m not in got]
    return ", ".join(gaps)


def pdf_yearly_totals(raw: RawFile) -> pd.DataFrame:
    """``Yearly Total`` of every row of the PDF conversion: (fiscal_year, area, total)."""
    name = raw.name
    df = read_csv(
        raw.data,
        name,
        expected=["SECTOR", *PDF_MONTHS, "Yearly Total", "FY"],
        encoding="utf-8-sig",
    )
    area = (
        df["SECTOR"]
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(FORMERLY, "", regex=True)
        .str.strip()
        .replace(PDF_LABELS)
    )
    return pd.DataFrame(
        {
            "fiscal_year": to_int(df["FY"], name, "FY").astype("int64"),
            "area": area,
            "total": to_int(df["Yearly Total"], name, "Yearly Total").astype("int64"),
        }
    )


# --------------------------------------------------------------------------- ORR shares


def orr_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=ORR_COLUMNS)
    years = to_int(df["fiscal_year"], name, "fiscal_year").astype("int64")
    share = to_float(df["share"], name, "share")
    bound = df["share_text"].str.strip()
    bad = share.isna() & ~bound.str.fullmatch(r"<\d+(\.\d+)?%")
    if bad.any():
        pos = first_true(bad)
        raise _row_error(
            name, pos, "share", df["share"].iloc[pos], "a share or '<x%' in share_text"
        )
    to_choice(df["demographic"], {"UAC referred to ORR": "UAC"}, name, "demographic")
    out = pd.DataFrame(
        {
            "country": to_iso3_series(df["citizenship"], name, "citizenship"),
            "period": [dt.date(y - 1, 10, 1) for y in years],
            "value": share,
        }
    )
    bounded = df.loc[share.isna(), ["fiscal_year", "citizenship", "share_text"]]
    listed = "; ".join(f"FY{y} {c.title()} {t}" for y, c, t in bounded.itertuples(index=False))
    frame = indicators_frame(
        out,
        ORR_ID,
        frequency="annual",
        indicator=ORR_INDICATOR,
        unit="share of unaccompanied children referred to ORR (0-1)",
    )
    return Part(
        source_id=ORR_ID,
        table="indicators",
        frame=frame,
        title="Share of unaccompanied children referred to ORR, by country of origin",
        files=(raw,),
        status="transcribed",
        notes=(
            "HHS ACF Office of Refugee Resettlement 'Facts and Data' page, via a third-party "
            "transcription (savannahestridge/unaccompanied_tableau_analysis). Shares of children "
            "referred to ORR, not of CBP apprehensions: Mexican children are mostly repatriated "
            "by CBP, so Mexico's share is far below its CBP share. Printed as '<x%' and not "
            f"stored: {listed or 'none'}. Yearly sums range about 0.95-1.01 (rounding)."
        ),
    )


# --------------------------------------------------------------------------- partial periods

PERIOD = re.compile(r"^(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?\s+\((.+)\)$")


def partial_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=PARTIAL_COLUMNS)
    parsed = df["period"].str.strip().str.extract(PERIOD)
    if parsed[0].isna().any():
        pos = first_true(parsed[0].isna())
        raise _row_error(
            name,
            pos,
            "period",
            df["period"].iloc[pos],
            "'YYYY-MM (label)' or 'YYYY-MM..YYYY-MM (label)'",
        )
    first = to_date(parsed[0], name, "period", fmt="%Y-%m")
    last = to_date(parsed[1].fillna(parsed[0]), name, "period", fmt="%Y-%m")
    years = to_int(df["fiscal_year"], name, "fiscal_year").astype("int64")
    frame = pd.DataFrame(
        {
            "fiscal_year": years,
            "period_label": df["period"].str.strip(),
            "first_month": first,
            "last_month": last,
            "kind": np.where(parsed[1].isna(), "single_month", "fiscal_year_to_date"),
            "citizenship": _citizenship(df["citizenship"], name),
            "component": to_choice(df["agency"], AGENCIES, name, "agency"),
            "region": to_choice(df["border"], BORDERS, name, "border"),
            "demographic": to_choice(df["demographic"], DEMOGRAPHICS, name, "demographic"),
            "encounter_type": _encounter_type_fy(years),
            "count": to_int(df["count"], name, "count").astype("int64"),
            "source_url": text_or_none(df["source_url"]),
            "note": text_or_none(df["note"]),
        }
    )
    return Part(
        source_id=PARTIAL_ID,
        table=PARTIAL_TABLE,
        frame=frame,
        title="USBP Southwest-border UAC and family units by country: partial-year figures",
        files=(raw,),
        status="transcribed",
        notes=(
            "Fiscal-year-to-date and single-month figures from early CBP releases quoted in the "
            "press (URL on every row). Later releases revise them slightly (March 2015 UAC 3,138 "
            "first release vs 3,126 final). Not in 'encounters' because the periods overlap "
            "(several year-to-date cuts of one year) and differ from release to release. "
            "citizenship: ISO3, ALL, or a '+'-joined group such as SLV+GTM+HND+MEX. period_label "
            "is the period as published; first_month/last_month are the months it spans."
        ),
    )


# --------------------------------------------------------------------------- read / check


def read(files: Sequence[RawFile]) -> list[Part]:
    parts = main_parts(one(files, "country_table"))
    parts.append(sector_part(one(files, "sector_monthly"), by_role(files, "sector_pdf_table")))
    parts.append(orr_part(one(files, "orr_shares")))
    parts.append(partial_part(one(files, "partial_periods")))
    return parts


def _ids(parts: list[Part]) -> dict[str, Part]:
    return {p.source_id: p for p in parts}


def _frames(parts: dict[str, Part], ids: Sequence[str]) -> pd.DataFrame:
    frames = [parts[i].frame for i in ids if i in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def check_main(parts: dict[str, Part]) -> None:
    countries = _frames(parts, COUNTRY_PARTS)
    totals = _frames(parts, TOTAL_PARTS)
    where = "uac_family_by_country"
    cell = ["fiscal_year", "demographic", "citizenship"]
    dup = countries.duplicated(cell, keep=False)
    if dup.any():
        row = countries[dup].iloc[0]
        raise CheckError(
            f"{where}: FY{row['fiscal_year']} {row['demographic']} {row['citizenship']} is in "
            f"two of {COUNTRY_PARTS} (would be double-counted)"
        )
    sums = countries.groupby(["fiscal_year", "demographic"])["count"].sum()
    residual_ids = ("uac_family_other_residual", "uac_family_mexico_and_other_residual")
    residuals = _frames(parts, residual_ids)
    has_residual = (
        set(zip(residuals["fiscal_year"], residuals["demographic"], strict=True))
        if not residuals.empty
        else set()
    )
    for row in totals.itertuples(index=False):
        key = (row.fiscal_year, row.demographic)
        got = int(sums.get(key, 0))
        if got > row.count:
            raise CheckError(
                f"{where}: FY{row.fiscal_year} {row.demographic}: countries sum to {got:,}, "
                f"more than the total {row.count:,} (column 'count', citizenship ALL)"
            )
        if key in has_residual and got != row.count:
            raise CheckError(
                f"{where}: FY{row.fiscal_year} {row.demographic}: countries incl. the OTHER "
                f"residual sum to {got:,}, but the total is {row.count:,}"
            )
    uac_years = totals.loc[totals["demographic"] == "UAC", "fiscal_year"].unique()
    uac = countries[countries["demographic"] == "UAC"]
    for year in uac_years:
        have = set(uac.loc[uac["fiscal_year"] == year, "citizenship"])
        missing = {"GTM", "HND", "SLV"} - have
        if missing:
            raise CheckError(f"{where}: FY{year} UAC: no row for {sorted(missing)}")


def check_sectors(parts: dict[str, Part]) -> None:
    part = parts[SECTOR_ID]
    raw = one(part.files, "sector_monthly")
    rows = parse_sector_rows(raw)
    sectors = rows[~rows["subtotal"]]
    by_region = sectors.groupby(["month", "region"])["count"].sum()
    nation = sectors.groupby("month")["count"].sum()
    for sub in rows[rows["subtotal"]].itertuples(index=False):
        got = (
            nation.get(sub.month) if sub.region == "ALL" else by_region.get((sub.month, sub.region))
        )
        if got is None or int(got) != sub.count:
            raise CheckError(
                f"{raw.name}: {sub.area} {sub.month:%Y-%m} is {sub.count:,} but its sectors "
                f"sum to {0 if got is None else int(got):,} (column 'count')"
            )
    totals = rows.groupby(["fiscal_year", "area"])["count"].sum()
    for pdf in by_role(part.files, "sector_pdf_table"):
        published = pdf_yearly_totals(pdf)
        unknown = set(published["area"]) - set(rows["area"])
        if unknown:
            raise CheckError(f"{pdf.name}: unknown row label(s) {sorted(unknown)} in 'SECTOR'")
        for row in published.itertuples(index=False):
            got = int(totals.get((row.fiscal_year, row.area), -1))
            if got != row.total:
                raise CheckError(
                    f"{raw.name}: FY{row.fiscal_year} {row.area} months sum to {got:,}, but the "
                    f"PDF's 'Yearly Total' ({pdf.name}) is {row.total:,}"
                )
    # The Southwest sectors add up to CBP's UAC totals of the main table in full years.
    months = sectors.groupby("fiscal_year")["month"].nunique()
    southwest = sectors[sectors["region"] == REGION].groupby("fiscal_year")["count"].sum()
    for source_id, tolerance in (("uac_family_totals", 0), ("uac_family_totals_rounded", 5)):
        if source_id not in parts:
            continue
        uac = parts[source_id].frame.query("demographic == 'UAC'")
        for row in uac.itertuples(index=False):
            if months.get(row.fiscal_year, 0) != 12:
                continue
            got = int(southwest[row.fiscal_year])
            if abs(got - row.count) > tolerance:
                raise CheckError(
                    f"{raw.name}: FY{row.fiscal_year} Southwest sectors sum to {got:,}, but "
                    f"{source_id} gives {row.count:,} UAC (tolerance {tolerance})"
                )


def check_orr(parts: dict[str, Part]) -> None:
    part = parts[ORR_ID]
    frame = part.frame
    out_of_range = (frame["value"] < 0) | (frame["value"] > 1)
    if out_of_range.any():
        row = frame[out_of_range].iloc[0]
        raise CheckError(f"{ORR_ID}: share {row['value']} for {row['country']} is not in [0, 1]")
    raw = part.files[0]
    df = read_csv(raw.data, raw.name, expected=ORR_COLUMNS)
    bound = pd.to_numeric(df["share_text"].str.extract(r"<([\d.]+)%", expand=False)) / 100
    years = df["fiscal_year"].astype(int)
    sums = to_float(df["share"], raw.name, "share").fillna(0).groupby(years).sum()
    ceiling = sums + bound.fillna(0).groupby(years).sum()
    for year in sums.index:
        if sums[year] > 1.03 or ceiling[year] < 0.97:
            raise CheckError(
                f"{raw.name}: FY{year} shares sum to {sums[year]:.2f} (with '<x%' bounds at most "
                f"{ceiling[year]:.2f}); expected about 1 (column 'share')"
            )
    for year, countries in frame.groupby("period")["country"]:
        missing = {"GTM", "HND", "SLV"} - set(countries)
        if missing:
            raise CheckError(f"{ORR_ID}: period {year}: no share for {sorted(missing)}")


def check_partial(parts: dict[str, Part]) -> None:
    frame = parts[PARTIAL_ID].frame
    first = pd.to_datetime(frame["first_month"])
    last = pd.to_datetime(frame["last_month"])
    start = pd.to_datetime([dt.date(y - 1, 10, 1) for y in frame["fiscal_year"]])
    end = pd.to_datetime([dt.date(y, 9, 1) for y in frame["fiscal_year"]])
    bad = (first < start) | (last > end) | (last < first)
    bad |= (frame["kind"] == "fiscal_year_to_date") & (first != start)
    if bad.any():
        row = frame[bad].iloc[0]
        raise CheckError(
            f"{PARTIAL_ID}: period {row['period_label']!r} does not lie in FY{row['fiscal_year']} "
            "(or a year-to-date period does not start in October)"
        )
    full = _frames(parts, [*COUNTRY_PARTS, *TOTAL_PARTS])
    if full.empty:
        return
    merged = frame.merge(
        full[["fiscal_year", "citizenship", "demographic", "count"]],
        on=["fiscal_year", "citizenship", "demographic"],
        suffixes=("", "_year"),
    )
    over = merged["count"] > merged["count_year"]
    if over.any():
        row = merged[over].iloc[0]
        raise CheckError(
            f"{PARTIAL_ID}: {row['period_label']} {row['citizenship']} {row['demographic']} is "
            f"{row['count']:,}, more than the full FY{row['fiscal_year']} ({row['count_year']:,})"
        )


def check(parts: list[Part]) -> None:
    found = _ids(parts)
    check_main(found)
    check_sectors(found)
    check_orr(found)
    check_partial(found)


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"orr_uac_referral_share_fy",
        named(
            "Share of unaccompanied children referred to shelters",
            ENFORCEMENT,
            "Share of the unaccompanied children placed with the Office of "
            "Refugee Resettlement who came from the country",
        ),
    ),
)


SOURCE = SourceSpec(
    id=DATASET,
    title=(
        "USBP Southwest-border UAC and family-unit apprehensions by country (FY2009-FY2020), "
        "monthly UAC by sector (FY2010-FY2019) and ORR referral shares"
    ),
    publisher=(
        "U.S. Customs and Border Protection (U.S. Border Patrol); HHS ACF Office of Refugee "
        "Resettlement"
    ),
    folder="outcomes/uac_family_by_country",
    homepage="https://www.cbp.gov/newsroom/stats/southwest-border-unaccompanied-children",
    licence=(
        "U.S. federal government work (public domain in the U.S.); the Washington Post "
        "compilation is CC BY-NC-SA 4.0"
    ),
    kind="outcome",
    files=(
        FileSpec(
            pattern="usbp_sw_uac_family_by_country_fy*.csv",
            url="https://www.cbp.gov/newsroom/stats/southwest-border-unaccompanied-children",
            role="country_table",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="usbp_sw_uac_family_by_country_partial_periods.csv",
            url="https://www.cbp.gov/newsroom/stats/southwest-border-unaccompanied-children",
            role="partial_periods",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="usbp_uac_monthly_by_sector_fy*.csv",
            url="https://www.cbp.gov/newsroom/media-resources/stats",
            role="sector_monthly",
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="originals/wpinvestigative/monthly_uac_apprehensions_by_sector_fy.csv",
            url="https://www.cbp.gov/newsroom/media-resources/stats",
            role="sector_pdf_table",
            status="transcribed",
            fetchable=False,
            required=False,
        ),
        FileSpec(
            pattern="orr_uac_referrals_country_shares_fy*.csv",
            url="https://www.acf.hhs.gov/orr/about/ucs/facts-and-data",
            role="orr_shares",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "USBP Southwest border only, apprehensions between ports (FY2020 and later include Title "
        "42 expulsions). Counts are events, not people; FMUA counts persons in family units. "
        "Each provenance class is its own source id: CBP figures, news transcriptions of CBP "
        "figures, residuals derived by the compiler, CBP totals and OHSS rounded totals. "
        "citizenship OTHER in uac_family_mexico_and_other_residual (FY2009-FY2012) includes "
        "Mexico. ORR shares are of children referred to ORR, not of apprehensions. The CBP "
        "FY2020+ CBP-wide files (cbp_state, cbp_sw) continue the series (USBP+OFO)."
    ),
    extra_tables=(PARTIAL_TABLE,),
    indicators=INDICATORS,
)
