"""Scenario runs and comparisons: the I/O edge of the simulation (store in, JSON and store out).

* :func:`run_scenario` — one scenario, one seed: the interface JSON (``scenario``, ``seed``,
  ``households``, ``months``, ``wall_seconds``, ``household_months_per_second``, ``encounters`` as
  ``{month, citizenship, value}`` …).
* :func:`compare_scenarios` — an ensemble of members (seed ``seed + i`` and one parameter draw
  each); A and B share each member's seed and draw (common random numbers), so the band is that
  of the difference B − A, month by month and in total (5th-95th percentiles).

Both take ``backend``/``address`` (see :mod:`rootcauses.sim.ensemble`: members run on Ray or
serially with identical results), a ``progress(done, total)`` callback and a ``cancel`` event
(anything with ``is_set()``), checked between members and, in a serial single run, between
months; a cancelled call raises :class:`~rootcauses.sim.ensemble.EnsembleCancelled`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rootcauses.config import Settings
from rootcauses.sim import engine
from rootcauses.sim.ensemble import (
    CancelEvent,
    EnsembleCancelled,
    Executor,
    Member,
    run_members,
    run_sharded,
)
from rootcauses.sim.errors import SimError
from rootcauses.sim.network import read_network_csv, read_network_store
from rootcauses.sim.scenarios import (
    ParameterSpec,
    Scenario,
    draw_parameters,
    load_parameter_specs,
    load_scenario,
    neutral_levers,
)

MODEL = "rootcauses.sim/0.1"
DEFAULT_START = dt.date(2019, 1, 1)
InputsLoader = Callable[[Settings, dt.date, int], engine.SimInputs]
Progress = Callable[[int, int], None]
# payload keys kept in sim_runs.settings (JSON): what is needed to rerun the result
SETTINGS_KEYS = ("parameters", "overrides", "problem", "samples", "backend")


def store_inputs(
    settings: Settings,
    start: dt.date,
    months: int,
    network_csv: tuple[Path, Path] | None = None,
) -> engine.SimInputs:
    """Inputs from the built store (the network from the user's CSV files when given)."""
    from rootcauses.store.query import connect

    con = connect(settings)
    try:
        network = read_network_csv(*network_csv) if network_csv else read_network_store(con)
        return engine.load_inputs(con, network, start=start, months=months)
    finally:
        con.close()


@dataclass(frozen=True)
class RunRequest:
    households: int = 100_000
    months: int = 60
    seed: int = 0
    workers: int = 1
    start: dt.date = DEFAULT_START

    def check(self) -> None:
        if self.households < 1:
            raise SimError(f"--households must be at least 1, got {self.households}")
        if self.months < 1:
            raise SimError(f"--months must be at least 1, got {self.months}")
        if self.workers < 1:
            raise SimError(f"--workers must be at least 1, got {self.workers}")


def _series(counts: engine.RunCounts, metric: str) -> list[dict[str, Any]]:
    k = engine.METRICS.index(metric)
    return [
        {"month": month.isoformat(), "citizenship": country, "value": float(counts.values[t, c, k])}
        for t, month in enumerate(counts.months)
        for c, country in enumerate(counts.countries)
    ]


def _cancellable(progress: Progress | None, cancel: CancelEvent | None) -> Progress | None:
    """``progress`` that first raises :class:`EnsembleCancelled` once ``cancel`` is set."""
    if cancel is None:
        return progress

    def tick(done: int, total: int) -> None:
        if cancel.is_set():
            raise EnsembleCancelled(f"cancelled after {done} of {total} steps")
        if progress is not None:
            progress(done, total)

    return tick


def run_scenario(
    scenario: Scenario,
    inputs: engine.SimInputs,
    request: RunRequest,
    progress: Progress | None = None,
    *,
    backend: str = "auto",
    address: str | None = None,
    cancel: CancelEvent | None = None,
) -> tuple[dict[str, Any], engine.RunCounts]:
    """One run; returns the interface JSON (as a dict) and the weighted counts.

    A single run is serial (its shards in ``request.workers`` processes) unless ``backend`` is
    ``ray`` or an ``address`` is given: then its household shards (engine.SHARD_SIZE households
    each) are Ray tasks, with the same result."""
    request.check()
    Executor(backend, address, request.workers).check()
    on_ray = backend == "ray" or bool(address)
    specs = load_parameter_specs()
    inputs = inputs.head(request.months)
    began = time.perf_counter()
    if on_ray:
        member = Member(request.seed, scenario.values, neutral_levers(scenario.values, specs))
        executor = Executor("ray", address, request.workers)
        counts = run_sharded(inputs, member, request.households, executor, progress, cancel)
    else:
        counts = engine.run(
            inputs,
            scenario.values,
            neutral_levers(scenario.values, specs),
            households=request.households,
            seed=request.seed,
            workers=request.workers,
            progress=_cancellable(progress, cancel),
        )
    wall = time.perf_counter() - began
    totals = {
        metric: {
            country: float(counts.values[:, c, engine.METRICS.index(metric)].sum())
            for c, country in enumerate(counts.countries)
        }
        for metric in engine.FLOWS
    }
    payload = {
        "model": MODEL,
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": request.seed,
        "households": request.households,
        "months": request.months,
        "start": inputs.months[0].isoformat(),
        "workers": request.workers,
        "backend": "ray" if on_ray else "serial",
        "wall_seconds": round(wall, 4),
        "household_months_per_second": round(request.households * request.months / wall, 1),
        "bytes_per_household": counts.bytes_per_household,
        "weights": dict(zip(counts.countries, map(float, counts.weights), strict=True)),
        "overrides": scenario.overrides,
        "parameters": scenario.values,
        "totals": totals,
        "encounters": _series(counts, "encounters"),
        "departures": _series(counts, "departures"),
    }
    return payload, counts


def ensemble_members(
    scenario: Scenario,
    request: RunRequest,
    members: int,
    specs: Mapping[str, ParameterSpec] | None = None,
) -> list[Member]:
    """Member i: seed ``request.seed + i`` and the parameter draw of that seed (so two scenarios
    share each member's seed and draw: common random numbers)."""
    specs = load_parameter_specs() if specs is None else specs
    out = []
    for i in range(members):
        seed = request.seed + i
        values = draw_parameters(scenario.values, specs, np.random.default_rng([seed, 1]))
        out.append(Member(seed, values, neutral_levers(values, specs)))
    return out


def _band(values: np.ndarray) -> dict[str, float]:
    lo, hi = np.percentile(values, [5, 95])
    return {"mean": float(values.mean()), "lo": float(lo), "hi": float(hi)}


def compare_scenarios(
    a: Scenario,
    b: Scenario,
    inputs: engine.SimInputs,
    request: RunRequest,
    members: int = 8,
    progress: Progress | None = None,
    *,
    backend: str = "auto",
    address: str | None = None,
    cancel: CancelEvent | None = None,
) -> dict[str, Any]:
    """Encounters under B minus under A, with 5-95% bands over ``members`` ensemble members.

    The 2 × ``members`` runs are one ensemble (A's members, then B's), so Ray spreads them all."""
    request.check()
    if members < 2:
        raise SimError(f"--members must be at least 2 for a band, got {members}")
    executor = Executor(backend, address, request.workers)
    executor.check()
    inputs = inputs.head(request.months)
    began = time.perf_counter()
    specs = load_parameter_specs()
    both = ensemble_members(a, request, members, specs) + ensemble_members(
        b, request, members, specs
    )
    counts = run_members(inputs, both, request.households, executor, progress, cancel)
    encounters = counts[:, :, :, engine.METRICS.index("encounters")]
    ea, eb = encounters[:members], encounters[members:]
    diff = eb - ea
    months = [m.isoformat() for m in inputs.months]
    differences = [
        {"month": months[t], "citizenship": country, **_band(diff[:, t, c])}
        for t in range(len(months))
        for c, country in enumerate(inputs.countries)
    ]
    totals = {
        country: {
            "difference": _band(diff[:, :, c].sum(axis=1)),
            "baseline": _band(ea[:, :, c].sum(axis=1)),
            "scenario": _band(eb[:, :, c].sum(axis=1)),
        }
        for c, country in enumerate(inputs.countries)
    }
    totals["ALL"] = {
        "difference": _band(diff.sum(axis=(1, 2))),
        "baseline": _band(ea.sum(axis=(1, 2))),
        "scenario": _band(eb.sum(axis=(1, 2))),
    }
    return {
        "model": MODEL,
        "metric": "encounters",
        "baseline": a.name,
        "scenario": b.name,
        "seed": request.seed,
        "members": members,
        "households": request.households,
        "months": request.months,
        "start": months[0],
        "band": "5th-95th percentile over ensemble members (seeds and parameter draws)",
        "backend": "ray" if executor.uses_ray() else "serial",
        "wall_seconds": round(time.perf_counter() - began, 4),
        "totals": totals,
        "differences": differences,
    }


def write_json(payload: Mapping[str, Any], output: Path) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise SimError(f"cannot write {output}: {exc.strerror}") from exc


def store_run(settings: Settings, payload: Mapping[str, Any], rows: pd.DataFrame) -> str | None:
    """A ``sim_runs`` row and the run's ``scenario_results`` rows in the results store, when a
    data store exists (the rows name the build their inputs came from)."""
    if not settings.store_path.exists():
        return None
    from rootcauses.store.query import connect
    from rootcauses.store.results import current_build, new_run_id, write_results

    con = connect(settings)
    try:
        build_id = current_build(con)
    finally:
        con.close()
    run_id = new_run_id()
    meta = {k: v for k, v in payload.items() if not isinstance(v, list | dict)}
    run_row = pd.DataFrame(
        [
            {
                **{k: meta.get(k) for k in ("model", "scenario", "seed", "households", "months")},
                "kind": payload.get("kind") or ("compare" if "baseline" in payload else "run"),
                "baseline": payload.get("baseline"),
                "start": meta.get("start"),
                "wall_seconds": meta.get("wall_seconds"),
                "build_id": build_id,
                "settings": json.dumps({k: v for k, v in payload.items() if k in SETTINGS_KEYS}),
            }
        ]
    )
    run_row["baseline"] = run_row["baseline"].astype("string")  # typed even when empty
    rows = rows.assign(build_id=build_id, baseline=rows["baseline"].astype("string"))
    # results first: a run listed in sim_runs always has its rows (each write is one file)
    write_results(settings, "scenario_results", rows, run_id=run_id)
    write_results(settings, "sim_runs", run_row, run_id=run_id)
    return run_id


def run_rows(payload: Mapping[str, Any], counts: engine.RunCounts) -> pd.DataFrame:
    """``scenario_results`` rows of a run: every metric, month and citizenship."""
    frame = counts.frame()
    return frame.assign(
        scenario=payload["scenario"], baseline=None, lo=np.nan, hi=np.nan, seed=payload["seed"]
    )


def compare_rows(payload: Mapping[str, Any]) -> pd.DataFrame:
    """``scenario_results`` rows of a comparison: the monthly differences with their bands."""
    frame = pd.DataFrame(payload["differences"]).rename(columns={"mean": "value"})
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame.assign(
        scenario=payload["scenario"],
        baseline=payload["baseline"],
        metric="encounters_difference",
        seed=payload["seed"],
    )[["month", "citizenship", "metric", "value", "scenario", "baseline", "lo", "hi", "seed"]]


def resolve(name_or_path: str) -> Scenario:
    return load_scenario(name_or_path, load_parameter_specs())
