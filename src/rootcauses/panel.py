"""The analysis panel: country × month (and country × year) outcomes joined with every driver.

Models read this panel, never raw files. The rules that turn drivers of different frequencies into
one monthly table are fixed here and recorded in :data:`RULES` (the README repeats them).

**Timing: what a forecaster could know** (``timing="published"``, the default). Each source
declares when its values are first public (``SourceSpec.publication``, shown by ``rootcauses data
indicators``: WGI for year Y from October of Y+1, UNODC homicides from July of Y+2, WDI from July
of Y+1, US unemployment for month m from m+1 …). At month *t* a driver holds the value of the
latest period already published by *t* (an *as-of* value, never interpolated towards a value
not yet out), so no model sees a value before the month it was published — including in August
to December, when an interpolated, lagged annual value would mix in the current year. A value
stays in use until the next release is due (12 months for yearly releases, 1 for monthly ones)
plus ``carry_months`` for annual drivers (default 12); after that it is missing. What the
rule cannot undo: the store holds each series' latest revision, not the first-published figure.
A driver whose source declares no publication rule is an error, not a guess.

**Timing as lived** (``timing="lived"``, :data:`LIVED`: the rule before vintages, kept for models
of what people lived through, such as the simulation's decisions):

* *Annual drivers* (homicide rate, governance scores, GDP, remittances, storms …) are placed at
  mid-year (1 July) and linearly interpolated month by month between observed years. Past the
  last observation a value is carried forward for at most ``carry_months`` (default 12); before
  the first observation nothing is filled. Then the series is lagged by ``annual_lag`` months
  (default 12): at month *t* the panel holds the driver as it stood a year earlier.
* *Monthly drivers* (ENSO, rainfall anomalies, coffee prices, US labour market) are lagged by
  ``monthly_lag`` months (default 1); gaps are not filled.

Both timings:

* **Policy regimes** come from the ``events`` table (category ``policy``): each regime of
  :data:`REGIMES` starts with its event and ends at the event's end date or at the first later
  event that ends it, whichever comes first (MPP ends with the June 2021 DHS memo, not at its
  formal conclusion in August 2022; the June 2019 US–Mexico agreement, which the events give no
  end, is superseded by Title 42 in March 2020). A regime with no end in the events and no ending
  event is still in force (a policy of today, or one dated after the data), so each regime of
  :data:`REGIMES` that has ended names its end or the event that ended it (the tests check the
  five against the events). The value for a month is the share of its days
  the regime was in force (Title 42 in March 2020 = 12/31). Policies are public when in force.
* **Population** (UN WPP, 1 July) is interpolated linearly between years and gives the
  denominator for flows per 100,000 inhabitants (the outcome's scale, not a driver: it uses the
  revised figures).

Missing values stay missing (NaN), never zero: each model drops the rows it cannot use and
reports how many. Global series (ENSO, coffee) and US series apply to every country. EM-DAT
disaster totals end in 2015, so they are in the panel but in none of the theories of
:mod:`rootcauses.analysis.drivers`. CRU TS monthly rainfall is published once a year, so under the
published timing ``precip_z`` is the latest published month's anomaly (months old); the climate
theory uses the last published rainy-season anomaly (``rain_season_z``) instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import PanelError
from rootcauses.sources import publications
from rootcauses.store import query

Basis = Literal["cbp", "usbp"]
Timing = Literal["published", "lived"]


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
        "climate_monthly",
        description="monthly rainfall anomaly, z-score vs 1991-2020 (CRU TS)",
    ),
    Driver(
        "rain_season_z",
        "precip_may_oct_z",
        "annual",
        "climate",
        description="May-October rainfall anomaly of the latest published year, z-score (CRU TS)",
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


@dataclass(frozen=True)
class Regime:
    """A policy regime read from the events: the event that starts it (``start``, a regular
    expression on the event text) and the later event that ends it (``ended_by``) when that
    comes before the start event's own end date. ``why`` says why the end is that event.

    The simulation's regimes (``rootcauses.sim.engine.SIM_REGIMES``) are these with three more
    rules: ``ended_on``, a dated end the events table lacks (its source in ``why``); ``earlier``,
    spans in force before its events that the table lacks ((first day, last day), sources in
    ``why``); and a pilot: before the first event matching ``pilot_until`` the regime counts at
    ``pilot_share`` of its strength."""

    column: str
    start: str
    ended_by: str | None = None
    why: str = ""
    ended_on: dt.date | None = None
    pilot_until: str | None = None
    pilot_share: float = 1.0
    earlier: tuple[tuple[dt.date, dt.date], ...] = ()


REGIMES: tuple[Regime, ...] = (
    Regime(
        "mpp",
        r"Migrant Protection Protocols",
        r"terminates MPP",
        "the DHS memo of June 2021 ended it; the court-ordered restart (Dec 2021 - Aug 2022) "
        "enrolled few and is not coded",
    ),
    Regime(
        "mexico_enforcement",
        r"US-Mexico migration agreement",
        r"Title 42",
        "the events give the agreement no end; from 20 March 2020 Title 42 expulsions replaced "
        "the border processing its MPP expansion and enforcement surge acted on",
    ),
    Regime("title_42", r"Title 42", None, "lifted 11 May 2023 (the event's end date)"),
    Regime("cbp_one", r"CBP One app", None, "shut down 20 January 2025 (the event's end date)"),
    Regime(
        "securing_the_border",
        r"Securing the Border",
        r"suspends entry",
        "superseded on 20 January 2025 by Proclamation 10888, which suspends entry",
    ),
)
# column → the start pattern (read by the simulation's border rules and the forecasts)
POLICY_REGIMES: dict[str, str] = {r.column: r.start for r in REGIMES}
DETERRENCE = tuple(POLICY_REGIMES)


@dataclass(frozen=True)
class PanelRules:
    timing: Timing = "published"
    annual_lag: int = 12  # lived timing only
    monthly_lag: int = 1  # lived timing only
    carry_months: int = 12


RULES = PanelRules()
LIVED = PanelRules(timing="lived")
# a published value stays in use until the next release is due, by release frequency
RELEASE_MONTHS = {"year": 12, "period": 1}


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


def _matching(events: pd.DataFrame, pattern: str) -> pd.DataFrame:
    return events[events["event"].str.contains(pattern, case=False, regex=True)]


def regime_spans(
    events: pd.DataFrame, regimes: Sequence[Regime] = REGIMES, *, require: bool = True
) -> pd.DataFrame:
    """Start and end (inclusive) of every regime of ``regimes`` (default :data:`REGIMES`) from
    policy events (``date, end_date, event``): the end is the earliest of the start event's end
    date, the day before the first later event matching ``ended_by`` and the day before a later
    ``ended_on``; with none, NaT: still in force (a policy of today, or one dated after the data).
    A regime's ``earlier`` spans come first, as dated.
    A regime none of whose events is in the table is an error naming it (``require``), else it
    has no span."""
    rows = []
    for regime in regimes:
        for first, last in regime.earlier:  # dated here, not in the table
            rows.append(
                {
                    "regime": regime.column,
                    "start": pd.Timestamp(first),
                    "end": pd.Timestamp(last),
                    "why": regime.why,
                }
            )
        starts = _matching(events, regime.start)
        if starts.empty:
            if not require:
                continue
            raise PanelError(f"policy regime {regime.column!r}: no event matches {regime.start!r}")
        enders = _matching(events, regime.ended_by) if regime.ended_by else events.iloc[0:0]
        for row in starts.itertuples():
            start = pd.Timestamp(row.date)
            ends = [] if pd.isna(row.end_date) else [pd.Timestamp(row.end_date)]
            later = pd.to_datetime(enders["date"])
            later = later[later > start]
            if len(later):
                ends.append(later.min() - pd.Timedelta(days=1))
            if regime.ended_on is not None and pd.Timestamp(regime.ended_on) > start:
                ends.append(pd.Timestamp(regime.ended_on) - pd.Timedelta(days=1))
            # neither: still in force (a policy of today, or an event added after the data)
            end = min(ends) if ends else pd.NaT
            rows.append({"regime": regime.column, "start": start, "end": end, "why": regime.why})
    return pd.DataFrame(rows, columns=["regime", "start", "end", "why"])


def regime_shares(
    events: pd.DataFrame,
    months: pd.DatetimeIndex,
    regimes: Sequence[Regime] = REGIMES,
    *,
    require: bool = True,
) -> pd.DataFrame:
    """Month × regime share of each month's days in force (:func:`regime_spans`; overlapping
    spans of one regime count once), a pilot scaled to its ``pilot_share`` until the first
    event matching ``pilot_until``."""
    spans = regime_spans(events, regimes, require=require)
    out = pd.DataFrame(index=months)
    for regime in regimes:
        share = pd.Series(0.0, index=months)
        for row in spans[spans["regime"] == regime.column].itertuples():
            end = None if pd.isna(row.end) else row.end.date()
            share = np.maximum(share, regime_share(row.start.date(), end, months))
        pilot_ends = _matching(events, regime.pilot_until) if regime.pilot_until else events[:0]
        if len(pilot_ends):
            full = regime_share(pd.Timestamp(pilot_ends["date"].min()).date(), None, months)
            share = share * (regime.pilot_share + (1 - regime.pilot_share) * full)
        out[regime.column] = share
    return out


def policy_regimes(con: duckdb.DuckDBPyConnection, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Month × regime share-of-days table built from the policy events in the store."""
    return regime_shares(query.events(con, categories=["policy"]), months)


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


def _monthly_values(long: pd.DataFrame, driver: Driver) -> pd.Series:
    """A monthly driver's values by period, transformed (``yoy`` on the full series)."""
    values = pd.Series(long["value"].to_numpy(float), index=pd.to_datetime(long["period"]))
    values = values.groupby(level=0).mean()
    if driver.transform == "yoy":
        full = values.asfreq("MS")
        values = (100 * (full / full.shift(12) - 1)).dropna()
    return values


def vintages(long: pd.DataFrame, driver: Driver, rules: PanelRules = RULES) -> pd.DataFrame:
    """Each observation of one driver's series (``query.indicator`` rows of one country) with
    the month it was first public (``available``) and the last month it is used
    (``stale``: when the next release is due, plus ``carry_months`` for annual drivers).
    The rule comes from the source's metadata; a source without one is an error."""
    rules_by_source = publications()
    undeclared = sorted(set(long["source"]) - set(rules_by_source))
    if undeclared:
        raise PanelError(
            f"driver {driver.column!r} ({driver.indicator}): source {undeclared[0]!r} declares "
            "no publication lag; add it to its SourceSpec.publication"
        )
    long = long[long["frequency"] == driver.frequency]
    if driver.frequency == "monthly":
        values = _monthly_values(long, driver)
        source = long.groupby(pd.to_datetime(long["period"]))["source"].first()
        frame = pd.DataFrame(
            {"period": values.index, "value": values.to_numpy(), "source": source[values.index]}
        )
    else:
        frame = pd.DataFrame(
            {
                "period": pd.to_datetime(long["period"]).to_numpy(),
                "value": long["value"].to_numpy(float),
                "source": long["source"].to_numpy(),
            }
        )
    frame = frame.dropna(subset=["value"]).reset_index(drop=True)
    if driver.transform == "log":
        frame["value"] = np.log(frame["value"].where(frame["value"] > 0))
    available = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    stale = pd.Series(0, index=frame.index)
    for source, part in frame.groupby("source"):
        rule = rules_by_source[str(source)]
        available[part.index] = rule.available(part["period"], driver.frequency).to_numpy()
        window = RELEASE_MONTHS[rule.after] if driver.frequency == "monthly" else 12
        stale[part.index] = window + (rules.carry_months if driver.frequency == "annual" else 0)
    frame["available"] = available
    frame["stale"] = [
        a + pd.DateOffset(months=int(w) - 1) for a, w in zip(available, stale, strict=True)
    ]
    return frame.sort_values("period").reset_index(drop=True)


def as_published(frame: pd.DataFrame, months: pd.DatetimeIndex) -> pd.Series:
    """At each month, the value of the latest period already public (see :func:`vintages`);
    NaN before the first release and once the value is stale."""
    out = pd.Series(np.nan, index=months)
    if frame.empty:
        return out
    t = months.to_numpy(dtype="datetime64[ns]")
    for row in frame.sort_values("period").itertuples():
        # later periods overwrite earlier ones where both are public and fresh
        inside = (t >= np.datetime64(row.available)) & (t <= np.datetime64(row.stale))
        out[inside] = row.value
    return out


def _driver_series(
    con: duckdb.DuckDBPyConnection,
    driver: Driver,
    country: str,
    months: pd.DatetimeIndex,
    rules: PanelRules,
) -> pd.Series:
    source_country = driver.country or country
    long = query.indicator(con, driver.indicator, countries=[source_country])
    if long.empty:
        return pd.Series(np.nan, index=months)
    if rules.timing == "published":
        return as_published(vintages(long, driver, rules), months)
    lag = rules.annual_lag if driver.frequency == "annual" else rules.monthly_lag
    # computed from ``lag`` months before the panel starts, so its first months get their values
    span = pd.date_range(months.min() - pd.DateOffset(months=lag), months.max(), freq="MS")
    period = pd.to_datetime(long["period"])
    if driver.frequency == "annual":
        series = annual_to_monthly(period.dt.year, long["value"], span, rules.carry_months)
    else:
        series = _monthly_values(long, driver).reindex(span)
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
