"""The app over real HTTP on 127.0.0.1 and a free port, for tests, benchmarks and scripts, in
one of two ways:

* :func:`serve_process`: ``rootcauses serve`` in its own process, as a user runs it (its own
  interpreter and event loop), on a home — for the API's contract and load tests
  (``tests/web/live.py``) and the load benchmark (``bench/load.py``). It sees only the home and
  data it is given: the caller's ``ROOTCAUSES_*`` variables and ``DATABASE_URL`` are not passed
  on. :func:`copy_home` makes such a home from a built one (its current build and results).
* :func:`serve_in_thread`: uvicorn in a thread of this process on given settings — for the
  browser tests (``tests/web/conftest.py``) and the README's screenshots
  (``scripts/screenshots.py``).

Both wait until the server answers and stop it when the block ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from rootcauses.config import Settings
from rootcauses.store import import_build

HOST = "127.0.0.1"
READY = "/api/sources?limit=1"  # answers 200 once the app is up on a home with a store
START_S = 180.0  # an upper bound on the start-up (imports on a busy machine), not a target
STOP_S = 30.0  # how long a stopped server may take to exit before it is killed


@dataclass(frozen=True)
class Served:
    """A running server: its base URL, its process and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def serve_command(host: str, port: int) -> list[str]:
    """``rootcauses serve`` exactly as a user runs it: the console script beside this
    interpreter, or the same entry point through ``-c`` where the script is not installed."""
    script = Path(sys.executable).with_name("rootcauses")
    entry = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from rootcauses.cli import main; main()"]
    )
    return [*entry, "serve", "--host", host, "--port", str(port)]


def copy_home(source: Settings, home: Path) -> Settings:
    """Make ``home`` a home of its own with ``source``'s current build and its results store
    (forecasts, driver models, runs … as stored); returns its settings (``source``'s data)."""
    settings = Settings(home=home, data=source.data)
    import_build(settings, source.store_path)
    if source.results_dir.is_dir():
        shutil.copytree(source.results_dir, settings.results_dir, dirs_exist_ok=True)
    return settings


def _environment(home: Path, data: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ROOTCAUSES_") and k != "DATABASE_URL"
    }
    environment.update(ROOTCAUSES_HOME=str(home), ROOTCAUSES_DATA=str(data), **(extra or {}))
    return environment


@contextmanager
def serve_process(
    home: Path,
    data: Path,
    *,
    env: Mapping[str, str] | None = None,
    ready: str = READY,
    start_s: float = START_S,
) -> Iterator[Served]:
    """``rootcauses serve`` on ``home`` and ``data`` (plus ``env``'s variables) until the block
    ends; ready once ``ready`` answers 200. Its output goes to ``home/serve.log``. Raises
    :class:`RuntimeError` with that output when the server exits before it is ready, or when it
    does not answer within ``start_s`` seconds (it is stopped then)."""
    port = free_port()
    log = home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(HOST, port),
            env=_environment(home, data, env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(f"http://{HOST}:{port}", process, log)
    try:
        deadline = time.monotonic() + start_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"rootcauses serve exited ({process.returncode}) before it answered "
                    f"{ready}; its output ({log}):\n{log.read_text()}"
                )
            try:
                if httpx.get(f"{served.url}{ready}", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"rootcauses serve did not answer {ready} within {start_s:.0f} s; "
                    f"its output ({log}):\n{log.read_text()}"
                )
            time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve_in_thread(
    settings: Settings | None = None, *, log_level: str = "warning", start_s: float = 60.0
) -> Iterator[str]:
    """The app on ``settings`` (None: the environment's) served by uvicorn in a thread of this
    process until the block ends; yields its base URL. Raises :class:`RuntimeError` when
    uvicorn stops before it has started (it logs why) or has not started within ``start_s``
    seconds."""
    import uvicorn

    from rootcauses.web.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=HOST, port=port, log_level=log_level)
    )

    def run() -> None:
        with suppress(SystemExit):  # how uvicorn gives up on start-up (it logs why); seen below
            server.run()

    thread = threading.Thread(target=run, name="uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_s
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it started (its log above says why)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {start_s:.0f} s")
            time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_S)


__all__ = [
    "Served",
    "copy_home",
    "free_port",
    "serve_command",
    "serve_in_thread",
    "serve_process",
]
