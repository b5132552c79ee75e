"""A read-only snapshot of the tracker beside the analytics store, for charts and reports.

:func:`write_store_snapshot` writes ``tracker_commitments`` to the results store
(``$ROOTCAUSES_HOME/results/tracker_commitments/``, see :mod:`rootcauses.store.results`) as one
new file, renamed into place when whole: readers see the previous snapshot or the new one, never
half of one, and never wait. A rebuild of the data store leaves it alone, so it outlives builds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from rootcauses.config import Settings
from rootcauses.errors import BuildError, TrackerDatabaseError
from rootcauses.store.results import write_snapshot
from rootcauses.tracker.money import aid_promise
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
    "evidence": "VARCHAR",  # reported | derived: what the status rests on (null: no reading)
    "aid_promise_usd": "DOUBLE",  # a target bound cumulatively to US aid (tracker.money)
    "aid_promise_first_fy": "INTEGER",
    "aid_promise_last_fy": "INTEGER",
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
        promise = aid_promise(c)
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
                "evidence": e.evidence,
                "aid_promise_usd": promise.amount_usd if promise else None,
                "aid_promise_first_fy": promise.first_fy if promise else None,
                "aid_promise_last_fy": promise.last_fy if promise else None,
                "version": c.version,
                "as_of": e.as_of,
                "snapshot_at": taken,
                "tracker_database": database,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_store_snapshot(settings: Settings, frame: pd.DataFrame) -> Path:
    """Make ``frame`` the current ``tracker_commitments`` snapshot; return the file written.

    Every column is cast to its type in :data:`COLUMNS` first: a value that does not fit fails
    the write and leaves the previous snapshot current."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise TrackerDatabaseError(f"{TABLE}: the snapshot lacks the columns {missing}")
    try:
        return write_snapshot(settings, TABLE, frame[list(COLUMNS)], COLUMNS)
    except BuildError as exc:
        raise TrackerDatabaseError(f"writing {TABLE} failed: {exc}") from None
