from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rootcauses.analysis import forecast as fc
from rootcauses.cli import app

SMALL = fc.ForecastConfig(horizon=3, origins=4, window=48, exog_lag=12)


def _wide(months: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-01", periods=months, freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * index.month / 12)
    return pd.DataFrame(
        {
            "GTM": 1000 * season * np.exp(np.cumsum(rng.normal(0, 0.05, months))),
            "HND": 800 * season * np.exp(np.cumsum(rng.normal(0, 0.05, months))),
        },
        index=index,
    ).round()


@dataclass
class Spy:
    """A model that records what it is given and forecasts its last value."""

    name: str = "spy"
    uses_exog: bool = True
    calls: list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]] = field(
        default_factory=list
    )

    def forecast(self, y, h, X=None, X_future=None):
        self.calls.append(
            (
                y.copy(),
                None if X is None else X.copy(),
                None if X_future is None else X_future.copy(),
            )
        )
        flat = np.full(h, y[-1])
        return {
            "mean": flat,
            "lo-80": flat - 1,
            "hi-80": flat + 1,
            "lo-95": flat - 2,
            "hi-95": flat + 2,
        }


def test_backtests_never_show_a_model_data_after_its_origin() -> None:
    wide = _wide()
    months = pd.date_range(wide.index.min(), periods=len(wide) + SMALL.horizon, freq="MS")
    # a regime in force for a while in the training data and again from the first origin on,
    # and a lagged driver
    on = (months >= months[30]) & (months <= months[50]) | (months >= months[74])
    exog = pd.DataFrame(
        {"title_42": on.astype(float), "us_unemployment_lag": np.arange(len(months), dtype=float)},
        index=months,
    )
    spy = Spy()
    frame = fc.backtest(
        wide[["GTM"]], exog=exog, models=["spy"], config=SMALL, registry={"spy": spy}
    )
    origins = fc.origin_indices(len(wide), SMALL)
    assert len(spy.calls) == len(origins)
    y = np.log1p(wide["GTM"].to_numpy())
    for origin, (seen, X, X_future) in zip(origins, spy.calls, strict=True):
        start = max(0, origin - SMALL.window)
        np.testing.assert_array_equal(seen, y[start:origin])  # nothing after the origin
        assert len(X) == len(seen)
        # the regime is held at its value at the origin, whatever happened next
        assert (X_future[:, 0] == exog["title_42"].iloc[origin - 1]).all()
        # lagged drivers run on: their values are known at the origin by construction
        np.testing.assert_array_equal(X_future[:, 1], np.arange(origin, origin + SMALL.horizon))
    # at the first origin the regime switches on right after: the model was not told
    assert exog["title_42"].iloc[origins[0] - 1] == 0 and (spy.calls[0][2][:, 0] == 0).all()
    # the spy forecasts the last training value: its errors are computed against later actuals
    # (the first origins only calibrate the intervals; the frame holds the scored ones)
    first_scored = origins[-SMALL.origins]
    assert frame["origin"].nunique() == SMALL.origins
    first = frame[frame["origin"] == frame["origin"].min()]
    assert (first["mean"].round() == wide["GTM"].iloc[first_scored - 1]).all()


def _calibration_frame(
    origins: int, errors: np.ndarray, half_width: float, series: int = 1
) -> pd.DataFrame:
    """Backtest-shaped rows of one model at h = 1: point forecast 100, an 80%/95% interval of
    log half-width ``half_width`` / 1.5 × that, and actuals 100·exp(error)."""
    months = pd.date_range("2000-01-01", periods=origins + 1, freq="MS")
    rows = []
    for s in range(series):
        for k in range(origins):
            rows.append(
                {
                    "series": f"S{s}",
                    "model": "m",
                    "origin": months[k],
                    "month": months[k + 1],
                    "h": 1,
                    "actual": 100 * np.exp(errors[s * origins + k]),
                    "mean": 100.0,
                    "scale": 1.0,
                    "lo80": 100 * np.exp(-half_width),
                    "hi80": 100 * np.exp(half_width),
                    "lo95": 100 * np.exp(-1.5 * half_width),
                    "hi95": 100 * np.exp(1.5 * half_width),
                }
            )
    return pd.DataFrame(rows)


def test_conformal_quantile_by_hand() -> None:
    scores = np.arange(1.0, 10.0)  # nine scores: the 80% quantile is the ⌈10 · 0.8⌉ = 8th
    assert fc.conformal_quantile(scores, 80) == 8
    assert fc.conformal_quantile(np.append(scores, np.nan), 80) == 8  # NaN (no actual) ignored
    assert np.isnan(fc.conformal_quantile(np.array([1.0, 2.0, 3.0]), 95))  # too few for 95%


def test_interval_factors_use_only_errors_observed_by_the_origin() -> None:
    errors = np.full(30, 0.5)  # half the interval's half-width: factor 0.5
    errors[20:] = 5.0  # later errors are huge; forecasts made at origin 19 must not see them
    frame = _calibration_frame(30, errors, half_width=1.0)
    origin = frame["origin"].iloc[19]  # rows 0-18 have their outcome (month ≤ origin) observed
    factors = fc.interval_factors(frame, origin, calibration_origins=12)
    (row,) = factors.itertuples()
    assert row.calibration_rows == 12
    assert row.factor80 == pytest.approx(0.5, rel=0.01)  # log1p, not log
    later = fc.interval_factors(frame, frame["month"].iloc[-1], calibration_origins=12)
    assert later["factor80"].item() == pytest.approx(5.0, rel=0.01)


def test_rescaled_bounds_move_in_log_space_around_the_forecast() -> None:
    frame = _calibration_frame(3, np.zeros(3), half_width=1.0)
    factors = pd.DataFrame({"model": ["m"], "h": [1], "factor80": [0.5], "factor95": [1.0]})
    out = fc.rescale_bounds(frame, factors)
    np.testing.assert_allclose(np.log1p(out["hi80"]) - np.log1p(out["mean"]), 0.5, rtol=0.02)
    np.testing.assert_allclose(out["hi95"], frame["hi95"])  # factor 1 keeps the bounds
    untouched = fc.rescale_bounds(frame, factors.assign(model="other"))
    np.testing.assert_allclose(untouched["lo80"], frame["lo80"])


def test_calibration_brings_too_wide_intervals_to_their_level() -> None:
    rng = np.random.default_rng(3)
    sigma, origins, series = 0.2, 160, 5
    errors = rng.normal(0, sigma, origins * series)
    # the model's 80% interval is twice as wide as it should be: it covers ~99%
    frame = _calibration_frame(origins, errors, half_width=2 * 1.2816 * sigma, series=series)
    config = fc.ForecastConfig(horizon=1, origins=140, calibration_origins=12)
    scored = fc.conformalise(frame, config)
    raw = fc.score(scored)
    assert raw["model_cov80"].mean() > 0.95
    assert 0.74 < raw["cov80"].mean() < 0.86
    assert 0.90 < raw["cov95"].mean() <= 1.0
    assert scored["origin"].nunique() == 140


def test_metrics_on_a_tiny_example_by_hand() -> None:
    index = pd.date_range("2020-01-01", periods=40, freq="MS")
    y = np.tile([10.0, 20.0, 30.0, 40.0], 10)
    y[36:] = [12, 22, 32, 42]  # the last four months rise by 2
    wide = pd.DataFrame({"GTM": y}, index=index)
    cfg = fc.ForecastConfig(horizon=1, origins=1, window=36, season=4, exog_lag=12)
    frame = fc.backtest(wide, models=["seasonal_naive"], config=cfg)
    board = fc.leaderboard(frame)
    # last training month is index 38; the forecast of index 39 (value 42) by the 12-month
    # seasonal naive is y[27] = 40
    (row,) = frame.itertuples()
    assert row.mean == pytest.approx(40, abs=1e-6) and row.actual == 42
    # scale: mean |y_t − y_{t−4}| over the 36 training months (indices 3-38): 32 differences,
    # three of them 2 (indices 36, 37, 38) → 6 / 32 = 0.1875
    assert row.scale == pytest.approx(0.1875)
    assert board["mase"].item() == pytest.approx(2 / 0.1875)
    assert board["smape"].item() == pytest.approx(200 * 2 / 82)


def test_models_beat_seasonal_naive_on_a_trending_series() -> None:
    index = pd.date_range("2010-01-01", periods=120, freq="MS")
    trend = np.exp(np.linspace(6, 8, 120)) * (1 + 0.2 * np.sin(2 * np.pi * index.month / 12))
    wide = pd.DataFrame({"GTM": trend.round()}, index=index)
    frame = fc.backtest(
        wide, models=["auto_ets"], config=fc.ForecastConfig(horizon=6, origins=6, window=96)
    )
    board = fc.leaderboard(frame)
    ets = board[board["model"] == "auto_ets"]["relative_mase"]
    assert (ets < 0.5).all()
    assert set(fc.select_best(board).values()) == {"auto_ets"}


def test_forecast_rows_follow_the_interface() -> None:
    wide = _wide()
    best = {"GTM": "auto_theta", "HND": "seasonal_naive"}
    frame = fc.forecast(wide, exog=None, best=best, models=["auto_theta"], config=SMALL)
    assert set(frame["model"]) == {"seasonal_naive", "auto_theta", "best"}
    assert frame.groupby(["series", "model"]).size().eq(SMALL.horizon).all()
    assert str(frame["month"].min()) == "2021-09-01"
    best_rows = frame[frame["model"] == "best"].set_index(["series", "month"])
    theta = frame[frame["model"] == "auto_theta"].set_index(["series", "month"])
    assert (best_rows.loc["GTM", "mean"] == theta.loc["GTM", "mean"]).all()
    bounds = frame[["lo95", "lo80", "mean", "hi80", "hi95"]].to_numpy()
    assert (np.diff(bounds, axis=1) >= -1e-6).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"config": fc.ForecastConfig(horizon=0)}, "horizon must be a positive"),
        ({"config": fc.ForecastConfig(horizon=13)}, "exogenous lag"),
        ({"models": ["prophet"]}, "unknown model"),
        ({"config": fc.ForecastConfig(horizon=3, origins=60)}, "too few"),
    ],
)
def test_bad_requests(kwargs: dict, message: str) -> None:
    with pytest.raises(fc.ForecastError, match=message):
        fc.backtest(_wide(), **{"config": SMALL, **kwargs})


def test_series_with_gaps_is_refused() -> None:
    wide = _wide().drop(index=pd.Timestamp("2016-03-01"))
    with pytest.raises(fc.ForecastError, match="2016-03"):
        fc.backtest(wide, config=SMALL)
    holes = _wide()
    holes.iloc[5, 0] = np.nan
    with pytest.raises(fc.ForecastError, match="GTM"):
        fc.check_no_gaps(holes)


def test_country_with_no_data(store) -> None:
    with pytest.raises(fc.ForecastError, match="ATL"):
        fc.load_series(store, series=["GTM", "ATL"])


def _env(settings) -> dict[str, str]:
    return {"ROOTCAUSES_HOME": str(settings.home), "ROOTCAUSES_DATA": str(settings.data)}


def test_cli_forecast_run_writes_the_interface_csv(built_store, tmp_path) -> None:
    from rootcauses.config import Settings
    from rootcauses.store import import_build

    home = tmp_path / "home"
    home.mkdir()
    import_build(Settings(home=home), built_store.store_path)
    env = {"ROOTCAUSES_HOME": str(home), "ROOTCAUSES_DATA": str(built_store.data)}
    out = tmp_path / "fc.csv"
    result = CliRunner().invoke(
        app,
        [
            "forecast",
            "run",
            "--horizon",
            "3",
            "--output",
            str(out),
            "--until",
            "2023-12",
            "-m",
            "auto_theta",
            "--workers",
            "1",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "series",
        "month",
        "model",
        "mean",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
    ]
    assert set(frame["series"]) == {"GTM", "HND", "SLV", "MEX", "OTHER"}
    assert {"seasonal_naive", "best"} <= set(frame["model"])
    assert sorted(frame["month"].unique()) == ["2024-01-01", "2024-02-01", "2024-03-01"]
    shown = CliRunner().invoke(app, ["forecast", "show", "--format", "csv"], env=env)
    assert shown.exit_code == 0 and "relative_mase" in shown.output
    bad = CliRunner().invoke(
        app, ["forecast", "run", "--horizon", "0", "--output", str(out)], env=env
    )
    assert bad.exit_code == 1 and "horizon" in bad.output and "Traceback" not in bad.output
