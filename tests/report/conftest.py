"""Shared fixtures of the brief's tests: a store with a made-up result of every kind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from rootcauses.config import Settings
from rootcauses.sim.whatif import whatif_rows
from rootcauses.store import import_build
from rootcauses.store.results import current_build, new_run_id, write_results, write_snapshot

NT = ("GTM", "HND", "SLV")


def add_results(built_store: Settings, home: Path) -> Settings:
    """A copy of the built store in ``home`` with a small, made-up result of every kind the
    brief shows (forecasts, backtests, driver models, a scenario run, a tracker snapshot)."""
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    con = duckdb.connect(str(settings.store_path), read_only=True)
    build = current_build(con)
    con.close()
    until = dt.date(2024, 9, 1)
    months = pd.date_range("2024-10-01", periods=12, freq="MS").date
    forecast_rows, backtest_rows = [], []
    for series in NT:
        level = 10_000.0
        for h, month in enumerate(months, start=1):
            row = {"series": series, "month": month, "model": "best", "mean": level}
            row.update(lo80=level * 0.8, hi80=level * 1.2, lo95=level * 0.6, hi95=level * 1.4)
            forecast_rows.append({**row, "h": h, "chosen": "auto_ets"})
        for model in ("auto_ets", "seasonal_naive", "random_walk"):
            for origin in pd.date_range("2023-01-01", periods=3, freq="MS").date:
                for h in (1, 3, 6, 12):
                    actual = 8_000.0 + 500.0 * h + 100.0 * origin.month
                    mean = actual * (1.1 if model == "auto_ets" else 1.3)
                    backtest_rows.append(
                        {
                            "series": series,
                            "model": model,
                            "origin": origin,
                            "month": origin,
                            "h": h,
                            "actual": actual,
                            "mean": mean,
                            "lo80": mean * 0.8,
                            "hi80": mean * 1.2,
                            "lo95": mean * 0.6,
                            "hi95": mean * 1.4,
                            "scale": 1_000.0,
                        }
                    )
    meta = {"build_id": build, "basis": "usbp"}
    write_results(
        settings,
        "forecasts",
        pd.DataFrame(forecast_rows).assign(until=until, **meta),
        run_id=new_run_id(),
    )
    write_results(settings, "backtests", pd.DataFrame(backtest_rows).assign(**meta), run_id="bt1")
    models = pd.DataFrame(
        {
            "theory": ["violence", "economic", "economic"],
            "driver": ["homicide_rate", "log_gdp_pc", "gdp_growth"],
            "coef": [0.02, 1.5, -0.01],
            "lo95": [0.01, 0.5, -0.05],
            "hi95": [0.03, 2.5, 0.03],
            "p_value": [0.01, 0.001, 0.6],
            "within_r2": [0.3, 0.5, 0.5],
            "oos_gain": [0.1, 0.25, 0.25],
            "rows": [800, 820, 820],
            "years": ["2000-2024"] * 3,
        }
    )
    write_results(settings, "driver_models", models.assign(**meta), run_id=new_run_id())
    scenario = pd.DataFrame(
        [
            {
                "month": m,
                "citizenship": c,
                "metric": "encounters_difference",
                "value": -100.0 * (i + 1),
                "scenario": "harris_strategy",
                "baseline": "status_quo",
                "lo": -150.0 * (i + 1),
                "hi": -50.0 * (i + 1),
                "seed": 0,
            }
            for i, c in enumerate(NT)
            for m in months
        ]
    )
    write_results(settings, "scenario_results", scenario, run_id=new_run_id())
    whatif = {
        "calibration": "latest",
        "window": "FY2020..FY2024",
        "members": 8,
        "households": 100_000,
        "seed": 0,
        "validation": {"passed": False, "statement": "Not validated yet."},
        "counterfactuals": [
            {
                "id": "no_title_42",
                "question": "What if Title 42 had never been applied?",
                "caveat": "Repeat crossings.",
                "totals": {
                    c: {
                        "difference": {"median": -10.0 * (i + 1), "lo": -20.0, "hi": 5.0},
                        "history": {"median": 1000.0},
                        "label": "within the spread",
                    }
                    for i, c in enumerate([*NT, "ALL"])
                },
            }
        ],
    }
    write_snapshot(settings, "sim_whatif", whatif_rows(whatif))
    commitments = pd.DataFrame(
        {
            "id": ["C1", "C2", "C3", "C4"],
            "actor": ["US", "Firm", "Govt GT", "Govt HN"],
            "actor_type": ["us_gov", "private", "partner_gov", "partner_gov"],
            "country": ["XNT", "XNT", "GTM", "HND"],
            "pillar_ids": ["P1;P2", "P3", "", "P1"],
            "status": ["achieved", "missed", "no_metric", "on_track"],
            "has_metric": [True, True, False, True],
            "has_deadline": [True, True, True, True],
            "amount_usd": [1e9, 2e6, None, 5e5],
            "reported_usd": [4e8, None, None, None],
            "aggregate": [False] * 4,
            "snapshot_at": [dt.datetime(2026, 1, 2, 3, 4)] * 4,
        }
    )
    write_snapshot(settings, "tracker_commitments", commitments)
    return settings


@pytest.fixture(scope="module")
def results_store(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return add_results(built_store, tmp_path_factory.mktemp("report-results"))
