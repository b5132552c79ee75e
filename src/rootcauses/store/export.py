"""Export a store table to CSV or Parquet with DuckDB's COPY (streamed, no pandas round trip)."""

from __future__ import annotations

from pathlib import Path

from rootcauses.config import Settings
from rootcauses.store.query import QueryError, connect


def export_table(settings: Settings, table: str, fmt: str, output: Path | None = None) -> Path:
    if fmt not in ("csv", "parquet"):
        raise QueryError(f"unknown export format {fmt!r}; expected csv or parquet")
    with connect(settings) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if table not in tables:
            raise QueryError(f"unknown table {table!r}; tables: {', '.join(sorted(tables))}")
        path = output or settings.home / "exports" / f"{table}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
        escaped = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{escaped}' ({options})")
    return path
