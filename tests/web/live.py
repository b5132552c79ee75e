"""A real server over HTTP for the API's contract and load tests: ``rootcauses serve`` in its own
process on 127.0.0.1 and a free port, on a home of its own (a copy of a built store and its
results, the tracker imported from the snapshot, an admin's API token), and a background writer
that keeps starting simulation runs through the API (stored, so the results store is written
while the tests read)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from rootcauses.config import Settings
from rootcauses.web.serving import copy_home, serve_process

FINAL = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class LiveServer:
    url: str
    token: str  # a tracker admin's API token
    home: Path
    log: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def prepare_home(home: Path, source: Settings) -> str:
    """A home with ``source``'s current build and results, the snapshot's tracker data and an
    admin user; returns the admin's API token."""
    from rootcauses.tracker import files, service
    from rootcauses.tracker.auth import local_actor
    from rootcauses.tracker.db import open_tracker
    from rootcauses.tracker.schemas import UserCreate

    settings = copy_home(source, home)
    tracker = open_tracker(settings)
    try:
        with tracker.session(write=True) as session:
            batch = files.read_batch([source.data / "strategy"])
            service.import_batch(session, batch, local_actor("tests"), on_existing="skip")
            _, token = service.create_user(
                session, UserCreate(name="contract-admin", role="admin"), local_actor("tests")
            )
    finally:
        tracker.dispose()
    return token


@contextmanager
def serve(
    home: Path, data: Path, token: str, env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """``rootcauses serve`` on ``home`` until the block ends
    (:func:`rootcauses.web.serving.serve_process`); its output goes to a log file."""
    with serve_process(home, data, env=env) as served:
        yield LiveServer(served.url, token, home, served.log)


@dataclass
class SimWriter:
    """Starts simulation runs through the API one after another (with the admin's token, so
    each is stored) until stopped; ``runs`` keeps every run's final state."""

    server: LiveServer
    body: dict
    runs: list[dict] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)  # 429s while the queue was full
    stop: threading.Event = field(default_factory=threading.Event)
    until: int | None = None  # stop by itself after this many runs
    poll_s: float = 0.2

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="sim-writer", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> SimWriter:
        self.thread.start()
        return self

    def finish(self, timeout: float = 300) -> list[dict]:
        """Let the current run end, stop, and return every run's final state."""
        self.stop.set()
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError(f"the simulation writer did not finish within {timeout} s")
        if self.error is not None:
            raise self.error
        return self.runs

    def _loop(self) -> None:
        try:
            with httpx.Client(base_url=self.server.url, headers=self.server.auth, timeout=60) as c:
                while not self.stop.is_set() and (
                    self.until is None or len(self.runs) < self.until
                ):
                    started = c.post("/api/sim/runs", json=self.body)
                    if started.status_code == 429:  # the fuzzer's own runs fill the queue
                        self.refused.append(429)
                        time.sleep(1)
                        continue
                    assert started.status_code == 202, started.text
                    self.runs.append(self._wait(c, started.json()["id"]))
        except BaseException as exc:  # reported by finish()
            self.error = exc

    def _wait(self, client: httpx.Client, run_id: str) -> dict:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = client.get(f"/api/sim/runs/{run_id}").json()
            if job["status"] in FINAL:
                return job
            time.sleep(self.poll_s)
        raise AssertionError(f"simulation run {run_id} did not finish within 300 s")
