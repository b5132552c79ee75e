from __future__ import annotations

import numpy as np

from rootcauses.sim import population as pop


def test_allocate_is_proportional_and_exact():
    counts = pop.allocate(1000, np.array([3.76e6, 2.57e6, 1.59e6]))
    assert counts.sum() == 1000
    assert counts.tolist() == [475, 324, 201]


def test_memory_per_household_within_budget(params):
    rng = np.random.default_rng(1)
    people = pop.synthesize(
        np.array([600, 400]), [np.array([0, 1]), np.array([2])], np.log([9000, 6000]), params, rng
    )
    assert len(people) == 1000
    nbytes = sum(a.nbytes for a in people.arrays().values())
    assert nbytes / len(people) <= 64
    assert people.bytes_per_household() == 24
    assert all(a.dtype.itemsize <= 4 for a in people.arrays().values())
    assert set(people.origin[people.country == 1]) == {2}
    # every remittance receiver has family abroad
    assert np.all(people.network[people.remittance == 1] == 1)


def test_synthesized_incomes_follow_their_country(params):
    """Each country's rows get that country's mean log income (the in-place per-country shift)
    and the 0/1 columns take their documented shares."""
    rng = np.random.default_rng(3)
    counts = np.array([30_000, 20_000, 10_000])
    means = np.log([9000.0, 3000.0, 6000.0])
    people = pop.synthesize(
        counts, [np.array([0]), np.array([1]), np.array([2])], means, params, rng
    )
    sigma = params["income_sigma"]
    expected = means + np.log(params["income_share_of_gdp"]) - 0.5 * sigma**2
    for c, n in enumerate(counts):
        rows = people.log_income[people.country == c]
        assert rows.size == n
        assert abs(rows.mean() - expected[c]) < 4 * sigma / np.sqrt(n)
    assert people.climate.dtype == np.uint8 and set(np.unique(people.climate)) <= {0, 1}
    share = params["climate_exposed_share"]
    assert abs(people.climate.mean() - share) < 4 * np.sqrt(share * (1 - share) / counts.sum())
    share = params["remittance_share"]
    assert abs(people.remittance.mean() - share) < 4 * np.sqrt(share * (1 - share) / counts.sum())


def test_synthesize_is_determined_by_the_seed(params):
    def draw(seed: int) -> pop.Population:
        return pop.synthesize(
            np.array([500, 300]),
            [np.array([0, 1]), np.array([2])],
            np.log([9000, 6000]),
            params,
            np.random.default_rng(seed),
        )

    a, b, c = draw(5), draw(5), draw(6)
    for name, values in a.arrays().items():
        np.testing.assert_array_equal(values, getattr(b, name))
    assert not np.array_equal(a.log_income, c.log_income)
