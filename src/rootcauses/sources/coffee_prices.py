"""Coffee prices, monthly: IMF world prices of green coffee and the US retail price (via FRED).

The IMF Primary Commodity Prices series for *Other Mild Arabicas* (the price class of Central
American washed arabica) and *Robustas* are global prices (country ``WLD``); the BLS average price
of ground roast coffee is a US retail price (country ``USA``). All three are read from FRED's CSV
download (``fredgraph.csv?id=SERIES``), whose header has changed over time (``DATE,SERIES`` before
2024, ``observation_date,SERIES`` since; the snapshot's BLS copy has ``date,value``) and whose
missing months are ``.`` (old) or blank (new); :mod:`rootcauses.sources.fred` reads all of these.
"""

from __future__ import annotations

from collections.abc import Sequence

from rootcauses.errors import CheckError
from rootcauses.sources.base import Part, Publication, RawFile, SourceSpec
from rootcauses.sources.catalogue import ECONOMY, IndicatorInfo, named
from rootcauses.sources.fred import FredSeries, check_ranges, fred_parts

SERIES = (
    FredSeries(
        series="PCOFFOTMUSDM",
        source_id="fred_pcoffotmusdm",
        indicator="coffee_price_other_milds",
        unit="US cents per pound (monthly average, green coffee, NSA)",
        country="WLD",
        title="Global price of Coffee, Other Mild Arabica",
        publisher="IMF Primary Commodity Prices",
        file="PCOFFOTMUSDM.csv",
        low=20.0,
        high=2000.0,
    ),
    FredSeries(
        series="PCOFFROBUSDM",
        source_id="fred_pcoffrobusdm",
        indicator="coffee_price_robustas",
        unit="US cents per pound (monthly average, green coffee, NSA)",
        country="WLD",
        title="Global price of Coffee, Robustas",
        publisher="IMF Primary Commodity Prices",
        file="PCOFFROBUSDM.csv",
        low=10.0,
        high=2000.0,
    ),
    FredSeries(
        series="APU0000717311",
        source_id="fred_apu0000717311",
        indicator="us_retail_price_ground_coffee",
        unit="US dollars per pound (retail, 100% ground roast, U.S. city average, NSA)",
        country="USA",
        title="Average price: Coffee, 100%, ground roast, all sizes, per lb, U.S. city average",
        publisher="US Bureau of Labor Statistics, CPI Average Price Data",
        file="APU0000717311_us_retail_ground_coffee.csv",
        low=0.5,
        high=100.0,
    ),
)


def read(files: Sequence[RawFile]) -> list[Part]:
    return fred_parts(files, SERIES)


def check(parts: list[Part]) -> None:
    check_ranges(parts, SERIES)
    # The two IMF series are one publication: they must run to the same last month.
    ends = {
        p.source_id: p.frame["period"].max()
        for p in parts
        if p.source_id in ("fred_pcoffotmusdm", "fred_pcoffrobusdm")
    }
    if len(set(ends.values())) > 1:
        raise CheckError(
            f"PCOFFOTMUSDM.csv / PCOFFROBUSDM.csv: column 'period' ends on different months "
            f"{ends}; the IMF publishes both series together (mixed releases?)"
        )


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"coffee_price_other_milds",
        named(
            "Coffee price (other milds)",
            ECONOMY,
            "International price of Central American washed arabica ('other milds'), ICO",
        ),
    ),
    (
        r"coffee_price_robustas",
        named("Coffee price (robustas)", ECONOMY, "International price of robusta coffee, ICO"),
    ),
    (
        r"us_retail_price_ground_coffee",
        named(
            "US retail price of ground coffee", ECONOMY, "Average US retail price of ground coffee"
        ),
    ),
)


SOURCE = SourceSpec(
    id="coffee_prices",
    title="Coffee prices: IMF Other Mild Arabica and Robusta, BLS US retail ground coffee",
    publisher="IMF (Primary Commodity Prices) and US BLS (CPI Average Price Data), via FRED",
    folder="drivers/coffee-prices",
    homepage="https://fred.stlouisfed.org/series/PCOFFOTMUSDM",
    licence=(
        "IMF data: IMF terms of use (free with attribution); BLS data: US government work, "
        "public domain; cite FRED, Federal Reserve Bank of St. Louis"
    ),
    kind="driver",
    files=tuple(s.file_spec() for s in SERIES),
    read=read,
    check=check,
    notes=(
        "IMF prices are monthly averages of daily ICO indicator prices for green coffee, in US "
        "cents per pound (WLD); earlier vintages can differ slightly. The BLS series is the US "
        "retail price of roasted ground coffee in US dollars per pound (USA). Units differ: do "
        "not compare levels across the two."
    ),
    publication={
        "fred_pcoffotmusdm": Publication(
            1,
            "period",
            "the IMF Primary Commodity Prices (FRED PCOFFOTMUSDM) add month m early in month m+1",
        ),
        "fred_pcoffrobusdm": Publication(
            1,
            "period",
            "the IMF Primary Commodity Prices (FRED PCOFFROBUSDM) add month m early in month m+1",
        ),
        "fred_apu0000717311": Publication(
            1,
            "period",
            "BLS average prices (CPI release) for month m appear in mid m+1",
        ),
    },
    indicators=INDICATORS,
)
