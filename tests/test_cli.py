from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import Settings

runner = CliRunner()


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path, command


ALL_COMMANDS = list(_commands(get_command(app)))


@pytest.mark.parametrize("path", [p for p, _ in ALL_COMMANDS], ids=" ".join)
def test_every_command_has_help_and_is_documented(path) -> None:
    command = dict(ALL_COMMANDS)[path]
    assert command.help, f"rootcauses {' '.join(path)} has no help text"
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    readme = (pytest.importorskip("pathlib").Path(__file__).parents[1] / "README.md").read_text()
    assert f"rootcauses {' '.join(path)}" in readme, f"README does not mention {path}"


def _env(settings: Settings) -> dict[str, str]:
    return {"ROOTCAUSES_HOME": str(settings.home), "ROOTCAUSES_DATA": str(settings.data)}


def test_status_in_three_formats(built_store: Settings) -> None:
    table = runner.invoke(app, ["data", "status"], env=_env(built_store))
    assert table.exit_code == 0 and "cbp_state" in table.output
    as_csv = runner.invoke(app, ["data", "status", "--format", "csv"], env=_env(built_store))
    header = as_csv.output.splitlines()[0]
    assert header == "source,table,rows,period,sha256,status,built_at"
    as_json = runner.invoke(app, ["data", "status", "-f", "json"], env=_env(built_store))
    rows = json.loads(as_json.output)
    cbp = next(r for r in rows if r["source"] == "cbp_state")
    assert cbp["period"].startswith("2019-10") and len(cbp["sha256"]) == 12


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export(built_store: Settings, tmp_path, fmt: str) -> None:
    out = tmp_path / f"enc.{fmt}"
    result = runner.invoke(
        app,
        ["data", "export", "encounters", "--format", fmt, "--output", str(out)],
        env=_env(built_store),
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
    assert {"month", "citizenship", "count", "source"} <= set(frame.columns)
    assert (
        frame.query(
            "source == 'cbp_state' and fiscal_year == 2021 and region == 'Southwest Land Border'"
        )["count"].sum()
        == 1_734_686
    )


def test_errors_are_one_paragraph_without_traceback(tmp_path) -> None:
    result = runner.invoke(app, ["data", "status"], env={"ROOTCAUSES_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert "no store" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        app, ["data", "build", "--source", "nope"], env={"ROOTCAUSES_HOME": str(tmp_path)}
    )
    assert result.exit_code == 1 and "unknown source" in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["sim", "run", "status_quo", "--output", "x.json", "--start", "2019-13"], "--start"),
        (["sim", "run", "status_quo", "--output", "x.json", "--start", "2019-W01"], "--start"),
        (["forecast", "run", "--output", "x.csv", "--until", "2023-1"], "--until"),
    ],
)
def test_bad_months_fail_naming_the_option(tmp_path, args, option) -> None:
    """Months are read by rootcauses.periods: a bad one exits 1 before any data is read, with
    one paragraph that names the option and the expected shape."""
    result = runner.invoke(app, args, env={"ROOTCAUSES_HOME": str(tmp_path)})
    assert result.exit_code == 1, result.output
    assert f"bad {option}" in result.output and "YYYY-MM" in result.output
    assert "Traceback" not in result.output


def test_typer_app_is_importable() -> None:
    assert isinstance(app, typer.Typer)
