"""The forecast models of issue 12 item 3: each on a tiny series, and none sees past its origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import forecast as fc
from rootcauses.analysis import forecast_models as fm
from rootcauses.analysis import forecast_panel as fp

BOUNDS = ["mean", "lo80", "hi80", "lo95", "hi95"]


def _panel(series: int = 2, months: int = 72, seed: int = 1) -> np.ndarray:
    """Log counts with a seasonal profile, momentum and noise (series × month)."""
    rng = np.random.default_rng(seed)
    season = 0.2 * np.sin(2 * np.pi * np.arange(months) / 12)
    rows = []
    for _ in range(series):
        shocks = rng.normal(0, 0.05, months)
        momentum = np.zeros(months)
        for t in range(1, months):
            momentum[t] = 0.5 * momentum[t - 1] + shocks[t]
        rows.append(7 + season + np.cumsum(momentum))
    return np.array(rows)


def test_seasonal_ar_continues_a_pure_seasonal_pattern_exactly() -> None:
    # one-month changes that repeat every 12 months and sum to zero over a year: the adjusted
    # changes are all zero, so the forecast is the pattern itself, with no momentum
    pattern = np.array([0.3, 0.1, -0.2, 0.0, 0.05, -0.1, 0.2, -0.15, 0.1, -0.05, -0.1, -0.15])
    changes = np.tile(pattern, 4)  # 48 changes, the change ending at index i is pattern[(i-1)%12]
    y = np.concatenate([[5.0], 5.0 + np.cumsum(changes)])
    out = fm.SeasonalAR().forecast(y, 14)
    expected = y[-1] + np.cumsum(np.tile(pattern, 2)[:14])
    np.testing.assert_allclose(out["mean"], expected, atol=1e-12)
    assert (out["lo-80"] <= out["mean"]).all() and (out["hi-95"] >= out["hi-80"]).all()


def test_seasonal_ar_carries_momentum_by_its_fitted_coefficient() -> None:
    # flat for four years, then a jump of 0.12 in the last month (position 0 of the season)
    y = np.zeros(49)
    y[-1] = 0.12
    x, factors = fm.adjusted_changes(y)
    # position 0 holds 4 changes (ending at 12, 24, 36, 48): mean 0.03, less the mean over
    # the 12 positions (0.0025)
    assert factors[0] == pytest.approx(0.0275) and factors[1] == pytest.approx(-0.0025)
    assert x[-1] == pytest.approx(0.0925)
    phi = float(x[:-1] @ x[1:]) / float(x[:-1] @ x[:-1])  # least squares, no constant
    assert phi != 0
    steps = x[-1] * phi ** np.arange(1, 4) + factors[[1, 2, 3]]
    out = fm.SeasonalAR().forecast(y, 3)
    np.testing.assert_allclose(out["mean"], y[-1] + np.cumsum(steps))


@pytest.mark.parametrize("name", sorted(fp.PANEL_MODELS))
def test_panel_models_never_use_data_after_the_origin(name: str) -> None:
    """Perturbing every month from an origin on leaves that origin's forecast (and every
    earlier one) unchanged, and moves a later origin's."""
    log_y = _panel()
    T, horizon, cut = log_y.shape[1], 3, 60
    regimes = np.zeros((T, 1))
    regimes[30:40, 0] = 1.0
    calendar = (np.arange(T + horizon) % 12) + 1
    origins = list(range(54, 67))
    perturbed, flipped = log_y.copy(), regimes.copy()
    rng = np.random.default_rng(7)
    perturbed[:, cut:] += rng.normal(0, 0.5, (log_y.shape[0], T - cut))
    flipped[cut:] = 1.0 - flipped[cut:]
    model = fp.PANEL_MODELS[name]
    before = model(log_y, regimes, origins, horizon, 48, calendar)
    after = model(perturbed, flipped, origins, horizon, 48, calendar)
    for origin in origins:
        for key in fp.BOUND_KEYS:
            assert np.isfinite(before[origin][key]).all(), (origin, key)
        if origin <= cut:  # months seen ≤ cut: none of the perturbed ones
            for key in fp.BOUND_KEYS:
                np.testing.assert_array_equal(before[origin][key], after[origin][key])
    assert not np.allclose(before[origins[-1]]["mean"], after[origins[-1]]["mean"])


def test_markov_ar_follows_a_surge_the_random_walk_does_not() -> None:
    # calm for four years, then twelve months of +10% a month: the switching model puts the
    # origin in the surge state and forecasts further growth
    rng = np.random.default_rng(3)
    changes = np.concatenate([rng.normal(0, 0.02, 59), 0.10 + rng.normal(0, 0.02, 12)])
    log_y = np.concatenate([[6.0], 6.0 + np.cumsum(changes)])[None, :]
    T = log_y.shape[1]
    out = fp.markov_ar(log_y, None, [T], 3, 72, (np.arange(T + 3) % 12) + 1)
    step = out[T]["mean"][0] - log_y[0, -1]
    assert step[0] > 0.05 and (np.diff(step) > 0).all()


def test_global_lgbm_learns_a_shared_seasonal_pattern() -> None:
    # three series with the same strong seasonal profile and no noise: the pooled model
    # forecasts the profile's next change far better than the random walk
    months = 96
    season = 0.4 * np.sin(2 * np.pi * np.arange(months + 1) / 12)
    log_y = np.array([6 + season[:months], 7 + season[:months], 5 + season[:months]])
    calendar = (np.arange(months + 3) % 12) + 1
    out = fp.global_lgbm(log_y, None, [months], 3, 144, calendar)
    forecast = out[months]["mean"][:, 0] - log_y[:, -1]
    truth = season[months] - season[months - 1]
    assert np.abs(forecast - truth).max() < 0.5 * abs(truth)


def test_skill_combination_weighs_members_by_their_past_scaled_errors() -> None:
    origins = pd.date_range("2020-01-01", periods=6, freq="MS")
    rows = []
    for model, mean in (("good", 100.0), ("bad", 300.0)):
        for origin in origins:
            rows.append(
                {
                    "series": "X",
                    "model": model,
                    "origin": origin,
                    "month": origin + pd.DateOffset(months=1),
                    "h": 1,
                    "actual": 100.0,
                    "scale": 10.0,
                    "mean": mean,
                    "lo80": mean - 5,
                    "hi80": mean + 5,
                    "lo95": mean - 10,
                    "hi95": mean + 10,
                    "note": "",
                }
            )
    frame = pd.DataFrame(rows)
    out = fc.combination(
        frame, ["good", "bad"], window=36, min_rows=2, error="scaled_absolute", name="skill"
    )
    out = out.sort_values("origin").reset_index(drop=True)
    assert set(out["model"]) == {"skill"}
    # the first two origins know fewer than two outcomes: equal weights in log space
    equal = np.expm1((np.log1p(100.0) + np.log1p(300.0)) / 2)
    np.testing.assert_allclose(out["mean"].iloc[:2], equal)
    # from then on "good" never missed and "bad" missed by 20 scales: all weight on "good"
    np.testing.assert_allclose(out["mean"].iloc[2:], 100.0, rtol=1e-6)


def test_new_models_in_a_tiny_backtest() -> None:
    rng = np.random.default_rng(0)
    index = pd.date_range("2015-01-01", periods=72, freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * index.month / 12)
    wide = pd.DataFrame(
        {
            s: level * season * np.exp(np.cumsum(rng.normal(0, 0.05, 72)))
            for s, level in (("GTM", 1000), ("HND", 800), ("SLV", 600))
        },
        index=index,
    ).round()
    config = fc.ForecastConfig(horizon=3, origins=6, window=48, calibration_origins=6)
    models = ["seasonal_ar", "global_lgbm", "markov_ar", "skill_combination"]
    frame = fc.backtest(wide, models=models, config=config)
    assert {*models, "random_walk", "seasonal_naive"} == set(frame["model"])
    for _, part in frame.groupby("model"):
        assert part.groupby(["series", "origin"]).size().eq(3).all()
        assert np.isfinite(part[BOUNDS].to_numpy()).all() and (part[BOUNDS] >= 0).all().all()
        bounds = part[["lo95", "lo80", "hi80", "hi95"]].to_numpy()
        assert (np.diff(bounds, axis=1) >= -1e-9).all()
    means = frame.pivot_table(index=["series", "origin", "h"], columns="model", values="mean")
    members = means[list(fc.SKILL_MEMBERS)]
    inside = (means["skill_combination"] >= members.min(axis=1) - 1e-6) & (
        means["skill_combination"] <= members.max(axis=1) + 1e-6
    )
    assert inside.all()
    with pytest.raises(fc.ForecastError, match="unknown model"):
        fc.backtest(wide, models=["markov"], config=config)


def test_a_backtest_forecast_ignores_every_month_after_its_origin() -> None:
    """End to end, derived models included: perturbing the counts (and the regimes) from one
    month on leaves every forecast made before that month unchanged."""
    index = pd.date_range("2015-01-01", periods=66, freq="MS")
    log_y = _panel(series=2, months=66, seed=4)
    wide = pd.DataFrame(np.expm1(log_y).T.round(), index=index, columns=["GTM", "HND"])
    months = pd.date_range(index.min(), periods=len(index) + 12, freq="MS")
    exog = pd.DataFrame({"title_42": (months >= months[30]).astype(float)}, index=months)
    exog["us_unemployment_lag"] = 5.0
    config = fc.ForecastConfig(horizon=3, origins=8, window=48, calibration_origins=3)
    models = ["seasonal_ar", "skill_combination", "global_lgbm", "markov_ar"]
    cut = index[60]  # the first perturbed month
    changed = wide.copy()
    changed.loc[changed.index >= cut] *= 3.0
    later = exog.copy()
    later.loc[later.index >= cut, "title_42"] = 0.0
    before = fc.backtest(wide, exog=exog, models=models, config=config)
    after = fc.backtest(changed, exog=later, models=models, config=config)
    earlier = before["origin"] < cut
    assert earlier.sum() and (~earlier).sum()
    columns = [*BOUNDS, *fc.MODEL_BOUNDS]
    pd.testing.assert_frame_equal(
        before.loc[earlier, columns].reset_index(drop=True),
        after.loc[earlier, columns].reset_index(drop=True),
    )
    assert not np.allclose(before.loc[~earlier, "mean"], after.loc[~earlier, "mean"])
