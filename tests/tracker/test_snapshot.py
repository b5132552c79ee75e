"""The read-only snapshot beside the analytics store: one file in the results store per
export, the latest one read, never half of one, and untouched by the data store's builds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from rootcauses.config import Settings
from rootcauses.errors import TrackerDatabaseError
from rootcauses.store import connect, import_build
from rootcauses.store.results import read_results
from rootcauses.tracker import service
from rootcauses.tracker.db import Tracker
from rootcauses.tracker.snapshot import COLUMNS, TABLE, snapshot_frame, write_store_snapshot

AS_OF = dt.date(2026, 11, 23)


def small_store(tmp_path: Path) -> Settings:
    """A stand-in for a built store: one table that must survive."""
    settings = Settings(home=tmp_path / "home")
    made = tmp_path / "made.duckdb"
    with duckdb.connect(str(made)) as con:
        con.execute("CREATE TABLE sources AS SELECT 'cbp_state' AS id, 21 AS rows")
        con.execute("CREATE TABLE build_info AS SELECT 'b1' AS build_id")
    import_build(settings, made)
    return settings


def frame_of(tracker: Tracker):
    with tracker.session() as session:
        return snapshot_frame(
            service.evaluate_all(session, tracker.thresholds, AS_OF), tracker.display_url
        )


def test_it_needs_no_built_store(seeded: Tracker, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    path = write_store_snapshot(settings, frame_of(seeded))
    assert path.parent == settings.results_dir / TABLE and path.suffix == ".parquet"
    assert not settings.builds_dir.exists()  # it builds nothing


def test_the_snapshot_replaces_only_its_table(seeded: Tracker, tmp_path: Path) -> None:
    settings = small_store(tmp_path)
    frame = frame_of(seeded)
    write_store_snapshot(settings, frame)
    write_store_snapshot(settings, frame)  # again: replaced, not appended
    with connect(settings) as con:
        assert con.execute("SELECT * FROM sources").fetchall() == [("cbp_state", 21)]
        stored = read_results(con, TABLE)
    assert list(stored.columns) == list(COLUMNS)
    counts = stored["status"].value_counts()
    c106 = stored.loc[stored["id"] == "C106", ["status", "as_of"]].iloc[0]
    assert counts.sum() == 56 and counts["no_metric"] == 16
    assert c106["status"] == "achieved" and c106["as_of"].date() == AS_OF


def test_a_failed_snapshot_leaves_the_previous_one(seeded: Tracker, tmp_path: Path) -> None:
    settings = small_store(tmp_path)
    good = frame_of(seeded)
    write_store_snapshot(settings, good)
    broken = good.copy()
    broken["deadline"] = "not a date"
    with pytest.raises(TrackerDatabaseError, match="failed"):
        write_store_snapshot(settings, broken)
    with connect(settings) as con:
        assert len(read_results(con, TABLE)) == 56
        assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
    assert not list((settings.results_dir / TABLE).glob(".*"))  # no temporary left behind
