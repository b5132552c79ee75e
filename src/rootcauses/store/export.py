"""Export a store table — built data or stored results — to CSV or Parquet with DuckDB's COPY
(streamed, no pandas round trip)."""

from __future__ import annotations

from pathlib import Path

from rootcauses.config import Settings
from rootcauses.store.query import QueryError, connect
from rootcauses.store.results import CARRIED_TABLES, has_table


def export_table(settings: Settings, table: str, fmt: str, output: Path | None = None) -> Path:
    if fmt not in ("csv", "parquet"):
        raise QueryError(f"unknown export format {fmt!r}; expected csv or parquet")
    with connect(settings) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if table not in tables and not (table in CARRIED_TABLES and has_table(con, table)):
            stored = [t for t in CARRIED_TABLES if has_table(con, t)]
            raise QueryError(
                f"unknown table {table!r}; tables: {', '.join(sorted(tables | set(stored)))}"
            )
        path = output or settings.home / "exports" / f"{table}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
        escaped = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{escaped}' ({options})")
    return path
