from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rootcauses.sim.errors import SimError
from rootcauses.sim.network import (
    build_network,
    edge_properties,
    fastest_paths,
    path_failure,
    read_network_csv,
)
from tests.sim.conftest import LOCATIONS, ROUTES


def test_tiny_network_arrays(tiny_network):
    assert tiny_network.node_ids[tiny_network.origins].tolist() == ["ORIG"]
    assert tiny_network.node_ids[tiny_network.sectors].tolist() == ["SEC_X"]
    assert tiny_network.node_country.tolist() == ["GTM", "GTM", "MEX", "MEX", "USA"]
    # interdiction only on travel edges touching Mexico; not on the crossing into the US
    assert tiny_network.edge_in_mexico.tolist() == [False, True, True, False]


def test_path_days_and_failure_by_hand(tiny_network, params):
    props = edge_properties(tiny_network, params)
    np.testing.assert_allclose(props.days, [1.0, 1.0, 10.0, 2.0])
    paths = fastest_paths(tiny_network, props.days)
    assert paths.edges[0, 0].tolist() == [0, 1, 2, 3]
    assert paths.length[0, 0] == 4
    assert paths.days[0, 0] == pytest.approx(14.0)
    rate = params["mx_interdiction_per_1000km"]
    not_interdicted = np.exp(-rate * 1.1)  # 300 + 800 km inside Mexico
    d = params["death_per_1000km"]
    survive = (
        np.exp(-d * 0.3) ** 2
        * np.exp(-d * 0.8 * params["train_death_multiplier"])
        * (1 - params["crossing_death_probability"])
    )
    assert path_failure(paths, props)[0, 0] == pytest.approx(1 - not_interdicted * survive)


def test_parallel_edges_keep_the_fastest(params):
    routes = pd.concat(
        [ROUTES, ROUTES.iloc[[2]].assign(mode="bus")], ignore_index=True
    )  # a bus alternative to the train edge
    network = build_network(LOCATIONS, routes)
    props = edge_properties(network, params)
    paths = fastest_paths(network, props.days)
    assert paths.edges[0, 0, 2] == 4
    assert paths.days[0, 0] == pytest.approx(1 + 1 + 800 / 300 + 2)


def _write(tmp_path: Path, locations: pd.DataFrame, routes: pd.DataFrame) -> tuple[Path, Path]:
    loc, rou = tmp_path / "locations.csv", tmp_path / "routes.csv"
    locations.to_csv(loc, index=False)
    routes.to_csv(rou, index=False)
    return loc, rou


def test_csv_round_trip(tmp_path):
    network = read_network_csv(*_write(tmp_path, LOCATIONS, ROUTES))
    assert network.edge_km.tolist() == [300, 300, 800, 50]


def test_route_to_unknown_location_names_file_line_and_key(tmp_path):
    routes = ROUTES.copy()
    routes.loc[1, "to_id"] = "NOWHERE"
    loc, rou = _write(tmp_path, LOCATIONS, routes)
    with pytest.raises(SimError, match=r"routes\.csv: line 3: to_id 'NOWHERE' is not a location"):
        read_network_csv(loc, rou)


def test_disconnected_network_names_the_origin(tmp_path):
    locations = pd.concat(
        [LOCATIONS, pd.DataFrame({"id": ["ISLAND"], "country": ["HN"], "type": ["origin"]})],
        ignore_index=True,
    )
    with pytest.raises(SimError, match=r"disconnected network: origin\(s\) \['ISLAND'\]"):
        read_network_csv(*_write(tmp_path, locations, ROUTES))


def test_edges_point_north(tmp_path):
    """A route pointing south cannot be used northwards: the origin is cut off."""
    routes = ROUTES.copy()
    routes.loc[2, ["from_id", "to_id"]] = ["CROSS_MX", "TRANSIT_MX"]
    with pytest.raises(SimError, match="ORIG"):
        build_network(LOCATIONS, routes)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("mode", "boat", r"line 2: mode 'boat'; expected one of"),
        ("distance_km", "far", r"line 2: distance_km 'far'"),
        ("edge_type", "tunnel", r"line 2: edge_type 'tunnel'"),
    ],
)
def test_bad_route_values(tmp_path, column, value, message):
    routes = ROUTES.copy()
    routes.loc[0, column] = value
    with pytest.raises(SimError, match=message):
        read_network_csv(*_write(tmp_path, LOCATIONS, routes))


def test_duplicate_location_and_missing_column(tmp_path):
    doubled = pd.concat([LOCATIONS, LOCATIONS.iloc[[0]]], ignore_index=True)
    with pytest.raises(SimError, match=r"line 7: id 'ORIG' appears twice"):
        read_network_csv(*_write(tmp_path, doubled, ROUTES))
    with pytest.raises(SimError, match=r"missing column\(s\) \['mode'\]"):
        build_network(LOCATIONS, ROUTES.drop(columns="mode"))


def test_snapshot_network(snapshot, params):
    network = read_network_csv(snapshot / "journey/locations.csv", snapshot / "journey/routes.csv")
    assert network.origins.size == 15 and network.sectors.size == 9
    paths = fastest_paths(network, edge_properties(network, params).days)
    assert (paths.length > 0).all()  # SOURCE.md: every origin reaches every crossing
