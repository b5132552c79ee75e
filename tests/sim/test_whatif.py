"""Counterfactual histories on the tiny world: what each change does to the inputs, bands over
members, labels, and that the recorded history is the shared reference (common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from rootcauses.sim import engine, whatif
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import CalibrationFile, load_parameter_specs
from tests.sim.conftest import tiny_inputs


def _world(tiny_network, months: int = 24):
    inputs = tiny_inputs(tiny_network, months=months, title_42=1.0)
    storms = np.zeros((months, 1))
    storms[20:, 0] = 1.0
    return engine.SimInputs(**{**inputs.__dict__, "storms": storms})


def _calibration(region=None, points=None) -> CalibrationFile:
    provenance = {
        "train_start": "2019-01",
        "plausible_region": region or {},
        "plausible_points": points or [],
    }
    return CalibrationFile("test", None, provenance, {})


def test_each_change_touches_only_its_input(tiny_network):
    world = _world(tiny_network)
    extra = {"storms_removed": world.storms * 0.75}
    changes = {
        cf.id: cf.change(world, extra)
        for cf in whatif.COUNTERFACTUALS
        if cf.id != "homicide_at_2015"  # the tiny world starts in 2019
    }
    t42 = engine.REGIMES.index("title_42")
    assert changes["no_title_42"].regimes[:, t42].max() == 0.0
    assert world.regimes[:, t42].min() == 1.0  # the recorded inputs are not modified
    np.testing.assert_allclose(changes["no_eta_iota"].storms, world.storms * 0.25)
    assert changes["no_asylum_rule_2024"].regimes is not world.regimes


def test_homicide_held_at_a_year_from_that_year_on(tiny_network):
    world = _world(tiny_network)
    rate = world.homicide_rate.copy()
    rate[:12, 0] = np.arange(12.0)  # 2019: 0..11, mean 5.5
    rate[12:, 0] = 40.0
    world = engine.SimInputs(**{**world.__dict__, "homicide_rate": rate})
    held = whatif.homicide_held_at(2019)(world, {})
    np.testing.assert_allclose(held.homicide_rate[:, 0], 5.5)
    with pytest.raises(SimError, match="does not cover 2015"):
        whatif.homicide_held_at(2015)(world, {})


def test_labels_say_whether_the_band_excludes_zero():
    assert whatif.label({"median": 5, "lo": 1, "hi": 9}) == "exceeds the spread"
    assert whatif.label({"median": -5, "lo": -9, "hi": -1}) == "exceeds the spread"
    assert whatif.label({"median": 5, "lo": -1, "hi": 9}) == "within the spread"


def test_members_take_the_calibrations_plausible_points():
    specs = load_parameter_specs(calibrated=False)
    points = [{"beta_violence": 0.2, "season_cos": 0.1}, {"beta_violence": 0.4, "season_cos": 0.3}]
    region = {"beta_violence": {"low": 0.0, "high": 1.0}}
    members = whatif.plausible_members(_calibration(region, points), specs, 8, seed=3)
    assert [m.seed for m in members] == list(range(3, 11))
    taken = {(m.values["beta_violence"], m.values["season_cos"]) for m in members}
    assert taken == {(0.2, 0.1), (0.4, 0.3)}  # whole points, never a mix of two
    assert "plausible points" in whatif.band_basis(_calibration(region, points))


def test_without_points_members_differ_in_seed_only():
    specs = load_parameter_specs(calibrated=False)
    region = {"beta_violence": {"low": 0.2, "high": 0.4}}
    chosen = CalibrationFile(
        "old",
        None,
        {"plausible_region": region, "fitted_at_train_start": {"beta_violence": 0.3}},
        {},
    )
    members = whatif.plausible_members(chosen, specs, 4, seed=0)
    assert {m.values["beta_violence"] for m in members} == {0.3}
    assert "seeds only" in whatif.band_basis(chosen)


def test_counterfactual_histories_bands_and_labels(tiny_network):
    world = _world(tiny_network)
    specs = load_parameter_specs(calibrated=False)
    result = whatif.counterfactual_histories(
        world,
        {"storms_removed": np.zeros_like(world.storms)},
        _calibration(),
        specs,
        members=3,
        households=2_000,
        counterfactuals=[*whatif.COUNTERFACTUALS[:2], whatif.COUNTERFACTUALS[3]],
    )
    by_id = {r["id"]: r for r in result["counterfactuals"]}
    assert set(by_id) == {"no_title_42", "no_asylum_rule_2024", "no_eta_iota"}
    t42 = by_id["no_title_42"]["totals"]["GTM"]
    assert t42["difference"]["lo"] <= t42["difference"]["median"] <= t42["difference"]["hi"]
    assert t42["history"]["median"] > 0
    # no storm removed: the same inputs, seeds and draws give exactly the recorded history
    none = by_id["no_eta_iota"]["totals"]["ALL"]
    assert none["difference"] == {"median": 0.0, "lo": 0.0, "hi": 0.0}
    assert none["label"] == "within the spread"
    assert result["not_computed"][0]["id"] == "aid_in_full"
    with pytest.raises(SimError, match="anchored at 2013-10"):
        bad = CalibrationFile("x", None, {"train_start": "2013-10"}, {})
        whatif.counterfactual_histories(world, {}, bad, specs, members=2)


def test_departures_are_banded_beside_encounters(tiny_network):
    """Encounters count repeat crossings; the people who left are reported too, and a
    counterfactual that changes nothing leaves both at zero."""
    world = _world(tiny_network)
    nothing = whatif.Counterfactual("same", "Q?", lambda inputs, extra: inputs, "C")
    payload = whatif.counterfactual_histories(
        world, {}, _calibration(), load_parameter_specs(), members=2, households=500,
        counterfactuals=(nothing,),
    )  # fmt: skip
    (cf,) = payload["counterfactuals"]
    assert cf["totals"]["ALL"]["departures"] == {"median": 0.0, "lo": 0.0, "hi": 0.0}
    rows = whatif.whatif_rows(payload | {"validation": {"passed": False, "statement": "s"}})
    assert {"departures_median", "departures_lo", "departures_hi"} <= set(rows.columns)
    grouped = whatif.group_rows(rows)
    assert grouped["counterfactuals"][0]["rows"][0]["departures"] == {
        "median": 0.0, "lo": 0.0, "hi": 0.0,
    }  # fmt: skip
