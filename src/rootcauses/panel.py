"""The analysis panel: country × month (and country × year) outcomes joined with every driver.

Models read this panel, never raw files. The rules that turn drivers of different frequencies into
one monthly table are fixed here and recorded in :data:`RULES` (the README repeats them):

* **Annual drivers** (homicide rate, governance scores, GDP, remittances, storms …) are placed at
  mid-year (1 July) and linearly interpolated month by month between observed years. Past the
  last observation a value is carried forward for at most ``carry_months`` (default 12); before
  the first observation nothing is filled. Then the series is lagged by ``annual_lag`` months
  (default 12): at month *t* the panel holds the driver as it stood a year earlier, which is what
  people deciding to leave had lived through and what a forecaster could know.
* **Monthly drivers** (ENSO, rainfall anomalies, coffee prices, US labour market) are lagged by
  ``monthly_lag`` months (default 1); gaps are not filled.
* **Policy regimes** come from the ``events`` table (category ``policy``): the value for a month
  is the share of its days the regime was in force (Title 42 in March 2020 = 12/31).
* **Population** (UN WPP, 1 July) is interpolated linearly between years and gives the
  denominator for flows per 100,000 inhabitants.

Missing values stay missing (NaN), never zero: each model drops the rows it cannot use and
reports how many. Global series (ENSO, coffee) and US series apply to every country. EM-DAT
disaster totals end in 2015, so they are in the panel but in none of the theories of
:mod:`rootcauses.analysis.drivers`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import PanelError
from rootcauses.store import query

Basis = Literal["cbp", "usbp"]


@dataclass(frozen=True)
class Driver:
    """One driver column: the indicator it reads, how, and the theory it belongs to."""

    column: str
    indicator: str
    frequency: Literal["annual", "monthly"]
    theory: str
    transform: Literal["level", "log", "yoy"] = "level"
    country: str | None = None  # read this country's series for everyone (WLD, USA)
    description: str = ""


DRIVERS: tuple[Driver, ...] = (
    # economic
    Driver(
        "log_gdp_pc",
        "gdp_pc_ppp_const",
        "annual",
        "economic",
        "log",
        description="log GDP per capita, PPP constant international $",
    ),
    Driver("gdp_growth", "gdp_growth", "annual", "economic", description="real GDP growth, %"),
    Driver(
        "remittances_pct_gdp",
        "remittances_pct_gdp",
        "annual",
        "economic",
        description="personal remittances received, % of GDP",
    ),
    Driver(
        "coffee_price",
        "coffee_price_other_milds",
        "monthly",
        "economic",
        "log",
        "WLD",
        description="log IMF Other Mild Arabica price, US cents/lb",
    ),
    # governance
    Driver(
        "wgi_corruption",
        "wgi_control_of_corruption",
        "annual",
        "governance",
        description="WGI control of corruption (higher = less corrupt)",
    ),
    Driver(
        "wgi_rule_of_law", "wgi_rule_of_law", "annual", "governance", description="WGI rule of law"
    ),
    Driver(
        "wgi_effectiveness",
        "wgi_government_effectiveness",
        "annual",
        "governance",
        description="WGI government effectiveness",
    ),
    # violence
    Driver(
        "homicide_rate",
        "homicide_rate",
        "annual",
        "violence",
        description="intentional homicides per 100,000 (UNODC)",
    ),
    # climate
    Driver(
        "precip_z",
        "precip_z",
        "monthly",
        "climate",
        description="monthly rainfall anomaly, z-score vs 1991-2020 (CRU TS)",
    ),
    Driver("oni", "oni", "monthly", "climate", country="WLD", description="Oceanic Niño Index, °C"),
    Driver(
        "hurricanes",
        "hurricanes_in_box",
        "annual",
        "climate",
        description="hurricanes passing over the country that year (HURDAT2)",
    ),
    # EM-DAT's public country-year totals end in 2015: in the panel, but in no theory (it would
    # cut every climate regression at 2016)
    Driver(
        "disaster_affected",
        "disaster_affected_natural",
        "annual",
        "climate_emdat",
        description="people affected by natural disasters that year (EM-DAT, to 2015)",
    ),
    # US labour demand
    Driver(
        "us_unemployment",
        "us_unemployment_rate",
        "monthly",
        "us_demand",
        country="USA",
        description="US unemployment rate, %",
    ),
    Driver(
        "us_payrolls_yoy",
        "us_payrolls",
        "monthly",
        "us_demand",
        "yoy",
        "USA",
        description="US nonfarm payrolls, % change on a year earlier",
    ),
    Driver(
        "us_construction_yoy",
        "us_construction_employment",
        "monthly",
        "us_demand",
        "yoy",
        "USA",
        description="US construction employment, % change on a year earlier",
    ),
)

# Policy regimes: column → regular expression matched against policy events' text.
POLICY_REGIMES: dict[str, str] = {
    "mpp": r"Migrant Protection Protocols",
    "mexico_enforcement": r"US-Mexico migration agreement",
    "title_42": r"Title 42",
    "cbp_one": r"CBP One app",
    "securing_the_border": r"Securing the Border",
}
DETERRENCE = tuple(POLICY_REGIMES)


@dataclass(frozen=True)
class PanelRules:
    annual_lag: int = 12
    monthly_lag: int = 1
    carry_months: int = 12


RULES = PanelRules()


def _month_index(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")


def annual_to_monthly(
    years: pd.Series, values: pd.Series, months: pd.DatetimeIndex, carry_months: int
) -> pd.Series:
    """Linear interpolation between mid-year points; carried forward at most ``carry_months``."""
    points = pd.Series(
        values.to_numpy(dtype=float),
        index=pd.to_datetime([f"{int(y)}-07-01" for y in years]),
    ).sort_index()
    points = points[points.notna()]
    out = pd.Series(np.nan, index=months)
    if points.empty:
        return out
    x = points.index.to_numpy(dtype="datetime64[ns]").astype("int64")
    t = months.to_numpy(dtype="datetime64[ns]").astype("int64")
    inside = (t >= x[0]) & (t <= x[-1])
    out[inside] = np.interp(t[inside], x, points.to_numpy())
    last = points.index[-1]
    carried = (months > last) & (months <= last + pd.DateOffset(months=carry_months))
    out[carried] = points.iloc[-1]
    return out


def regime_share(start: dt.date, end: dt.date | None, months: pd.DatetimeIndex) -> pd.Series:
    """Share of each month's days with the regime in force (``end`` inclusive; None = open)."""
    first = months.to_numpy(dtype="datetime64[D]")
    last = (months + pd.offsets.MonthEnd(0)).to_numpy(dtype="datetime64[D]")
    lo = np.maximum(first, np.datetime64(start, "D"))
    hi = last if end is None else np.minimum(last, np.datetime64(end, "D"))
    inside = np.clip((hi - lo).astype(int) + 1, 0, None)
    return pd.Series(inside / ((last - first).astype(int) + 1), index=months)


def policy_regimes(con: duckdb.DuckDBPyConnection, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Month × regime share-of-days table built from the policy events in the store."""
    events = query.events(con, categories=["policy"])
    out = pd.DataFrame(index=months)
    for column, pattern in POLICY_REGIMES.items():
        regex = re.compile(pattern, re.IGNORECASE)
        matches = events[events["event"].map(lambda text, r=regex: bool(r.search(text)))]
        share = pd.Series(0.0, index=months)
        for row in matches.itertuples():
            end = None if pd.isna(row.end_date) else row.end_date
            share = np.maximum(share, regime_share(row.date, end, months))
        out[column] = share
    return out


def _outcomes(
    con: duckdb.DuckDBPyConnection, basis: Basis, countries: Sequence[str]
) -> pd.DataFrame:
    frame = query.encounters_monthly(con, basis=basis, citizenship=list(countries))
    missing = sorted(set(countries) - set(frame["citizenship"]))
    if missing:
        raise PanelError(f"no Southwest-border encounters for {missing} on basis {basis!r}")
    frame = frame.rename(columns={"citizenship": "country", "count": "encounters"})
    if basis == "cbp":
        demo = query.encounters_monthly(
            con, basis="cbp", by=("citizenship", "demographic"), citizenship=list(countries)
        )
        wide = demo.pivot_table(
            index=["month", "citizenship"], columns="demographic", values="count", aggfunc="sum"
        ).reset_index()
        wide = wide.rename(columns={"citizenship": "country", "UAC": "uac", "FMUA": "fmua"})
        frame = frame.merge(wide[["month", "country", "uac", "fmua"]], how="left")
    else:
        frame["uac"] = np.nan
        frame["fmua"] = np.nan
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def _driver_series(
    con: duckdb.DuckDBPyConnection,
    driver: Driver,
    country: str,
    months: pd.DatetimeIndex,
    rules: PanelRules,
) -> pd.Series:
    source_country = driver.country or country
    lag = rules.annual_lag if driver.frequency == "annual" else rules.monthly_lag
    # computed from ``lag`` months before the panel starts, so its first months get their values
    span = pd.date_range(months.min() - pd.DateOffset(months=lag), months.max(), freq="MS")
    long = query.indicator(con, driver.indicator, countries=[source_country])
    if long.empty:
        return pd.Series(np.nan, index=months)
    period = pd.to_datetime(long["period"])
    if driver.frequency == "annual":
        series = annual_to_monthly(period.dt.year, long["value"], span, rules.carry_months)
    else:
        values = pd.Series(long["value"].to_numpy(), index=period).groupby(level=0).mean()
        if driver.transform == "yoy":
            full = values.asfreq("MS")
            values = 100 * (full / full.shift(12) - 1)
        series = values.reindex(span)
    if driver.transform == "log":
        series = np.log(series.where(series > 0))
    return series.shift(lag).reindex(months)


def population_monthly(
    con: duckdb.DuckDBPyConnection, country: str, months: pd.DatetimeIndex
) -> pd.Series:
    long = query.indicator(con, "population", countries=[country])
    long = long[long["frequency"] == "annual"]
    if long.empty:
        raise PanelError(f"no population for {country}: the per-100,000 rates need it")
    years = pd.to_datetime(long["period"]).dt.year
    return annual_to_monthly(years, long["value"], months, carry_months=0)


def monthly_panel(
    con: duckdb.DuckDBPyConnection,
    *,
    basis: Basis = "usbp",
    countries: Sequence[str] = NORTHERN_TRIANGLE,
    rules: PanelRules = RULES,
    drivers: Sequence[Driver] = DRIVERS,
) -> pd.DataFrame:
    """Country × month table: encounters (and per 100,000), UAC/FMUA where published, every
    driver under the documented lag/interpolation rules, and the policy regimes."""
    outcomes = _outcomes(con, basis, countries)
    months = _month_index(outcomes["month"].min(), outcomes["month"].max())
    regimes = policy_regimes(con, months)
    frames = []
    for country in countries:
        part = pd.DataFrame(index=months)
        part.index.name = "month"
        part["country"] = country
        part["population"] = population_monthly(con, country, months)
        for driver in drivers:
            part[driver.column] = _driver_series(con, driver, country, months, rules)
        frames.append(part.join(regimes).reset_index())
    panel = pd.concat(frames, ignore_index=True).merge(
        outcomes, on=["month", "country"], how="left"
    )
    panel["encounters_per_100k"] = 1e5 * panel["encounters"] / panel["population"]
    panel["uac_per_100k"] = 1e5 * panel["uac"] / panel["population"]
    panel["month_of_year"] = panel["month"].dt.month
    panel["year"] = panel["month"].dt.year
    panel["fiscal_year"] = panel["year"] + (panel["month_of_year"] >= 10)
    first = [
        "country",
        "month",
        "year",
        "fiscal_year",
        "month_of_year",
        "encounters",
        "encounters_per_100k",
        "uac",
        "fmua",
        "uac_per_100k",
        "population",
    ]
    rest = [c for c in panel.columns if c not in first]
    panel = panel[first + rest].sort_values(["country", "month"]).reset_index(drop=True)
    panel.attrs["rules"] = asdict(rules)
    panel.attrs["basis"] = basis
    return panel


def annual_panel(
    con: duckdb.DuckDBPyConnection,
    *,
    countries: Sequence[str] = NORTHERN_TRIANGLE,
) -> pd.DataFrame:
    """Country × fiscal year: USBP Southwest-border encounters and unaccompanied children (CBP
    tables FY2009-FY2020, OHSS family status has no citizenship), homicides and population of the
    calendar year in which the fiscal year starts (FY2014 ↔ 2013: the year before arrival)."""
    usbp = con.execute(
        "SELECT fiscal_year, citizenship AS country, sum(count) AS encounters FROM encounters "
        "WHERE source = 'ohss_usbp_citizenship_fy' AND region = 'Southwest Land Border' "
        f"AND citizenship IN ({', '.join('?' for _ in countries)}) GROUP BY ALL",
        list(countries),
    ).df()
    uac = con.execute(
        "SELECT fiscal_year, citizenship AS country, sum(count) AS uac FROM encounters "
        "WHERE source = 'uac_family_by_country' AND demographic = 'UAC' "
        f"AND citizenship IN ({', '.join('?' for _ in countries)}) GROUP BY ALL",
        list(countries),
    ).df()
    panel = usbp.merge(uac, on=["fiscal_year", "country"], how="outer")
    panel["driver_year"] = panel["fiscal_year"] - 1
    for name, column in (("homicide_rate", "homicide_rate"), ("population", "population")):
        long = query.indicator(con, name, countries=list(countries))
        long = long[long["frequency"] == "annual"]
        values = long.assign(driver_year=pd.to_datetime(long["period"]).dt.year)[
            ["country", "driver_year", "value"]
        ].rename(columns={"value": column})
        panel = panel.merge(values, on=["country", "driver_year"], how="left")
    panel["homicides"] = panel["homicide_rate"] * panel["population"] / 1e5
    return panel.sort_values(["country", "fiscal_year"]).reset_index(drop=True)
