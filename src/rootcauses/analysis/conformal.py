"""Adaptive conformal inference (Gibbs & Candès 2021) for multi-step forecast intervals.

Per series, model and horizon ``h``, the origins are walked in time order. The score of a
forecast is its absolute error in log space, ``|log(1 + y) − log(1 + ŷ)|``. At each origin the
interval is ``ŷ`` moved by ``± q`` in log space, where ``q`` is the conformal quantile at level
``1 − α_t`` of the scores of the last ``window`` forecasts whose outcome was already observed at
that origin (target month ≤ origin month: an ``h``-step forecast is judged ``h`` months later).
Each time an outcome becomes known, the miss indicator of the interval issued for it updates
``α_{t+1} = α_t + γ (α − miss)``: after misses the intervals widen, after a run of hits they
narrow, so coverage tracks the target level across regimes instead of lagging them as a fixed
calibration window does. ``α_t ≤ 0`` gives the widest interval the scores allow (their maximum),
``α_t ≥ 1`` a zero-width one. Until ``min_scores`` outcomes are known the model's own interval is
kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

GROUP = ("series", "model", "h")


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ⌈(n + 1)·level⌉-th smallest of the n scores (``level`` a fraction), clipped to the
    largest score when the rank exceeds n and 0 when ``level`` ≤ 0; NaN without scores."""
    scores = np.sort(scores[~np.isnan(scores)])
    if not scores.size:
        return float("nan")
    if level <= 0:
        return 0.0
    rank = int(np.ceil((scores.size + 1) * level))
    return float(scores[min(max(rank, 1), scores.size) - 1])


def aci_path(
    origins: np.ndarray,
    targets: np.ndarray,
    errors: np.ndarray,
    *,
    level: float,
    gamma: float,
    window: int,
    min_scores: int,
    own_miss: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths (log space) of the adaptive intervals of one series, model and horizon, and
    the ``α_t`` each was issued with. ``origins`` and ``targets`` are comparable month keys (e.g.
    month numbers), sorted by origin; ``errors`` the log errors (NaN when not observed);
    ``own_miss`` whether the model's own interval missed (used while a half-width is NaN).
    ``level`` is the target coverage as a fraction."""
    n = origins.size
    scores = np.abs(errors)
    half = np.full(n, np.nan)
    alphas = np.full(n, np.nan)
    target_alpha = 1 - level
    alpha = target_alpha
    seen: list[int] = []  # issued forecasts whose outcome is known, in the order they became so
    pending = list(np.argsort(targets, kind="stable"))  # by the month their outcome is known
    for i in range(n):
        while pending and targets[pending[0]] <= origins[i]:
            j = pending.pop(0)
            if np.isnan(scores[j]):
                continue  # no outcome (past the end of the data)
            if np.isnan(half[j]):
                miss = bool(own_miss[j]) if own_miss is not None else False
            else:
                miss = bool(scores[j] > half[j])
            alpha += gamma * (target_alpha - float(miss))
            seen.append(j)
        alphas[i] = alpha
        recent = scores[seen[-window:]]
        if recent.size >= min_scores:
            half[i] = conformal_quantile(recent, 1 - alpha)
    return half, alphas


def adaptive_intervals(
    frame: pd.DataFrame,
    levels: Sequence[int] = (80, 95),
    *,
    gamma: float = 0.05,
    window: int = 36,
    min_scores: int = 6,
) -> pd.DataFrame:
    """``frame`` (series, model, h, origin, month, actual, mean and the model's own lo/hi per
    level) with its bounds replaced by adaptive conformal ones wherever enough outcomes were
    known at the origin, and the ``alpha{level}`` each interval was issued with."""
    out = frame.copy()
    origin_key = _month_key(out["origin"])
    target_key = _month_key(out["month"])
    mean = np.log1p(out["mean"].to_numpy(float))
    error = np.log1p(out["actual"].to_numpy(float)) - mean
    for level in levels:
        lo = out[f"lo{level}"].to_numpy(float).copy()
        hi = out[f"hi{level}"].to_numpy(float).copy()
        actual = out["actual"].to_numpy(float)
        own_miss = (actual < lo) | (actual > hi)
        alpha_column = np.full(len(out), np.nan)
        for _, index in out.groupby(list(GROUP), sort=False).indices.items():
            index = index[np.argsort(origin_key[index], kind="stable")]
            half, alphas = aci_path(
                origin_key[index],
                target_key[index],
                error[index],
                level=level / 100,
                gamma=gamma,
                window=window,
                min_scores=min_scores,
                own_miss=own_miss[index],
            )
            known = ~np.isnan(half)
            rows = index[known]
            lo[rows] = np.clip(np.expm1(mean[rows] - half[known]), 0, None)
            hi[rows] = np.clip(np.expm1(mean[rows] + half[known]), 0, None)
            alpha_column[index] = alphas
        out[f"lo{level}"], out[f"hi{level}"] = lo, hi
        out[f"alpha{level}"] = alpha_column
    for inner, outer in zip(sorted(levels), sorted(levels)[1:], strict=False):
        # each level has its own α: keep the intervals nested all the same
        out[f"lo{outer}"] = np.minimum(out[f"lo{outer}"], out[f"lo{inner}"])
        out[f"hi{outer}"] = np.maximum(out[f"hi{outer}"], out[f"hi{inner}"])
    return out


def _month_key(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values)
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(np.int64)
