import numpy as np
import pytest

from rootcauses.analysis import metrics


def test_seasonal_naive_scale_by_hand() -> None:
    # season 2: differences |3-1|, |4-2|, |8-3| = 2, 2, 5 → mean 3
    assert metrics.seasonal_naive_scale([1, 2, 3, 4, 8], season=2) == pytest.approx(3.0)
    assert np.isnan(metrics.seasonal_naive_scale([1, 2], season=2))
    assert np.isnan(metrics.seasonal_naive_scale([5, 5, 5, 5], season=2))  # zero scale


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
