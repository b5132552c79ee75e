"""A tiny hand-built world: one origin in Guatemala, a Guatemalan border town, a Mexican transit
town, a Mexican crossing point and one US sector, in a line."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rootcauses.sim.engine import REGIMES, SimInputs
from rootcauses.sim.network import Network, build_network
from rootcauses.sim.scenarios import default_values, load_parameter_specs

LOCATIONS = pd.DataFrame(
    {
        "id": ["ORIG", "BORDER_GT", "TRANSIT_MX", "CROSS_MX", "SEC_X"],
        "country": ["GT", "GT", "MX", "MX", "US"],
        "type": ["origin", "border", "transit", "border", "destination_sector"],
    }
)
ROUTES = pd.DataFrame(
    {
        "from_id": ["ORIG", "BORDER_GT", "TRANSIT_MX", "CROSS_MX"],
        "to_id": ["BORDER_GT", "TRANSIT_MX", "CROSS_MX", "SEC_X"],
        "edge_type": ["travel", "travel", "travel", "crossing_to_sector"],
        "mode": ["bus", "bus", "train", "foot"],
        "distance_km": ["300", "300", "800", "50"],
    }
)


@pytest.fixture(autouse=True)
def documented_defaults(monkeypatch, tmp_path):
    """Tests run on the documented defaults, whether or not a calibrated.yaml is installed."""
    from rootcauses.sim import scenarios

    monkeypatch.setattr(scenarios, "calibrated_path", lambda: tmp_path / "no-calibrated.yaml")


@pytest.fixture
def tiny_network() -> Network:
    return build_network(LOCATIONS, ROUTES)


@pytest.fixture
def params() -> dict[str, float]:
    """Defaults with speeds that make the tiny path take 1 + 1 + 10 + 2 = 14 days."""
    values = default_values(load_parameter_specs())
    values.update(
        speed_bus_km_per_day=300.0,
        speed_train_km_per_day=80.0,
        crossing_days=2.0,
    )
    return values


def tiny_inputs(network: Network, months: int = 12, title_42: float = 0.0) -> SimInputs:
    shape = (months, 1)
    return SimInputs(
        countries=("GTM",),
        months=tuple(
            (pd.Timestamp("2019-01-01") + pd.DateOffset(months=t)).date() for t in range(months)
        ),
        homicide_rate=np.full(shape, 20.0),
        log_gdp_pc=np.full(shape, np.log(9000.0)),
        precip_z=np.zeros(shape),
        households=np.array([1_000_000.0]),
        household_size=np.array([4.5]),
        network=network,
        sector_shares=np.ones((months, 1)),
        regimes=np.zeros((months, len(REGIMES))) + title_42 * (np.array(REGIMES) == "title_42"),
    )


@pytest.fixture
def inputs(tiny_network: Network) -> SimInputs:
    return tiny_inputs(tiny_network)


START = dt.date(2019, 1, 1)


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray (2 CPUs) for the whole session: starting Ray takes seconds. Code under test
    finds it running, uses it and leaves it up; it is shut down here at the end."""
    import logging

    ray = pytest.importorskip("ray")
    started = not ray.is_initialized()
    if started:
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
            object_store_memory=128 * 2**20,
        )
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture
def unreachable_address() -> str:
    """host:port of a local port nothing listens on (bound, then released)."""
    from rootcauses.web.serving import free_port

    return f"127.0.0.1:{free_port()}"
