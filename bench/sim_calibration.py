"""Policy-lab calibration figures for RESULTS.md: the calibration ``rootcauses sim calibrate`` runs
(same defaults: train FY2014..FY2019, validate on every later observed fiscal year, seed 0,
30,000 households, at most 400 simulations), its fitted parameters and per-country validation
scores next to the seasonal naive baselines (and the forecasting leaderboard's best model when
the store has a backtest), and USBP sector shares, simulated vs observed, on the validation
window.

Usage::

    python bench/sim_calibration.py          # prints the RESULTS.md lines ($ROOTCAUSES_HOME)

``bench_calibration(settings)`` returns the lines (for bench/run.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

TRAIN = "2014..2019"  # the CLI's defaults (rootcauses sim calibrate)
HOUSEHOLDS = 30_000
SEED = 0
EVALUATIONS = 400
SECTOR_HOUSEHOLDS = 200_000  # the sector-share run: more households, tighter shares


def per_country_ard(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Flee's averaged relative difference with one country as the only "camp": mean over
    months of |sim − obs| / obs, per country (column)."""
    return np.mean(np.abs(simulated - observed) / observed, axis=0)


def _series_arrays(
    report: Mapping[str, Any],
) -> tuple[list[str], list[dt.date], np.ndarray, np.ndarray, np.ndarray]:
    """(countries, months, observed, simulated [month, country], is_validation [month])."""
    frame = pd.DataFrame(report["series"])
    countries = list(report["countries"])
    observed = frame.pivot(index="month", columns="citizenship", values="observed")[countries]
    simulated = frame.pivot(index="month", columns="citizenship", values="simulated")[countries]
    window = frame.drop_duplicates("month").set_index("month")["window"].reindex(observed.index)
    months = [dt.date.fromisoformat(m) for m in observed.index]
    return (
        countries,
        months,
        observed.to_numpy(float),
        simulated.to_numpy(float),
        (window == "validate").to_numpy(),
    )


def validation_rows(report: Mapping[str, Any]) -> list[str]:
    """Per country and for the three together: ARD and MASE of the simulation, the seasonal naive
    forecast made at the end of training and the lag-12 seasonal naive."""
    from rootcauses.sim import calibrate as cal

    countries, _months, observed, simulated, valid = _series_arrays(report)
    train_obs, valid_obs = observed[~valid], observed[valid]
    forecasts = {
        "simulation": simulated[valid],
        "seasonal_naive": cal.seasonal_naive_forecast(train_obs, int(valid.sum())),
        "seasonal_naive_lag12": observed[np.flatnonzero(valid) - cal.SEASON],
    }
    scores = report["metrics"]["validation"]
    ard = {name: per_country_ard(f, valid_obs) for name, f in forecasts.items()}
    rows = []
    for k, country in enumerate(countries):
        cells = [
            f"{ard[name][k]:.2f} / {scores[name]['mase_by_country'][country]:.2f}"
            for name in forecasts
        ]
        rows.append(f"| {country} | " + " | ".join(cells) + " |")
    cells = [f"**{scores[n]['flee_ard']:.2f} / {scores[n]['mase']:.2f}**" for n in forecasts]
    rows.append("| all three (Flee ARD over countries; mean MASE) | " + " | ".join(cells) + " |")
    return rows


def leaderboard_lines(settings: Any, countries: Sequence[str]) -> list[str]:
    """The forecasting leaderboard's best model per country (mean MASE over horizons 1–12), when
    the store holds a backtest."""
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import latest_leaderboard

    try:
        board = latest_leaderboard(settings)
    except Exception as exc:  # optional figure: a store without backtests is fine
        return [f"(no forecasting leaderboard in the store: {exc})"]
    if board.empty:
        return ["(no forecasting leaderboard in the store)"]
    board = board[board["series"].isin(list(countries))]
    best = fc.select_best(board)
    means = board.groupby(["series", "model"])["mase"].mean()
    cells = [f"{c} {best[c]} {means[(c, best[c])]:.2f}" for c in countries if c in best]
    return [
        "Forecasting leaderboard (store's latest backtest, run "
        f"{board.attrs.get('run_id', '?')}), best model per country and its MASE averaged over "
        "horizons 1-12 months: " + "; ".join(cells) + ". Not the same task: those are rolling "
        "1-12-month-ahead forecasts that see the data up to each origin; the simulation runs "
        "freely through the whole validation window from its drivers."
    ]


def sector_share_rows(
    settings: Any, report: Mapping[str, Any], households: int = SECTOR_HOUSEHOLDS
) -> list[str]:
    """Simulated share of Northern Triangle encounters by USBP sector on the validation window
    (the calibrated parameters) next to the observed all-nationality shares: pooled over the
    window's fiscal years, and each year's shares weighted by the simulation's encounters that
    year (what the sector choice is given, up to the lag between departure and arrival)."""
    from rootcauses.sim import engine, runs
    from rootcauses.sim.network import edge_properties, fastest_paths
    from rootcauses.sim.scenarios import default_values, load_parameter_specs, neutral_levers
    from rootcauses.store.query import connect

    _countries, months, _obs, _sim, valid = _series_arrays(report)
    specs = load_parameter_specs(calibrated=False)
    params = dict(default_values(specs), **report["fitted"])
    inputs = runs.store_inputs(settings, months[0], len(months))
    counts = engine.run(
        inputs, params, neutral_levers(params, specs), households=households, seed=SEED
    )
    sectors = list(counts.sectors)
    fiscal = np.array([m.year + (m.month >= 10) for m in months])[valid]
    by_month = counts.sector_encounters[valid].sum(axis=1)  # [validation month, sector]
    years = sorted(set(fiscal.tolist()))
    simulated_by_year = np.array([by_month[fiscal == y].sum(axis=0) for y in years])
    simulated = simulated_by_year.sum(axis=0) / simulated_by_year.sum()
    with connect(settings) as con:
        frame = con.execute(
            "SELECT fiscal_year, sector_id, sector, usbp_encounters_all_nationalities AS n "
            "FROM journey_sector_shares WHERE fiscal_year BETWEEN ? AND ?",
            [years[0], years[-1]],
        ).df()
    counts_by_year = (
        frame.pivot_table(index="fiscal_year", columns="sector_id", values="n", aggfunc="sum")
        .reindex(index=years, columns=sectors)
        .fillna(0.0)
        .to_numpy()
    )
    pooled = counts_by_year.sum(axis=0) / counts_by_year.sum()
    year_shares = counts_by_year / np.maximum(counts_by_year.sum(axis=1, keepdims=True), 1)
    year_weights = simulated_by_year.sum(axis=1) / simulated_by_year.sum()
    reweighted = year_weights @ year_shares
    names = frame.drop_duplicates("sector_id").set_index("sector_id")["sector"]
    paths = fastest_paths(inputs.network, edge_properties(inputs.network, params).days)
    reachable = (paths.length > 0).any(axis=0)
    rows = []
    for j, sector in enumerate(sectors):
        name = str(names.get(sector, sector)) + ("" if reachable[j] else " (no route reaches it)")
        rows.append(
            f"| {name} | {100 * pooled[j]:.1f}% | {100 * reweighted[j]:.1f}% "
            f"| {100 * simulated[j]:.1f}% | {100 * (simulated[j] - reweighted[j]):+.1f} pp |"
        )
    rows.append(
        "| total variation distance from the simulation | "
        f"{50 * np.abs(simulated - pooled).sum():.1f} pp "
        f"| {50 * np.abs(simulated - reweighted).sum():.1f} pp | | |"
    )
    return rows


def bench_calibration(settings: Any = None) -> list[str]:
    """RESULTS.md lines for the calibration on the store of ``settings`` (default
    ``$ROOTCAUSES_HOME``), run as ``rootcauses sim calibrate`` runs it."""
    from rootcauses.config import get_settings
    from rootcauses.sim import calibrate as cal
    from rootcauses.sim import runs

    settings = settings or get_settings()
    began = time.perf_counter()
    report = cal.calibrate_store(
        settings,
        train=cal.parse_window(TRAIN, "--train"),
        households=HOUSEHOLDS,
        seed=SEED,
        max_evaluations=EVALUATIONS,
        anchor_month=runs.DEFAULT_START,
    )
    wall = time.perf_counter() - began
    countries = list(report["countries"])
    lines = [
        f"### Policy-lab calibration (`rootcauses sim calibrate`: seed {SEED}, "
        f"{HOUSEHOLDS:,} households, build {report['build_id']})",
        "",
        f"Training window {report['train']} (objective: mean squared log(1 + encounters) "
        f"difference, USBP southwest, by citizenship, after a {report['burn_in_months']}-month "
        f"burn-in); validation window {report['validate']} (not seen by the fit). "
        f"{report['evaluations']} simulations, converged: {report['converged']}; "
        f"{wall:.0f} s wall in all.",
        "",
        "| parameter | documented default | fitted (at the training start) |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {k} | {report['start_values'][k]:.4g} | {v:.4g} |" for k, v in report["fitted"].items()
    ]
    anchored = report["calibrated"]["overrides"].get("base_departure_rate")
    if anchored is not None:
        lines.append(
            f"| base_departure_rate re-anchored to {runs.DEFAULT_START:%Y-%m} | | {anchored:.4g} |"
        )
    lines += [
        "",
        f"Validation {report['validate']}, ARD / MASE (ARD: Flee's averaged relative difference, "
        "per country the mean of |sim - obs| / obs; MASE scaled by the training window's "
        "in-sample seasonal naive error):",
        "",
        "| citizenship | simulation | seasonal naive (made at training end) "
        "| seasonal naive lag 12 (sees validation data) |",
        "|---|---:|---:|---:|",
        *validation_rows(report),
        "",
        *leaderboard_lines(settings, countries),
        "",
        f"Sector shares on the validation window ({report['validate']}): the simulation's share "
        "of Northern Triangle encounters by USBP sector vs the observed share of all "
        "nationalities (the table the sector choice reads). The shares are an *input* of the "
        "sector choice, so they match by construction on the sectors a route reaches, once the "
        "fiscal years are weighted as the simulated encounters are (the pooled column weights "
        "them by all nationalities' encounters); what is left is the difference from "
        "reachability, from unequal failure risk on the way to each sector and from the lag "
        "between departure and arrival across fiscal years "
        f"({SECTOR_HOUSEHOLDS:,} households, calibrated parameters, seed {SEED}):",
        "",
        "| sector | observed, all nationalities, pooled | observed, years weighted as the "
        "simulation's encounters | simulated GTM+HND+SLV | simulated - weighted |",
        "|---|---:|---:|---:|---:|",
        *sector_share_rows(settings, report),
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(bench_calibration()))
