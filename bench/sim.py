"""Policy-lab simulation benchmarks: household-months per second (1 and 2 worker processes) and
peak memory, up to the whole Northern Triangle population (~8 million households) for 10 years.

CPU seconds (user + system, the run's process and its workers) are reported next to the wall time:
on a shared machine the wall time counts other people's work too.

Each measurement runs in a fresh child process (``python bench/sim.py --child …``) so its peak
resident memory (``ru_maxrss`` of the child and of its worker processes) is its own. Inputs are
the store's (the real route network and drivers; ``$ROOTCAUSES_HOME`` must hold a built store),
120 months from October 2014, the documented default parameters (status quo).

Usage::

    python bench/sim.py                       # the default set of measurements, as table rows
    python bench/sim.py --households 8000000 --months 120 --workers 2   # one measurement

``bench_sim(settings)`` returns the RESULTS.md lines (for bench/run.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

START = dt.date(2014, 10, 1)
FULL_POPULATION = 8_000_000
DEFAULT_CASES = (
    (1_000_000, 120, 1),
    (1_000_000, 120, 2),
    (FULL_POPULATION, 120, 2),
)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child(households: int, months: int, workers: int) -> dict[str, Any]:
    """One measured run in this process (called in the child)."""
    from rootcauses.config import get_settings
    from rootcauses.sim import engine, runs
    from rootcauses.sim.scenarios import default_values, load_parameter_specs, neutral_levers

    specs = load_parameter_specs(calibrated=False)
    values = default_values(specs)
    inputs = runs.store_inputs(get_settings(), START, months)
    # load (or compile) the kernels outside the timing
    engine.run(inputs.head(2), values, neutral_levers(values, specs), households=1000, seed=0)
    cpu_before = _cpu_seconds()
    began = time.perf_counter()
    counts = engine.run(
        inputs,
        values,
        neutral_levers(values, specs),
        households=households,
        seed=0,
        workers=workers,
    )
    wall = time.perf_counter() - began
    cpu = _cpu_seconds() - cpu_before
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "households": households,
        "months": months,
        "workers": workers,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "household_months_per_second": households * months / wall,
        "peak_rss_mib_main": kib / 1024,
        "peak_rss_mib_worker": children / 1024,
        "bytes_per_household_state": counts.bytes_per_household,
    }


def measure(households: int, months: int, workers: int, home: Path | None = None) -> dict[str, Any]:
    """One measurement in a fresh child process (reading the store under ``home``, default
    ``$ROOTCAUSES_HOME``)."""
    env = os.environ.copy()
    if home is not None:
        env["ROOTCAUSES_HOME"] = str(home)
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--households",
            str(households),
            "--months",
            str(months),
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(result: dict[str, Any]) -> str:
    return (
        f"| {result['households']:,} | {result['months']} | {result['workers']} "
        f"| {result['wall_seconds']:.1f} | {result['cpu_seconds']:.1f} "
        f"| {result['household_months_per_second'] / 1e6:.1f} M "
        f"| {max(result['peak_rss_mib_main'], result['peak_rss_mib_worker']):,.0f} MiB "
        f"| {result['bytes_per_household_state']:.0f} |"
    )


def bench_sim(settings: Any = None, cases=DEFAULT_CASES) -> list[str]:
    """RESULTS.md lines: one row per (households, months, workers), on the store of
    ``settings`` (default ``$ROOTCAUSES_HOME``)."""
    home = getattr(settings, "home", None)
    lines = [
        "### Policy-lab simulation (status quo, store inputs, 120 months from 2014-10)",
        "",
        "| households | months | workers | wall s | CPU s | household-months/s | peak RSS "
        "| state bytes/household |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [row(measure(*case, home=home)) for case in cases]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--households", type=int)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.households, args.months, args.workers)))
    elif args.households:
        print(row(measure(args.households, args.months, args.workers)))
    else:
        print("\n".join(bench_sim()))


if __name__ == "__main__":
    main()
