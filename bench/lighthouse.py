"""Lighthouse scores of the dashboard's main pages: accessibility, best practices and
performance on Lighthouse's mobile profile (simulated slow 4G and a 4x slower CPU), against
Debian's chromium, plus what each page transfers.

Usage: ``python bench/lighthouse.py [--pages / /drivers …] [--runs 1]`` on a built store
(``ROOTCAUSES_HOME``); ``bench/run.py`` can include :func:`bench_lighthouse`'s lines. Needs Node
and npm (``npx`` fetches the pinned Lighthouse once; see the README's bench section) and
``/usr/bin/chromium``. The goal in issue 15: accessibility ≥ 95, best practices ≥ 95,
performance ≥ 80 on every page. With ``--runs`` above 1 the median score of the runs is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def served() -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, in a thread, for the length of the block."""
    import uvicorn

    from rootcauses.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 60 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile profile, the default) on ``url``; its JSON report."""
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
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr.strip()[-600:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def summarise(report: dict) -> dict[str, float | str]:
    audits = report["audits"]
    row: dict[str, float | str] = {
        c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES
    }
    for audit, name in METRICS.items():
        row[name] = audits[audit]["displayValue"]
    row["bytes"] = audits["total-byte-weight"]["numericValue"]
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


def measure(pages: list[str], runs: int = 1) -> dict[str, dict[str, float | str]]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    results = {}
    with served() as base, tempfile.TemporaryDirectory() as tmp:
        for path in pages:
            urllib_warm(base + path)
            rows = [
                summarise(lighthouse(base + path, Path(tmp) / f"run{i}.json")) for i in range(runs)
            ]
            row = dict(rows[-1])
            for c in CATEGORIES:
                row[c] = statistics.median(r[c] for r in rows)
            results[path] = row
    return results


def urllib_warm(url: str) -> None:
    """One request first, so a page's first-ever render (compressing assets) is not timed."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()


def bench_lighthouse(pages: list[str] | None = None, runs: int = 1) -> list[str]:
    """Markdown lines for bench/RESULTS.md (or a line saying why it could not run)."""
    title = ["### Lighthouse (mobile profile)", ""]
    if shutil.which("npx") is None:
        return [*title, "(skipped: no `npx`; install Node.js and npm)", ""]
    try:
        results = measure(pages or PAGES, runs)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return [*title, f"(failed: {exc})", ""]
    lines = [
        *title,
        f"`python bench/lighthouse.py` — {LIGHTHOUSE} on Debian chromium, mobile profile "
        "(simulated slow 4G, 4x CPU slowdown); goal: accessibility ≥ 95, best practices ≥ 95, "
        "performance ≥ 80.",
        "",
        "| page | accessibility | best practices | performance | FCP | LCP | TBT | CLS "
        "| transferred | failed audits (a11y, best practices) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path, r in results.items():
        lines.append(
            f"| `{path}` | {r['accessibility']:.0f} | {r['best-practices']:.0f} "
            f"| {r['performance']:.0f} | {r['FCP']} | {r['LCP']} | {r['TBT']} | {r['CLS']} "
            f"| {r['bytes'] / 1024:,.0f} KiB | {r['failed'] or '—'} |"
        )
    missed = [
        f"{path} {c} {r[c]:.0f}"
        for path, r in results.items()
        for c, goal in GOALS.items()
        if r[c] < goal
    ]
    lines += ["", f"Below the goal: {'; '.join(missed)}." if missed else "Every goal met.", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", default=PAGES)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print("\n".join(bench_lighthouse(args.pages, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
