"""``rootcauses tracker …``: every command has help; errors are one paragraph and exit 1; the
status roll-up on the seed data; import, export, show, add-progress, users, migrate."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from rootcauses.cli import app as root_app
from rootcauses.cli.tracker import app as tracker_app
from rootcauses.config import Settings
from rootcauses.store import connect, import_build
from rootcauses.store.results import read_results
from rootcauses.tracker import service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import Tracker
from rootcauses.tracker.schemas import CommitmentCreate
from rootcauses.tracker.status import Status

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-23"]


def _root() -> typer.Typer:
    """The project CLI, with the tracker mounted (as rootcauses.cli will do)."""
    mounted = any(group.name == "tracker" for group in root_app.registered_groups)
    if mounted:
        return root_app
    root = typer.Typer()
    root.add_typer(tracker_app, name="tracker")

    @root.callback()
    def _main() -> None:
        """rootcauses (test mount)."""

    return root


APP = _root()


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path, command


COMMANDS = dict(_commands(get_command(tracker_app), ("tracker",)))


@pytest.mark.parametrize("path", list(COMMANDS), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    assert COMMANDS[path].help, f"rootcauses {' '.join(path)} has no help text"
    result = runner.invoke(APP, [*path, "--help"])
    assert result.exit_code == 0, result.output


def test_the_brief_commands_exist() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {
        "tracker import",
        "tracker export",
        "tracker status",
        "tracker show",
        "tracker add-progress",
        "tracker user add",
        "tracker migrate",
    } <= names


def invoke(env: dict[str, str], *args: str):
    return runner.invoke(APP, ["tracker", *args], env=env)


def test_status_prints_the_rollup_with_missing_metrics_and_deadlines(
    seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]]
) -> None:
    result = invoke(cli_env(seeded), "status", *AS_OF)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Commitment tracker by actor_type, as of 2026-11-23" in out
    for label in ("achieved", "missed", "metric", "deadline", "promised", "reported"):
        assert label in out
    for group in ("private", "us_gov", "ngo", "partner_gov", "multilateral", "total"):
        assert group in out
    flat = " ".join(out.split())
    assert "16 have no metric" in flat and "37 have no deadline" in flat
    assert "19 (34%) have both" in flat
    total_line = next(line for line in out.splitlines() if line.strip().startswith("total"))
    assert total_line.split()[1:3] == ["56", "1"]  # 56 commitments, 1 achieved
    by_pillar = invoke(cli_env(seeded), "status", "--by", "pillar", *AS_OF)
    assert "P1 Pillar I" in by_pillar.output and "several pillars" in by_pillar.output


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_status_as_data(
    seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]], fmt: str
) -> None:
    result = invoke(cli_env(seeded), "status", "--by", "country", "--format", fmt, *AS_OF)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = {r["group"]: r for r in json.loads(result.output)}
    else:
        lines = result.output.splitlines()
        header = lines[0].split(",")
        rows = {
            line.split(",")[0]: dict(zip(header, line.split(","), strict=True))
            for line in lines[1:]
        }
    assert set(rows) == {"GTM", "HND", "SLV", "XNT", "total"}
    assert int(rows["total"]["without_metric"]) == 16


def test_import_defaults_to_the_snapshot_and_reports_counts(
    tracker: Tracker, cli_env: Callable[[Tracker], dict[str, str]]
) -> None:
    result = invoke(cli_env(tracker), "import", "--by", "alice")
    assert result.exit_code == 0, result.output
    assert "commitments" in result.output and "56" in result.output
    with tracker.session() as session:
        assert len(service.list_commitments(session)) == 56
        assert service.history(session, "C001")[0].actor == "alice"


def test_errors_are_one_paragraph_without_traceback(
    seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]], tmp_path: Path
) -> None:
    bad = tmp_path / "commitments.csv"
    bad.write_text(
        "id,actor,actor_type,country,pillar_id,commitment,metric,target_value,unit,baseline,"
        "announced_date,deadline,amount_usd,source_url,source_date,notes\n"
        "C991,,ngo,GT,P1,Promise,people,10,people,,2024,,,https://e.org,,\n"
    )
    result = invoke(cli_env(seeded), "import", str(bad))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "error:" in result.output and "commitments.csv row 2 (C991), column 'actor'" in (
        result.output.replace("\n", " ")
    )
    missing = invoke(cli_env(seeded), "show", "C999")
    assert missing.exit_code == 1 and "no commitment 'C999'" in missing.output
    bad_date = invoke(cli_env(seeded), "status", "--as-of", "yesterday")
    assert bad_date.exit_code == 1 and "--as-of 'yesterday'" in bad_date.output


def test_export_files_and_to_the_store(
    seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]], tmp_path: Path
) -> None:
    env = cli_env(seeded)
    folder = tmp_path / "out"
    assert invoke(env, "export", "--format", "csv", "--output", str(folder)).exit_code == 0
    assert {p.name for p in folder.iterdir()} == {
        "pillars.csv",
        "commitments.csv",
        "progress.csv",
        "milestones.csv",
        "bindings.csv",
    }
    document = tmp_path / "tracker.json"
    assert invoke(env, "export", "-f", "json", "-o", str(document)).exit_code == 0
    assert len(json.loads(document.read_text())["commitments"]) == 56
    settings = Settings(home=Path(env["ROOTCAUSES_HOME"]))
    made = tmp_path / "made.duckdb"
    with duckdb.connect(str(made)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'b1' AS build_id")
    import_build(settings, made)
    written = invoke(env, "export", "--to-store", *AS_OF)
    assert written.exit_code == 0, written.output
    with connect(settings) as con:
        assert len(read_results(con, "tracker_commitments")) == 56


def test_show_and_add_progress(
    seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]]
) -> None:
    env = cli_env(seeded)
    shown = invoke(env, "show", "C106", *AS_OF)
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.output.split())
    assert "achieved" in flat and "reaches the target" in flat
    assert "audit trail" in flat and "seed-import" in flat
    added = invoke(
        env,
        "add-progress",
        "C116",
        "--date",
        "2026-06-30",
        "--value",
        "100000000",
        "--evidence-url",
        "https://example.org/target-2026",
        "--note",
        "company report",
        "--by",
        "bob",
    )
    assert added.exit_code == 0, added.output
    assert "status now:" in added.output
    with seeded.session() as session:
        c116 = service.get_commitment(session, "C116")
        [report] = service.live_progress(c116)
        judged = service.evaluate(c116, dt.date(2026, 11, 23), seeded.thresholds).judgement
    assert (report.unit, report.recorded_by, report.value) == ("USD", "bob", 1e8)
    assert judged.status is Status.on_track  # $100M of $300M by 2033, a third of the way
    as_json = invoke(env, "show", "C116", "--format", "json", *AS_OF)
    detail = json.loads(as_json.output)
    assert detail["status"] == "on_track"
    assert detail["progress"][0]["evidence_url"] == "https://example.org/target-2026"
    assert detail["history"][-1]["actor"] == "bob"
    bad = invoke(env, "add-progress", "C116", "--date", "2026-06-31", "--evidence-url", "x")
    assert bad.exit_code == 1
    assert "--date" in bad.output and "--evidence-url" in bad.output
    context = invoke(
        env,
        "add-progress",
        "C001",
        "--date",
        "2026-01",
        "--value",
        "5",
        "--unit",
        "schools",
        "--evidence-url",
        "https://example.org/s",
    )
    assert context.exit_code == 0 and "does not move the status" in context.output


def test_users_and_tokens(tracker: Tracker, cli_env: Callable[[Tracker], dict[str, str]]) -> None:
    env = cli_env(tracker)
    created = invoke(env, "user", "add", "carla", "--role", "editor")
    assert created.exit_code == 0, created.output
    token = created.output.split()[-1]
    assert token.startswith("rct_")
    with tracker.session() as session:
        assert service.actor_for_token(session, token).role == "editor"
    listed = invoke(env, "user", "list", "--format", "json")
    assert json.loads(listed.output)[0]["name"] == "carla" and token not in listed.output
    again = invoke(env, "user", "token", "carla")
    assert again.exit_code == 0 and again.output.split()[-1] != token
    bad_role = invoke(env, "user", "add", "dan", "--role", "owner")
    assert bad_role.exit_code == 1 and "role" in bad_role.output


def test_migrate(blank_url: str, tmp_path: Path) -> None:
    env = {"ROOTCAUSES_HOME": str(tmp_path), "DATABASE_URL": blank_url}
    first = invoke(env, "migrate", "--revision", "0001")
    assert first.exit_code == 0 and "empty → 0001" in first.output
    upgraded = invoke(env, "migrate")  # 0001 → 0002 adds the metric bindings
    assert upgraded.exit_code == 0 and "0001 → 0002" in upgraded.output
    again = invoke(env, "migrate")
    assert again.exit_code == 0 and "already at revision 0002" in again.output


def test_list_filters(seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]]) -> None:
    result = invoke(cli_env(seeded), "list", "--status", "achieved", "--format", "json", *AS_OF)
    assert [r["id"] for r in json.loads(result.output)] == ["C106"]
    by_country = invoke(cli_env(seeded), "list", "--country", "SV", "-f", "csv", *AS_OF)
    assert {line.split(",")[0] for line in by_country.output.splitlines()[1:]} == {
        "C122",
        "C132",
        "C202",
    }


def test_csv_output_quotes_formulas(
    seeded: Tracker, cli_env: Callable[[Tracker], dict[str, str]]
) -> None:
    with seeded.session(write=True) as session:
        service.create_commitment(
            session,
            CommitmentCreate(
                id="C889",
                actor='=HYPERLINK("https://evil.example")',
                actor_type="ngo",
                country="GT",
                pillar_ids=["P1"],
                commitment="c",
                amount_usd=5,
            ),
            Actor("ann", "editor"),
        )
    listed = invoke(cli_env(seeded), "list", "--format", "csv", *AS_OF)
    (row,) = [r for r in csv.DictReader(io.StringIO(listed.output)) if r["id"] == "C889"]
    assert row["actor"] == '\'=HYPERLINK("https://evil.example")'
    rolled = invoke(cli_env(seeded), "status", "--by", "actor", "--format", "csv", *AS_OF)
    groups = [r["group"] for r in csv.DictReader(io.StringIO(rolled.output))]
    assert '\'=HYPERLINK("https://evil.example")' in groups
    assert not [g for g in groups if g.startswith("=")]
    as_json = invoke(cli_env(seeded), "list", "--format", "json", *AS_OF)
    assert any(r["actor"].startswith("=HYPERLINK") for r in json.loads(as_json.output))
