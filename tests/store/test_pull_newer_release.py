"""`data pull` + `data build --from-cache` on releases that run past the snapshot's cut."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.store import connect
from tests.httpserver import LocalServer

FOLDER = "outcomes/cbp_nationwide_encounters_state"
NEW_NAME = "nationwide-encounters-fy23-fy26-nov-state.csv"


def _newer_release(snapshot: Path) -> bytes:
    """A FY23-FY26 (Nov) release as CBP publishes it: FY2025 complete, FY2026 Oct-Nov as FYTD,
    and FY2024 slightly revised (CBP revises recent months)."""
    frame = pd.read_csv(snapshot / FOLDER / "nationwide-encounters-fy22-fy25-state.csv", dtype=str)
    frame = frame[frame["Fiscal Year"].isin(["2023", "2024"])]
    fy24 = frame["Fiscal Year"] == "2024"
    first = frame.index[fy24 & (frame["Land Border Region"] == "Southwest Land Border")][0]
    frame.loc[first, "Encounter Count"] = str(int(frame.loc[first, "Encounter Count"]) + 7)
    fy25 = frame[fy24].assign(**{"Fiscal Year": "2025"})
    fy26 = frame[fy24 & frame["Month (abbv)"].isin(["OCT", "NOV"])].assign(
        **{"Fiscal Year": "2026 (FYTD)"}
    )
    return pd.concat([frame, fy25, fy26]).to_csv(index=False).encode()


@pytest.fixture
def mirror(snapshot: Path):
    server = LocalServer().start()
    links = []
    for path in sorted((snapshot / FOLDER).glob("*-state.csv")):
        server.add(f"/assets/{path.name}", path.read_bytes())
        links.append(path.name)
    server.add(f"/assets/2025-Dec/{NEW_NAME}", _newer_release(snapshot))
    links.append(f"2025-Dec/{NEW_NAME}")
    page = "".join(f'<li><a href="/assets/{n}">{n}</a></li>' for n in links)
    server.add(
        "/document/stats/nationwide-encounters",
        f"<ul>{page}</ul>".encode(),
        content_type="text/html",
    )
    yield server
    server.stop()


def test_pull_then_build_from_cache_runs_past_the_cut(
    mirror: LocalServer, snapshot: Path, tmp_path: Path
) -> None:
    env = {"ROOTCAUSES_HOME": str(tmp_path / "home"), "ROOTCAUSES_DATA": str(snapshot)}
    runner = CliRunner()
    pulled = runner.invoke(app, ["data", "pull", "cbp_state", "--base-url", mirror.url], env=env)
    assert pulled.exit_code == 0, pulled.output
    cached = sorted(p.name for p in (tmp_path / "home/cache" / FOLDER).glob("*.csv"))
    assert NEW_NAME in cached and len(cached) == 3

    built = runner.invoke(app, ["data", "build", "--from-cache", "--source", "cbp_state"], env=env)
    assert built.exit_code == 0, built.output
    con = connect(Settings(home=tmp_path / "home"))
    totals = dict(
        con.execute(
            "SELECT fiscal_year, sum(count) FROM encounters WHERE region = "
            "'Southwest Land Border' GROUP BY 1"
        ).fetchall()
    )
    last_month, origin = con.execute(
        "SELECT max(month), (SELECT string_agg(DISTINCT origin, ',') FROM source_files) "
        "FROM encounters"
    ).fetchone()
    notes = con.execute("SELECT notes FROM sources WHERE id = 'cbp_state'").fetchone()[0]
    con.close()
    assert str(last_month) == "2025-11-01"
    assert origin == "cache"
    assert totals[2021] == 1_734_686  # FY2020-21 still from the FY20-FY23 release
    assert totals[2026] > 0
    # FY2023-FY2024 come from the newest release (which revised one FY2024 cell), never twice
    assert NEW_NAME in notes and "FY2023-FY2026" in notes
    assert totals[2024] == 2_135_005 + 7
    assert totals[2023] == 2_475_669
