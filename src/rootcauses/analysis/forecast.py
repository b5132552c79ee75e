"""Monthly forecasts of Southwest-border encounters by nationality, with honest backtests.

Series: GTM, HND, SLV, MEX and OTHER (every other citizenship). By default the basis is the
Border Patrol series from OHSS (``usbp``, consistent since FY2000); ``cbp`` (all CBP encounters,
FY2020 on) is too short for 24 origins of 12-month forecasts.

Models (all fitted to ``log(1 + encounters)`` on the last ``window`` months; forecasts and interval
bounds are transformed back, so the point forecast is a median):

* ``seasonal_naive`` — the value twelve months earlier (the baseline every model must beat);
* ``auto_ets``, ``auto_arima``, ``auto_theta`` — statsforecast's automatic models;
* ``sarimax_policy`` — a regression with ARIMA(1,0,0)(0,1,1)₁₂ errors (the airline model
  (0,1,1)(0,1,1)₁₂ where that cannot be fitted, noted per forecast) on exogenous inputs: the
  policy regimes from the events table, held at their value at the forecast origin (no model is
  told of a future policy change), and US unemployment lagged 12 months (known at the origin for
  horizons ≤ 12). The order is fixed rather than searched, which keeps a full backtest within
  its time budget;
* ``ensemble`` — the mean, in log space, of the four non-naive models' forecasts and bounds.

Backtests use rolling origins: for each origin the model sees the months up to the origin only
(``y[:origin]``, exogenous values as known then) and forecasts the next ``horizon`` months. MASE is
scaled by the seasonal naive in-sample error of the same training window.

Prediction intervals are conformalised. The models' own intervals were too wide for these series
(80% intervals covered about 90% of outcomes), so each model's interval at horizon ``h`` is
rescaled, in log space around its point forecast, by a factor read from that model's own past
errors: the empirical ``level`` quantile of its normalised errors (the log error divided by the
log half-width of its interval on the side the error fell) over the last ``calibration_origins``
origins whose ``h``-month outcome was already observed, pooled over the series (split conformal
prediction with a rolling calibration window). A backtest therefore runs ``calibration_origins +
horizon - 1`` extra origins before the scored ones, and a forecast takes its factors from the last
backtest. ``calibration_origins=0`` keeps the models' own intervals.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

import duckdb
import numpy as np
import pandas as pd

from rootcauses.analysis import metrics
from rootcauses.countries import HEADLINE_CITIZENSHIPS
from rootcauses.errors import ForecastError
from rootcauses.panel import POLICY_REGIMES, policy_regimes
from rootcauses.store import query

Basis = Literal["cbp", "usbp"]
LEVELS = (80, 95)
SERIES = HEADLINE_CITIZENSHIPS
MODEL_VERSION = "2"  # 2: conformalised intervals
POLICY_COLUMNS = tuple(POLICY_REGIMES)  # held at their origin value over the horizon
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ForecastConfig:
    horizon: int = 12
    origins: int = 24
    window: int = 144
    season: int = 12
    basis: Basis = "usbp"
    exog_lag: int = 12
    calibration_origins: int = 12  # past origins per conformal factor; 0 = the models' intervals
    seed: int = 0  # the models are deterministic; recorded so every result says so

    def validate(self) -> None:
        if self.horizon <= 0:
            raise ForecastError(f"horizon must be a positive number of months, got {self.horizon}")
        if self.horizon > self.exog_lag:
            raise ForecastError(
                f"horizon {self.horizon} exceeds the exogenous lag of {self.exog_lag} months: "
                "the drivers would not be known at the origin"
            )
        if self.origins <= 0:
            raise ForecastError(f"origins must be positive, got {self.origins}")
        if self.calibration_origins < 0:
            raise ForecastError(
                f"calibration_origins must be 0 or more, got {self.calibration_origins}"
            )

    @property
    def extra_origins(self) -> int:
        """Origins run before the scored ones so that the first scored origin already has
        ``calibration_origins`` observed errors at every horizon."""
        return self.calibration_origins + self.horizon - 1 if self.calibration_origins else 0
        if self.window < 3 * self.season:
            raise ForecastError(f"window must be at least {3 * self.season} months")


# --- models -------------------------------------------------------------------------------


class Model(Protocol):
    name: str
    uses_exog: bool

    def forecast(
        self, y: np.ndarray, h: int, X: np.ndarray | None, X_future: np.ndarray | None
    ) -> dict[str, np.ndarray]: ...


@dataclass
class StatsForecastModel:
    """Any statsforecast model, rebuilt for every fit so no state leaks between origins."""

    name: str
    factory: Callable[[], object]
    uses_exog: bool = False
    fallback: Callable[[], object] | None = None  # used when the library cannot fit a window

    def forecast(self, y, h, X=None, X_future=None, *, use_fallback: bool = False):
        model = (self.fallback if use_fallback else self.factory)()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsforecast's convergence chatter
            if self.uses_exog and X is not None and X.shape[1]:
                out = model.forecast(y=y, h=h, X=X, X_future=X_future, level=list(LEVELS))
            else:
                out = model.forecast(y=y, h=h, level=list(LEVELS))
        return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def _arima():
    from statsforecast.models import AutoARIMA

    return AutoARIMA(season_length=12, max_p=2, max_q=2, max_P=1, max_Q=1, approximation=True)


def _sarima():
    from statsforecast.models import ARIMA

    return ARIMA(order=(1, 0, 0), seasonal_order=(0, 1, 1), season_length=12)


def _airline():
    from statsforecast.models import ARIMA

    return ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=12)


def _ets():
    from statsforecast.models import AutoETS

    return AutoETS(season_length=12)


def _theta():
    from statsforecast.models import AutoTheta

    return AutoTheta(season_length=12)


def _snaive():
    from statsforecast.models import SeasonalNaive

    return SeasonalNaive(season_length=12)


BASE_MODELS: dict[str, StatsForecastModel] = {
    "seasonal_naive": StatsForecastModel("seasonal_naive", _snaive),
    "auto_ets": StatsForecastModel("auto_ets", _ets),
    "auto_arima": StatsForecastModel("auto_arima", _arima),
    "auto_theta": StatsForecastModel("auto_theta", _theta),
    "sarimax_policy": StatsForecastModel(
        "sarimax_policy", _sarima, uses_exog=True, fallback=_airline
    ),
}
ENSEMBLE_MEMBERS = ("auto_ets", "auto_arima", "auto_theta", "sarimax_policy")
MODEL_NAMES = (*BASE_MODELS, "ensemble")
BOUNDS = ("mean", "lo80", "hi80", "lo95", "hi95")
MODEL_BOUNDS = ("model_lo80", "model_hi80", "model_lo95", "model_hi95")  # before calibration


def check_models(names: Sequence[str], registry: Mapping[str, Model] = BASE_MODELS) -> list[str]:
    """The models to run: those asked for, the seasonal naive baseline, and an ensemble's
    members; an unknown name is an error listing the available ones."""
    available = [*registry, "ensemble"]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ForecastError(f"unknown model(s) {unknown}; available: {', '.join(available)}")
    baseline = ["seasonal_naive"] if "seasonal_naive" in registry else []
    chosen = list(dict.fromkeys([*baseline, *names]))
    if "ensemble" in chosen:
        chosen = list(dict.fromkeys([*chosen, *ENSEMBLE_MEMBERS]))
    return chosen


# --- data ---------------------------------------------------------------------------------


def load_series(
    con: duckdb.DuckDBPyConnection,
    *,
    basis: Basis = "usbp",
    until: str | dt.date | None = None,
    series: Sequence[str] = SERIES,
) -> pd.DataFrame:
    """Month × series table of Southwest-border encounters, checked for gaps."""
    wide = query.southwest_by_nationality(con, basis=basis, end=until)
    if wide.empty:
        raise ForecastError(f"no Southwest-border encounters on basis {basis!r} up to {until}")
    wide.index = pd.to_datetime(wide.index)
    missing = [s for s in series if s not in wide.columns or wide[s].sum() == 0]
    if missing:
        raise ForecastError(f"no encounters for {missing} on basis {basis!r}")
    return check_no_gaps(wide[list(series)])


def check_no_gaps(wide: pd.DataFrame) -> pd.DataFrame:
    full = pd.date_range(wide.index.min(), wide.index.max(), freq="MS")
    absent = full.difference(wide.index)
    if len(absent):
        months = ", ".join(m.strftime("%Y-%m") for m in absent[:5])
        raise ForecastError(
            f"the series has {len(absent)} missing month(s) ({months}…); forecasts need a "
            "complete monthly series"
        )
    if wide.isna().any().any():
        column = wide.columns[wide.isna().any()][0]
        month = wide.index[wide[column].isna()][0].strftime("%Y-%m")
        raise ForecastError(f"series {column!r} has no value for {month}")
    return wide


def exogenous(con: duckdb.DuckDBPyConnection, months: pd.DatetimeIndex, lag: int) -> pd.DataFrame:
    """Policy regimes (share of the month in force) and US unemployment lagged ``lag`` months,
    on ``months`` extended by ``lag`` months so future rows exist for every horizon ≤ lag."""
    extended = pd.date_range(months.min(), months.max() + pd.DateOffset(months=lag), freq="MS")
    regimes = policy_regimes(con, extended)
    unemployment = query.indicator(con, "us_unemployment_rate", countries=["USA"])
    series = pd.Series(
        unemployment["value"].to_numpy(), index=pd.to_datetime(unemployment["period"])
    )
    lagged = series.reindex(extended.union(series.index)).shift(lag, freq="MS")
    regimes["us_unemployment_lag"] = lagged.reindex(extended).to_numpy()
    if regimes["us_unemployment_lag"].loc[months].isna().any():
        first = regimes.index[regimes["us_unemployment_lag"].isna()][0].strftime("%Y-%m")
        raise ForecastError(f"US unemployment is missing for {first} (after the {lag}-month lag)")
    return regimes


def future_exog(exog: np.ndarray, held: np.ndarray, origin: int, h: int) -> np.ndarray:
    """Exogenous rows for the ``h`` months after ``origin``: regime columns (``held``) repeat
    their value at the last training month; lagged drivers take their (already known) values."""
    future = exog[origin : origin + h].copy()
    future[:, held] = exog[origin - 1, held]
    return future


# --- backtests ----------------------------------------------------------------------------


@dataclass
class Task:
    series: str
    model: str
    y: np.ndarray  # levels, the whole series
    exog: np.ndarray | None
    held: np.ndarray | None
    origins: list[int]
    config: ForecastConfig


def _fit_predict(
    model: Model, y_train: np.ndarray, h: int, X: np.ndarray | None, X_future: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Fit on ``log1p(y)`` and return bounds in levels. When the library cannot fit a window
    (ARIMA(1,0,0) errors occasionally fail), a model with a fallback uses it (the airline model
    for ``sarimax_policy``) and the result says so in ``note``."""
    note = ""
    if X is not None:
        keep = np.nanstd(X, axis=0) > 0  # a regime constant over the window adds nothing
        X, X_future = X[:, keep], X_future[:, keep]
    try:
        out = model.forecast(np.log1p(y_train), h, X, X_future)
    except (ValueError, np.linalg.LinAlgError) as exc:
        if getattr(model, "fallback", None) is None:
            raise ForecastError(f"model {model.name!r} failed to fit: {exc}") from exc
        out = model.forecast(np.log1p(y_train), h, X, X_future, use_fallback=True)
        note = f"fallback ARIMA(0,1,1)(0,1,1)12 used ({exc})"
    result = {"mean": np.clip(np.expm1(out["mean"]), 0, None)}
    for level in LEVELS:
        result[f"lo{level}"] = np.clip(np.expm1(out[f"lo-{level}"]), 0, None)
        result[f"hi{level}"] = np.clip(np.expm1(out[f"hi-{level}"]), 0, None)
    result["note"] = np.full(h, note, dtype=object)
    return result


def run_task(task: Task, models: Mapping[str, Model] | None = None) -> pd.DataFrame:
    """Every origin of one (series, model): fit on data up to the origin, forecast ``horizon``."""
    model = (models or BASE_MODELS)[task.model]
    cfg = task.config
    rows = []
    for origin in task.origins:
        start = max(0, origin - cfg.window)
        y_train = task.y[start:origin]
        X = X_future = None
        if model.uses_exog and task.exog is not None:
            X = task.exog[start:origin]
            X_future = future_exog(task.exog, task.held, origin, cfg.horizon)
        out = _fit_predict(model, y_train, cfg.horizon, X, X_future)
        actual = task.y[origin : origin + cfg.horizon]
        frame = pd.DataFrame(out)
        frame["h"] = np.arange(1, cfg.horizon + 1)
        frame["target_index"] = origin + np.arange(cfg.horizon)
        frame["origin_index"] = origin - 1
        frame["actual"] = np.pad(
            actual.astype(float), (0, cfg.horizon - len(actual)), constant_values=np.nan
        )
        frame["scale"] = metrics.seasonal_naive_scale(y_train, cfg.season)
        rows.append(frame)
    result = pd.concat(rows, ignore_index=True)
    result["series"] = task.series
    result["model"] = task.model
    return result


def origin_indices(n: int, config: ForecastConfig) -> list[int]:
    """The last ``origins`` origins with a full horizon of actuals after them, preceded by the
    extra origins the interval calibration needs."""
    total = config.origins + config.extra_origins
    first = n - config.horizon - total + 1
    if first < 3 * config.season:
        calibration = (
            f" plus {config.extra_origins} for the interval calibration"
            if config.extra_origins
            else ""
        )
        raise ForecastError(
            f"{n} months are too few for {config.origins} origins{calibration} of "
            f"{config.horizon}-month forecasts "
            f"(need at least {3 * config.season + total + config.horizon - 1})"
        )
    return list(range(first, n - config.horizon + 1))


def _mean_in_logs(part: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean of the forecasts and bounds in log space, per ``keys`` (the ensemble rule)."""
    logs = part[[*keys, *BOUNDS]].copy()
    logs[list(BOUNDS)] = np.log1p(logs[list(BOUNDS)])
    combined = logs.groupby(list(keys), as_index=False)[list(BOUNDS)].mean()
    combined[list(BOUNDS)] = np.expm1(combined[list(BOUNDS)])
    return combined


def ensemble(frame: pd.DataFrame, members: Sequence[str] = ENSEMBLE_MEMBERS) -> pd.DataFrame:
    """The members' mean in log space, per series, origin and horizon (empty when a member is
    missing, e.g. the policy model without exogenous data)."""
    part = frame[frame["model"].isin(members)]
    if part["model"].nunique() < len(members):
        return frame.iloc[0:0]
    keys = ["series", "origin_index", "target_index", "h"]
    combined = _mean_in_logs(part, keys)
    extra = part.groupby(keys, as_index=False)[["actual", "scale"]].first()
    combined = combined.merge(extra, on=keys)
    combined["model"] = "ensemble"
    return combined


# --- interval calibration -----------------------------------------------------------------


def normalised_errors(frame: pd.DataFrame, level: int) -> np.ndarray:
    """How far each actual fell outside the point forecast, in units of the interval's log
    half-width on that side: ≤ 1 means the ``level``% interval covered it (NaN without actual)."""
    mean = np.log1p(frame["mean"].to_numpy(float))
    error = np.log1p(frame["actual"].to_numpy(float)) - mean
    upper = np.log1p(frame[f"hi{level}"].to_numpy(float)) - mean
    lower = mean - np.log1p(frame[f"lo{level}"].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(error >= 0, error / upper, -error / lower)
    score = np.where(error == 0, 0.0, score)  # a degenerate zero-width interval that is right
    return np.where(np.isnan(error), np.nan, score)


def conformal_quantile(scores: np.ndarray, level: int) -> float:
    """The split-conformal quantile: the ⌈(n + 1)·level⌉-th smallest of n scores (NaN when
    there are too few to reach the level, e.g. 95% from fewer than 19 scores)."""
    scores = np.sort(scores[~np.isnan(scores)])
    rank = int(np.ceil((scores.size + 1) * level / 100))
    return float(scores[rank - 1]) if 0 < rank <= scores.size else float("nan")


def rescale_bounds(frame: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """Bounds moved to ``factor`` times their log distance from the point forecast; rows without
    a factor keep the model's own bounds. ``factors`` has model, h, factor80, factor95."""
    out = frame.merge(factors, on=["model", "h"], how="left")
    mean = np.log1p(out["mean"].to_numpy(float))
    for level in LEVELS:
        factor = out[f"factor{level}"].to_numpy(float)
        known = ~np.isnan(factor)
        for side, sign in (("lo", -1), ("hi", +1)):
            column = f"{side}{level}"
            distance = sign * (np.log1p(out[column].to_numpy(float)) - mean)
            rescaled = np.clip(np.expm1(mean + sign * factor * distance), 0, None)
            out[column] = np.where(known, rescaled, out[column].to_numpy(float))
    return out


def interval_factors(
    frame: pd.DataFrame, origin: pd.Timestamp | dt.date, calibration_origins: int
) -> pd.DataFrame:
    """Per model and horizon, the conformal factors for forecasts made at ``origin``: from the
    errors of the ``calibration_origins`` latest origins whose outcome at that horizon was
    observed by ``origin`` (never later ones), pooled over series."""
    origin = pd.Timestamp(origin)
    rows = []
    for (model, h), part in frame.groupby(["model", "h"]):
        seen = part[pd.to_datetime(part["month"]) <= origin]  # the origin month is observed
        latest = np.sort(pd.to_datetime(seen["origin"]).unique())[-calibration_origins:]
        window = seen[pd.to_datetime(seen["origin"]).isin(latest)]
        row = {"model": model, "h": h, "calibration_rows": len(window)}
        for level in LEVELS:
            row[f"factor{level}"] = conformal_quantile(normalised_errors(window, level), level)
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "h", "calibration_rows", "factor80", "factor95"])


def conformalise(frame: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """The scored origins of a backtest (the last ``config.origins``) with each row's bounds
    rescaled by factors from the errors observed before its origin; the calibration-only
    origins are dropped. The models' own factor-free bounds stay in ``model_lo80`` etc."""
    origins = np.sort(frame["origin"].unique())
    scored = frame[frame["origin"].isin(origins[-config.origins :])].copy()
    for column in ("lo80", "hi80", "lo95", "hi95"):
        scored[f"model_{column}"] = scored[column]
    if not config.calibration_origins:
        return scored.assign(factor80=np.nan, factor95=np.nan)
    parts = []
    for origin, part in scored.groupby("origin"):
        factors = interval_factors(frame, origin, config.calibration_origins)
        parts.append(rescale_bounds(part, factors.drop(columns="calibration_rows")))
    return pd.concat(parts, ignore_index=True)


def _aligned_exog(
    exog: pd.DataFrame | None, start: pd.Timestamp, periods: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Exogenous values as an array over ``periods`` months from ``start``, and which columns are
    policy regimes (held at their origin value over a horizon)."""
    if exog is None:
        return None, None
    aligned = exog.reindex(pd.date_range(start, periods=periods, freq="MS"))
    return aligned.to_numpy(dtype=float), np.array([c in POLICY_COLUMNS for c in aligned.columns])


def backtest(
    wide: pd.DataFrame,
    *,
    exog: pd.DataFrame | None = None,
    models: Sequence[str] = MODEL_NAMES,
    config: ForecastConfig = ForecastConfig(),
    workers: int = 1,
    progress: ProgressCallback | None = None,
    registry: Mapping[str, Model] | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest of ``models`` on every column of ``wide`` (month × series)."""
    config.validate()
    check_no_gaps(wide)
    registry = registry or BASE_MODELS
    names = check_models(models, registry)
    base = [n for n in names if n != "ensemble"]
    n = len(wide)
    origins = origin_indices(n, config)
    exog_array, held = _aligned_exog(exog, wide.index.min(), n + config.horizon)
    tasks = [
        Task(s, m, wide[s].to_numpy(dtype=float), exog_array, held, origins, config)
        for s in wide.columns
        for m in base
        if not (registry[m].uses_exog and exog_array is None)
    ]
    results: list[pd.DataFrame] = []
    if workers > 1 and registry is BASE_MODELS:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_task, t) for t in tasks]
            for done, future in enumerate(as_completed(futures), 1):
                results.append(future.result())
                if progress:
                    progress(done, len(tasks))
    else:
        for done, task in enumerate(tasks, 1):
            results.append(run_task(task, registry))
            if progress:
                progress(done, len(tasks))
    frame = pd.concat(results, ignore_index=True)
    if "ensemble" in names:
        frame = pd.concat([frame, ensemble(frame)], ignore_index=True)
    months = pd.date_range(wide.index.min(), periods=n + config.horizon, freq="MS")
    frame["origin"] = months[frame["origin_index"].to_numpy()]
    frame["month"] = months[frame["target_index"].to_numpy()]
    frame["note"] = frame["note"].fillna("")
    frame = conformalise(frame, config)
    columns = [
        "series",
        "model",
        "origin",
        "month",
        "h",
        "actual",
        *BOUNDS,
        "scale",
        "note",
        "factor80",
        "factor95",
        *MODEL_BOUNDS,
    ]
    return frame[columns].sort_values(["series", "model", "origin", "h"]).reset_index(drop=True)


# --- scoring ------------------------------------------------------------------------------


def score(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-row errors: MASE, sMAPE, interval coverage and relative width."""
    out = frame.copy()
    out["mase"] = metrics.mase(out["actual"], out["mean"], out["scale"])
    out["smape"] = metrics.smape(out["actual"], out["mean"])
    for level in LEVELS:
        out[f"cov{level}"] = metrics.covered(out["actual"], out[f"lo{level}"], out[f"hi{level}"])
        out[f"width{level}"] = metrics.relative_width(
            out["actual"], out[f"lo{level}"], out[f"hi{level}"]
        )
        if f"model_lo{level}" in out.columns:  # the model's own interval, before calibration
            out[f"model_cov{level}"] = metrics.covered(
                out["actual"], out[f"model_lo{level}"], out[f"model_hi{level}"]
            )
    return out


def leaderboard(frame: pd.DataFrame) -> pd.DataFrame:
    """Series × model × horizon: mean MASE, sMAPE, coverage and width, and MASE relative to the
    seasonal naive forecast of the same series and horizon (< 1 beats it)."""
    scored = score(frame.dropna(subset=["actual"]))
    board = scored.groupby(["series", "model", "h"], as_index=False).agg(
        mase=("mase", "mean"),
        smape=("smape", "mean"),
        cov80=("cov80", "mean"),
        cov95=("cov95", "mean"),
        width80=("width80", "median"),
        origins=("mase", "size"),
        **{
            f"model_cov{level}": (f"model_cov{level}", "mean")
            for level in LEVELS
            if f"model_cov{level}" in scored.columns
        },
    )
    naive = board[board["model"] == "seasonal_naive"][["series", "h", "mase"]]
    board = board.merge(naive.rename(columns={"mase": "naive_mase"}), on=["series", "h"])
    board["relative_mase"] = board["mase"] / board["naive_mase"]
    return board.drop(columns="naive_mase")


def select_best(board: pd.DataFrame, horizons: Sequence[int] | None = None) -> dict[str, str]:
    """Per series, the model with the lowest mean MASE over ``horizons`` (default: all)."""
    part = board if horizons is None else board[board["h"].isin(list(horizons))]
    means = part.groupby(["series", "model"])["mase"].mean().reset_index()
    best = means.loc[means.groupby("series")["mase"].idxmin()]
    return dict(zip(best["series"], best["model"], strict=True))


@dataclass
class Summary:
    """The headline figures for a backtest (what bench/RESULTS.md records)."""

    relative_mase: pd.DataFrame  # series × horizon, best and ensemble vs seasonal naive
    coverage: pd.DataFrame
    nt_improvement_h1_6: dict[str, float] = field(default_factory=dict)


def summarise(board: pd.DataFrame, best: Mapping[str, str], nt=("GTM", "HND", "SLV")) -> Summary:
    rows = []
    for series, model in best.items():
        for label, name in (("best", model), ("ensemble", "ensemble")):
            part = board[(board["series"] == series) & (board["model"] == name)]
            for r in part.itertuples():
                rows.append(
                    {
                        "series": series,
                        "which": label,
                        "model": name,
                        "h": r.h,
                        "relative_mase": r.relative_mase,
                        "cov80": r.cov80,
                        "cov95": r.cov95,
                    }
                )
    table = pd.DataFrame(rows)
    improvement = {}
    for label in ("best", "ensemble"):
        part = table[(table["which"] == label) & table["series"].isin(nt) & (table["h"] <= 6)]
        if not part.empty:
            improvement[label] = float(1 - part["relative_mase"].mean())
    coverage = table.groupby(["series", "which"], as_index=False)[["cov80", "cov95"]].mean()
    return Summary(table, coverage, improvement)


# --- forecasts ----------------------------------------------------------------------------


def forecast(
    wide: pd.DataFrame,
    *,
    exog: pd.DataFrame | None,
    best: Mapping[str, str],
    models: Sequence[str] = MODEL_NAMES,
    config: ForecastConfig = ForecastConfig(),
    factors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fit every model on all of ``wide`` and forecast ``horizon`` months: one row per series,
    month and model (plus ``best``, the leaderboard's pick for the series). ``factors`` (model,
    h, factor80, factor95; see :func:`interval_factors`) rescale the intervals."""
    config.validate()
    check_no_gaps(wide)
    names = check_models(models)
    n = len(wide)
    months = pd.date_range(wide.index.min(), periods=n + config.horizon, freq="MS")
    exog_array, held = _aligned_exog(exog, wide.index.min(), n + config.horizon)
    frames = []
    for series in wide.columns:
        y = wide[series].to_numpy(dtype=float)
        start = max(0, n - config.window)
        for name in [m for m in names if m != "ensemble"]:
            model = BASE_MODELS[name]
            X = X_future = None
            if model.uses_exog:
                if exog_array is None:
                    continue
                X = exog_array[start:n]
                X_future = future_exog(exog_array, held, n, config.horizon)
            out = pd.DataFrame(_fit_predict(model, y[start:n], config.horizon, X, X_future))
            out["series"], out["model"] = series, name
            out["month"] = months[n:]
            out["h"] = np.arange(1, config.horizon + 1)
            frames.append(out)
    frame = pd.concat(frames, ignore_index=True)
    if "ensemble" in names:
        members = frame[frame["model"].isin(ENSEMBLE_MEMBERS)]
        combined = _mean_in_logs(members, ["series", "month", "h"])
        combined["model"] = "ensemble"
        frame = pd.concat([frame, combined], ignore_index=True)
    if factors is not None and not factors.empty:
        frame = rescale_bounds(frame, factors[["model", "h", "factor80", "factor95"]])
    chosen = []
    for series, name in best.items():
        rows = frame[(frame["series"] == series) & (frame["model"] == name)].copy()
        rows["chosen"] = name
        rows["model"] = "best"
        chosen.append(rows)
    frame = pd.concat([frame, *chosen], ignore_index=True)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return (
        frame[["series", "month", "model", *BOUNDS, "h", "chosen"]]
        .sort_values(["series", "model", "month"])
        .reset_index(drop=True)
    )


def describe(config: ForecastConfig, models: Sequence[str]) -> str:
    """JSON of the settings, stored with every result."""
    return json.dumps({**asdict(config), "models": list(models), "version": MODEL_VERSION})
