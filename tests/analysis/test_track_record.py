"""The track record scores stored forecasts against what was observed (numbers by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.analysis import track_record as tr


def _stored(model: str, means: list[float], run: str = "r1", **extra) -> pd.DataFrame:
    months = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])[: len(means)]
    return pd.DataFrame(
        {
            "run_id": run,
            "created_at": pd.Timestamp("2024-01-05 10:00"),
            "series": "GTM",
            "month": months,
            "model": model,
            "mean": means,
            "lo80": [m * 0.9 for m in means],
            "hi80": [m * 1.1 for m in means],
            "lo95": [m * 0.5 for m in means],
            "hi95": [m * 1.5 for m in means],
            "h": range(1, len(means) + 1),
            "until": pd.Timestamp("2023-12-01"),
            "basis": "usbp",
            **extra,
        }
    )


ACTUALS = pd.DataFrame(
    {
        "series": ["GTM", "GTM"],
        "month": pd.to_datetime(["2024-01-01", "2024-02-01"]),  # March not yet observed
        "actual": [100.0, 200.0],
    }
)


def test_a_forecast_is_scored_once_its_month_is_observed() -> None:
    stored = pd.concat(
        [
            _stored("best", [105.0, 150.0, 300.0], chosen="auto_theta"),
            _stored("random_walk", [90.0, 90.0, 90.0]),
        ]
    )
    record = tr.score(stored, ACTUALS)
    best = record[record["model"] == "best"].set_index("month")
    assert best.loc["2024-01", "error"] == 5 and best.loc["2024-01", "abs_pct_error"] == 5
    assert best.loc["2024-01", "in80"] is True and best.loc["2024-02", "in80"] is False
    assert best.loc["2024-02", "in95"] is True  # 75 to 225 holds 200
    assert best.loc["2024-02", "rw_abs_error"] == 110  # the same run's random walk: |90 - 200|
    march = best.loc["2024-03"]
    assert not march["scored"] and pd.isna(march["actual"]) and march["in80"] is None
    assert set(record["origin"]) == {"2023-12"} and best["retrospective"].isna().all()


def test_the_summary_counts_scores_and_compares_with_the_random_walk() -> None:
    stored = pd.concat(
        [
            _stored("best", [105.0, 150.0, 300.0], chosen="auto_theta"),
            _stored("random_walk", [90.0, 90.0, 90.0]),
        ]
    )
    summary = tr.summary(tr.score(stored, ACTUALS)).set_index("model")
    best = summary.loc["best"]
    assert (best["forecasts"], best["scored"], best["origins"]) == (3, 2, 1)
    assert best["mape"] == pytest.approx((5 + 25) / 2)
    assert (best["coverage80"], best["coverage95"]) == (0.5, 1.0)
    assert best["beat_random_walk"] == 1.0  # 5 < 10 and 50 < 110
    assert pd.isna(summary.loc["random_walk", "beat_random_walk"])


def test_forecasts_made_with_data_withheld_are_marked_retrospective() -> None:
    live = _stored("best", [100.0], run="live", data_through=pd.Timestamp("2023-12-01"))
    test = _stored("best", [100.0], run="test", data_through=pd.Timestamp("2024-09-01"))
    record = tr.score(pd.concat([live, test]), ACTUALS).set_index("run_id")
    assert record.loc["live", "retrospective"] is False or not record.loc["live", "retrospective"]
    assert record.loc["test", "retrospective"]


def test_an_empty_store_has_an_empty_record() -> None:
    assert tr.score(pd.DataFrame(), ACTUALS).empty
    assert list(tr.summary(pd.DataFrame(columns=tr.COLUMNS)).columns) == tr.SUMMARY_COLUMNS
