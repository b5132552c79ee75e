"""The results store: what is written after a build — forecasts, backtests, driver fits,
simulation runs and the tracker snapshot — as one Parquet file per write under
``$ROOTCAUSES_HOME/results/<table>/``.

Why Parquet files (and not tables in the built DuckDB file, nor the tracker's SQL database):

* a write is a new file, written under a temporary name and renamed into place (``os.replace``):
  readers see all of it or nothing, and writers never wait for readers or for each other — file
  names are unique, so there is nothing to lock. Any number of processes read and write at once,
  so two ``rootcauses serve`` processes sharing one ``ROOTCAUSES_HOME`` see every stored run;
* a rebuild never touches this folder: nothing has to be carried over, so nothing can be lost;
* DuckDB reads the files where they are (``read_parquet``, ``union_by_name`` so that runs of a
  model version that added a column read together with older ones) on the same connection as the
  built data, which the server keeps opening read-only. The tracker's database would take
  concurrent writers too, but every model frame (dates, columns that grow with model versions)
  would pass through SQLAlchemy, and each chart would join two engines.

Each row carries its ``run_id`` and ``created_at``; the frames written carry the ``build_id`` of
the data they came from, the model settings and the seed. File names begin with the write time
and the run id, so one run — or the latest — is read without opening the other files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from rootcauses.config import Settings
from rootcauses.errors import BuildError

RESULT_TABLES = ("forecasts", "backtests", "driver_models", "sim_runs", "scenario_results")
# Tables where each write replaces the previous one (readers see the latest file only).
SNAPSHOT_TABLES = ("tracker_commitments", "sim_whatif", "sim_validation")
# What the old single-file store kept inside the DuckDB file (moved here by a build).
CARRIED_TABLES = (*RESULT_TABLES, *SNAPSHOT_TABLES)
SNAPSHOTS_KEPT = 10
RUN_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
ROOT_VARIABLE = "rootcauses_results"


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def current_build(con: duckdb.DuckDBPyConnection) -> str:
    """The id of the build ``con`` reads (a built or imported store always has one
    ``build_info`` row: :func:`~rootcauses.store.import_build` refuses a store without one)."""
    row = con.execute("SELECT build_id FROM build_info").fetchone()
    assert row is not None, "a built store has its build_info row"
    build_id: str = row[0]
    return build_id


def _check_table(table: str, kinds: tuple[str, ...]) -> None:
    if table not in kinds:
        raise BuildError(f"{table!r} is not a result table ({', '.join(kinds)})")


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%S%f")


def _run_of(path: Path) -> str:
    """The run id in a result file's name (``<time>-<run id>-<nonce>.parquet``)."""
    parts = path.stem.split("-")
    return parts[1] if len(parts) == 3 else ""


def table_files(root: Path, table: str) -> list[Path]:
    """A table's result files, oldest first (names begin with the write time)."""
    try:
        entries = os.scandir(root / table)
    except FileNotFoundError:
        return []
    with entries:
        names = sorted(e.name for e in entries if e.name.endswith(".parquet"))
    return [root / table / name for name in names if not name.startswith(".")]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(
    settings: Settings,
    table: str,
    frame: pd.DataFrame,
    name: str,
    types: Mapping[str, str] | None = None,
) -> Path:
    """Write ``frame`` to ``results/<table>/<name>`` atomically (temporary file, fsync, rename).

    The Parquet file is written by an in-memory DuckDB, so a write opens nothing shared."""
    folder = settings.results_dir / table
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    columns = [
        f'CAST("{c}" AS {types[c]}) AS "{c}"' if types and c in types else f'"{c}"'
        for c in frame.columns
    ]
    escaped = str(tmp).replace("'", "''")
    con = duckdb.connect()
    try:
        con.register("incoming", frame)
        row = con.execute(
            f"COPY (SELECT {', '.join(columns)} FROM incoming) TO '{escaped}' (FORMAT parquet)"
        ).fetchone()
        assert row is not None  # COPY answers with the row count
        (written,) = row
        if written != len(frame):
            raise BuildError(f"{table}: {written} rows written to {tmp}, expected {len(frame)}")
        _fsync(tmp)
        os.replace(tmp, final)
    except duckdb.Error as exc:
        raise BuildError(f"could not write {table!r} to {folder}: {exc}") from exc
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        _fsync(folder)
    return final


def _stamped(frame: pd.DataFrame, run_id: str, created: dt.datetime) -> pd.DataFrame:
    rows = frame.copy()
    rows.insert(0, "run_id", run_id)
    rows.insert(1, "created_at", created.replace(microsecond=0))
    return rows


def write_results(settings: Settings, table: str, frame: pd.DataFrame, *, run_id: str) -> Path:
    """Store ``frame`` (stamped with run id and time) as one new file of ``table``; return it.

    Never waits: concurrent writers write different files, readers see the file once whole."""
    _check_table(table, RESULT_TABLES)
    if not RUN_ID.match(run_id):
        raise BuildError(f"bad run id {run_id!r}: expected 1-64 letters, digits or '_'")
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    name = f"{_stamp(created)}-{run_id}-{uuid.uuid4().hex[:8]}.parquet"
    return _write_file(settings, table, _stamped(frame, run_id, created), name)


def write_snapshot(
    settings: Settings,
    table: str,
    frame: pd.DataFrame,
    types: Mapping[str, str] | None = None,
) -> Path:
    """Store ``frame`` as the new whole content of a snapshot table (earlier snapshots stay for
    readers that already chose them; all but the last few are then removed)."""
    _check_table(table, SNAPSHOT_TABLES)
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    name = f"{_stamp(created)}-snapshot-{uuid.uuid4().hex[:8]}.parquet"
    path = _write_file(settings, table, frame, name, types)
    for old in table_files(settings.results_dir, table)[:-SNAPSHOTS_KEPT]:
        old.unlink(missing_ok=True)
    return path


def migrate_legacy(settings: Settings, legacy: Path) -> dict[str, int]:
    """Copy the result tables of an old single-file store into the results store; returns the
    rows moved per table. File names depend only on the run, so running it again rewrites the
    same files rather than adding copies."""
    escaped = str(legacy).replace("'", "''")
    con = duckdb.connect()
    moved: dict[str, int] = {}
    try:
        try:
            con.execute(f"ATTACH '{escaped}' AS legacy (READ_ONLY)")
        except duckdb.Error as exc:
            raise BuildError(
                f"cannot read the results in the old store {legacy} to move them to "
                f"{settings.results_dir}: {exc}; stop the processes using it (an older "
                "`rootcauses serve`?) and build again"
            ) from None
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'legacy'"
            ).fetchall()
        }
        for table in (t for t in CARRIED_TABLES if t in present):
            frame = con.execute(f'SELECT * FROM legacy."{table}"').df()
            if frame.empty:
                continue
            if table in SNAPSHOT_TABLES:
                taken = pd.to_datetime(frame.get("snapshot_at", pd.Series(dtype=object))).max()
                stamp = _stamp(
                    taken.to_pydatetime() if pd.notna(taken) else dt.datetime(2000, 1, 1)
                )
                _write_file(settings, table, frame, f"{stamp}-snapshot-legacy.parquet")
            else:
                for run_id, rows in frame.groupby("run_id", sort=False):
                    created = pd.to_datetime(rows["created_at"]).min().to_pydatetime()
                    safe = re.sub(r"[^A-Za-z0-9_]", "_", str(run_id))[:64]
                    name = f"{_stamp(created)}-{safe}-legacy.parquet"
                    _write_file(settings, table, rows.reset_index(drop=True), name)
            moved[table] = len(frame)
        con.execute("DETACH legacy")
    finally:
        con.close()
    return moved


# --------------------------------------------------------------------------- reading


def bind(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Tell a store connection where the results are (a variable of that connection only)."""
    con.execute(f"SET VARIABLE {ROOT_VARIABLE} = ?", [str(settings.results_dir)])


def results_root(con: duckdb.DuckDBPyConnection) -> Path:
    row = con.execute(f"SELECT getvariable('{ROOT_VARIABLE}')").fetchone()
    assert row is not None  # a SELECT without FROM returns one row
    root = row[0]
    if root is None:
        raise BuildError(
            "this connection does not know where results are: open it with "
            "rootcauses.store.query.connect"
        )
    return Path(root)


def _read(con: duckdb.DuckDBPyConnection, files: list[Path]) -> pd.DataFrame:
    return con.execute(
        "SELECT * FROM read_parquet(?, union_by_name = true)", [[str(f) for f in files]]
    ).df()


def read_results(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str | None = None
) -> pd.DataFrame:
    """Rows of one run (default: the latest) of a result table — or the latest snapshot of a
    snapshot table; empty when there are none. Opens only that run's files."""
    _check_table(table, CARRIED_TABLES)
    files = table_files(results_root(con), table)
    if not files:
        return pd.DataFrame()
    if table in SNAPSHOT_TABLES:
        return _read(con, files[-1:])
    wanted = run_id if run_id is not None else _run_of(files[-1])
    chosen = [f for f in files if _run_of(f) == wanted]
    return _read(con, chosen) if chosen else pd.DataFrame()


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` has results; if so, make it a temporary view of this connection, so
    SQL can name it as if it were a table (a snapshot table shows its latest snapshot)."""
    _check_table(table, CARRIED_TABLES)
    files = table_files(results_root(con), table)
    if not files:
        return False
    if table in SNAPSHOT_TABLES:
        files = files[-1:]
    listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{table}" AS '
        f"SELECT * FROM read_parquet([{listed}], union_by_name = true)"
    )
    return True


def signature(settings: Settings, tables: tuple[str, ...] = CARRIED_TABLES) -> str:
    """A digest of which result files exist: it changes with every write (names are unique and
    files never change), so caches of answers built from results can key on it."""
    digest = hashlib.sha256()
    for table in tables:
        for path in table_files(settings.results_dir, table):
            digest.update(f"{table}/{path.name}\n".encode())
    return digest.hexdigest()[:12]
