"""Load test of the API's cached chart data: concurrent async clients against a real server.

A copy of the store is served by uvicorn (one worker, as ``rootcauses serve`` runs it) in a
separate process on 127.0.0.1 and a free port, so the client does not share the server's GIL.
After one warm-up pass, ``clients`` concurrent clients request the dashboard's chart URLs for
``seconds``; the figures are latency percentiles, requests per second and errors (any answer
other than 200, or a failed connection). For scale, the same URLs are also timed one at a time
with the cache bypassed (an ignored query parameter makes each URL new).

Usage: ``python bench/load.py [--clients 50] [--seconds 20]`` (store from ``ROOTCAUSES_HOME``),
or ``bench_load(settings)`` from bench/run.py, which returns RESULTS.md lines.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from rootcauses.config import Settings

HEADLINE = ("GTM", "HND", "SLV", "MEX", "OTHER")
FOUR = "country=GTM&country=HND&country=SLV&country=MEX"
# What the Overview, Drivers and Forecasts pages fetch when a reader switches basis, country,
# indicator or series (see the templates' getJSON calls).
CHART_URLS = (
    "/api/encounters?basis=cbp",
    "/api/encounters?basis=usbp",
    "/api/events?category=policy&category=disaster&country=XNT&country=GTM&country=HND&country=SLV",
    f"/api/indicators/population?{FOUR}&start=1990",
    *(
        f"/api/indicators/{name}?{FOUR}&start=2000&end=2024-12-31"
        for name in ("homicide_rate", "gdp_growth", "unemployment_rate")
    ),
    *(f"/api/encounters?basis=usbp&citizenship={c}" for c in HEADLINE),
    *(f"/api/forecasts?series={c}&model=best" for c in HEADLINE),
    "/api/forecasts/leaderboard",
)
GOAL_P95_MS = 100.0


@dataclass(frozen=True)
class LoadResult:
    clients: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    error_kinds: dict[str, int]
    urls: int

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve_copy(
    settings: Settings, startup_timeout: float = 60.0
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve a copy of the store in a uvicorn subprocess; yields its base URL and process."""
    if not settings.store_path.exists():
        raise SystemExit(f"no store at {settings.store_path}; run `rootcauses data build` first")
    with tempfile.TemporaryDirectory(prefix="rootcauses-load-") as home:
        shutil.copy(settings.store_path, Path(home) / "rootcauses.duckdb")
        port = _free_port()
        env = {**os.environ, "ROOTCAUSES_HOME": home, "ROOTCAUSES_DATA": str(settings.data)}
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "rootcauses.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-server-header",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(command, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"the server exited with {server.returncode}")
                try:
                    if httpx.get(f"{base}/api/sources?limit=1", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server did not answer within {startup_timeout:.0f} s")
                time.sleep(0.2)
            yield base, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _skip_missing_sniffio() -> None:
    """httpcore tries ``import sniffio`` on every request; when it is not installed each try
    searches sys.path again (~0.3 ms, most of the client's time). Mark it absent once."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]  # import fails at once


async def _client(
    base: str,
    urls: tuple[str, ...],
    offset: int,
    stop_at: float,
    latencies: list[float],
    errors: dict[str, int],
) -> None:
    """One reader with its own connection (as a browser tab has), walking the chart URLs from
    its own starting point until ``stop_at``. A client per reader also keeps httpcore's pool
    small: one pool shared by 50 connections costs more CPU than the server does."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        i = offset
        while time.perf_counter() < stop_at:
            url = urls[i % len(urls)]
            i += 1
            start = time.perf_counter()
            try:
                response = await http.get(url)
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            if response.status_code != 200:
                errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
                continue
            latencies.append((time.perf_counter() - start) * 1000)


async def run_load(base: str, clients: int, seconds: float) -> LoadResult:
    """``clients`` concurrent readers for ``seconds`` against the (warmed) server at ``base``."""
    _skip_missing_sniffio()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        # Warm the server's cache, as a reader's first visit does; a store without forecasts
        # answers 404 there, so only the URLs that answer are used.
        urls = tuple([url for url in CHART_URLS if (await http.get(url)).status_code == 200])
    if not urls:
        raise SystemExit(f"none of the chart URLs answered 200 at {base}")
    latencies: list[float] = []
    errors: dict[str, int] = {}
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(
        *(_client(base, urls, k, stop_at, latencies, errors) for k in range(clients))
    )
    elapsed = time.perf_counter() - start
    return LoadResult(clients, elapsed, latencies, sum(errors.values()), errors, len(urls))


def uncached_median_ms(base: str, rounds: int = 2) -> tuple[float, float]:
    """Median latency of one client, cached vs cache bypassed (every URL made new)."""
    cached, uncached = [], []
    with httpx.Client(base_url=base, timeout=30) as http:
        for r in range(rounds):
            for k, url in enumerate(CHART_URLS):
                start = time.perf_counter()
                if http.get(url).status_code != 200:
                    continue  # not in this store (forecasts not run)
                cached.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                sep = "&" if "?" in url else "?"
                http.get(f"{url}{sep}_bypass={time.time_ns()}{r}{k}").raise_for_status()
                uncached.append((time.perf_counter() - start) * 1000)
    return statistics.median(cached), statistics.median(uncached)


def bench_load(settings: Settings, clients: int = 50, seconds: float = 20.0) -> list[str]:
    """The load test as RESULTS.md lines."""
    with serve_copy(settings) as (base, server):
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        result = asyncio.run(run_load(base, clients, seconds))
        server_cpu = cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        one_cached, one_uncached = uncached_median_ms(base)
    p50, p95, p99 = (result.percentile(q) for q in (0.50, 0.95, 0.99))
    verdict = "met" if p95 < GOAL_P95_MS and result.errors == 0 else "NOT met"
    if clients < 50:
        verdict = f"not tested ({clients} clients)"
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(result.error_kinds.items())) or "none"
    return [
        "## Web: load test of cached chart data",
        "",
        f"`python bench/load.py` ({result.urls} chart-data URLs the Overview, Drivers and "
        f"Forecasts pages fetch, {clients} concurrent httpx clients for {result.seconds:.0f} s "
        "against `uvicorn` with 1 worker in its own process on 127.0.0.1; client and server "
        "share the machine).",
        "",
        "| clients | requests | requests/s | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
        f"| {clients} | {result.requests:,} | {result.requests / result.seconds:,.0f} | "
        f"{p50:.1f} ms | **{p95:.1f} ms** | {p99:.1f} ms | {result.errors} ({kinds}) |",
        "",
        f"Goal p95 < {GOAL_P95_MS:.0f} ms at 50 clients with no errors: **{verdict}**. "
        f"One client alone: median {one_cached:.1f} ms from the cache, {one_uncached:.1f} ms "
        f"when the cache is bypassed ({one_uncached / one_cached:.0f}× slower). CPU per "
        f"request: server {server_cpu / result.requests * 1000:.2f} ms, load-test client "
        f"{client_cpu / result.requests * 1000:.2f} ms (load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of the run).",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print("\n".join(bench_load(Settings(), clients=args.clients, seconds=args.seconds)))


if __name__ == "__main__":
    main()
