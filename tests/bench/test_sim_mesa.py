"""The Mesa reference model (bench/sim_mesa.py) implements our household month: the same hazard
per household, and the same mean departure rate as ``engine.run`` within sampling error.
Skipped without the ``bench`` extra (mesa)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rootcauses.sim import decision, engine
from rootcauses.sim.network import build_network
from rootcauses.sim.scenarios import default_values, load_parameter_specs, neutral_levers
from tests.bench import load_bench_module

pytest.importorskip("mesa")
sim_mesa = load_bench_module("sim_mesa")

LOCATIONS = pd.DataFrame(
    {
        "id": ["ORIG_GT", "ORIG_HN", "TECUN", "TAPACHULA", "REYNOSA", "JUAREZ", "RGV", "ELP"],
        "country": ["GT", "HN", "GT", "MX", "MX", "MX", "US", "US"],
        "type": [
            "origin",
            "origin",
            "border",
            "transit",
            "border",
            "border",
            "destination_sector",
            "destination_sector",
        ],
    }
)
ROUTES = pd.DataFrame(
    {
        "from_id": ["ORIG_GT", "ORIG_HN", "TECUN", "TAPACHULA", "TAPACHULA", "REYNOSA", "JUAREZ"],
        "to_id": ["TECUN", "TECUN", "TAPACHULA", "REYNOSA", "JUAREZ", "RGV", "ELP"],
        "edge_type": ["travel"] * 5 + ["crossing_to_sector"] * 2,
        "mode": ["bus", "bus", "bus", "train", "bus", "foot", "foot"],
        "distance_km": ["250", "600", "40", "1500", "2400", "20", "10"],
    }
)
MONTHS = 3


def world(months: int = MONTHS) -> engine.SimInputs:
    """Two countries whose drivers move every month (violence up, a drought, a Title 42 month),
    so the months after the anchored first one test the whole rule."""
    shape = (months, 2)
    t = np.arange(months)[:, None]
    return engine.SimInputs(
        countries=("GTM", "HND"),
        months=tuple(
            (pd.Timestamp("2020-01-01") + pd.DateOffset(months=m)).date() for m in range(months)
        ),
        homicide_rate=np.array([[20.0, 40.0]]) * (1 + 0.5 * t),
        log_gdp_pc=np.log(np.array([[9000.0, 6000.0]])) + 0.01 * t,
        precip_z=np.where(t >= 1, -1.5, 0.3) * np.ones(shape),
        households=np.array([3_000_000.0, 2_000_000.0]),
        household_size=np.array([4.8, 4.4]),
        network=build_network(LOCATIONS, ROUTES),
        sector_shares=np.tile([0.6, 0.4], (months, 1)),
        regimes=np.where(t == 1, 1.0, 0.0) * (np.array(engine.REGIMES) == "title_42"),
    )


@pytest.fixture
def params() -> tuple[dict[str, float], dict[str, float]]:
    """Documented defaults with a high base rate and no waiting, so 2,000 households x 3
    months give some hundreds of departures and re-attempts."""
    specs = load_parameter_specs(calibrated=False)
    values = default_values(specs)
    values.update(base_departure_rate=0.05, reattempt_delay_months=0, speed_train_km_per_day=400)
    return values, neutral_levers(values, specs)


def test_agent_hazard_is_the_documented_rule(params):
    """Each Mesa household's probability equals decision.departure_probability for its state."""
    values, anchor = params
    inputs = world()
    model = sim_mesa.MigrationModel(inputs, values, anchor, households=300, seed=3)
    agents = list(model.agents)
    rng = np.random.default_rng(0)
    for agent in agents:
        agent.attempts = int(rng.integers(0, 4))
    t = 2
    terms = sim_mesa.month_terms(inputs, values, model.tables, t)
    c = np.array([a.country for a in agents])
    log_income = (
        np.array([a.log_income for a in agents])
        + inputs.log_gdp_pc[t, c]
        - (inputs.log_gdp_pc[0, c])
    )
    cost = values["smuggler_fee_usd"] * values["smuggler_fee_multiplier"]
    x = decision.Drivers(
        log_homicide=np.log(inputs.homicide_rate[t, c]),
        violence_exposure=np.array([a.violence for a in agents]),
        income_gap=math.log(values["us_gdp_pc_ppp"]) - log_income,
        drought=np.maximum(0.0, -inputs.precip_z[t, c]),
        climate_exposed=np.array([a.climate for a in agents]),
        network=np.array([a.network for a in agents]),
        remittance=np.array([a.remittance for a in agents]),
        log_cost_ratio=math.log(cost) - log_income - np.log(inputs.household_size[c]),
        risk=np.array([terms.risk[a.origin] for a in agents]),
        deterrence=values["deterrence_add"],  # the recorded regimes act at the border
        attempts=np.array([a.attempts for a in agents]),
        shift=engine._month_terms_all(inputs, values)["country_shift"][t, c],
    )
    expected = decision.departure_probability(
        model.intercept, decision.Coefficients.from_params(values), x
    )
    got = np.array([a.departure_probability(terms) for a in agents])
    assert got == pytest.approx(expected, rel=1e-5)
    assert len({a.country for a in agents}) == 2


def test_anchor_sets_the_first_month_mean(params):
    values, anchor = params
    inputs = world()
    model = sim_mesa.MigrationModel(inputs, values, anchor, households=500, seed=1)
    mean = np.mean([a.departure_probability(model.month) for a in model.agents])
    assert mean == pytest.approx(values["base_departure_rate"], rel=1e-6)


def test_mesa_and_ours_agree_on_the_departure_rate(params):
    """2,000 households x 3 months: Mesa's mean monthly departure rate is within 4 standard
    errors of ours (mean over 20 seeds; the spread over seeds is the error of one run)."""
    values, anchor = params
    inputs = world()
    mesa_run = sim_mesa.run_mesa(inputs, values, anchor, households=2000, seed=11)
    ours = [sim_mesa.run_ours(inputs, values, anchor, households=2000, seed=s) for s in range(20)]
    check = sim_mesa.agreement(mesa_run, ours)
    assert mesa_run.departures_by_month.shape == (MONTHS, 2)
    assert mesa_run.departures_by_month.sum() > 100
    assert abs(check.z) < 4, check
    # both sides respond to the drivers the same way: month 1 (drought, violence up) > month 0
    ours_by_month = np.mean([r.departures_by_month.sum(axis=1) for r in ours], axis=0)
    assert ours_by_month[1] > ours_by_month[0]
    assert mesa_run.departures_by_month[1].sum() > mesa_run.departures_by_month[0].sum()


def test_agreement_needs_several_seeds(params):
    values, anchor = params
    one = sim_mesa.run_ours(world(1), values, anchor, households=100, seed=0)
    with pytest.raises(ValueError, match="at least two"):
        sim_mesa.agreement(one, [one])
