"""Small query helpers shared by the CLI, the API, the models and the tests.

Encounter series come in two bases that must never be added together:

* ``cbp``  — all CBP encounters (Border Patrol + Field Operations), from the CBP state files,
  FY2020 onward, 21 citizenships + OTHER;
* ``usbp`` — Border Patrol only, from OHSS, FY2000 onward, 135 citizenships (rounded to 10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import duckdb
import pandas as pd

from rootcauses.config import Settings, get_settings
from rootcauses.countries import HEADLINE_CITIZENSHIPS
from rootcauses.errors import BuildError, PeriodError, QueryError
from rootcauses.periods import parse_period_start
from rootcauses.store import layout, results

Basis = Literal["cbp", "usbp"]
SOUTHWEST = "Southwest Land Border"
BASIS_SOURCE = {"cbp": "cbp_state", "usbp": "ohss_usbp_citizenship"}
BASIS_DEMOGRAPHIC_SOURCE = {"cbp": "cbp_state", "usbp": "ohss_usbp_family"}
BREAKDOWNS = ("citizenship", "component", "demographic", "authority", "region", "area")


def connect(settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current build, which also reads the results store
    (:func:`rootcauses.store.results.read_results`, :func:`~rootcauses.store.results.has_table`).

    The pointer is read at every call, so a caller that connects per request moves to a new
    build between requests. A build file removed between reading the pointer and opening it
    (two builds finished meanwhile) sends it back to the pointer."""
    settings = settings or get_settings()
    for _ in range(5):
        current = layout.read_current(settings)
        if current is None:
            raise BuildError(layout.missing_store_message(settings))
        if not current.path.exists():
            continue
        try:
            con = duckdb.connect(str(current.path), read_only=True)
        except duckdb.Error as exc:
            if not current.path.exists():
                continue
            raise BuildError(f"cannot open the store at {current.path}: {exc}") from exc
        results.bind(con, settings)
        return con
    raise BuildError(
        f"the current build in {settings.builds_dir} kept changing or is missing; "
        "run `rootcauses data build`"
    )


def parse_month(value: str | dt.date | None, what: str = "date") -> dt.date | None:
    """The date of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (the first day of a year or month)
    given to the query helpers, the API and its cache keys (:func:`.periods.parse_period_start`,
    its error a :class:`QueryError`)."""
    if value is None:
        return None
    try:
        return parse_period_start(value, what)
    except PeriodError as exc:
        raise QueryError(str(exc)) from None


_month = parse_month


def encounters_monthly(
    con: duckdb.DuckDBPyConnection,
    *,
    basis: Basis = "cbp",
    by: Sequence[str] = ("citizenship",),
    region: str | None = SOUTHWEST,
    citizenship: Sequence[str] | None = None,
    headline: bool = False,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
) -> pd.DataFrame:
    """Monthly encounter counts grouped by ``by`` (any of :data:`BREAKDOWNS`).

    ``headline`` folds every citizenship outside GTM/HND/SLV/MEX into OTHER. A breakdown by
    demographic on the ``usbp`` basis reads the OHSS family-status sheet (which has no
    citizenship), so ``by`` cannot combine the two there.
    """
    if basis not in BASIS_SOURCE:
        raise QueryError(f"unknown basis {basis!r}; expected one of {sorted(BASIS_SOURCE)}")
    unknown = [b for b in by if b not in BREAKDOWNS]
    if unknown:
        raise QueryError(f"unknown breakdown {unknown}; expected any of {list(BREAKDOWNS)}")
    source = BASIS_SOURCE[basis]
    if basis == "usbp" and "demographic" in by:
        if "citizenship" in by or citizenship:
            raise QueryError("OHSS publishes no citizenship × family-status table")
        source = BASIS_DEMOGRAPHIC_SOURCE[basis]
    if basis == "usbp" and "area" in by:
        if "citizenship" in by or citizenship:
            raise QueryError("OHSS publishes no citizenship × sector table")
        source = "ohss_usbp_sector"
    if basis == "cbp" and "component" in by:
        source = "cbp_sw"
    start_month, end_month = _month(start), _month(end)
    if start_month and end_month and start_month > end_month:
        raise QueryError(f"start {start_month} is after end {end_month}")

    cit = (
        "CASE WHEN citizenship IN ('GTM','HND','SLV','MEX') THEN citizenship ELSE 'OTHER' END"
        if headline
        else "citizenship"
    )
    select = [f"{cit} AS citizenship" if b == "citizenship" else b for b in by]
    where = ["source = ?", "frequency = 'monthly'"]
    params: list[object] = [source]
    if region:
        where.append("region = ?")
        params.append(region)
    if citizenship:
        where.append(f"{cit} IN ({', '.join('?' for _ in citizenship)})")
        params.extend(citizenship)
    if start_month:
        where.append("month >= ?")
        params.append(start_month)
    if end_month:
        where.append("month <= ?")
        params.append(end_month)
    groups = ", ".join(["month", *select])
    sql = (
        f"SELECT {groups}, sum(count)::BIGINT AS count FROM encounters "
        f"WHERE {' AND '.join(where)} GROUP BY ALL ORDER BY ALL"
    )
    frame = con.execute(sql, params).df()
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def southwest_by_nationality(
    con: duckdb.DuckDBPyConnection, basis: Basis = "cbp", **kwargs
) -> pd.DataFrame:
    """Wide month × GTM/HND/SLV/MEX/OTHER table of Southwest-border encounters."""
    long = encounters_monthly(con, basis=basis, headline=True, **kwargs)
    wide = long.pivot(index="month", columns="citizenship", values="count").fillna(0)
    return wide.reindex(columns=list(HEADLINE_CITIZENSHIPS), fill_value=0).astype("int64")


# When several sources publish the same indicator for the same country and period (a newer
# vintage, a cross-check), the first source listed here wins; others are only read on request.
PREFERRED_SOURCES: dict[str, tuple[str, ...]] = {
    "population": ("wpp_population", "wpp_population_projection", "imf_weo_2019"),
    "gdp_growth": ("wdi_gdp_growth", "imf_weo_2019"),
    "gdp_pc_ppp_current": ("wdi_gdp_pc_ppp_current", "imf_weo_2019"),
    "gdp_usd": ("remittances", "imf_weo_2019"),
    "unemployment_rate": ("wdi_unemployment", "imf_weo_2019"),
    "gini": ("pip_gini", "wdi_2021"),
    "undernourishment_prevalence": ("fao_undernourishment", "fao_undernourishment_2022"),
    "household_size_avg": (
        "household_size_transcribed",
        "undesa_hh_size_ipums",
        "undesa_hh_size_dhs",
        "undesa_hh_size_mics",
        "undesa_hh_size_dyb",
        "undesa_hh_size_lfs",
    ),
}
_CELL = ["country", "period", "period_end", "frequency"]


def indicator(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    countries: Sequence[str] | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """One indicator in long form: country, period, period_end, frequency, value, unit, source.

    Where several sources give a value for the same cell, the one first in
    :data:`PREFERRED_SOURCES` is kept (or only ``source`` when given); an indicator with competing
    sources and no stated preference is an error rather than a silent pick.
    """
    known = {r[0] for r in con.execute("SELECT DISTINCT indicator FROM indicators").fetchall()}
    if name not in known:
        raise QueryError(f"unknown indicator {name!r}; see `rootcauses data indicators`")
    where = ["indicator = ?"]
    params: list[object] = [name]
    if countries:
        where.append(f"country IN ({', '.join('?' for _ in countries)})")
        params.extend(countries)
    if start:
        where.append("period >= ?")
        params.append(_month(start))
    if end:
        where.append("period <= ?")
        params.append(_month(end))
    if source:
        where.append("source = ?")
        params.append(source)
    sql = (
        "SELECT country, period, period_end, frequency, value, unit, source FROM indicators "
        f"WHERE {' AND '.join(where)} ORDER BY country, period"
    )
    frame = con.execute(sql, params).df()
    clash = frame.duplicated(subset=_CELL, keep=False)
    if clash.any():
        order = PREFERRED_SOURCES.get(name)
        competing = sorted(frame.loc[clash, "source"].unique())
        if order is None or not set(competing) <= set(order):
            raise QueryError(
                f"indicator {name!r} has values from several sources {competing}; pass "
                "source=… or add a preference to rootcauses.store.query.PREFERRED_SOURCES"
            )
        rank = frame["source"].map({s: i for i, s in enumerate(order)}).fillna(len(order))
        frame = (
            frame.assign(_rank=rank)
            .sort_values([*_CELL, "_rank"])
            .drop_duplicates(subset=_CELL, keep="first")
            .drop(columns="_rank")
            .sort_values(["country", "period"])
            .reset_index(drop=True)
        )
    return frame


def indicator_by_year(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    countries: Sequence[str] | None = None,
    how: Literal["mean", "sum", "last"] = "mean",
) -> pd.DataFrame:
    """Country × calendar-year table; sub-annual values are combined with ``how``."""
    long = indicator(con, name, countries=countries)
    if long.empty:
        return pd.DataFrame()
    long["year"] = pd.to_datetime(long["period"]).dt.year
    grouped = long.sort_values("period").groupby(["country", "year"])["value"]
    values = {"mean": grouped.mean, "sum": grouped.sum, "last": grouped.last}[how]()
    return values.unstack("country")


def indicators_catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT indicator, min(unit) AS unit, "
        "string_agg(DISTINCT frequency, ', ' ORDER BY frequency) AS frequency, "
        "count(DISTINCT country) AS countries, min(period) AS first, "
        "max(period) AS last, string_agg(DISTINCT source, ', ' ORDER BY source) AS sources "
        "FROM indicators GROUP BY indicator ORDER BY indicator"
    ).df()


def sources_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        'SELECT id AS source, table_name AS "table", rows, '
        "strftime(period_start, '%Y-%m') || ' – ' || strftime(period_end, '%Y-%m') AS period, "
        "left(sha256, 12) AS sha256, status, strftime(built_at, '%Y-%m-%d %H:%M') AS built_at "
        "FROM sources ORDER BY dataset, id"
    ).df()


def events(
    con: duckdb.DuckDBPyConnection,
    *,
    categories: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    where = ["TRUE"]
    params: list[object] = []
    if categories:
        where.append(f"category IN ({', '.join('?' for _ in categories)})")
        params.extend(categories)
    if countries:
        where.append(f"country IN ({', '.join('?' for _ in countries)})")
        params.extend(countries)
    return con.execute(
        f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY date", params
    ).df()
