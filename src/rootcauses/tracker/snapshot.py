"""A read-only snapshot of the tracker in the analytics store, for charts and reports.

:func:`write_store_snapshot` replaces the table ``tracker_commitments`` in the existing DuckDB
store (``$ROOTCAUSES_HOME/rootcauses.duckdb``) in one transaction: readers see the old table or
the new one, never a half-written one, and the rest of the store is untouched. It never creates
a store: without one it says so (build it first). A later ``rootcauses data build`` replaces
the store file as a whole, so run the export again after a build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from rootcauses.config import Settings
from rootcauses.errors import TrackerDatabaseError
from rootcauses.tracker.parsing import format_target
from rootcauses.tracker.service import Evaluated

TABLE = "tracker_commitments"
COLUMNS = {
    "id": "VARCHAR",
    "actor": "VARCHAR",
    "actor_type": "VARCHAR",
    "country": "VARCHAR",
    "pillar_ids": "VARCHAR",
    "commitment": "VARCHAR",
    "metric": "VARCHAR",
    "target_value": "VARCHAR",
    "unit": "VARCHAR",
    "deadline": "DATE",
    "amount_usd": "DOUBLE",
    "reported_usd": "DOUBLE",
    "status": "VARCHAR",
    "status_reason": "VARCHAR",
    "has_metric": "BOOLEAN",
    "has_deadline": "BOOLEAN",
    "latest_report_date": "DATE",
    "latest_value": "DOUBLE",
    "expected_fraction": "DOUBLE",
    "actual_fraction": "DOUBLE",
    "aggregate": "BOOLEAN",
    "version": "INTEGER",
    "as_of": "DATE",
    "snapshot_at": "TIMESTAMP",
    "tracker_database": "VARCHAR",
}


def snapshot_frame(evaluated: list[Evaluated], database: str) -> pd.DataFrame:
    """One row per live commitment with its computed status (first target's figures)."""
    taken = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = []
    for e in evaluated:
        c, j = e.commitment, e.judgement
        first = next(
            (t for t in j.targets if t.latest is not None), j.targets[0] if j.targets else None
        )
        rows.append(
            {
                "id": c.id,
                "actor": c.actor,
                "actor_type": c.actor_type,
                "country": c.country,
                "pillar_ids": ";".join(c.pillar_ids),
                "commitment": c.commitment,
                "metric": c.metric,
                "target_value": ";".join(format_target(t.value, t.relative) for t in c.targets)
                or None,
                "unit": ";".join(t.unit or "" for t in c.targets) or None,
                "deadline": c.deadline,
                "amount_usd": c.amount_usd,
                "reported_usd": e.reported_usd,
                "status": j.status.value,
                "status_reason": j.reason,
                "has_metric": j.has_metric,
                "has_deadline": j.has_deadline,
                "latest_report_date": first.latest.date if first and first.latest else None,
                "latest_value": first.latest.value if first and first.latest else None,
                "expected_fraction": first.expected_fraction if first else None,
                "actual_fraction": first.actual_fraction if first else None,
                "aggregate": c.aggregate,
                "version": c.version,
                "as_of": e.as_of,
                "snapshot_at": taken,
                "tracker_database": database,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_store_snapshot(settings: Settings, frame: pd.DataFrame) -> Path:
    """Replace ``tracker_commitments`` in the existing store, atomically; return the store path."""
    path = settings.store_path
    if not path.exists():
        raise TrackerDatabaseError(
            f"no store at {path}: run `rootcauses data build` first, then export the tracker "
            "to it again"
        )
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise TrackerDatabaseError(
            f"cannot open the store {path} for writing (is another process using it?): {exc}"
        ) from None
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
            columns = ", ".join(f'"{c}" {t}' for c, t in COLUMNS.items())
            con.execute(f'CREATE TABLE "{TABLE}" ({columns})')
            con.register("incoming", frame)
            names = ", ".join(f'"{c}"' for c in COLUMNS)
            con.execute(f'INSERT INTO "{TABLE}" ({names}) SELECT {names} FROM incoming')
            con.unregister("incoming")
            written = con.execute(f'SELECT count(*) FROM "{TABLE}"').fetchone()[0]
            if written != len(frame):
                raise TrackerDatabaseError(
                    f"{TABLE}: {written} rows after writing, expected {len(frame)}"
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise TrackerDatabaseError(f"writing {TABLE} to {path} failed: {exc}") from None
    finally:
        con.close()
    return path
