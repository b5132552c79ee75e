"""Lighthouse scores of the dashboard's main pages: accessibility, best practices and
performance on Lighthouse's mobile profile (simulated slow 4G and a 4x slower CPU), against
Debian's chromium, plus what each page transfers.

Usage: ``python bench/lighthouse.py [--pages / /drivers …] [--runs 3]`` on a built store
(``ROOTCAUSES_HOME``); ``make bench`` (``bench/run.py``) runs :func:`bench_lighthouse` on the store
it has just built and prepared, with the tracker filled as ``make build`` fills it. Needs Node and
npm (``npx`` fetches the pinned Lighthouse once; see the README's bench section) and
``/usr/bin/chromium``; without them the section says it was skipped and why. The goal in issue
15: accessibility ≥ 95, best practices ≥ 95, performance ≥ 80 on every page. Lighthouse's
mobile profile multiplies the main-thread time it observes, so the scores fall when other work
loads the machine: the section states the load average before and after. With ``--runs`` above 1
each page's row is its run with the median performance score, beside the range of the runs.

What is measured is a page load without input, as Lighthouse makes it: the overview, Drivers and
Forecasts pages draw their charts as SVG sketches until the reader shows intent (common.js), so
plotly.js is neither fetched nor run in these runs; a reader's first touch, click, key or mouse
move then loads it and redraws the charts with it. ``/docs`` lists the operations as HTML and
loads Swagger UI only when asked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rootcauses.config import Settings
from rootcauses.web.serving import serve_in_thread

LIGHTHOUSE = "lighthouse@12.2.3"  # 13.x wants Node 22; Debian has Node 20
CHROMIUM = Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
PAGES = ["/", "/drivers", "/forecasts", "/commitments", "/policy-lab", "/sources", "/docs"]
CATEGORIES = ("accessibility", "best-practices", "performance")
GOALS = {"accessibility": 95, "best-practices": 95, "performance": 80}
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
}


def lighthouse(url: str, out: Path, attempts: int = 3) -> dict:
    """One Lighthouse run (mobile profile, the default) on ``url``; its JSON report. A run that
    fails (on a loaded machine Lighthouse sometimes loses the trace: NO_NAVSTART, "Please run
    Lighthouse again") is run again, up to ``attempts`` times."""
    command = [
        shutil.which("npx") or "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    for _ in range(attempts):
        out.unlink(missing_ok=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode == 0 and out.exists():
            return json.loads(out.read_text(encoding="utf-8"))
    raise RuntimeError(f"lighthouse failed on {url}: {done.stderr.strip()[-600:]}")


def summarise(report: dict) -> dict[str, float | str]:
    audits = report["audits"]
    row: dict[str, float | str] = {
        c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES
    }
    for audit, name in METRICS.items():
        row[name] = audits[audit]["displayValue"]
    row["bytes"] = audits["total-byte-weight"]["numericValue"]
    row["benchmark"] = report["environment"]["benchmarkIndex"]  # the host's speed during the run
    failed = [
        audit_id
        for category in ("accessibility", "best-practices")
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        and (audit_id := ref["id"]) in audits
        and audits[audit_id]["score"] is not None
        and audits[audit_id]["score"] < 1
    ]
    row["failed"] = ", ".join(failed)
    return row


def measure(
    pages: list[str], runs: int = 1, settings: Settings | None = None
) -> dict[str, dict[str, float | str]]:
    """Each page's row: its run with the median performance score, and the runs' range."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    results = {}
    with serve_in_thread(settings) as base, tempfile.TemporaryDirectory() as tmp:
        for path in pages:
            urllib_warm(base + path)
            rows = [
                summarise(lighthouse(base + path, Path(tmp) / f"run{i}.json")) for i in range(runs)
            ]
            rows.sort(key=lambda r: float(r["performance"]))
            row = dict(rows[(len(rows) - 1) // 2])
            row["range"] = f"{rows[0]['performance']:.0f}–{rows[-1]['performance']:.0f}"
            results[path] = row
    return results


def fill_tracker(settings: Settings) -> None:
    """The commitments from the snapshot in the tracker, as ``make build`` puts them there (the
    Commitments page is measured with its tables and charts, not as an empty tracker)."""
    cli = Path(sys.executable).with_name("rootcauses")
    env = {
        **os.environ,
        "ROOTCAUSES_HOME": str(settings.home),
        "ROOTCAUSES_DATA": str(settings.data),
    }
    for command in (
        ["tracker", "import", "--on-existing", "skip"],
        ["tracker", "export", "--to-store"],
    ):
        done = subprocess.run([str(cli), *command], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"rootcauses {' '.join(command)} failed: {done.stderr.strip()[-400:]}"
            )


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def urllib_warm(url: str) -> None:
    """One request first, so a page's first-ever render (compressing assets) is not timed."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()


def bench_lighthouse(
    settings: Settings | None = None, pages: list[str] | None = None, runs: int = 3
) -> list[str]:
    """Markdown lines for bench/RESULTS.md (or a line saying why it could not run). With
    ``settings`` (``make bench``'s fresh store) the tracker is filled first."""
    title = ["### Lighthouse (mobile profile)", ""]
    if shutil.which("npx") is None:
        return [*title, "(skipped: no `npx`; install Node.js and npm to run Lighthouse)", ""]
    if not CHROMIUM.exists():
        return [*title, f"(skipped: no chromium at {CHROMIUM}; `apt-get install chromium`)", ""]
    began, before = time.monotonic(), load_average()
    try:
        if settings is not None:
            fill_tracker(settings)
        results = measure(pages or PAGES, runs, settings)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return [*title, f"(failed: {exc})", ""]
    lines = [
        *title,
        f"`python bench/lighthouse.py --runs {runs}` — {LIGHTHOUSE} on Debian chromium, mobile "
        "profile (simulated slow 4G, 4x CPU slowdown); goal: accessibility ≥ 95, best practices "
        f"≥ 95, performance ≥ 80. Each row is the page's run with the median performance of "
        f"{runs} (their range beside it). Load average (1 min, {os.cpu_count()} cores) before: "
        f"{before}, after: {load_average()}; {time.monotonic() - began:.0f} s. Host index: "
        "Lighthouse's benchmark of this machine's speed during the row's run (higher is faster; "
        "it falls with the load, and the simulated phone's CPU time with it rises).",
        "",
        "| page | accessibility | best practices | performance (range) | FCP | LCP | TBT | CLS "
        "| transferred | host index | failed audits (a11y, best practices) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path, r in results.items():
        lines.append(
            f"| `{path}` | {r['accessibility']:.0f} | {r['best-practices']:.0f} "
            f"| {r['performance']:.0f} ({r['range']}) | {r['FCP']} | {r['LCP']} | {r['TBT']} "
            f"| {r['CLS']} | {float(r['bytes']) / 1024:,.0f} KiB | {float(r['benchmark']):.0f} "
            f"| {r['failed'] or '—'} |"
        )
    missed = [
        f"{path} {c} {r[c]:.0f}"
        for path, r in results.items()
        for c, goal in GOALS.items()
        if float(r[c]) < goal
    ]
    lines += ["", f"Below the goal: {'; '.join(missed)}." if missed else "Every goal met.", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", default=PAGES)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(bench_lighthouse(pages=args.pages, runs=args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
