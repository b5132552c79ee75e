from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rootcauses.sim import decision, engine, kernel
from rootcauses.sim import population as pop
from rootcauses.sim.engine import METRICS
from tests.sim.conftest import tiny_inputs


def _random_population(rng: np.random.Generator, params: dict[str, float]) -> pop.Population:
    people = pop.synthesize(
        np.array([3000, 2000, 1000]),
        [np.array([0, 1]), np.array([2, 3]), np.array([4])],
        np.log([9000.0, 6000.0, 8000.0]),
        params,
        rng,
    )
    n = len(people)
    people.attempts[:] = rng.integers(0, 6, n)
    people.network[:] = rng.random(n) < 0.4
    people.remittance[:] = people.network & (rng.random(n) < 0.5)
    return people


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernel_hazard_equals_the_documented_hazard(params, seed):
    """The kernel's rearranged utility gives decision.departure_probability's hazard on random
    households, drivers and coefficients (signs and sizes drawn at random too)."""
    rng = np.random.default_rng(seed)
    for key in decision.SIGNS | {"beta_remittance": 0}:
        params[key] = float(rng.normal(0, 0.7))
    people = _random_population(rng, params)
    month_terms = {
        "log_homicide": np.log(rng.uniform(5, 60, 3)),
        "income_shift": rng.normal(0, 0.2, 3),
        "drought": rng.uniform(0, 2, 3),
        "deterrence": float(rng.uniform(0, 3)),
    }
    risk = rng.uniform(0, 0.5, 5)
    household_size = rng.uniform(3.5, 5.0, 3)
    intercept = float(rng.normal(-6, 1))
    beta = decision.Coefficients.from_params(params)

    x = engine._drivers(
        people,
        np.arange(len(people)),
        month_terms,
        SimpleNamespace(household_size=household_size),
        params,
        risk,
    )
    expected = decision.departure_probability(intercept, beta, x)
    cost = params["smuggler_fee_usd"] * params["smuggler_fee_multiplier"]
    terms = kernel.hazard_terms(
        intercept,
        beta,
        month_terms,
        float(np.log(params["us_gdp_pc_ppp"])),
        float(np.log(max(cost, 1.0))),
        np.log(household_size),
        risk,
    )
    got = kernel.hazards(people, terms)
    assert got.shape == expected.shape
    assert np.ptp(expected) > 0.01  # the households differ: the test can see a wrong term
    # the reference rounds the utility to float32; the kernel keeps float64
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_first_month_departures_match_the_anchored_hazard(inputs, params, seed):
    """In the anchor month everyone is at home and decides once, and the intercept makes the mean
    hazard exactly ``base_departure_rate``: departures are a sum of independent Bernoulli draws
    with mean n·rate and variance below n·rate."""
    params.update(base_departure_rate=0.03)
    n = 40_000
    counts = engine.simulate(inputs.head(1), params, params, n, seed).counts
    departures = counts[0, 0, METRICS.index("departures")]
    expected = n * params["base_departure_rate"]
    assert abs(departures - expected) < 4 * np.sqrt(expected)


def test_sector_encounters_add_up_to_encounters(inputs, params):
    params.update(base_departure_rate=0.02)
    run = engine.run(inputs, params, params, households=20_000, seed=3)
    assert run.sectors == ("SEC_X",)
    assert run.sector_encounters is not None
    np.testing.assert_allclose(
        run.sector_encounters.sum(axis=2), run.values[:, :, METRICS.index("encounters")]
    )


def test_cooldown_keeps_the_returned_at_home(tiny_network, params):
    """Everyone leaves, reaches the border the same month and is returned: nobody can leave again
    for ``reattempt_delay_months`` months, then they all leave together again."""
    params.update(
        base_departure_rate=0.999,
        mx_interdiction_per_1000km=0.0,
        death_per_1000km=0.0,
        crossing_death_probability=0.0,
        us_encounter_probability=1.0,
        us_return_probability=1.0,
        reattempt_delay_months=2,
    )
    n = 2_000
    counts = engine.simulate(tiny_inputs(tiny_network, months=7), params, params, n, 0).counts
    departures = counts[:, 0, METRICS.index("departures")]
    assert departures[0] > 0.99 * n
    assert departures[1] + departures[2] <= n - departures[0]  # the returned wait two months
    assert departures[3] > 0.99 * departures[0]
    assert (counts[:, 0, METRICS.index("at_home")] == n).all()


def test_compiled_anchor_moments_equal_the_numpy_ones():
    u = np.random.default_rng(4).normal(-1.0, 2.0, 5_000)
    for a in (-8.0, -2.5, 0.0, 3.0):
        np.testing.assert_allclose(
            kernel.logistic_moments(a, u), decision.logistic_moments(a, u), rtol=1e-12
        )
    assert decision.anchor_intercept(0.01, u, kernel.logistic_moments) == pytest.approx(
        decision.anchor_intercept(0.01, u), abs=1e-10
    )


def test_departure_shortcut_decides_as_the_exact_comparison():
    """The cheap bound that settles most stay-at-home draws never changes an outcome, also for
    draws right at the probability."""
    rng = np.random.default_rng(5)
    z = rng.uniform(-40, 8, 20_000)
    p = 1 / (1 + np.exp(-z))
    draws = np.concatenate([rng.random(z.size), p * (1 - 1e-12), p * (1 + 1e-12), p])
    zs = np.tile(z, 4)
    got = np.array([kernel._departs(a, r) for a, r in zip(zs, draws, strict=True)])
    np.testing.assert_array_equal(got, draws < np.tile(p, 4))
    assert got.any() and not got.all()
