"""A real Ray cluster reached through ``--address``: a head started with ``ray start`` on loopback
with token authentication, and a driver in a fresh process that knows only the address and where
the token is (``RAY_AUTH_TOKEN_PATH``, no ``RAY_AUTH_MODE``), as a user's shell would.

Why a fresh driver process: this test process may already run the session's local Ray, in token
mode; :func:`rootcauses.sim.ensemble.ray_session` would reuse it, and a token that is not sent
could not show. The head is stopped by ending the processes of its own ``--temp-dir`` only:
``ray stop`` stops every Ray on the machine, other sessions' included.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rootcauses.sim import engine
from rootcauses.sim.ensemble import Executor, Member, ray_session, run_members, run_sharded
from rootcauses.web.serving import free_port

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="stops the head via /proc"),
]
REPO = Path(__file__).resolve().parents[2]
HOUSEHOLDS, SHARD_SIZE, SEED = 1300, 400, 7


@dataclass(frozen=True)
class Cluster:
    address: str  # host:port as a user gives it to --address
    token_path: Path  # the head's token, as RAY_AUTH_TOKEN_PATH names it


def _env_without_ray(**extra: str) -> dict[str, str]:
    """This process's environment minus Ray's settings (a local Ray here sets RAY_AUTH_MODE)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    return env | extra


def _processes_of(temp_dir: Path) -> set[int]:
    """Processes naming ``temp_dir`` on their command line, and all their descendants."""
    parents: dict[int, int] = {}
    roots = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rpartition(")")[2].split()[1])
        if str(temp_dir) in cmdline and pid != os.getpid():
            roots.add(pid)
    found = set(roots)
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in found} - found
        found |= children
        grew = bool(children)
    return found


def _stop(temp_dir: Path, grace: float = 2.0) -> None:
    """End the head's processes (SIGTERM, then SIGKILL after ``grace`` seconds)."""
    pids = _processes_of(temp_dir)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            pids = {pid for pid in pids if Path(f"/proc/{pid}").exists()}
            time.sleep(0.2)
        if not pids:
            return


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A one-CPU head on 127.0.0.1 with token authentication (RAY_AUTH_MODE=token and a token
    file of its own, not ~/.ray/auth_token) in a temp dir of its own; stopped afterwards."""
    ray_cli = Path(sys.executable).with_name("ray")
    if not ray_cli.exists():
        pytest.skip(f"no ray command next to {sys.executable}")
    # short: Ray's socket paths under the temp dir must fit in 107 bytes
    temp_dir = Path(
        tempfile.mkdtemp(prefix="rc-ray-", dir="/tmp" if Path("/tmp").is_dir() else None)
    )
    token_path = temp_dir / "auth_token"
    token_path.write_text(secrets.token_hex(32))
    token_path.chmod(0o600)
    port = free_port()
    command = [
        str(ray_cli),
        "start",
        "--head",
        "--node-ip-address",
        "127.0.0.1",
        "--port",
        str(port),
        "--num-cpus",
        "1",
        "--include-dashboard",
        "false",
        "--disable-usage-stats",
        "--temp-dir",
        str(temp_dir),
    ]
    env = _env_without_ray(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token_path))
    try:
        started = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if started.returncode != 0:
            pytest.fail(f"ray start failed:\n{started.stdout[-2000:]}\n{started.stderr[-2000:]}")
        yield Cluster(f"127.0.0.1:{port}", token_path)
    finally:
        _stop(temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)


def driver_main(job_file: str) -> None:
    """The fresh driver process: everything through the cluster's address, results pickled."""
    from typer.testing import CliRunner

    from rootcauses.cli import sim as cli
    from rootcauses.sim import runs

    job = pickle.loads(Path(job_file).read_bytes())
    address, inputs = job["address"], job["inputs"]
    out: dict[str, Any] = {}
    runs.store_inputs = lambda settings, start, months, network_csv=None: inputs  # no store here
    for name, where in (("serial", ["--backend", "serial"]), ("cluster", ["--address", address])):
        output = Path(job_file).with_name(f"compare-{name}.json")
        args = ["compare", "status_quo", "deterrence", "--households", "1500", "--months", "6"]
        result = CliRunner().invoke(
            cli.app, [*args, "--members", "2", "--output", str(output), *where]
        )
        if result.exit_code != 0:
            raise SystemExit(f"sim compare {name}: {result.output}")
        out[f"compare_{name}"] = json.loads(output.read_text())
    executor = Executor("ray", address)
    with ray_session(executor):  # one connection for the library calls
        for exact in (False, True):
            out[f"sharded_exact_{exact}"] = run_sharded(
                inputs, job["member"], HOUSEHOLDS, executor, shard_size=SHARD_SIZE, exact=exact
            )
        out["members"] = run_members(inputs, job["members"], HOUSEHOLDS, executor, exact=True)
    Path(job_file).with_name("result.pkl").write_bytes(pickle.dumps(out))


def _drive(cluster: Cluster, job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """:func:`driver_main` in a fresh process whose environment has the token's path only."""
    job_file = workdir / "job.pkl"
    job_file.write_bytes(pickle.dumps({**job, "address": cluster.address}))
    env = _env_without_ray(
        RAY_AUTH_TOKEN_PATH=str(cluster.token_path), ROOTCAUSES_HOME=str(workdir / "home")
    )
    code = (
        "import sys; from tests.sim.test_ray_cluster import driver_main; driver_main(sys.argv[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(job_file)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"driver failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return pickle.loads((workdir / "result.pkl").read_bytes())


def test_runs_through_address_equal_serial_runs(cluster, tmp_path, inputs, params):
    member = Member(SEED, params, params)
    members = [Member(seed, params, params) for seed in (3, 4)]
    got = _drive(cluster, {"inputs": inputs, "member": member, "members": members}, tmp_path)

    # one run, its shards as cluster tasks: every output, every option (exact)
    for exact in (False, True):
        kwargs = {"households": HOUSEHOLDS, "seed": SEED, "shard_size": SHARD_SIZE}
        expected = engine.run(inputs, params, params, **kwargs, exact=exact)
        counts = got[f"sharded_exact_{exact}"]
        assert expected.sector_encounters.sum() > 0
        assert counts.sectors == expected.sectors == ("SEC_X",)
        np.testing.assert_array_equal(counts.values, expected.values)
        np.testing.assert_array_equal(counts.weights, expected.weights)
        np.testing.assert_array_equal(counts.sector_encounters, expected.sector_encounters)
    # exact=True draws another stream: equal to the serial exact run, so it reached the shards
    assert not np.array_equal(got["sharded_exact_True"].values, got["sharded_exact_False"].values)

    # an ensemble, one member per task
    serial = run_members(inputs, members, HOUSEHOLDS, Executor("serial"), exact=True)
    np.testing.assert_array_equal(got["members"], serial)

    # the command line: sim compare --address equals sim compare --backend serial
    on_cluster, alone = got["compare_cluster"], got["compare_serial"]
    assert (on_cluster["backend"], alone["backend"]) == ("ray", "serial")
    assert on_cluster["differences"] == alone["differences"]
    assert on_cluster["totals"] == alone["totals"]
    assert on_cluster["totals"]["ALL"]["baseline"]["mean"] > 0
