import numpy as np
import pytest
from scipy import stats

from rootcauses.analysis import metrics


def test_naive_scales_by_hand() -> None:
    # lag 2: differences |3-1|, |4-2|, |8-3| = 2, 2, 5 → mean 3
    assert metrics.seasonal_naive_scale([1, 2, 3, 4, 8], season=2) == pytest.approx(3.0)
    assert np.isnan(metrics.seasonal_naive_scale([1, 2], season=2))
    assert np.isnan(metrics.seasonal_naive_scale([5, 5, 5, 5], season=2))  # zero scale
    # lag 1 (the random walk's in-sample error): |2-1|, |3-2|, |4-3|, |8-4| → 7 / 4
    assert metrics.naive_scale([1, 2, 3, 4, 8]) == pytest.approx(1.75)


def test_mase_and_smape_by_hand() -> None:
    np.testing.assert_allclose(metrics.mase([10, 20], [13, 14], 3.0), [1.0, 2.0])
    # |10-13|/(10+13)*200 = 26.087 ; |20-14|/(34)*200 = 35.294 ; 0/0 → 0
    np.testing.assert_allclose(metrics.smape([10, 20, 0], [13, 14, 0]), [600 / 23, 1200 / 34, 0.0])


def test_coverage_and_width_by_hand() -> None:
    np.testing.assert_array_equal(
        metrics.covered([1, 5, 10], [0, 6, 10], [2, 9, 12]), [1.0, 0.0, 1.0]
    )
    np.testing.assert_allclose(metrics.relative_width([10, 0], [5, 1], [25, 2])[:1], [2.0])
    assert np.isnan(metrics.relative_width([10, 0], [5, 1], [25, 2])[1])


def test_weighted_interval_score_by_hand() -> None:
    # (0.5·|y − m| + Σ α/2 · IS_α) / (K + ½), K = 2 intervals (80%: α = 0.2; 95%: α = 0.05)
    # row 1: y = 10 inside both: (0.5·1 + 0.1·(13 − 8) + 0.025·(15 − 5)) / 2.5 = 0.5
    # row 2: y = 20, m = 18, 80% [15, 22], 95% [12, 25]: (1 + 0.1·7 + 0.025·13) / 2.5 = 0.81
    # row 3: y = 30 above both: IS80 = 7 + 10·8 = 87, IS95 = 13 + 40·5 = 213
    #        (0.5·12 + 0.1·87 + 0.025·213) / 2.5 = 20.025 / 2.5 = 8.01
    wis = metrics.weighted_interval_score(
        [10, 20, 30, np.nan],
        [11, 18, 18, 1],
        [(80, [8, 15, 15, 1], [13, 22, 22, 1]), (95, [5, 12, 12, 1], [15, 25, 25, 1])],
    )
    np.testing.assert_allclose(wis[:3], [0.5, 0.81, 8.01])
    assert np.isnan(wis[3])
    # a point forecast alone: the WIS is the absolute error
    np.testing.assert_allclose(metrics.weighted_interval_score([3.0], [5.0], []), [2.0])


def test_diebold_mariano_h1_by_hand() -> None:
    # d = 1, -1, 2, 0, 3: mean 1, γ0 = 10/5 = 2, var(d̄) = 2/5, DM = 1/√0.4 = 1.5811;
    # HLN factor √((5 + 1 − 2)/5) = √0.8 → 1.4142; t with 4 d.f.: two-sided p = 0.2302
    test = metrics.diebold_mariano([1, -1, 2, 0, 3], [0, 0, 0, 0, 0], h=1)
    assert test.statistic == pytest.approx(np.sqrt(2))
    assert test.p_value == pytest.approx(0.230200, abs=1e-6)
    assert test.n == 5 and test.mean_difference == 1
    flipped = metrics.diebold_mariano([0] * 5, [1, -1, 2, 0, 3], h=1)
    assert flipped.statistic == pytest.approx(-np.sqrt(2)) and flipped.p_value == test.p_value


def test_diebold_mariano_is_horizon_aware() -> None:
    # d = 2, 0, 3, -1, 1, 4 (n = 6): mean 1.5; γ0 = 17.5/6, γ1 = −6.75/6;
    # var(d̄) = (γ0 + 2γ1)/6 = 1/9 → DM = 4.5; HLN (h = 2): √((6 + 1 − 4 + 2/6)/6) = √(5/9)
    d = np.array([2, 0, 3, -1, 1, 4], dtype=float)
    test = metrics.diebold_mariano(d, np.zeros(6), h=2)
    assert test.statistic == pytest.approx(4.5 * np.sqrt(5 / 9))
    assert test.p_value == pytest.approx(2 * stats.t.sf(4.5 * np.sqrt(5 / 9), df=5))
    assert test.p_value == pytest.approx(0.02022, abs=1e-4)
    # at h = 1 the negative autocovariance is ignored: a different (smaller) statistic
    assert metrics.diebold_mariano(d, np.zeros(6), h=1).statistic < test.statistic
    # pairs with a missing loss are dropped
    assert metrics.diebold_mariano([*d, np.nan], [*np.zeros(6), 1.0], h=2).n == 6


def test_diebold_mariano_falls_back_to_bartlett_weights() -> None:
    # d = 1, -1, 2, 0, 3 at h = 2: γ1 = −1 makes γ0 + 2γ1 = 0; Bartlett: (2 − 1)/5 = 0.2
    test = metrics.diebold_mariano([1, -1, 2, 0, 3], [0] * 5, h=2)
    hln = np.sqrt((5 + 1 - 4 + 2 / 5) / 5)
    assert test.statistic == pytest.approx(1 / np.sqrt(0.2) * hln)
