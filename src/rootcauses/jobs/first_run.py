"""The first run: what a fresh store needs so that no page of the site is empty.

``make run`` builds the store and then calls ``rootcauses prepare`` (:func:`prepare`): each
:class:`Step` that has no result for the store's current build runs once — the driver models
(Drivers page, overview), the forecast with its backtest (Forecasts page, track record) and the
calibrated policy lab's counterfactual histories (Policy lab's What-if section, the brief). A step
whose result is already stored for this build is skipped, so a second ``make run`` starts at once;
``force`` reruns everything. The time of each step is returned (and measured in ``bench/``).

An edge like the CLI: it only calls the store-level jobs of :mod:`rootcauses.analysis.runs` and
:mod:`rootcauses.sim.whatif` with the settings a first run uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rootcauses.config import Settings

Report = Callable[[str, str], None]  # (step name, message)

WHATIF_HOUSEHOLDS = 50_000  # per member at first run (the CLI default is 100,000)
WHATIF_MEMBERS = 8
WHATIF_TABLES = ("sim_whatif", "sim_validation")


@dataclass(frozen=True)
class Step:
    """One part of the first run: ``done`` says whether the store already holds its result for
    the current build, ``run`` makes it; ``command`` is what a user types to redo it alone."""

    name: str
    command: str
    done: Callable[[Settings], bool]
    run: Callable[[Settings], None]


@dataclass(frozen=True)
class StepResult:
    name: str
    command: str
    ran: bool
    seconds: float


def _stored_for_build(table: str, snapshot: bool = False) -> Callable[[Settings], bool]:
    """Whether ``table`` has rows of the store's current build (the latest write only, for a
    snapshot table)."""

    def done(settings: Settings) -> bool:
        from rootcauses.store import query
        from rootcauses.store.results import current_build, read_results

        with query.connect(settings) as con:
            frame = read_results(con, table)
            build = current_build(con)
        if frame.empty or "build_id" not in frame.columns:
            return False
        same = frame["build_id"] == build
        return bool(same.all() if snapshot else same.any())

    return done


def _drivers(settings: Settings) -> None:
    from rootcauses.analysis.runs import run_drivers

    run_drivers(settings)


def _forecast(settings: Settings) -> None:
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import run_forecast

    run_forecast(settings, fc.ForecastConfig(), workers=2)


def _whatif(settings: Settings) -> None:
    from rootcauses.sim import whatif
    from rootcauses.sim.ensemble import Executor

    payload = whatif.run_for_store(
        settings,
        "latest",
        members=WHATIF_MEMBERS,
        households=WHATIF_HOUSEHOLDS,
        executor=Executor("serial"),
    )
    whatif.store_for_pages(settings, payload)


STEPS: tuple[Step, ...] = (
    Step("driver models", "rootcauses drivers fit", _stored_for_build("driver_models"), _drivers),
    Step(
        "forecasts and their backtest",
        "rootcauses forecast run --output FILE.csv",
        _stored_for_build("forecasts"),
        _forecast,
    ),
    Step(
        "policy lab: counterfactual histories",
        f"rootcauses sim whatif --households {WHATIF_HOUSEHOLDS} --backend serial",
        lambda s: all(_stored_for_build(t, snapshot=True)(s) for t in WHATIF_TABLES),
        _whatif,
    ),
)


def prepare(
    settings: Settings,
    *,
    force: bool = False,
    steps: tuple[Step, ...] = STEPS,
    report: Report | None = None,
) -> list[StepResult]:
    """Run every step without a stored result for this build (all of them with ``force``)."""
    out = []
    for step in steps:
        if not force and step.done(settings):
            out.append(StepResult(step.name, step.command, False, 0.0))
            if report:
                report(step.name, "already stored for this build")
            continue
        if report:
            report(step.name, "running")
        began = time.perf_counter()
        step.run(settings)
        seconds = time.perf_counter() - began
        out.append(StepResult(step.name, step.command, True, seconds))
        if report:
            report(step.name, f"done in {seconds:.0f} s")
    return out
