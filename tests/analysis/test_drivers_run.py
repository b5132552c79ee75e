"""``rootcauses drivers fit``: what it prints and stores carries the comparison with the trend."""

from __future__ import annotations

import io
import shutil

import pandas as pd
from typer.testing import CliRunner

from rootcauses.analysis.drivers import verdict
from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.store import query
from rootcauses.store.results import read_results


def test_drivers_fit_stores_every_theory_with_its_verdict_against_the_trend(
    built_store: Settings, tmp_path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_store.home, home, ignore=shutil.ignore_patterns("*.lock", "results"))
    settings = Settings(home=home, data=built_store.data)
    env = {"ROOTCAUSES_HOME": str(home), "ROOTCAUSES_DATA": str(built_store.data)}
    result = CliRunner().invoke(app, ["drivers", "fit", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(io.StringIO(result.output))
    with query.connect(settings) as con:
        stored = read_results(con, "driver_models")
    assert len(stored) == len(printed)
    assert set(stored["section"]) == {
        "theory", "baseline", "did", "departments", "replication", "limits",
    }  # fmt: skip
    theories = stored[stored["section"] == "theory"]
    assert set(theories["theory"]) >= {"economic", "violence", "deterrence", "all"}
    # the page's columns are still there, and each theory row carries its out-of-sample test
    for column in ("coef", "lo95", "hi95", "within_r2", "oos_gain", "rows", "years"):
        assert theories[column].notna().all(), column
    for row in theories.itertuples():
        assert row.verdict == verdict(row.skill_vs_trend, row.dm_p_value)
    # a theory reported as beating the trend really has positive out-of-sample skill
    beats = theories[theories["verdict"] == "beats the trend out of sample"]
    assert (beats["skill_vs_trend"] > 0).all() and (beats["dm_p_value"] < 0.05).all()
    assert (stored.loc[stored["section"] == "limits", "note"].str.len() > 50).all()
    assert stored.loc[stored["section"] == "replication", "note"].str.contains("34 of 36").all()


def test_drivers_fit_says_in_words_whether_any_theory_beats_the_trend(
    built_store: Settings, tmp_path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_store.home, home, ignore=shutil.ignore_patterns("*.lock", "results"))
    env = {"ROOTCAUSES_HOME": str(home), "ROOTCAUSES_DATA": str(built_store.data)}
    result = CliRunner().invoke(app, ["drivers", "fit"], env=env, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Against the trend baseline" in result.output
    assert ("No theory beats the trend baseline out of sample" in result.output) or (
        "Beat the trend out of sample:" in result.output
    )
    assert "What the data cannot identify (departments)" in result.output
