"""Personal remittances received and paid, and GDP, in current US$ (World Bank WDI).

The snapshot holds these WDI series (``BX.TRF.PWKR.CD.DT``, ``BM.TRF.PWKR.CD.DT``,
``NY.GDP.MKTP.CD``) for the 8 study countries as a tidy CSV made from the ``iom/gdidata`` R
package (``wdi.rda``, WDI as downloaded by Feb 2025), not as the World Bank's own download: the
part is therefore ``derived``. The file's ``remittances_received_pct_gdp_derived`` column is not
loaded (it is 100 × received / GDP, recomputable); it is used to check the file instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec, one
from rootcauses.sources.catalogue import ECONOMY, REMITTANCES, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame, year_start
from rootcauses.sources.parsing import first_true, read_csv, to_float, to_int, to_iso3_series

SOURCE_ID = "remittances"
UNIT = "current US$"
# file column → indicator
VALUES = {
    "remittances_received_usd": "remittances_received_usd",
    "remittances_paid_usd": "remittances_paid_usd",
    "gdp_current_usd": "gdp_usd",
}
PCT_COLUMN = "remittances_received_pct_gdp_derived"
COLUMNS = ("iso3", "year", *VALUES, PCT_COLUMN)
PCT_TOLERANCE = 0.0006  # the file rounds the percentage to 3 decimals


def parse(raw: RawFile) -> pd.DataFrame:
    """The tidy CSV → long (country, year, indicator, value); checks the file's own % of GDP."""
    name = raw.name
    df = read_csv(raw.data, name, expected=COLUMNS)
    wide = pd.DataFrame(
        {
            "country": to_iso3_series(df["iso3"], name, "iso3"),
            "year": to_int(df["year"], name, "year"),
            **{column: to_float(df[column], name, column) for column in (*VALUES, PCT_COLUMN)},
        }
    )
    negative = (wide[list(VALUES)] < 0).any(axis=1)
    if negative.any():
        pos = first_true(negative)
        raise CheckError(f"{name}: row {pos + 2} has a negative amount; expected US$ ≥ 0")
    recomputed = 100 * wide["remittances_received_usd"] / wide["gdp_current_usd"]
    off = (recomputed - wide[PCT_COLUMN]).abs() > PCT_TOLERANCE
    if off.any():
        pos = first_true(off)
        raise CheckError(
            f"{name}: row {pos + 2}, column {PCT_COLUMN!r} is {wide[PCT_COLUMN].iloc[pos]!r} "
            f"but 100 × received / GDP = {recomputed.iloc[pos]:.4f}"
        )
    long = wide.melt(
        id_vars=["country", "year"], value_vars=list(VALUES), var_name="column", value_name="value"
    )
    long["indicator"] = long["column"].map(VALUES)
    return long[long["value"].notna()].drop(columns="column")


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files)
    rows = parse(raw)
    rows["period"] = year_start(rows["year"])
    frame = indicators_frame(rows, SOURCE_ID, frequency="annual", unit=UNIT)
    return [
        Part(
            source_id=SOURCE_ID,
            table="indicators",
            frame=frame,
            title="Personal remittances received and paid, and GDP, current US$ (World Bank WDI)",
            files=(raw,),
            status="derived",
            notes=(
                "WDI BX.TRF.PWKR.CD.DT (received), BM.TRF.PWKR.CD.DT (paid), NY.GDP.MKTP.CD, as "
                "redistributed in the iom/gdidata R package (WDI vintage of early 2025; 2024 "
                "not included). Nominal US$: deflate before comparing over time."
            ),
        )
    ]


def check(parts: list[Part]) -> None:
    frame = one_part(parts).frame
    for indicator in ("remittances_received_usd", "gdp_usd"):
        have = set(frame.loc[frame["indicator"] == indicator, "country"])
        absent = sorted(set(NORTHERN_TRIANGLE) - have)
        if absent:
            raise CheckError(f"{SOURCE_ID}: no {indicator} values for {absent}")
    wide = frame.pivot_table(index=["country", "period"], columns="indicator", values="value")
    share = wide["remittances_received_usd"] / wide["gdp_usd"]
    if (share > 1).any():
        country, period = share[share > 1].index[0]
        raise CheckError(f"{SOURCE_ID}: remittances received exceed GDP for {country} {period}")


def one_part(parts: list[Part]) -> Part:
    matching = [p for p in parts if p.source_id == SOURCE_ID]
    if len(matching) != 1:
        raise CheckError(f"{SOURCE_ID}: expected one part, got {len(matching)}")
    return matching[0]


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"remittances_received_usd",
        named(
            "Remittances received (US$)",
            REMITTANCES,
            "Personal remittances received from abroad, current US dollars",
        ),
    ),
    (
        r"remittances_paid_usd",
        named(
            "Remittances sent abroad (US$)",
            REMITTANCES,
            "Personal remittances paid to other countries, current US dollars",
        ),
    ),
    (r"gdp_usd", named("GDP (US$)", ECONOMY, "Gross domestic product in current US dollars")),
)


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Personal remittances in current US$ (World Bank WDI)",
    publisher="World Bank, World Development Indicators (IMF BoP statistics, WB staff estimates)",
    folder="drivers/remittances",
    homepage="https://data.worldbank.org/indicator/BX.TRF.PWKR.CD.DT",
    licence="CC BY 4.0 (World Bank WDI)",
    kind="driver",
    files=(
        FileSpec(
            pattern="remittances_usd_wdi_*.csv",
            url="https://data.worldbank.org/indicator/BX.TRF.PWKR.CD.DT",
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        "8 countries (GT HN SV MX NI CR PA US), 1990-2023. Personal remittances = personal "
        "transfers + compensation of employees (BoP basis), ~1% above the central banks' "
        "family-remittance series (e.g. Banguat). Missing: received NI 1990-91; paid CR "
        "1990-93, HN 1990-95, MX 1990-2004, NI 1990-2005. US 'received' is not meaningful."
    ),
    publication={
        "remittances": Publication(
            7,
            "year",
            (
                "WDI's July update adds year Y's remittances (BX.TRF.PWKR.CD.DT) and GDP in July of"
                " Y+1"
            ),
        ),
    },
    indicators=INDICATORS,
)
