"""Monthly forecasts of Southwest-border encounters by nationality, scored against a random walk.

Series: GTM, HND, SLV, MEX and OTHER (every other citizenship). By default the basis is the
Border Patrol series from OHSS (``usbp``, consistent since FY2000); ``cbp`` (all CBP encounters,
FY2020 on) is too short for a long backtest.

Models (all on ``log(1 + encounters)`` over the last ``window`` months; forecasts and bounds are
transformed back, so the point forecast is a median):

* ``random_walk`` — the last value carried forward: **the reference**. Month-to-month changes of
  these series are far smaller than year-on-year ones, so it is the strongest simple baseline;
* ``seasonal_naive`` — the value twelve months earlier (a second reference);
* ``seasonal_rw``, ``growth``, ``seasonal_ar``, ``global_ridge`` — models of growth rates and a
  global model across the series (:mod:`rootcauses.analysis.forecast_models`); ``global_lgbm``
  (gradient boosting across the series) and ``markov_ar`` (regime switching), run over the whole
  backtest at once (:mod:`rootcauses.analysis.forecast_panel`);
* ``auto_ets``, ``auto_arima``, ``auto_theta`` — statsforecast's automatic models, and
  ``sarimax_policy``, a regression with ARIMA(1,0,0)(0,1,1)₁₂ errors (the airline model where that
  cannot be fitted, noted per forecast) on the policy regimes from the events table held at their
  value at the origin (no model is told of a future policy change) and US unemployment lagged 12
  months; ``ensemble`` is the mean of these four in log space. ETS and ARIMA take 0.5–1.5 s per
  fit, too slow for a long backtest in the time budget, and were not better than the random walk
  (issue 12), so they are run only when asked for (``-m auto_ets``);
* ``combination`` — a skill-weighted combination: per series and horizon, the members' forecasts
  averaged in log space with weights proportional to the inverse of their mean squared log error
  over the last ``combination_window`` origins whose outcome was known at the origin;
  ``skill_combination`` the same for the random walk and ``seasonal_ar`` with weights
  proportional to the inverse of their mean scaled absolute error (MASE) instead.

Backtests are forward-chaining: at each origin a model sees the months up to the origin only
(exogenous values as known then) and forecasts the next ``horizon`` months. The scored origins are
the last ``origins`` months with at least one outcome after them (with the defaults, last month
seen September 2012 to August 2024: the 2014 surge, the 2019 surge with MPP and the US–Mexico
agreement, COVID and Title 42 in 2020–21, its end in 2023 and the June 2024 rule); a forecast from
a late origin is scored at the horizons observed so far. ``calibration_origins + horizon − 1``
earlier origins warm up the interval calibration and the combination weights.

Scores (:func:`leaderboard`): MASE, scaled by the random walk's in-sample mean absolute
one-month change on the same training window; MASE relative to the random walk
(``relative_mase``; ``skill = 1 − relative_mase``) and to the seasonal naive forecast; the
weighted interval score (WIS, a proper score of the whole predictive distribution: median, 80%
and 95% intervals), scaled the same way and relative to the random walk; a Diebold–Mariano test
(HLN-corrected, horizon-aware) of each model's absolute errors against the random walk's;
interval coverage, also per regime block (before / under / after Title 42) and per year
(:func:`coverage_table`).

Prediction intervals are conformal intervals per series, model and horizon
(:mod:`rootcauses.analysis.conformal`) from the log errors of forecasts whose outcome was known at
the origin, each divided by a local scale known at its origin (by default the square root of the
recent mean absolute one-month error of the same series and model), so they widen right after large
moves and narrow in calm spells; an adaptive-conformal step (Gibbs & Candès 2021, ``aci_gamma``)
is available and off by default: with the h-month delay before an h-step miss is known it kept
the intervals wide long after the 2020 shock (bench/). ``calibration_origins=0`` keeps the
models' own intervals.

The leaderboard's pick per series (:func:`select_best`) is the random walk unless a model is at
least 10% better than it at horizons 1–3 (mean relative MASE ≤ 0.9) with a Diebold–Mariano
p-value below 0.05 at each of those horizons; among such models and the random walk, the one with
the lowest MASE over all horizons is picked.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

import duckdb
import numpy as np
import pandas as pd

from rootcauses.analysis import conformal, metrics
from rootcauses.analysis import forecast_models as fm
from rootcauses.analysis import forecast_panel as fp
from rootcauses.countries import HEADLINE_CITIZENSHIPS
from rootcauses.errors import ForecastError
from rootcauses.panel import POLICY_REGIMES, policy_regimes
from rootcauses.store import query

Basis = Literal["cbp", "usbp"]
LEVELS = (80, 95)
SERIES = HEADLINE_CITIZENSHIPS
MODEL_VERSION = "4"  # 4: locally weighted conformal intervals (a local_scale column)
# 3: random-walk reference, adaptive conformal intervals, long backtest
POLICY_COLUMNS = tuple(POLICY_REGIMES)  # held at their origin value over the horizon
REFERENCE = "random_walk"
SECOND_REFERENCE = "seasonal_naive"
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ForecastConfig:
    horizon: int = 12
    origins: int = 144  # scored origins: Sep 2012 – Aug 2024 (last month seen), FY2000–FY2024
    window: int = 144
    season: int = 12
    basis: Basis = "usbp"
    exog_lag: int = 12
    calibration_origins: int = 24  # warm-up origins; 0 = the models' own intervals
    # the conformal intervals (chosen on the backtest: bench/forecast_backtest.py, issue 12)
    aci_gamma: float = 0.0  # step of the adaptive conformal α update (0: fixed α)
    aci_window: int = 36  # past scores per conformal quantile
    scale_halflife: float = 12.0  # months, of the local scale's weighted mean of 1-month errors
    scale_power: float = 0.5  # score = |log error| / scale ** power (0: no local scale)
    combination_window: int = 36  # past origins per combination weight
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
        if self.window < 3 * self.season:
            raise ForecastError(
                f"window must be at least {3 * self.season} months (three seasons), "
                f"got {self.window}"
            )
        if not 0 <= self.aci_gamma < 1:
            raise ForecastError(f"aci_gamma must be at least 0 and below 1, got {self.aci_gamma}")
        if self.scale_halflife <= 0:
            raise ForecastError(
                f"scale_halflife must be a positive number of months, got {self.scale_halflife}"
            )
        if not 0 <= self.scale_power <= 1:
            raise ForecastError(f"scale_power must be between 0 and 1, got {self.scale_power}")

    @property
    def extra_origins(self) -> int:
        """Origins run before the scored ones so that the first scored origin already has
        ``calibration_origins`` observed errors at every horizon."""
        return self.calibration_origins + self.horizon - 1 if self.calibration_origins else 0


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
    factory: Callable[[], Any]  # a statsforecast model (the library has no type information)
    uses_exog: bool = False
    fallback: Callable[[], Any] | None = None  # used when the library cannot fit a window

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        *,
        use_fallback: bool = False,
    ) -> dict[str, np.ndarray]:
        make = self.fallback if use_fallback else self.factory
        assert make is not None, f"model {self.name!r} has no fallback"
        model = make()
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


BASE_MODELS: dict[str, Model] = {
    "random_walk": fm.RandomWalk(),
    "seasonal_naive": StatsForecastModel("seasonal_naive", _snaive),
    "seasonal_rw": fm.SeasonalRandomWalk(),
    "growth": fm.DampedGrowth(),
    "seasonal_ar": fm.SeasonalAR(),
    "auto_ets": StatsForecastModel("auto_ets", _ets),
    "auto_arima": StatsForecastModel("auto_arima", _arima),
    "auto_theta": StatsForecastModel("auto_theta", _theta),
    "sarimax_policy": StatsForecastModel(
        "sarimax_policy", _sarima, uses_exog=True, fallback=_airline
    ),
}
PANEL_MODELS = fp.PANEL_MODELS  # run over every series and origin at once
ENSEMBLE_MEMBERS = ("auto_ets", "auto_arima", "auto_theta", "sarimax_policy")
COMBINATION_MEMBERS = ("random_walk", "seasonal_rw", "auto_theta")
SKILL_MEMBERS = ("random_walk", "seasonal_ar")
DERIVED = ("ensemble", "combination", "skill_combination")
ALL_MODELS = (*BASE_MODELS, *PANEL_MODELS, *DERIVED)
BASELINES = (REFERENCE, SECOND_REFERENCE)
# run by default: the references, the combinations and their members; ``skill_combination``
# qualifies for El Salvador and Mexico on the leaderboard's rule (bench/). The models in
# ``DROPPED`` were tried and qualify for no series, so they run only when asked for (the bench
# scores them on the same origins), as do ETS and ARIMA (too slow for the full backtest).
MODEL_NAMES = (
    *BASELINES,
    "seasonal_rw",
    "auto_theta",
    "combination",
    "seasonal_ar",
    "skill_combination",
)
DROPPED = ("growth", "global_ridge", "global_lgbm", "markov_ar")
BOUNDS = ("mean", "lo80", "hi80", "lo95", "hi95")
MODEL_BOUNDS = ("model_lo80", "model_hi80", "model_lo95", "model_hi95")  # before calibration


def check_models(names: Sequence[str], registry: Mapping[str, Model] = BASE_MODELS) -> list[str]:
    """The models to run: those asked for, the two references, an ensemble's or a combination's
    members; an unknown name is an error listing the available ones."""
    custom = registry is not BASE_MODELS
    available = [*registry, *([] if custom else PANEL_MODELS), *DERIVED]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ForecastError(f"unknown model(s) {unknown}; available: {', '.join(available)}")
    baseline = [b for b in BASELINES if b in registry]
    chosen = list(dict.fromkeys([*baseline, *names]))
    if "ensemble" in chosen:
        chosen = list(dict.fromkeys([*chosen, *ENSEMBLE_MEMBERS]))
    if "combination" in chosen and not custom:
        chosen = list(dict.fromkeys([*chosen, *COMBINATION_MEMBERS]))
    if "skill_combination" in chosen and not custom:
        chosen = list(dict.fromkeys([*chosen, *SKILL_MEMBERS]))
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
        assert X_future is not None  # they come together
        keep = np.nanstd(X, axis=0) > 0  # a regime constant over the window adds nothing
        X, X_future = X[:, keep], X_future[:, keep]
    try:
        out = model.forecast(np.log1p(y_train), h, X, X_future)
    except (ValueError, np.linalg.LinAlgError) as exc:
        if not isinstance(model, StatsForecastModel) or model.fallback is None:
            raise ForecastError(f"model {model.name!r} failed to fit: {exc}") from exc
        out = model.forecast(np.log1p(y_train), h, X, X_future, use_fallback=True)
        note = f"fallback ARIMA(0,1,1)(0,1,1)12 used ({exc})"
    result = _to_levels(out)
    result["note"] = np.full(h, note, dtype=object)
    return result


def _to_levels(out: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    result = {"mean": np.clip(np.expm1(out["mean"]), 0, None)}
    for level in LEVELS:
        result[f"lo{level}"] = np.clip(np.expm1(out[f"lo-{level}"]), 0, None)
        result[f"hi{level}"] = np.clip(np.expm1(out[f"hi-{level}"]), 0, None)
    return result


def _origin_rows(out: Mapping[str, np.ndarray], y: np.ndarray, origin: int, cfg) -> pd.DataFrame:
    """The rows of one forecast made after ``origin`` months: horizons, actuals (NaN past the
    data) and the MASE scale of the training window (the random walk's in-sample error)."""
    frame = pd.DataFrame(dict(out))
    frame["h"] = np.arange(1, cfg.horizon + 1)
    frame["target_index"] = origin + np.arange(cfg.horizon)
    frame["origin_index"] = origin - 1
    actual = y[origin : origin + cfg.horizon].astype(float)
    frame["actual"] = np.pad(actual, (0, cfg.horizon - len(actual)), constant_values=np.nan)
    frame["scale"] = metrics.naive_scale(y[max(0, origin - cfg.window) : origin], 1)
    return frame


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
            assert task.held is not None  # exog and held come together (_aligned_exog)
            X = task.exog[start:origin]
            X_future = future_exog(task.exog, task.held, origin, cfg.horizon)
        out = _fit_predict(model, y_train, cfg.horizon, X, X_future)
        rows.append(_origin_rows(out, task.y, origin, cfg))
    result = pd.concat(rows, ignore_index=True)
    result["series"] = task.series
    result["model"] = task.model
    return result


def global_rows(
    wide: pd.DataFrame,
    exog: np.ndarray | None,
    held: np.ndarray | None,
    origins: list[int],
    config: ForecastConfig,
    name: str = "global_ridge",
) -> pd.DataFrame:
    """The forecasts of the panel model ``name`` (:mod:`rootcauses.analysis.forecast_panel`)
    for every series at every origin, each from what was observed by then."""
    n = len(wide)
    levels = wide.to_numpy(dtype=float).T
    regimes = exog[:n][:, held] if exog is not None and held is not None else None
    months = pd.date_range(wide.index.min(), periods=n + config.horizon, freq="MS")
    fits = PANEL_MODELS[name](
        np.log1p(levels), regimes, origins, config.horizon, config.window, months.month.to_numpy()
    )
    rows = []
    for origin in origins:
        for s, series in enumerate(wide.columns):
            out = _to_levels({key: value[s] for key, value in fits[origin].items()})
            frame = _origin_rows(out, levels[s], origin, config)
            frame["series"], frame["model"], frame["note"] = series, name, ""
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def origin_indices(n: int, config: ForecastConfig) -> list[int]:
    """Origins as months seen: the last ``origins`` with at least one outcome after them (the
    last is ``n − 1``), preceded by the extra origins the interval calibration needs."""
    total = config.origins + config.extra_origins
    first = n - total
    if first < 3 * config.season:
        calibration = (
            f" plus {config.extra_origins} for the interval calibration"
            if config.extra_origins
            else ""
        )
        raise ForecastError(
            f"{n} months are too few for {config.origins} origins{calibration} "
            f"(need at least {3 * config.season + total})"
        )
    return list(range(first, n))


def _mean_in_logs(part: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean of the forecasts and bounds in log space, per ``keys`` (the ensemble rule)."""
    logs = part[[*keys, *BOUNDS]].copy()
    logs[list(BOUNDS)] = np.log1p(logs[list(BOUNDS)])
    combined = logs.groupby(list(keys), as_index=False)[list(BOUNDS)].mean()
    combined[list(BOUNDS)] = np.expm1(combined[list(BOUNDS)])
    return combined


KEYS = ["series", "origin", "month", "h"]


def ensemble(frame: pd.DataFrame, members: Sequence[str] = ENSEMBLE_MEMBERS) -> pd.DataFrame:
    """The members' mean in log space, per series, origin and horizon (empty when a member is
    missing, e.g. the policy model without exogenous data)."""
    part = frame[frame["model"].isin(members)]
    if part["model"].nunique() < len(members):
        return frame.iloc[0:0]
    combined = _mean_in_logs(part, KEYS)
    extra = part.groupby(KEYS, as_index=False)[["actual", "scale"]].first()
    combined = combined.merge(extra, on=KEYS)
    combined["model"], combined["note"] = "ensemble", ""
    return combined


def combination(
    frame: pd.DataFrame,
    members: Sequence[str] = COMBINATION_MEMBERS,
    window: int = 36,
    min_rows: int = 6,
    *,
    error: Literal["log_squared", "scaled_absolute"] = "log_squared",
    name: str = "combination",
) -> pd.DataFrame:
    """Skill-weighted combination: per series, horizon and origin, the members' forecasts and
    bounds averaged in log space with weights ∝ 1 / mean ``error`` over the last ``window``
    origins whose outcome was known at that origin (equal weights before ``min_rows`` are
    known): the squared log error, or the absolute error scaled as MASE is. Members missing
    from ``frame`` are left out; empty with fewer than two."""
    part = frame[frame["model"].isin(members)]
    present = [m for m in members if m in set(part["model"])]
    if len(present) < 2:
        return frame.iloc[0:0]
    rows = []
    for (series, h), group in part.groupby(["series", "h"], sort=False):
        logs = {
            b: np.log1p(group.pivot(index="origin", columns="model", values=b)[present])
            for b in BOUNDS
        }
        actual = np.log1p(group.groupby("origin")["actual"].first().loc[logs["mean"].index])
        months = group.groupby("origin")["month"].first().loc[logs["mean"].index]
        if error == "log_squared":
            errors = (logs["mean"].sub(actual, axis=0) ** 2).to_numpy()
        else:
            scale = group.groupby("origin")["scale"].first().loc[logs["mean"].index]
            miss = np.expm1(logs["mean"]).sub(np.expm1(actual), axis=0).abs()
            errors = miss.div(scale, axis=0).to_numpy()
        origin_key = conformal._month_key(pd.Series(logs["mean"].index))
        target_key = conformal._month_key(months.reset_index(drop=True))
        means = {b: logs[b].to_numpy() for b in BOUNDS}
        out = {b: np.full(len(origin_key), np.nan) for b in BOUNDS}
        for i in range(len(origin_key)):
            known = (target_key <= origin_key[i]) & ~np.isnan(errors).any(axis=1)
            recent = errors[known][-window:]
            if len(recent) >= min_rows:
                weight = 1 / np.maximum(recent.mean(axis=0), 1e-12)
            else:
                weight = np.ones(len(present))
            weight = weight / weight.sum()
            for b in BOUNDS:
                out[b][i] = means[b][i] @ weight
        combined = pd.DataFrame({b: np.clip(np.expm1(v), 0, None) for b, v in out.items()})
        combined["series"], combined["h"] = series, h
        combined["origin"] = logs["mean"].index.to_numpy()
        combined["month"] = months.to_numpy()
        combined["actual"] = np.expm1(actual.to_numpy())
        combined["scale"] = group.groupby("origin")["scale"].first().loc[logs["mean"].index].values
        rows.append(combined)
    result = pd.concat(rows, ignore_index=True)
    result["model"], result["note"] = name, ""
    return result


def _derive(frame: pd.DataFrame, names: Sequence[str], config: ForecastConfig) -> pd.DataFrame:
    """Append the ensemble and the combination, then calibrate every model's intervals."""
    parts = [frame]
    if "ensemble" in names:
        parts.append(ensemble(frame))
    if "combination" in names:
        parts.append(combination(frame, window=config.combination_window))
    if "skill_combination" in names:
        parts.append(
            combination(
                frame,
                SKILL_MEMBERS,
                window=config.combination_window,
                error="scaled_absolute",
                name="skill_combination",
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["note"] = frame["note"].fillna("")
    for column in ("lo80", "hi80", "lo95", "hi95"):
        frame[f"model_{column}"] = frame[column]
    if not config.calibration_origins:
        return frame.assign(alpha80=np.nan, alpha95=np.nan, local_scale=np.nan)
    return calibrate(frame, config)


def calibrate(
    frame: pd.DataFrame, config: ForecastConfig, levels: Sequence[int] = LEVELS, **options: Any
) -> pd.DataFrame:
    """``frame``'s intervals replaced by the conformal ones of ``config`` (see
    :mod:`rootcauses.analysis.conformal`), from the bounds in ``lo{level}`` and ``hi{level}``;
    ``options`` are further :func:`~rootcauses.analysis.conformal.adaptive_intervals` settings
    (off by default; the bench compares them, e.g. ``reversion_span``)."""
    return conformal.adaptive_intervals(
        frame,
        levels,
        gamma=config.aci_gamma,
        window=config.aci_window,
        scale_halflife=config.scale_halflife,
        scale_power=config.scale_power,
        **options,
    )


def _aligned_exog(
    exog: pd.DataFrame | None, start: pd.Timestamp, periods: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Exogenous values as an array over ``periods`` months from ``start``, and which columns are
    policy regimes (held at their origin value over a horizon)."""
    if exog is None:
        return None, None
    aligned = exog.reindex(pd.date_range(start, periods=periods, freq="MS"))
    return aligned.to_numpy(dtype=float), np.array([c in POLICY_COLUMNS for c in aligned.columns])


def _base_rows(
    wide: pd.DataFrame,
    exog_array: np.ndarray | None,
    held: np.ndarray | None,
    origins: list[int],
    names: Sequence[str],
    config: ForecastConfig,
    registry: Mapping[str, Model],
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Every base model's forecasts at ``origins``, with ``origin`` and ``month`` dates. The
    statsforecast and panel models run in ``workers`` processes; the fast models in this one."""
    tasks = [
        Task(s, m, wide[s].to_numpy(dtype=float), exog_array, held, origins, config)
        for s in wide.columns
        for m in names
        if m in registry and not (registry[m].uses_exog and exog_array is None)
    ]
    slow = [t for t in tasks if isinstance(registry[t.model], StatsForecastModel)]
    panels = [m for m in names if m in PANEL_MODELS and registry is BASE_MODELS]
    pooled = workers > 1 and registry is BASE_MODELS and len(slow) + len(panels) > 1
    results: list[pd.DataFrame] = []
    total = len(tasks) + len(panels)

    def tick() -> None:
        if progress:
            progress(len(results), total)

    if pooled:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(global_rows, wide, exog_array, held, origins, config, name)
                for name in panels
            ]
            futures += [pool.submit(run_task, t) for t in slow]
            for task in tasks:  # the fast models while the pool works
                if task not in slow:
                    results.append(run_task(task, registry))
                    tick()
            for future in as_completed(futures):
                results.append(future.result())
                tick()
    else:
        for task in tasks:
            results.append(run_task(task, registry))
            tick()
        for name in panels:
            results.append(global_rows(wide, exog_array, held, origins, config, name))
            tick()
    frame = pd.concat(results, ignore_index=True)
    months = pd.date_range(wide.index.min(), periods=len(wide) + config.horizon, freq="MS")
    frame["origin"] = months[frame["origin_index"].to_numpy()]
    frame["month"] = months[frame["target_index"].to_numpy()]
    return frame.drop(columns=["origin_index", "target_index"])


def regime_blocks(months: pd.Series, exog: pd.DataFrame | None) -> np.ndarray:
    """The Title 42 block of each target month: ``before Title 42``, ``Title 42`` (any month it
    was in force, from the events table) or ``after Title 42``; ``all`` without the regimes."""
    stamps = pd.to_datetime(pd.Series(months)).to_numpy()
    if exog is None or "title_42" not in exog.columns or not (exog["title_42"] > 0).any():
        return np.full(len(stamps), "all", dtype=object)
    on = exog.index[exog["title_42"].to_numpy() > 0]
    first, last = on.min().to_datetime64(), on.max().to_datetime64()
    return np.where(
        stamps < first, "before Title 42", np.where(stamps <= last, "Title 42", "after Title 42")
    ).astype(object)


COLUMNS = [
    "series",
    "model",
    "origin",
    "month",
    "h",
    "actual",
    *BOUNDS,
    "scale",
    "note",
    "alpha80",
    "alpha95",
    "local_scale",
    *MODEL_BOUNDS,
    "regime",
    "scored",
]


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
    """Forward-chaining backtest of ``models`` on every column of ``wide`` (month × series).
    Every origin's rows are returned, the warm-up ones with ``scored`` False."""
    config.validate()
    check_no_gaps(wide)
    registry = registry or BASE_MODELS
    names = check_models(models, registry)
    n = len(wide)
    origins = origin_indices(n, config)
    exog_array, held = _aligned_exog(exog, wide.index.min(), n + config.horizon)
    frame = _base_rows(wide, exog_array, held, origins, names, config, registry, workers, progress)
    frame = _derive(frame, names, config)
    first_scored = wide.index[origins[-config.origins] - 1]
    frame["scored"] = frame["origin"] >= first_scored
    frame["regime"] = regime_blocks(frame["month"], exog)
    return frame[COLUMNS].sort_values(["series", "model", "origin", "h"]).reset_index(drop=True)


# --- scoring ------------------------------------------------------------------------------


def score(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-row errors: MASE, sMAPE, scaled WIS, interval coverage and relative width."""
    out = frame.copy()
    out["mase"] = metrics.mase(out["actual"], out["mean"], out["scale"])
    out["smape"] = metrics.smape(out["actual"], out["mean"])
    intervals = [(level, out[f"lo{level}"], out[f"hi{level}"]) for level in LEVELS]
    wis = metrics.weighted_interval_score(out["actual"], out["mean"], intervals)
    out["wis"] = wis / out["scale"].to_numpy(float)
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


def scored_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a backtest is judged on: scored origins with an observed outcome."""
    if "scored" in frame.columns:
        frame = frame[frame["scored"].astype(bool)]
    return frame.dropna(subset=["actual"])


def dm_tests(scored: pd.DataFrame, reference: str = REFERENCE) -> pd.DataFrame:
    """Per series, model and horizon, the Diebold–Mariano test of the model's scaled absolute
    errors (``mase``) against the reference's at the same origins (negative: the model's
    errors are smaller)."""
    ref = scored[scored["model"] == reference][["series", "h", "origin", "mase"]]
    merged = scored[scored["model"] != reference].merge(
        ref, on=["series", "h", "origin"], suffixes=("", "_ref")
    )
    rows = []
    for (series, model, h), part in merged.groupby(["series", "model", "h"]):
        part = part.sort_values("origin")
        test = metrics.diebold_mariano(part["mase"], part["mase_ref"], int(h))
        rows.append(
            {
                "series": series,
                "model": model,
                "h": h,
                "dm_stat": test.statistic,
                "dm_p": test.p_value,
            }
        )
    return pd.DataFrame(rows, columns=["series", "model", "h", "dm_stat", "dm_p"])


def leaderboard(frame: pd.DataFrame) -> pd.DataFrame:
    """Series × model × horizon over the scored origins: mean MASE, sMAPE and scaled WIS,
    coverage and width; MASE and WIS relative to the random walk of the same series and horizon
    (< 1 beats it; ``skill = 1 − relative_mase``), MASE relative to the seasonal naive forecast,
    and the Diebold–Mariano statistic and p-value against the random walk."""
    scored = score(scored_rows(frame))
    board = scored.groupby(["series", "model", "h"], as_index=False).agg(
        mase=("mase", "mean"),
        smape=("smape", "mean"),
        wis=("wis", "mean"),
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
    for reference, suffix in ((REFERENCE, ""), (SECOND_REFERENCE, "_snaive")):
        ref = board[board["model"] == reference][["series", "h", "mase", "wis"]]
        ref = ref.rename(columns={"mase": "ref_mase", "wis": "ref_wis"})
        board = board.merge(ref, on=["series", "h"], how="left")
        board[f"relative_mase{suffix}"] = board["mase"] / board["ref_mase"]
        if not suffix:
            board["relative_wis"] = board["wis"] / board["ref_wis"]
            board["skill"] = 1 - board["relative_mase"]
        board = board.drop(columns=["ref_mase", "ref_wis"])
    board = board.merge(dm_tests(scored), on=["series", "model", "h"], how="left")
    return board


def qualification(
    board: pd.DataFrame,
    *,
    gain: float = 0.10,
    alpha: float = 0.05,
    short: Sequence[int] = (1, 2, 3),
) -> pd.DataFrame:
    """Per series and model: mean relative MASE at the ``short`` horizons, the largest DM p-value
    there, the mean relative MASE over all horizons, and whether the model ``qualifies``: at
    least ``gain`` better than the random walk at the short horizons, with smaller errors and
    p < ``alpha`` at each of them."""
    part = board[board["h"].isin(list(short))]
    grouped = part.groupby(["series", "model"])
    table = pd.DataFrame(
        {
            "short_relative_mase": grouped["relative_mase"].mean(),
            "short_max_dm_p": grouped["dm_p"].max(),
            "short_all_better": grouped["dm_stat"].apply(lambda s: bool((s < 0).all())),
            "short_horizons": grouped["h"].nunique(),
        }
    )
    table["relative_mase"] = board.groupby(["series", "model"])["relative_mase"].mean()
    table["qualifies"] = (
        (table["short_relative_mase"] <= 1 - gain)
        & (table["short_max_dm_p"] < alpha)
        & table["short_all_better"]
        & (table["short_horizons"] == len(short))
    )
    table = table.reset_index()
    table.loc[table["model"] == REFERENCE, "qualifies"] = True
    return table


def select_best(board: pd.DataFrame, **rule) -> dict[str, str]:
    """Per series, the leaderboard's pick: among the random walk and the models that qualify
    (:func:`qualification`), the lowest mean relative MASE over all horizons; so the random
    walk unless a model is clearly and significantly better at horizons 1–3. A board without
    the random walk (an older run) falls back to the lowest mean MASE."""
    if REFERENCE not in set(board["model"]):
        means = board.groupby(["series", "model"])["mase"].mean().reset_index()
        best = means.loc[means.groupby("series")["mase"].idxmin()]
        return dict(zip(best["series"], best["model"], strict=True))
    table = qualification(board, **rule)
    candidates = table[table["qualifies"]]
    best = candidates.loc[candidates.groupby("series")["relative_mase"].idxmin()]
    return dict(zip(best["series"], best["model"], strict=True))


def coverage_table(
    frame: pd.DataFrame, by: Literal["regime", "year"], chosen: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Interval coverage of the scored rows per ``by`` (regime block or calendar year of the
    target month) and model, or, with ``chosen`` (series → model), of each series' pick pooled
    (model ``pick``)."""
    rows = scored_rows(frame)
    if chosen is not None:
        rows = pd.concat(
            [rows[(rows["series"] == s) & (rows["model"] == m)] for s, m in chosen.items()]
        ).assign(model="pick")
    rows = score(rows)
    key = rows["regime"] if by == "regime" else pd.to_datetime(rows["month"]).dt.year
    return (
        rows.assign(block=key.to_numpy())
        .groupby(["model", "block"], as_index=False)
        .agg(cov80=("cov80", "mean"), cov95=("cov95", "mean"), rows=("cov80", "size"))
    )


# --- forecasts ----------------------------------------------------------------------------


def forecast(
    wide: pd.DataFrame,
    *,
    exog: pd.DataFrame | None,
    best: Mapping[str, str],
    models: Sequence[str] = MODEL_NAMES,
    config: ForecastConfig = ForecastConfig(),
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fit every model on all of ``wide`` and forecast ``horizon`` months: one row per series,
    month and model (plus ``best``, the leaderboard's pick for the series). ``history``, a
    backtest of the same models on the same data, gives the combination its weights and the
    adaptive intervals their state; without it the models' own intervals are kept (and the
    combination weighs its members equally)."""
    config.validate()
    check_no_gaps(wide)
    names = check_models(models)
    n = len(wide)
    exog_array, held = _aligned_exog(exog, wide.index.min(), n + config.horizon)
    frame = _base_rows(wide, exog_array, held, [n], names, config, BASE_MODELS)
    origin = wide.index.max()
    calibrate = history is not None and not history.empty
    if calibrate:
        assert history is not None
        past = history[
            history["model"].isin([m for m in names if m not in DERIVED])
            & (pd.to_datetime(history["origin"]) < origin)
        ].copy()
        for column in ("lo80", "hi80", "lo95", "hi95"):
            past[column] = past[f"model_{column}"]
        past["origin"] = pd.to_datetime(past["origin"])
        past["month"] = pd.to_datetime(past["month"])
        frame = pd.concat([past[frame.columns], frame], ignore_index=True)
    frame = _derive(frame, names, config if calibrate else _uncalibrated(config))
    frame = frame[frame["origin"] == origin].copy()
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


def _uncalibrated(config: ForecastConfig) -> ForecastConfig:
    from dataclasses import replace

    return replace(config, calibration_origins=0)


def describe(config: ForecastConfig, models: Sequence[str]) -> str:
    """JSON of the settings, stored with every result."""
    return json.dumps({**asdict(config), "models": list(models), "version": MODEL_VERSION})
