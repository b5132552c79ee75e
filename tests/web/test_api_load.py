"""Simulation runs through the API while 50 readers hammer it: no run fails, no reader gets a 5xx.

The issue this guards against: runs posted to ``/api/sim/runs`` while the dashboard was read all
ended ``failed`` (the run's write and the readers' connections to one DuckDB file clashed), and
readers got 503 while results were written. Here a live ``rootcauses serve`` (its own process)
computes and stores small runs one after another while 50 threads, each with its own HTTP
connection, read indicators, encounters, the forecast leaderboard and the stored simulation
results as fast as they can. Queries vary (offsets, countries) so most reads miss the response
cache and open the store; the simulation answers are never cached. The test also checks that it
really was concurrent: many requests in flight at once, and reads answered while a run was being
computed and stored.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from rootcauses.config import Settings
from tests.web.live import LiveServer, SimWriter, prepare_home, serve

READERS = 50
RUNS = 3
RUN = {"scenario": "deterrence", "households": 3_000, "months": 12, "members": 2}
COUNTRIES = ("GTM", "HND", "SLV", "MEX")


@pytest.fixture(scope="module")
def live(served_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("load-home")
    token = prepare_home(home, served_store)
    with serve(home, served_store.data, token) as server:
        yield server


class Readers:
    """``READERS`` threads reading until stopped; counts answers by status and the most requests
    in flight at once."""

    def __init__(self, server: LiveServer, stored: list[str]) -> None:
        self.server, self.stored = server, stored
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.codes: Counter[int] = Counter()
        self.failures: list[str] = []
        self.in_flight = self.most_in_flight = 0
        self.threads = [
            threading.Thread(target=self._read, args=(i,), daemon=True) for i in range(READERS)
        ]

    def _paths(self, reader: int) -> Iterator[str]:
        for n in itertools.count(reader):
            country = COUNTRIES[n % len(COUNTRIES)]
            yield f"/api/indicators?limit={1 + n % 40}&offset={n % 7}"
            yield f"/api/indicators/homicide_rate?country={country}&offset={n % 11}"
            yield f"/api/encounters?citizenship={country}&offset={n % 13}"
            yield f"/api/forecasts/leaderboard?offset={n % 5}"
            yield f"/api/sim/results?limit={1 + n % 3}"
            if self.stored:
                yield f"/api/sim/results/{self.stored[n % len(self.stored)]}?limit=20"

    def _read(self, reader: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=120) as client:
            for path in self._paths(reader):
                if self.stop.is_set():
                    return
                with self.lock:
                    self.in_flight += 1
                    self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    code = client.get(path).status_code
                except httpx.HTTPError as exc:  # a dropped connection counts as a failure
                    code, note = 599, f"{path}: {type(exc).__name__}"
                else:
                    note = f"{path}: {code}"
                with self.lock:
                    self.in_flight -= 1
                    self.codes[code] += 1
                    if code >= 500:
                        self.failures.append(note)

    def total(self) -> int:
        with self.lock:
            return sum(self.codes.values())

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(180)


def test_runs_finish_and_readers_get_no_5xx_under_50_concurrent_readers(
    live: LiveServer,
) -> None:
    stored: list[str] = []
    with Readers(live, stored) as readers:
        time.sleep(2)  # the readers are under way before the first run starts
        writer = SimWriter(live, RUN, until=RUNS, poll_s=0.5).start()
        at_first_run = readers.total()
        while writer.thread.is_alive():
            time.sleep(0.5)
            stored[:] = [r["stored_run_id"] for r in writer.runs if r.get("stored_run_id")]
        runs = writer.finish()
        during_runs = readers.total() - at_first_run
        time.sleep(2)  # and go on reading the stored results for a moment
    print(  # shown with -s: how hard the API was read while the runs were stored
        f"{readers.total()} reads ({during_runs} during {RUNS} runs), answers {dict(readers.codes)}"
        f", at most {readers.most_in_flight} in flight"
    )
    assert [r["status"] for r in runs] == ["done"] * RUNS, [r["error"] for r in runs]
    assert all(r["stored_run_id"] for r in runs)
    assert not readers.failures, readers.failures[:20]
    assert readers.codes[200] > 0 and set(readers.codes) <= {200, 404}, readers.codes
    # it was concurrent: many requests at once, and reads answered while runs were computed
    assert readers.most_in_flight >= READERS // 2, readers.most_in_flight
    assert during_runs >= 2 * READERS, during_runs
    listed = httpx.get(f"{live.url}/api/sim/results", params={"limit": 50}, timeout=30).json()
    assert {r["stored_run_id"] for r in runs} <= {row["run_id"] for row in listed["data"]}
