"""Sobol indices: the known Ishigami indices through the same code path, the simulation end to
end, and parameter errors that name what is allowed."""

from __future__ import annotations

import numpy as np
import pytest

from rootcauses.sim import engine
from rootcauses.sim import sensitivity as sens
from rootcauses.sim.ensemble import Executor
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import (
    CalibrationFile,
    Scenario,
    load_parameter_specs,
    load_scenario,
    neutral_levers,
)
from tests.sim.conftest import tiny_inputs

A, B = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    y = np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])
    return np.stack([y, 2.0 * y + 5.0], axis=1)  # an affine copy has the same indices


def ishigami_truth() -> dict[str, tuple[float, float]]:
    """Analytic (S1, ST) of the Ishigami function on [-pi, pi]^3."""
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"x1": (v1 / var, (v1 + v13) / var), "x2": (v2 / var, v2 / var), "x3": (0.0, v13 / var)}


def test_ishigami_indices_are_recovered():
    problem = sens.Problem(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)
    outputs = [sens.Output("y", "ALL"), sens.Output("y_affine", "ALL")]
    y, rows = sens.sobol_indices(problem, ishigami, outputs, samples=1024, seed=3)
    assert y.shape == (1024 * 5, 2)
    truth = ishigami_truth()
    for row in rows:
        s1, st = truth[row["parameter"]]
        assert row["S1"] == pytest.approx(s1, abs=0.05), row
        assert row["ST"] == pytest.approx(st, abs=0.05), row
        assert row["S1_conf"] > 0 and row["ST_conf"] > 0


def test_an_output_that_does_not_vary_has_no_indices():
    problem = sens.Problem(("x1", "x2"), ((0.0, 1.0),) * 2)
    _, rows = sens.sobol_indices(
        problem, lambda x: np.ones((len(x), 1)), [sens.Output("flat", "ALL")], samples=8
    )
    assert all(r["S1"] is None and r["ST"] is None for r in rows)


def test_model_with_the_wrong_shape_is_an_error():
    problem = sens.Problem(("x1", "x2"), ((0.0, 1.0),) * 2)
    with pytest.raises(SimError, match="expected"):
        sens.sobol_indices(problem, lambda x: np.ones((len(x), 3)), [sens.Output("y", "ALL")], 8)


def test_default_problem_is_every_uncertain_parameter_but_no_lever():
    specs = load_parameter_specs()
    problem = sens.problem_for(specs)
    assert problem.names and all(specs[n].uncertainty is not None for n in problem.names)
    assert not any(specs[n].lever for n in problem.names)
    assert problem.bounds[0] == tuple(specs[problem.names[0]].uncertainty)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["beta_violence", "walls"], "'walls' cannot vary; allowed"),
        (["violence_multiplier"], "'violence_multiplier' cannot vary"),  # a lever
        (["smuggler_fee_usd"], "'smuggler_fee_usd' cannot vary"),  # no uncertainty interval
        (["beta_violence", "beta_violence"], "more than once"),
    ],
)
def test_bad_parameters_name_the_allowed_ones(names, message):
    specs = load_parameter_specs()
    with pytest.raises(SimError, match=message) as info:
        sens.problem_for(specs, names)
    if "allowed" in message:
        assert all(n in str(info.value) for n in sens.uncertain_parameters(specs))


@pytest.mark.parametrize("samples", [0, 1, 48])
def test_samples_must_be_a_power_of_two(samples):
    with pytest.raises(SimError, match="power of 2"):
        sens.check_samples(samples)


def test_headline_values_sum_the_run_and_subtract_the_baseline():
    counts = np.zeros((2, 3, 2, len(engine.METRICS)))  # member, month, country, metric
    enc, dep = engine.METRICS.index("encounters"), engine.METRICS.index("departures")
    counts[:, :, 0, enc] = 1.0  # 3 per member in country 0
    counts[:, :, 1, enc] = 2.0  # 6 in country 1
    counts[1, :, :, dep] = 10.0  # member 1: 30 per country
    base = counts.copy()
    base[:, :, :, enc] = 0.0
    outputs = sens.headline_outputs(("GTM", "HND"), difference=True)
    values = sens.headline_values(counts, base)
    assert values.shape == (2, len(outputs))
    got = {(o.metric, o.citizenship): values[:, j].tolist() for j, o in enumerate(outputs)}
    assert got[("encounters", "ALL")] == [9.0, 9.0]
    assert got[("encounters", "HND")] == [6.0, 6.0]
    assert got[("departures", "GTM")] == [0.0, 30.0]
    assert got[("encounters_difference", "ALL")] == [9.0, 9.0]
    assert got[("departures_difference", "ALL")] == [0.0, 0.0]


def test_sensitivity_on_the_tiny_simulation(inputs):
    payload = sens.sensitivity(
        load_scenario("deterrence"),
        inputs,
        households=800,
        months=4,
        seed=2,
        parameters=["beta_policy", "beta_cost"],
        samples=4,
        baseline=load_scenario("status_quo"),
        executor=Executor("serial"),
    )
    names = payload["problem"]["names"]
    assert payload["kind"] == "sobol" and payload["baseline"] == "status_quo"
    assert payload["evaluations"] == 4 * (len(names) + 2)
    assert payload["simulations"] == 2 * payload["evaluations"]
    outputs = {(r["output"], r["citizenship"]) for r in payload["indices"]}
    assert ("encounters", "ALL") in outputs and ("encounters_difference", "GTM") in outputs
    assert len(payload["indices"]) == len(outputs) * len(names)
    by_name = {
        r["parameter"]: r
        for r in payload["indices"]
        if (r["output"], r["citizenship"]) == ("departures", "ALL")
    }
    assert set(by_name) == set(names)
    assert all(isinstance(r["ST"], float) for r in by_name.values())

    rows = sens.sensitivity_rows(payload)
    assert len(rows) == 2 * len(payload["indices"])
    assert rows["metric"].str.match(r"sobol_(S1|ST):\w+:\w+").all()
    assert (rows["lo"].dropna() <= rows.loc[rows["lo"].notna(), "value"]).all()


REGION = {
    "beta_violence": {"low": 0.1, "high": 0.5, "share_of_box": 0.3, "pinned": False},
    "beta_income_gap": {"low": 0.4, "high": 0.9, "share_of_box": 0.2, "pinned": True},
    "beta_cascade": {"low": -0.6, "high": -0.6, "share_of_box": 0.0, "pinned": True},
}


def _calibration(start: str = "2019-01", region=None) -> CalibrationFile:
    provenance = {"train_start": start, "plausible_region": REGION if region is None else region}
    return CalibrationFile("test", None, provenance, {})


def test_calibrated_problem_varies_the_open_region_and_holds_single_points():
    problem, held = sens.calibrated_problem(_calibration().provenance)
    assert problem.names == ("beta_income_gap", "beta_violence")
    assert problem.bounds == ((0.4, 0.9), (0.1, 0.5))
    assert held == {"beta_cascade": -0.6}
    problem, held = sens.calibrated_problem(_calibration().provenance, ["beta_violence"])
    assert problem.names == ("beta_violence",)
    assert held == {"beta_income_gap": 0.4, "beta_cascade": -0.6}


@pytest.mark.parametrize(
    ("names", "region", "message"),
    [
        (["beta_cascade"], None, "'beta_cascade' cannot vary; allowed .*beta_income_gap"),
        (None, {}, "no plausible region"),
        (None, {"beta_cascade": REGION["beta_cascade"]}, "single point"),
    ],
)
def test_calibrated_problem_errors(names, region, message):
    with pytest.raises(SimError, match=message):
        sens.calibrated_problem(_calibration(region=region).provenance, names)


def test_calibrated_sensitivity_totals_only_the_window(tiny_network):
    world = tiny_inputs(
        tiny_network, months=12
    )  # 2019-01 .. 2019-12: FY2019 and 3 months of FY2020
    specs = load_parameter_specs()
    payload = sens.calibrated_sensitivity(
        world,
        _calibration(),
        specs,
        households=800,
        seed=1,
        samples=4,
        years=(2020, 2024),
        executor=Executor("serial"),
    )
    assert payload["window"] == {"first": "2019-10-01", "last": "2019-12-01"}
    assert payload["problem"]["names"] == ["beta_income_gap", "beta_violence"]
    assert payload["held"] == {"beta_cascade": -0.6}
    assert payload["parameters"]["beta_cascade"] == -0.6
    assert payload["calibration"]["name"] == "test"
    # the Sobol model totals the window's months only
    problem = sens.Problem(("beta_income_gap", "beta_violence"), ((0.4, 0.9), (0.1, 0.5)))
    scenario = Scenario("history", "", None, {}, payload["parameters"])
    window = np.arange(12) >= 9
    model = sens.simulation_model(
        scenario, None, world, problem, households=800, seed=1, executor=Executor("serial"),
        specs=specs, window=window,
    )  # fmt: skip
    member = {**payload["parameters"], "beta_income_gap": 0.5, "beta_violence": 0.2}
    counts = engine.run(world, member, neutral_levers(member, specs), households=800, seed=1)
    encounters = counts.values[:, :, engine.METRICS.index("encounters")]
    got = model(np.array([[0.5, 0.2]]))
    assert got[0, 0] == pytest.approx(encounters[9:].sum())
    assert encounters[:9].sum() > 0  # so the window made a difference


def test_calibrated_sensitivity_must_start_at_the_training_start(tiny_network):
    with pytest.raises(SimError, match="training start 2013-10"):
        sens.calibrated_sensitivity(
            tiny_inputs(tiny_network),
            _calibration(start="2013-10"),
            load_parameter_specs(),
            households=10,
            executor=Executor("serial"),
        )
