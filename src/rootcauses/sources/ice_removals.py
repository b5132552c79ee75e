"""ICE removals by country of citizenship, FY2014-FY2024 (17 Americas countries), transcribed.

ICE publishes these tables only in PDF/HTML annual reports, one report per year (FY2021-FY2023
as revised in the FY2024 annual report). The snapshot holds a hand transcription of a third-party
compilation of those tables (see the folder's SOURCE.md), so both parts are ``transcribed`` and
not fetchable: the build always reads the snapshot copy.

Two published tables, two source ids:

- ``ice_removals``: indicator ``ice_removals_fy`` by citizenship (ISO3 country), the removals of
  that country's citizens by ICE during the US fiscal year;
- ``ice_removals_total``: indicator ``ice_removals_total_fy`` with country ``USA``, meaning *all
  citizenships removed by the United States (ICE)* in the fiscal year (the printed ICE total,
  all ~170-190 countries, not only the 17 transcribed). It is a separate indicator, not a
  ``WLD`` row of ``ice_removals_fy``, because it is a national enforcement total, not a sum over
  a world of origins that the extract could reproduce.

Periods are fiscal years: ``period`` = 1 October of the previous calendar year, frequency
``annual``, as the ``_fy`` suffix says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import ENFORCEMENT, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame
from rootcauses.sources.parsing import first_true, read_csv, to_int, to_iso3_series

SOURCE_ID = "ice_removals"
TOTAL_ID = "ice_removals_total"
OFFICIAL_PAGE = "https://www.ice.gov/statistics"
UNIT = "removals during the US fiscal year (Oct-Sep), by country of citizenship"
TOTAL_UNIT = "removals during the US fiscal year (Oct-Sep), all citizenships"

COUNTRY_COLUMNS = ("fiscal_year", "country_key", "country_name", "removals", "source_doc", "as_of")
TOTAL_COLUMNS = (
    "fiscal_year",
    "source_doc",
    "as_of",
    "country_rows_in_source",
    "ice_removals_total_all_countries",
)


def fiscal_year_start(years: pd.Series) -> list[dt.date]:
    """FY2019 → 2018-10-01 (the project's period for values per US fiscal year)."""
    return [dt.date(int(y) - 1, 10, 1) for y in years]


def _first_row(mask: pd.Series) -> int:
    return first_true(mask) + 2  # 1-based file line after the header


def _refuse_repeats(df: pd.DataFrame, keys: list[str], name: str) -> None:
    repeated = df.duplicated(subset=keys)
    if repeated.any():
        row = df[repeated].iloc[0]
        cell = ", ".join(f"{k}={row[k]!r}" for k in keys)
        raise ParseError(
            f"{name}: row {_first_row(repeated)} repeats the cell {cell} (columns {keys})"
        )


def parse_countries(raw: RawFile) -> pd.DataFrame:
    """The by-citizenship file → fiscal_year, country (ISO3), removals, source_doc."""
    name = raw.name
    df = read_csv(raw.data, name, expected=COUNTRY_COLUMNS)
    out = pd.DataFrame(
        {
            "fiscal_year": to_int(df["fiscal_year"], name, "fiscal_year"),
            "country": to_iso3_series(df["country_key"], name, "country_key"),
            "removals": to_int(df["removals"], name, "removals"),
            "source_doc": df["source_doc"].str.strip(),
        }
    )
    # The ISO3 key and the printed name must agree (a transcription slip shows up here).
    named = to_iso3_series(df["country_name"], name, "country_name")
    differ = named != out["country"]
    if differ.any():
        pos = _first_row(differ)
        raise CheckError(
            f"{name}: row {pos}, column 'country_name' is {df['country_name'].iloc[pos - 2]!r} "
            f"({named.iloc[pos - 2]}) but column 'country_key' is "
            f"{df['country_key'].iloc[pos - 2]!r}"
        )
    _refuse_repeats(out, ["fiscal_year", "country"], name)
    return out


def parse_totals(raw: RawFile) -> pd.DataFrame:
    """The totals file → fiscal_year, total (printed ICE total, all citizenships), source_doc."""
    name = raw.name
    df = read_csv(raw.data, name, expected=TOTAL_COLUMNS)
    out = pd.DataFrame(
        {
            "fiscal_year": to_int(df["fiscal_year"], name, "fiscal_year"),
            "total": to_int(
                df["ice_removals_total_all_countries"], name, "ice_removals_total_all_countries"
            ),
            "source_doc": df["source_doc"].str.strip(),
            "as_of": df["as_of"].str.strip(),
        }
    )
    _refuse_repeats(out, ["fiscal_year"], name)
    return out


def _same_documents(countries: pd.DataFrame, totals: pd.DataFrame, name: str) -> None:
    """Each fiscal year's rows must come from the report its total comes from."""
    docs = totals.set_index("fiscal_year")["source_doc"]
    expected = countries["fiscal_year"].map(docs)
    differ = expected.notna() & (expected != countries["source_doc"])
    if differ.any():
        row = countries[differ].iloc[0]
        raise CheckError(
            f"{name}: row {_first_row(differ)}, column 'source_doc' is {row['source_doc']!r} "
            f"for FY{row['fiscal_year']}, but the totals file takes that year from "
            f"{docs[row['fiscal_year']]!r}"
        )


def missing_cells(countries: pd.DataFrame) -> list[str]:
    """Country-years absent from the extract (of the countries and years it has at all)."""
    grid = pd.MultiIndex.from_product(
        [sorted(countries["country"].unique()), sorted(countries["fiscal_year"].unique())]
    )
    have = pd.MultiIndex.from_frame(countries[["country", "fiscal_year"]])
    return [f"{c} FY{fy}" for c, fy in grid.difference(have)]


def read(files: Sequence[RawFile]) -> list[Part]:
    data, totals_file = one(files, "data"), one(files, "totals")
    countries = parse_countries(data)
    totals = parse_totals(totals_file)
    _same_documents(countries, totals, data.name)
    by_country = indicators_frame(
        pd.DataFrame(
            {
                "country": countries["country"],
                "period": fiscal_year_start(countries["fiscal_year"]),
                "value": countries["removals"].astype("float64"),
            }
        ),
        SOURCE_ID,
        frequency="annual",
        indicator="ice_removals_fy",
        unit=UNIT,
    )
    total = indicators_frame(
        pd.DataFrame(
            {
                "period": fiscal_year_start(totals["fiscal_year"]),
                "value": totals["total"].astype("float64"),
            }
        ),
        TOTAL_ID,
        country="USA",
        frequency="annual",
        indicator="ice_removals_total_fy",
        unit=TOTAL_UNIT,
    )
    documents = "; ".join(
        f"FY{fy}: {doc} (as of {as_of})"
        for fy, doc, as_of in totals[["fiscal_year", "source_doc", "as_of"]].itertuples(index=False)
    )
    gaps = ", ".join(missing_cells(countries)) or "none"
    return [
        Part(
            source_id=SOURCE_ID,
            table="indicators",
            frame=by_country,
            title="ICE removals by country of citizenship (17 Americas countries)",
            files=(data,),
            status="transcribed",
            notes=(
                f"Extract of {countries['country'].nunique()} Americas citizenships; cells absent "
                f"from the transcription are missing (small), not zero: {gaps}. "
                f"ICE documents: {documents}."
            ),
        ),
        Part(
            source_id=TOTAL_ID,
            table="indicators",
            frame=total,
            title="ICE removals, all citizenships (printed national total)",
            files=(totals_file,),
            status="transcribed",
            notes=(
                "Country USA = all citizenships removed by ICE, not removals of US citizens. "
                f"ICE documents: {documents}."
            ),
        ),
    ]


def check(parts: list[Part]) -> None:
    by_id = {p.source_id: p.frame for p in parts}
    countries, totals = by_id[SOURCE_ID], by_id[TOTAL_ID]
    total = totals.set_index("period")["value"]
    summed = countries.groupby("period")["value"].sum()
    missing = sorted(set(summed.index) - set(total.index))
    if missing:
        raise CheckError(
            f"removals_totals_by_fiscal_year.csv: column 'fiscal_year' lacks the fiscal year "
            f"starting {missing[0]} that the by-citizenship file has"
        )
    over = summed > total.reindex(summed.index)
    if over.any():
        period = summed[over].index[0]
        raise CheckError(
            f"removals_by_citizenship: column 'removals' sums to {summed[period]:,.0f} for the "
            f"fiscal year starting {period}, above the printed ICE total {total[period]:,.0f} "
            "(a subset of countries cannot exceed all countries)"
        )
    for period, group in countries.groupby("period"):
        absent = sorted(set(NORTHERN_TRIANGLE) - set(group["country"]))
        if absent:
            raise CheckError(
                f"removals_by_citizenship: column 'country_key' has no {absent} for the fiscal "
                f"year starting {period} (the Northern Triangle must be covered)"
            )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"ice_removals_fy",
        named(
            "Removals from the US (ICE)",
            ENFORCEMENT,
            "Removals by US Immigration and Customs Enforcement to the country, fiscal year",
        ),
    ),
    (
        r"ice_removals_total_fy",
        named(
            "Removals from the US, all countries (ICE)",
            ENFORCEMENT,
            "All ICE removals in the fiscal year",
        ),
    ),
)


SOURCE = SourceSpec(
    id="ice_removals",
    title="ICE removals by country of citizenship, FY2014-FY2024 (Americas)",
    publisher="U.S. Immigration and Customs Enforcement (ICE), Enforcement and Removal Operations",
    folder="outcomes/ice_removals_by_citizenship_fy2014_fy2024",
    homepage=OFFICIAL_PAGE,
    licence="U.S. federal government work (public domain in the U.S.)",
    kind="outcome",
    files=(
        FileSpec(
            pattern="removals_by_citizenship_americas_fy*.csv",
            url=OFFICIAL_PAGE,
            status="transcribed",
            fetchable=False,
        ),
        FileSpec(
            pattern="removals_totals_by_fiscal_year.csv",
            url=OFFICIAL_PAGE,
            role="totals",
            status="transcribed",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "Transcribed by hand from a third-party parse of ICE's annual reports (PDF/HTML); not "
        "a byte copy. ICE removals only: excludes CBP returns, Title 42 expulsions (FY2020-FY2023, "
        "hence the FY2021-FY2022 lows) and Mexican deportations. FY2021-FY2023 as revised in the "
        "FY2024 annual report. Removals are events: a person removed twice counts twice. "
        "ice_removals_total_fy (country USA) is the printed total over all citizenships."
    ),
    indicators=INDICATORS,
)
