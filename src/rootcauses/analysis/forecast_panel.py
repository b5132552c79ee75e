"""Forecasting models run over a whole backtest at once: every series and origin in one call.

A panel model takes ``log_y`` (series × month, ``log(1 + y)`` of the whole data), the policy
regimes in force each month (month × regime, or None), the origins (months seen), the horizon,
the training window and the calendar month (1–12) of every index, and returns per origin the
forecasts in logs, ``{origin: {"mean": series × h, "lo-80": …}}``. What it may use at an origin
is the data before it: a test perturbs every month from the origin on and checks that the
origin's forecast does not move. Seeing all origins at once lets a model pool the series (a
global model) or refit its parameters every few origins and only update its state in between.

* ``global_ridge`` — :func:`rootcauses.analysis.forecast_models.global_forecasts`.
* ``global_lgbm`` — a global gradient-boosted model (LightGBM) of the ``k``-month log change,
  one model for every series and horizon (direct multi-horizon: the horizon is a feature), on
  what is known at the month ``t`` it starts from: the features of ``global_ridge`` (the 1-, 3-
  and 12-month log changes, the seasonal change, the gap to the 12-month mean and the policy
  regimes in force at ``t``), the series, the horizon, the calendar month of ``t + k`` and the
  mean 1- and 3-month changes of all series at ``t`` (a common shock). Trained on every row
  whose outcome was observed by the origin (the whole history, not the window: a tree model
  needs the rows), with a Huber loss (robust to the shocks of 2020), and refitted every
  ``refit_every`` origins.
* ``markov_ar`` — regime switching (Hamilton): a two-state Markov-switching AR(1) of the
  seasonally adjusted monthly log changes (statsmodels' ``MarkovAutoregression``: the mean and
  the variance switch, the AR coefficient does not), on the window. Its forecast of the change
  ``j`` months ahead is ``p Pʲ μ + φʲ (x_T − p μ)`` with ``p`` the filtered state
  probabilities at the origin, ``P`` the transition matrix and ``μ`` the state means, plus the
  seasonal factors. Parameters are re-estimated every ``refit_every`` origins (from the last
  estimate); in between the filter runs with them on the data up to the origin.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np

from rootcauses.analysis import forecast_models as fm
from rootcauses.errors import ForecastError

Forecasts = dict[int, dict[str, np.ndarray]]
PanelModel = Callable[[np.ndarray, np.ndarray | None, list[int], int, int, np.ndarray], Forecasts]
BOUND_KEYS = ("mean", *(f"{side}-{level}" for level in fm.LEVELS for side in ("lo", "hi")))
REFIT_EVERY = 3  # origins between re-estimations of the slow models


def _empty(series: int, origins: list[int], horizon: int) -> Forecasts:
    return {o: {k: np.full((series, horizon), np.nan) for k in BOUND_KEYS} for o in origins}


def _store(out: Forecasts, origin: int, s: int, log_y: np.ndarray, mean: np.ndarray) -> None:
    """The forecast ``mean`` of series ``s`` with the random walk's own bounds on its data."""
    for key, value in fm.own_bounds(log_y, mean).items():
        out[origin][key][s] = value


def global_ridge(
    log_y: np.ndarray,
    regimes: np.ndarray | None,
    origins: list[int],
    horizon: int,
    window: int,
    calendar: np.ndarray,
) -> Forecasts:
    return fm.global_forecasts(log_y, regimes, origins, horizon, window)


# --- global gradient boosting ---------------------------------------------------------------

LGBM_PARAMS: dict[str, float | int | str] = {
    "objective": "huber",
    "alpha": 0.05,  # Huber's threshold, in log change
    "learning_rate": 0.03,
    "num_leaves": 8,
    "min_data_in_leaf": 60,
    "lambda_l2": 10.0,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "num_threads": 1,
    "deterministic": True,
    "seed": 0,
    "verbose": -1,
}
LGBM_ROUNDS = 100


def lgbm_rows(
    log_y: np.ndarray, regimes: np.ndarray | None, horizon: int, calendar: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (series, month ``t``, horizon ``k``) row: features known at ``t``, the ``k``-month
    log change (NaN past the data) and the row's (series, t, k)."""
    S, T = log_y.shape
    one = np.full((S, T), np.nan)
    one[:, 1:] = np.diff(log_y, axis=1)
    three = np.full((S, T), np.nan)
    three[:, 3:] = log_y[:, 3:] - log_y[:, :-3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the first months have no change
        common = [np.nanmean(one, axis=0), np.nanmean(three, axis=0)]
    features, targets, keys = [], [], []
    for k in range(1, horizon + 1):
        base, target = fm.global_features(log_y, regimes, k)
        for s in range(S):
            columns = [
                np.full(T, s),
                np.full(T, k),
                calendar[np.arange(T) + k],
                *common,
                *base[s].T,
            ]
            features.append(np.column_stack(columns))
            targets.append(target[s])
            keys.append(np.column_stack([np.full(T, s), np.arange(T), np.full(T, k)]))
    return np.vstack(features), np.concatenate(targets), np.vstack(keys)


def global_lgbm(
    log_y: np.ndarray,
    regimes: np.ndarray | None,
    origins: list[int],
    horizon: int,
    window: int,
    calendar: np.ndarray,
    *,
    refit_every: int = REFIT_EVERY,
    rounds: int = LGBM_ROUNDS,
) -> Forecasts:
    try:
        import lightgbm
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ForecastError("global_lgbm needs the lightgbm package") from exc
    S = log_y.shape[0]
    X, z, keys = lgbm_rows(log_y, regimes, horizon, calendar)
    complete = ~np.isnan(X).any(axis=1)
    out = _empty(S, origins, horizon)
    booster = None
    for i, origin in enumerate(origins):
        last = origin - 1
        if booster is None or i % refit_every == 0:
            train = complete & ~np.isnan(z) & (keys[:, 1] + keys[:, 2] <= last)
            if train.sum() >= LGBM_PARAMS["min_data_in_leaf"] * 2:
                data = lightgbm.Dataset(X[train], z[train], categorical_feature=[0])
                booster = lightgbm.train(LGBM_PARAMS, data, num_boost_round=rounds)
        now = keys[:, 1] == last
        change = np.zeros((S, horizon))  # the random walk until there is enough to train on
        if booster is not None and complete[now].all():
            change[keys[now, 0], keys[now, 2] - 1] = booster.predict(X[now])
        for s in range(S):
            seen = log_y[s, max(0, origin - window) : origin]
            _store(out, origin, s, seen, log_y[s, last] + change[s])
    return out


# --- regime switching ----------------------------------------------------------------------


def markov_step(
    x: np.ndarray, params: np.ndarray | None, refit: bool, horizon: int
) -> tuple[np.ndarray | None, np.ndarray]:
    """Fit (or, with ``refit`` False, only filter with ``params``) the two-state switching
    AR(1) on ``x``; returns the parameters and the forecast adjusted changes of the next
    ``horizon`` months (zeros, the random walk, when no fit has succeeded yet)."""
    from statsmodels.tsa.regime_switching.markov_autoregression import MarkovAutoregression

    model = MarkovAutoregression(
        x, k_regimes=2, order=1, switching_ar=False, switching_variance=True
    )
    failures = (np.linalg.LinAlgError, ValueError, RuntimeError)  # statsmodels' fit errors
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter
        try:
            if refit or params is None:
                result = model.fit(disp=False, start_params=params)
            else:
                result = model.filter(params)
        except failures:
            if params is None:
                return None, np.zeros(horizon)  # no estimate yet: the random walk
            try:
                result = model.filter(params)  # the last estimate on this window
            except failures:
                return params, np.zeros(horizon)
    names = model.param_names
    values = np.asarray(result.params, dtype=float)
    mu = np.array([values[names.index(f"const[{k}]")] for k in range(2)])
    phi = values[names.index("ar.L1")]
    transition = np.asarray(result.regime_transition)[:, :, -1]  # [to, from]
    p = np.asarray(result.filtered_marginal_probabilities)[-1]
    gap = x[-1] - p @ mu
    steps = []
    for j in range(1, horizon + 1):
        p = transition @ p
        steps.append(p @ mu + phi**j * gap)
    return values, np.array(steps)


def markov_ar(
    log_y: np.ndarray,
    regimes: np.ndarray | None,
    origins: list[int],
    horizon: int,
    window: int,
    calendar: np.ndarray,
    *,
    refit_every: int = REFIT_EVERY,
) -> Forecasts:
    S = log_y.shape[0]
    out = _empty(S, origins, horizon)
    for s in range(S):
        params: np.ndarray | None = None
        for i, origin in enumerate(origins):
            start = max(0, origin - window)
            seen = log_y[s, start:origin]
            x, factors = fm.adjusted_changes(seen)
            params, steps = markov_step(x, params, i % refit_every == 0, horizon)
            change = np.cumsum(steps + fm.ahead_factors(factors, seen.size - 1, horizon))
            _store(out, origin, s, seen, seen[-1] + change)
    return out


PANEL_MODELS: Mapping[str, PanelModel] = {
    "global_ridge": global_ridge,
    "global_lgbm": global_lgbm,
    "markov_ar": markov_ar,
}
