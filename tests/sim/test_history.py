"""``rootcauses sim history`` / ``sim validate`` on a copy of the snapshot store, and where
calibrations are read from and saved to."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from functools import partial
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from rootcauses.cli import sim as cli
from rootcauses.config import Settings, get_settings
from rootcauses.sim import calibrate as cal
from rootcauses.sim import engine, runs, scenarios
from rootcauses.sim import history as hist
from rootcauses.sim.calibrate import observed_target
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import load_calibration, load_parameter_specs, load_scenario
from rootcauses.sim.validation import SECOND, VALIDATION
from rootcauses.store.query import connect
from tests.sim.conftest import tiny_inputs
from tests.sim.test_scenarios import a_fittable_parameter

runner = CliRunner()
NT = {"GTM", "HND", "SLV"}


@pytest.fixture
def store_home(built_store: Settings) -> Settings:
    """A private copy of the session's store under this test's ROOTCAUSES_HOME (runs are
    stored and a test may add an event: the shared store stays untouched)."""
    home = get_settings().home
    shutil.copytree(built_store.home, home, ignore=shutil.ignore_patterns("*.lock", "results"))
    return get_settings()


@pytest.fixture
def real_calibrations(monkeypatch):
    """Undo the sim conftest's pin of the default calibration to the documented defaults."""
    monkeypatch.setattr(scenarios, "calibrated_path", partial(scenarios.calibration_path, "latest"))


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _run_keys(tiny_network) -> set[str]:
    """The keys `sim run` writes, from the same function the run command calls."""
    payload, _ = runs.run_scenario(
        load_scenario("status_quo"),
        tiny_inputs(tiny_network, months=3),
        runs.RunRequest(households=200, months=3),
    )
    return set(payload)


def test_history_cli_writes_the_contract_json(store_home, tmp_path, tiny_network):
    out = tmp_path / "history.json"
    args = ["history", "--from", "2023-10", "--to", "2025-03", "--households", "3000"]
    result = runner.invoke(cli.app, [*args, "--seed", "3", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "stored as run" in result.output
    payload = json.loads(out.read_text())
    assert _run_keys(tiny_network) <= set(payload)
    assert payload["scenario"] == "history" and payload["seed"] == 3
    assert payload["households"] == 3000 and payload["months"] == 18
    assert (payload["start"], payload["end"]) == ("2023-10-01", "2025-03-01")

    rows = payload["encounters"]
    assert len(rows) == 18 * 3 and {r["citizenship"] for r in rows} == NT
    assert all(set(r) == {"month", "citizenship", "value"} for r in rows)
    assert rows[0]["month"] == "2023-10-01" and rows[-1]["month"] == "2025-03-01"
    values = np.array([r["value"] for r in rows])
    assert np.isfinite(values).all() and (values >= 0).all() and values.sum() > 0

    # observed alongside, only where the store has them, equal to the store's encounters
    data_end = _month(payload["data_end"])
    con = connect(store_home)
    try:
        target = observed_target(con, dt.date(2023, 10, 1), data_end, ("GTM", "HND", "SLV"))
    finally:
        con.close()
    observed = payload["observed"]
    assert len(observed) == len(target.months) * 3 > 0
    assert max(_month(r["month"]) for r in observed) == data_end
    by_key = {(r["month"], r["citizenship"]): r["value"] for r in observed}
    for t, month in enumerate(target.months):
        for c, country in enumerate(target.countries):
            assert by_key[(month.isoformat(), country)] == target.values[t, c]
    next_month = (data_end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    assert payload["drivers_held_from"] == next_month.isoformat()

    calibration = payload["calibration"]
    assert calibration["name"] == "latest" and isinstance(calibration["provenance"], dict)
    assert "overrides" in calibration and payload["build_id"]


def test_history_defaults_to_the_end_of_the_data(store_home):
    loaded = hist.load_history(store_home, dt.date(2024, 1, 1))
    assert loaded.inputs.months[-1] == loaded.data_end
    assert not np.isnan(loaded.observed).any()
    with pytest.raises(SimError, match="--to 2023-12 is before --from 2024-01"):
        hist.load_history(store_home, dt.date(2024, 1, 1), dt.date(2023, 12, 1))


def test_months_past_the_data_hold_the_drivers(store_home):
    loaded = hist.load_history(store_home, dt.date(2023, 1, 1), dt.date(2025, 12, 1))
    inputs, last = loaded.inputs, loaded.inputs.months.index(loaded.data_end)
    assert last < len(inputs.months) - 1
    # the drivers read from the panel (storm exposure and COVID closures are dated events)
    names = ["homicide_rate", "log_gdp_pc", "precip_z"]
    names += [n for n in ("us_unemployment",) if getattr(inputs, n, None) is not None]
    for name in names:
        series = np.asarray(getattr(inputs, name))
        assert (series[last + 1 :] == series[last]).all(), name
    assert np.isnan(loaded.observed[last + 1 :]).all()
    assert not np.isnan(loaded.observed[: last + 1]).any()


def _add_event(settings: Settings, date: dt.date, event: str) -> None:
    with duckdb.connect(str(settings.store_path)) as con:
        con.execute(
            "INSERT INTO events VALUES (?, NULL, 'XNT', 'policy', ?, 'https://example.org', "
            "'test')",
            [date, event],
        )


def test_a_policy_event_after_the_data_is_applied(store_home):
    start, end = dt.date(2024, 7, 1), dt.date(2025, 6, 1)
    before = hist.load_history(store_home, start, end)
    assert not before.inputs.regime("title_42").any()  # Title 42 ended in May 2023
    _add_event(store_home, dt.date(2025, 2, 10), "Title 42 expulsions reinstated (test event)")
    after = hist.load_history(store_home, start, end)
    months = after.inputs.months
    assert after.data_end < dt.date(2025, 2, 1)  # the event is dated after the data
    title_42 = after.inputs.regime("title_42")
    assert title_42[months.index(dt.date(2025, 1, 1))] == 0
    assert title_42[months.index(dt.date(2025, 2, 1))] == pytest.approx(19 / 28)
    assert (title_42[months.index(dt.date(2025, 3, 1)) :] == 1).all()
    others = [r for r in engine.REGIMES if r != "title_42"]
    np.testing.assert_array_equal(
        [after.inputs.regime(r) for r in others], [before.inputs.regime(r) for r in others]
    )
    assert any("test event" in e["event"] for e in after.later_events)


def test_history_uses_the_named_calibration(store_home, tmp_path):
    key, value = a_fittable_parameter()
    saved = get_settings().home / "calibrations" / "validation.yaml"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(yaml.safe_dump({"provenance": {"seed": 9}, "overrides": {key: value}}))
    loaded = hist.load_history(store_home, dt.date(2024, 7, 1))
    payload, _ = hist.run_history(loaded, "validation", households=500, seed=1)
    assert payload["calibration"]["name"] == "validation"
    assert payload["calibration"]["file"] == str(saved)
    assert payload["calibration"]["provenance"] == {"seed": 9}
    assert payload["parameters"][key] == value


@pytest.mark.parametrize("name", ["best", "Latest", "../latest"])
def test_bad_calibration_name_exits_1(tmp_path, name):
    out = tmp_path / "h.json"
    result = runner.invoke(cli.app, ["history", "--calibration", name, "--output", str(out)])
    assert result.exit_code == 1
    assert f"--calibration {name!r}" in result.output and "validation, latest" in result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize("name", ["validation", "latest"])
def test_bad_calibration_file_exits_1_naming_file_and_key(tmp_path, name, real_calibrations):
    bad = get_settings().home / "calibrations" / f"{name}.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text("provenance: {}\noverrides:\n  beta_walls: 1\n")
    out = tmp_path / "h.json"
    result = runner.invoke(cli.app, ["history", "--calibration", name, "--output", str(out)])
    assert result.exit_code == 1
    assert str(bad) in result.output and "unknown parameter 'beta_walls'" in result.output
    assert "Traceback" not in result.output and not out.exists()
    bad.write_text("overrides: [oops\n")
    result = runner.invoke(cli.app, ["history", "--calibration", name, "--output", str(out)])
    assert result.exit_code == 1 and "not valid YAML" in result.output


def _package_files() -> dict[str, float]:
    package = Path(str(resources.files("rootcauses.sim")))
    return {
        str(p.relative_to(package)): p.stat().st_mtime
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def fake_fit(monkeypatch):
    """`sim calibrate` with a canned report instead of a fit (this is about where it saves)."""
    key, value = a_fittable_parameter()
    calls = []

    def fake_store(settings, *, train, validate, households, seed, max_evaluations, **_):
        calls.append(train)
        return {
            "train": str(train),
            "validate": "FY2021..FY2021",
            "build_id": "b1",
            "evaluations": 1,
            "fitted": {key: value},
            "metrics": {"validation": {"simulation": {"flee_ard": 0.5, "mase": 1.0}}},
            "calibrated": cal.calibrated_document(
                {key: value}, {"build_id": "b1", "seed": seed, "households": households}
            ),
        }

    monkeypatch.setattr(cal, "calibrate_store", fake_store)
    return key, value, calls


def test_save_writes_under_home_and_leaves_the_package(fake_fit, real_calibrations):
    key, value, calls = fake_fit
    package_before = _package_files()
    args = ["calibrate", "--train", "2013..2019", "--households", "10", "--seed", "4"]
    result = runner.invoke(cli.app, [*args, "--save", "validation"])
    assert result.exit_code == 0, result.output
    saved = get_settings().home / "calibrations" / "validation.yaml"
    assert saved.exists() and str(saved) in result.output
    assert _package_files() == package_before  # nothing written into the package
    calibration = load_calibration("validation")
    assert calibration.path == saved and calibration.overrides == {key: value}
    provenance = calibration.provenance
    assert (
        "--train 2013..2019" in provenance["command"]
        and "--save validation" in provenance["command"]
    )
    assert provenance["date"] == dt.date.today().isoformat()
    assert (provenance["build_id"], provenance["seed"], provenance["households"]) == ("b1", 4, 10)
    # the user's file now takes precedence over the package's
    assert load_parameter_specs(calibration="validation")[key].value == value
    assert load_parameter_specs(calibration="latest")[key].value != value
    assert len(calls) == 1


def test_save_into_the_package_is_refused_before_fitting(fake_fit):
    calls = fake_fit[2]
    package = Path(str(resources.files("rootcauses.sim")))
    target = package / "calibrated.yaml"
    result = runner.invoke(cli.app, ["calibrate", "--save", str(target)])
    assert result.exit_code == 1 and "never write into the installed package" in result.output
    assert not target.exists() and calls == []


def test_validate_cli_prints_and_writes_the_scorecard(store_home, tmp_path):
    out = tmp_path / "validate.json"
    args = ["validate", "--households", "2000", "--seed", "1", "--output", str(out)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    for text in ("model", "flat", "random_walk", "seasonal_naive", "acceptance", "FY2024"):
        assert text in result.output
    report = json.loads(out.read_text())
    assert report["split"]["name"] == "validation"
    assert report["calibration"]["name"] == "validation"
    assert set(report["models"]) == {"model", "flat", "random_walk", "seasonal_naive"}
    assert all(
        isinstance(v, bool) for k, v in report["acceptance"].items() if "by_country" not in k
    )
    assert len(report["series"]) == VALIDATION.months * 3
    windows = [r["window"] for r in report["series"]]
    assert windows.count("train") == VALIDATION.train_months * 3
    assert report["regimes"]["scored"] == 5


def test_second_split_uses_validation_unless_a_dedicated_file_exists(monkeypatch, tmp_path):
    # the package ships second.yaml: it is the dedicated calibration
    name, note = hist.split_calibration(SECOND)
    assert name == "second" and "dedicated" in note
    # without it (neither the package's nor the user's), the validation calibration is used
    monkeypatch.setattr(scenarios, "package_calibration_path", lambda n: tmp_path / f"{n}.yaml")
    name, note = hist.split_calibration(SECOND)
    assert name == "validation" and "not out of sample" in note
    saved = get_settings().home / "calibrations" / "second.yaml"
    saved.parent.mkdir(parents=True)
    saved.write_text("overrides: {}\n")
    name, note = hist.split_calibration(SECOND)
    assert name == "second" and "dedicated" in note


def test_bad_split_and_month_are_clear_errors(tmp_path):
    result = runner.invoke(cli.app, ["validate", "--split", "third"])
    assert result.exit_code == 1 and "unknown split 'third'" in result.output
    out = str(tmp_path / "h.json")
    result = runner.invoke(cli.app, ["history", "--from", "2019/01", "--output", out])
    assert result.exit_code == 1 and "bad --from '2019/01'; expected YYYY-MM" in result.output


def test_calibrating_on_everything_observed_has_no_validation_window(store_home):
    """`--train` up to the last observed fiscal year fits on everything (the `latest`
    calibration): a training score, no validation metrics and no scorecard."""
    from rootcauses.sim import calibrate as cal

    report = cal.calibrate_store(
        store_home,
        train=cal.parse_window("2023..2024"),
        households=600,
        max_evaluations=12,
        method="nelder-mead",
        free=("base_departure_rate",),
    )
    assert report["validate"] is None and report["scorecard"] is None
    assert set(report["metrics"]) == {"training"}
    assert report["calibrated"]["provenance"]["train_start"] == "2022-10"
    assert "base_departure_rate" in report["calibrated"]["overrides"]


def test_sim_drivers_are_the_lived_timing_not_the_published_one(store):
    """Households decide on the violence and income they live with (the lived panel: annual
    values interpolated and lagged a year), not on what statistics offices had published."""
    from rootcauses import panel
    from rootcauses.sim.network import read_network_store

    inputs = engine.load_inputs(
        store, read_network_store(store), start=dt.date(2016, 10, 1), months=24
    )
    lived = panel.monthly_panel(store, rules=panel.LIVED)
    published = panel.monthly_panel(store)

    def wide(frame):
        table = frame.pivot(index="month", columns="country", values="homicide_rate")
        return table.loc["2016-10-01":"2018-09-01", list(inputs.countries)].to_numpy()

    np.testing.assert_allclose(inputs.homicide_rate, wide(lived))
    assert not np.allclose(wide(lived), wide(published), equal_nan=True)
