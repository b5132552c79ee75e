"""Ensembles on Ray equal the serial ones; addresses and cancellation fail clearly."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rootcauses.sim import engine, runs
from rootcauses.sim.ensemble import (
    EnsembleCancelled,
    Executor,
    Member,
    check_reachable,
    map_members,
    run_members,
    run_sharded,
)
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import load_scenario


def tenfold(shared: int, item: int) -> int:
    return shared * item


@pytest.fixture
def request_small() -> runs.RunRequest:
    return runs.RunRequest(households=1500, months=6, seed=11)


def test_auto_backend_uses_ray_only_when_it_can_help():
    assert not Executor("auto", None, 1).uses_ray()
    assert Executor("auto", None, 2).uses_ray()
    assert Executor("auto", "10.0.0.1:6379", 1).uses_ray()
    assert Executor("ray", None, 1).uses_ray()
    assert not Executor("serial", None, 4).uses_ray()


@pytest.mark.parametrize(
    ("executor", "message"),
    [
        (Executor("cluster"), "expected one of auto, ray, serial"),
        (Executor("serial", "10.0.0.1:6379"), "needs --backend ray"),
        (Executor("ray", None, 0), "--workers must be at least 1"),
    ],
)
def test_bad_executor_is_a_sim_error(executor, message):
    with pytest.raises(SimError, match=message):
        executor.check()


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_unreachable_address_names_it_without_starting_ray(scheme, unreachable_address):
    address = f"{scheme}{unreachable_address}"
    with pytest.raises(SimError, match="cannot reach the Ray cluster at") as info:
        map_members(tenfold, 10, [1, 2], Executor("ray", address))
    assert address in str(info.value)


def test_malformed_address_is_a_sim_error():
    with pytest.raises(SimError, match="expected host:port"):
        check_reachable("no-port-here")


def test_serial_map_keeps_order_and_reports_progress():
    seen = []
    out = map_members(
        tenfold, 10, [3, 1, 2], Executor("serial"), progress=lambda d, t: seen.append((d, t))
    )
    assert out == [30, 10, 20]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_serial_ensemble_stops_when_cancelled(inputs, request_small):
    members = runs.ensemble_members(load_scenario("status_quo"), request_small, 3)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(EnsembleCancelled, match="after 0 of 3"):
        run_members(inputs.head(6), members, 1500, Executor("serial"), cancel=cancel)


def test_ray_ensemble_equals_serial(ray_local, inputs, request_small):
    members = runs.ensemble_members(load_scenario("deterrence"), request_small, 4)
    assert len({m.seed for m in members}) == 4
    assert len({m.values["beta_violence"] for m in members}) == 4  # draws differ
    head = inputs.head(6)
    serial = run_members(head, members, 1500, Executor("serial"))
    seen = []
    on_ray = run_members(
        head, members, 1500, Executor("ray", None, 2), progress=lambda d, t: seen.append((d, t))
    )
    assert on_ray.shape == (4, 6, 1, serial.shape[-1])
    np.testing.assert_array_equal(on_ray, serial)
    assert seen[-1] == (4, 4) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert ray_local.is_initialized()  # a Ray we did not start is left running


def test_ray_compare_equals_serial_compare(ray_local, inputs, request_small):
    a, b = load_scenario("status_quo"), load_scenario("deterrence")
    serial = runs.compare_scenarios(a, b, inputs, request_small, members=3, backend="serial")
    on_ray = runs.compare_scenarios(a, b, inputs, request_small, members=3, backend="ray")
    assert (serial["backend"], on_ray["backend"]) == ("serial", "ray")
    assert on_ray["differences"] == serial["differences"]
    assert on_ray["totals"] == serial["totals"]


def test_ray_single_run_equals_serial_run(ray_local, inputs, request_small):
    scenario = load_scenario("status_quo")
    serial, _ = runs.run_scenario(scenario, inputs, request_small)
    on_ray, counts = runs.run_scenario(scenario, inputs, request_small, backend="ray")
    assert on_ray["backend"] == "ray" and serial["backend"] == "serial"
    assert on_ray["encounters"] == serial["encounters"]
    assert counts.values.shape[0] == 6


def test_ray_ensemble_stops_when_cancelled(ray_local, inputs, request_small):
    members = runs.ensemble_members(load_scenario("status_quo"), request_small, 2)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(EnsembleCancelled):
        run_members(inputs.head(6), members, 1500, Executor("ray", None, 2), cancel=cancel)


def test_serial_run_stops_between_months_when_cancelled(inputs, request_small):
    cancel = threading.Event()
    months_done = []

    def progress(done: int, total: int) -> None:
        months_done.append(done)
        if done == 2:
            cancel.set()

    with pytest.raises(EnsembleCancelled, match="after 3 of 6"):
        runs.run_scenario(
            load_scenario("status_quo"), inputs, request_small, progress, cancel=cancel
        )
    assert months_done == [1, 2]


@pytest.mark.parametrize("backend", ["serial", "ray"])
def test_sharded_run_equals_the_engine_run(backend, request, inputs, params):
    if backend == "ray":
        request.getfixturevalue("ray_local")
    member = Member(5, params, params)
    expected = engine.run(inputs, params, params, households=1300, seed=5, shard_size=400)
    got = run_sharded(inputs, member, 1300, Executor(backend, None, 2), shard_size=400)
    assert len(engine.shard_sizes(1300, 400)) == 4
    np.testing.assert_array_equal(got.values, expected.values)
    np.testing.assert_array_equal(got.weights, expected.weights)


@pytest.mark.parametrize("exact", [False, True])
def test_ray_sharded_run_keeps_every_output_and_option(ray_local, inputs, params, exact):
    """On Ray a run once dropped the sector counts and ``exact``: all travel in one job now."""
    member = Member(5, params, params)
    kwargs = {"households": 1300, "seed": 5, "shard_size": 400}
    expected = engine.run(inputs, params, params, **kwargs, exact=exact)
    other = engine.run(inputs, params, params, **kwargs, exact=not exact)
    got = run_sharded(inputs, member, 1300, Executor("ray", None, 2), shard_size=400, exact=exact)
    assert not np.array_equal(expected.values, other.values)  # exact draws another stream
    assert got.sectors == expected.sectors == ("SEC_X",)
    assert expected.sector_encounters.sum() > 0
    np.testing.assert_array_equal(got.sector_encounters, expected.sector_encounters)
    np.testing.assert_array_equal(got.values, expected.values)
    np.testing.assert_array_equal(got.weights, expected.weights)


def test_ray_ensemble_passes_exact_to_every_member(ray_local, inputs, params):
    members = [Member(seed, params, params) for seed in (1, 2)]
    serial = run_members(inputs, members, 1300, Executor("serial"), exact=True)
    on_ray = run_members(inputs, members, 1300, Executor("ray", None, 2), exact=True)
    skipping = run_members(inputs, members, 1300, Executor("serial"))
    np.testing.assert_array_equal(on_ray, serial)
    assert not np.array_equal(serial, skipping)


def test_an_option_simulate_does_not_take_fails_before_any_shard(inputs, params):
    with pytest.raises(SimError, match="takes no option exakt"):
        engine.run(inputs, params, params, households=100, seed=0, exakt=True)
