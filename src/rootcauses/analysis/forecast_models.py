"""Fast forecasting models on log counts: the random walk and models of growth rates.

Every model here sees ``log(1 + y)`` up to the origin only and returns the forecast median and
its own 80%/95% bounds for ``h`` months (statsforecast's output shape), which the backtest's
adaptive conformal step later replaces. The own bounds are the empirical quantiles of the absolute
``k``-month log changes in the training window (those of a random walk).

* ``random_walk`` — the last value carried forward: the reference every model must beat.
* ``seasonal_rw`` — the last value plus the usual change between the same calendar months (the
  median over the last three years of ``ℓ[t+h−12k] − ℓ[t−12k]``): a random walk on seasonally
  adjusted growth.
* ``growth`` — ``seasonal_rw`` plus the seasonally adjusted growth of the last three months,
  damped geometrically (φ = 0.6) over the horizon.
* ``seasonal_ar`` — an AR(1) without constant on seasonally adjusted monthly log changes: the
  seasonal factors are the calendar-month means of the window's one-month changes (less their
  mean, so no drift), and the adjusted change decays as φʰ from its last value (φ by least
  squares on the window). A random walk plus a stable seasonal profile plus estimated momentum.
* ``global_ridge`` (:func:`global_forecasts`) — one ridge regression per horizon, pooled across
  the series (a global model), of the ``h``-month log change on what is known at the origin: the
  1-, 3- and 12-month log changes, the seasonal change of ``seasonal_rw``, the gap to the 12-month
  mean, and the policy regimes in force at the origin. Refitted at every origin on the rows whose
  outcome was observed by then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = (80, 95)
SEASON = 12
YEARS = 3  # past years in the seasonal change
BASE_FEATURES = 5  # the features of global_features before the regimes


def seasonal_change(log_y: np.ndarray, t: int, h: int, season: int = SEASON) -> float:
    """Median over the last ``YEARS`` years of the change from month ``t − season·k`` to
    ``t + h − season·k`` (0 when no year is available); ``t`` is an index into ``log_y``."""
    changes = [
        log_y[t + h - season * k] - log_y[t - season * k]
        for k in range(1, YEARS + 1)
        if t - season * k >= 0 and t + h - season * k < log_y.size
    ]
    return float(np.median(changes)) if changes else 0.0


def own_bounds(log_y: np.ndarray, mean: np.ndarray) -> dict[str, np.ndarray]:
    """Bounds from the empirical quantiles of absolute k-month log changes in ``log_y``."""
    out = {"mean": mean}
    h = mean.size
    for level in LEVELS:
        half = np.empty(h)
        for k in range(1, h + 1):
            changes = np.abs(log_y[k:] - log_y[:-k]) if log_y.size > k else np.zeros(1)
            half[k - 1] = np.quantile(changes, level / 100)
        out[f"lo-{level}"] = mean - half
        out[f"hi-{level}"] = mean + half
    return out


@dataclass
class RandomWalk:
    name: str = "random_walk"
    uses_exog: bool = False

    def forecast(self, y, h, X=None, X_future=None):
        return own_bounds(y, np.full(h, y[-1]))


@dataclass
class SeasonalRandomWalk:
    name: str = "seasonal_rw"
    uses_exog: bool = False
    season: int = SEASON

    def forecast(self, y, h, X=None, X_future=None):
        t = y.size - 1
        steps = np.array([seasonal_change(y, t, k, self.season) for k in range(1, h + 1)])
        return own_bounds(y, y[-1] + steps)


def seasonal_factors(log_y: np.ndarray, season: int = SEASON) -> np.ndarray:
    """Mean one-month log change per position in the season (position ``i % season`` of the
    change ending at index ``i``), less the mean over positions; zeros for too short a series."""
    changes = np.diff(log_y)
    phase = np.arange(1, log_y.size) % season
    if changes.size < season:
        return np.zeros(season)
    factors = np.array([changes[phase == p].mean() for p in range(season)])
    return factors - factors.mean()


def adjusted_changes(log_y: np.ndarray, season: int = SEASON) -> tuple[np.ndarray, np.ndarray]:
    """The seasonally adjusted one-month log changes of ``log_y`` (the change ending at index
    ``i`` less its position's factor) and the factors (:func:`seasonal_factors`)."""
    factors = seasonal_factors(log_y, season)
    return np.diff(log_y) - factors[np.arange(1, log_y.size) % season], factors


def ahead_factors(factors: np.ndarray, last: int, h: int) -> np.ndarray:
    """The seasonal factors of the ``h`` changes after index ``last``."""
    return factors[(last + np.arange(1, h + 1)) % factors.size]


@dataclass
class SeasonalAR:
    name: str = "seasonal_ar"
    uses_exog: bool = False
    season: int = SEASON

    def forecast(self, y, h, X=None, X_future=None):
        x, factors = adjusted_changes(y, self.season)
        lagged, now = x[:-1], x[1:]
        denominator = float(lagged @ lagged)
        phi = float(lagged @ now) / denominator if denominator > 0 else 0.0
        phi = float(np.clip(phi, -0.99, 0.99))  # a stationary AR(1), whatever the window
        momentum = x[-1] * phi ** np.arange(1, h + 1) if x.size else np.zeros(h)
        steps = momentum + ahead_factors(factors, y.size - 1, h)
        return own_bounds(y, y[-1] + np.cumsum(steps))


@dataclass
class DampedGrowth:
    name: str = "growth"
    uses_exog: bool = False
    season: int = SEASON
    phi: float = 0.6
    recent: int = 3

    def forecast(self, y, h, X=None, X_future=None):
        t = y.size - 1
        adjusted = [
            (y[s] - y[s - 1]) - seasonal_change(y, s - 1, 1, self.season)
            for s in range(max(1, t - self.recent + 1), t + 1)
        ]
        momentum = float(np.mean(adjusted)) if adjusted else 0.0
        damped = np.cumsum(self.phi ** np.arange(1, h + 1)) * momentum
        steps = np.array([seasonal_change(y, t, k, self.season) for k in range(1, h + 1)])
        return own_bounds(y, y[-1] + steps + damped)


# --- the global model -----------------------------------------------------------------------


def global_features(
    log_y: np.ndarray, regimes: np.ndarray | None, h: int, season: int = SEASON
) -> tuple[np.ndarray, np.ndarray]:
    """Features (series × month × feature) known at each month ``t`` for the change to
    ``t + h``, and that change (series × month; NaN where ``t + h`` is past the data).
    ``log_y`` is series × month; ``regimes`` month × regime (the policy in force at ``t``)."""
    S, T = log_y.shape
    nan = np.full((S, T), np.nan)

    def lagged_change(k: int) -> np.ndarray:
        out = nan.copy()
        out[:, k:] = log_y[:, k:] - log_y[:, :-k]
        return out

    seasonal = np.full((S, T), np.nan)
    for s in range(S):
        for t in range(season, T):
            seasonal[s, t] = seasonal_change(log_y[s], t, h, season)
    mean12 = nan.copy()
    if season <= T:
        window = np.lib.stride_tricks.sliding_window_view(log_y, season, axis=1).mean(axis=2)
        mean12[:, season - 1 :] = window
    columns = [
        lagged_change(1),
        lagged_change(3),
        lagged_change(season),
        seasonal,
        log_y - mean12,
    ]
    if regimes is not None and regimes.shape[1]:
        columns += [np.broadcast_to(regimes[:T, r], (S, T)) for r in range(regimes.shape[1])]
    features = np.stack(columns, axis=2)
    target = nan.copy()
    target[:, : T - h] = log_y[:, h:] - log_y[:, : T - h]
    return features, target


def ridge_fit(X: np.ndarray, z: np.ndarray, penalty: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression with an unpenalised intercept on standardised columns; returns the
    coefficients on the original scale (intercept first) and the residuals."""
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    Xs = (X - mean) / std
    A = Xs.T @ Xs + penalty * len(z) * np.eye(X.shape[1])
    beta = np.linalg.solve(A, Xs.T @ (z - z.mean()))
    coef = beta / std
    intercept = z.mean() - mean @ coef
    residuals = z - intercept - X @ coef
    return np.concatenate([[intercept], coef]), residuals


def global_forecasts(
    log_y: np.ndarray,
    regimes: np.ndarray | None,
    origins: list[int],
    horizon: int,
    window: int,
    *,
    penalty: float = 0.05,
    min_rows: int = 24,
) -> dict[int, dict[str, np.ndarray]]:
    """Per origin (months seen), per series, the ``global_ridge`` forecast of ``log_y``:
    ``{origin: {"mean": series × h, "lo-80": …}}``. Training rows for horizon ``k`` are the
    months ``t`` in the window with ``t + k`` observed by the origin (``t + k < origin``)."""
    S = log_y.shape[0]
    out = {o: {"mean": np.full((S, horizon), np.nan)} for o in origins}
    for o in origins:
        for level in LEVELS:
            out[o][f"lo-{level}"] = np.full((S, horizon), np.nan)
            out[o][f"hi-{level}"] = np.full((S, horizon), np.nan)
    for k in range(1, horizon + 1):
        features, target = global_features(log_y, regimes, k)
        for o in origins:
            last = o - 1  # the origin month's index
            start = max(0, o - window)
            rows_x = features[:, start : o - k].reshape(-1, features.shape[2])
            rows_z = target[:, start : o - k].reshape(-1)
            keep = ~np.isnan(rows_x).any(axis=1) & ~np.isnan(rows_z)
            x_now = features[:, last]
            # a regime enters only once the training rows have seen it both on and off often
            # enough to estimate its effect; otherwise one month's shock would be extrapolated
            on = rows_x[keep][:, BASE_FEATURES:] > 0
            seen = (on.sum(axis=0) >= min_rows) & ((~on).sum(axis=0) >= min_rows)
            use = np.concatenate([np.ones(BASE_FEATURES, bool), seen])
            if keep.sum() < min_rows or np.isnan(x_now[:, use]).any():
                change = np.zeros(S)  # too little history: the random walk
                residuals = np.abs(rows_z[~np.isnan(rows_z)]) if (~np.isnan(rows_z)).any() else [0]
            else:
                coef, residuals = ridge_fit(rows_x[keep][:, use], rows_z[keep], penalty)
                change = coef[0] + x_now[:, use] @ coef[1:]
                # never beyond the changes seen in training
                change = np.clip(change, rows_z[keep].min(), rows_z[keep].max())
            mean = log_y[:, last] + change
            out[o]["mean"][:, k - 1] = mean
            for level in LEVELS:
                half = float(np.quantile(np.abs(residuals), level / 100))
                out[o][f"lo-{level}"][:, k - 1] = mean - half
                out[o][f"hi-{level}"][:, k - 1] = mean + half
    return out
