"""Run the benchmarks and write bench/RESULTS.md (machine, command, figures, ratios).

Usage: ``make bench`` (or ``python bench/run.py``). Wall-clock figures are medians of repeated
runs; each benchmark also times a reference in the same process so the ratio is comparable across
machines.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from forecast_backtest import bench_forecast  # the forecasts against a random walk
from lighthouse import bench_lighthouse  # Lighthouse's mobile scores of the main pages
from load import bench_load  # bench/load.py: 50 concurrent clients on cached chart data
from rootcauses.config import Settings
from rootcauses.store import build_store, connect
from rootcauses.store import query as q
from sim import bench_sim  # bench/sim.py (this script's folder is on sys.path)
from sim_calibration import bench_calibration  # calibration figures of the policy lab
from sim_flee import bench_flee  # the journey stage against Flee (needs the bench extra)
from sim_mesa import bench_mesa  # the household decision against Mesa (needs the bench extra)

HERE = Path(__file__).resolve().parent


def _median_seconds(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}; {os.cpu_count()} cores; {mem:.0f} GiB RAM; Python {platform.python_version()}; "
        f"DuckDB {duckdb.__version__}; pandas {pd.__version__}; {platform.platform()}"
    )


def bench_install() -> list[str]:
    """Time `make install`'s step on a fresh environment: uv (the pinned version in .venv-tools)
    syncing uv.lock into a new virtualenv, with uv's download cache as this machine has it (a
    first install on a new machine also downloads the wheels)."""
    uv = HERE.parent / ".venv-tools" / "bin" / "uv"
    if not uv.exists():
        return ["### Install", "", "(no .venv-tools/bin/uv: run `make install` first)", ""]
    with tempfile.TemporaryDirectory() as env:
        began = time.perf_counter()
        done = subprocess.run(
            [str(uv), "sync", "--locked", "--extra", "dev", "--python", sys.executable],
            cwd=HERE.parent,
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": env},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        return ["### Install", "", f"`uv sync --locked` failed: {done.stderr.strip()[-300:]}", ""]
    return [
        "### Install",
        "",
        f"`uv sync --locked --extra dev` into a new environment (what `make install` runs, from "
        f"uv.lock): **{seconds:.1f} s** with uv's cache as this machine has it (a first install "
        "on a new machine downloads the wheels too).",
        "",
    ]


def bench_store(settings: Settings) -> list[str]:
    """Full build from the snapshot, and the monthly-by-nationality query vs raw pandas."""
    builds = []
    report = None
    for _ in range(3):
        report = build_store(settings)
        builds.append(report.seconds)
    assert report is not None
    build = statistics.median(builds)

    con = connect(settings)
    q.southwest_by_nationality(con)  # warm
    query_s = _median_seconds(lambda: q.southwest_by_nationality(con), 50)
    usbp_s = _median_seconds(lambda: q.southwest_by_nationality(con, basis="usbp"), 50)
    con.close()

    folder = settings.data / "outcomes/cbp_nationwide_encounters_state"
    files = sorted(folder.glob("*-state.csv"))

    def raw_pandas() -> pd.DataFrame:
        # The reference: what a user without the store does (read the newest release, filter,
        # fold citizenships, pivot).
        frame = pd.read_csv(files[-1])
        frame = frame[frame["Land Border Region"] == "Southwest Land Border"]
        cit = frame["Citizenship"].where(
            frame["Citizenship"].isin(["GUATEMALA", "HONDURAS", "EL SALVADOR", "MEXICO"]), "OTHER"
        )
        return frame.assign(c=cit).pivot_table(
            index=["Fiscal Year", "Month (abbv)"],
            columns="c",
            values="Encounter Count",
            aggfunc="sum",
        )

    raw_s = _median_seconds(raw_pandas, 5)
    rows = ", ".join(f"{t} {n:,}" for t, n in report.rows.items())
    return [
        "## Store: build and query",
        "",
        f"Full build from the snapshot ({len(report.sources)} sources; {rows}), median of 3: "
        f"**{build:.2f} s** (goal < 20 s; runs: {', '.join(f'{b:.2f}' for b in builds)}).",
        "",
        "| query | median | reference | ratio |",
        "|---|---|---|---|",
        f"| Southwest border, monthly × GT/HN/SV/MX/OTHER, all CBP (`southwest_by_nationality`) "
        f"| {query_s * 1000:.1f} ms | {raw_s * 1000:.0f} ms (pandas on the raw release CSV) "
        f"| {raw_s / query_s:.0f}× faster |",
        f"| same, Border Patrol FY2000+ (`basis='usbp'`) | {usbp_s * 1000:.1f} ms | — | — |",
        "",
        "Goal for the monthly-by-nationality query: < 50 ms (median of 50 runs on a warm "
        "connection).",
        "",
    ]


def bench_first_run(settings: Settings) -> list[str]:
    """``rootcauses prepare`` on the store :func:`bench_store` just built (no results yet): what
    ``make run`` adds to the build on a fresh clone so that no page is empty."""
    from rootcauses.jobs.first_run import prepare

    began = time.perf_counter()
    cpu = time.process_time()
    steps = prepare(settings)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    rows = [f"| {r.name} | `{r.command}` | {r.seconds:.1f} |" for r in steps]
    return [
        "### First run (`rootcauses prepare`, called by `make run` after the build)",
        "",
        "On the freshly built store, with no stored results: every step runs once.",
        "",
        "| step | alone | wall s |",
        "|---|---|---:|",
        *rows,
        f"| **total** | | **{wall:.1f}** (CPU of this process {cpu:.1f} s) |",
        "",
        "Budget stated in the README: the first `make run` after the install spends the store "
        "build plus this total before it serves; later runs skip the steps (stored per build).",
        "",
    ]


def main() -> None:
    data = Settings().data
    if not data.is_dir():
        sys.exit(f"no data snapshot at {data}; set ROOTCAUSES_DATA")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {dt.datetime.now().isoformat(timespec='seconds')}; commit {commit or '?'}",
        f"- Machine: {machine()}",
        "- Command: `make bench` (runs `python bench/run.py`)",
        "",
    ]
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), data=data)
        lines += bench_install()
        lines += bench_store(settings)
        lines += bench_first_run(settings)
        lines += bench_lighthouse(settings)  # on the prepared store; skipped without npx
        lines += bench_forecast(settings)
        lines += bench_sim(settings)
        lines += bench_calibration(settings)
        lines += bench_mesa(settings)
        lines += bench_flee(settings)
        lines += bench_load(settings)
    out = HERE / "RESULTS.md"
    out.write_text("\n".join(lines))
    print(out.read_text())


if __name__ == "__main__":
    main()
