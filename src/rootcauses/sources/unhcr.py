"""UNHCR Refugee Population Statistics: population, asylum applications, decisions, solutions.

UNHCR distributes its Refugee Data Finder database as the R package ``refugees``; the package's
``data/*.rda`` files are the machine-readable originals (one data frame each, compressed R
serialisation). ``read`` parses those files, so fetching the package's current ``data/`` files
and reading them gives the newer release.

Outputs
- Four extra tables, as published, one row per published cell: ``unhcr_population``,
  ``unhcr_asylum_applications``, ``unhcr_asylum_decisions``, ``unhcr_solutions``. Columns:
  ``year`` (calendar year), ``origin`` and ``asylum`` (ISO3 of the country of origin and of
  asylum), the table's categorical columns as published, then its figures (persons or cases).
  UNHCR's code ``UNK`` (unknown) becomes the project's ``XXX``; ``XXA`` (stateless) and ``TIB``
  (Tibetan) are not countries and are kept as UNHCR publishes them.
- Indicators by country of origin (all countries of asylum summed), annual (``period`` = 1
  January of the year): from ``population.rda`` the end-year stocks ``refugees_abroad``,
  ``asylum_seekers_abroad``, ``refugees_and_asylum_seekers_abroad`` and
  ``other_in_need_of_protection_abroad``; from ``asylum_applications.rda`` the flow
  ``asylum_applications_new`` (``app_type == "N"``). Origins that are not countries (unknown,
  stateless, Tibetan) are left out of the indicators, not out of the tables.

Cases vs persons. Applications and decisions are reported by some asylum countries as *cases*
(``app_pc``/``dec_pc == "C"``; a case can cover a family) and by most as *persons* (``"P"``). The
United States reports affirmative (USCIS) claims as cases and immigration-court (EOIR) claims as
persons. ``asylum_applications_new`` adds both, as UNHCR's own totals (Global Trends, Refugee
Data Finder) do, so it undercounts persons where cases are reported; the tables keep ``app_pc``
for anyone who needs one unit. Only new applications are counted: repeat, appeal and other
``app_type`` values concern claims already counted.

Reading. The ``.rda`` files are compressed R serialisations (bzip2 at present; gzip, xz or
uncompressed work too). ``pyreadr`` (librdata) reads them from a temporary copy of the bytes,
as it reads from a path; the columns it returns (text, factors, numbers) are then validated
here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr

from rootcauses.countries import NORTHERN_TRIANGLE, to_iso3
from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import DISPLACEMENT, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.parsing import first_true

RAW_BASE = "https://raw.githubusercontent.com/PopulationStatistics/refugees/main/data/"
HOMEPAGE = "https://www.unhcr.org/refugee-statistics/"

# UNHCR origin/asylum codes that are not ISO3 country codes. UNK is the project's XXX (unknown);
# the other two are not countries and stay as published (and out of the indicators).
UNHCR_CODES = {"UNK": "XXX"}
NOT_COUNTRIES = {"XXX": "unknown", "XXA": "stateless", "TIB": "Tibetan"}


@dataclass(frozen=True)
class Table:
    """One data frame of the package: its file/object name, categorical columns and figures."""

    name: str
    categories: tuple[str, ...]
    figures: tuple[str, ...]
    title: str

    @property
    def source_id(self) -> str:
        return f"unhcr_{self.name}"

    @property
    def file(self) -> str:
        return f"{self.name}.rda"

    @property
    def columns(self) -> tuple[str, ...]:
        return ("year", "coo_iso", "coa_iso", *self.categories, *self.figures)


POPULATION = Table(
    "population",
    (),
    (
        "refugees",
        "asylum_seekers",
        "returned_refugees",
        "idps",
        "returned_idps",
        "stateless",
        "ooc",
        "oip",
        "hst",
    ),
    "UNHCR forcibly displaced and stateless populations by origin and asylum (end-year stocks)",
)
APPLICATIONS = Table(
    "asylum_applications",
    ("procedure_type", "app_type", "dec_level", "app_pc"),
    ("applied",),
    "UNHCR asylum applications by origin and asylum country (during the year)",
)
DECISIONS = Table(
    "asylum_decisions",
    ("procedure_type", "dec_level", "dec_pc"),
    ("dec_recognized", "dec_other", "dec_rejected", "dec_closed", "dec_total"),
    "UNHCR asylum decisions by origin and asylum country (during the year)",
)
SOLUTIONS = Table(
    "solutions",
    (),
    ("returned_refugees", "resettlement", "naturalisation", "returned_idps"),
    "UNHCR durable solutions by origin and asylum country (during the year)",
)
TABLES = (POPULATION, APPLICATIONS, DECISIONS, SOLUTIONS)

PERSONS_END_YEAR = "persons, end of year, all countries of asylum"
POPULATION_INDICATORS = {  # indicator → (columns added, unit)
    "refugees_abroad": (("refugees",), f"refugees ({PERSONS_END_YEAR})"),
    "asylum_seekers_abroad": (
        ("asylum_seekers",),
        f"asylum-seekers with a pending claim ({PERSONS_END_YEAR})",
    ),
    "refugees_and_asylum_seekers_abroad": (
        ("refugees", "asylum_seekers"),
        f"refugees + asylum-seekers ({PERSONS_END_YEAR})",
    ),
    "other_in_need_of_protection_abroad": (
        ("oip",),
        f"other people in need of international protection ({PERSONS_END_YEAR})",
    ),
}
NEW_APPLICATIONS_UNIT = (
    "new asylum applications during the year, all countries of asylum (persons, or cases where "
    "the asylum country reports cases, e.g. US affirmative claims)"
)


# --- .rda → data frames ---------------------------------------------------------------------


def read_rdata(raw: RawFile) -> dict[str, pd.DataFrame]:
    """The objects of an .rda file as pandas data frames, by name (pyreadr)."""
    if not raw.data:
        raise ParseError(f"{raw.name}: the file is empty (expected an R data file, .rda)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.rda"  # pyreadr reads from a path
        path.write_bytes(raw.data)
        try:
            return dict(pyreadr.read_r(path))
        except (pyreadr.PyreadrError, pyreadr.LibrdataError, UnicodeError) as exc:
            raise ParseError(f"{raw.name}: not a readable R data file (truncated?): {exc}") from exc


# --- columns → validated arrays ----------------------------------------------------------------


def _where(name: str, table: Table, column: str, row: int | None = None) -> str:
    at = f"row {row + 1}, " if row is not None else ""
    return f"{name}: data frame {table.name!r}, {at}column {column!r}"


def _labels(values: pd.Series, name: str, table: Table, column: str):
    """Text or factor column → (codes, distinct labels in use); code -1 is NA."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)):
        raise ParseError(f"{_where(name, table, column)} holds numbers; expected text codes")
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    return codes, [str(d) for d in distinct]


def _numbers(values: pd.Series, name: str, table: Table, column: str) -> np.ndarray:
    dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    raise ParseError(f"{_where(name, table, column)} holds text; expected numbers")


def _text_series(codes: np.ndarray, labels: list[str | None]) -> pd.Series:
    """Codes + labels → a string column (code -1 → NA)."""
    return pd.Series(np.array([*labels, None], dtype=object)[codes], dtype="str")


def _countries(values: pd.Series, name: str, table: Table, column: str) -> pd.Series:
    """UNHCR's ISO3 column → project codes (UNK → XXX; XXA/TIB kept); unknown codes fail."""
    codes, labels = _labels(values, name, table, column)
    if (codes < 0).any():
        raise CheckError(f"{_where(name, table, column, first_true(codes < 0))} is missing")
    mapped = []
    for i, label in enumerate(labels):
        label = UNHCR_CODES.get(label.strip(), label.strip())
        if not label:
            raise CheckError(f"{_where(name, table, column, first_true(codes == i))} is missing")
        if label in NOT_COUNTRIES:
            mapped.append(label)
            continue
        try:
            if len(label) != 3 or not label.isalpha():
                raise CheckError(label)
            mapped.append(to_iso3(label))
        except CheckError:
            raise CheckError(
                f"{_where(name, table, column, first_true(codes == i))}: unknown country code "
                f"{label!r}; expected ISO3 (add it to rootcauses.countries if it is a country)"
            ) from None
    return _text_series(codes, mapped)


def _text(values: pd.Series, name: str, table: Table, column: str) -> pd.Series:
    codes, labels = _labels(values, name, table, column)
    if (codes < 0).any():
        raise CheckError(f"{_where(name, table, column, first_true(codes < 0))} is missing (NA)")
    return _text_series(codes, labels)


def table_frame(raw: RawFile, columns: pd.DataFrame, table: Table) -> pd.DataFrame:
    """One published data frame → year, origin, asylum, categories, figures (validated)."""
    name = raw.name
    missing = [c for c in table.columns if c not in columns]
    if missing:
        raise SchemaDriftError(
            f"{name}: data frame {table.name!r} lacks column(s) {missing}; expected "
            f"{list(table.columns)}, found {list(columns)}"
        )
    year = _numbers(columns["year"], name, table, "year")
    bad = np.isnan(year) | (year != np.round(year))
    if bad.any():
        row = first_true(bad)
        raise ParseError(f"{_where(name, table, 'year', row)} is {year[row]:g}; expected a year")
    out: dict[str, object] = {
        "year": year.astype(np.int64),
        "origin": _countries(columns["coo_iso"], name, table, "coo_iso"),
        "asylum": _countries(columns["coa_iso"], name, table, "coa_iso"),
    }
    for column in table.categories:
        out[column] = _text(columns[column], name, table, column)
    for column in table.figures:
        values = _numbers(columns[column], name, table, column)
        if (values < 0).any():
            row = first_true(values < 0)
            raise CheckError(
                f"{_where(name, table, column, row)} is {values[row]:g}; expected a count ≥ 0"
            )
        out[column] = values
    return pd.DataFrame(out)


def _refuse_repeats(frame: pd.DataFrame, table: Table, name: str) -> None:
    keys = ["year", "origin", "asylum", *table.categories]
    repeated = frame.duplicated(subset=keys)
    if repeated.any():
        row = first_true(repeated.to_numpy())
        cell = ", ".join(f"{k}={frame[k].iloc[row]!r}" for k in keys)
        raise CheckError(
            f"{name}: data frame {table.name!r}, row {row + 1} repeats the cell {cell}"
        )


# --- indicators by country of origin -----------------------------------------------------------


def _by_origin(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Sum of ``columns`` over all countries of asylum, per (origin, year); NaN if none given."""
    rows = frame[~frame["origin"].isin(list(NOT_COUNTRIES))]
    values = rows[list(columns)].sum(axis=1, min_count=1)
    return values.groupby([rows["origin"], rows["year"]]).sum(min_count=1)


def origin_indicators(population: pd.DataFrame, applications: pd.DataFrame) -> pd.DataFrame:
    pieces = []
    for indicator, (columns, unit) in POPULATION_INDICATORS.items():
        pieces.append(_long(_by_origin(population, columns), indicator, unit))
    new = applications[applications["app_type"] == "N"]
    pieces.append(
        _long(_by_origin(new, ["applied"]), "asylum_applications_new", NEW_APPLICATIONS_UNIT)
    )
    return pd.concat(pieces, ignore_index=True)


def _long(values: pd.Series, indicator: str, unit: str) -> pd.DataFrame:
    values = values.dropna()
    return pd.DataFrame(
        {
            "country": values.index.get_level_values("origin"),
            "period": year_start(values.index.get_level_values("year")),
            "indicator": indicator,
            "value": values.to_numpy(),
            "unit": unit,
        }
    )


# --- read / check ------------------------------------------------------------------------------


def _table_part(table: Table, raw: RawFile) -> Part:
    objects = read_rdata(raw)
    if table.name not in objects:
        raise SchemaDriftError(
            f"{raw.name}: no data frame {table.name!r}; objects present: {list(objects)}"
        )
    frame = table_frame(raw, objects[table.name], table)
    _refuse_repeats(frame, table, raw.name)
    return Part(
        source_id=table.source_id,
        table=table.source_id,
        frame=frame,
        title=table.title,
        files=(raw,),
        notes=_TABLE_NOTES.get(table.name, ""),
    )


def read(files: Sequence[RawFile]) -> list[Part]:
    raws = [one(files, t.name) for t in TABLES]
    parts = [_table_part(table, raw) for table, raw in zip(TABLES, raws, strict=True)]
    frames = {t.name: p.frame for t, p in zip(TABLES, parts, strict=True)}
    pop_raw, app_raw = raws[0], raws[1]
    indicators = indicators_frame(
        origin_indicators(frames["population"], frames["asylum_applications"]),
        "unhcr_by_origin",
        frequency="annual",
    )
    parts.append(
        Part(
            source_id="unhcr_by_origin",
            table="indicators",
            frame=indicators,
            title="UNHCR refugees, asylum-seekers and new asylum applications by country of origin",
            files=(pop_raw, app_raw),
            status="derived",
            notes=(
                "Sums over all countries of asylum of the published population and asylum "
                "application tables. Stocks are end-year; period is 1 January of that year. "
                "asylum_applications_new adds persons and cases (see the cases-vs-persons "
                "caveat); non-country origins (unknown, stateless, Tibetan) are left out."
            ),
        )
    )
    return parts


_TABLE_NOTES = {
    "population": (
        "End-year stocks in persons. oip (other people in need of international protection, "
        "e.g. many Venezuelans abroad) is published only for recent years and some countries."
    ),
    "asylum_applications": (
        "app_pc: C = cases (a case can cover several persons), P = persons; do not add across "
        "app_type (N new, R repeat, A appeal, …). US dec_level IN = USCIS affirmative (cases), "
        "EO = immigration court/EOIR (persons)."
    ),
    "asylum_decisions": (
        "dec_pc: C = cases, P = persons. Small figures are rounded by UNHCR, so dec_total can "
        "differ from the sum of its parts."
    ),
}


def check(parts: list[Part]) -> None:
    by_id = {p.source_id: p for p in parts}
    for table in TABLES:
        frame = by_id[table.source_id].frame
        if frame.empty:
            raise CheckError(f"{table.file}: data frame {table.name!r} has no rows")
        absent = sorted(set(NORTHERN_TRIANGLE) - set(frame["origin"].unique()))
        if absent:
            raise CheckError(
                f"{table.file}: column 'coo_iso' never has {absent}; the Northern Triangle "
                "must be covered as a country of origin"
            )
    indicators = by_id["unhcr_by_origin"].frame
    for indicator in ("refugees_and_asylum_seekers_abroad", "asylum_applications_new"):
        have = set(indicators.loc[indicators["indicator"] == indicator, "country"])
        absent = sorted(set(NORTHERN_TRIANGLE) - have)
        if absent:
            raise CheckError(f"unhcr_by_origin: indicator {indicator!r} has no rows for {absent}")
    _check_decision_totals(by_id[DECISIONS.source_id].frame)
    _check_returns_agree(by_id[POPULATION.source_id].frame, by_id[SOLUTIONS.source_id].frame)


DECISION_TOLERANCE = 0.05  # UNHCR rounds small cells, so parts and totals differ a little


def _check_decision_totals(decisions: pd.DataFrame) -> None:
    """Each year, recognised + other + rejected + closed ≈ dec_total (within rounding)."""
    parts = ["dec_recognized", "dec_other", "dec_rejected", "dec_closed"]
    yearly = decisions.groupby("year")[[*parts, "dec_total"]].sum()
    summed = yearly[parts].sum(axis=1)
    gap = (summed - yearly["dec_total"]).abs() / yearly["dec_total"].clip(lower=1)
    if (gap > DECISION_TOLERANCE).any():
        year = int(gap.idxmax())
        raise CheckError(
            f"asylum_decisions.rda: columns {parts} add up to {summed[year]:,.0f} in {year} "
            f"but column 'dec_total' to {yearly.loc[year, 'dec_total']:,.0f} "
            f"(more than {DECISION_TOLERANCE:.0%} apart)"
        )


def _check_returns_agree(population: pd.DataFrame, solutions: pd.DataFrame) -> None:
    """Returned refugees are published in both tables; where both have a cell they agree."""
    keys = ["year", "origin", "asylum"]
    both = (
        population[[*keys, "returned_refugees"]]
        .merge(
            solutions[[*keys, "returned_refugees"]], on=keys, suffixes=("_population", "_solutions")
        )
        .dropna()
    )
    a, b = both["returned_refugees_population"].sum(), both["returned_refugees_solutions"].sum()
    if abs(a - b) > 0.01 * max(a, b, 1):
        raise CheckError(
            f"population.rda / solutions.rda: column 'returned_refugees' sums to {a:,.0f} in "
            f"population but {b:,.0f} in solutions over the {len(both):,} cells both publish "
            "(mixed releases?)"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"refugees_abroad",
        named(
            "Refugees abroad",
            DISPLACEMENT,
            "Refugees from the country living in other countries, end of year (UNHCR)",
        ),
    ),
    (
        r"asylum_seekers_abroad",
        named(
            "Asylum seekers abroad",
            DISPLACEMENT,
            "People from the country with an asylum claim pending abroad, end of year",
        ),
    ),
    (
        r"refugees_and_asylum_seekers_abroad",
        named("Refugees and asylum seekers abroad", DISPLACEMENT, "Both together, end of year"),
    ),
    (
        r"asylum_applications_new",
        named(
            "New asylum applications abroad",
            DISPLACEMENT,
            "Asylum claims lodged by people from the country during the year",
        ),
    ),
    (
        r"other_in_need_of_protection_abroad",
        named(
            "Others in need of protection abroad",
            DISPLACEMENT,
            "People from the country in need of international protection "
            "outside the refugee and asylum categories",
        ),
    ),
)


SOURCE = SourceSpec(
    id="unhcr",
    title="UNHCR Refugee Population Statistics (R package refugees): population, asylum, solutions",
    publisher="Office of the United Nations High Commissioner for Refugees (UNHCR)",
    folder="outcomes/unhcr_refugee_statistics_americas",
    homepage=HOMEPAGE,
    licence="CC BY 4.0 (attribute: UNHCR Refugee Data Finder)",
    kind="outcome",
    files=tuple(FileSpec(pattern=t.file, url=RAW_BASE + t.file, role=t.name) for t in TABLES),
    read=read,
    check=check,
    extra_tables=tuple(t.source_id for t in TABLES),
    notes=(
        "Annual, calendar years; stocks end-year, flows during the year. Figures are revised "
        "with every release (earlier Global Trends reports quote different numbers). Asylum "
        "applications and decisions mix cases and persons (app_pc/dec_pc); US affirmative "
        "(USCIS) claims are cases, immigration-court claims persons; asylum_applications_new "
        "adds both, as UNHCR's totals do. UNHCR code UNK is stored as XXX; XXA (stateless) and "
        "TIB (Tibetan) are kept in the tables but left out of the indicators."
    ),
    indicators=INDICATORS,
)
