"""Governance: Worldwide Governance Indicators (World Bank) and Corruption Perceptions Index (TI).

Three published tables, each its own source id:

- ``wgi``: the official WGI workbook, all countries, six dimensions. Each dimension gives
  ``wgi_<dimension>`` (estimate), ``wgi_<dimension>_pctrank`` (percentile rank) and
  ``wgi_<dimension>_std_err``. Two layouts are read: one sheet per dimension with years across
  (the 2023 update in the snapshot and earlier releases) and the single long sheet (``codeindyr,
  code, countryname, year, indicator, estimate, stddev, nsource, pctrank, …``) of the 2024 release.
- ``cpi``: TI's results workbook, sheet "CPI Timeseries 2012 - <year>" (score, rank, standard
  error; 0-100 scale, comparable from 2012 on).
- ``cpi_pre2012``: CPI 1995-2011 on the old 0-10 scale for the 8 study countries, from the
  snapshot's tidy file (built by open-numbers from TI's yearly result files; no single official
  file holds it). A separate indicator, ``cpi_score_pre2012``: it must not be spliced with 2012+.

Workbooks are opened once with the calamine engine and only the needed sheets are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, by_role, one
from rootcauses.sources.catalogue import GOVERNANCE, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.parsing import (
    MISSING_NUMBER,
    first_true,
    numeric_block,
    open_workbook,
    read_csv,
    read_excel_sheet,
    require_columns,
    to_choice,
    to_float,
    to_int,
    to_iso3_series,
)

WGI_ID = "wgi"
CPI_ID = "cpi"
CPI_PRE2012_ID = "cpi_pre2012"

# Sheet of the per-dimension workbook → dimension; the long layout's codes → the same names.
WGI_SHEETS = {
    "VoiceandAccountability": "voice_and_accountability",
    "Political StabilityNoViolence": "political_stability",
    "GovernmentEffectiveness": "government_effectiveness",
    "RegulatoryQuality": "regulatory_quality",
    "RuleofLaw": "rule_of_law",
    "ControlofCorruption": "control_of_corruption",
}
WGI_CODES = {
    "va": "voice_and_accountability",
    "pv": "political_stability",
    "ge": "government_effectiveness",
    "rq": "regulatory_quality",
    "rl": "rule_of_law",
    "cc": "control_of_corruption",
}
# Published field → indicator suffix, per layout (number of sources and the 90% interval of the
# rank are not loaded).
WGI_WIDE_FIELDS = {"Estimate": "", "StdErr": "_std_err", "Rank": "_pctrank"}
WGI_LONG_FIELDS = {"estimate": "", "stddev": "_std_err", "pctrank": "_pctrank"}
WGI_LONG_COLUMNS = ("code", "year", "indicator", *WGI_LONG_FIELDS)
WGI_UNITS = {
    "": "standard normal units (about -2.5 weak to +2.5 strong)",
    "_std_err": "standard error of the estimate (standard normal units)",
    "_pctrank": "percentile rank among all countries (0 lowest, 100 highest)",
}
# The World Bank's own codes for some economies (WGI sheets, TI's Kosovo: ADO, KSV, ROM, TMP, WBG,
# ZAR) are mapped to ISO3 / project codes by rootcauses.countries (LEGACY_ISO3).
# Economies that no longer exist and have no code in the project's list: dropped.
DISSOLVED = {"ANT": "Netherlands Antilles (former)"}

CPI_SHEET = re.compile(r"^\s*CPI\s*Time\s*series", re.IGNORECASE)
CPI_FIELDS = {  # column "<label> <year>" → indicator, unit
    "cpi score": ("cpi_score", "score 0-100 (0 highly corrupt, 100 very clean)"),
    "rank": ("cpi_rank", "rank among countries scored (1 = least corrupt)"),
    "standard error": ("cpi_std_err", "standard error of the score (0-100 scale)"),
}
CPI_COLUMN = re.compile(r"^\s*(cpi score|rank|standard error)\s+(\d{4})\s*$", re.IGNORECASE)
PRE2012_COLUMNS = ("country", "iso3", "year", "cpi_score_0_10_pre2012")
PRE2012_UNIT = "score 0-10 (pre-2012 methodology; not comparable with 2012+)"


# --- workbooks ---------------------------------------------------------------------------------


def header_row(df: pd.DataFrame, where: str, first: str, second: str) -> int:
    """The header row: the last of the first run of rows whose first cells read ``first``,
    ``second`` (a workbook may repeat them over the rows of a multi-row header)."""
    hits = (df.iloc[:, 0].astype(str).str.strip().str.casefold() == first.casefold()) & (
        df.iloc[:, 1].astype(str).str.strip().str.casefold() == second.casefold()
    )
    if not hits.any():
        raise SchemaDriftError(f"{where}: no header row starting with {[first, second]}")
    row = first_true(hits)
    while row + 1 < len(hits) and hits.iloc[row + 1]:
        row += 1
    return row


def cells(values: pd.Series) -> pd.Series:
    """Worksheet cells as text for the parsing helpers: empty cells become "" (pandas 3 keeps NA
    through ``astype(str)``, which the helpers would report as a bad value)."""
    return values.astype(object).where(values.notna(), "")


def country_codes(codes: pd.Series, where: str, column: str, header_rows: int) -> pd.Series:
    """Publisher codes → ISO3; dissolved economies and blank rows become NA (to be dropped)."""
    text = cells(codes).astype(str).str.strip().str.upper()
    keep = ~text.isin([*DISSOLVED, ""])
    iso3 = to_iso3_series(text.where(keep, "WLD"), where, column, header_rows=header_rows)
    return iso3.where(keep)


# --- WGI ---------------------------------------------------------------------------------------


def parse_wgi_sheet(book: pd.ExcelFile, name: str, sheet_name: str) -> pd.DataFrame:
    """One dimension sheet (years across, six fields per year) → country, year, field, value."""
    df = read_excel_sheet(book, name, sheet_name, header=None)
    where = f"{name}, sheet {sheet_name!r}"
    h = header_row(df, where, "Country/Territory", "Code")
    if h == 0:
        raise SchemaDriftError(f"{where}: no row of years above the header row")
    years = pd.to_numeric(df.iloc[h - 1].infer_objects().ffill(), errors="coerce")
    fields = df.iloc[h].astype(str).str.strip()
    data = df.iloc[h + 1 :].reset_index(drop=True)
    header_rows = h + 1  # rows above the first data row: error rows are worksheet rows
    countries = country_codes(data.iloc[:, 1], where, "Code", header_rows)
    columns = [c for c in df.columns[2:] if fields[c] in WGI_WIDE_FIELDS and pd.notna(years[c])]
    missing = sorted(set(WGI_WIDE_FIELDS) - {fields[c] for c in columns})
    if missing:
        raise SchemaDriftError(
            f"{where}: no column(s) {missing} under a year in row {h + 1}; "
            f"found {sorted(set(fields[2:]))}"
        )
    labels = [f"{int(years[c])} {fields[c]}" for c in columns]
    block = numeric_block(
        data[columns], where, header_rows + 1, labels=labels, missing=MISSING_NUMBER
    )
    keep = countries.notna().to_numpy()
    values = block.to_numpy()[keep]
    n_rows, n_cols = values.shape
    long = pd.DataFrame(
        {
            "country": np.repeat(countries[keep].to_numpy(), n_cols),
            "year": np.tile(years[columns].astype(int).to_numpy(), n_rows),
            "suffix": np.tile(fields[columns].map(WGI_WIDE_FIELDS).to_numpy(), n_rows),
            "value": values.ravel(),
        }
    )
    return long[long["value"].notna()].assign(dimension=WGI_SHEETS[sheet_name])


def parse_wgi_long(book: pd.ExcelFile, name: str, sheet_name: str) -> pd.DataFrame:
    """The single long sheet of the 2024 release → country, year, suffix, value, dimension."""
    df = read_excel_sheet(book, name, sheet_name, dtype=object)
    where = f"{name}, sheet {sheet_name!r}"
    require_columns(df, WGI_LONG_COLUMNS, where)
    rows = pd.DataFrame(
        {
            "country": country_codes(df["code"], where, "code", 1),
            "year": to_int(cells(df["year"]), where, "year"),
            "dimension": to_choice(
                cells(df["indicator"]).astype(str).str.lower(), WGI_CODES, where, "indicator"
            ),
        }
    )
    pieces = [
        rows.assign(suffix=suffix, value=to_float(cells(df[column]), where, column))
        for column, suffix in WGI_LONG_FIELDS.items()
    ]
    long = pd.concat(pieces, ignore_index=True)
    return long[long["country"].notna()]


def wgi_layout(book: pd.ExcelFile, name: str) -> tuple[str, list[str]]:
    """("wide", the six sheets) or ("long", [the sheet with the long columns])."""
    present = [s for s in WGI_SHEETS if s in book.sheet_names]
    if len(present) == len(WGI_SHEETS):
        return "wide", present
    if present:
        missing = [s for s in WGI_SHEETS if s not in book.sheet_names]
        raise SchemaDriftError(f"{name}: no sheet(s) {missing}; sheets present: {book.sheet_names}")
    for candidate in book.sheet_names:
        head = read_excel_sheet(book, name, candidate, nrows=0)
        if set(WGI_LONG_COLUMNS) <= {str(c).strip() for c in head.columns}:
            return "long", [candidate]
    raise SchemaDriftError(
        f"{name}: neither the per-dimension sheets {list(WGI_SHEETS)} nor a sheet with "
        f"columns {list(WGI_LONG_COLUMNS)}; sheets present: {book.sheet_names}"
    )


def periods(years: pd.Series) -> pd.Series:
    """1 January of each year, computed once per distinct year (tables have ~90,000 rows)."""
    starts = dict(zip(years.unique(), year_start(years.unique()), strict=True))
    return years.map(starts)


def read_wgi(raw: RawFile) -> Part:
    book = open_workbook(raw.data, raw.name)
    layout, sheets = wgi_layout(book, raw.name)
    if layout == "wide":
        rows = pd.concat([parse_wgi_sheet(book, raw.name, s) for s in sheets], ignore_index=True)
    else:
        rows = parse_wgi_long(book, raw.name, sheets[0])
    rows = rows.assign(
        period=periods(rows["year"]),
        indicator="wgi_" + rows["dimension"] + rows["suffix"],
        unit=rows["suffix"].map(WGI_UNITS),
    )
    layout_note = (
        "one sheet per dimension (2023 update or earlier)"
        if layout == "wide"
        else f"long sheet {sheets[0]!r} (2024 release or later)"
    )
    return Part(
        source_id=WGI_ID,
        table="indicators",
        frame=indicators_frame(rows, WGI_ID, frequency="annual"),
        title="Worldwide Governance Indicators: estimate, percentile rank, standard error",
        files=(raw,),
        notes=(
            f"Layout read: {layout_note}. WGI estimates are relative (world mean about 0 each "
            "year) and every release revises all years: do not mix releases. No data for 1997, "
            "1999, 2001 (biennial then). Dropped: "
            + ", ".join(f"{c} {n}" for c, n in DISSOLVED.items())
            + "."
        ),
    )


# --- CPI ---------------------------------------------------------------------------------------


def cpi_sheet_name(book: pd.ExcelFile, name: str) -> str:
    matches = [s for s in book.sheet_names if CPI_SHEET.match(s)]
    if len(matches) != 1:
        raise SchemaDriftError(
            f"{name}: expected one sheet named like 'CPI Timeseries 2012 - <year>', found "
            f"{matches}; sheets present: {book.sheet_names}"
        )
    return matches[0]


def read_cpi(raw: RawFile) -> Part:
    book = open_workbook(raw.data, raw.name)
    sheet_name = cpi_sheet_name(book, raw.name)
    where = f"{raw.name}, sheet {sheet_name!r}"
    df = read_excel_sheet(book, raw.name, sheet_name, header=None)
    h = header_row(df, where, "Country / Territory", "ISO3")
    labels = df.iloc[h].astype(str).str.strip()
    data = df.iloc[h + 1 :].reset_index(drop=True)
    header_rows = h + 1
    name_blank = data.iloc[:, 0].isna() | (data.iloc[:, 0].astype(str).str.strip() == "")
    code_blank = data.iloc[:, 1].isna() | (data.iloc[:, 1].astype(str).str.strip() == "")
    if (code_blank & ~name_blank).any():
        pos = first_true(code_blank & ~name_blank)
        raise CheckError(
            f"{where}: row {pos + 1 + header_rows}, column 'ISO3' is empty for "
            f"{data.iloc[pos, 0]!r}"
        )
    countries = country_codes(data.iloc[:, 1], where, "ISO3", header_rows)
    pieces = []
    for column, label in labels.items():
        match = CPI_COLUMN.match(label)
        if not match:
            continue
        indicator, unit = CPI_FIELDS[match.group(1).lower()]
        pieces.append(
            pd.DataFrame(
                {
                    "country": countries,
                    "year": int(match.group(2)),
                    "indicator": indicator,
                    "unit": unit,
                    "value": to_float(cells(data[column]), where, label, header_rows=header_rows),
                }
            )
        )
    found = {p["indicator"].iloc[0] for p in pieces if len(p)}
    if "cpi_score" not in found:
        raise SchemaDriftError(
            f"{where}: no 'CPI score <year>' column in row {h + 1}; found {list(labels)}"
        )
    rows = pd.concat(pieces, ignore_index=True)
    rows = rows[rows["country"].notna()]
    rows = rows.assign(period=periods(rows["year"]))
    return Part(
        source_id=CPI_ID,
        table="indicators",
        frame=indicators_frame(rows, CPI_ID, frequency="annual"),
        title="Corruption Perceptions Index 2012 onward (score, rank, standard error)",
        files=(raw,),
        notes=(
            f"Sheet {sheet_name!r}. Scores are comparable over time from 2012 (0-100 scale); "
            "ranks depend on how many countries were scored that year. TI: CC BY-ND 4.0."
        ),
    )


def read_cpi_pre2012(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=PRE2012_COLUMNS)
    rows = pd.DataFrame(
        {
            "country": to_iso3_series(df["iso3"], name, "iso3"),
            "year": to_int(df["year"], name, "year"),
            "value": to_float(df["cpi_score_0_10_pre2012"], name, "cpi_score_0_10_pre2012"),
        }
    )
    rows = rows[rows["value"].notna()]
    rows = rows.assign(period=year_start(rows["year"]), indicator="cpi_score_pre2012")
    return Part(
        source_id=CPI_PRE2012_ID,
        table="indicators",
        frame=indicators_frame(rows, CPI_PRE2012_ID, frequency="annual", unit=PRE2012_UNIT),
        title="Corruption Perceptions Index 1995-2011 (old 0-10 scale), 8 study countries",
        files=(raw,),
        status="derived",
        notes=(
            "Built by open-numbers (ddf--transparency_international--corruption_perception_index) "
            "from TI's yearly result files. Old methodology: not comparable over time nor with "
            "2012+ scores; do not rescale x10 and splice without saying so."
        ),
    )


def read(files: Sequence[RawFile]) -> list[Part]:
    parts = [read_wgi(one(files, "wgi")), read_cpi(one(files, "cpi"))]
    parts += [read_cpi_pre2012(f) for f in by_role(files, "cpi_pre2012")[:1]]
    return parts


# --- checks ------------------------------------------------------------------------------------


def _bad_range(part: Part, indicators: pd.Series, low: float, high: float, what: str) -> None:
    frame = part.frame
    bad = indicators & ((frame["value"] < low) | (frame["value"] > high))
    if bad.any():
        row = frame[bad].iloc[0]
        raise CheckError(
            f"{part.source_id} ({part.files[0].name if part.files else '?'}): "
            f"{row['indicator']} is {row['value']!r} for {row['country']} {row['period']}; "
            f"expected {what} in {low:g}..{high:g}"
        )


def _rank_order(part: Part, score: str, rank: str, higher_score_higher_rank: bool) -> None:
    """Within a year, ordering countries by score must order them by rank the same way."""
    frame = part.frame[["period", "country", "indicator", "value"]]
    keys = ["period", "country"]
    pairs = frame[frame["indicator"] == score].merge(
        frame[frame["indicator"] == rank], on=keys, suffixes=("_score", "_rank")
    )
    pairs = pairs.sort_values(["period", "value_score"])
    step = pairs.groupby("period")["value_rank"].diff()
    bad = step < -1e-6 if higher_score_higher_rank else step > 1e-6
    if bad.any():
        row = pairs[bad].iloc[0]
        raise CheckError(
            f"{part.source_id}: in {row['period']}, {rank} of {row['country']} "
            f"({row['value_rank']:g}) disagrees with the order of {score}"
        )


def check(parts: list[Part]) -> None:
    by_id = {p.source_id: p for p in parts}
    for part in parts:
        covered = set(NORTHERN_TRIANGLE) & set(part.frame["country"].unique())
        if covered != set(NORTHERN_TRIANGLE):
            raise CheckError(
                f"{part.source_id}: no rows for {sorted(set(NORTHERN_TRIANGLE) - covered)}"
            )
    wgi = by_id[WGI_ID]
    ind = wgi.frame["indicator"]
    expected = {f"wgi_{d}{s}" for d in WGI_SHEETS.values() for s in WGI_UNITS}
    missing = sorted(expected - set(ind.unique()))
    if missing:
        raise CheckError(f"{WGI_ID}: indicators {missing} have no values")
    _bad_range(wgi, ind.str.endswith("_pctrank"), 0, 100, "a percentile rank")
    _bad_range(wgi, ind.str.endswith("_std_err"), 0, 2, "a standard error")
    estimates = ~ind.str.endswith(("_pctrank", "_std_err"))
    _bad_range(wgi, estimates, -4, 4, "an estimate")
    for dimension in WGI_SHEETS.values():
        _rank_order(wgi, f"wgi_{dimension}", f"wgi_{dimension}_pctrank", True)
    cpi = by_id[CPI_ID]
    _bad_range(cpi, cpi.frame["indicator"] == "cpi_score", 0, 100, "a score")
    _rank_order(cpi, "cpi_score", "cpi_rank", False)
    if CPI_PRE2012_ID in by_id:
        old = by_id[CPI_PRE2012_ID]
        _bad_range(old, old.frame["indicator"] == "cpi_score_pre2012", 0, 10, "a 0-10 score")
        late = pd.to_datetime(old.frame["period"]).dt.year >= 2012
        if late.any():
            raise CheckError(
                f"{CPI_PRE2012_ID}: {int(late.sum())} rows from 2012 or later; the 0-10 scale "
                "ended in 2011"
            )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"cpi_score",
        named(
            "Corruption Perceptions Index",
            GOVERNANCE,
            "Transparency International's score, 0 (highly corrupt) to 100 (very clean)",
        ),
    ),
    (
        r"cpi_score_pre2012",
        named(
            "Corruption Perceptions Index (before 2012)",
            GOVERNANCE,
            "The old 0-10 scale; not comparable with the 2012+ scores",
        ),
    ),
    (
        r"cpi_rank",
        named(
            "Corruption Perceptions rank",
            GOVERNANCE,
            "Rank among the countries scored (1 = least corrupt)",
        ),
    ),
    (
        r"cpi_std_err",
        named(
            "Corruption Perceptions Index: standard error",
            GOVERNANCE,
            "Uncertainty of the score",
            hidden=True,
        ),
    ),
    (
        r"wgi_(?P<d>[a-z_]+?)_std_err",
        named(
            "Governance ({d}): standard error",
            GOVERNANCE,
            "Uncertainty of the World Bank estimate",
            hidden=True,
        ),
    ),
    (
        r"wgi_(?P<d>[a-z_]+?)_pctrank",
        named(
            "Governance: {d} (percentile rank)",
            GOVERNANCE,
            "World Bank Worldwide Governance Indicators: percentile "
            "among all countries (0 lowest, 100 highest)",
        ),
    ),
    (
        r"wgi_(?P<d>[a-z_]+)",
        named(
            "Governance: {d}",
            GOVERNANCE,
            "World Bank Worldwide Governance Indicators estimate, "
            "about -2.5 (weak) to +2.5 (strong)",
        ),
    ),
)


SOURCE = SourceSpec(
    id="governance",
    title="Worldwide Governance Indicators and Corruption Perceptions Index",
    publisher="World Bank (WGI, Kaufmann & Kraay); Transparency International (CPI)",
    folder="drivers/governance",
    homepage="https://www.worldbank.org/en/publication/worldwide-governance-indicators",
    licence="WGI: CC BY 4.0; CPI: CC BY-ND 4.0 (redistribute unchanged, with attribution)",
    kind="driver",
    files=(
        FileSpec(
            pattern="wgidataset*.xlsx",
            url="https://www.worldbank.org/content/dam/sites/govindicators/doc/wgidataset.xlsx",
            role="wgi",
        ),
        FileSpec(
            pattern="CPI20*.xlsx",
            url="https://www.transparency.org/en/cpi",
            link=r"CPI20\d\d[^/]*\.xlsx$",
            link_hosts=("images.transparency.cc",),  # where TI's pages put their files
            role="cpi",
        ),
        FileSpec(
            pattern="cpi_*_long.csv",
            url="https://www.transparency.org/en/cpi/2011",
            role="cpi_pre2012",
            required=False,
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "WGI: this snapshot is the 2023 update (1996-2022); the Sept 2024 release revised all "
        "years with methodological changes. Estimates are relative to the world each year. "
        "WGI codes ADO/KSV/ROM/TMP/WBG/ZAR are mapped to AND/XKX/ROU/TLS/PSE/COD; the former "
        "Netherlands Antilles (ANT) is dropped. CPI: 0-100 scores from 2012 (cpi_score) are not "
        "comparable with the 0-10 scores of 1995-2011 (cpi_score_pre2012)."
    ),
    publication={
        "wgi": Publication(
            10,
            "year",
            (
                "the WGI update with year Y is released in late September of Y+1 (2023 update: "
                "1996-2022, September 2023): from October of Y+1"
            ),
        ),
        "cpi": Publication(
            2,
            "year",
            (
                "Transparency International publishes the CPI for year Y at the end of January of "
                "Y+1 (CPI 2023: 30 January 2024): from February of Y+1"
            ),
        ),
    },
    indicators=INDICATORS,
)
