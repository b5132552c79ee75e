"""Build the DuckDB store from every source, as a new immutable build.

A build reads and checks every source, writes a new file ``builds/rootcauses-<build_id>.duckdb``
(under a temporary name until it is complete and verified), then points readers at it by
replacing the pointer (see :mod:`rootcauses.store.layout`). Any error before that leaves the
previous build current, byte for byte. A build holds the build lock, so two never race; it writes
nothing but its own file and the pointer — results live in the results store
(:mod:`rootcauses.store.results`), which a build never touches, so none can be lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from rootcauses import __version__, schema
from rootcauses.config import Settings
from rootcauses.errors import BuildError, RootCausesError, SourceError
from rootcauses.sources import SourceSpec, all_sources
from rootcauses.sources.base import Origin, Part, RawFile, load_from, locate_in
from rootcauses.sources.checks import check_part
from rootcauses.store import layout
from rootcauses.store.results import migrate_legacy

Progress = Callable[[str, int, int], None]
"""Called as ``(source id, sources done, sources total)``."""


@dataclass
class BuildReport:
    path: Path
    build_id: str
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # rows moved from an old single-file store into the results store, per table
    migrated: dict[str, int] = field(default_factory=dict)


def _roots(settings: Settings, from_cache: bool) -> list[tuple[Path, Origin]]:
    """Where files are looked for, in order: the pulled cache (when asked), then the snapshot."""
    roots: list[tuple[Path, Origin]] = [(settings.cache_dir, "cache")] if from_cache else []
    return [*roots, (settings.data, "snapshot")]


def read_source(
    spec: SourceSpec, root: Path | Sequence[tuple[Path, Origin]], origin: Origin = "snapshot"
) -> list[Part]:
    """Load, parse and check one source; errors carry the source id."""
    roots = [(root, origin)] if isinstance(root, Path) else list(root)
    raws = load_from(spec, roots)
    where = " or ".join(str(r / spec.folder) for r, _ in roots)
    try:
        parts = spec.read(raws)
        for part in parts:
            if not part.files:
                part.files = tuple(raws)
            check_part(part)
        spec.check(parts)
    except RootCausesError as exc:
        raise type(exc)(f"source {spec.id!r} ({where}): {exc}") from exc
    return parts


def _combined_sha(files: Iterable[RawFile]) -> str:
    hashes = sorted(f.sha256 for f in files)
    if len(hashes) == 1:
        return hashes[0]
    return hashlib.sha256("".join(hashes).encode()).hexdigest()


def _period(part: Part) -> tuple[object, object]:
    """First and last date a part covers: the canonical date columns, or a ``year`` column."""
    frame = part.frame
    if part.table not in schema.CANONICAL:
        years = pd.to_numeric(frame.get("year", pd.Series(dtype=float)), errors="coerce")
        if years.notna().any():
            return dt.date(int(years.min()), 1, 1), dt.date(int(years.max()), 12, 31)
        return None, None
    for column in ("month", "period", "date"):
        if column in frame.columns and frame[column].notna().any():
            values = pd.to_datetime(frame[column].dropna())
            return values.min().date(), values.max().date()
    if "fiscal_year" in frame.columns and frame["fiscal_year"].notna().any():
        return dt.date(int(frame["fiscal_year"].min()) - 1, 10, 1), dt.date(
            int(frame["fiscal_year"].max()), 9, 30
        )
    return None, None


def _create_canonical(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in {
        **schema.CANONICAL,
        "sources": schema.SOURCES,
        "source_files": schema.SOURCE_FILES,
    }.items():
        cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        con.execute(f'CREATE TABLE "{table}" ({cols})')


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("incoming", frame)
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM incoming')
    finally:
        con.unregister("incoming")


def _write(
    path: Path,
    collected: list[tuple[SourceSpec, list[Part]]],
    build_id: str,
    settings: Settings,
    from_cache: bool,
) -> dict[str, int]:
    built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con = duckdb.connect(str(path))
    try:
        _create_canonical(con)
        extra_seen: dict[str, str] = {}
        source_rows, file_rows = [], []
        for spec, parts in collected:
            seen_files: dict[str, RawFile] = {}
            for part in parts:
                if part.table in schema.CANONICAL:
                    _insert(con, part.table, part.frame)
                else:
                    frame = part.frame.copy()
                    frame["source"] = part.source_id
                    if part.table in extra_seen:
                        _insert(con, part.table, frame)
                    else:
                        con.register("incoming", frame)
                        con.execute(f'CREATE TABLE "{part.table}" AS SELECT * FROM incoming')
                        con.unregister("incoming")
                        extra_seen[part.table] = part.source_id
                start, end = _period(part)
                fetched = [f.fetched_at for f in part.files if f.fetched_at]
                source_rows.append(
                    {
                        "id": part.source_id,
                        "dataset": spec.id,
                        "title": part.title,
                        "publisher": spec.publisher,
                        "url": "; ".join(dict.fromkeys(f.url for f in part.files)),
                        "file": "; ".join(f.name for f in part.files),
                        "sha256": _combined_sha(part.files),
                        "status": part.status,
                        "table_name": part.table,
                        "rows": len(part.frame),
                        "period_start": start,
                        "period_end": end,
                        "fetched_at": max(fetched) if fetched else None,
                        "built_at": built_at,
                        "licence": spec.licence,
                        "notes": " ".join(x for x in (spec.notes, part.notes) if x),
                    }
                )
                for f in part.files:
                    seen_files[f.name] = f
            for f in seen_files.values():
                file_rows.append(
                    {
                        "dataset": spec.id,
                        "file": f.name,
                        "url": f.url,
                        "sha256": f.sha256,
                        "bytes": len(f.data),
                        "fetched_at": f.fetched_at,
                        "origin": f.origin,
                    }
                )
        sources = pd.DataFrame(source_rows, columns=list(schema.SOURCES))
        duplicated = sources["id"][sources["id"].duplicated()]
        if not duplicated.empty:
            raise BuildError(f"two parts use the source id {duplicated.iloc[0]!r}")
        _insert(con, "sources", sources)
        _insert(con, "source_files", pd.DataFrame(file_rows, columns=list(schema.SOURCE_FILES)))
        con.execute(
            "CREATE TABLE build_info AS SELECT ? AS build_id, ? AS built_at, ? AS version, "
            "? AS data_root, ? AS from_cache",
            [build_id, built_at, __version__, str(settings.data), from_cache],
        )
        rows = _verify(con, collected)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return rows


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    """The one value of an aggregate query (which always returns a row)."""
    row = con.execute(sql, params).fetchone()
    assert row is not None, sql
    return int(row[0])


def _verify(con: duckdb.DuckDBPyConnection, collected) -> dict[str, int]:
    """Re-read the new file: every table has the rows that were written, sources add up."""
    expected: dict[str, int] = {}
    for _, parts in collected:
        for part in parts:
            expected[part.table] = expected.get(part.table, 0) + len(part.frame)
    rows: dict[str, int] = {}
    for table, n in expected.items():
        got = _scalar(con, f'SELECT count(*) FROM "{table}"')
        if got != n:
            raise BuildError(f"table {table!r} has {got} rows after writing, expected {n}")
        rows[table] = got
    for table in schema.CANONICAL:
        listed = _scalar(
            con, "SELECT coalesce(sum(rows), 0) FROM sources WHERE table_name = ?", [table]
        )
        stored = _scalar(con, f'SELECT count(*) FROM "{table}"')
        if listed != stored:
            raise BuildError(f"sources lists {listed} rows for {table!r}, the table has {stored}")
        rows.setdefault(table, stored)
    return rows


def _collect(
    settings: Settings,
    specs: dict[str, SourceSpec],
    wanted: list[str],
    from_cache: bool,
    skip_missing: bool,
    progress: Progress | None,
) -> tuple[list[tuple[SourceSpec, list[Part]]], list[str]]:
    """Read and check each wanted source; returns them and the ids skipped for want of files."""
    collected: list[tuple[SourceSpec, list[Part]]] = []
    skipped: list[str] = []
    for i, source_id in enumerate(wanted):
        spec = specs[source_id]
        if progress:
            progress(source_id, i, len(wanted))
        roots = _roots(settings, from_cache)
        try:
            locate_in(spec, roots)
        except SourceError as exc:
            if skip_missing:
                skipped.append(source_id)
                continue
            raise BuildError(
                f"source {source_id!r}: no data found: {exc}; set ROOTCAUSES_DATA to the "
                "snapshot or run `rootcauses data pull` first"
            ) from None
        collected.append((spec, read_source(spec, roots)))
    if progress:
        progress("writing store", len(wanted), len(wanted))
    return collected, skipped


def build_store(
    settings: Settings,
    *,
    from_cache: bool = False,
    only: Iterable[str] | None = None,
    skip_missing: bool = False,
    progress: Progress | None = None,
    lock_wait: float = 0.0,
) -> BuildReport:
    """Read every source (or ``only`` those), check them, write a new build and make it current.

    Another build running on the same home makes this wait ``lock_wait`` seconds, then fail."""
    started = time.perf_counter()
    specs = all_sources()
    wanted = list(only) if only else list(specs)
    unknown = [s for s in wanted if s not in specs]
    if unknown:
        raise BuildError(f"unknown source(s) {unknown}; known: {', '.join(sorted(specs))}")
    with layout.build_lock(settings, wait=lock_wait):
        collected, skipped = _collect(settings, specs, wanted, from_cache, skip_missing, progress)
        if not collected:
            raise BuildError("no source could be read; nothing to build")

        build_id = uuid.uuid4().hex[:12]
        final = layout.build_file(settings, build_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.tmp")
        try:
            try:
                rows = _write(tmp, collected, build_id, settings, from_cache)
            except duckdb.Error as exc:
                raise BuildError(f"writing the store failed: {exc}") from exc
            os.replace(tmp, final)
            migrated = _migrate(settings)
        except BaseException:
            for path in (tmp, tmp.with_name(tmp.name + ".wal"), final):
                path.unlink(missing_ok=True)
            raise
        _make_current(settings, build_id)
    return BuildReport(
        path=final,
        build_id=build_id,
        seconds=time.perf_counter() - started,
        rows=rows,
        sources=[spec.id for spec, _ in collected],
        skipped=skipped,
        migrated=migrated,
    )


def _previous_build(settings: Settings) -> str | None:
    try:
        current = layout.read_current(settings)
    except BuildError:
        return None  # a damaged pointer is replaced by this build
    return current.build_id if current else None


def _make_current(settings: Settings, build_id: str) -> None:
    """Swap the pointer to ``build_id``; keep it and the build before it, remove older ones."""
    previous = _previous_build(settings)
    if previous == build_id:
        previous = None
    layout.publish(settings, build_id, previous)
    layout.prune(settings, keep={build_id} | ({previous} if previous else set()))


def _migrate(settings: Settings) -> dict[str, int]:
    """Move the results of an old single-file store into the results store, then set that file
    aside (renamed ``*.migrated``) so it is read once; a failure stops the build."""
    legacy = settings.legacy_store_path
    if not legacy.exists():
        return {}
    moved = migrate_legacy(settings, legacy)
    for path in (legacy, legacy.with_name(legacy.name + ".wal")):
        if path.exists():
            os.replace(path, path.with_name(path.name + ".migrated"))
    return moved


def import_build(settings: Settings, source: Path, *, lock_wait: float = 0.0) -> Path:
    """Make an existing store file (a build from another home, or one made by hand with a
    ``build_info`` table) the current build of ``settings``; returns its new path."""
    escaped = str(source).replace("'", "''")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{escaped}' AS source (READ_ONLY)")
        row = con.execute("SELECT build_id FROM source.build_info").fetchone()
    except duckdb.Error as exc:
        raise BuildError(f"{source} is not a store with a build_info table: {exc}") from None
    finally:
        con.close()
    if row is None:
        raise BuildError(f"{source}: build_info is empty")
    build_id = layout.check_build_id(str(row[0]))
    with layout.build_lock(settings, wait=lock_wait):
        final = layout.build_file(settings, build_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        if not final.exists():
            tmp = final.with_name(f".{final.name}.tmp")
            try:
                shutil.copyfile(source, tmp)
                os.replace(tmp, final)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        _make_current(settings, build_id)
    return final
