"""Load test of the API's cached chart data: concurrent async clients against a real server.

The server is what a user runs: ``rootcauses serve --host 127.0.0.1 --port P`` (uvicorn, one
worker, uvloop and httptools when installed) on a copy of the store. The clients run in their
own fresh process(es) (``--client-processes``, default 1) on uvloop, so neither side shares a GIL
or an event loop with the other, and the client is not slowed by whatever the caller imported.
Each of ``clients`` readers has its own keep-alive connection and walks the dashboard's chart
URLs closed-loop (no think time) for ``seconds``; connections, TLS-free clients and requests
are built before the clock starts, and the cache is warmed by one pass first. Every answer is
checked (status 200, non-empty body); anything else, or a failed connection, is an error. The
figures are latency percentiles over all timed requests, requests per second, errors, and CPU
per request of the server and of the client(s), which share the machine's cores. For scale,
the same URLs are first timed one at a time on the fresh server: each one's first request (the
app computes it) and its second (from the cache).

Usage: ``python bench/load.py [--clients 50] [--seconds 20] [--client-processes 1]`` (store
from ``ROOTCAUSES_HOME``), or ``bench_load(settings)`` from bench/run.py, which returns
RESULTS.md lines.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from rootcauses.config import Settings
from rootcauses.web.serving import copy_home, serve_process

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
    """What the client processes measured over the timed window (warm-up excluded)."""

    clients: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    error_kinds: dict[str, int]
    urls: int
    client_cpu_seconds: float
    server_cpu_seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def cpu_ms_per_request(self) -> tuple[float, float]:
        """(server, client) CPU milliseconds per request."""
        n = max(self.requests, 1)
        return self.server_cpu_seconds / n * 1000, self.client_cpu_seconds / n * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve_copy(settings: Settings) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve a copy of the store (and its results) with ``rootcauses serve``
    (:mod:`rootcauses.web.serving`); yields its base URL and process."""
    if not settings.store_path.exists():
        raise SystemExit(f"no store at {settings.store_path}; run `rootcauses data build` first")
    with tempfile.TemporaryDirectory(prefix="rootcauses-load-") as home, ExitStack() as stack:
        copy_home(settings, Path(home))
        try:
            served = stack.enter_context(serve_process(Path(home), settings.data))
        except RuntimeError as exc:  # the server did not start: its output, no traceback
            raise SystemExit(str(exc)) from None
        yield served.url, served.process


# --- the client process -------------------------------------------------------------------


async def _reader(
    transport: httpx.AsyncHTTPTransport,
    requests: list[httpx.Request],
    offset: int,
    stop_at: float,
    latencies: list[float],
    errors: dict[str, int],
) -> None:
    """One reader, closed-loop: walk the chart URLs from its own starting point until
    ``stop_at`` (wall clock), each answer read in full, checked and timed."""
    i = offset
    while time.time() < stop_at:
        request = requests[i % len(requests)]
        i += 1
        start = time.perf_counter()
        try:
            response = await transport.handle_async_request(request)
            body = await response.aread()  # gunzipped, as a browser would
            await response.aclose()
        except httpx.HTTPError as exc:
            kind = type(exc).__name__
        else:
            if response.status_code == 200 and body:
                latencies.append((time.perf_counter() - start) * 1000)
                continue
            kind = "empty body" if response.status_code == 200 else str(response.status_code)
        errors[kind] = errors.get(kind, 0) + 1


async def _client_process(base: str, urls: list[str], clients: int, offset: int) -> dict:
    """Set up ``clients`` readers, say ``ready``, wait for the start time and duration on
    stdin, run, and return the measurements.

    The client is built to cost little CPU per request, since it shares the cores with the
    server: everything that is not a request happens before the clock starts (connections
    opened, requests built once: URL parsing was a third of httpx's cost), each reader has
    its own one-connection httpx transport (a browser tab's own connection; one pool shared
    by 50 connections costs several times more CPU in httpcore), without a TLS context (plain
    HTTP), and requests go through that transport directly, skipping the client layer's
    cookie jar, redirects and auth, which these URLs do not use (~20% of the client's CPU).
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncExitStack() as stack:
        transports = [
            await stack.enter_async_context(
                httpx.AsyncHTTPTransport(limits=limits, verify=False, trust_env=False)
            )
            for _ in range(clients)
        ]
        # The headers and timeout an httpx client sends (gzip accepted, keep-alive).
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            requests = [http.build_request("GET", url) for url in urls]
        for transport in transports:  # open each reader's connection
            response = await transport.handle_async_request(requests[0])
            await response.aread()
            await response.aclose()
        gc.collect()
        gc.freeze()  # setup objects need no more scanning by the collector
        print("ready", flush=True)
        start_at, seconds = map(float, sys.stdin.readline().split())
        await asyncio.sleep(max(0.0, start_at - time.time()))
        latencies: list[float] = []
        errors: dict[str, int] = {}
        cpu, began = time.process_time(), time.time()
        await asyncio.gather(
            *(
                _reader(transport, requests, offset + k, start_at + seconds, latencies, errors)
                for k, transport in enumerate(transports)
            )
        )
        elapsed, cpu = time.time() - began, time.process_time() - cpu
    return {
        "latencies_ms": [round(x, 3) for x in latencies],
        "errors": errors,
        "seconds": elapsed,
        "cpu_seconds": cpu,
    }


def client_main(base: str, urls: list[str], clients: int, offset: int) -> None:
    """Entry point of one client process (``load.py --client-of BASE``): JSON on stdout."""
    try:
        import uvloop
    except ImportError:  # plain asyncio still works, with more client CPU per request
        result = asyncio.run(_client_process(base, urls, clients, offset))
    else:
        result = uvloop.run(_client_process(base, urls, clients, offset))
    json.dump(result, sys.stdout)


# --- the driver -----------------------------------------------------------------------------


def _split(clients: int, processes: int) -> list[int]:
    """``clients`` readers over ``processes`` processes, as evenly as possible."""
    return [clients // processes + (k < clients % processes) for k in range(processes)]


def run_load(
    base: str, server_pid: int, clients: int, seconds: float, processes: int = 1
) -> LoadResult:
    """``clients`` readers in ``processes`` client processes for ``seconds`` against the
    server at ``base`` (process ``server_pid``), after warming its cache."""
    with httpx.Client(base_url=base, timeout=30) as http:
        # Warm the server's cache, as a reader's first visit does; a store without forecasts
        # answers 404 there, so only the URLs that answer are used.
        urls = [url for url in CHART_URLS if http.get(url).status_code == 200]
    if not urls:
        raise SystemExit(f"none of the chart URLs answered 200 at {base}")
    shares = [n for n in _split(clients, processes) if n]
    offsets = [sum(shares[:k]) for k in range(len(shares))]
    command = [sys.executable, __file__, "--client-of", base, *(f"--url={url}" for url in urls)]
    procs = [
        subprocess.Popen(
            [*command, "--clients", str(n), "--offset", str(offset)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, offset in zip(shares, offsets, strict=True)
    ]
    try:
        for proc in procs:
            if proc.stdout is None or proc.stdout.readline().strip() != "ready":
                raise SystemExit(f"a load-test client process failed to start ({proc.args})")
        start_at = time.time() + 0.2
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{start_at} {seconds}\n")
            proc.stdin.close()
        time.sleep(max(0.0, start_at - time.time()))
        server_cpu = cpu_seconds(server_pid)
        outputs = [proc.stdout.read() for proc in procs if proc.stdout is not None]
        for proc in procs:
            proc.wait()
        server_cpu = cpu_seconds(server_pid) - server_cpu
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if any(proc.returncode for proc in procs):
        raise SystemExit("a load-test client process failed (see its message above)")
    parts = [json.loads(out) for out in outputs]
    kinds: dict[str, int] = {}
    for part in parts:
        for kind, n in part["errors"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    return LoadResult(
        clients=clients,
        seconds=max(part["seconds"] for part in parts),
        latencies_ms=[x for part in parts for x in part["latencies_ms"]],
        errors=sum(kinds.values()),
        error_kinds=kinds,
        urls=len(urls),
        client_cpu_seconds=sum(part["cpu_seconds"] for part in parts),
        server_cpu_seconds=server_cpu,
    )


def computed_and_cached_ms(base: str) -> tuple[float, float]:
    """Median latency of one client over the chart URLs, computed vs from the cache: each URL's
    first request to a fresh server (the app computes it; a query parameter the URL does not
    use would not bypass the cache, whose keys hold only a route's known parameters) and then
    its second. Each answer's ``x-cache`` header is checked to be a miss, then a hit."""
    computed, cached = [], []
    with httpx.Client(base_url=base, timeout=30) as http:
        for url in CHART_URLS:
            timed = []
            for _ in range(2):
                start = time.perf_counter()
                answer = http.get(url)
                timed.append(((time.perf_counter() - start) * 1000, answer))
            (first_ms, first), (second_ms, second) = timed
            if first.status_code != 200:
                continue  # not in this store (forecasts not run)
            if first.headers.get("x-cache") == "hit" or second.headers.get("x-cache") != "hit":
                raise SystemExit(
                    f"{url}: expected a cache miss then a hit, got x-cache "
                    f"{first.headers.get('x-cache')!r} then {second.headers.get('x-cache')!r}"
                )
            computed.append(first_ms)
            cached.append(second_ms)
    if not computed:
        raise SystemExit(f"none of the chart URLs answered 200 at {base}")
    return statistics.median(computed), statistics.median(cached)


def _fast_server_parts() -> str:
    """What uvicorn's ``loop="auto", http="auto"`` (as ``rootcauses serve`` uses) picks here."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {parser}"


def bench_load(
    settings: Settings, clients: int = 50, seconds: float = 20.0, client_processes: int = 1
) -> list[str]:
    """The load test as RESULTS.md lines."""
    load_before = os.getloadavg()[0]
    with serve_copy(settings) as (base, server):
        one_computed, one_cached = computed_and_cached_ms(base)  # before anything is cached
        result = run_load(base, server.pid, clients, seconds, client_processes)
        load_after = os.getloadavg()[0]
    p50, p95, p99 = (result.percentile(q) for q in (0.50, 0.95, 0.99))
    server_ms, client_ms = result.cpu_ms_per_request()
    verdict = "met" if p95 < GOAL_P95_MS and result.errors == 0 else "NOT met"
    if clients < 50:
        verdict = f"not tested ({clients} clients)"
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(result.error_kinds.items())) or "none"
    return [
        "## Web: load test of cached chart data",
        "",
        f"`python bench/load.py` ({result.urls} chart-data URLs the Overview, Drivers and "
        f"Forecasts pages fetch; {clients} closed-loop httpx readers, one connection each, no "
        f"think time, in {client_processes} client process(es) on uvloop (httpx transports), "
        f"for {result.seconds:.0f} s after warm-up; server: `rootcauses serve` (uvicorn, 1 worker, "
        f"{_fast_server_parts()}) on 127.0.0.1. Caveat: client and server share the machine's "
        f"{os.cpu_count()} cores, so the client's CPU is taken from the server's).",
        "",
        "| clients | requests | requests/s | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
        f"| {clients} | {result.requests:,} | {result.requests / result.seconds:,.0f} | "
        f"{p50:.1f} ms | **{p95:.1f} ms** | {p99:.1f} ms | {result.errors} ({kinds}) |",
        "",
        f"Goal p95 < {GOAL_P95_MS:.0f} ms at 50 clients with no errors: **{verdict}**. "
        f"One client alone, before the load: median {one_cached:.1f} ms from the cache, "
        f"{one_computed:.1f} ms when the server computes the answer (each URL's first request; "
        f"{one_computed / one_cached:.0f}× slower). CPU per "
        f"request: server {server_ms:.2f} ms, load-test client {client_ms:.2f} ms. Load "
        f"average {load_before:.1f} before and {load_after:.1f} at the end of the run "
        f"({os.cpu_count()} cores; above {os.cpu_count()} means other work competed).",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--client-processes", type=int, default=1, help="processes the clients are split over"
    )
    # Internal: run as one client process of a load test (started by run_load).
    parser.add_argument("--client-of", metavar="BASE", help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--url", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_of:
        client_main(args.client_of, args.url, args.clients, args.offset)
        return
    if args.clients < 1 or args.seconds <= 0 or args.client_processes < 1:
        parser.error("--clients and --client-processes must be >= 1 and --seconds > 0")
    lines = bench_load(
        Settings(),
        clients=args.clients,
        seconds=args.seconds,
        client_processes=args.client_processes,
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
