"""``rootcauses sim``: run, compare, sensitivity, calibrate, history and validate. A thin layer
over :mod:`rootcauses.sim.runs`, :mod:`rootcauses.sim.sensitivity`, :mod:`rootcauses.sim.calibrate`
and :mod:`rootcauses.sim.history`.

Registered on the root app (:mod:`rootcauses.cli`) as the ``sim`` group. Errors print as one
paragraph without a traceback and exit 1, as everywhere in the CLI.
"""

from __future__ import annotations

import datetime as dt
import statistics
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from rootcauses.cli.support import err, handle_errors
from rootcauses.config import Settings, get_settings
from rootcauses.errors import PeriodError
from rootcauses.periods import parse_month
from rootcauses.sim.ensemble import Executor, check_reachable
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import SCENARIO_NAMES, load_parameter_specs, save_path

app = typer.Typer(
    help="Policy lab: agent-based simulation of migration decisions and journeys.",
    no_args_is_help=True,
)
console = err  # progress and messages go to standard error


def _progress(label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _start(value: str) -> dt.date:
    """``--start YYYY-MM`` → its first day (:func:`.periods.parse_month`); a SimError if bad."""
    try:
        return parse_month(value, "--start")
    except PeriodError as exc:
        raise SimError(str(exc)) from None


def _network(locations: Path | None, routes: Path | None) -> tuple[Path, Path] | None:
    if (locations is None) != (routes is None):
        raise SimError("--locations and --routes go together (both CSV files, or neither)")
    return (locations, routes) if locations and routes else None


def _executor(backend: Backend, address: str | None, workers: int) -> Executor:
    """Checked before any data is loaded, so a bad --address fails in seconds."""
    executor = Executor(backend.value, address, workers)
    executor.check()
    if address:
        check_reachable(address)
    return executor


ScenarioArg = Annotated[
    str,
    typer.Argument(help=f"A packaged scenario ({', '.join(SCENARIO_NAMES)}) or a .yaml file."),
]
HouseholdsOption = Annotated[int, typer.Option(help="Sampled households (weighted to real ones).")]
MonthsOption = Annotated[int, typer.Option(help="Months to simulate.")]
SeedOption = Annotated[int, typer.Option(help="Seed of the run (ensembles use seed, seed+1 …).")]
WorkersOption = Annotated[int, typer.Option(help="Processes for the household shards.")]
StartOption = Annotated[str, typer.Option(help="First month, YYYY-MM.")]
LocationsOption = Annotated[
    Path | None, typer.Option(help="locations.csv to use instead of the store's network.")
]
RoutesOption = Annotated[
    Path | None, typer.Option(help="routes.csv to use instead of the store's network.")
]


class Backend(StrEnum):
    auto = "auto"
    ray = "ray"
    serial = "serial"


BackendOption = Annotated[
    Backend,
    typer.Option(
        help="Where members run: ray (local Ray with --workers CPUs, or --address), serial, or "
        "auto (Ray when --address is given or --workers > 1)."
    ),
]
AddressOption = Annotated[
    str | None,
    typer.Option(help="An existing Ray cluster: host:port, ray://host:port or auto."),
]


@app.command("run")
@handle_errors
def run(
    scenario: ScenarioArg,
    output: Annotated[Path, typer.Option(help="JSON file to write.")],
    households: HouseholdsOption = 100_000,
    months: MonthsOption = 60,
    seed: SeedOption = 0,
    workers: WorkersOption = 1,
    start: StartOption = "2019-01",
    locations: LocationsOption = None,
    routes: RoutesOption = None,
    backend: Annotated[
        Backend,
        typer.Option(
            help="serial (shards in --workers processes) or ray (the run as one Ray task; "
            "auto = ray only with --address)."
        ),
    ] = Backend.auto,
    address: AddressOption = None,
) -> None:
    """Simulate SCENARIO and write encounters by month and citizenship to OUTPUT (JSON); also
    stores the run in the store's sim_runs / scenario_results tables."""
    from rootcauses.sim import runs  # numba loads only when a simulation runs

    settings = get_settings()
    chosen = runs.resolve(scenario)
    request = runs.RunRequest(households, months, seed, workers, _start(start))
    request.check()
    _executor(backend, address, workers)
    inputs = runs.store_inputs(settings, request.start, months, _network(locations, routes))
    with _progress(f"sim {chosen.name}") as bar:
        task = bar.add_task("run", total=None)
        payload, counts = runs.run_scenario(
            chosen,
            inputs,
            request,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            backend=backend.value,
            address=address,
        )
    runs.write_json(payload, output)
    run_id = runs.store_run(settings, payload, runs.run_rows(payload, counts))
    total = sum(payload["totals"]["encounters"].values())
    typer.echo(
        f"wrote {output}: {chosen.name}, {total:,.0f} encounters over {months} months; "
        f"{payload['household_months_per_second']:,.0f} household-months/s"
        + (f"; stored as run {run_id}" if run_id else "")
    )


@app.command("compare")
@handle_errors
def compare(
    baseline: ScenarioArg,
    scenario: ScenarioArg,
    output: Annotated[Path, typer.Option(help="JSON file to write.")],
    households: HouseholdsOption = 50_000,
    months: MonthsOption = 60,
    seed: SeedOption = 0,
    members: Annotated[int, typer.Option(help="Ensemble members (seeds × parameter draws).")] = 8,
    workers: WorkersOption = 1,
    start: StartOption = "2019-01",
    locations: LocationsOption = None,
    routes: RoutesOption = None,
    backend: BackendOption = Backend.auto,
    address: AddressOption = None,
) -> None:
    """Encounters under SCENARIO minus under BASELINE, with 5-95% ensemble bands, to OUTPUT."""
    from rootcauses.sim import runs

    settings = get_settings()
    a, b = runs.resolve(baseline), runs.resolve(scenario)
    request = runs.RunRequest(households, months, seed, workers, _start(start))
    request.check()
    _executor(backend, address, workers)
    inputs = runs.store_inputs(settings, request.start, months, _network(locations, routes))
    with _progress(f"{b.name} vs {a.name}") as bar:
        task = bar.add_task("compare", total=2 * members)
        payload = runs.compare_scenarios(
            a,
            b,
            inputs,
            request,
            members=members,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            backend=backend.value,
            address=address,
        )
    runs.write_json(payload, output)
    run_id = runs.store_run(settings, payload, runs.compare_rows(payload))
    band = payload["totals"]["ALL"]["difference"]
    typer.echo(
        f"wrote {output}: {b.name} - {a.name} = {band['mean']:+,.0f} encounters "
        f"(5-95%: {band['lo']:+,.0f} to {band['hi']:+,.0f})"
        + (f"; stored as run {run_id}" if run_id else "")
    )


@app.command("sensitivity")
@handle_errors
def sensitivity(
    output: Annotated[Path, typer.Option(help="JSON file to write.")],
    scenario: Annotated[
        str,
        typer.Argument(
            help=f"A packaged scenario ({', '.join(SCENARIO_NAMES)}) or a .yaml file; other "
            "than status_quo, its difference from status_quo is analysed too."
        ),
    ] = "status_quo",
    parameters: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated parameters to vary (default: every parameter with an "
            "uncertainty interval in parameters.yaml)."
        ),
    ] = None,
    samples: Annotated[
        int, typer.Option(help="Sobol base samples N (a power of 2): N x (parameters + 2) runs.")
    ] = 64,
    households: HouseholdsOption = 20_000,
    months: MonthsOption = 36,
    seed: Annotated[
        int,
        typer.Option(
            help="Seed of every evaluation (the same for all: the indices measure the "
            "parameters, not household sampling noise) and of the Sobol sample."
        ),
    ] = 0,
    workers: Annotated[int, typer.Option(help="Ray CPUs (or shard processes when serial).")] = 1,
    start: StartOption = "2019-01",
    backend: BackendOption = Backend.auto,
    address: AddressOption = None,
    locations: LocationsOption = None,
    routes: RoutesOption = None,
    calibration: Annotated[
        str | None,
        typer.Option(
            help="Analyse a calibrated model (validation or latest) instead: its free "
            "parameters over their plausible region, on the recorded history from its "
            "training start, encounters and departures of FY2020-FY2024 (--months and "
            "--start do not apply; no scenario)."
        ),
    ] = None,
) -> None:
    """Sobol sensitivity (S1, ST with confidence intervals) of encounters and departures over
    the run to the uncertain parameters, written to OUTPUT and stored as kind 'sobol'."""
    from rootcauses.sim import runs
    from rootcauses.sim import sensitivity as sens

    settings = get_settings()
    if calibration is not None:
        if scenario != "status_quo":
            raise SimError("--calibration analyses the recorded history: give no scenario")
        payload = _calibrated_sobol(
            settings, calibration, parameters, samples, households, seed, workers, backend, address
        )
    else:
        payload = _scenario_sobol(
            settings, scenario, parameters, samples, households, months, seed, workers, start,
            backend, address, locations, routes,
        )  # fmt: skip
    runs.write_json(payload, output)
    run_id = runs.store_run(settings, payload, sens.sensitivity_rows(payload))
    overall = [
        r for r in payload["indices"] if r["output"] == "encounters" and r["citizenship"] == "ALL"
    ]
    overall.sort(key=lambda r: -1.0 if r["ST"] is None else -r["ST"])
    typer.echo(
        f"wrote {output}: {payload['evaluations']} evaluations ({payload['simulations']} "
        f"simulations) in {payload['wall_seconds']:.1f} s"
        + (f"; stored as run {run_id}" if run_id else "")
    )
    typer.echo("encounters (ALL):                S1      ST")
    for r in overall:
        s1, st = (float("nan") if v is None else v for v in (r["S1"], r["ST"]))
        typer.echo(f"  {r['parameter']:<28} {s1:6.3f}  {st:6.3f}")


def _names(parameters: str | None) -> list[str] | None:
    """``--parameters a,b`` → ["a", "b"] (None when not given)."""
    return [p.strip() for p in parameters.split(",") if p.strip()] if parameters else None


def _calibrated_sobol(
    settings: Settings,
    calibration: str,
    parameters: str | None,
    samples: int,
    households: int,
    seed: int,
    workers: int,
    backend: Backend,
    address: str | None,
) -> dict[str, Any]:
    """``sim sensitivity --calibration``: the calibrated model on the recorded history."""
    from rootcauses.sim import history
    from rootcauses.sim import sensitivity as sens

    chosen = history.check_calibration(calibration)
    problem, _ = sens.calibrated_problem(chosen.provenance, _names(parameters))
    sens.check_samples(samples)
    executor = _executor(backend, address, workers)
    recorded = history.history_at_training_start(settings, chosen)
    with _progress(f"sobol {calibration}") as bar:
        task = bar.add_task("sobol", total=samples * (len(problem.names) + 2))
        return sens.calibrated_sensitivity(
            recorded.inputs,
            chosen,
            load_parameter_specs(calibration=calibration),
            households=households,
            seed=seed,
            parameters=problem.names,
            samples=samples,
            executor=executor,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        ) | {"build_id": recorded.build_id}


def _scenario_sobol(
    settings: Settings,
    scenario: str,
    parameters: str | None,
    samples: int,
    households: int,
    months: int,
    seed: int,
    workers: int,
    start: str,
    backend: Backend,
    address: str | None,
    locations: Path | None,
    routes: Path | None,
) -> dict[str, Any]:
    """``sim sensitivity SCENARIO``: the uncertain parameters of a scenario's run."""
    from rootcauses.sim import runs
    from rootcauses.sim import sensitivity as sens

    chosen = runs.resolve(scenario)
    baseline = runs.resolve("status_quo") if chosen.name != "status_quo" else None
    problem = sens.problem_for(load_parameter_specs(), _names(parameters))
    sens.check_samples(samples)
    executor = _executor(backend, address, workers)
    request = runs.RunRequest(households, months, seed, workers, _start(start))
    request.check()
    inputs = runs.store_inputs(settings, request.start, months, _network(locations, routes))
    runs_per_eval = 2 if baseline else 1
    with _progress(f"sobol {chosen.name}") as bar:
        task = bar.add_task("sobol", total=samples * (len(problem.names) + 2) * runs_per_eval)
        payload = sens.sensitivity(
            chosen,
            inputs,
            households=households,
            months=months,
            seed=seed,
            parameters=problem.names,
            samples=samples,
            baseline=baseline,
            executor=executor,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    return payload


@app.command("calibrate")
@handle_errors
def calibrate(
    households: HouseholdsOption = 300_000,
    train: Annotated[
        str,
        typer.Option(
            help="Training window, fiscal years (e.g. 2013..2019); up to the last observed year "
            "fits on everything (no validation)."
        ),
    ] = "2013..2019",
    validate: Annotated[
        str | None,
        typer.Option(help="Validation window (default: every observed FY after training)."),
    ] = None,
    seed: SeedOption = 0,
    free: Annotated[
        str | None,
        typer.Option(help="Comma-separated parameters to fit (default: see `sim.calibrate`)."),
    ] = None,
    evaluations: Annotated[
        int, typer.Option(help="Most simulations the optimiser may run.")
    ] = 2_400,
    method: Annotated[
        str,
        typer.Option(
            help="evolution (differential evolution, the default), nelder-mead (refine the start) "
            "or region (no search: the plausible region and its points around the start)."
        ),
    ] = "evolution",
    workers: Annotated[
        int, typer.Option(help="Ray workers evaluating each generation (local Ray).")
    ] = 2,
    backend: BackendOption = Backend.auto,
    address: AddressOption = None,
    output: Annotated[Path | None, typer.Option(help="JSON report to write.")] = None,
    start_from: Annotated[
        str | None,
        typer.Option(
            help="Start from the fitted point of this saved calibration (latest, validation or "
            "a saved name; same training start), e.g. to refine it with --method nelder-mead."
        ),
    ] = None,
    loss_seeds: Annotated[
        int,
        typer.Option(
            help="Runs averaged per evaluation (seeds SEED, SEED+1, ...): the loss moves by "
            "its seed noise for any change of a parameter, and averaging divides that noise's "
            "variance by about as much, at as many times the cost."
        ),
    ] = 1,
    save: Annotated[
        str | None,
        typer.Option(
            help="Save the calibrated overrides: a name (latest, validation) writes "
            "$ROOTCAUSES_HOME/calibrations/NAME.yaml, which then takes precedence over the "
            "packaged one; a .yaml path writes that file only (never into the package)."
        ),
    ] = None,
) -> None:
    """Fit the base departure rate and the trend betas to monthly USBP southwest encounters by
    citizenship on the training window; print the validation-window metrics (Flee's averaged
    relative difference and MASE) next to the seasonal naive baselines."""
    from rootcauses.sim import calibrate as cal
    from rootcauses.sim import runs

    settings = get_settings()
    if households < 1:
        raise SimError(f"--households must be at least 1, got {households}")
    if loss_seeds < 1:
        raise SimError(f"--loss-seeds must be at least 1, got {loss_seeds}")
    train_window = cal.parse_window(train, "--train")
    validate_window = cal.parse_window(validate, "--validate") if validate else None
    saved = save_path(save) if save is not None else None  # checked before the long fit
    executor = _executor(backend, address, workers)
    free_names = (
        tuple(k.strip() for k in free.split(",") if k.strip()) if free else cal.DEFAULT_FREE
    )
    with _progress("calibrating") as bar:
        bar.add_task("calibrate", total=None)
        report = cal.calibrate_store(
            settings,
            train=train_window,
            validate=validate_window,
            households=households,
            seed=seed,
            max_evaluations=evaluations,
            anchor_month=runs.DEFAULT_START,
            method=method,
            executor=executor,
            free=free_names,
            start_from=start_from,
            loss_seeds=loss_seeds,
        )
    if output is not None:
        runs.write_json(report, output)
    if saved is not None:
        document = dict(report["calibrated"])
        command = (
            f"rootcauses sim calibrate --train {train} --households {households} --seed {seed} "
            f"--evaluations {evaluations} --method {method}"
            # serial and Ray evolutions update their populations differently (same seed,
            # different fits), so the command says which ran
            + (f" --workers {workers}" if executor.uses_ray() else " --backend serial")
            + (f" --validate {validate}" if validate else "")
            + (f" --free {free}" if free else "")
            + (f" --start-from {start_from}" if start_from else "")
            + (f" --loss-seeds {loss_seeds}" if loss_seeds != 1 else "")
            + f" --save {save}"
        )
        document["provenance"] = {
            "command": command,
            "date": dt.date.today().isoformat(),
            **document.get("provenance", {}),
        }
        cal.write_calibrated(saved, document)
    fitted = ", ".join(f"{k}={v:.4g}" for k, v in report["fitted"].items())
    typer.echo(
        f"calibrated on {report['train']} (build {report['build_id']}, seed {seed}, "
        f"{households:,} households, {report['evaluations']} simulations): {fitted}"
    )
    training = report["metrics"].get("training")
    if training is not None and "loss" in report:
        typer.echo(
            f"training loss {report['loss']:.4f}; training flee_ard {training['flee_ard']:.3f}"
        )
        others = report.get("loss_other_seeds") or []
        if len(others) >= 2:
            typer.echo(
                f"the same point under {len(others)} other seeds: training loss "
                f"{statistics.mean(others):.4f} (sd {statistics.stdev(others):.4f}); a fit's own "
                "loss is the lowest of the noisy draws it searched, so expect the mean"
            )
    if report.get("not_identified"):
        typer.echo(
            "not informed by the training window (kept at documented values): "
            + ", ".join(report["not_identified"])
        )
    for key, region in report.get("plausible_region", {}).items():
        pinned = "pinned" if region["pinned"] else "not pinned"
        typer.echo(f"  {key:<28} {region['low']:10.4g} .. {region['high']:<10.4g} {pinned}")
    if report.get("plausible_points"):
        typer.echo(
            f"{len(report['plausible_points'])} plausible points (training loss at most "
            f"{report['plausible_threshold']:.4f}), saved with the calibration"
        )
    if "validation" in report["metrics"]:
        typer.echo(f"validation {report['validate']}:      flee_ard   mase")
        for name, scores in report["metrics"]["validation"].items():
            typer.echo(f"  {name:<22} {scores['flee_ard']:8.3f} {scores['mase']:6.3f}")
    if output is not None:
        typer.echo(f"wrote {output}")
    if saved is not None:
        typer.echo(f"wrote {saved}")


@app.command("history")
@handle_errors
def history(
    output: Annotated[Path, typer.Option(help="JSON file to write.")],
    from_: Annotated[
        str, typer.Option("--from", help="First month, YYYY-MM (default 2012-10, FY2013).")
    ] = "2012-10",
    to: Annotated[
        str | None,
        typer.Option(help="Last month, YYYY-MM (default: the last month of the encounters)."),
    ] = None,
    calibration: Annotated[str, typer.Option(help="Calibration: validation or latest.")] = "latest",
    households: HouseholdsOption = 100_000,
    seed: SeedOption = 0,
) -> None:
    """Run the calibrated model on the recorded drivers and policy events and write encounters by
    month and citizenship (real-world USBP southwest-border encounters) with the observed ones to
    OUTPUT. Past the data, drivers are held at their last value and later policy events apply."""
    from rootcauses.sim import history as hist
    from rootcauses.sim import runs

    settings = get_settings()
    start = hist.parse_month(from_, "--from")
    end = hist.parse_month(to, "--to") if to is not None else None
    hist.check_calibration(calibration)
    runs.RunRequest(households=households).check()
    loaded = hist.load_history(settings, start, end)
    with _progress(f"history ({calibration})") as bar:
        task = bar.add_task("history", total=None)
        payload, counts = hist.run_history(
            loaded,
            calibration,
            households=households,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    runs.write_json(payload, output)
    run_id = runs.store_run(settings, payload, runs.run_rows(payload, counts))
    total = sum(payload["totals"]["encounters"].values())
    status = payload["calibration"]["provenance"].get("status")
    typer.echo(
        f"wrote {output}: history {payload['start'][:7]}..{payload['end'][:7]} (data to "
        f"{payload['data_end'][:7]}), calibration {calibration}"
        + (f" ({status})" if status else "")
        + f", {total:,.0f} encounters"
        + (f"; stored as run {run_id}" if run_id else "")
    )


@app.command("validate")
@handle_errors
def validate(
    split: Annotated[
        str,
        typer.Option(help="validation (FY2013-19 -> FY2020-24) or second (FY2009-16 -> 17-19)."),
    ] = "validation",
    households: HouseholdsOption = 100_000,
    seed: SeedOption = 0,
    output: Annotated[Path | None, typer.Option(help="JSON scorecard to write.")] = None,
) -> None:
    """Run the split's calibration freely over its training and validation windows (never
    refitted) and print the scorecard against the flat, random-walk and seasonal naive baselines:
    ARD, MASE, fiscal-year totals, regime directions and the acceptance checks."""
    from rootcauses.sim import history as hist
    from rootcauses.sim import runs, validation

    settings = get_settings()
    validation.get_split(split)
    runs.RunRequest(households=households).check()
    with _progress(f"validate {split}") as bar:
        task = bar.add_task("validate", total=None)
        report = hist.validate(
            settings,
            split,
            households=households,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for line in hist.scorecard_lines(report):
        typer.echo(line)
    if output is not None:
        runs.write_json(report, output)
        typer.echo(f"wrote {output}")


@app.command("whatif")
@handle_errors
def whatif(
    calibration: Annotated[str, typer.Option(help="Calibration: validation or latest.")] = "latest",
    members: Annotated[
        int, typer.Option(help="Members: seeds x plausible points of the calibration.")
    ] = 8,
    households: HouseholdsOption = 100_000,
    seed: SeedOption = 0,
    workers: Annotated[int, typer.Option(help="Ray workers (local Ray when > 1).")] = 2,
    backend: BackendOption = Backend.auto,
    address: AddressOption = None,
    output: Annotated[Path | None, typer.Option(help="JSON file to write.")] = None,
) -> None:
    """Counterfactual histories of FY2020-FY2024 (no Title 42, no June 2024 asylum rule, homicide
    at its 2015 level, no Eta and Iota): each minus the recorded history, with 5-95% bands over
    seeds and the calibration's plausible points, labelled by whether the band
    excludes zero, with the validation verdict; stored for the Policy lab page and the brief."""
    from rootcauses.sim import history as hist
    from rootcauses.sim import runs
    from rootcauses.sim import whatif as wi

    settings = get_settings()
    hist.check_calibration(calibration)
    runs.RunRequest(households=households).check()
    executor = _executor(backend, address, workers)
    with _progress(f"what if ({calibration})") as bar:
        task = bar.add_task("whatif", total=None)
        payload = wi.run_for_store(
            settings,
            calibration,
            members=members,
            households=households,
            seed=seed,
            executor=executor,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    wi.store_for_pages(settings, payload)
    if output is not None:
        runs.write_json(payload, output)
    typer.echo(payload["validation"]["statement"])
    for cf in payload["counterfactuals"]:
        total = cf["totals"]["ALL"]
        band = total["difference"]
        people = total["departures"]
        typer.echo(
            f"{cf['id']:<22} {band['median']:>+12,.0f}  [{band['lo']:+,.0f} .. {band['hi']:+,.0f}]"
            f"  {total['label']}; departures {people['median']:+,.0f} "
            f"[{people['lo']:+,.0f} .. {people['hi']:+,.0f}]"
        )
    for item in payload["not_computed"]:
        typer.echo(f"{item['id']:<22} {item['reason']}")
