"""Department-level designs in the spirit of Clemens (2017).

Clemens linked violence to child migration with municipal data: homicides in a municipality and
year, unaccompanied children apprehended from it the next year, municipality and year effects.
The snapshot has emigration by department of origin (``department_emigration``: El Salvador's
2024 census by year of departure 2014-2024, Honduras's 2023 migration survey by year of
departure, Guatemala's 2018 census) and department drivers (``subnational_indicators``:
Honduran homicides and population for 2019 only, the Global Data Lab subnational HDI to 2021 —
by department in Honduras, by 8 regions in Guatemala and 4 in El Salvador). What can be run:

* **Honduras, 18 departments** (cross-section): emigrants who left in 2019-2023 per 1,000
  residents (survey estimates; a year with no sampled emigrant counts as none) on the 2019
  homicide rate and the 2019 HDI. OLS with HC3 errors and a permutation p-value (homicide rates
  shuffled across departments), the honest test with 18 observations.
* **El Salvador, 14 departments × 2015-2022** (panel): log emigrants by year of departure (census)
  on the HDI of the department's region the year before, with department and year effects.
  Only 4 regions carry the HDI, so the p-value permutes the regions' HDI paths among the regions
  (24 orderings: nothing below 1/24 ≈ 0.04 is attainable).
* **Guatemala, 22 departments** (cross-section): emigrants per 1,000 (census 2018, left since
  2002) on the 2017 HDI of the department's region (8 regions; permutation across regions).

What the data cannot identify: no department homicide series exists for Guatemala or El
Salvador, and Honduras has one year, so the Clemens panel — violence changing within a
department over time — cannot be estimated for violence at all. The cross-sections compare
departments that differ in many ways at once (a violent department is also urban, richer,
closer to the roads north); emigration at origin misses households that left entirely and
under-counts older departures; Honduran values are survey estimates resting on few households
per department; the GDL region lists for El Salvador are unverified. Every coefficient is an
association across departments, not an effect of violence or development on migration.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from rootcauses.errors import ModelError

HN_YEARS = (2019, 2023)  # departures counted, from the year of the homicide figures
SV_YEARS = (2015, 2022)  # departures with a previous-year HDI (GDL ends in 2021)
GT_HDI_YEAR = 2017
PERMUTATIONS = 9999
LIMITS = (
    "No department homicide series exists for Guatemala or El Salvador and Honduras has only "
    "2019, so violence changing within a department over time (Clemens' design) cannot be "
    "estimated; the cross-sections compare departments that differ in many ways at once, and "
    "emigration counted at origin misses households that left entirely. Associations across "
    "departments, not effects."
)


@dataclass
class DepartmentFit:
    design: str
    country: str
    outcome: str
    table: pd.DataFrame  # driver, coef, lo95, hi95, p_value, perm_p_value
    rows: int
    clusters: int
    years: str
    note: str


def _ols_hc3(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and HC3 standard errors."""
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    bread = np.linalg.pinv(X.T @ X)
    leverage = np.einsum("ij,jk,ik->i", X, bread, X)
    weights = (resid / np.clip(1 - leverage, 1e-8, None)) ** 2
    cov = bread @ (X.T * weights) @ X @ bread
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None))


def _t_quantile(df: int) -> float:
    from scipy.special import stdtrit

    return float(stdtrit(max(df, 1), 0.975))


def _p_value(t: float, df: int) -> float:
    from scipy.special import stdtr

    return float(2 * stdtr(max(df, 1), -abs(t)))


def cross_section(
    data: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    *,
    cluster: str,
    seed: int = 0,
    permutations: int = PERMUTATIONS,
) -> pd.DataFrame:
    """OLS of ``outcome`` on ``drivers`` with HC3 errors; each driver's permutation p-value
    shuffles its cluster-level values across clusters (all other columns held)."""
    data = data.dropna(subset=[outcome, *drivers])
    X = np.column_stack([np.ones(len(data)), data[list(drivers)].to_numpy(float)])
    y = data[outcome].to_numpy(float)
    beta, se = _ols_hc3(X, y)
    df = len(data) - X.shape[1]
    q = _t_quantile(df)
    rng = np.random.default_rng(seed)
    clusters = data[cluster].to_numpy()
    keys, index = np.unique(clusters, return_inverse=True)
    rows = []
    for j, driver in enumerate(drivers, start=1):
        per_cluster = data.groupby(cluster)[driver].first().reindex(keys).to_numpy(float)
        exact = len(keys) <= 8
        orders = (
            [np.array(p) for p in itertools.permutations(range(len(keys)))]
            if exact
            else [rng.permutation(len(keys)) for _ in range(permutations)]
        )
        extreme = 0
        for order in orders:
            shuffled = X.copy()
            shuffled[:, j] = per_cluster[order][index]
            b, *_ = np.linalg.lstsq(shuffled, y, rcond=None)
            extreme += abs(b[j]) >= abs(beta[j]) - 1e-12
        perm_p = extreme / len(orders) if exact else (1 + extreme) / (len(orders) + 1)
        rows.append(
            {
                "driver": driver,
                "coef": beta[j],
                "lo95": beta[j] - q * se[j],
                "hi95": beta[j] + q * se[j],
                "p_value": _p_value(beta[j] / se[j] if se[j] > 0 else 0.0, df),
                "perm_p_value": perm_p,
            }
        )
    return pd.DataFrame(rows)


def _values(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def honduras(con: duckdb.DuckDBPyConnection, *, seed: int = 0) -> DepartmentFit:
    first, last = HN_YEARS
    emigrants = _values(
        con,
        "SELECT code, sum(value) AS emigrants FROM department_emigration "
        "WHERE indicator = 'emigrants_by_year_of_departure_survey' AND year BETWEEN ? AND ? "
        "GROUP BY code",
        [first, last],
    )
    drivers = _values(
        con,
        "SELECT code, indicator, value FROM subnational_indicators WHERE country = 'HND' "
        "AND year = 2019 AND indicator IN ('homicide_rate', 'population', 'shdi')",
        [],
    ).pivot(index="code", columns="indicator", values="value")
    data = drivers.join(emigrants.set_index("code")).reset_index()
    data["emigrants"] = data["emigrants"].fillna(0.0)  # no sampled emigrant in those years
    if len(data) < 10 or data[["homicide_rate", "shdi", "population"]].isna().any().any():
        raise ModelError("Honduras departments: homicides, population or HDI of 2019 missing")
    data["emigrants_per_1000"] = 1e3 * data["emigrants"] / data["population"]
    table = cross_section(
        data, "emigrants_per_1000", ["homicide_rate", "shdi"], cluster="code", seed=seed
    )
    return DepartmentFit(
        design="cross-section",
        country="HND",
        outcome=f"emigrants who left in {first}-{last} per 1,000 residents (survey 2023)",
        table=table,
        rows=len(data),
        clusters=len(data),
        years=f"{first}-{last}",
        note=(
            "homicides and HDI of 2019 (SEPOL/INE, GDL); survey estimates on few households "
            "per department; departments differ in many ways at once"
        ),
    )


def _region_of(con: duckdb.DuckDBPyConnection, country: str) -> pd.DataFrame:
    regions = _values(
        con,
        "SELECT code AS region, departments FROM subnational_regions WHERE country = ?",
        [country],
    )
    regions["code"] = regions["departments"].str.split(";")
    return regions.explode("code")[["code", "region"]]


def _region_shdi(con: duckdb.DuckDBPyConnection, country: str) -> pd.DataFrame:
    """The HDI by GDL region and year (a region that is one department is stored under the
    department's code: mapped back to its region)."""
    shdi = _values(
        con,
        "SELECT code, year, value AS shdi FROM subnational_indicators "
        "WHERE country = ? AND indicator = 'shdi'",
        [country],
    )
    region_of = _region_of(con, country).set_index("code")["region"]
    shdi["region"] = shdi["code"].map(region_of).fillna(shdi["code"])
    return shdi[["region", "year", "shdi"]]


def el_salvador(con: duckdb.DuckDBPyConnection) -> DepartmentFit:
    first, last = SV_YEARS
    emigrants = _values(
        con,
        "SELECT code, year, value AS emigrants FROM department_emigration "
        "WHERE indicator = 'emigrants_by_year_of_departure' AND year BETWEEN ? AND ?",
        [first, last],
    )
    shdi = _region_shdi(con, "SLV").assign(year=lambda d: d["year"] + 1)  # the year before
    data = emigrants.merge(_region_of(con, "SLV"), on="code").merge(shdi, on=["region", "year"])
    if data["code"].nunique() < 10 or data["region"].nunique() < 3:
        raise ModelError("El Salvador departments: emigrants by year or regional HDI missing")
    data["log_emigrants"] = np.log(data["emigrants"].where(data["emigrants"] > 0))
    data = data.dropna(subset=["log_emigrants"]).sort_values(["code", "year"])

    def coefficient(frame: pd.DataFrame) -> float:
        X = np.column_stack(
            [
                frame["shdi"].to_numpy(float),
                pd.get_dummies(frame["code"], dtype=float),
                pd.get_dummies(frame["year"], dtype=float).iloc[:, 1:],
            ]
        )
        beta, *_ = np.linalg.lstsq(X, frame["log_emigrants"].to_numpy(float), rcond=None)
        return float(beta[0])

    observed = coefficient(data)
    paths = {
        r: g.drop_duplicates("year").set_index("year")["shdi"] for r, g in data.groupby("region")
    }
    regions = sorted(paths)
    extreme = total = 0
    for order in itertools.permutations(regions):
        mapping = dict(zip(regions, order, strict=True))
        shuffled = data.assign(
            shdi=[
                paths[mapping[r]].get(y, np.nan)
                for r, y in zip(data["region"], data["year"], strict=True)
            ]
        )
        total += 1
        extreme += abs(coefficient(shuffled)) >= abs(observed) - 1e-12
    table = pd.DataFrame(
        [
            {
                "driver": "shdi_region_previous_year",
                "coef": observed,
                "lo95": np.nan,
                "hi95": np.nan,
                "p_value": np.nan,
                "perm_p_value": extreme / total,
            }
        ]
    )
    return DepartmentFit(
        design="panel, department and year effects",
        country="SLV",
        outcome="log emigrants by year of departure (census 2024)",
        table=table,
        rows=len(data),
        clusters=len(regions),
        years=f"{first}-{last}",
        note=(
            f"the HDI varies by {len(regions)} regions only: the permutation over their "
            f"{total} orderings is the test (no interval); no department homicide series"
        ),
    )


def guatemala(con: duckdb.DuckDBPyConnection) -> DepartmentFit:
    emigrants = _values(
        con,
        "SELECT code, value AS emigrants_per_1000 FROM department_emigration "
        "WHERE indicator = 'emigrants_per_1000_population' AND country = 'GTM'",
        [],
    )
    shdi = _region_shdi(con, "GTM")
    shdi = shdi[shdi["year"] == GT_HDI_YEAR]
    data = emigrants.merge(_region_of(con, "GTM"), on="code").merge(shdi, on="region")
    if data["region"].nunique() < 5:
        raise ModelError("Guatemala departments: emigration or regional HDI missing")
    table = cross_section(data, "emigrants_per_1000", ["shdi"], cluster="region")
    return DepartmentFit(
        design="cross-section",
        country="GTM",
        outcome="emigrants per 1,000 residents (census 2018, left since 2002)",
        table=table,
        rows=len(data),
        clusters=int(data["region"].nunique()),
        years=f"HDI {GT_HDI_YEAR}",
        note=(
            f"HDI of {data['region'].nunique()} GDL regions (exact permutation over regions); "
            "no department homicide series"
        ),
    )


def fit_departments(con: duckdb.DuckDBPyConnection, *, seed: int = 0) -> list[DepartmentFit]:
    return [honduras(con, seed=seed), el_salvador(con), guatemala(con)]


def departments_table(fits: Sequence[DepartmentFit]) -> pd.DataFrame:
    rows = []
    for fit in fits:
        for row in fit.table.itertuples():
            rows.append(
                {
                    "design": fit.design,
                    "country": fit.country,
                    "outcome": fit.outcome,
                    "driver": row.driver,
                    "coef": row.coef,
                    "lo95": row.lo95,
                    "hi95": row.hi95,
                    "p_value": row.p_value,
                    "perm_p_value": row.perm_p_value,
                    "rows": fit.rows,
                    "clusters": fit.clusters,
                    "years": fit.years,
                    "note": fit.note,
                }
            )
    return pd.DataFrame(rows)
