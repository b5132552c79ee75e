"""Model outputs written into the store (forecasts, backtests, driver models, simulation runs).

Each result row carries a ``run_id``, the ``build_id`` of the data it came from, the model
settings as JSON and the seed. A rebuild of the store carries these tables over (see
:mod:`rootcauses.store.build`), so results stay next to the data; their ``build_id`` says which
build produced them.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import duckdb
import pandas as pd

from rootcauses.config import Settings
from rootcauses.errors import BuildError

RESULT_TABLES = ("forecasts", "backtests", "driver_models", "sim_runs", "scenario_results")
# Tables a rebuild carries over (results, and the tracker's snapshot of commitment statuses).
CARRIED_TABLES = (*RESULT_TABLES, "tracker_commitments")


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def current_build(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT build_id FROM build_info").fetchone()[0]


def write_results(
    settings: Settings, table: str, frame: pd.DataFrame, *, run_id: str, attempts: int = 20
) -> None:
    """Append ``frame`` (stamped with run id and time) to ``table`` in one transaction.

    DuckDB lets one process write at a time; a reader such as the web server holds the file only
    for a request, so a locked store is retried for a few seconds before giving up."""
    if table not in RESULT_TABLES:
        raise BuildError(f"{table!r} is not a result table ({', '.join(RESULT_TABLES)})")
    rows = frame.copy()
    rows.insert(0, "run_id", run_id)
    rows.insert(1, "created_at", dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    last: Exception | None = None
    for _ in range(attempts):
        try:
            con = duckdb.connect(str(settings.store_path))
        except duckdb.IOException as exc:  # held by another process
            last = exc
            time.sleep(0.25)
            continue
        try:
            con.register("incoming", rows)
            con.execute("BEGIN TRANSACTION")
            con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" AS SELECT * FROM incoming LIMIT 0')
            _add_new_columns(con, table)
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM incoming')
            con.execute("COMMIT")
            return
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise BuildError(f"could not write {table!r} to the store: {exc}") from exc
        finally:
            con.close()
    raise BuildError(f"the store at {settings.store_path} stayed locked: {last}")


def _add_new_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Columns a newer model version writes are added to an older table (earlier runs read
    NULL there), so results kept across versions stay in one table."""
    have = {row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()}
    for name, kind, *_ in con.execute("DESCRIBE incoming").fetchall():
        if name not in have:
            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {kind}')


def read_results(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str | None = None
) -> pd.DataFrame:
    """Rows of one run (default: the latest) of a result table; empty when there are none."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
    ).fetchone()[0]
    if not exists:
        return pd.DataFrame()
    if run_id is None:
        latest = con.execute(
            f'SELECT run_id FROM "{table}" ORDER BY created_at DESC, run_id LIMIT 1'
        ).fetchone()
        if latest is None:
            return pd.DataFrame()
        run_id = latest[0]
    return con.execute(f'SELECT * FROM "{table}" WHERE run_id = ?', [run_id]).df()
