"""The calibrated model on the recorded past: ``rootcauses sim history`` and ``sim validate``.

* :func:`load_history` — inputs from the store for any months, through
  :func:`rootcauses.sim.engine.load_inputs`: the recorded drivers and policy regimes; after the
  snapshot's last month of encounters the drivers are held at their last observed value and the
  policy regimes still come from the dated policy events, so an event dated after the data is
  applied (both tested in ``tests/sim/test_history.py``). Also the observed encounters where the
  store has them, and the policy events dated after the data (listed in the JSON).
* :func:`run_history` — one run of calibration ``latest`` or ``validation``
  (:mod:`rootcauses.sim.scenarios`): the JSON of ``sim run`` (``scenario`` = ``"history"``) plus
  ``observed``, the ``calibration`` with its provenance and where the data end.
* :func:`validate` — a split of :mod:`rootcauses.sim.validation` run freely with that split's
  calibration (never refitted) and scored against the three baselines; :func:`scorecard_lines`
  is its printed table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rootcauses import periods
from rootcauses.config import Settings
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import PeriodError
from rootcauses.i18n import N_
from rootcauses.sim import engine, runs, validation
from rootcauses.sim.calibrate import BURN_IN, observed_target
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import (
    DEFAULT_CALIBRATION,
    CalibrationFile,
    Scenario,
    calibration_exists,
    default_values,
    load_calibration,
    load_parameter_specs,
)

SCENARIO = "history"
DEFAULT_FROM = dt.date(2012, 10, 1)  # FY2013, the first training year of the validation split
HISTORY_CALIBRATIONS = ("validation", "latest")
ENCOUNTERS = engine.METRICS.index("encounters")
Progress = Callable[[int, int], None]


def parse_month(text: str, option: str) -> dt.date:
    """``YYYY-MM`` → the first day of that month (:func:`.periods.parse_month`)."""
    try:
        return periods.parse_month(text, option)
    except PeriodError as exc:
        raise SimError(str(exc)) from None


def check_calibration(name: str) -> CalibrationFile:
    """A history calibration (``validation`` or ``latest``), loaded and checked before any
    data is read, so a bad name or file fails at once."""
    if name not in HISTORY_CALIBRATIONS:
        raise SimError(f"--calibration {name!r}: expected one of {', '.join(HISTORY_CALIBRATIONS)}")
    return load_calibration(name)


@dataclass(frozen=True)
class History:
    """What a history run reads: the inputs, the observed encounters [month, country] (NaN
    where the store has none) and where the data end."""

    inputs: engine.SimInputs
    observed: np.ndarray
    data_end: dt.date  # last month of USBP encounters by citizenship in the store
    build_id: str
    later_events: list[dict[str, Any]]  # policy events dated after data_end


def encounter_span(
    con: duckdb.DuckDBPyConnection, countries: Sequence[str]
) -> tuple[dt.date, dt.date]:
    """First and last month of the store's USBP southwest encounters of ``countries``."""
    from rootcauses.store import query

    frame = query.encounters_monthly(con, basis="usbp", citizenship=list(countries))
    if frame.empty:
        raise SimError("the store has no USBP encounters by citizenship (ohss_usbp)")
    months = pd.to_datetime(frame["month"])
    return months.min().date(), months.max().date()


def _later_events(con: duckdb.DuckDBPyConnection, last: dt.date) -> list[dict[str, Any]]:
    from rootcauses.store import query

    events = query.events(con, categories=["policy"])
    dates = pd.to_datetime(events["date"])
    after = events[dates > pd.Timestamp(last) + pd.offsets.MonthEnd(0)]
    return [
        {
            "date": pd.Timestamp(row.date).date().isoformat(),
            "end_date": None
            if pd.isna(row.end_date)
            else pd.Timestamp(row.end_date).date().isoformat(),
            "event": row.event,
        }
        for row in after.itertuples()
    ]


def load_history(
    settings: Settings,
    start: dt.date = DEFAULT_FROM,
    end: dt.date | None = None,
    countries: Sequence[str] = NORTHERN_TRIANGLE,
) -> History:
    """Inputs and observed encounters from the store, ``start``..``end`` (default: the last
    month of the snapshot's encounters)."""
    from rootcauses.sim.network import read_network_store
    from rootcauses.store.query import connect
    from rootcauses.store.results import current_build

    con = connect(settings)
    try:
        first, last = encounter_span(con, countries)
        end = last if end is None else end
        if end < start:
            raise SimError(f"--to {end:%Y-%m} is before --from {start:%Y-%m}")
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        inputs = engine.load_inputs(
            con, read_network_store(con), start=start, months=months, countries=countries
        )
        observed = np.full((months, len(countries)), np.nan)
        lo, hi = max(start, first), min(end, last)
        if lo <= hi:
            target = observed_target(con, lo, hi, countries)
            offset = inputs.months.index(lo)
            observed[offset : offset + len(target.months)] = target.values
        return History(inputs, observed, last, current_build(con), _later_events(con, last))
    finally:
        con.close()


def history_at_training_start(settings: Settings, calibration: CalibrationFile) -> History:
    """:func:`load_history` from ``calibration``'s training start (where its fitted values hold;
    FY2013 for a file without one) to the end of the data: what the what-ifs and the Sobol
    indices of a calibrated model run on."""
    start = parse_month(str(calibration.provenance.get("train_start") or "2012-10"), "start")
    return load_history(settings, start)


def run_history(
    history: History,
    calibration: str = DEFAULT_CALIBRATION,
    *,
    households: int = 100_000,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], engine.RunCounts]:
    """The calibrated model over ``history``: the JSON of ``sim run`` with ``scenario`` =
    ``"history"``, plus ``observed``, ``calibration`` (name, file, provenance) and the data's
    end; and the weighted counts. Any saved calibration name works here; the CLI allows only
    :data:`HISTORY_CALIBRATIONS` (:func:`check_calibration`)."""
    chosen = load_calibration(calibration)
    values = default_values(load_parameter_specs(calibration=calibration))
    inputs = history.inputs
    values.update(anchored_at_start(chosen.provenance, inputs.months[0], values))
    scenario = Scenario(
        SCENARIO,
        f"the recorded drivers and policy events under calibration {calibration!r}",
        None,
        {},
        values,
    )
    request = runs.RunRequest(households, len(inputs.months), seed, 1, inputs.months[0])
    payload, counts = runs.run_scenario(scenario, inputs, request, progress)
    last = history.data_end
    after = [m for m in inputs.months if m > last]
    payload.update(
        kind=SCENARIO,
        end=inputs.months[-1].isoformat(),
        build_id=history.build_id,
        data_end=last.isoformat(),
        drivers_held_from=after[0].isoformat() if after else None,
        policy_events_after_data=history.later_events,
        calibration=chosen.describe(),
        observed=[
            {"month": month.isoformat(), "citizenship": country, "value": float(value)}
            for t, month in enumerate(inputs.months)
            for c, country in enumerate(inputs.countries)
            if not np.isnan(value := history.observed[t, c])
        ],
    )
    return payload, counts


def anchored_at_start(
    provenance: Mapping[str, Any], start: dt.date, values: Mapping[str, float]
) -> dict[str, float]:
    """The base departure rate is the mean hazard of a run's first month: a calibration's
    overrides carry it re-anchored to the scenarios' start, and its provenance the value fitted
    at the training start. A history that starts there takes the fitted one."""
    fitted = provenance.get("fitted_at_train_start") or {}
    if provenance.get("train_start") == f"{start:%Y-%m}" and "base_departure_rate" in fitted:
        return {"base_departure_rate": float(fitted["base_departure_rate"])}
    return {}


# --------------------------------------------------------------------------- validation


def split_calibration(split: validation.Split) -> tuple[str, str]:
    """The calibration a split is scored with, and a note saying which and why."""
    if split.name == "validation":
        return "validation", "calibration `validation` (fitted on data up to 2019-09 only)"
    if calibration_exists(split.name):
        return split.name, f"dedicated calibration `{split.name}`"
    return "validation", (
        f"no dedicated calibration `{split.name}`: using `validation`, fitted on data up to "
        f"2019-09, which includes this split's validation window FY{split.validate_first}.."
        f"FY{split.validate_last}, so it is not out of sample"
    )


def validate(
    settings: Settings,
    split_name: str = "validation",
    *,
    households: int = 100_000,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run ``split_name``'s calibration over its training and validation windows (no refit) and
    score it against the baselines (:func:`rootcauses.sim.validation.scorecard`)."""
    split = validation.get_split(split_name)
    name, note = split_calibration(split)
    load_calibration(name)  # a bad file fails before the data are read
    history = load_history(settings, split.start, split.end)
    if np.isnan(history.observed).any():
        raise SimError(
            f"split {split.name!r} needs observed encounters for {split.start:%Y-%m}.."
            f"{split.end:%Y-%m}; the store covers up to {history.data_end:%Y-%m}"
        )
    payload, counts = run_history(
        history, name, households=households, seed=seed, progress=progress
    )
    inputs = history.inputs
    simulated = counts.values[:, :, ENCOUNTERS]
    card = validation.scorecard(
        simulated, history.observed, inputs.months, inputs.countries, split, burn_in=BURN_IN
    )
    n_train = split.train_months
    return {
        "model": runs.MODEL,
        "kind": "validation",
        "build_id": history.build_id,
        "seed": seed,
        "households": households,
        "wall_seconds": payload["wall_seconds"],
        "calibration": payload["calibration"],
        "calibration_note": note,
        **card,
        "series": validation.series_rows(
            inputs.months, inputs.countries, history.observed, simulated, n_train
        ),
    }


def _num(value: float | None, fmt: str = "8.3f") -> str:
    return "n/a".rjust(len(format(0.0, fmt))) if value is None else format(value, fmt)


def _yes(value: bool) -> str:
    return "yes" if value else "NO"


def scorecard_lines(report: dict[str, Any]) -> list[str]:
    """The printed scorecard: model vs the baselines, fiscal years, regimes, acceptance."""
    split, models = report["split"], report["models"]
    countries = report["countries"]
    lines = [
        f"split {split['name']}: train {split['train']} ({split['train_months']}), validate "
        f"{split['validate']} ({split['validate_months']}); {report['households']:,} "
        f"households, seed {report['seed']}",
        f"{report['calibration_note']}; status: "
        f"{report['calibration']['provenance'].get('status', 'fitted')}",
        "",
        "validation window       ARD     MASE  MASE(s12)  corr(log)  FY within ±30%  regimes",
    ]
    for name, m in models.items():
        within = sum(w["within"] for w in m["fiscal_years_within"].values())
        years = sum(w["years"] for w in m["fiscal_years_within"].values())
        right = sum(1 for r in m["regimes"] if r["right"])
        scored = sum(1 for r in m["regimes"] if r["right"] is not None)
        lines.append(
            f"  {name:<16} {_num(m['ard']['pooled'])} {_num(m['mase']['pooled'])} "
            f"{_num(m['mase_seasonal']['pooled'], '10.3f')} "
            f"{_num(m['log_correlation']['pooled'], '10.3f')} "
            f"{within:>8}/{years:<6} {right:>5}/{scored}"
        )
    best, gain = report["best_baseline"], report["improvement"]
    lines += [
        "",
        f"best baseline: ARD {best['ard']}, MASE {best['mase']}; improvement of the model: "
        f"ARD {_num(gain['ard'], '+.1%')}, MASE {_num(gain['mase'], '+.1%')}",
        "ARD by country (model): "
        + ", ".join(
            f"{c} {_num(models['model']['ard']['by_country'][c], '.3f')}" for c in countries
        ),
        "MASE by country (model): "
        + ", ".join(
            f"{c} {_num(models['model']['mase']['by_country'][c], '.3f')}" for c in countries
        ),
        "",
        "fiscal-year totals (model vs observed):",
    ]
    for row in models["model"]["fiscal_years"]:
        rel = row["relative_difference"]
        lines.append(
            f"  FY{row['fiscal_year']} {row['citizenship']}  simulated {row['simulated']:>10,.0f}"
            f"  observed {row['observed']:>10,.0f}  {_num(rel, '+7.1%')}"
            f"  {'within' if row['within'] else 'outside'}"
        )
    lines.append("regime changes (mean of 3 months after vs 3 before, three countries summed):")
    for r in models["model"]["regimes"]:
        if r["right"] is None:
            lines.append(f"  {r['month']} {r['name']}: skipped ({r['skipped']})")
            continue
        lines.append(
            f"  {r['month']} {r['name']}: observed {r['observed_direction']} "
            f"({_num(r['observed_change'], '+.0%')}), model {r['simulated_direction']} "
            f"({_num(r['simulated_change'], '+.0%')}) {'right' if r['right'] else 'WRONG'}"
        )
    training = report["training"]
    acc = report["acceptance"]
    by_country = ", ".join(
        f"{c} {w['within']}/{w['years']}" for c, w in models["model"]["fiscal_years_within"].items()
    )
    lines += [
        f"training fit (after {report['burn_in_months']} burn-in months): model ARD "
        f"{_num(training['model']['ard'], '.3f')} MASE {_num(training['model']['mase'], '.3f')}; "
        f"flat ARD {_num(training['flat']['ard'], '.3f')} MASE "
        f"{_num(training['flat']['mase'], '.3f')}",
        "",
        "acceptance:",
        f"  ARD at least 25% better than the best baseline:  "
        f"{_yes(acc['ard_25pct_better_than_best_baseline'])}",
        f"  MASE at least 25% better than the best baseline: "
        f"{_yes(acc['mase_25pct_better_than_best_baseline'])}",
        f"  FY totals within ±30% in ≥80% of years per country: "
        f"{_yes(acc['fiscal_years_within_30pct'])} ({by_country})",
        f"  regime directions right (≥{report['regimes']['needed']} of "
        f"{report['regimes']['of']}): {_yes(acc['regime_directions'])} "
        f"({report['regimes']['right']} right of {report['regimes']['scored']} scored)",
        f"  training fit better than flat (ARD and MASE): {_yes(acc['training_better_than_flat'])}",
        f"  all: {_yes(acc['all'])}",
    ]
    return lines


# --------------------------------------------------------------------------- stored scorecard

VALIDATION_MODELS = ("model", "flat", "random_walk", "seasonal_naive")
MODEL_LABELS = {  # marked for the catalogues; translated where shown (_validation.html)
    "model": N_("Calibrated model"),
    "flat": N_("Flat (training mean by month)"),
    "random_walk": N_("Random walk (last value)"),
    "seasonal_naive": N_("Seasonal naive (last year)"),
}


def validation_rows(report: Mapping[str, Any]) -> pd.DataFrame:
    """The stored form of a :func:`validate` report (results snapshot ``sim_validation``): one
    ``series`` row per month and country (observed, simulated, window) and one ``score`` row
    per model (ARD, MASE, log correlation, fiscal years within ±30%, regime directions right),
    the split, calibration and verdict repeated on every row."""
    common = {
        "split": report["split"]["name"],
        "train": report["split"]["train"],
        "validate": report["split"]["validate"],
        "calibration": report["calibration"]["name"],
        "households": int(report["households"]),
        "seed": int(report["seed"]),
        "build_id": report.get("build_id"),
        "passed": bool(report["acceptance"]["all"]),
        "improvement_ard": report["improvement"]["ard"],
        "improvement_mase": report["improvement"]["mase"],
        "training_ard": report["training"]["model"]["ard"],
        "training_flat_ard": report["training"]["flat"]["ard"],
    }
    rows: list[dict[str, Any]] = [{"kind": "series", **r, **common} for r in report["series"]]
    for name in VALIDATION_MODELS:
        scores = report["models"][name]
        within = scores["fiscal_years_within"]
        regimes = [r for r in scores["regimes"] if r.get("right") is not None]
        rows.append(
            {
                "kind": "score",
                "model": name,
                "ard": scores["ard"]["pooled"],
                "mase": scores["mase"]["pooled"],
                "log_correlation": scores["log_correlation"]["pooled"],
                "fy_within": sum(v["within"] for v in within.values()),
                "fy_scored": sum(v["years"] for v in within.values()),
                "regimes_right": sum(bool(r["right"]) for r in regimes),
                "regimes_scored": len(regimes),
                **common,
            }
        )
    return pd.DataFrame(rows)


def group_validation(frame: pd.DataFrame) -> dict[str, Any] | None:
    """The stored rows as {split, calibration, passed, scores: [...], series: {country: [...]}}
    for the Policy lab page; None when nothing is stored."""
    from rootcauses.countries import country_name

    if frame.empty:
        return None
    first = frame.iloc[0]
    scores = frame[frame["kind"] == "score"]
    series = frame[frame["kind"] == "series"].sort_values(["citizenship", "month"])
    return {
        "split": first["split"],
        "train": first["train"],
        "validate": first["validate"],
        "calibration": first["calibration"],
        "households": int(first["households"]),
        "passed": bool(first["passed"]),
        "improvement_ard": float(first["improvement_ard"]),
        "improvement_mase": float(first["improvement_mase"]),
        "training_ard": float(first["training_ard"]),
        "training_flat_ard": float(first["training_flat_ard"]),
        "scores": [
            {
                "model": r.model,
                "label": MODEL_LABELS.get(str(r.model), str(r.model)),
                "ard": float(r.ard),
                "mase": float(r.mase),
                "log_correlation": None if pd.isna(r.log_correlation) else float(r.log_correlation),
                "fy_within": int(r.fy_within),
                "fy_scored": int(r.fy_scored),
                "regimes_right": int(r.regimes_right),
                "regimes_scored": int(r.regimes_scored),
            }
            for r in scores.itertuples()
        ],
        "series": {
            str(code): {
                "name": country_name(str(code)),
                "month": [str(m)[:10] for m in rows["month"]],
                "observed": [float(v) for v in rows["observed"]],
                "simulated": [float(v) for v in rows["simulated"]],
                "window": [str(w) for w in rows["window"]],
            }
            for code, rows in series.groupby("citizenship", sort=True)
        },
    }
