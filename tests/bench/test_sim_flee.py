"""The Flee reference (bench/sim_flee.py) runs our route network in Flee without input files, and
our side of the comparison moves the same agents from the same origins. Skipped without the
``bench`` extra (flee)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rootcauses.sim.network import build_network, edge_properties, fastest_paths
from rootcauses.sim.scenarios import default_values, load_parameter_specs
from tests.bench import load_bench_module

pytest.importorskip("flee")
sim_flee = load_bench_module("sim_flee")

LOCATIONS = pd.DataFrame(
    {
        "id": ["ORIG_A", "ORIG_B", "BORDER_GT", "TRANSIT_MX", "CROSS_MX", "SEC_X"],
        "country": ["GT", "HN", "GT", "MX", "MX", "US"],
        "type": ["origin", "origin", "border", "transit", "border", "destination_sector"],
    }
)
ROUTES = pd.DataFrame(
    {
        "from_id": ["ORIG_A", "ORIG_B", "BORDER_GT", "TRANSIT_MX", "CROSS_MX"],
        "to_id": ["BORDER_GT", "BORDER_GT", "TRANSIT_MX", "CROSS_MX", "SEC_X"],
        "edge_type": ["travel", "travel", "travel", "travel", "crossing_to_sector"],
        "mode": ["bus", "bus", "bus", "train", "foot"],
        "distance_km": ["300", "600", "300", "800", "50"],
    }
)


@pytest.fixture
def network():
    return build_network(LOCATIONS, ROUTES)


@pytest.fixture
def params() -> dict[str, float]:
    """Defaults without Mexican interdiction or deaths, so every agent arrives."""
    values = default_values(load_parameter_specs(calibrated=False))
    values.update(
        mx_interdiction_per_1000km=0.0,
        death_per_1000km=0.0,
        crossing_death_probability=0.0,
        speed_bus_km_per_day=300.0,
        speed_train_km_per_day=80.0,
        crossing_days=2.0,
    )
    return values


def test_flee_ecosystem_mirrors_the_network(network, params):
    ecosystem, origins = sim_flee.flee_ecosystem(network, params)
    assert [loc.name for loc in ecosystem.locations] == list(network.node_ids)
    assert sum(len(loc.links) for loc in ecosystem.locations) == 2 * network.edge_from.size
    camps = {loc.name for loc in ecosystem.locations if loc.camp}
    assert camps == {"SEC_X"}
    assert [loc.name for loc in origins] == ["ORIG_A", "ORIG_B"]
    train = next(link for link in ecosystem.locations[3].links if link.endpoint.name == "CROSS_MX")
    assert train.attributes["max_move_speed"] == params["speed_train_km_per_day"]


def test_flee_run_keeps_every_agent(network, params):
    run = sim_flee.run_flee(network, params, agents=40, days=6, seed=1)
    assert (run.agents, run.days) == (40, 6)
    assert run.seconds > 0 and run.cpu_seconds >= 0
    assert 0 <= run.at_sectors <= 40


def test_our_agents_start_where_flees_do_and_arrive_on_time(network, params):
    """Round-robin origins; with no risk, every agent reaches the border on the day its
    fastest path ends (A: 1+1+10+2 = 14 days, B: 2+1+10+2 = 15 days)."""
    agents = 10
    start = sim_flee.start_journeys(network, np.array([1.0]), params, agents, seed=0)
    assert start.origin.tolist() == [0, 1] * 5
    assert (start.sector == 0).all()
    days = fastest_paths(network, edge_properties(network, params).days).days[:, 0]
    assert days.tolist() == pytest.approx([14.0, 15.0])
    assert sim_flee.time_ours(start, steps=14, days_per_step=1.0, repeats=1).arrived == agents // 2
    assert sim_flee.time_ours(start, steps=15, days_per_step=1.0, repeats=1).arrived == agents
    assert sim_flee.time_ours(start, steps=1, days_per_step=30.4, repeats=2).arrived == agents
    assert start.step.sum() == 0, "timing runs on copies of the start state"
