"""Department-level designs (Clemens-style) on emigration by department."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import departments as dep


def _departments(beta: float, n: int = 18, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    homicide = rng.uniform(10, 80, n)
    hdi = rng.uniform(0.5, 0.7, n)
    return pd.DataFrame(
        {
            "code": [f"HN-{i:02d}" for i in range(n)],
            "homicide_rate": homicide,
            "shdi": hdi,
            "emigrants_per_1000": 20 + beta * homicide + rng.normal(0, 3, n),
        }
    )


def test_a_planted_association_is_found_and_a_null_one_is_not() -> None:
    found = dep.cross_section(
        _departments(0.5),
        "emigrants_per_1000",
        ["homicide_rate", "shdi"],
        cluster="code",
        permutations=999,
    ).set_index("driver")
    assert found.loc["homicide_rate", "lo95"] <= 0.5 <= found.loc["homicide_rate", "hi95"]
    assert found.loc["homicide_rate", "perm_p_value"] < 0.01
    null = dep.cross_section(
        _departments(0.0, seed=1),
        "emigrants_per_1000",
        ["homicide_rate"],
        cluster="code",
        permutations=999,
    ).set_index("driver")
    assert null.loc["homicide_rate", "perm_p_value"] > 0.05


def test_few_clusters_are_permuted_exactly() -> None:
    data = _departments(0.5, n=12)
    data["region"] = np.repeat(["a", "b", "c", "d"], 3)
    data["shdi"] = data["region"].map({"a": 0.5, "b": 0.55, "c": 0.6, "d": 0.65})
    out = dep.cross_section(data, "emigrants_per_1000", ["shdi"], cluster="region")
    # 4! = 24 orderings: the p-value is a multiple of 1/24 and never below it
    p = out["perm_p_value"].item()
    assert p >= 1 / 24 and (p * 24) == pytest.approx(round(p * 24))


def test_the_department_designs_run_on_the_store(store) -> None:
    fits = {f.country: f for f in dep.fit_departments(store)}
    assert set(fits) == {"HND", "SLV", "GTM"}
    honduras = fits["HND"]
    assert honduras.rows == 18 and set(honduras.table["driver"]) == {"homicide_rate", "shdi"}
    assert fits["SLV"].clusters == 4 and "24 orderings" in fits["SLV"].note
    assert fits["GTM"].rows == 22 and fits["GTM"].clusters == 8  # every department, 8 regions
    table = dep.departments_table(list(fits.values()))
    assert table["perm_p_value"].between(0, 1).all()
