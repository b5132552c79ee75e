"""Conformal intervals for multi-step forecasts: a locally weighted score (Lei et al. 2018) over a
rolling window, with an optional adaptive-conformal step (Gibbs & Candès 2021).

Per series, model and horizon ``h``, the origins are walked in time order. A forecast's error is
``e = log(1 + y) − log(1 + ŷ)`` and its score ``|e| / s``, where the *local scale* ``s`` is known
at the forecast's origin: ``s = σ^p`` with ``σ`` the exponentially weighted mean (half-life
``scale_halflife`` months) of the absolute one-month-ahead errors of the same series and model
whose outcome was known at that origin (at least ``min_scores`` of them), and ``p`` the
``scale_power`` (0 = the plain absolute error). The interval is ``ŷ`` moved by ``± q · s`` in log
space, with ``q`` the conformal quantile at level ``1 − α_t`` of the scores of the last
``window`` forecasts whose outcome was already observed at the origin (target month ≤ origin
month: an ``h``-step forecast is judged ``h`` months later). So the intervals widen the month
after a large move and narrow in calm spells, instead of waiting ``h`` months for the misses.

With ``gamma`` > 0, each outcome that becomes known updates ``α_{t+1} = α_t + γ (α − miss)``
from the miss indicator of the interval issued for it (ACI); ``α_t ≤ 0`` gives the widest
interval the scores allow (their maximum), ``α_t ≥ 1`` a zero-width one. ``gamma = 0`` keeps
``α_t = α``. Until ``min_scores`` outcomes are known (or while the scale is unknown) the model's
own interval is kept.

Optional, off by default (``reversion_span`` 0): a *reversion scorecaster* that moves the
interval's centre by ``β · g``, where ``g`` is the gap at the origin between the log level and its
mean over the last ``reversion_span`` months, and ``β ≤ 0`` the least-squares slope (through 0)
of the log errors on those gaps over the forecasts of the same model and horizon, pooled across
series, whose outcome was known at the origin within the last ``reversion_window`` months (0
until ``REVERSION_MIN_ROWS`` are). The scores are then those of the shifted forecasts as they were
issued (``|e − β g| / s``), and the interval is stretched to contain the forecast itself; with
``reversion_union`` it is also stretched to contain the unshifted interval. On the backtest, the
misses of these series at long horizons pointed back towards the recent mean of the level (an
association in past errors, not a mechanism), so the shifted intervals score better there
(weighted interval score). They stay off by default: like every other setting tried, none meets
the goal of 70% coverage in every year, and they were chosen on that same backtest
(bench/forecast_backtest.py compares them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.errors import ForecastError

GROUP = ("series", "model", "h")
SCALE_GROUP = ("series", "model")
SCALE_FLOOR = 1e-3  # a mean one-month log error below 0.1% counts as 0.1%: no division by ~0
REVERSION_GROUP = ("model", "h")  # the reversion slope is pooled across series
REVERSION_MIN_ROWS = 24  # known outcomes before a reversion slope is fitted (0 until then)


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


def local_scale(
    origins: np.ndarray,
    targets: np.ndarray,
    errors: np.ndarray,
    *,
    halflife: float,
    min_count: int,
) -> np.ndarray:
    """At each origin, the exponentially weighted mean of ``|errors|`` over the forecasts whose
    target month is at or before that origin, in target order (weights ``0.5^(age/halflife)``,
    normalised over the values known); NaN while fewer than ``min_count`` are known. ``origins``
    and ``targets`` are comparable month keys; NaN errors (outcome not observed) are skipped."""
    decay = 0.5 ** (1 / halflife)
    order = np.argsort(targets, kind="stable")
    out = np.full(origins.size, np.nan)
    total = weight = 0.0
    count = position = 0
    for i in np.argsort(origins, kind="stable"):
        while position < order.size and targets[order[position]] <= origins[i]:
            value = errors[order[position]]
            position += 1
            if np.isnan(value):
                continue
            total, weight, count = decay * total + abs(value), decay * weight + 1, count + 1
        if count >= min_count:
            out[i] = total / weight
    return out


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
    scale: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths (log space) of the conformal intervals of one series, model and horizon, and
    the ``α_t`` each was issued with. ``origins`` and ``targets`` are comparable month keys (e.g.
    month numbers), sorted by origin; ``errors`` the log errors (NaN when not observed);
    ``scale`` the local scale known at each origin (NaN: unknown; None: 1);
    ``own_miss`` whether the model's own interval missed (used while a half-width is NaN).
    ``level`` is the target coverage as a fraction."""
    n = origins.size
    spread = np.ones(n) if scale is None else scale
    scores = np.abs(errors) / spread
    half = np.full(n, np.nan)
    alphas = np.full(n, np.nan)
    target_alpha = 1 - level
    alpha = target_alpha
    seen: list[int] = []  # issued forecasts whose outcome is known, in the order they became so
    pending = list(np.argsort(targets, kind="stable"))  # by the month their outcome is known
    for i in range(n):
        while pending and targets[pending[0]] <= origins[i]:
            j = pending.pop(0)
            if np.isnan(errors[j]):
                continue  # no outcome (past the end of the data)
            if np.isnan(half[j]):
                miss = bool(own_miss[j]) if own_miss is not None else False
            else:
                miss = bool(abs(errors[j]) > half[j])
            alpha += gamma * (target_alpha - float(miss))
            if not np.isnan(scores[j]):
                seen.append(j)
        alphas[i] = alpha
        recent = scores[seen[-window:]]
        if recent.size >= min_scores and not np.isnan(spread[i]):
            half[i] = conformal_quantile(recent, 1 - alpha) * spread[i]
    return half, alphas


def level_gap(frame: pd.DataFrame, span: int, observed: pd.DataFrame | None = None) -> np.ndarray:
    """Per row, ``log(1 + level)`` of its series at its origin minus the mean of that over the
    ``span`` months ending at the origin (at least half of them known; NaN otherwise). The levels
    are ``observed`` (months × series) when given, else the frame's own outcomes (the actual of
    any row whose target is that month): only months up to the origin enter."""
    if observed is None:
        known = frame.dropna(subset=["actual"])
        months = pd.to_datetime(known["month"])
        levels = known["actual"].groupby([months, known["series"]]).first().unstack()
    else:
        levels = observed.copy()
        levels.index = pd.to_datetime(levels.index)
    logs = np.log1p(levels.astype(float).sort_index())
    logs = logs.reindex(pd.date_range(logs.index.min(), logs.index.max(), freq="MS"))
    gap = logs - logs.rolling(span, min_periods=max(span // 2, 1)).mean()
    origin_key = _month_key(pd.Series(gap.index))
    rows = pd.Index(origin_key).get_indexer(_month_key(frame["origin"]))
    columns = gap.columns.get_indexer(frame["series"])
    values = gap.to_numpy()
    found = (rows >= 0) & (columns >= 0)
    out = np.full(len(frame), np.nan)
    out[found] = values[rows[found], columns[found]]
    return out


def reversion_slopes(
    origins: np.ndarray,
    targets: np.ndarray,
    errors: np.ndarray,
    gaps: np.ndarray,
    *,
    window: int,
    min_count: int = REVERSION_MIN_ROWS,
) -> np.ndarray:
    """Per row, the slope ``β = min(0, Σ g e / Σ g²)`` of the log errors ``e`` on the level gaps
    ``g`` of the rows whose target month is in (origin − ``window``, origin] (outcome known at
    the origin); 0 while fewer than ``min_count`` such rows (with both values) are known.
    ``origins`` and ``targets`` are comparable month keys."""
    usable = ~np.isnan(errors) & ~np.isnan(gaps)
    order = np.flatnonzero(usable)[np.argsort(targets[usable], kind="stable")]
    known = targets[order]
    cross = np.concatenate([[0.0], np.cumsum(gaps[order] * errors[order])])
    square = np.concatenate([[0.0], np.cumsum(gaps[order] ** 2)])
    last = np.searchsorted(known, origins, side="right")
    first = np.searchsorted(known, origins - window, side="right")
    count, sxy, sxx = last - first, cross[last] - cross[first], square[last] - square[first]
    slope = np.divide(sxy, sxx, out=np.zeros(origins.size), where=sxx > 0)
    return np.where(count >= min_count, np.minimum(slope, 0.0), 0.0)


def adaptive_intervals(
    frame: pd.DataFrame,
    levels: Sequence[int] = (80, 95),
    *,
    gamma: float = 0.0,
    window: int = 36,
    min_scores: int = 6,
    scale_halflife: float = 12.0,
    scale_power: float = 0.5,
    reversion_span: int = 0,
    reversion_window: int = 60,
    reversion_union: bool = False,
    observed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``frame`` (series, model, h, origin, month, actual, mean and the model's own lo/hi per
    level) with its bounds replaced by conformal ones wherever enough outcomes were known at the
    origin, the ``alpha{level}`` each interval was issued with and the ``local_scale`` ``s``
    (``scale_power`` 0: no local scale; ``σ`` is floored at ``SCALE_FLOOR``). With
    ``reversion_span`` > 0 the centres move by the reversion scorecaster (module docstring;
    ``observed``, months × series, gives the levels' history, else the frame's outcomes do) and
    a ``reversion_shift`` column (log space) is added; ``gamma`` then counts misses of the
    shifted interval before it is stretched to contain the forecast."""
    if reversion_span < 0 or reversion_window <= 0:
        raise ForecastError(
            f"reversion_span must be 0 (off) or more and reversion_window positive, got "
            f"{reversion_span} and {reversion_window} months"
        )
    out = frame.copy()
    origin_key = _month_key(out["origin"])
    target_key = _month_key(out["month"])
    mean = np.log1p(out["mean"].to_numpy(float))
    error = np.log1p(out["actual"].to_numpy(float)) - mean
    scale = _local_scales(out, origin_key, target_key, error, scale_halflife, min_scores)
    scale = np.maximum(scale, SCALE_FLOOR) ** scale_power if scale_power else np.ones(len(out))
    shift = np.zeros(len(out))
    if reversion_span:
        gap = level_gap(out, reversion_span, observed)
        for _, index in out.groupby(list(REVERSION_GROUP), sort=False).indices.items():
            slope = reversion_slopes(
                origin_key[index],
                target_key[index],
                error[index],
                gap[index],
                window=reversion_window,
            )
            shift[index] = np.nan_to_num(slope * gap[index])
    residual = error - shift
    for level in levels:
        lo = out[f"lo{level}"].to_numpy(float).copy()
        hi = out[f"hi{level}"].to_numpy(float).copy()
        actual = out["actual"].to_numpy(float)
        own_miss = (actual < lo) | (actual > hi)
        alpha_column = np.full(len(out), np.nan)
        for _, index in out.groupby(list(GROUP), sort=False).indices.items():
            index = index[np.argsort(origin_key[index], kind="stable")]
            path = dict(
                level=level / 100,
                gamma=gamma,
                window=window,
                min_scores=min_scores,
                own_miss=own_miss[index],
                scale=scale[index],
            )
            origins, targets = origin_key[index], target_key[index]
            half, alphas = aci_path(origins, targets, residual[index], **path)
            centre = mean[index] + shift[index]
            low = np.minimum(centre - half, mean[index])  # the forecast stays inside
            high = np.maximum(centre + half, mean[index])
            if reversion_union and reversion_span:
                plain, _ = aci_path(origins, targets, error[index], **path)
                low = np.minimum(low, mean[index] - plain)
                high = np.maximum(high, mean[index] + plain)
            known = ~np.isnan(half)
            rows = index[known]
            lo[rows] = np.clip(np.expm1(low[known]), 0, None)
            hi[rows] = np.clip(np.expm1(high[known]), 0, None)
            alpha_column[index] = alphas
        out[f"lo{level}"], out[f"hi{level}"] = lo, hi
        out[f"alpha{level}"] = alpha_column
    out["local_scale"] = scale
    if reversion_span:
        out["reversion_shift"] = shift
    for inner, outer in zip(sorted(levels), sorted(levels)[1:], strict=False):
        # each level has its own α: keep the intervals nested all the same
        out[f"lo{outer}"] = np.minimum(out[f"lo{outer}"], out[f"lo{inner}"])
        out[f"hi{outer}"] = np.maximum(out[f"hi{outer}"], out[f"hi{inner}"])
    return out


def _local_scales(
    frame: pd.DataFrame,
    origin_key: np.ndarray,
    target_key: np.ndarray,
    error: np.ndarray,
    halflife: float,
    min_count: int,
) -> np.ndarray:
    """Per row, the local scale ``σ`` of its series and model at its origin, from that series'
    and model's one-month-ahead errors (NaN where fewer than ``min_count`` were known)."""
    scale = np.full(len(frame), np.nan)
    horizon = frame["h"].to_numpy()
    for _, index in frame.groupby(list(SCALE_GROUP), sort=False).indices.items():
        one = index[horizon[index] == 1]
        if not one.size:
            continue
        at_origin = local_scale(
            origin_key[one], target_key[one], error[one], halflife=halflife, min_count=min_count
        )
        known = pd.Series(at_origin, index=origin_key[one]).groupby(level=0).first()
        scale[index] = known.reindex(origin_key[index]).to_numpy()
    return scale


def _month_key(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values)
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(np.int64)
