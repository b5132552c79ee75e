from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rootcauses.sim import decision, engine, kernel
from rootcauses.sim import population as pop
from rootcauses.sim.engine import METRICS
from rootcauses.sim.errors import SimError
from rootcauses.sim.population import HOME
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
        "country_shift": rng.normal(0, 0.5, 3),
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
        encounter_probability_family_uac=1.0,
        us_return_probability=1.0,
        removal_family=1.0,
        removal_uac=1.0,
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
    draws right at the probability. The reference is the compiled exact comparison: the
    compiled exp and NumPy's may differ in the last bit, which must not fail this test."""
    rng = np.random.default_rng(5)
    z = rng.uniform(-40, 8, 20_000)
    p = np.array([kernel._departure_probability(a) for a in z])
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z)), rtol=1e-14)
    draws = np.concatenate([rng.random(z.size), p * (1 - 1e-12), p * (1 + 1e-12), p])
    zs = np.tile(z, 4)
    got = np.array([kernel._departs(a, r) for a, r in zip(zs, draws, strict=True)])
    np.testing.assert_array_equal(got, draws < np.tile(p, 4))
    assert got.any() and not got.all()
    # draws exactly at the probability stay, just below it leave
    assert not got[3 * z.size :].any()
    assert got[z.size : 2 * z.size].sum() == (p * (1 - 1e-12) < p).sum()


def _random_terms(rng: np.random.Generator, params: dict[str, float]) -> kernel.HazardTerms:
    cost = params["smuggler_fee_usd"] * params["smuggler_fee_multiplier"]
    return kernel.hazard_terms(
        float(rng.normal(-6, 1)),
        decision.Coefficients.from_params(params),
        {
            "log_homicide": np.log(rng.uniform(5, 60, 3)),
            "income_shift": rng.normal(0, 0.2, 3),
            "drought": rng.uniform(0, 2, 3),
            "deterrence": float(rng.uniform(0, 3)),
        },
        float(np.log(params["us_gdp_pc_ppp"])),
        float(np.log(max(cost, 1.0))),
        np.log(rng.uniform(3.5, 5.0, 3)),
        rng.uniform(0, 0.5, 5),
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_block_bounds_cover_every_household(params, seed):
    """Every household's hazard is at most its block's candidate probability, in the month the
    index was sorted on and in later months with other drivers (violence coefficients of either
    sign, droughts, origin risks); and in the sort month the bound is tight."""
    rng = np.random.default_rng(seed)
    people, index = kernel.skip_index(
        _random_population(rng, params), (first := _random_terms(rng, params)), 3
    )
    sizes = np.diff(index.block_start)
    assert sizes.sum() == len(people) and sizes.min() >= 1 and sizes.max() <= kernel.BLOCK
    for t in range(4):
        other = _random_terms(rng, params)  # later months: other drivers, same coefficients
        violence = -other.violence if t == 3 else other.violence
        terms = (
            first
            if t == 0
            else kernel.HazardTerms(
                other.country_const, violence, other.climate, other.origin_const, first.household
            )
        )
        bound = np.repeat(kernel.block_bounds(index, terms), sizes)
        hazard = kernel.hazards(people, terms)
        assert (hazard <= bound).all()
        if t == 0:
            assert bound.sum() < 1.5 * hazard.sum()


def test_block_bounds_refuse_other_household_coefficients(params):
    rng = np.random.default_rng(3)
    terms = _random_terms(rng, params)
    _, index = kernel.skip_index(_random_population(rng, params), terms, 3)
    other = kernel.HazardTerms(
        terms.country_const, terms.violence, terms.climate, terms.origin_const,
        terms.household + 0.1,
    )  # fmt: skip
    with pytest.raises(SimError, match="household coefficients"):
        kernel.block_bounds(index, other)


def test_skip_index_keeps_the_households(params):
    """Sorting and packing only reorders households; the columns are views of one record array
    and sorting puts equal hazards next to each other."""
    rng = np.random.default_rng(6)
    before = _random_population(rng, params)
    terms = _random_terms(rng, params)
    after, _index = kernel.skip_index(before, terms, 3)
    for name, values in before.arrays().items():
        np.testing.assert_array_equal(np.sort(getattr(after, name)), np.sort(values))
    records = after.eligible_from.base
    assert records is not None and records.dtype == kernel.RECORD
    assert all(a.base is records for a in after.arrays().values())
    rows = np.lexsort((before.log_income, before.violence, before.origin))
    again = np.lexsort((after.log_income, after.violence, after.origin))
    np.testing.assert_array_equal(before.attempts[rows], after.attempts[again])
    hazard = kernel.hazards(after, terms)
    neighbours = np.abs(np.diff(np.log(hazard))).mean()
    assert neighbours < 0.2 * np.abs(np.log(hazard) - np.log(hazard).mean()).mean()


def test_origin_counts_equal_bincount(params):
    """The one-pass counts are np.bincount's (with the network flag as weights), origins
    without households included; an origin past the count is an error, not a stray write."""
    people = _random_population(np.random.default_rng(12), params)
    households, networked = kernel.origin_counts(people, 7)
    np.testing.assert_array_equal(households, np.bincount(people.origin, minlength=7))
    np.testing.assert_array_equal(
        networked, np.bincount(people.origin, weights=people.network, minlength=7)
    )
    assert households[5:].sum() == 0 and networked.sum() > 0
    with pytest.raises(IndexError):
        kernel.origin_counts(people, 3)


def test_counting_rank_is_a_stable_sort():
    key = np.random.default_rng(7).integers(0, 50, 5_000)
    rank = kernel._counting_rank(key, 50)
    order = np.empty_like(rank)
    order[rank] = np.arange(key.size)
    np.testing.assert_array_equal(order, np.argsort(key, kind="stable"))


def test_anchor_moments_from_exponentials_equal_the_direct_ones():
    u = np.random.default_rng(8).normal(-1.0, 2.0, 5_000)
    moments = kernel.exp_moments(u)
    for a in (-8.0, -2.5, 0.0, 3.0):
        np.testing.assert_allclose(moments(a, u), kernel.logistic_moments(a, u), rtol=1e-10)
    assert kernel.exp_moments(np.array([800.0])) is kernel.logistic_moments


def test_bounds_hold_every_month_of_a_run(monkeypatch, tiny_network, params):
    """In a run where many go and come back (more attempts, family abroad: higher hazards),
    every household at home that may decide is covered by its block's bound every month."""
    params.update(
        base_departure_rate=0.05,
        us_return_probability=0.7,
        voluntary_return_rate=0.2,
        reattempt_delay_months=0,
    )
    seen: dict[str, object] = {}
    skip_index, fill = kernel.skip_index, kernel.fill_block_bounds

    def spy_index(people, terms, n_countries):
        seen["people"], seen["index"] = skip_index(people, terms, n_countries)
        return seen["people"], seen["index"]

    months = []

    def spy_fill(index, terms):
        fill(index, terms)
        people = seen["people"]
        t = len(months)
        deciding = (people.status == HOME) & (people.eligible_from <= t)
        bound = np.repeat(-np.expm1(-index.rate), np.diff(index.block_start))
        hazard = kernel.hazards(people, terms)
        months.append((deciding.sum(), (people.attempts > 0).sum()))
        assert (hazard[deciding] <= bound[deciding]).all()

    monkeypatch.setattr(kernel, "skip_index", spy_index)
    monkeypatch.setattr(kernel, "fill_block_bounds", spy_fill)
    n_months = 2 * kernel.REFRESH_MONTHS + 2  # the bounds are refreshed twice
    engine.simulate(tiny_inputs(tiny_network, months=n_months), params, params, 5_000, 2)
    assert len(months) == n_months
    assert months[-1][1] > 500  # many came back with an attempt more


def _thinning_candidates(
    decide: np.random.Generator, rate: np.ndarray, block_start: np.ndarray, chance: np.ndarray
) -> list[tuple[int, float]]:
    """The month's candidates as the block-by-block thinning loop draws them (the kernel's
    documented order: an exponential budget, then per candidate a new budget and its uniform)."""
    found = []
    budget = decide.standard_exponential()
    for b in range(rate.size):
        lam, pos, end = rate[b], block_start[b], block_start[b + 1]
        if budget >= lam * (end - pos):
            budget -= lam * (end - pos)
            continue
        while True:
            gap = budget / lam
            if gap >= end - pos:
                budget -= lam * (end - pos)
                break
            i = pos + int(gap)
            budget = decide.standard_exponential()
            accept = decide.random()
            pos = i + 1
            found.append((i, accept * chance[b]))
    return found


def test_batched_candidates_are_the_block_by_block_ones(monkeypatch, tiny_network, params):
    """month_skipping draws its candidates kernel.BATCH at a time before visiting them: it
    consumes each month's decision stream exactly as the block-by-block loop does (the same
    numbers in the same order, so the generator ends in the same state), over several batches
    a month whose boundaries fall inside blocks, and its last batch holds the loop's last
    candidates with their thresholds."""
    params.update(base_departure_rate=0.2)
    original = kernel.month_skipping
    counts = []

    def spy(rng, decide, t, h, terms, journey, rules, skip, sampled, tally):
        replay = np.random.Generator(np.random.PCG64())
        replay.bit_generator.state = decide.bit_generator.state
        rate, chance = skip.rate.copy(), skip.chance.copy()
        original(rng, decide, t, h, terms, journey, rules, skip, sampled, tally)
        found = _thinning_candidates(replay, rate, skip.block_start, chance)
        assert replay.bit_generator.state == decide.bit_generator.state
        last = len(found) % kernel.BATCH or kernel.BATCH
        np.testing.assert_array_equal(skip.pending[:last], [i for i, _ in found[-last:]])
        np.testing.assert_array_equal(skip.threshold[:last], [u for _, u in found[-last:]])
        counts.append(len(found))

    monkeypatch.setattr(kernel, "month_skipping", spy)
    engine.simulate(tiny_inputs(tiny_network, months=4), params, params, 5_000, 3)
    assert len(counts) == 4
    assert min(counts) > 3 * kernel.BATCH


def test_hazard_terms_for_all_months_at_once_equal_month_by_month(inputs, params):
    """The engine builds every month's terms in one broadcast call; each row is that month's."""
    rng = np.random.default_rng(9)
    params.update(income_growth_extra=0.02, deterrence_add=0.5, climate_shock_add=0.3)
    beta = decision.Coefficients.from_params(params)
    n = len(inputs.months)
    risk = rng.uniform(0, 0.3, (n, 1))
    args = (1.5, 8.0, np.log(inputs.household_size))
    every = kernel.hazard_terms(-5.0, beta, engine._month_terms_all(inputs, params), *args, risk)
    for t in (0, 5, n - 1):
        one = kernel.hazard_terms(
            -5.0, beta, engine._month_terms(inputs, params, t), *args, risk[t]
        )
        for name in ("country_const", "violence", "climate", "origin_const"):
            np.testing.assert_array_equal(getattr(every, name)[t], getattr(one, name))


def test_anchor_moments_equal_utilities_and_their_exponential_moments(params):
    """The fused anchor pass gives the utilities of :func:`kernel.utilities` and the moments of
    :func:`kernel.exp_moments` on them."""
    rng = np.random.default_rng(9)
    people = _random_population(rng, params)
    terms = _random_terms(rng, params)
    u, moments = kernel.anchor_moments(people, terms)
    np.testing.assert_array_equal(u, kernel.utilities(people, terms))
    reference = kernel.exp_moments(u)
    for a in (-8.0, -2.5, 0.0, 3.0):
        np.testing.assert_allclose(moments(a, u), reference(a, u), rtol=1e-12)
    huge = kernel.HazardTerms(
        terms.country_const + 800.0, terms.violence, terms.climate, terms.origin_const,
        terms.household,
    )  # fmt: skip
    u_huge, fallback = kernel.anchor_moments(people, huge)
    assert fallback is kernel.logistic_moments
    assert u_huge.max() > 700.0


def test_skip_keys_equal_the_array_formula():
    rng = np.random.default_rng(10)
    n = 4_000
    origin = rng.integers(0, 40, n).astype(np.uint8)
    climate = rng.integers(0, 2, n).astype(np.uint8)
    score = rng.normal(0.0, 2.0, n)
    lo, hi = float(score.min()), float(score.max())
    scale = (kernel.SCORE_BINS - 1) / (hi - lo)
    expected = (origin.astype(np.int64) * 2 + climate) * kernel.SCORE_BINS + (
        (score - lo) * scale
    ).astype(np.int64)
    keys = kernel._skip_keys(origin, climate, score, lo, scale)
    np.testing.assert_array_equal(keys, expected)
    assert keys.max() < 512 * kernel.SCORE_BINS


def test_pack_reorders_the_score_with_the_households(params):
    rng = np.random.default_rng(11)
    people = _random_population(rng, params)
    people.attempts[:] = 0
    score = rng.random(len(people))
    rank = rng.permutation(len(people))
    packed, _records, sorted_score = kernel.pack(people, rank, score)
    np.testing.assert_array_equal(sorted_score[rank], score)
    np.testing.assert_array_equal(packed.log_income[rank], people.log_income)
    np.testing.assert_array_equal(packed.origin[rank], people.origin)
