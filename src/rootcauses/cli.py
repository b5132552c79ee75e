"""The ``rootcauses`` command line: thin wrappers over library functions.

Errors the project raises on purpose (:class:`~rootcauses.errors.RootCausesError`) are printed
as one paragraph without a traceback, and the command exits 1.
"""

from __future__ import annotations

import functools
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from rootcauses.config import get_settings
from rootcauses.errors import RootCausesError

app = typer.Typer(
    help="rootcauses: data, models and a policy lab for migration from the Northern Triangle.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, pull, inspect and export the data store.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="How to print: table, csv or json.")
]


def handle_errors(func):
    """Print project errors as one paragraph (no traceback) and exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RootCausesError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def print_frame(frame: pd.DataFrame, fmt: OutputFormat, title: str | None = None) -> None:
    """The shared output of every read command."""
    if fmt is OutputFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is OutputFormat.json:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")
    else:
        table = Table(title=title, header_style="bold")
        for column in frame.columns:
            table.add_column(str(column), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*("" if pd.isna(v) else str(v) for v in row))
        console.print(table)


@data_app.command("build")
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
    """Build the DuckDB store from the snapshot (or the pulled cache), atomically."""
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


@data_app.command("pull")
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
        tasks: dict[str, int] = {}

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


@data_app.command("status")
@handle_errors
def data_status(fmt: FormatOption = OutputFormat.table) -> None:
    """One row per source: rows, period covered, sha256 prefix, built at."""
    from rootcauses.store import query

    with query.connect(get_settings()) as con:
        frame = query.sources_status(con)
    print_frame(frame, fmt, title="rootcauses store: sources")


@data_app.command("indicators")
@handle_errors
def data_indicators(fmt: FormatOption = OutputFormat.table) -> None:
    """Every indicator in the store with its unit, coverage and source."""
    from rootcauses.store import query

    with query.connect(get_settings()) as con:
        frame = query.indicators_catalogue(con)
    print_frame(frame, fmt, title="indicators")


@data_app.command("export")
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


@app.command("serve")
@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard and the API (http://HOST:PORT/, API under /api/)."""
    import uvicorn

    from rootcauses.web.app import create_app

    query_settings = get_settings()
    if not query_settings.store_path.exists():
        err.print("[yellow]no store yet: run `rootcauses data build` (pages will say so)[/]")
    console.print(f"serving on http://{host}:{port}/")
    uvicorn.run(create_app(query_settings), host=host, port=port, log_level="warning")


def main() -> None:  # pragma: no cover - console entry
    app()
