import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import conformal


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
    kwargs = dict(level=0.8, gamma=0.05, window=20, min_scores=6)
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
    out = conformal.adaptive_intervals(_frame(errors), (80, 95), gamma=0.05, window=36)
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
    out = conformal.adaptive_intervals(_frame(np.zeros(10)), (80,), min_scores=6)
    assert (out["lo80"].iloc[:6] == 1.0).all() and (out["hi80"].iloc[:6] == 1e9).all()
    assert (out["hi80"].iloc[6:] < 1e9).all()
