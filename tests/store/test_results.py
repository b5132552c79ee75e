"""The results store: concurrent writers and readers (threads and processes) never fail and never
lose a result; a rebuild of the data store leaves every result in place; two servers on one home
see every stored run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest

from rootcauses.config import Settings
from rootcauses.errors import BuildError
from rootcauses.store import build_store, connect
from rootcauses.store import query as q
from rootcauses.store.export import export_table
from rootcauses.store.query import QueryError
from rootcauses.store.results import (
    current_build,
    has_table,
    new_run_id,
    read_results,
    write_results,
)
from rootcauses.web.serving import free_port

ROOTCAUSES = str(Path(sys.executable).with_name("rootcauses"))  # the console script
WRITER = """
import sys
import pandas as pd
from rootcauses.config import Settings
from rootcauses.store.results import write_results
home, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    frame = pd.DataFrame({"series": ["GTM", "HND"], "value": [float(i), float(i + 1)]})
    write_results(Settings(home=home), "forecasts", frame, run_id=f"{prefix}{i}")
"""

READER = """
import sys, time
from rootcauses.config import Settings
from rootcauses.store import connect
from rootcauses.store.results import read_results
home, seconds = sys.argv[1], float(sys.argv[2])
end, reads = time.monotonic() + seconds, 0
while time.monotonic() < end:
    with connect(Settings(home=home)) as con:
        con.execute("SELECT count(*) FROM encounters").fetchone()
        read_results(con, "forecasts")
    reads += 1
print(reads)
"""


@pytest.fixture
def small(snapshot: Path, tmp_path: Path) -> Settings:
    """A home with a small real build (one source)."""
    settings = Settings(home=tmp_path / "home", data=snapshot)
    build_store(settings, only=["cbp_sw"])
    return settings


def _frame(i: int) -> pd.DataFrame:
    return pd.DataFrame({"series": ["GTM", "HND"], "value": [float(i), float(i + 1)]})


def _run_ids(settings: Settings, table: str = "forecasts") -> set[str]:
    with connect(settings) as con:
        if not has_table(con, table):
            return set()
        return {r[0] for r in con.execute(f"SELECT DISTINCT run_id FROM {table}").fetchall()}


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_a_result_round_trips_with_its_run_and_the_latest_wins(small: Settings) -> None:
    with connect(small) as con:
        assert read_results(con, "forecasts").empty and not has_table(con, "forecasts")
        build = current_build(con)
    month = pd.Timestamp("2024-01-01").date()
    write_results(small, "forecasts", _frame(1).assign(month=month, build_id=build), run_id="a1")
    time.sleep(0.01)
    write_results(small, "forecasts", _frame(2).assign(extra="new column"), run_id="b2")
    with connect(small) as con:
        latest = read_results(con, "forecasts")
        first = read_results(con, "forecasts", "a1")
        assert read_results(con, "forecasts", "nope").empty
        assert has_table(con, "forecasts")  # both runs, columns by name
        both = con.execute("SELECT run_id, extra FROM forecasts ORDER BY run_id").fetchall()
    assert set(latest["run_id"]) == {"b2"} and list(latest["value"]) == [2.0, 3.0]
    assert set(first["run_id"]) == {"a1"} and first["build_id"].iloc[0] == build
    assert list(first.columns[:2]) == ["run_id", "created_at"]
    assert both == [("a1", None), ("a1", None), ("b2", "new column"), ("b2", "new column")]


def test_threads_write_results_while_others_read(small: Settings) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()
    written: list[str] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                run_id = f"w{k}x{i}"
                write_results(small, "forecasts", _frame(i), run_id=run_id)
                written.append(run_id)
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            while not stop.is_set():
                with connect(small) as con:
                    q.encounters_monthly(con, start="2021-01", end="2021-12")
                    read_results(con, "forecasts")
                    if has_table(con, "forecasts"):
                        con.execute("SELECT count(*) FROM forecasts").fetchone()
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    writers = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=120)
    stop.set()
    for t in readers:
        t.join(timeout=60)
    assert errors == []
    assert len(written) == 60 and _run_ids(small) == set(written)


@pytest.mark.slow
def test_another_process_writes_and_reads_while_this_one_does(small: Settings) -> None:
    env = {"ROOTCAUSES_DATA": str(small.data)}
    other_writer = _python(WRITER, str(small.home), "p", "25", env=env)
    other_reader = _python(READER, str(small.home), "4", env=env)
    errors: list[BaseException] = []
    mine: list[str] = []
    try:
        deadline = time.monotonic() + 4
        i = 0
        while time.monotonic() < deadline:
            run_id = f"m{i}"
            write_results(small, "forecasts", _frame(i), run_id=run_id)
            mine.append(run_id)
            with connect(small) as con:
                con.execute("SELECT count(*) FROM encounters").fetchone()
                read_results(con, "forecasts")
            i += 1
    except BaseException as exc:
        errors.append(exc)
    _, err_w = other_writer.communicate(timeout=120)
    out_r, err_r = other_reader.communicate(timeout=120)
    assert errors == []
    assert other_writer.returncode == 0, err_w
    assert other_reader.returncode == 0, err_r
    assert int(out_r) > 0
    assert _run_ids(small) == set(mine) | {f"p{i}" for i in range(25)}


def test_a_rebuild_while_results_are_written_keeps_every_result(small: Settings) -> None:
    errors: list[BaseException] = []
    written: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            i = 0
            while not stop.is_set() or i < 5:
                run_id = f"r{i}"
                write_results(small, "backtests", _frame(i), run_id=run_id)
                written.append(run_id)
                i += 1
                time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)

    with connect(small) as con:
        before = current_build(con)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [build_store(small, only=["cbp_sw"]) for _ in range(2)]
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    with connect(small) as con:
        after = current_build(con)
    assert after == reports[-1].build_id != before
    assert len(written) >= 5 and _run_ids(small, "backtests") == set(written)


@pytest.mark.slow
def test_a_rebuild_in_another_process_keeps_results_written_here(small: Settings) -> None:
    env = {"ROOTCAUSES_HOME": str(small.home), "ROOTCAUSES_DATA": str(small.data)}
    build = subprocess.Popen(
        [ROOTCAUSES, "data", "build", "--source", "cbp_sw"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    written = []
    while build.poll() is None:
        run_id = new_run_id()
        write_results(small, "driver_models", _frame(0), run_id=run_id)
        written.append(run_id)
        time.sleep(0.02)
    _, err = build.communicate()
    assert build.returncode == 0, err
    assert written and _run_ids(small, "driver_models") == set(written)


@pytest.fixture
def two_servers(small: Settings) -> Iterator[list[str]]:
    env = {**os.environ, "ROOTCAUSES_HOME": str(small.home), "ROOTCAUSES_DATA": str(small.data)}
    servers, urls = [], []
    for _ in range(2):
        port = free_port()
        command = [ROOTCAUSES, "serve", "--port", str(port)]
        servers.append(subprocess.Popen(command, env=env, stderr=subprocess.PIPE))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, server in zip(urls, servers, strict=True):
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, server.stderr.read().decode()
                try:
                    if httpx.get(f"{url}/api/sources", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.slow
def test_two_servers_on_one_home_both_see_every_stored_run(
    small: Settings, two_servers: list[str]
) -> None:
    """Runs are stored while both servers are being read: no reader fails, and each server
    lists every run, whichever process stored it."""
    with connect(small) as con:
        build = current_build(con)
    stop, problems = threading.Event(), []

    def reader(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                for path in ("/api/sources", "/api/sim/results", "/api/encounters?basis=usbp"):
                    response = client.get(path)
                    if response.status_code != 200:
                        problems.append(f"{url}{path}: {response.status_code} {response.text}")

    readers = [threading.Thread(target=reader, args=(url,)) for url in two_servers * 2]
    for t in readers:
        t.start()
    runs = set()
    try:
        for i in range(10):
            run_id = new_run_id()
            row = pd.DataFrame(
                [{"scenario": "status_quo", "kind": "run", "seed": i, "build_id": build}]
            )
            write_results(small, "sim_runs", row, run_id=run_id)
            runs.add(run_id)
            time.sleep(0.05)
        write_results(small, "driver_models", _frame(7).assign(theory="t"), run_id="fit1")
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=60)
    assert problems == []
    for url in two_servers:
        listed = httpx.get(f"{url}/api/sim/results", timeout=10).json()
        assert {r["run_id"] for r in listed["data"]} == runs, url
        body = httpx.get(f"{url}/api/drivers", timeout=10).json()
        assert {r["run_id"] for r in body["data"]} == {"fit1"}, url


def test_a_legacy_single_file_store_is_refused_with_the_command_to_run(
    snapshot: Path, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home", data=snapshot)
    settings.home.mkdir()
    with duckdb.connect(str(settings.legacy_store_path)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'old' AS build_id")
        con.execute(
            "CREATE TABLE forecasts AS SELECT * FROM (VALUES "
            "('run1', TIMESTAMP '2024-01-01 10:00', 'GTM', 1.0), "
            "('run2', TIMESTAMP '2024-02-01 10:00', 'GTM', 2.0)) "
            "t(run_id, created_at, series, mean)"
        )
        con.execute(
            "CREATE TABLE tracker_commitments AS SELECT 'C1' AS id, 'achieved' AS status, "
            "TIMESTAMP '2024-03-01' AS snapshot_at"
        )
    with pytest.raises(BuildError, match=r"old single-file layout.*rootcauses data build"):
        connect(settings)
    report = build_store(settings, only=["cbp_sw"])
    assert report.migrated == {"forecasts": 2, "tracker_commitments": 1}
    assert not settings.legacy_store_path.exists()
    assert settings.legacy_store_path.with_name("rootcauses.duckdb.migrated").exists()
    with connect(settings) as con:
        assert list(read_results(con, "forecasts")["mean"]) == [2.0]  # the latest run
        assert list(read_results(con, "forecasts", "run1")["mean"]) == [1.0]
        assert list(read_results(con, "tracker_commitments")["id"]) == ["C1"]
        assert current_build(con) == report.build_id


def test_a_legacy_store_held_by_another_process_stops_the_build(
    snapshot: Path, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home", data=snapshot)
    settings.home.mkdir()
    with duckdb.connect(str(settings.legacy_store_path)) as con:
        con.execute("CREATE TABLE forecasts AS SELECT 'run1' AS run_id, now() AS created_at")
    holder = _python(
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('holding', flush=True)\n"
        "time.sleep(60)\n",
        str(settings.legacy_store_path),
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(BuildError, match=r"cannot read the results in the old store") as info:
            build_store(settings, only=["cbp_sw"])
        assert str(settings.legacy_store_path) in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    assert settings.legacy_store_path.exists()  # left for the next build
    assert not list(settings.builds_dir.glob("rootcauses-*.duckdb"))  # nothing published


def test_write_results_refuses_unknown_tables_and_run_ids(small: Settings) -> None:
    with pytest.raises(BuildError, match="not a result table"):
        write_results(small, "encounters", _frame(0), run_id="x")
    with pytest.raises(BuildError, match="bad run id"):
        write_results(small, "forecasts", _frame(0), run_id="../../x")
    assert json.loads((small.builds_dir / "current.json").read_text())["build_id"]


def test_a_result_table_exports_like_a_built_one(small: Settings, tmp_path: Path) -> None:
    write_results(small, "forecasts", _frame(3), run_id="e1")
    path = export_table(small, "forecasts", "csv", tmp_path / "f.csv")
    exported = pd.read_csv(path)
    assert list(exported["run_id"]) == ["e1", "e1"] and list(exported["value"]) == [3.0, 4.0]
    with pytest.raises(QueryError, match=r"unknown table 'backtests'.*forecasts"):
        export_table(small, "backtests", "csv")
