"""``rootcauses forecast``: backtest, show and run the encounter forecasts (thin: the work is in
:mod:`rootcauses.analysis.forecast` and :mod:`rootcauses.analysis.runs`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from rootcauses.cli.support import (
    Basis,
    BasisOption,
    FormatOption,
    OutputFormat,
    console,
    err,
    handle_errors,
    print_frame,
)
from rootcauses.config import get_settings
from rootcauses.errors import PeriodError
from rootcauses.periods import parse_month

app = typer.Typer(
    help="Forecast monthly Southwest-border encounters by nationality.", no_args_is_help=True
)


def _progress_bar(label: str):
    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


HorizonOption = Annotated[int, typer.Option(help="Months ahead (1-12).")]
ModelsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Models to run (default: the kept ones; growth, global_ridge, global_lgbm, "
        "markov_ar, auto_ets, auto_arima, sarimax_policy and ensemble on request); random_walk "
        "and seasonal_naive always run.",
    ),
]


CalibrationOption = Annotated[
    int,
    typer.Option(
        help="Warm-up origins before the scored ones for the adaptive conformal intervals and "
        "the combination weights (0: the models' own intervals)."
    ),
]


ORIGINS = 144  # rootcauses.analysis.forecast.ForecastConfig's defaults
CALIBRATION_ORIGINS = 24
OriginsOption = Annotated[
    int,
    typer.Option(help="Scored forward-chaining origins (one per month, the last ones)."),
]


def _config(
    horizon: int,
    basis: Basis,
    origins: int = ORIGINS,
    calibration_origins: int = CALIBRATION_ORIGINS,
):
    from rootcauses.analysis.forecast import ForecastConfig

    return ForecastConfig(
        horizon=horizon,
        origins=origins,
        basis=basis.value,
        calibration_origins=calibration_origins,
    )


@app.command("backtest")
@handle_errors
def forecast_backtest(
    horizon: HorizonOption = 12,
    origins: OriginsOption = ORIGINS,
    basis: BasisOption = Basis.usbp,
    model: ModelsOption = None,
    workers: Annotated[int, typer.Option(help="Processes to use.")] = 2,
    calibration_origins: CalibrationOption = CALIBRATION_ORIGINS,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Forward-chaining backtest of every model against a random walk; prints and stores the
    leaderboard."""
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
        title=f"Leaderboard ({label}): MASE relative to a random walk "
        "(< 1 beats it), mean interval coverage (model_cov80: before calibration)",
    )
    best = fc.select_best(board)
    console.print("best per series: " + ", ".join(f"{s} {m}" for s, m in best.items()))
    if fc.REFERENCE not in set(board["model"]):
        return
    table = fc.qualification(board)
    for series, name in best.items():
        rows = table[(table["series"] == series) & (table["model"] != fc.REFERENCE)]
        if rows.empty:
            continue
        top = rows.loc[rows["short_relative_mase"].idxmin()]
        verdict = (
            f"{name} is at least 10% better than the random walk at h 1-3 with DM p < 0.05"
            if name != fc.REFERENCE
            else "no model is at least 10% better than the random walk at h 1-3 with DM p < 0.05"
        )
        console.print(
            f"{series}: {verdict} (closest: {top['model']}, MASE "
            f"{top['short_relative_mase']:.2f} x the random walk's, largest DM p "
            f"{top['short_max_dm_p']:.3f})"
        )


@app.command("show")
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


@app.command("run")
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
    calibration_origins: CalibrationOption = CALIBRATION_ORIGINS,
    origins: OriginsOption = ORIGINS,
) -> None:
    """Forecast the next HORIZON months for GTM, HND, SLV, MEX and OTHER with every model
    (random_walk and seasonal_naive included) and the leaderboard's best, which is the random
    walk unless a model clearly beats it (running the backtest first when the store has none for
    this data)."""
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import run_forecast

    last_month = None
    if until is not None:
        try:
            last_month = parse_month(until, "--until")
        except PeriodError as exc:
            raise fc.ForecastError(str(exc)) from None
    config = _config(horizon, basis, origins, calibration_origins)
    with _progress_bar("backtest for the leaderboard") as bar:
        task = bar.add_task("backtest", total=None)
        frame = run_forecast(
            get_settings(),
            config,
            until=last_month,
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


@app.command("record")
@handle_errors
def forecast_record(
    series: Annotated[
        list[str] | None, typer.Option("--series", "-s", help="GTM, HND, SLV, MEX, OTHER.")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Default: best (the leaderboard's pick, as published)."),
    ] = None,
    detail: Annotated[
        bool, typer.Option(help="Every scored forecast instead of the summary by series.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The track record: every stored forecast run scored against the observed months (mean
    absolute % error, interval coverage, how often closer than the random walk), as on the
    Forecasts page and at /api/forecasts/track-record."""
    from rootcauses.analysis import track_record as tr
    from rootcauses.store import query

    with query.connect(get_settings()) as con:
        record = tr.track_record(con, series=series, models=model or ["best"])
    frame = record[record["scored"]] if detail else tr.summary(record)
    if fmt is OutputFormat.table:  # readable on a terminal; csv and json keep every digit
        frame = frame.round(
            {"mape": 1, "coverage80": 2, "coverage95": 2, "beat_random_walk": 2}
            | {c: 0 for c in ("mean", "lo80", "hi80", "lo95", "hi95", "error", "rw_abs_error")}
            | {"abs_pct_error": 1}
        )
    title = "scored forecasts, newest first" if detail else "track record by series and model"
    print_frame(frame, fmt, title)
