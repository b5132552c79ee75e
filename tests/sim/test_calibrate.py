from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from rootcauses.cli import sim as cli
from rootcauses.sim import calibrate as cal
from rootcauses.sim import scenarios
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import load_parameter_specs
from tests.sim.conftest import tiny_inputs

HOUSEHOLDS, SEED = 10_000, 7
TRUTH = {"base_departure_rate": 0.02, "beta_violence": 1.2}
FREE = tuple(TRUTH)


@pytest.fixture
def world(tiny_network, params):
    """36 months whose homicide rate swings by a factor e each way over a year (so beta_violence
    is identified), everyone encountered and returned home (no depletion, no re-attempt
    feedback), and a target produced by the simulator itself with TRUTH."""
    inputs = tiny_inputs(tiny_network, months=36)
    swing = 30.0 * np.exp(np.sin(2 * np.pi * np.arange(36) / 12))[:, None]
    inputs = dataclasses.replace(inputs, homicide_rate=swing)
    specs = load_parameter_specs()
    params = {
        **params,
        "us_encounter_probability": 1.0,
        "encounter_probability_family_uac": 1.0,
        "us_return_probability": 1.0,
        "removal_family": 1.0,
        "removal_uac": 1.0,
        "beta_attempts": 0.0,
    }
    observed = cal.simulate_encounters(inputs, {**params, **TRUTH}, specs, HOUSEHOLDS, SEED)
    target = cal.Target(inputs.countries, inputs.months, observed)
    return inputs, target, specs, params


def _start(params):
    return {**params, "base_departure_rate": 0.008, "beta_violence": 0.5}


def test_calibration_recovers_known_parameters(world):
    inputs, target, specs, params = world
    calibration, scores = cal.calibrate_target(
        inputs, target, 24, _start(params), specs, free=FREE, households=HOUSEHOLDS, seed=SEED
    )
    fitted = calibration.fitted
    assert fitted["base_departure_rate"] == pytest.approx(TRUTH["base_departure_rate"], rel=0.1)
    assert fitted["beta_violence"] == pytest.approx(TRUTH["beta_violence"], abs=0.15)
    # the same seed and households reproduce the target: the fit is close on both windows
    assert scores["training"]["flee_ard"] < 0.1
    assert scores["validation"]["simulation"]["flee_ard"] < 0.15


def test_validation_window_is_never_used_in_fitting(world):
    """Wreck the validation window's encounters and drivers: the fit must not move."""
    inputs, target, specs, params = world
    n_train = 24
    kwargs = dict(free=FREE, households=HOUSEHOLDS, seed=SEED, max_evaluations=60)
    clean, _ = cal.calibrate_target(inputs, target, n_train, _start(params), specs, **kwargs)

    values = target.values.copy()
    values[n_train:] *= 1000
    homicide = inputs.homicide_rate.copy()
    homicide[n_train:] = 500.0
    wrecked_inputs = dataclasses.replace(inputs, homicide_rate=homicide)
    wrecked_target = dataclasses.replace(target, values=values)
    wrecked, scores = cal.calibrate_target(
        wrecked_inputs, wrecked_target, n_train, _start(params), specs, **kwargs
    )
    assert wrecked.fitted == clean.fitted
    assert wrecked.loss == clean.loss
    assert scores["validation"]["simulation"]["flee_ard"] > 0.9  # but it is scored on it


def test_flee_ard_and_mase_by_hand():
    observed = np.array([[10.0, 30.0], [20.0, 20.0]])
    simulated = np.array([[12.0, 26.0], [20.0, 30.0]])
    # month 1: (2 + 4) / 40; month 2: 10 / 40
    assert cal.flee_ard(simulated, observed) == pytest.approx((6 / 40 + 10 / 40) / 2)
    scores = cal.score(simulated, observed, np.array([2.0, 5.0]), ("GTM", "HND"))
    assert scores["mase_by_country"] == {"GTM": pytest.approx(0.5), "HND": pytest.approx(1.4)}
    train = np.arange(24.0)[:, None]
    forecast = cal.seasonal_naive_forecast(train, 15)
    assert forecast[:12, 0].tolist() == list(range(12, 24))
    assert forecast[12:, 0].tolist() == [12.0, 13.0, 14.0]


@pytest.mark.parametrize(
    ("text", "window"),
    [("2014..2019", (2014, 2019)), ("FY2014..FY2019", (2014, 2019)), ("2020", (2020, 2020))],
)
def test_parse_window(text, window):
    parsed = cal.parse_window(text)
    assert (parsed.first, parsed.last) == window
    assert parsed.start.isoformat() == f"{window[0] - 1}-10-01"
    calendar = pd.date_range(parsed.start, parsed.end, freq="MS")
    assert parsed.months == len(calendar) == 12 * (window[1] - window[0] + 1)


@pytest.mark.parametrize("text", ["", "fy14", "2019..2014"])
def test_bad_window_is_a_clear_error(text):
    with pytest.raises(SimError, match="--train"):
        cal.parse_window(text)


def test_empty_training_window_is_a_clear_error(world):
    inputs, target, specs, params = world
    with pytest.raises(SimError, match="training window"):
        cal.calibrate_target(inputs, target, 0, params, specs, free=FREE)
    with pytest.raises(SimError, match="burn-in"):
        cal.fit(inputs, target.values[:2], params, specs, free=FREE)
    with pytest.raises(SimError, match="no observed encounters"):
        cal.fit(inputs, np.full((12, 1), np.nan), params, specs, free=FREE)
    with pytest.raises(SimError, match="leave months to validate"):
        cal.calibrate_target(inputs, target, 36, params, specs, free=FREE)


def test_unknown_country_or_parameter_is_a_clear_error(world):
    inputs, target, specs, params = world
    with pytest.raises(SimError, match=r"unknown country 'MEX'.*GTM, HND, SLV"):
        cal.check_countries(["GTM", "MEX"])
    with pytest.raises(SimError, match="no country"):
        cal.check_countries([])
    with pytest.raises(SimError, match="unknown parameter 'beta_walls'"):
        cal.fit(inputs, target.values[:24], params, specs, free=("beta_walls",))
    with pytest.raises(SimError, match="lever"):
        cal.fit(inputs, target.values[:24], params, specs, free=("deterrence_add",))


def test_calibrated_file_becomes_the_default(tmp_path, monkeypatch):
    path = tmp_path / "calibrated.yaml"
    cal.write_calibrated(
        path,
        cal.calibrated_document({"beta_violence": 0.9}, {"build_id": "b1", "seed": 0}),
    )
    assert yaml.safe_load(path.read_text())["overrides"] == {"beta_violence": 0.9}
    monkeypatch.setattr(scenarios, "calibrated_path", lambda: path)
    specs = load_parameter_specs()
    assert specs["beta_violence"].value == 0.9
    assert "calibrated" in specs["beta_violence"].source
    assert load_parameter_specs(calibrated=False)["beta_violence"].value == 0.5
    # scenarios still override on top of the calibrated defaults
    assert scenarios.load_scenario("status_quo", specs).values["beta_violence"] == 0.9

    path.write_text("overrides:\n  beta_violence: 99\n")
    with pytest.raises(SimError, match=r"calibrated.yaml: beta_violence: 99 is outside"):
        load_parameter_specs()


def test_cli_calibrate_prints_validation_metrics(tmp_path, monkeypatch, world):
    inputs, target, specs, params = world

    def fake_store(settings, *, train, validate, households, seed, max_evaluations, **_):
        calibration, scores = cal.calibrate_target(
            inputs, target, 24, _start(params), specs, free=FREE, households=households,
            seed=seed, max_evaluations=max_evaluations,
        )  # fmt: skip
        scores.pop("simulated")
        return {
            "train": str(train),
            "validate": "FY2021..FY2021",
            "build_id": "b1",
            "evaluations": calibration.evaluations,
            "fitted": calibration.fitted,
            "loss": calibration.loss,
            "metrics": scores,
            "plausible_region": {
                "beta_violence": {"low": 0.9, "high": 1.4, "share_of_box": 0.1, "pinned": True}
            },
            "calibrated": cal.calibrated_document(calibration.fitted, {"seed": seed}),
        }

    monkeypatch.setattr(cal, "calibrate_store", fake_store)
    out, saved = tmp_path / "cal.json", tmp_path / "calibrated.yaml"
    result = CliRunner().invoke(
        cli.app,
        [
            "calibrate",
            "--households",
            str(HOUSEHOLDS),
            "--train",
            "2019..2020",
            "--seed",
            str(SEED),
            "--evaluations",
            "30",
            "--output",
            str(out),
            "--save",
            str(saved),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "FY2019..FY2020" in result.output
    assert "seasonal_naive" in result.output and "flee_ard" in result.output
    assert "beta_violence" in result.output and "pinned" in result.output
    assert out.exists() and saved.exists()


def test_cli_calibrate_bad_window_exits_1():
    result = CliRunner().invoke(cli.app, ["calibrate", "--train", "2019..2014"])
    assert result.exit_code == 1
    assert "--train" in result.output and "Traceback" not in result.output


def test_evolution_recovers_known_parameters_and_reports_a_region(world):
    """Differential evolution over the search boxes, its generations evaluated through a map
    (as Ray does), finds the truth; the plausible region contains it, and narrows both (at
    10,000 households the base rate is pinned, the violence beta to about a quarter of its box)."""
    inputs, target, specs, params = world
    calls = []

    def serial_map(func, thetas):
        thetas = list(thetas)
        calls.append(len(thetas))
        return [func(t) for t in thetas]

    calibration = cal.fit(
        inputs,
        target.values[:24],
        _start(params),
        specs,
        free=FREE,
        households=HOUSEHOLDS,
        seed=SEED,
        method="evolution",
        popsize=6,
        max_evaluations=180,
        map_population=serial_map,
        region_seeds=3,
    )
    # the evolution's generations went through the map; Nelder-Mead refined the rest of the budget
    assert calls and sum(calls) < calibration.evaluations <= 180 + 3
    fitted = calibration.fitted
    assert fitted["base_departure_rate"] == pytest.approx(TRUTH["base_departure_rate"], rel=0.15)
    assert fitted["beta_violence"] == pytest.approx(TRUTH["beta_violence"], abs=0.3)
    for key, truth in TRUTH.items():
        region = calibration.region[key]
        assert region["low"] <= fitted[key] <= region["high"]
        assert region["low"] <= truth <= region["high"], key
        assert region["share_of_box"] < 0.5, key  # the data narrow both
    assert calibration.region["base_departure_rate"]["pinned"]


def test_history_loss_adds_fiscal_year_totals_by_hand():
    import datetime as dt

    months = [dt.date(2019, m, 1) for m in (8, 9, 10, 11)]  # FY2019: Aug, Sep; FY2020: Oct, Nov
    observed = np.array([[10.0], [10.0], [20.0], [20.0]])
    simulated = observed * np.e - 1 + np.e  # log1p(sim) = 1 + log1p(obs) every month
    years = np.log1p(np.array([2 * (np.e * 10 - 1 + np.e), 2 * (np.e * 20 - 1 + np.e)]))
    expected = 1.0 + np.mean((years - np.log1p([20.0, 40.0])) ** 2)
    assert cal.history_loss(simulated, observed, months) == pytest.approx(expected)
    terms = cal.history_loss_terms(simulated, observed, months)
    assert terms["monthly"] == pytest.approx(1.0) and terms["jumps"] == 0.0
    assert terms["fiscal_years"] == pytest.approx(expected - 1.0)


def test_parameters_the_training_window_cannot_inform_are_not_fitted(world):
    """No Title 42 and no COVID closure in the tiny world: their parameters keep their values,
    and the calibration says so."""
    inputs, target, specs, params = world
    calibration = cal.fit(
        inputs,
        target.values[:24],
        _start(params),
        specs,
        free=(*FREE, "recross_probability", "beta_covid"),
        households=HOUSEHOLDS,
        seed=SEED,
        max_evaluations=40,
    )
    assert calibration.free == FREE
    assert calibration.not_identified == ("recross_probability", "beta_covid")
    assert calibration.params["beta_covid"] == params["beta_covid"]


def test_jump_loss_scores_the_change_around_a_regime_by_hand():
    """The June 2019 change: observed 3 months before at 100, after at 40; simulated flat."""
    import datetime as dt

    months = [dt.date(2019, m, 1) for m in range(2, 11)]  # Feb..Oct: Mar-May and Jul-Sep inside
    observed = np.array([[100.0]] * 5 + [[40.0]] * 4)
    flat = np.full_like(observed, 70.0)
    expected = (np.log1p(40.0) - np.log1p(100.0)) ** 2
    assert cal.jump_loss(flat, observed, months) == pytest.approx(expected)
    assert cal.jump_loss(observed, observed, months) == 0.0
    assert cal.jump_loss(flat, observed, months[:5]) == 0.0  # no change inside the window


def test_type_loss_uses_full_fiscal_years_and_published_cells_only():
    import datetime as dt

    months = [dt.date(2018, 9, 1)] + [dt.date(2018 + (m < 10), m, 1) for m in range(10, 13)]
    months += [dt.date(2019, m, 1) for m in range(1, 10)]  # Sep 2018 (FY2018), then FY2019
    simulated = np.ones((len(months), 1, 3))
    observed = np.full((2, 1, 3), np.nan)
    observed[0, 0, 0] = 999.0  # FY2018 has one month here: left out
    observed[1, 0, 1] = 11.0  # FY2019: 12 simulated family encounters vs 11
    assert cal.type_loss(simulated, observed, months) == pytest.approx(
        (np.log1p(12.0) - np.log1p(11.0)) ** 2
    )
    assert cal.type_loss(simulated, None, months) == 0.0


def test_observed_types_by_fiscal_year_country_and_type():
    import datetime as dt

    import duckdb
    import pandas as pd

    con = duckdb.connect()
    frame = pd.DataFrame(
        [
            (2019, "GTM", "UAC", 30.0),
            (2019, "GTM", "FMUA", 185.0),
            (2019, "MEX", "UAC", 9.0),  # not a simulated country
            (2021, "HND", "UAC", 5.0),  # outside the months
        ],
        columns=["fiscal_year", "citizenship", "demographic", "count"],
    )
    frame["source"], frame["frequency"] = "uac_family_by_country", "annual"
    con.register("frame", frame)
    con.execute("CREATE TABLE encounters AS SELECT * FROM frame")
    months = [dt.date(2018, 10, 1), dt.date(2019, 10, 1)]  # FY2019, FY2020
    types = cal.observed_types(con, months, ("GTM", "HND"))
    assert types.shape == (2, 2, 3)
    assert types[0, 0, 0] == 30.0 and types[0, 0, 1] == 185.0
    assert np.isnan(types[0, 0, 2]) and np.isnan(types[1]).all()


def test_policy_response_needs_two_years_of_policy_in_the_window(tiny_network):
    """The expectation coefficients and Mexican enforcement are not fitted on a window whose
    policy changes are its last months (the 2019 case): they keep their documented values."""
    from rootcauses.sim import engine
    from tests.sim.conftest import tiny_inputs

    inputs = tiny_inputs(tiny_network, months=36)
    regimes = np.zeros((36, len(engine.REGIMES)))
    regimes[-9:, engine.REGIMES.index("mpp")] = 1.0
    regimes[-4:, engine.REGIMES.index("mexico_enforcement")] = 1.0
    short = engine.SimInputs(**{**inputs.__dict__, "regimes": regimes})
    wanted = ("beta_violence", "beta_expectation", "mx_enforcement_effect", "mpp_return_share")
    assert cal.identified(wanted, short) == ("beta_violence", "mpp_return_share")
    regimes[-30:, engine.REGIMES.index("mpp")] = 1.0
    regimes[-24:, engine.REGIMES.index("mexico_enforcement")] = 1.0
    long = engine.SimInputs(**{**inputs.__dict__, "regimes": regimes})
    assert cal.identified(wanted, long) == wanted


def test_nelder_mead_reports_a_region_when_asked_within_its_budget(world):
    inputs, target, specs, params = world
    calibration = cal.fit(
        inputs,
        target.values[:24],
        _start(params),
        specs,
        free=FREE,
        households=HOUSEHOLDS,
        seed=SEED,
        method="nelder-mead",
        max_evaluations=120,
        region_seeds=3,
    )
    assert calibration.evaluations <= 120
    for key in FREE:
        region = calibration.region[key]
        assert region["low"] <= calibration.fitted[key] <= region["high"]
    plain = cal.fit(
        inputs, target.values[:24], _start(params), specs, free=FREE, households=HOUSEHOLDS,
        seed=SEED, method="nelder-mead", max_evaluations=60,
    )  # fmt: skip
    assert plain.region == {}


def test_plausible_points_stay_inside_where_the_box_of_intervals_does_not():
    """Two parameters that trade off (the loss depends almost only on their sum): each one-at-a-
    time interval is narrow, a corner of their box is outside the plausible set, and the walks
    return only points inside it, some beyond the box along the ridge."""

    def loss(theta: np.ndarray) -> float:
        return float((theta[0] + theta[1]) ** 2 + 0.01 * (theta[0] - theta[1]) ** 2)

    threshold = 0.01
    half = np.sqrt(threshold / 1.01)  # loss(x, 0) = 1.01 x^2: the one-at-a-time interval
    intervals = np.array([[-half, -half], [half, half]])
    assert loss(np.array([half, half])) > threshold  # the box's corner
    points, evaluations, accepted = cal._plausible_points(
        loss,
        np.zeros(2),
        threshold,
        intervals,
        np.full(2, -10.0),
        np.full(2, 10.0),
        None,
        chains=4,
        steps=30,
        seed=1,
    )
    assert evaluations == 120 and 0 < accepted < 1
    assert len(points) == 1 + round(accepted * 120)
    assert all(loss(p) <= threshold for p in points)
    assert np.abs(points[:, 0]).max() > half  # beyond the one-at-a-time interval, on the ridge


def test_the_region_method_searches_nothing_and_finds_points(world):
    inputs, target, specs, params = world
    start = _start(params)
    calibration = cal.fit(
        inputs, target.values[:24], start, specs, free=FREE, households=HOUSEHOLDS, seed=SEED,
        method="region", region_seeds=2,
    )  # fmt: skip
    assert calibration.fitted == pytest.approx({k: start[k] for k in FREE})
    assert calibration.threshold is not None and calibration.threshold > calibration.loss
    assert len(calibration.other_seed_losses) == 2
    assert calibration.threshold == pytest.approx(
        cal.plausible_threshold(calibration.loss, calibration.other_seed_losses)
    )
    assert set(calibration.region) == set(FREE)
    assert calibration.points[0] == pytest.approx(calibration.fitted)
    assert all(set(p) == set(FREE) for p in calibration.points)
    with pytest.raises(SimError, match="use evolution, nelder-mead, region"):
        cal.fit(inputs, target.values[:24], start, specs, free=FREE, method="grid")


def test_a_shipped_calibrations_loss_is_reproduced_from_the_store(built_store):
    """The training loss a shipped file records is the objective at its fitted point on a store
    built from the snapshot (the same households and seed); moving a parameter changes it."""
    from rootcauses.sim import history

    provenance = history.check_calibration("validation").provenance
    loss = cal.calibration_loss(built_store, provenance)
    assert loss({}) == pytest.approx(provenance["loss"], rel=1e-9)
    moved = {"beta_violence": provenance["fitted_at_train_start"]["beta_violence"] + 0.5}
    assert loss(moved) != pytest.approx(provenance["loss"], rel=1e-6)
    # the loss by term (what the bench reports): the terms of each of the runs it averages add
    # up to the recorded loss
    saved = cal.saved_loss(built_store, provenance)
    params = {**saved.values, **provenance["fitted_at_train_start"]}
    runs = [saved.terms(params, provenance["seed"] + k) for k in range(saved.seeds)]
    assert set(runs[0]) == {"monthly", "fiscal_years", "jumps", "types"}
    assert np.mean([sum(r.values()) for r in runs]) == pytest.approx(provenance["loss"], rel=1e-9)
    assert all(value > 0 for r in runs for value in r.values())


def test_a_fit_starts_from_a_saved_calibrations_fitted_point(tmp_path, monkeypatch):
    """The point fitted at the calibration's training start, not its re-anchored overrides;
    another training start, or no fitted point, is an error naming the file and key."""
    path = tmp_path / "latest.yaml"
    specs = load_parameter_specs(calibrated=False)

    def write(provenance: dict) -> None:
        cal.write_calibrated(
            path, cal.calibrated_document({"base_departure_rate": 0.009}, provenance)
        )

    write({"fitted_at_train_start": {"base_departure_rate": 0.002, "beta_violence": 0.7},
           "train_start": "2012-10"})  # fmt: skip
    monkeypatch.setattr(scenarios, "calibration_path", lambda name: path)
    values = cal.starting_values("latest", specs, cal.Window(2013, 2024))
    assert values["base_departure_rate"] == 0.002 and values["beta_violence"] == 0.7
    assert values["beta_income_gap"] == specs["beta_income_gap"].value
    with pytest.raises(
        SimError,
        match=r"train_start: 2012-10, but the training window FY2015..FY2024 starts 2014-10",
    ):
        cal.starting_values("latest", specs, cal.Window(2015, 2024))
    write({"train_start": "2012-10"})
    with pytest.raises(SimError, match=r"latest.yaml: provenance: fitted_at_train_start: missing"):
        cal.starting_values("latest", specs, cal.Window(2013, 2024))


def test_the_plausible_threshold_is_centred_on_the_loss_expected_at_the_best_point():
    """The fit's own loss is the lowest of the noisy draws it searched: the threshold is the mean
    over other seeds plus twice their spread (at least 1 %), never below the fit's own loss."""
    others = [0.87, 0.89, 0.85, 0.87]
    spread = float(np.std(others, ddof=1))
    assert cal.plausible_threshold(0.81, others) == pytest.approx(0.87 + 2 * spread)
    assert cal.plausible_threshold(0.81, []) == pytest.approx(0.81 * 1.01)
    assert cal.plausible_threshold(0.81, [0.5]) == pytest.approx(0.81 * 1.01)  # one: no spread
    assert cal.plausible_threshold(0.95, [0.80, 0.80]) == pytest.approx(0.95 * 1.01)


def test_an_evaluation_can_average_several_seeds(world):
    """--loss-seeds 2: the loss of a point is the mean of its losses under the fit's seed and
    the next one; fewer than one run is refused."""
    inputs, target, specs, params = world
    start = _start(params)
    options = dict(free=FREE, households=HOUSEHOLDS, method="region")

    def loss(seed, seeds=1):
        fitted = cal.fit(
            inputs, target.values[:24], start, specs, seed=seed, loss_seeds=seeds, **options
        )
        return fitted.loss, fitted.loss_seeds

    averaged, count = loss(SEED, 2)
    assert count == 2
    singles = [loss(SEED)[0], loss(SEED + 1)[0]]
    assert singles[0] != singles[1]
    assert averaged == pytest.approx(sum(singles) / 2)
    with pytest.raises(SimError, match="loss_seeds must be at least 1, got 0"):
        cal.fit(inputs, target.values[:24], start, specs, loss_seeds=0, **options)
