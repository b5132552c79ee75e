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
    first = fc.origin_indices(len(wide), SMALL)[0]  # months seen at the first origin
    on = (months >= months[30]) & (months <= months[45]) | (months >= months[first])
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
        assert X is not None and X_future is not None  # the spy uses the drivers
        assert len(X) == len(seen)
        # the regime is held at its value at the origin, whatever happened next
        assert (X_future[:, 0] == exog["title_42"].iloc[origin - 1]).all()
        # lagged drivers run on: their values are known at the origin by construction
        np.testing.assert_array_equal(X_future[:, 1], np.arange(origin, origin + SMALL.horizon))
    # at the first origin the regime switches on right after: the model was not told
    first_future = spy.calls[0][2]
    assert first_future is not None
    assert exog["title_42"].iloc[origins[0] - 1] == 0 and (first_future[:, 0] == 0).all()
    # the spy forecasts the last training value: its errors are computed against later actuals
    # (the first origins only warm up the intervals; they are kept, marked not scored)
    first_scored = origins[-SMALL.origins]
    assert frame["origin"].nunique() == len(origins)
    assert frame.loc[frame["scored"], "origin"].nunique() == SMALL.origins
    first = frame[frame["origin"] == frame.loc[frame["scored"], "origin"].min()]
    assert (first["mean"].round() == wide["GTM"].iloc[first_scored - 1]).all()
    # the last origin is the month before the end: one outcome (h = 1), the rest not yet known
    last = frame[frame["origin"] == frame["origin"].max()].sort_values("h")
    assert last["actual"].notna().tolist() == [True] + [False] * (SMALL.horizon - 1)


def test_metrics_on_a_tiny_example_by_hand() -> None:
    index = pd.date_range("2020-01-01", periods=40, freq="MS")
    y = np.tile([10.0, 20.0, 30.0, 40.0], 10)
    y[36:] = [12, 22, 32, 42]  # the last four months rise by 2
    wide = pd.DataFrame({"GTM": y}, index=index)
    cfg = fc.ForecastConfig(
        horizon=1, origins=1, window=36, season=4, exog_lag=12, calibration_origins=0
    )
    frame = fc.backtest(wide, models=["seasonal_naive"], config=cfg)
    assert set(frame["model"]) == {"random_walk", "seasonal_naive"}  # the reference always runs
    board = fc.leaderboard(frame).set_index("model")
    rows = frame.set_index("model")
    # last training month is index 38 (value 32); index 39 is 42. The 12-month seasonal naive
    # forecast is y[27] = 40, the random walk's 32.
    assert rows.loc["seasonal_naive", "mean"] == pytest.approx(40, abs=1e-6)
    assert rows.loc["random_walk", "mean"] == pytest.approx(32, abs=1e-6)
    # scale: mean |y_t − y_{t−1}| over the 36 training months (indices 3-38): 35 differences,
    # 32 of them in the repeating −30, 10, 10, 10 pattern (sum 480), then 28, 10 and 10 → 528/35
    scale = 528 / 35
    assert rows.loc["random_walk", "scale"] == pytest.approx(scale)
    assert board.loc["seasonal_naive", "mase"] == pytest.approx(2 / scale)
    assert board.loc["random_walk", "mase"] == pytest.approx(10 / scale)
    assert board.loc["seasonal_naive", "relative_mase"] == pytest.approx(0.2)
    assert board.loc["seasonal_naive", "skill"] == pytest.approx(0.8)
    assert board.loc["random_walk", "relative_mase"] == 1
    assert board.loc["random_walk", "relative_mase_snaive"] == pytest.approx(5)
    assert board.loc["seasonal_naive", "smape"] == pytest.approx(200 * 2 / 82)
    assert np.isnan(board.loc["random_walk", "dm_p"])  # the reference is not tested on itself


def test_models_that_beat_the_random_walk_are_picked() -> None:
    index = pd.date_range("2010-01-01", periods=120, freq="MS")
    trend = np.exp(np.linspace(6, 8, 120)) * (1 + 0.4 * np.sin(2 * np.pi * index.month / 12))
    wide = pd.DataFrame({"GTM": trend.round()}, index=index)
    config = fc.ForecastConfig(horizon=3, origins=12, window=96, calibration_origins=0)
    frame = fc.backtest(wide, models=["seasonal_rw"], config=config)
    board = fc.leaderboard(frame)
    seasonal = board[board["model"] == "seasonal_rw"].set_index("h")
    assert (seasonal["relative_mase"] < 0.5).all() and (seasonal["dm_p"] < 0.05).all()
    assert fc.select_best(board) == {"GTM": "seasonal_rw"}


def test_the_random_walk_is_picked_unless_a_model_clearly_beats_it() -> None:
    rng = np.random.default_rng(5)
    index = pd.date_range("2005-01-01", periods=150, freq="MS")
    walk = 2000 * np.exp(np.cumsum(rng.normal(0, 0.1, 150)))  # a random walk in logs
    wide = pd.DataFrame({"GTM": walk.round()}, index=index)
    config = fc.ForecastConfig(horizon=3, origins=60, window=60, calibration_origins=12)
    frame = fc.backtest(wide, models=["seasonal_rw", "growth"], config=config)
    board = fc.leaderboard(frame)
    assert fc.select_best(board) == {"GTM": "random_walk"}
    table = fc.qualification(board).set_index("model")
    assert not table.drop(index="random_walk")["qualifies"].any()
    # a board where one model is 20% better with p < 0.01 at h 1-3 picks it; 5% better does not
    fake = board[board["model"].isin(["random_walk", "growth"])].copy()
    growth = fake["model"] == "growth"
    fake.loc[growth, ["relative_mase", "dm_stat", "dm_p"]] = [0.8, -3.0, 0.004]
    assert fc.select_best(fake) == {"GTM": "growth"}
    fake.loc[growth, "relative_mase"] = 0.95
    assert fc.select_best(fake) == {"GTM": "random_walk"}
    fake.loc[growth, ["relative_mase", "dm_p"]] = [0.8, 0.2]  # better but not significantly
    assert fc.select_best(fake) == {"GTM": "random_walk"}


def test_coverage_bookkeeping_by_regime_and_year() -> None:
    months = pd.to_datetime(["2019-11-01", "2020-02-01", "2020-04-01", "2021-06-01", "2023-08-01"])
    exog = pd.DataFrame(
        {"title_42": [0, 0, 0.4, 1, 0]},
        index=pd.to_datetime(
            ["2019-11-01", "2020-02-01", "2020-03-01", "2023-05-01", "2023-06-01"]
        ),
    )
    blocks = fc.regime_blocks(pd.Series(months), exog)
    assert blocks.tolist() == [
        "before Title 42",
        "before Title 42",
        "Title 42",
        "Title 42",
        "after Title 42",
    ]
    assert set(fc.regime_blocks(pd.Series(months), None)) == {"all"}
    frame = pd.DataFrame(
        {
            "series": ["GTM"] * 5 + ["HND"] * 5,
            "model": ["random_walk"] * 5 + ["growth"] * 5,
            "origin": list(months - pd.DateOffset(months=1)) * 2,
            "month": list(months) * 2,
            "h": 1,
            "actual": [10.0] * 9 + [np.nan],
            "mean": 10.0,
            # GTM: covered, missed, covered, missed, covered; HND: all covered
            "lo80": [9.0, 11, 9, 11, 9, 9, 9, 9, 9, 9],
            "hi80": 12.0,
            "lo95": [8.0, 8, 8, 11, 8, 8, 8, 8, 8, 8],
            "hi95": 13.0,
            "scale": 1.0,
            "regime": list(blocks) * 2,
            "scored": [True] * 9 + [False],
        }
    )
    picks = {"GTM": "random_walk", "HND": "growth"}
    table = fc.coverage_table(frame, "regime", picks).set_index("block")
    assert set(table["model"]) == {"pick"}
    # before: GTM 1 of 2, HND 2 of 2 → 3/4; Title 42 (95%): GTM 1 of 2, HND 2 of 2 → 3/4
    assert table.loc["before Title 42", "cov80"] == 0.75
    assert table.loc["Title 42", "cov95"] == 0.75 and table.loc["Title 42", "rows"] == 4
    assert table.loc["after Title 42", "rows"] == 1  # HND's last row has no outcome
    by_year = fc.coverage_table(frame, "year").set_index(["model", "block"])
    assert by_year.loc[("random_walk", 2020), "cov80"] == 0.5
    assert by_year.loc[("random_walk", 2019), "cov80"] == 1.0
    assert ("growth", 2023) not in by_year.index


def test_new_models_on_a_tiny_series() -> None:
    wide = _wide(months=72)
    config = fc.ForecastConfig(horizon=3, origins=6, window=48, calibration_origins=6)
    models = ["seasonal_rw", "growth", "global_ridge", "combination"]
    frame = fc.backtest(wide, models=models, config=config)
    assert {*models, "random_walk", "seasonal_naive", "auto_theta"} == set(frame["model"])
    for _, part in frame.groupby("model"):
        assert part.groupby(["series", "origin"]).size().eq(3).all()
        assert (part[["mean", "lo80", "hi80", "lo95", "hi95"]] >= 0).all().all()
        bounds = part[["lo95", "lo80", "hi80", "hi95"]].to_numpy()
        assert (np.diff(bounds, axis=1) >= -1e-9).all()
    board = fc.leaderboard(frame)
    assert board["origins"].max() == 6 and {"wis", "relative_wis", "dm_p"} <= set(board.columns)
    # the combination lies within its members' range at each origin
    means = frame.pivot_table(index=["series", "origin", "h"], columns="model", values="mean")
    members = means[list(fc.COMBINATION_MEMBERS)]
    inside = (means["combination"] >= members.min(axis=1) - 1e-6) & (
        means["combination"] <= members.max(axis=1) + 1e-6
    )
    assert inside.all()


def test_the_window_must_cover_three_seasons() -> None:
    with pytest.raises(fc.ForecastError, match="window must be at least 36"):
        fc.ForecastConfig(window=35).validate()
    fc.ForecastConfig(window=36).validate()
    with pytest.raises(fc.ForecastError, match="window must be at least 12"):
        fc.ForecastConfig(window=11, season=4).validate()


def test_the_interval_settings_are_checked() -> None:
    with pytest.raises(fc.ForecastError, match="aci_gamma must be at least 0"):
        fc.ForecastConfig(aci_gamma=-0.1).validate()
    with pytest.raises(fc.ForecastError, match="scale_power must be between 0 and 1"):
        fc.ForecastConfig(scale_power=2).validate()
    with pytest.raises(fc.ForecastError, match="scale_halflife must be a positive"):
        fc.ForecastConfig(scale_halflife=0).validate()
    fc.ForecastConfig(aci_gamma=0, scale_power=0).validate()


def test_forecast_rows_follow_the_interface() -> None:
    wide = _wide()
    best = {"GTM": "auto_theta", "HND": "seasonal_naive"}
    frame = fc.forecast(wide, exog=None, best=best, models=["auto_theta"], config=SMALL)
    assert set(frame["model"]) == {"random_walk", "seasonal_naive", "auto_theta", "best"}
    walk = frame[frame["model"] == "random_walk"].set_index(["series", "month"])["mean"]
    np.testing.assert_allclose(walk.loc["HND"], wide["HND"].iloc[-1])  # the last value, carried
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
        ({"config": fc.ForecastConfig(horizon=3, window=24)}, "window must be at least 36"),
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
    from rootcauses.store import import_build, query

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
            "--origins",
            "24",
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
    assert {"seasonal_naive", "best", "random_walk"} <= set(frame["model"])
    assert sorted(frame["month"].unique()) == ["2024-01-01", "2024-02-01", "2024-03-01"]
    # random_walk rows carry December 2023 forward, with intervals around it
    with query.connect(Settings(home=home, data=built_store.data)) as con:
        last = fc.load_series(con, until="2023-12").iloc[-1]
    walk = frame[frame["model"] == "random_walk"]
    assert len(walk) == 5 * 3
    for row in walk.itertuples():
        assert row.mean == pytest.approx(last[row.series], abs=0.1)
        assert row.lo80 <= row.mean <= row.hi80 and row.lo95 <= row.lo80
    # best is the random walk unless a model clearly beat it in the backtest
    best = frame[frame["model"] == "best"]
    assert len(best) == 5 * 3
    shown = CliRunner().invoke(app, ["forecast", "show", "--format", "csv"], env=env)
    assert shown.exit_code == 0 and "relative_mase" in shown.output
    bad = CliRunner().invoke(
        app, ["forecast", "run", "--horizon", "0", "--output", str(out)], env=env
    )
    assert bad.exit_code == 1 and "horizon" in bad.output and "Traceback" not in bad.output


def test_cli_defaults_follow_the_config() -> None:
    from rootcauses.cli import forecast as cli

    assert fc.ForecastConfig().origins == cli.ORIGINS
    assert fc.ForecastConfig().calibration_origins == cli.CALIBRATION_ORIGINS


def test_calibrate_issues_the_levels_asked_for() -> None:
    """The bench's scan of nominal levels: a 90% interval from the same scores contains the 80%
    one and covers more of a random walk's outcomes."""
    rng = np.random.default_rng(3)
    log_y = 8 + np.cumsum(rng.normal(0, 0.2, 200))
    months = pd.date_range("2000-01-01", periods=200, freq="MS")
    frame = pd.DataFrame(
        {
            "series": "S",
            "model": "random_walk",
            "h": 1,
            "origin": months[:-1],
            "month": months[1:],
            "mean": np.expm1(log_y[:-1]),
            "actual": np.expm1(log_y[1:]),
        }
    )
    for level in (80, 90):
        frame[f"lo{level}"], frame[f"hi{level}"] = 0.0, 1e12
    config = fc.ForecastConfig()
    out = fc.calibrate(frame, config, levels=(80, 90)).iloc[50:]
    assert (out["lo90"] <= out["lo80"]).all() and (out["hi90"] >= out["hi80"]).all()
    inside = {
        level: ((out["actual"] >= out[f"lo{level}"]) & (out["actual"] <= out[f"hi{level}"])).mean()
        for level in (80, 90)
    }
    assert inside[90] > inside[80]
    assert "lo95" not in out
