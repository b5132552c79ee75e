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
    assert people.bytes_per_household() == 22
    assert all(a.dtype.itemsize <= 4 for a in people.arrays().values())
    assert set(people.origin[people.country == 1]) == {2}
    # every remittance receiver has family abroad
    assert np.all(people.network[people.remittance == 1] == 1)
