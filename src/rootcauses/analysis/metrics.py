"""Forecast accuracy metrics, as pure functions on arrays (NaN where undefined).

* MASE: absolute error divided by the in-sample mean absolute error of the seasonal naive
  forecast (lag ``m``, 12 for monthly data) on the training data of the same origin.
* sMAPE: ``200 · |y − ŷ| / (|y| + |ŷ|)``, in percent (0 when both are 0).
* Coverage: 1 when the actual lies inside ``[lo, hi]`` (inclusive), else 0; averaged by callers.
* Relative width: interval width divided by the actual, so series of different size compare.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def seasonal_naive_scale(train: ArrayLike, season: int = 12) -> float:
    """Mean absolute seasonal difference of the training data (the MASE denominator)."""
    y = np.asarray(train, dtype=float)
    if y.size <= season:
        return float("nan")
    scale = float(np.mean(np.abs(y[season:] - y[:-season])))
    return scale if scale > 0 else float("nan")


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
