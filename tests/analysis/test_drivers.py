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
    assert row["boot_lo95"] <= 0.5 <= row["boot_hi95"]
    assert row["coef"] == pytest.approx(0.5, abs=0.05)
    assert fit.oos_gain > 0.3  # the true driver predicts unseen years
    # ... and beats the trend forward-chaining, significantly
    assert fit.skill_vs_trend > 0.3 and fit.dm_p_value < 0.05
    assert fit.verdict == "beats the trend out of sample"
    assert fit.level == "monthly" and fit.bandwidth >= 1


def test_a_driver_that_does_nothing_is_not_found() -> None:
    fit = drivers.fit_theory(_synthetic(beta=0.5), "noise", ["noise_driver"])
    row = fit.coefficients.set_index("driver").loc["noise_driver"]
    assert row["lo95"] <= 0 <= row["hi95"]
    assert fit.oos_gain < 0.02
    assert fit.verdict != "beats the trend out of sample"


def test_a_driver_that_only_tracks_time_does_not_beat_the_trend() -> None:
    """Like log GDP per capita: smooth, rising, correlated with the outcome only through time."""
    panel = _synthetic(beta=0.0)
    rng = np.random.default_rng(7)
    t = (panel["month"].dt.year - 2004) + panel["month"].dt.month / 12
    panel["encounters_per_100k"] *= np.exp(0.15 * t)  # a trend in the outcome
    panel["gdp_like"] = 8 + 0.02 * t + rng.normal(0, 0.002, len(panel))
    fit = drivers.fit_theory(panel, "trend proxy", ["gdp_like"])
    assert fit.oos_gain > 0.3  # against fixed effects alone it looks strong ...
    assert fit.skill_vs_trend < 0.05  # ... and adds nothing to the trend
    assert fit.verdict != "beats the trend out of sample"
    trend_skill = fit.forward.skill("trend", "fixed_effects")
    assert trend_skill > 0.3


def test_the_verdict_needs_skill_and_significance() -> None:
    assert drivers.verdict(0.2, 0.01) == "beats the trend out of sample"
    assert drivers.verdict(0.2, 0.3).startswith("better than the trend out of sample, but not")
    assert drivers.verdict(-0.1, 0.01) == "does not beat the trend out of sample"
    assert drivers.verdict(float("nan"), 0.01) == "does not beat the trend out of sample"


def test_forward_chaining_never_trains_on_the_year_it_predicts() -> None:
    data, _ = drivers.prepare(_synthetic(), ["x"])
    # wreck one year's outcome: only the prediction of that year may change, not earlier ones
    before = drivers.forward_chaining(data, ["x"])
    wrecked = data.copy()
    wrecked.loc[wrecked["year"] == 2015, drivers.OUTCOME] += 5.0
    after = drivers.forward_chaining(wrecked, ["x"])
    assert before.years == after.years and before.years[0] == 2009
    i = before.years.index(2015)
    for name in drivers.FORWARD_MODELS:
        assert before.sse[name][:i] == after.sse[name][:i]
        assert after.sse[name][i] > before.sse[name][i]


def test_annual_drivers_are_fitted_on_country_years_from_the_previous_year() -> None:
    months = pd.date_range("2010-01-01", "2014-12-01", freq="MS")
    panel = pd.DataFrame(
        {
            "country": "HND",
            "month": months,
            "year": months.year,
            "encounters": 100.0,
            "population": 1e6,
            "homicide_rate": np.where(months.year == 2011, 50.0, 40.0),
            "mpp": np.where(months.year == 2012, 0.5, 0.0),
        }
    )
    years = drivers.country_years(panel, ["homicide_rate", "mpp"]).set_index("year")
    assert years.loc[2012, "homicide_rate"] == 50.0  # the 2011 values, all public by 2012
    assert years.loc[2012, "mpp"] == 0.5  # a regime: the share of the same year
    assert np.isnan(years.loc[2010, "homicide_rate"])  # no 2009 in the panel
    assert years.loc[2012, "encounters_per_100k"] == pytest.approx(1e5 * 1200 / 1e6)
    assert drivers.theory_level(["homicide_rate"]) == "country-year"
    assert drivers.theory_level(["us_unemployment", "mpp"]) == "monthly"


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
    levels = {f.theory: f.level for f in fits}
    assert levels["violence"] == "country-year" and levels["deterrence"] == "monthly"
    assert all(f.rows > 500 for f in fits if f.level == "monthly")
    assert all(50 <= f.rows <= 75 for f in fits if f.level == "country-year")
    table = drivers.comparison_table(fits)
    for column in ("skill_vs_trend", "dm_p_value", "verdict", "bandwidth", "boot_lo95"):
        assert table[column].notna().all(), column
    # monthly residuals are persistent: the chosen bandwidth is far above the 5-month default
    monthly = [f for f in fits if f.level == "monthly"]
    assert all(f.resid_ac1 > 0.7 and f.bandwidth > 10 for f in monthly)
    # every verdict follows from the out-of-sample numbers stored beside it
    for f in fits:
        assert f.verdict == drivers.verdict(f.skill_vs_trend, f.dm_p_value)


def test_the_replication_counts_the_country_years_it_uses() -> None:
    rng = np.random.default_rng(3)
    rows = [
        {
            "country": country,
            "fiscal_year": year,
            "homicides": 5000 + rng.normal(0, 800),
            "uac": 3000 + rng.normal(0, 150),
        }
        for country in ("GTM", "HND", "SLV")
        for year in range(2009, 2021)
    ]
    annual = pd.DataFrame(rows)
    annual.loc[
        (annual["country"] == "GTM") & annual["fiscal_year"].isin([2016, 2017]), "homicides"
    ] = np.nan
    result = drivers.replicate_homicide_uac(annual)
    assert result.rows == 34 and result.available == 36
    assert "34 of 36 country-years" in result.text
    assert "GTM FY2016, GTM FY2017" in result.text
