"""The ``rootcauses`` command line: thin wrappers over library functions.

Errors the project raises on purpose (:class:`~rootcauses.errors.RootCausesError`) are printed
as one paragraph without a traceback, and the command exits 1.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from rootcauses.cli_support import (
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
from rootcauses.sim.cli import app as sim_app
from rootcauses.tracker.cli import app as tracker_app

app = typer.Typer(
    help="rootcauses: data, models and a policy lab for migration from the Northern Triangle.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, pull, inspect and export the data store.", no_args_is_help=True)
app.add_typer(data_app, name="data")
drivers_app = typer.Typer(
    help="Weigh the competing explanations of migration.", no_args_is_help=True
)
app.add_typer(drivers_app, name="drivers")
forecast_app = typer.Typer(
    help="Forecast monthly Southwest-border encounters by nationality.", no_args_is_help=True
)
app.add_typer(forecast_app, name="forecast")


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


class Basis(StrEnum):
    usbp = "usbp"
    cbp = "cbp"


BasisOption = Annotated[
    Basis,
    typer.Option(help="usbp: Border Patrol, FY2000 on (OHSS); cbp: all CBP, FY2020 on."),
]


def _progress_bar(label: str):
    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@drivers_app.command("fit")
@handle_errors
def drivers_fit(basis: BasisOption = Basis.usbp, fmt: FormatOption = OutputFormat.table) -> None:
    """Fixed-effects regressions for each theory (economic, governance, violence, climate, US
    demand, deterrence) and all together; stores the comparison in the store."""
    from rootcauses.analysis.runs import run_drivers

    table, replication = run_drivers(get_settings(), basis=basis.value)
    shown = table.assign(
        **{c: table[c].map(lambda v: f"{v:.3f}") for c in ("coef", "lo95", "hi95", "p_value")},
        within_r2=table["within_r2"].map(lambda v: f"{v:.2f}"),
        oos_gain=table["oos_gain"].map(lambda v: f"{v:+.2f}"),
    )
    print_frame(
        shown,
        fmt,
        title="Driver models: log encounters per 100,000 (country and "
        "month-of-year effects, Driscoll-Kraay 95% intervals)",
    )
    if fmt is OutputFormat.table:
        console.print(replication)


HorizonOption = Annotated[int, typer.Option(help="Months ahead (1-12).")]
ModelsOption = Annotated[
    list[str] | None,
    typer.Option("--model", "-m", help="Models to run (default: all); seasonal_naive always runs."),
]


CalibrationOption = Annotated[
    int,
    typer.Option(
        help="Past origins whose errors calibrate each interval (0: the models' own intervals)."
    ),
]


def _config(horizon: int, basis: Basis, origins: int = 24, calibration_origins: int = 12):
    from rootcauses.analysis.forecast import ForecastConfig

    return ForecastConfig(
        horizon=horizon,
        origins=origins,
        basis=basis.value,
        calibration_origins=calibration_origins,
    )


@forecast_app.command("backtest")
@handle_errors
def forecast_backtest(
    horizon: HorizonOption = 12,
    origins: Annotated[int, typer.Option(help="Rolling forecast origins (one per month).")] = 24,
    basis: BasisOption = Basis.usbp,
    model: ModelsOption = None,
    workers: Annotated[int, typer.Option(help="Processes to use.")] = 2,
    calibration_origins: CalibrationOption = 12,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rolling-origin backtest of every model; prints and stores the leaderboard."""
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import run_backtest

    config = _config(horizon, basis, origins, calibration_origins)
    with _progress_bar("backtest") as bar:
        task = bar.add_task("backtest", total=None)
        run_id, board = run_backtest(
            get_settings(),
            config,
            models=model or fc.MODEL_NAMES,
            workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _print_leaderboard(board, fmt, f"run {run_id}")


def _print_leaderboard(board, fmt: OutputFormat, label: str) -> None:
    from rootcauses.analysis import forecast as fc

    if fmt is not OutputFormat.table:
        print_frame(board, fmt)
        return
    wide = board[board["h"].isin([1, 3, 6, 12])].pivot_table(
        index=["series", "model"], columns="h", values="relative_mase"
    )
    wide.columns = [f"h={h}" for h in wide.columns]
    coverage = [c for c in ("cov80", "cov95", "model_cov80") if c in board.columns]
    cover = board.groupby(["series", "model"])[coverage].mean()
    table = wide.join(cover).reset_index()
    for column in table.columns[2:]:
        table[column] = table[column].map(lambda v: f"{v:.2f}")
    print_frame(
        table,
        fmt,
        title=f"Leaderboard ({label}): MASE relative to seasonal naive "
        "(< 1 beats it), mean interval coverage (model_cov80: before calibration)",
    )
    best = fc.select_best(board)
    console.print("best per series: " + ", ".join(f"{s} {m}" for s, m in best.items()))
    nt = board[board["series"].isin(["GTM", "HND", "SLV"]) & (board["h"] <= 6)]
    for name in dict.fromkeys(["ensemble", *sorted(set(best.values()) - {"seasonal_naive"})]):
        part = nt[nt["model"] == name]
        if not part.empty:
            console.print(
                f"{name}: MASE {100 * (1 - part['relative_mase'].mean()):.0f}% lower than "
                "seasonal naive on GT/HN/SV at horizons 1-6"
            )


@forecast_app.command("show")
@handle_errors
def forecast_show(
    run: Annotated[str | None, typer.Option(help="Backtest run id (default: latest).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The leaderboard of the latest (or a given) backtest in the store."""
    from rootcauses.analysis.runs import latest_leaderboard
    from rootcauses.store.query import QueryError

    board = latest_leaderboard(get_settings(), run)
    if board.empty:
        raise QueryError("no backtest in the store yet: run `rootcauses forecast backtest`")
    _print_leaderboard(board, fmt, f"run {board.attrs['run_id']}, basis {board.attrs['basis']}")


@forecast_app.command("run")
@handle_errors
def forecast_run(
    output: Annotated[
        Path,
        typer.Option(help="CSV to write (series, month, model, mean, lo80, hi80, lo95, hi95)."),
    ],
    horizon: HorizonOption = 12,
    until: Annotated[
        str | None, typer.Option(help="Fit on data up to this month (YYYY-MM).")
    ] = None,
    basis: BasisOption = Basis.usbp,
    model: ModelsOption = None,
    workers: Annotated[int, typer.Option(help="Processes for the backtest, if one is needed.")] = 2,
    calibration_origins: CalibrationOption = 12,
) -> None:
    """Forecast the next HORIZON months for GTM, HND, SLV, MEX and OTHER with every model and
    the leaderboard's best (running the backtest first when the store has none for this data)."""
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import run_forecast

    if until is not None:
        import re

        if not re.fullmatch(r"\d{4}-\d{2}", until):
            raise fc.ForecastError(f"--until must be YYYY-MM, got {until!r}")
    config = _config(horizon, basis, calibration_origins=calibration_origins)
    with _progress_bar("backtest for the leaderboard") as bar:
        task = bar.add_task("backtest", total=None)
        frame = run_forecast(
            get_settings(),
            config,
            until=until,
            models=model or fc.MODEL_NAMES,
            output=output,
            workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    chosen = frame[frame["model"] == "best"].groupby("series")["chosen"].first()
    console.print(
        f"wrote {output}: {frame['month'].min()} to {frame['month'].max()}; best: "
        + ", ".join(f"{s} {m}" for s, m in chosen.items())
    )


@app.command("serve")
@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard and the API (http://HOST:PORT/, API under /api/)."""
    import uvicorn

    from rootcauses.store.layout import missing_store_message, read_current
    from rootcauses.web.app import create_app

    query_settings = get_settings()
    if read_current(query_settings) is None:
        err.print(f"[yellow]{missing_store_message(query_settings)} (pages will say so)[/]")
    console.print(f"serving on http://{host}:{port}/")
    uvicorn.run(
        create_app(query_settings),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
    )


app.add_typer(tracker_app, name="tracker")
app.add_typer(sim_app, name="sim")


def main() -> None:  # pragma: no cover - console entry
    app()


@app.command("report")
@handle_errors
def report(
    country: Annotated[str, typer.Option(help="GTM, HND, SLV, or NT for all three.")],
    start: Annotated[str, typer.Option(help="First month of the period (YYYY-MM).")],
    end: Annotated[str, typer.Option(help="Last month of the period (YYYY-MM).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    pdf: Annotated[Path | None, typer.Option(help="Also write the brief as PDF here.")] = None,
    basis: BasisOption = Basis.usbp,
) -> None:
    """Write a self-contained HTML brief (and optionally a PDF) on a country and period: headline
    figures, encounters with policy events, drivers, models, forecast, commitments, sources."""
    from rootcauses.report import build_report, render_html, render_pdf
    from rootcauses.report.errors import ReportError

    with err.status("building the brief") as status:
        brief = build_report(
            get_settings(),
            country,
            start,
            end,
            basis=basis.value,
            progress=lambda message: status.update(message),
        )
        html = render_html(brief)
        document = None
        if pdf:
            status.update("rendering the PDF")
            document = render_pdf(html)
    try:
        output.write_text(html, encoding="utf-8")
        if pdf and document is not None:
            pdf.write_bytes(document)
    except OSError as exc:
        raise ReportError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    console.print(f"wrote {output}" + (f" and {pdf}" if pdf else ""))
    for section, command in brief.missing.items():
        err.print(f"[yellow]{section.replace('_', ' ')}: not in the store; run `{command}`[/]")
