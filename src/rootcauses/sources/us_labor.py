"""US labour market, monthly (pull-factor side): payrolls, unemployment, construction jobs.

Three BLS series read from FRED's CSV download (``fredgraph.csv?id=SERIES``), parsed by the
FRED reader of :mod:`rootcauses.sources.fred` (header ``observation_date``,
``DATE`` or ``date``; missing months ``.`` or blank). One vintage: CES series are revised every
month and benchmarked every year, and the last two months of any vintage are preliminary.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rootcauses.errors import CheckError
from rootcauses.sources.base import Part, Publication, RawFile, SourceSpec
from rootcauses.sources.catalogue import US_LABOUR, IndicatorInfo, named
from rootcauses.sources.fred import FredSeries, check_ranges, fred_parts

SERIES = (
    FredSeries(
        series="PAYEMS",
        source_id="fred_payems",
        indicator="us_payrolls",
        unit="thousands of persons (all employees, total nonfarm, seasonally adjusted)",
        country="USA",
        title="All Employees, Total Nonfarm (CES0000000001)",
        publisher="US Bureau of Labor Statistics, Current Employment Statistics",
        file="PAYEMS.csv",
        low=10_000.0,
        high=500_000.0,
    ),
    FredSeries(
        series="UNRATE",
        source_id="fred_unrate",
        indicator="us_unemployment_rate",
        unit="% of the labour force (seasonally adjusted)",
        country="USA",
        title="Unemployment Rate (LNS14000000)",
        publisher="US Bureau of Labor Statistics, Current Population Survey",
        file="UNRATE.csv",
        low=0.5,
        high=40.0,
    ),
    FredSeries(
        series="USCONS",
        source_id="fred_uscons",
        indicator="us_construction_employment",
        unit="thousands of persons (all employees, construction, seasonally adjusted)",
        country="USA",
        title="All Employees, Construction (CES2000000001)",
        publisher="US Bureau of Labor Statistics, Current Employment Statistics",
        file="USCONS.csv",
        low=500.0,
        high=50_000.0,
    ),
)


def read(files: Sequence[RawFile]) -> list[Part]:
    return fred_parts(files, SERIES)


def check(parts: list[Part]) -> None:
    check_ranges(parts, SERIES)
    by_id = {p.source_id: p.frame.set_index("period")["value"] for p in parts}
    total, construction = by_id["fred_payems"], by_id["fred_uscons"]
    both = pd.concat({"total": total, "construction": construction}, axis=1).dropna()
    share = both["construction"] / both["total"]
    bad = (share <= 0) | (share >= 0.2)
    if bad.any():
        month = share[bad].index[0]
        raise CheckError(
            f"USCONS.csv / PAYEMS.csv: column 'value' gives construction "
            f"{both.loc[month, 'construction']:,.0f} of {both.loc[month, 'total']:,.0f} "
            f"thousand payroll jobs in {month}; expected a share between 0 and 20 % "
            "(a subsector of total nonfarm payrolls)"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"us_unemployment_rate",
        named(
            "US unemployment rate",
            US_LABOUR,
            "Unemployed people as a share of the US labour force (BLS)",
        ),
    ),
    (
        r"us_payrolls",
        named("US jobs (payrolls)", US_LABOUR, "Non-farm payroll employment in the US (BLS)"),
    ),
    (
        r"us_construction_employment",
        named(
            "US construction jobs",
            US_LABOUR,
            "Employment in US construction, an industry many migrants work in (BLS)",
        ),
    ),
)


SOURCE = SourceSpec(
    id="us_labor",
    title="US labour market: nonfarm payrolls, unemployment rate, construction employment",
    publisher="US Bureau of Labor Statistics (CES, CPS), via FRED",
    folder="drivers/us-labor",
    homepage="https://fred.stlouisfed.org/series/PAYEMS",
    licence="US government work (public domain); cite FRED, Federal Reserve Bank of St. Louis",
    kind="driver",
    files=tuple(s.file_spec() for s in SERIES),
    read=read,
    check=check,
    notes=(
        "One vintage of revised series: CES payrolls are revised monthly and benchmarked "
        "annually; the last two months are preliminary. All series seasonally adjusted. "
        "The snapshot copies start in 1970 (FRED has payrolls from 1939, unemployment from 1948)."
    ),
    publication={
        "fred_unrate": Publication(
            1,
            "period",
            (
                "the BLS Employment Situation for month m is released on the first Friday of m+1 "
                "(revised later)"
            ),
        ),
        "fred_payems": Publication(
            1,
            "period",
            (
                "the BLS Employment Situation for month m is released on the first Friday of m+1 "
                "(revised later)"
            ),
        ),
        "fred_uscons": Publication(
            1,
            "period",
            (
                "the BLS Employment Situation for month m is released on the first Friday of m+1 "
                "(revised later)"
            ),
        ),
    },
    indicators=INDICATORS,
)
