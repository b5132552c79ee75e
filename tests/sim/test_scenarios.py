from __future__ import annotations

from functools import partial
from importlib import resources
from pathlib import Path

import pytest
import yaml

from rootcauses.config import get_settings
from rootcauses.sim import scenarios
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import (
    CALIBRATION_NAMES,
    SCENARIO_NAMES,
    calibration_path,
    load_calibration,
    load_parameter_specs,
    load_scenario,
    neutral_levers,
    read_calibration,
    save_path,
    user_calibration_path,
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


# --------------------------------------------------------------------------- calibrations

PROVENANCE_KEYS = {"command", "seed", "households", "build_id", "date", "loss"}


@pytest.fixture
def real_calibrations(monkeypatch):
    """Undo the sim conftest's pin of the default calibration to the documented defaults."""
    monkeypatch.setattr(scenarios, "calibrated_path", partial(calibration_path, "latest"))


def a_fittable_parameter() -> tuple[str, float]:
    """A parameter a calibration may set (not a lever) and a value inside its range that is not
    its documented default."""
    specs = load_parameter_specs(calibrated=False)
    for key, spec in sorted(specs.items()):
        lo, hi = spec.range
        if not spec.lever and lo < hi:
            value = (lo + hi) / 2
            return key, value if value != spec.value else lo
    raise AssertionError("no fittable parameter")


def _user_file(name: str, text: str) -> Path:
    path = get_settings().home / "calibrations" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", CALIBRATION_NAMES)
def test_shipped_calibrations_load_and_claim_nothing_unfitted(name, real_calibrations):
    path = calibration_path(name)
    assert path == Path(
        str(resources.files("rootcauses.sim").joinpath("calibrations", f"{name}.yaml"))
    )
    calibration = load_calibration(name)
    assert calibration.path == path
    assert set(calibration.provenance) >= PROVENANCE_KEYS, name
    if not calibration.overrides:  # a placeholder must say so and claim no fit
        assert "not yet fitted" in calibration.provenance["status"]
    else:  # a fitted file names the command and seed that made it
        assert calibration.provenance["command"] and calibration.provenance["seed"] is not None
    specs = load_parameter_specs(calibration=name)
    for key, value in calibration.overrides.items():
        assert specs[key].value == value and "calibrated" in specs[key].source


def test_package_data_ships_the_calibrations():
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"]
    assert "sim/calibrations/*.yaml" in data["rootcauses"]


def test_user_calibration_takes_precedence(real_calibrations):
    key, value = a_fittable_parameter()
    documented = load_parameter_specs(calibrated=False)[key].value
    for name in CALIBRATION_NAMES:
        path = _user_file(
            name, yaml.safe_dump({"provenance": {"seed": 1}, "overrides": {key: value}})
        )
        assert path == user_calibration_path(name) == calibration_path(name)
        assert str(path).startswith(str(get_settings().home))
        specs = load_parameter_specs(calibration=name)
        assert specs[key].value == value
        assert f"calibrated ({name}: {path})" == specs[key].source
        assert load_calibration(name).provenance == {"seed": 1}
    # the default (no argument) is `latest`; callers that pass nothing get it
    assert load_parameter_specs()[key].value == value
    # documented defaults on request
    assert load_parameter_specs(calibration=None)[key].value == documented
    assert load_parameter_specs(calibrated=False)[key].value == documented
    # remove the user's file: back to the package's
    user_calibration_path("validation").unlink()
    assert calibration_path("validation").parent.name == "calibrations"
    assert not str(calibration_path("validation")).startswith(str(get_settings().home))


def test_scenarios_override_on_top_of_a_calibration(real_calibrations):
    key, value = a_fittable_parameter()
    _user_file("latest", yaml.safe_dump({"overrides": {key: value}}))
    specs = load_parameter_specs()
    assert load_scenario("status_quo", specs).values[key] == value
    lever = next(k for k, s in specs.items() if s.lever)
    assert load_scenario("status_quo", specs).values[lever] == specs[lever].value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("overrides: [1, 2\n", r"validation\.yaml: not valid YAML"),
        ("provenance: {seed: 1}\n", r"validation\.yaml: overrides: missing"),
        ("overrides: 3\n", r"validation\.yaml: overrides: 3 is not a mapping"),
        ("overrides:\n  beta_walls: 1\n", r"validation\.yaml: unknown parameter 'beta_walls'"),
        ("overrides:\n  KEY: 1.0e+9\n", r"validation\.yaml: KEY: 1000000000.0 is outside"),
        ("overrides:\n  KEY: lots\n", r"validation\.yaml: KEY: 'lots' is not a number"),
        ("overrides:\n  LEVER: LEVER_VALUE\n", r"validation\.yaml: LEVER: a policy lever"),
        ("overrides: {}\nextra: 1\n", r"validation\.yaml: extra: unknown key"),
        ("overrides: {}\nprovenance: [1]\n", r"validation\.yaml: provenance: expected a mapping"),
        ("- 1\n", r"validation\.yaml: expected a mapping"),
    ],
)
def test_bad_calibration_file_names_file_and_key(text, message):
    key, _ = a_fittable_parameter()
    specs = load_parameter_specs(calibrated=False)
    lever = next(k for k, s in specs.items() if s.lever)
    text = text.replace("LEVER_VALUE", str(specs[lever].value))  # in range: refused as a lever
    _user_file("validation", text.replace("KEY", key).replace("LEVER", lever))
    pattern = message.replace("KEY", key).replace("LEVER", lever)
    with pytest.raises(SimError, match=pattern):
        load_parameter_specs(calibration="validation")
    with pytest.raises(SimError, match=pattern):
        read_calibration(user_calibration_path("validation"), specs)


def test_unknown_or_bad_calibration_name():
    with pytest.raises(SimError, match=r"unknown calibration 'best'.*validation, latest"):
        load_parameter_specs(calibration="best")
    with pytest.raises(SimError, match=r"calibration name '\.\./x'"):
        load_calibration("../x")
    # a name saved by the user is found
    _user_file("best", "overrides: {}\n")
    assert load_calibration("best").path == user_calibration_path("best")


def test_save_path_is_under_home_and_never_in_the_package(tmp_path):
    assert save_path("latest") == get_settings().home / "calibrations" / "latest.yaml"
    assert save_path(str(tmp_path / "mine.yaml")) == tmp_path / "mine.yaml"
    package = Path(str(resources.files("rootcauses.sim")))
    for target in (package / "calibrated.yaml", package / "calibrations" / "latest.yaml"):
        with pytest.raises(SimError, match="never write into the installed package"):
            save_path(str(target))
    with pytest.raises(SimError, match="calibration name"):
        save_path("no/such")
