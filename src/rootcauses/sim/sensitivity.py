"""Sobol sensitivity of the headline outputs to the uncertain parameters (SALib).

Which parameters: those with an ``uncertainty`` interval in ``parameters.yaml`` (the intervals the
ensembles draw from), all of them or the subset the user names; each varies uniformly over its
interval, every other parameter keeps the scenario's value.

How: a scrambled Sobol sample of ``N`` base points (``N × (D + 2)`` evaluations for ``D``
parameters; second-order indices are not estimated), evaluated by a pluggable ``model`` (the
simulation through :mod:`rootcauses.sim.ensemble`, on Ray or serially, or any function in tests),
then SALib's estimators give the first-order (S1) and total (ST) indices with bootstrap
confidence intervals, one set per output.

The simulation's outputs: encounters and departures summed over the run (all countries and per
country); with a scenario other than the status quo, also its difference from the status quo
(same seed and parameter values for both: common random numbers). Every evaluation uses the run's
seed, so the outputs are a deterministic function of the parameters and the indices measure the
parameters, not the sampling noise of the households.

On a **calibrated model** (:func:`calibrated_sensitivity`): the recorded history from the
calibration's training start, its fitted values, and as the problem its free parameters over
their plausible region (the interval where the calibration loss stays within seed noise of the
loss expected at the best point): which of the parameters the data leave open move the
FY2020–FY2024 encounters most.
Parameters whose region is a single point are held at their fitted value.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rootcauses.sim import engine
from rootcauses.sim.ensemble import CancelEvent, Executor, Member, Progress, run_members
from rootcauses.sim.errors import SimError
from rootcauses.sim.runs import MODEL
from rootcauses.sim.scenarios import (
    CalibrationFile,
    ParameterSpec,
    Scenario,
    default_values,
    load_parameter_specs,
    neutral_levers,
)

DEFAULT_SAMPLES = 64
CONF_LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 100
Model = Callable[[np.ndarray], np.ndarray]  # [evaluation, parameter] -> [evaluation, output]


@dataclass(frozen=True)
class Problem:
    """The parameters that vary and their (uniform) bounds."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


@dataclass(frozen=True)
class Output:
    """One headline output: a metric total (or difference) for a citizenship or ``ALL``."""

    metric: str
    citizenship: str


def uncertain_parameters(specs: Mapping[str, ParameterSpec]) -> list[str]:
    """Parameters with an uncertainty interval (policy levers are chosen, not uncertain)."""
    return sorted(k for k, s in specs.items() if s.uncertainty is not None and not s.lever)


def problem_for(
    specs: Mapping[str, ParameterSpec], parameters: Sequence[str] | None = None
) -> Problem:
    """The Sobol problem over ``parameters`` (default: every uncertain parameter)."""
    allowed = uncertain_parameters(specs)
    names = list(parameters) if parameters else allowed
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise SimError(
            f"--parameters: {', '.join(map(repr, unknown))} cannot vary; allowed (parameters with "
            f"an uncertainty interval in parameters.yaml): {', '.join(allowed)}"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SimError(f"--parameters: {', '.join(repeated)} named more than once")
    bounds = tuple(tuple(map(float, specs[n].uncertainty)) for n in names)  # type: ignore[arg-type]
    return Problem(tuple(names), bounds)  # type: ignore[arg-type]


def calibrated_problem(
    provenance: Mapping[str, Any], parameters: Sequence[str] | None = None
) -> tuple[Problem, dict[str, float]]:
    """(problem, held): a calibration's free parameters whose plausible region has a width,
    uniform over it; ``held`` are those fitted to one point. ``parameters`` picks a subset."""
    region = provenance.get("plausible_region") or {}
    if not region:
        raise SimError(
            "the calibration has no plausible region (made by an older `sim calibrate` or "
            "with --method nelder-mead); refit it with --method evolution"
        )
    open_ = {k: v for k, v in region.items() if float(v["high"]) > float(v["low"])}
    names = list(parameters) if parameters else sorted(open_)
    unknown = [n for n in names if n not in open_]
    if unknown:
        raise SimError(
            f"--parameters: {', '.join(map(repr, unknown))} cannot vary; allowed (free "
            f"parameters of the calibration with a plausible region wider than a point): "
            f"{', '.join(sorted(open_))}"
        )
    if not names:
        raise SimError("every free parameter of the calibration is fitted to a single point")
    bounds = tuple((float(open_[n]["low"]), float(open_[n]["high"])) for n in names)
    held = {k: float(v["low"]) for k, v in region.items() if k not in names}
    return Problem(tuple(names), bounds), held


def check_samples(samples: int) -> None:
    if samples < 2 or samples & (samples - 1):
        raise SimError(
            f"--samples must be a power of 2 of at least 2 (Sobol sequences are balanced only "
            f"then), got {samples}"
        )


def _number(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def sobol_indices(
    problem: Problem,
    model: Model,
    outputs: Sequence[Output],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    conf_level: float = CONF_LEVEL,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """(outputs [evaluation, output], indices): S1, ST and their confidence half-widths for
    every output and parameter. An output that does not vary gets ``None`` indices."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_samples(samples)
    spec = problem.salib()
    x = sobol_sample.sample(spec, samples, calc_second_order=False, seed=seed)
    y = np.asarray(model(x), dtype=float)
    if y.shape != (len(x), len(outputs)):
        raise SimError(f"the model returned shape {y.shape}; expected {(len(x), len(outputs))}")
    rows = []
    for j, output in enumerate(outputs):
        column = y[:, j]
        if np.ptp(column) == 0:
            si = {
                k: np.full(len(problem.names), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")
            }
        else:
            si = sobol_analyze.analyze(
                spec,
                column,
                calc_second_order=False,
                num_resamples=BOOTSTRAP_RESAMPLES,
                conf_level=conf_level,
                seed=seed,
            )
        for i, name in enumerate(problem.names):
            rows.append(
                {
                    "output": output.metric,
                    "citizenship": output.citizenship,
                    "parameter": name,
                    **{k: _number(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")},
                }
            )
    return y, rows


def headline_outputs(countries: Sequence[str], difference: bool) -> list[Output]:
    """Encounters and departures over the run, in all and per country (and their differences
    from the baseline when there is one)."""
    out = []
    for metric in ("encounters", "departures"):
        out += [Output(metric, "ALL"), *(Output(metric, c) for c in countries)]
    if difference:
        out += [Output(f"{o.metric}_difference", o.citizenship) for o in list(out)]
    return out


def headline_values(counts: np.ndarray, base: np.ndarray | None) -> np.ndarray:
    """[member, output] in the order of :func:`headline_outputs` from [member, month, country,
    metric] counts (and the baseline's, same members)."""

    def totals(c: np.ndarray) -> np.ndarray:
        parts = []
        for metric in ("encounters", "departures"):
            by_country = c[:, :, :, engine.METRICS.index(metric)].sum(axis=1)
            parts += [by_country.sum(axis=1, keepdims=True), by_country]
        return np.concatenate(parts, axis=1)

    values = totals(counts)
    return values if base is None else np.concatenate([values, values - totals(base)], axis=1)


def simulation_model(
    scenario: Scenario,
    baseline: Scenario | None,
    inputs: engine.SimInputs,
    problem: Problem,
    *,
    households: int,
    seed: int,
    executor: Executor,
    specs: Mapping[str, ParameterSpec],
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
    window: np.ndarray | None = None,
) -> Model:
    """The simulation as a Sobol model: each sample row sets the problem's parameters over the
    scenario's values (and the baseline's), all with the same seed; members run as one ensemble.
    ``window`` (a boolean mask over the months) restricts the totals to those months."""

    def members(base: Scenario, x: np.ndarray) -> list[Member]:
        out = []
        for row in x:
            values = {**base.values, **dict(zip(problem.names, map(float, row), strict=True))}
            out.append(Member(seed, values, neutral_levers(values, specs)))
        return out

    def model(x: np.ndarray) -> np.ndarray:
        todo = members(scenario, x) + (members(baseline, x) if baseline else [])
        counts = run_members(inputs, todo, households, executor, progress, cancel)
        if window is not None:
            counts = counts[:, window]
        n = len(x)
        return headline_values(counts[:n], counts[n:] if baseline else None)

    return model


def sensitivity(
    scenario: Scenario,
    inputs: engine.SimInputs,
    *,
    households: int,
    months: int,
    seed: int = 0,
    parameters: Sequence[str] | None = None,
    samples: int = DEFAULT_SAMPLES,
    baseline: Scenario | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
    problem: Problem | None = None,
    window: np.ndarray | None = None,
    specs: Mapping[str, ParameterSpec] | None = None,
) -> dict[str, Any]:
    """Sobol indices of the headline outputs of ``scenario`` (minus ``baseline`` when given).
    ``problem`` replaces the uncertainty intervals of ``parameters``; ``window`` (a month mask)
    restricts the totals to those months."""
    if households < 1:
        raise SimError(f"--households must be at least 1, got {households}")
    if months < 1:
        raise SimError(f"--months must be at least 1, got {months}")
    check_samples(samples)
    executor = executor or Executor()
    executor.check()
    specs = specs or load_parameter_specs()
    problem = problem or problem_for(specs, parameters)
    inputs = inputs.head(months)
    if window is not None:
        window = window[:months]
    outputs = headline_outputs(inputs.countries, baseline is not None)
    model = simulation_model(
        scenario,
        baseline,
        inputs,
        problem,
        households=households,
        seed=seed,
        executor=executor,
        specs=specs,
        progress=progress,
        cancel=cancel,
        window=window,
    )
    began = time.perf_counter()
    y, indices = sobol_indices(problem, model, outputs, samples, seed)
    summary = [
        {
            "output": o.metric,
            "citizenship": o.citizenship,
            "mean": float(y[:, j].mean()),
            "std": float(y[:, j].std()),
        }
        for j, o in enumerate(outputs)
    ]
    return {
        "model": MODEL,
        "kind": "sobol",
        "method": "Sobol first-order (S1) and total (ST) indices, SALib, no second order",
        "scenario": scenario.name,
        "baseline": baseline.name if baseline else None,
        "seed": seed,
        "households": households,
        "months": months,
        "start": inputs.months[0].isoformat(),
        "window": _window_span(inputs.months, window),
        "samples": samples,
        "evaluations": len(y),
        "simulations": len(y) * (2 if baseline else 1),
        "conf_level": CONF_LEVEL,
        "backend": "ray" if executor.uses_ray() else "serial",
        "workers": executor.workers,
        "wall_seconds": round(time.perf_counter() - began, 4),
        "problem": {"names": list(problem.names), "bounds": [list(b) for b in problem.bounds]},
        "overrides": scenario.overrides,
        "parameters": scenario.values,
        "outputs": summary,
        "indices": indices,
    }


def _window_span(months: Sequence[Any], window: np.ndarray | None) -> dict[str, str] | None:
    kept = [m for m, keep in zip(months, window, strict=True) if keep] if window is not None else []
    return {"first": kept[0].isoformat(), "last": kept[-1].isoformat()} if kept else None


def calibrated_sensitivity(
    inputs: engine.SimInputs,
    calibration: CalibrationFile,
    specs: Mapping[str, ParameterSpec],
    *,
    households: int,
    seed: int = 0,
    parameters: Sequence[str] | None = None,
    samples: int = DEFAULT_SAMPLES,
    years: tuple[int, int] = (2020, 2024),
    executor: Executor | None = None,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
) -> dict[str, Any]:
    """Sobol indices of the calibrated model on the recorded history: ``inputs`` from the
    calibration's training start (where its fitted values hold), the free parameters over their
    plausible region (:func:`calibrated_problem`), encounters and departures summed over the
    fiscal years ``years``. ``specs`` are the parameters with the calibration applied
    (``load_parameter_specs(calibration=name)``)."""
    from rootcauses.sim.whatif import window_mask

    provenance = calibration.provenance
    start = provenance.get("train_start")
    if start is not None and f"{inputs.months[0]:%Y-%m}" != start:
        raise SimError(
            f"the history must start at the calibration's training start {start}, "
            f"not {inputs.months[0]:%Y-%m}"
        )
    window = window_mask(inputs.months, years)
    if not window.any():
        raise SimError(f"the history has no month in FY{years[0]}..FY{years[1]}")
    problem, held = calibrated_problem(provenance, parameters)
    values = default_values(specs)
    values.update(provenance.get("fitted_at_train_start") or {})
    values.update(held)
    scenario = Scenario(
        "history",
        f"the recorded drivers and policy events under calibration {calibration.name!r}",
        None,
        {},
        values,
    )
    payload = sensitivity(
        scenario,
        inputs,
        households=households,
        months=len(inputs.months),
        seed=seed,
        samples=samples,
        executor=executor,
        progress=progress,
        cancel=cancel,
        problem=problem,
        window=window,
        specs=specs,
    )
    return payload | {
        "calibration": calibration.describe(),
        "method": payload["method"] + "; the calibration's free parameters over their plausible "
        "region, the others at their fitted values",
        "held": held,
    }


def sensitivity_rows(payload: Mapping[str, Any]) -> pd.DataFrame:
    """``scenario_results`` rows: one per output, parameter and index, with ``metric``
    ``sobol_<S1|ST>:<output>:<parameter>``, the index as ``value`` and its confidence interval
    as ``lo``/``hi``; ``month`` is the first month of the simulated window."""
    start = pd.Timestamp(payload["start"]).date()
    rows = []
    for r in payload["indices"]:
        for index in ("S1", "ST"):
            value, half = r[index], r[f"{index}_conf"]
            rows.append(
                {
                    "month": start,
                    "citizenship": r["citizenship"],
                    "metric": f"sobol_{index}:{r['output']}:{r['parameter']}",
                    "value": np.nan if value is None else value,
                    "scenario": payload["scenario"],
                    "baseline": payload["baseline"],
                    "lo": np.nan if value is None or half is None else value - half,
                    "hi": np.nan if value is None or half is None else value + half,
                    "seed": payload["seed"],
                }
            )
    return pd.DataFrame(rows)
