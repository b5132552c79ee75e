"""Forecast accuracy metrics, as pure functions on arrays (NaN where undefined).

* MASE: absolute error divided by the in-sample mean absolute error of a naive forecast on the
  training data of the same origin: the one-step random walk (``naive_scale``, lag 1, what the
  forecast leaderboard uses) or the seasonal naive (``seasonal_naive_scale``, lag ``m``).
* sMAPE: ``200 · |y − ŷ| / (|y| + |ŷ|)``, in percent (0 when both are 0).
* Coverage: 1 when the actual lies inside ``[lo, hi]`` (inclusive), else 0; averaged by callers.
* Relative width: interval width divided by the actual, so series of different size compare.
* Weighted interval score (WIS, Bracher et al. 2021): a proper score of the whole predictive
  distribution given as a median and central intervals,
  ``(0.5·|y − m| + Σ_k α_k/2 · IS_{α_k}) / (K + ½)``, which equals twice the mean pinball loss over
  the 2K + 1 quantiles; computed with utilsforecast's ``mqloss``. It approximates the CRPS.
* Diebold–Mariano test of equal accuracy of two forecasts at horizon ``h``, with the
  Harvey–Leybourne–Newbold small-sample correction (compared with Student's t, n − 1 d.f.).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def naive_scale(train: ArrayLike, lag: int = 1) -> float:
    """Mean absolute ``lag``-month difference of the training data (a MASE denominator):
    lag 1 is the in-sample error of the random walk."""
    y = np.asarray(train, dtype=float)
    if y.size <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
    return scale if scale > 0 else float("nan")


def seasonal_naive_scale(train: ArrayLike, season: int = 12) -> float:
    """Mean absolute seasonal difference of the training data."""
    return naive_scale(train, season)


def mase(actual: ArrayLike, forecast: ArrayLike, scale: ArrayLike | float) -> np.ndarray:
    return np.abs(np.asarray(actual, float) - np.asarray(forecast, float)) / np.asarray(
        scale, float
    )


def smape(actual: ArrayLike, forecast: ArrayLike) -> np.ndarray:
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    denominator = np.abs(a) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 200 * np.abs(a - f) / denominator
    return np.where(denominator == 0, 0.0, value)


def covered(actual: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> np.ndarray:
    a = np.asarray(actual, float)
    return ((a >= np.asarray(lo, float)) & (a <= np.asarray(hi, float))).astype(float)


def relative_width(actual: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> np.ndarray:
    a = np.asarray(actual, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a > 0, (np.asarray(hi, float) - np.asarray(lo, float)) / a, np.nan)


def weighted_interval_score(
    actual: ArrayLike,
    median: ArrayLike,
    intervals: Sequence[tuple[float, ArrayLike, ArrayLike]],
) -> np.ndarray:
    """Per row, the WIS of a predictive distribution given by its ``median`` and central
    intervals ``(level, lo, hi)`` (level in percent, e.g. ``(80, lo80, hi80)``); NaN where the
    actual is missing. Same units as the actual."""
    from utilsforecast.losses import mqloss

    y = np.asarray(actual, float)
    columns: dict[str, np.ndarray] = {"q0.5": np.asarray(median, float)}
    for level, lo, hi in intervals:
        tail = (100 - level) / 200
        columns[f"q{tail}"] = np.asarray(lo, float)
        columns[f"q{1 - tail}"] = np.asarray(hi, float)
    names = sorted(columns, key=lambda name: float(name[1:]))
    quantiles = np.array([float(name[1:]) for name in names])
    frame = pd.DataFrame({"unique_id": np.arange(y.size), "y": np.nan_to_num(y), **columns})
    loss = mqloss(frame, models={"m": names}, quantiles=quantiles)
    score = 2 * loss.sort_values("unique_id")["m"].to_numpy(float)
    return np.where(np.isnan(y), np.nan, score)


@dataclass(frozen=True)
class DieboldMariano:
    statistic: float  # HLN-corrected; negative when the first forecast has the smaller loss
    p_value: float  # two-sided, Student's t with n − 1 degrees of freedom
    n: int
    mean_difference: float  # mean of loss_a − loss_b


def diebold_mariano(loss_a: ArrayLike, loss_b: ArrayLike, h: int = 1) -> DieboldMariano:
    """Diebold–Mariano (1995) test that two forecasts at horizon ``h`` have equal expected loss,
    from their per-origin losses (consecutive origins, pairs with a NaN dropped). The variance of
    the mean difference uses the autocovariances up to lag ``h − 1`` (h-step errors overlap);
    when that estimate is not positive, Bartlett weights are used instead. The statistic is
    multiplied by the Harvey–Leybourne–Newbold (1997) factor
    ``√((n + 1 − 2h + h(h − 1)/n) / n)``."""
    from scipy.special import stdtr  # Student's t CDF (lighter than scipy.stats)

    a, b = np.asarray(loss_a, float), np.asarray(loss_b, float)
    d = (a - b)[~(np.isnan(a) | np.isnan(b))]
    n = d.size
    if n < 2 or h < 1:
        return DieboldMariano(float("nan"), float("nan"), n, float("nan"))
    mean = float(d.mean())
    dev = d - mean
    gamma = [float(dev[k:] @ dev[: n - k]) / n for k in range(min(h, n))]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    if variance <= 0:  # the truncated estimate can be negative: fall back to Bartlett
        lags = len(gamma)
        variance = (gamma[0] + 2 * sum((1 - k / lags) * gamma[k] for k in range(1, lags))) / n
    if variance <= 0:
        p = 1.0 if mean == 0 else 0.0
        return DieboldMariano(float("nan") if mean == 0 else np.sign(mean) * np.inf, p, n, mean)
    statistic = mean / np.sqrt(variance)
    statistic *= np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    p_value = float(2 * stdtr(n - 1, -abs(statistic)))
    return DieboldMariano(float(statistic), p_value, n, mean)
