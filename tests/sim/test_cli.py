from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rootcauses.cli import sim as cli
from rootcauses.sim import runs
from tests.sim.conftest import tiny_inputs

runner = CliRunner()


@pytest.fixture
def tiny_store_inputs(monkeypatch, tiny_network):
    """The CLI reads its inputs from the store; here it gets the tiny world instead."""

    def fake(settings, start, months, network_csv=None):
        return tiny_inputs(tiny_network, months=24)

    monkeypatch.setattr(runs, "store_inputs", fake)


def test_run_writes_the_interface_json(tmp_path, tiny_store_inputs):
    out = tmp_path / "run.json"
    result = runner.invoke(
        cli.app,
        [
            "run",
            "deterrence",
            "--households",
            "3000",
            "--months",
            "12",
            "--seed",
            "5",
            "--workers",
            "1",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    for key in (
        "scenario",
        "seed",
        "households",
        "months",
        "wall_seconds",
        "household_months_per_second",
        "encounters",
    ):
        assert key in payload
    assert payload["scenario"] == "deterrence" and payload["seed"] == 5
    assert len(payload["encounters"]) == 12
    assert set(payload["encounters"][0]) == {"month", "citizenship", "value"}
    assert payload["encounters"][0]["month"] == "2019-01-01"
    assert payload["bytes_per_household"] <= 64


def test_compare_writes_differences_with_bands(tmp_path, tiny_store_inputs):
    out = tmp_path / "cmp.json"
    result = runner.invoke(
        cli.app,
        [
            "compare",
            "status_quo",
            "deterrence",
            "--households",
            "2000",
            "--months",
            "6",
            "--members",
            "3",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["baseline"] == "status_quo" and payload["scenario"] == "deterrence"
    assert len(payload["differences"]) == 6
    row = payload["differences"][0]
    assert row["lo"] <= row["mean"] <= row["hi"]
    assert payload["totals"]["ALL"]["difference"]["mean"] < 0


def test_bad_scenario_file_exits_1_without_traceback(tmp_path, tiny_store_inputs):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: d\noverrides:\n  walls: 3\n")
    result = runner.invoke(cli.app, ["run", str(bad), "--output", str(tmp_path / "x.json")])
    assert result.exit_code == 1
    assert "unknown parameter 'walls'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()


def test_every_command_has_help():
    for command in cli.app.registered_commands:
        assert command.callback.__doc__


def test_run_is_stored_when_a_store_exists(tmp_path, tiny_store_inputs):
    import duckdb

    from rootcauses.config import get_settings
    from rootcauses.store import connect, import_build
    from rootcauses.store.results import has_table

    settings = get_settings()
    made = tmp_path / "made.duckdb"
    with duckdb.connect(str(made)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'b1' AS build_id")
    import_build(settings, made)
    result = runner.invoke(
        cli.app,
        [
            "run",
            "status_quo",
            "--households",
            "1000",
            "--months",
            "3",
            "--output",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "stored as run" in result.output
    with connect(settings) as con:
        assert has_table(con, "sim_runs") and has_table(con, "scenario_results")
        run = con.execute("SELECT scenario, kind, build_id, households FROM sim_runs").fetchall()
        rows = con.execute(
            "SELECT count(*) FROM scenario_results WHERE metric = 'encounters'"
        ).fetchone()[0]
    assert run == [("status_quo", "run", "b1", 1000)]
    assert rows == 3


def test_sensitivity_writes_indices_per_parameter(tmp_path, tiny_store_inputs):
    out = tmp_path / "sobol.json"
    result = runner.invoke(
        cli.app,
        [
            "sensitivity",
            "--parameters",
            "beta_violence,beta_network",
            "--samples",
            "4",
            "--households",
            "600",
            "--months",
            "3",
            "--backend",
            "serial",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["scenario"] == "status_quo" and payload["baseline"] is None
    assert payload["problem"]["names"] == ["beta_violence", "beta_network"]
    encounters = [r for r in payload["indices"] if r["output"] == "encounters"]
    assert {r["parameter"] for r in encounters} == {"beta_violence", "beta_network"}
    assert all({"S1", "S1_conf", "ST", "ST_conf"} <= set(r) for r in encounters)
    assert not any(r["output"].endswith("_difference") for r in payload["indices"])
    assert "beta_violence" in result.output


def test_sensitivity_unknown_parameter_names_the_allowed_ones(tmp_path, tiny_store_inputs):
    result = runner.invoke(
        cli.app,
        ["sensitivity", "--parameters", "beta_walls", "--output", str(tmp_path / "s.json")],
    )
    assert result.exit_code == 1
    assert "'beta_walls' cannot vary" in result.output and "beta_violence" in result.output
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["harris_strategy", "--calibration", "latest"], "give no scenario"),
        (["--calibration", "mine"], "expected one of validation, latest"),
        (["--calibration", "validation", "--parameters", "beta_walls"], "'beta_walls' cannot vary"),
    ],
)
def test_sensitivity_of_a_calibration_bad_requests_exit_1(tmp_path, args, message):
    out = tmp_path / "s.json"
    result = runner.invoke(cli.app, ["sensitivity", *args, "--output", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_unreachable_ray_address_exits_1_naming_it(
    tmp_path, tiny_store_inputs, unreachable_address
):
    args = ["compare", "status_quo", "deterrence", "--months", "3"]
    args += ["--address", unreachable_address, "--output", str(tmp_path / "c.json")]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 1
    assert unreachable_address in result.output and "Traceback" not in result.output
    assert not (tmp_path / "c.json").exists()


def test_serial_backend_with_an_address_is_refused(tmp_path, tiny_store_inputs):
    out = str(tmp_path / "r.json")
    result = runner.invoke(
        cli.app,
        ["run", "status_quo", "--backend", "serial", "--address", "10.0.0.1:6379", "--output", out],
    )
    assert result.exit_code == 1
    assert "needs --backend ray" in result.output


def test_sensitivity_is_stored_next_to_runs(tmp_path, tiny_store_inputs):
    import duckdb

    from rootcauses.config import get_settings
    from rootcauses.store import connect, import_build
    from rootcauses.store.results import has_table

    settings = get_settings()
    made = tmp_path / "made.duckdb"
    with duckdb.connect(str(made)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'b1' AS build_id")
    import_build(settings, made)
    common = ["--households", "500", "--months", "2"]
    run = runner.invoke(cli.app, ["run", "status_quo", *common, "--output", str(tmp_path / "r")])
    assert run.exit_code == 0, run.output
    args = ["sensitivity", "harris_strategy", "--parameters", "beta_cost,beta_risk"]
    args += ["--samples", "2", "--backend", "serial", *common, "--output", str(tmp_path / "s")]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    with connect(settings) as con:
        assert has_table(con, "sim_runs") and has_table(con, "scenario_results")
        kinds = con.execute("SELECT kind, baseline FROM sim_runs ORDER BY kind").fetchall()
        sobol = con.execute(
            "SELECT metric, month, value FROM scenario_results WHERE metric LIKE 'sobol_%'"
        ).df()
    assert kinds == [("run", None), ("sobol", "status_quo")]
    payload = json.loads((tmp_path / "s").read_text())
    assert len(sobol) == 2 * len(payload["indices"])
    assert "sobol_ST:encounters_difference:beta_cost" in set(sobol["metric"])
    assert (sobol["month"].astype(str) == "2019-01-01").all()


def _options(command: str) -> set[str]:
    import typer.main

    group = typer.main.get_command(cli.app)
    return {
        opt
        for param in group.commands[command].params
        for opt in getattr(param, "opts", [])
        if opt.startswith("--")
    }


def test_history_and_validate_keep_their_interface():
    """`sim history` is a contract other tools rely on (issue 11): exactly these options."""
    assert _options("history") == {
        "--from",
        "--to",
        "--calibration",
        "--households",
        "--seed",
        "--output",
    }
    assert _options("validate") == {"--split", "--households", "--seed", "--output"}
    result = runner.invoke(cli.app, ["history", "--help"])
    assert result.exit_code == 0 and "validation or latest" in result.output
