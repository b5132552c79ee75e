"""The read-only snapshot in the analytics store: written in one transaction into the existing
store, never creating one, leaving every other table alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from rootcauses.config import Settings
from rootcauses.errors import TrackerDatabaseError
from rootcauses.tracker import service
from rootcauses.tracker.db import Tracker
from rootcauses.tracker.snapshot import COLUMNS, TABLE, snapshot_frame, write_store_snapshot

AS_OF = dt.date(2026, 11, 23)


def small_store(tmp_path: Path) -> Settings:
    """A stand-in for a built store: one table that must survive."""
    settings = Settings(home=tmp_path / "home")
    settings.store_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.store_path)) as con:
        con.execute("CREATE TABLE sources AS SELECT 'cbp_state' AS id, 21 AS rows")
    return settings


def frame_of(tracker: Tracker):
    with tracker.session() as session:
        return snapshot_frame(
            service.evaluate_all(session, tracker.thresholds, AS_OF), tracker.display_url
        )


def test_without_a_store_it_says_so(seeded: Tracker, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    with pytest.raises(TrackerDatabaseError, match=r"no store at .*rootcauses data build"):
        write_store_snapshot(settings, frame_of(seeded))
    assert not settings.store_path.exists()


def test_the_snapshot_replaces_only_its_table(seeded: Tracker, tmp_path: Path) -> None:
    settings = small_store(tmp_path)
    frame = frame_of(seeded)
    write_store_snapshot(settings, frame)
    write_store_snapshot(settings, frame)  # again: replaced, not appended
    with duckdb.connect(str(settings.store_path), read_only=True) as con:
        assert con.execute("SELECT * FROM sources").fetchall() == [("cbp_state", 21)]
        columns = [r[0] for r in con.execute(f"DESCRIBE {TABLE}").fetchall()]
        assert columns == list(COLUMNS)
        counts = dict(
            con.execute(f"SELECT status, count(*) FROM {TABLE} GROUP BY status").fetchall()
        )
        c106 = con.execute(f"SELECT status, as_of FROM {TABLE} WHERE id = 'C106'").fetchone()
    assert sum(counts.values()) == 56 and counts["no_metric"] == 16
    assert c106 == ("achieved", AS_OF)


def test_a_failed_snapshot_leaves_the_previous_one(seeded: Tracker, tmp_path: Path) -> None:
    settings = small_store(tmp_path)
    good = frame_of(seeded)
    write_store_snapshot(settings, good)
    broken = good.copy()
    broken["deadline"] = "not a date"
    with pytest.raises(TrackerDatabaseError, match="failed"):
        write_store_snapshot(settings, broken)
    with duckdb.connect(str(settings.store_path), read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 56
        assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
