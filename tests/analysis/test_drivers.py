from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import drivers


def _synthetic(beta: float = 0.5, seed: int = 1, months: int = 240) -> pd.DataFrame:
    """Three countries; log rate = country effect + month-of-year effect + β·x + noise."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2004-01-01", periods=months, freq="MS")
    frames = []
    for effect, country in zip((1.0, 2.0, 0.5), ("GTM", "HND", "SLV"), strict=True):
        x = np.cumsum(rng.normal(0, 0.3, months))  # persistent, like real drivers
        noise = rng.normal(0, 0.4, months)
        season = 0.3 * np.sin(2 * np.pi * index.month / 12)
        log_rate = effect + season + beta * x + noise
        frames.append(
            pd.DataFrame(
                {
                    "country": country,
                    "month": index,
                    "year": index.year,
                    "month_of_year": index.month,
                    "x": x,
                    "noise_driver": rng.normal(size=months),
                    "encounters_per_100k": np.exp(log_rate),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_planted_coefficient_is_recovered_within_its_interval() -> None:
    fit = drivers.fit_theory(_synthetic(beta=0.5), "planted", ["x"])
    row = fit.coefficients.set_index("driver").loc["x"]
    assert row["lo95"] <= 0.5 <= row["hi95"]
    assert row["coef"] == pytest.approx(0.5, abs=0.05)
    assert fit.oos_gain > 0.3  # the true driver predicts unseen years


def test_a_driver_that_does_nothing_is_not_found() -> None:
    fit = drivers.fit_theory(_synthetic(beta=0.5), "noise", ["noise_driver"])
    row = fit.coefficients.set_index("driver").loc["noise_driver"]
    assert row["lo95"] <= 0 <= row["hi95"]
    assert fit.oos_gain < 0.02


def test_lsdv_prediction_matches_panel_ols() -> None:
    data, _ = drivers.prepare(_synthetic(), ["x"])
    beta_panel = drivers.fit_fixed_effects(data, ["x"]).params["x"]
    X = drivers._design(data, ["x"])
    beta_lsdv = np.linalg.lstsq(X, data[drivers.OUTCOME].to_numpy(), rcond=None)[0][0]
    assert beta_lsdv == pytest.approx(beta_panel, rel=1e-8)


def test_missing_driver_values_are_dropped_and_counted_not_zeroed() -> None:
    panel = _synthetic()
    panel.loc[panel.index[:25], "x"] = np.nan
    fit = drivers.fit_theory(panel, "planted", ["x"])
    assert fit.dropped == 25 and fit.rows == len(panel) - 25
    assert fit.coefficients.set_index("driver").loc["x", "coef"] == pytest.approx(0.5, abs=0.05)


def test_unknown_theory_and_driver() -> None:
    with pytest.raises(drivers.ModelError, match="unknown theory"):
        drivers.fit_theory(_synthetic(), "astrology")
    with pytest.raises(drivers.ModelError, match="moon"):
        drivers.fit_theory(_synthetic(), "x", ["moon"])


def test_homicide_replication_recovers_a_planted_effect() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for country, base in (("GTM", 5000), ("HND", 6000), ("SLV", 3000)):
        for year in range(2009, 2021):
            homicides = base + rng.normal(0, 800)
            rows.append(
                {
                    "country": country,
                    "fiscal_year": year,
                    "homicides": homicides,
                    "uac": 0.6 * homicides + 200 * (year - 2009) + rng.normal(0, 150),
                }
            )
    result = drivers.replicate_homicide_uac(pd.DataFrame(rows))
    assert result.lo95 <= 0.6 <= result.hi95
    assert "Clemens" in result.text


def test_theories_run_on_the_real_panel(store) -> None:
    from rootcauses.panel import monthly_panel

    fits = drivers.compare_theories(monthly_panel(store))
    names = [f.theory for f in fits]
    assert names == [*drivers.THEORIES, "all"]
    everything = fits[-1]
    assert everything.within_r2 >= max(f.within_r2 for f in fits[:-1]) - 1e-9
    assert all(f.rows > 500 for f in fits)
