from typing import Any

import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import conformal
from rootcauses.errors import ForecastError


def test_conformal_quantile_by_hand() -> None:
    scores = np.arange(1.0, 10.0)  # nine scores: the 80% quantile is the ⌈10 · 0.8⌉ = 8th
    assert conformal.conformal_quantile(scores, 0.8) == 8
    assert conformal.conformal_quantile(np.append(scores, np.nan), 0.8) == 8  # NaN ignored
    assert conformal.conformal_quantile(scores, 1.2) == 9  # α < 0: the largest score
    assert conformal.conformal_quantile(scores, 0.0) == 0  # α ≥ 1: zero width
    assert np.isnan(conformal.conformal_quantile(np.array([np.nan]), 0.8))


def test_alpha_moves_by_gamma_after_a_miss_and_a_hit() -> None:
    # h = 1: origin k's outcome is known at origin k + 1. The models' own intervals (no miss
    # flags given: hits) raise α six times by γ·α = 0.02 to 0.32; the first conformal interval,
    # from scores 1..6 at level 0.68, is the ⌈7 · 0.68⌉ = 5th: 5.
    origins = np.arange(10)
    errors = np.array([1, 2, 3, 4, 5, 6, 100, 0.5, 0.5, 0.5], dtype=float)
    half, alphas = conformal.aci_path(
        origins, origins + 1, errors, level=0.8, gamma=0.1, window=50, min_scores=6
    )
    assert np.isnan(half[:6]).all()  # too few outcomes: the model's own interval
    assert alphas[6] == pytest.approx(0.32) and half[6] == 5
    # origin 6's error (100) missed: α drops by γ(1 − α) → the interval widens at origin 7
    assert alphas[7] == pytest.approx(alphas[6] + 0.1 * (0.2 - 1))
    # level 0.76 over scores 1..6, 100: the ⌈8 · 0.76⌉ = 7th, i.e. 100
    assert alphas[7] == pytest.approx(0.24) and half[7] == 100
    # origin 7's error (0.5) is covered: α rises by γ·α
    assert alphas[8] == pytest.approx(alphas[7] + 0.1 * 0.2)


def test_an_h_step_forecast_is_judged_only_once_its_outcome_is_known() -> None:
    # h = 3: the forecast made at origin k is observed at month k + 3
    origins = np.arange(40)
    errors = np.full(40, 0.1)
    later = errors.copy()
    later[25:] = 9.0  # huge errors of forecasts whose outcome comes after origin 27
    kwargs: dict[str, Any] = dict(level=0.8, gamma=0.05, window=20, min_scores=6)
    half, _ = conformal.aci_path(origins, origins + 3, errors, **kwargs)
    changed, _ = conformal.aci_path(origins, origins + 3, later, **kwargs)
    np.testing.assert_array_equal(half[:28], changed[:28])  # origin 27 sees targets ≤ 27
    assert (changed[28:] > half[28:]).any()  # and later ones do see them


def _frame(errors: np.ndarray) -> pd.DataFrame:
    months = pd.date_range("2000-01-01", periods=len(errors) + 1, freq="MS")
    return pd.DataFrame(
        {
            "series": "S",
            "model": "m",
            "h": 1,
            "origin": months[:-1],
            "month": months[1:],
            "mean": 100.0,
            "actual": 100 * np.exp(errors) - 1 + np.exp(errors),  # log1p(actual) − log1p(100)
            "lo80": 1.0,
            "hi80": 1e9,
            "lo95": 0.5,
            "hi95": 2e9,
        }
    )


def test_adaptive_intervals_track_coverage_across_a_change_in_volatility() -> None:
    rng = np.random.default_rng(0)
    errors = np.concatenate([rng.normal(0, 0.1, 300), rng.normal(0, 0.5, 300)])
    out = conformal.adaptive_intervals(
        _frame(errors), (80, 95), gamma=0.05, window=36, scale_power=0
    )
    covered = (out["actual"] >= out["lo80"]) & (out["actual"] <= out["hi80"])
    late = covered[360:]  # after the change, once the scores have turned over
    assert 0.72 < covered[36:300].mean() < 0.88 and 0.72 < late.mean() < 0.88
    # a fixed interval calibrated before the change would cover far less afterwards
    fixed = np.quantile(np.abs(errors[:300]), 0.8)
    assert (np.abs(errors[300:]) <= fixed).mean() < 0.5
    # the intervals are symmetric in log space around the forecast and nested
    mean = np.log1p(out["mean"])
    np.testing.assert_allclose(
        (np.log1p(out["hi80"]) - mean)[10:], (mean - np.log1p(out["lo80"]))[10:], rtol=1e-9
    )
    assert (out["lo95"] <= out["lo80"]).all() and (out["hi95"] >= out["hi80"]).all()
    assert out["alpha80"].notna().all()


def test_own_intervals_are_kept_until_enough_outcomes_are_known() -> None:
    out = conformal.adaptive_intervals(_frame(np.zeros(10)), (80,), min_scores=6, scale_power=0)
    assert (out["lo80"].iloc[:6] == 1.0).all() and (out["hi80"].iloc[:6] == 1e9).all()
    assert (out["hi80"].iloc[6:] < 1e9).all()
    # with a local scale, six one-month errors must be known for the scale, then six scores
    scaled = conformal.adaptive_intervals(_frame(np.zeros(20)), (80,), min_scores=6)
    assert (scaled["hi80"].iloc[:12] == 1e9).all() and (scaled["hi80"].iloc[12:] < 1e9).all()
    assert scaled["local_scale"].iloc[:6].isna().all()
    # zero errors: the scale is floored, never zero
    assert (scaled["local_scale"].iloc[6:] == conformal.SCALE_FLOOR**0.5).all()


def test_local_scale_by_hand() -> None:
    # h = 1: the error of the forecast made at origin k is known at origin k + 1
    origins = np.arange(5)
    errors = np.array([0.1, -0.3, 0.2, np.nan, 0.4])  # origin 3's outcome is not observed
    scale = conformal.local_scale(origins, origins + 1, errors, halflife=1, min_count=2)
    assert np.isnan(scale[:2]).all()  # fewer than two errors known
    # origin 2 knows 0.1 and |−0.3|, the older weighted by 0.5^(1/1): (0.3 + 0.5·0.1) / 1.5
    assert scale[2] == pytest.approx(0.35 / 1.5)
    # origin 3 adds 0.2: (0.2 + 0.5·0.3 + 0.25·0.1) / 1.75
    assert scale[3] == pytest.approx(0.375 / 1.75)
    assert scale[4] == scale[3]  # the NaN outcome is skipped


def test_a_scaled_interval_by_hand() -> None:
    # h = 1, γ = 0: scores |e| / s; five scores known at origin 5: 1/1, 2/2, 3/1, 4/4, 10/2
    # = 1, 1, 3, 1, 5; the 60% quantile is the ⌈6 · 0.6⌉ = 4th smallest, 3; the interval at
    # origin 5 is ± 3 · s₅ = ± 3 · 0.5
    origins = np.arange(6)
    errors = np.array([1.0, -2, 3, 4, -10, 0])
    scale = np.array([1.0, 2, 1, 4, 2, 0.5])
    half, alphas = conformal.aci_path(
        origins, origins + 1, errors, level=0.6, gamma=0.0, window=10, min_scores=5, scale=scale
    )
    assert np.isnan(half[:5]).all() and half[5] == pytest.approx(1.5)
    np.testing.assert_allclose(alphas, 0.4)  # γ = 0: α never moves
    # an unknown scale at the origin keeps the model's own interval; its score is not used
    scale[5] = np.nan
    half, _ = conformal.aci_path(
        origins, origins + 1, errors, level=0.6, gamma=0.0, window=10, min_scores=5, scale=scale
    )
    assert np.isnan(half[5])


def _walk_frame(seed: int, months: int = 240, jump: int = 180, horizon: int = 6) -> pd.DataFrame:
    """Random-walk forecasts (the last value carried forward) at horizons 1..``horizon`` of a
    log random walk whose monthly standard deviation jumps from 0.05 to 0.25 at ``jump``."""
    rng = np.random.default_rng(seed)
    log_y = 8 + np.cumsum(rng.normal(0, np.where(np.arange(months) < jump, 0.05, 0.25)))
    dates = pd.date_range("2000-01-01", periods=months, freq="MS")
    grid = np.meshgrid(np.arange(months - horizon), np.arange(1, horizon + 1), indexing="ij")
    origin, h = grid[0].ravel(), grid[1].ravel()
    return pd.DataFrame(
        {
            "series": "S",
            "model": "random_walk",
            "h": h,
            "origin": dates[origin],
            "month": dates[origin + h],
            "mean": np.expm1(log_y[origin]),
            "actual": np.expm1(log_y[origin + h]),
            "lo80": 0.0,
            "hi80": 1e12,
            "lo95": 0.0,
            "hi95": 1e12,
        }
    )


def test_the_local_scale_restores_coverage_soon_after_a_volatility_jump() -> None:
    # a six-month forecast's miss is known six months late; the scale sees the one-month
    # errors at once, so the intervals widen right after the jump
    first_year, later = {}, {}
    for power in (0.0, 0.5):
        early_hits, late_hits = [], []
        for seed in range(6):
            out = conformal.adaptive_intervals(_walk_frame(seed), (80,), scale_power=power)
            covered = (out["actual"] >= out["lo80"]) & (out["actual"] <= out["hi80"])
            since = (out["origin"].dt.year - 2015) * 12 + out["origin"].dt.month - 1
            six = out["h"] == 6
            early_hits.append(covered[six & (since >= 0) & (since < 12)])
            late_hits.append(covered[six & (since >= 24)])
        first_year[power] = pd.concat(early_hits).mean()
        later[power] = pd.concat(late_hits).mean()
    assert first_year[0.5] > first_year[0.0] + 0.1
    assert 0.72 < later[0.5] < 0.9 and later[0.0] < later[0.5]


def test_intervals_never_use_outcomes_after_their_origin() -> None:
    frame = _walk_frame(0)
    cut = pd.Timestamp("2012-06-01")
    changed = frame.copy()
    later = changed["month"] > cut  # outcomes not yet known at origins up to the cut
    changed.loc[later, "actual"] *= np.exp(np.random.default_rng(1).normal(0, 2, later.sum()))
    before = conformal.adaptive_intervals(frame, (80, 95))
    after = conformal.adaptive_intervals(changed, (80, 95))
    past = frame["origin"] <= cut
    columns = ["lo80", "hi80", "lo95", "hi95", "local_scale"]
    pd.testing.assert_frame_equal(before.loc[past, columns], after.loc[past, columns])
    assert not before.loc[~past, "hi80"].equals(after.loc[~past, "hi80"])  # later ones see them


def test_level_gap_by_hand() -> None:
    # levels e − 1, e² − 1, e³ − 1: log(1 + level) = 1, 2, 3; over a 2-month span (at least one
    # month known) the gap at the third month is 3 − (2 + 3)/2
    months = pd.date_range("2000-01-01", periods=3, freq="MS")
    observed = pd.DataFrame({"S": np.expm1([1.0, 2.0, 3.0])}, index=months)
    frame = pd.DataFrame({"series": ["S", "S", "T"], "origin": months[[2, 0, 2]]})
    gap = conformal.level_gap(frame, 2, observed)
    assert gap[0] == pytest.approx(0.5) and gap[1] == 0 and np.isnan(gap[2])  # no series T
    # without ``observed`` the frame's own outcomes give the levels
    own = pd.DataFrame(
        {"series": "S", "origin": months[[0, 1, 2]], "month": months, "actual": observed["S"]}
    )
    np.testing.assert_allclose(conformal.level_gap(own, 2), [0, 0.5, 0.5])


def test_reversion_slope_uses_only_known_outcomes_and_never_widens_a_trend() -> None:
    # h = 2: errors are −0.5 × the gap at the origin, known two months later
    rng = np.random.default_rng(0)
    origins = np.arange(60)
    gaps = rng.normal(0, 1, 60)
    errors = -0.5 * gaps
    slopes = conformal.reversion_slopes(origins, origins + 2, errors, gaps, window=60, min_count=24)
    # origin 24 knows the targets 2..24 (23 rows): no slope yet; origin 25 knows 24
    assert (slopes[:25] == 0).all()
    np.testing.assert_allclose(slopes[25:], -0.5)
    # outcomes after an origin do not change its slope
    later = errors.copy()
    later[40:] = 5.0
    moved = conformal.reversion_slopes(origins, origins + 2, later, gaps, window=60, min_count=24)
    np.testing.assert_array_equal(moved[:42], slopes[:42])
    # errors that go with the gap (momentum) give β = 0, not a shift away from the mean
    flat = conformal.reversion_slopes(origins, origins + 2, -errors, gaps, window=60)
    assert (flat == 0).all()


def _reverting_frame(seed: int, months: int = 240, horizon: int = 6) -> pd.DataFrame:
    """Random-walk forecasts of a log level that reverts to 8 (AR(1), coefficient 0.6, monthly
    noise 0.2): their misses at long horizons point back towards the mean."""
    rng = np.random.default_rng(seed)
    log_y = np.empty(months)
    log_y[0] = 8.0
    for t in range(1, months):
        log_y[t] = 8 + 0.6 * (log_y[t - 1] - 8) + rng.normal(0, 0.2)
    frame = _walk_frame(seed, months=months, horizon=horizon)
    origin = (frame["origin"].dt.year - 2000) * 12 + frame["origin"].dt.month - 1
    frame["mean"] = np.expm1(log_y[origin])
    frame["actual"] = np.expm1(log_y[origin + frame["h"]])
    return frame


def _log_interval_score(out: pd.DataFrame, rows: pd.Series) -> float:
    """The 80% interval score in log space (width plus 10 × the distance outside)."""
    y, lo, hi = (np.log1p(out[c]) for c in ("actual", "lo80", "hi80"))
    score = hi - lo + 10 * ((lo - y).clip(lower=0) + (y - hi).clip(lower=0))
    return float(score[rows].sum())


def test_reversion_moves_the_interval_towards_the_recent_mean_and_keeps_the_forecast() -> None:
    plain_score = shifted_score = 0.0
    for seed in range(4):
        frame = _reverting_frame(seed)
        plain = conformal.adaptive_intervals(frame, (80, 95))
        shifted = conformal.adaptive_intervals(frame, (80, 95), reversion_span=36)
        late = (frame["origin"] >= pd.Timestamp("2008-01-01")) & (frame["h"] == 6)
        plain_score += _log_interval_score(plain, late)
        shifted_score += _log_interval_score(shifted, late)
        covered = (shifted["actual"] >= shifted["lo80"]) & (shifted["actual"] <= shifted["hi80"])
        assert 0.7 < covered[late].mean() < 0.9
    # on mean-reverting series the shifted intervals score better at long horizons
    assert shifted_score < 0.9 * plain_score
    # the shift points back towards the recent mean, and is recorded
    gap = conformal.level_gap(frame, 36)
    shift = shifted["reversion_shift"].to_numpy()
    assert (shift[late] * gap[late] <= 0).all() and (shift[late] != 0).mean() > 0.9
    assert "reversion_shift" not in plain.columns
    union = conformal.adaptive_intervals(frame, (80, 95), reversion_span=36, reversion_union=True)
    for out in (shifted, union):  # the forecast itself stays inside the interval
        assert (out["lo80"] <= out["mean"] * (1 + 1e-12)).all()
        assert (out["hi80"] >= out["mean"] * (1 - 1e-12)).all()
    # the union contains both the plain and the shifted interval
    assert (union["lo80"] <= np.minimum(plain["lo80"], shifted["lo80"]) * (1 + 1e-12)).all()
    assert (union["hi80"] >= np.maximum(plain["hi80"], shifted["hi80"]) * (1 - 1e-12)).all()


def test_reversion_never_uses_outcomes_after_the_origin() -> None:
    frame = _reverting_frame(0)
    cut = pd.Timestamp("2012-06-01")
    changed = frame.copy()
    later = changed["month"] > cut
    changed.loc[later, "actual"] *= np.exp(np.random.default_rng(1).normal(0, 2, later.sum()))
    columns = ["lo80", "hi80", "lo95", "hi95", "reversion_shift"]
    before = conformal.adaptive_intervals(frame, (80, 95), reversion_span=36)[columns]
    after = conformal.adaptive_intervals(changed, (80, 95), reversion_span=36)[columns]
    past = frame["origin"] <= cut
    pd.testing.assert_frame_equal(before[past], after[past])
    assert not before.loc[~past, "reversion_shift"].equals(after.loc[~past, "reversion_shift"])


def test_reversion_settings_are_checked() -> None:
    frame = _frame(np.zeros(10))
    with pytest.raises(ForecastError, match="reversion_span must be 0"):
        conformal.adaptive_intervals(frame, (80,), reversion_span=-1)
    with pytest.raises(ForecastError, match="reversion_window positive, got 36 and 0"):
        conformal.adaptive_intervals(frame, (80,), reversion_span=36, reversion_window=0)
