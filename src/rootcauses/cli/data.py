"""``rootcauses data``: build, pull, inspect and export the data store (thin: the work is in
:mod:`rootcauses.store` and :mod:`rootcauses.sources`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from rootcauses.cli.support import (
    ExportFormat,
    FormatOption,
    OutputFormat,
    console,
    err,
    handle_errors,
    print_frame,
)
from rootcauses.config import get_settings
from rootcauses.errors import RootCausesError

app = typer.Typer(help="Build, pull, inspect and export the data store.", no_args_is_help=True)


@app.command("build")
@handle_errors
def data_build(
    from_cache: Annotated[
        bool, typer.Option("--from-cache", help="Use files fetched by `data pull` where present.")
    ] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Build only these source ids.")
    ] = None,
    skip_missing: Annotated[
        bool, typer.Option("--skip-missing", help="Skip sources with no files instead of failing.")
    ] = False,
) -> None:
    """Build the DuckDB store from the snapshot (or the pulled cache) as a new build, and make
    it current once it is complete; stored results are left alone."""
    from rootcauses.store.build import build_store

    settings = get_settings()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("reading sources", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"reading {name}", completed=done, total=total)

        report = build_store(
            settings,
            from_cache=from_cache,
            only=source,
            skip_missing=skip_missing,
            progress=progress,
        )
    rows = ", ".join(f"{t} {n:,}" for t, n in report.rows.items())
    console.print(
        f"built {report.path} in {report.seconds:.1f} s from {len(report.sources)} sources "
        f"(build {report.build_id}): {rows}"
    )
    if report.skipped:
        err.print(f"[yellow]skipped (no files found):[/] {', '.join(report.skipped)}")
    if report.migrated:
        moved = ", ".join(f"{t} {n:,}" for t, n in report.migrated.items())
        console.print(
            f"moved the results of the old single-file store to {settings.results_dir}: {moved} "
            f"(the old file is kept as {settings.legacy_store_path.name}.migrated)"
        )


@app.command("pull")
@handle_errors
def data_pull(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source ids to download (default: all).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Mirror to use instead of the official hosts.", hidden=True)
    ] = None,
) -> None:
    """Download the newest published files from the official URLs into the cache."""
    from rootcauses.sources import all_sources, get_source
    from rootcauses.sources.fetch import fetch, make_client

    settings = get_settings()
    specs = [get_source(s) for s in sources] if sources else list(all_sources().values())
    failures: list[str] = []
    with (
        make_client(settings.http_timeout) as client,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err,
        ) as bar,
    ):
        tasks: dict[str, TaskID] = {}

        def progress(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        for spec in specs:
            if not any(f.fetchable for f in spec.files):
                err.print(f"{spec.id}: no machine-readable official file; the snapshot is used")
                continue
            try:
                fetch(
                    spec,
                    settings.cache_dir,
                    client=client,
                    retries=settings.http_retries,
                    progress=progress,
                    base_url=base_url,
                )
            except RootCausesError as exc:
                failures.append(f"{spec.id}: {exc}")
    console.print(f"cache: {settings.cache_dir}")
    if failures:
        raise RootCausesError("some downloads failed:\n" + "\n".join(failures))


@app.command("status")
@handle_errors
def data_status(fmt: FormatOption = OutputFormat.table) -> None:
    """One row per source: rows, period covered, sha256 prefix, built at."""
    from rootcauses.store import query

    with query.connect(get_settings()) as con:
        frame = query.sources_status(con)
    print_frame(frame, fmt, title="rootcauses store: sources")


@app.command("indicators")
@handle_errors
def data_indicators(fmt: FormatOption = OutputFormat.table) -> None:
    """Every indicator in the store with its unit, coverage, source and when its values are
    published (the lag the analysis panel applies before a model may use them)."""
    from rootcauses.sources import publications
    from rootcauses.store import query

    with query.connect(get_settings()) as con:
        frame = query.indicators_catalogue(con)
    rules = publications()

    def published(sources: str) -> str:
        ids = [s.strip() for s in sources.split(",")]
        known = [(s, rules[s].describe()) for s in ids if s in rules]
        if len({rule for _, rule in known}) == 1 and len(known) == len(ids):
            return known[0][1]
        return "; ".join(f"{s}: {rule}" for s, rule in known) or "not declared"

    frame["published"] = frame["sources"].map(published)
    print_frame(frame, fmt, title="indicators (published: when a value is first public)")


@app.command("export")
@handle_errors
def data_export(
    table: Annotated[str, typer.Argument(help="Table to export, e.g. encounters.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default under home).")
    ] = None,
) -> None:
    """Write a whole table to CSV or Parquet."""
    from rootcauses.store.export import export_table

    settings = get_settings()
    path = export_table(settings, table, fmt.value, output)
    console.print(f"wrote {path}")
