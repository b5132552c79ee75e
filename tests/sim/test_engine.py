from __future__ import annotations

import numpy as np
import pytest

from rootcauses.sim import engine, journey, kernel
from rootcauses.sim.engine import METRICS
from tests.sim.conftest import tiny_inputs


def _col(name: str) -> int:
    return METRICS.index(name)


def _run(inputs, params, seed=7, households=20_000, **kwargs):
    return engine.simulate(inputs, params, params, households, seed, **kwargs).counts


def test_journey_kernel_by_hand():
    """Edges of 10, 20 and 15 days: after one month (30.4 days) the migrant is 0.4 days into
    the third edge; the next month it reaches the border."""
    rng = np.random.default_rng(0)
    edges = np.array([[[0, 1, 2]]], dtype=np.int32)
    length = np.array([[3]], dtype=np.int16)
    days = np.array([10.0, 20.0, 15.0])
    zero = np.zeros(3)
    state = {
        "origin": np.zeros(1, np.uint8),
        "sector": np.zeros(1, np.uint8),
        "step": np.zeros(1, np.uint8),
        "days_left": np.array([10.0], np.float32),
    }
    args = (edges, length, days, zero, zero)
    movers = np.array([0])
    event = journey.advance_month(rng, movers, *state.values(), *args)
    assert event.tolist() == [journey.ON_THE_WAY]
    assert state["step"][0] == 2 and state["days_left"][0] == pytest.approx(14.6, abs=1e-5)
    event = journey.advance_month(rng, movers, *state.values(), *args)
    assert event.tolist() == [journey.AT_BORDER]
    certain = np.ones(3)
    state["step"][0], state["days_left"][0] = 0, 10.0
    event = journey.advance_month(rng, movers, *state.values(), edges, length, days, certain, zero)
    assert event.tolist() == [journey.INTERDICTED]


def test_one_budget_a_month_has_the_law_of_a_draw_per_edge():
    """Three edges in one month with interdiction 0.1, 0.2, 0 and death 0.05, 0, 0.3: the trip
    ends at each edge with the hand-computed probability (interdicted on edge 1: 0.1; died on
    edge 1: 0.9·0.05; interdicted on edge 2: 0.855·0.2; died on edge 3: 0.684·0.3), whether the
    month's hazard budget is spent on one edge or several."""
    n = 200_000
    rng = np.random.default_rng(1)
    edges = np.array([[[0, 1, 2]]], dtype=np.int32)
    length = np.array([[3]], dtype=np.int16)
    days = np.array([5.0, 5.0, 5.0])
    interdiction, death = np.array([0.1, 0.2, 0.0]), np.array([0.05, 0.0, 0.3])
    state = {
        "origin": np.zeros(n, np.uint8),
        "sector": np.zeros(n, np.uint8),
        "step": np.zeros(n, np.uint8),
        "days_left": np.full(n, 5.0, np.float32),
    }
    movers = np.arange(n)
    event = journey.advance_month(
        rng, movers, *state.values(), edges, length, days, interdiction, death
    )
    step = state["step"]
    observed = {
        "interdicted 1": np.mean((event == journey.INTERDICTED) & (step == 0)),
        "died 1": np.mean((event == journey.DIED) & (step == 0)),
        "interdicted 2": np.mean((event == journey.INTERDICTED) & (step == 1)),
        "died 3": np.mean((event == journey.DIED) & (step == 2)),
        "border": np.mean(event == journey.AT_BORDER),
    }
    expected = {
        "interdicted 1": 0.1,
        "died 1": 0.9 * 0.05,
        "interdicted 2": 0.855 * 0.2,
        "died 3": 0.684 * 0.3,
        "border": 0.684 * 0.7,
    }
    for key, p in expected.items():
        assert observed[key] == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n)), key


def test_edge_hazards_of_certain_and_harmless_edges():
    hazard, share = kernel.edge_hazards(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0]))
    assert np.isinf(hazard[0]) and share[0] == 1.0
    assert hazard[1] == 0.0 and share[1] == 0.0
    assert np.isinf(hazard[2]) and share[2] == 0.0


@pytest.mark.parametrize("exact", [False, True])
def test_no_risk_everyone_reaches_the_border_the_same_month(inputs, params, exact):
    """A 14-day path without interdiction or death: each month's departures are that month's
    encounters (all encountered), and all are returned when the return probability is 1."""
    params.update(
        mx_interdiction_per_1000km=0.0,
        death_per_1000km=0.0,
        crossing_death_probability=0.0,
        us_encounter_probability=1.0,
        encounter_probability_family_uac=1.0,
        us_return_probability=1.0,
        removal_family=1.0,
        removal_uac=1.0,
        voluntary_return_rate=0.0,
    )
    counts = _run(inputs, params, exact=exact)[:, 0]
    assert counts[:, _col("departures")].sum() > 500
    np.testing.assert_array_equal(counts[:, _col("departures")], counts[:, _col("encounters")])
    np.testing.assert_array_equal(counts[:, _col("encounters")], counts[:, _col("returned_us")])
    assert counts[:, _col("in_us")].max() == 0 and counts[:, _col("in_transit")].max() == 0


def test_interdiction_share_matches_the_hand_computed_probability(inputs, params):
    params.update(death_per_1000km=0.0, crossing_death_probability=0.0, base_departure_rate=0.05)
    counts = _run(inputs, params, households=50_000)[:, 0]
    interdicted = counts[:, _col("interdicted_mx")].sum()
    reached = counts[:, _col("encounters")].sum() + counts[:, _col("got_away")].sum()
    expected = 1 - np.exp(-params["mx_interdiction_per_1000km"] * 1.1)  # 1,100 km in Mexico
    share = interdicted / (interdicted + reached)
    n = interdicted + reached
    assert n > 10_000
    assert share == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))


def test_long_path_arrives_the_next_month(inputs, params):
    params.update(speed_train_km_per_day=20.0)  # 1 + 1 + 40 + 2 = 44 days
    counts = _run(inputs, params)[:, 0]
    departures, at_border = (
        counts[:, _col("departures")],
        (counts[:, _col("encounters")] + counts[:, _col("got_away")]),
    )
    assert at_border[0] == 0 and departures[0] > 0
    assert (
        counts[0, _col("in_transit")]
        == departures[0] - counts[0, _col("interdicted_mx")] - counts[0, _col("deaths")]
    )


@pytest.mark.parametrize("exact", [False, True])
def test_conservation_every_month(inputs, params, exact):
    params.update(base_departure_rate=0.02, voluntary_return_rate=0.05)
    counts = _run(inputs, params, households=30_000, exact=exact)
    cum = counts.cumsum(axis=0)
    left_transit = (
        sum(
            cum[:, :, _col(m)]
            for m in ("interdicted_mx", "deaths", "returned_us", "released_us", "got_away")
        )
        + cum[:, :, _col("port_entries")]
    )
    np.testing.assert_array_equal(
        cum[:, :, _col("departures")], counts[:, :, _col("in_transit")] + left_transit
    )
    np.testing.assert_array_equal(
        counts[:, :, _col("encounters")],
        counts[:, :, _col("returned_us")] + counts[:, :, _col("released_us")],
    )
    by_type = ("encounters_uac", "encounters_family", "encounters_single")
    np.testing.assert_array_equal(
        counts[:, :, _col("encounters")], sum(counts[:, :, _col(m)] for m in by_type)
    )
    # households: with someone on the way or not; people in the US and dead are not households
    np.testing.assert_array_equal(
        counts[:, :, _col("at_home")] + counts[:, :, _col("in_transit")], 30_000
    )
    np.testing.assert_array_equal(counts[:, :, _col("dead")], cum[:, :, _col("deaths")])
    np.testing.assert_array_equal(
        counts[:, :, _col("in_us")],
        cum[:, :, _col("released_us")]
        + cum[:, :, _col("got_away")]
        + cum[:, :, _col("port_entries")]
        - cum[:, :, _col("voluntary_returns")],
    )


@pytest.mark.parametrize("exact", [False, True])
def test_deterministic_per_seed(inputs, params, exact):
    a = _run(inputs, params, seed=3, exact=exact)
    np.testing.assert_array_equal(a, _run(inputs, params, seed=3, exact=exact))
    assert not np.array_equal(a, _run(inputs, params, seed=4, exact=exact))


def test_skipping_and_exact_paths_agree_in_distribution(inputs, params):
    """The event-skipping kernel only changes which random numbers are drawn: over many seeds,
    its mean departures, encounters, returns and final stocks equal the per-household pass's
    within sampling error (the spread between seeds)."""
    params.update(
        base_departure_rate=0.01,
        voluntary_return_rate=0.05,
        us_return_probability=0.5,
        reattempt_delay_months=2,
    )
    names = (
        "departures",
        "interdicted_mx",
        "encounters",
        "returned_us",
        "voluntary_returns",
        "got_away",
    )
    seeds = range(12)
    totals = {}
    for exact in (False, True):
        runs = [_run(inputs, params, seed=s, households=20_000, exact=exact) for s in seeds]
        totals[exact] = np.array(
            [[r[:, 0, _col(m)].sum() for m in names] + [r[-1, 0, _col("in_us")]] for r in runs],
            dtype=float,
        )
    skipping, exact = totals[False], totals[True]
    assert (exact.mean(axis=0) > 100).all()  # enough events for the comparison to bite
    error = np.sqrt((skipping.var(axis=0, ddof=1) + exact.var(axis=0, ddof=1)) / len(seeds))
    np.testing.assert_array_less(np.abs(skipping.mean(axis=0) - exact.mean(axis=0)), 5 * error)
    # and the comparison can see a real difference: a 10% higher base rate shows
    params.update(base_departure_rate=0.011)
    more = np.mean([_run(inputs, params, seed=s, households=20_000)[:, 0, 0].sum() for s in seeds])
    assert more - skipping[:, 0].mean() > 5 * error[0]


def test_state_stays_within_the_memory_budget(inputs, params):
    run = engine.run(inputs, params, params, households=20_000, seed=1)
    assert 24 < run.bytes_per_household <= 64  # the skip index is counted too
    exact = engine.run(inputs, params, params, households=20_000, seed=1, exact=True)
    assert exact.bytes_per_household == 24


def test_sharded_run_depends_on_seed_not_workers(inputs, params):
    kwargs = {"households": 5_000, "seed": 11, "shard_size": 2_000}
    one = engine.run(inputs, params, params, workers=1, **kwargs)
    two = engine.run(inputs, params, params, workers=2, **kwargs)
    np.testing.assert_array_equal(one.values, two.values)
    # weights turn sampled households into real ones
    assert one.weights[0] == pytest.approx(1_000_000 / 5_000)
    households = one.values[:, 0, _col("at_home")] + one.values[:, 0, _col("in_transit")]
    np.testing.assert_allclose(households, 1_000_000)


def test_title_42_returns_more_migrants(tiny_network, params):
    """Single adults only, no second crossing: removed at the Title 8 rate without Title 42; with
    it, expelled at the Title 42 rate and the rest removed at the Title 8 rate."""
    params.update(base_departure_rate=0.02, share_uac=0.0, share_family=0.0, recross_probability=0)
    share = {}
    for t42 in (0.0, 1.0):
        counts = _run(tiny_inputs(tiny_network, title_42=t42), params, households=30_000)[:, 0]
        share[t42] = counts[:, _col("returned_us")].sum() / counts[:, _col("encounters")].sum()
    removal, expel = params["us_return_probability"], params["title42_expulsion_probability"]
    assert share[0.0] == pytest.approx(removal, abs=0.03)
    assert share[1.0] == pytest.approx(expel + (1 - expel) * removal, abs=0.03)


def test_levers_move_departures_against_the_anchor(inputs, params):
    """Scenario levers are not absorbed by the intercept anchor (anchored at neutral levers)."""
    base = engine.simulate(inputs, params, params, 30_000, 5).counts
    tough = dict(params, deterrence_add=2.0)
    deterred = engine.simulate(inputs, tough, params, 30_000, 5).counts
    col = _col("departures")
    assert deterred[:, :, col].sum() < 0.7 * base[:, :, col].sum()
