"""Store-level jobs: load from the store, run a model, write the results back.

The CLI and the API call these; the numerical work lives in :mod:`forecast` and :mod:`drivers`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from rootcauses.analysis import forecast as fc
from rootcauses.config import Settings
from rootcauses.store import query
from rootcauses.store.results import current_build, new_run_id, read_results, write_results


def run_backtest(
    settings: Settings,
    config: fc.ForecastConfig,
    *,
    models: Sequence[str] = fc.MODEL_NAMES,
    until: str | dt.date | None = None,
    workers: int = 2,
    progress: fc.ProgressCallback | None = None,
) -> tuple[str, pd.DataFrame]:
    """Backtest on the store's series; store every forecast in ``backtests`` (the warm-up
    origins too, with ``scored`` False: a forecast replays them); return the run id and the
    leaderboard."""
    config.validate()
    fc.check_models(models)
    with query.connect(settings) as con:
        wide = fc.load_series(con, basis=config.basis, until=until)
        exog = fc.exogenous(con, wide.index, config.exog_lag)
        build = current_build(con)
    frame = fc.backtest(
        wide, exog=exog, models=models, config=config, workers=workers, progress=progress
    )
    run_id = new_run_id()
    frame["origin"] = frame["origin"].dt.date
    frame["month"] = frame["month"].dt.date
    frame = frame.assign(
        build_id=build,
        basis=config.basis,
        model_version=fc.MODEL_VERSION,
        params=fc.describe(config, models),
        seed=config.seed,
    )
    write_results(settings, "backtests", frame, run_id=run_id)
    return run_id, fc.leaderboard(frame)


def latest_leaderboard(settings: Settings, run_id: str | None = None) -> pd.DataFrame:
    with query.connect(settings) as con:
        frame = read_results(con, "backtests", run_id)
    if frame.empty:
        return frame
    board = fc.leaderboard(frame)
    board.attrs["run_id"] = frame["run_id"].iloc[0]
    board.attrs["basis"] = frame["basis"].iloc[0]
    return board


def run_forecast(
    settings: Settings,
    config: fc.ForecastConfig,
    *,
    until: str | dt.date | None = None,
    models: Sequence[str] = fc.MODEL_NAMES,
    output: Path | None = None,
    workers: int = 2,
    progress: fc.ProgressCallback | None = None,
) -> pd.DataFrame:
    """Forecast ``horizon`` months after the last month in the store (or ``until``).

    ``best`` is the leaderboard's pick per series from the latest backtest on the same basis and
    data build; when there is none, the backtest runs first (with the data up to ``until``)."""
    config.validate()
    fc.check_models(models)
    with query.connect(settings) as con:
        wide = fc.load_series(con, basis=config.basis, until=until)
        exog = fc.exogenous(con, wide.index, config.exog_lag)
        build = current_build(con)
        previous = read_results(con, "backtests")
        # the build's last month: an origin before it is a retrospective test (track record)
        data_through = query.southwest_by_nationality(con, basis=config.basis).index.max()
    if not _backtest_fits(previous, build, config, models, wide.index.max()):
        run_id, _ = run_backtest(
            settings, config, models=models, until=until, workers=workers, progress=progress
        )
        with query.connect(settings) as con:
            previous = read_results(con, "backtests", run_id)
    best = fc.select_best(fc.leaderboard(previous))
    frame = fc.forecast(wide, exog=exog, best=best, models=models, config=config, history=previous)
    stored = frame.assign(
        build_id=build,
        basis=config.basis,
        until=wide.index.max().date(),
        data_through=pd.Timestamp(data_through).date(),
        model_version=fc.MODEL_VERSION,
        params=fc.describe(config, models),
        seed=config.seed,
    )
    write_results(settings, "forecasts", stored, run_id=new_run_id())
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        columns = ["series", "month", "model", "mean", "lo80", "hi80", "lo95", "hi95"]
        frame[columns].to_csv(output, index=False, float_format="%.1f")
    return frame


def _backtest_fits(
    previous: pd.DataFrame,
    build: str,
    config: fc.ForecastConfig,
    models: Sequence[str],
    last_month: pd.Timestamp,
) -> bool:
    """Whether a stored backtest can pick the best models, weigh the combination and calibrate
    the intervals of this forecast: same model version, data build and basis, no month after
    the data, every model, and the same settings over at least this horizon.
    (The last origins' targets run past the data; only observed months count.)"""
    if previous.empty or "scored" not in previous.columns:
        return False
    params = json.loads(previous["params"].iloc[0])
    same = ("calibration_origins", "aci_gamma", "aci_window", "combination_window", "window")
    return (
        str(previous["model_version"].iloc[0]) == fc.MODEL_VERSION
        and previous["build_id"].iloc[0] == build
        and previous["basis"].iloc[0] == config.basis
        and pd.to_datetime(previous.dropna(subset=["actual"])["month"]).max() <= last_month
        and set(fc.check_models(models)) <= set(previous["model"])
        and all(params.get(key) == getattr(config, key) for key in same)
        and int(previous["h"].max()) >= config.horizon
    )


@dataclass
class DriverRun:
    """What ``drivers fit`` computed and stored (one ``driver_models`` run)."""

    table: pd.DataFrame  # theory × driver coefficients with the out-of-sample comparison
    verdicts: pd.DataFrame  # one row per theory against the trend baseline
    did: pd.DataFrame  # difference-in-differences by regime
    departments: pd.DataFrame  # department-level designs
    replication: str  # the national homicide-UAC sentence
    limits: dict[str, str]  # what each design cannot identify
    stored: pd.DataFrame  # everything as written to the results store


def run_drivers(settings: Settings, *, basis: fc.Basis = "usbp", seed: int = 0) -> DriverRun:
    """Fit every theory on the panel (as published) against the trend baseline, the
    difference-in-differences of the US policy regimes, the department-level designs and the
    homicide-UAC replication; store them in ``driver_models`` (column ``section`` says which:
    theory, baseline, did, departments, replication, limits)."""
    from rootcauses.analysis import departments as dep
    from rootcauses.analysis import did, drivers
    from rootcauses.errors import RootCausesError
    from rootcauses.panel import RULES, annual_panel, monthly_panel

    limits = {"theories": drivers.LIMITS, "did": did.LIMITS, "departments": dep.LIMITS}
    with query.connect(settings) as con:
        panel = monthly_panel(con, basis=basis)
        annual = annual_panel(con)
        build = current_build(con)
        did_result = did.fit_did(did.read(con, basis=basis), seed=seed)
        try:
            department_fits = dep.fit_departments(con, seed=seed)
        except (RootCausesError, duckdb.Error) as exc:
            department_fits = []
            limits["departments"] = f"not run on this store ({exc}). " + dep.LIMITS
    fits = drivers.compare_theories(panel, seed=seed)
    table = drivers.comparison_table(fits)
    replication = drivers.replicate_homicide_uac(annual)
    baseline = pd.DataFrame(
        [
            {
                "theory": "trend_baseline",
                "driver": "trend",
                "section": "baseline",
                "level": level,
                "trend_skill_vs_fe": record["skill_vs_fixed_effects"],
                "forecast_years": record["years"],
                "verdict": "the reference every theory must beat out of sample",
            }
            for level, record in drivers.trend_baseline(fits).items()
        ]
    )
    did_rows = did_result.table.assign(
        theory="did_" + did_result.table["regime"],
        driver=did_result.table["regime"] + " (" + did_result.table["term"] + ")",
        section="did",
        level="monthly",
        bandwidth=did_result.bandwidth,
        resid_ac1=did_result.resid_ac1,
        rows=did_result.months * len(did.GROUPS),
        years=f"{panel['month'].min():%Y-%m} to {panel['month'].max():%Y-%m}",
    ).drop(columns=["regime", "term"])
    department_table = dep.departments_table(department_fits)
    department_rows = (
        department_table.assign(
            theory="departments_" + department_table["country"],
            section="departments",
            level="department",
        ).drop(columns=["country"])
        if len(department_table)
        else pd.DataFrame()
    )
    extra = pd.DataFrame(
        [
            {
                "theory": "replication_homicide_uac",
                "driver": "homicides",
                "coef": replication.coef,
                "lo95": replication.lo95,
                "hi95": replication.hi95,
                "rows": replication.rows,
                "years": f"FY{replication.years[0]}-FY{replication.years[1]}",
                "section": "replication",
                "level": "country-year",
                "note": replication.text,
            }
        ]
    )
    limit_rows = pd.DataFrame(
        [{"theory": name, "section": "limits", "note": text} for name, text in limits.items()]
    )
    stored = pd.concat(
        [table, baseline, did_rows, department_rows, extra, limit_rows], ignore_index=True
    ).assign(
        build_id=build,
        basis=basis,
        model_version=fc.MODEL_VERSION,
        params=json.dumps({"rules": RULES.__dict__, "basis": basis, "seed": seed}),
        seed=seed,
    )
    write_results(settings, "driver_models", stored, run_id=new_run_id())
    return DriverRun(
        table=table,
        verdicts=drivers.verdicts(fits),
        did=did_result.table,
        departments=department_table,
        replication=replication.text,
        limits=limits,
        stored=stored,
    )
