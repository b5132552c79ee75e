from __future__ import annotations

import pytest
import yaml

from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import (
    SCENARIO_NAMES,
    load_parameter_specs,
    load_scenario,
    neutral_levers,
)


def test_every_parameter_is_documented():
    specs = load_parameter_specs()
    for key, spec in specs.items():
        assert spec.unit, key
        assert spec.source or (spec.assumption and spec.note), key
        if spec.lever:
            lo, hi = spec.range
            assert lo <= spec.value <= hi


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_packaged_scenarios_load(name):
    scenario = load_scenario(name)
    assert scenario.name == name and scenario.description
    specs = load_parameter_specs()
    # scenarios move levers only, so the anchor of the intercepts is the same for all
    assert neutral_levers(scenario.values, specs) == neutral_levers(
        load_scenario("status_quo").values, specs
    )


def _scenario(tmp_path, body: dict) -> str:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(body))
    return str(path)


def test_unknown_parameter_names_file_key_and_allowed(tmp_path):
    path = _scenario(tmp_path, {"name": "x", "description": "d", "overrides": {"walls": 1}})
    with pytest.raises(SimError) as err:
        load_scenario(path)
    assert "mine.yaml" in str(err.value) and "unknown parameter 'walls'" in str(err.value)
    assert "deterrence_add" in str(err.value)  # lists what is allowed


def test_out_of_range_value_names_the_range(tmp_path):
    body = {"name": "x", "description": "d", "overrides": {"violence_multiplier": 9}}
    with pytest.raises(
        SimError,
        match=r"mine\.yaml: violence_multiplier: 9 is outside the allowed range \[0\.1, 3\.0\]",
    ):
        load_scenario(_scenario(tmp_path, body))


def test_non_number_and_unknown_top_level_key(tmp_path):
    body = {"name": "x", "description": "d", "overrides": {"deterrence_add": "lots"}}
    with pytest.raises(SimError, match="deterrence_add: 'lots' is not a number"):
        load_scenario(_scenario(tmp_path, body))
    body = {"name": "x", "description": "d", "overides": {}}
    with pytest.raises(SimError, match=r"overides: .*allowed keys: name, description, overrides"):
        load_scenario(_scenario(tmp_path, body))


def test_unknown_scenario_name():
    with pytest.raises(SimError, match="unknown scenario 'utopia'; expected one of status_quo"):
        load_scenario("utopia")


def test_undocumented_parameter_is_rejected(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump({"beta_x": {"value": 1, "range": [0, 2], "unit": "u"}}))
    with pytest.raises(SimError, match=r"parameters\.yaml: beta_x: .*needs a `source` or"):
        load_parameter_specs(path)
    path.write_text(
        yaml.safe_dump({"beta_x": {"value": 5, "range": [0, 2], "unit": "u", "source": "s"}})
    )
    with pytest.raises(SimError, match="outside its range"):
        load_parameter_specs(path)
