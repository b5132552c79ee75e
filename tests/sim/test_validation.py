"""The validation harness on arrays small enough to check by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from rootcauses.sim import validation as v
from rootcauses.sim.errors import SimError

GTM_HND = ("GTM", "HND")


def months_from(start: dt.date, n: int) -> list[dt.date]:
    out = []
    for k in range(n):
        m = start.month - 1 + k
        out.append(dt.date(start.year + m // 12, m % 12 + 1, 1))
    return out


# --------------------------------------------------------------------------- splits


def test_the_issue_splits():
    assert v.SPLITS["validation"] is v.VALIDATION and v.SPLITS["second"] is v.SECOND
    assert (v.VALIDATION.start, v.VALIDATION.train_end) == (
        dt.date(2012, 10, 1),
        dt.date(2019, 9, 1),
    )
    assert (v.VALIDATION.validate_start, v.VALIDATION.end) == (
        dt.date(2019, 10, 1),
        dt.date(2024, 9, 1),
    )
    assert (v.VALIDATION.train_months, v.VALIDATION.months) == (84, 144)
    assert (v.SECOND.start, v.SECOND.validate_start, v.SECOND.end) == (
        dt.date(2008, 10, 1),
        dt.date(2016, 10, 1),
        dt.date(2019, 9, 1),
    )
    assert (v.SECOND.train_months, v.SECOND.months) == (96, 132)
    with pytest.raises(SimError, match=r"unknown split 'third'.*validation, second"):
        v.get_split("third")
    with pytest.raises(SimError, match="without a gap"):
        v.Split("gap", 2010, 2012, 2014, 2015)


# --------------------------------------------------------------------------- baselines


def test_baselines_by_hand():
    train_months = months_from(dt.date(2017, 10, 1), 24)  # FY2018-FY2019
    train = np.column_stack([np.arange(24.0), 100 + np.arange(24.0)])
    future = months_from(dt.date(2019, 10, 1), 15)
    out = v.baselines(train, train_months, future)
    # flat: October is the mean of months 0 and 12 = 6, November 7, …, then October again
    assert out["flat"][:, 0].tolist() == [*range(6, 18), 6, 7, 8]
    assert out["flat"][0, 1] == 106
    assert out["random_walk"][:, 0].tolist() == [23.0] * 15
    assert out["random_walk"][:, 1].tolist() == [123.0] * 15
    assert out["seasonal_naive"][:, 0].tolist() == [*range(12, 24), 12, 13, 14]
    with pytest.raises(SimError, match="12 training months"):
        v.seasonal_naive_forecast(train[:5], 3)


def test_flat_baseline_needs_every_calendar_month():
    train_months = months_from(dt.date(2019, 1, 1), 6)
    with pytest.raises(SimError, match="every calendar month"):
        v.flat_forecast(np.ones((6, 1)), train_months, months_from(dt.date(2019, 7, 1), 2))


# --------------------------------------------------------------------------- metrics


def test_ard_pooled_and_by_country_by_hand():
    observed = np.array([[10.0, 30.0], [20.0, 20.0]])
    simulated = np.array([[12.0, 26.0], [20.0, 30.0]])
    # month 1: (2 + 4) / 40; month 2: (0 + 10) / 40
    assert v.ard(simulated, observed) == pytest.approx((6 / 40 + 10 / 40) / 2)
    by_country = v.ard_by_country(simulated, observed)
    assert by_country[0] == pytest.approx((2 / 10 + 0 / 20) / 2)
    assert by_country[1] == pytest.approx((4 / 30 + 10 / 20) / 2)
    with pytest.raises(SimError, match="same shape"):
        v.ard(simulated[:1], observed)


def test_mase_scales_by_hand():
    train = np.array([[1.0, 10.0], [3.0, 10.0], [6.0, 14.0]])
    # one-step naive: |3-1|, |6-3| -> 2.5; |0|, |4| -> 2.0
    assert v.naive_scale(train).tolist() == [2.5, 2.0]
    assert np.isnan(v.naive_scale(np.ones((4, 1))))[0]  # a constant series has no scale
    observed = np.array([[10.0, 10.0], [10.0, 10.0]])
    simulated = np.array([[5.0, 12.0], [15.0, 10.0]])
    mase = v.mase_by_country(simulated, observed, v.naive_scale(train))
    assert mase.tolist() == [pytest.approx(5 / 2.5), pytest.approx(1 / 2.0)]
    seasonal = np.concatenate([np.arange(12.0), np.arange(12.0) + 3, [20.0]])[:, None]
    # |y_t - y_{t-12}|: twelve 3s and |20 - 3| = 17 -> (36 + 17) / 13
    assert v.seasonal_scale(seasonal)[0] == pytest.approx(53 / 13)
    assert np.isnan(v.seasonal_scale(np.ones((12, 1))))[0]


def test_log_correlation():
    # log(1 + x) of 9, 99, 999 is evenly spaced: reversed, the correlation is exactly -1
    observed = np.array([[9.0, 100.0], [99.0, 50.0], [999.0, 70.0]])
    assert v.log_correlation(observed, observed) == pytest.approx(1.0)
    assert v.log_correlation(observed[::-1, 0], observed[:, 0]) == pytest.approx(-1.0)
    x, y = np.log1p(observed[:, 0]), np.log1p(observed[::-1, 1])
    assert v.log_correlation(observed[::-1, 1], observed[:, 0]) == pytest.approx(
        np.corrcoef(x, y)[0, 1]
    )
    assert v.log_correlation(np.ones(3), observed[:, 0]) is None


def test_fiscal_year_totals_by_hand():
    months = months_from(dt.date(2018, 9, 1), 25)  # Sep 2018 (FY2018), FY2019, FY2020
    observed = np.full((25, 2), 10.0)
    simulated = observed.copy()
    simulated[1:13, 0] = 13.0  # FY2019 GTM: 156 vs 120, +30 %: within (the edge)
    simulated[13:25, 0] = 13.1  # FY2020 GTM: +31 %: outside
    simulated[13:25, 1] = 6.0  # FY2020 HND: -40 %: outside
    rows = v.fiscal_year_totals(simulated, observed, months, GTM_HND)
    assert [(r["fiscal_year"], r["citizenship"]) for r in rows] == [
        (2019, "GTM"),
        (2019, "HND"),
        (2020, "GTM"),
        (2020, "HND"),
    ]  # FY2018 has one month here: left out
    assert rows[0]["observed"] == 120 and rows[0]["simulated"] == pytest.approx(156)
    assert rows[0]["relative_difference"] == pytest.approx(0.3) and rows[0]["within"]
    assert rows[1]["within"] and rows[1]["relative_difference"] == 0
    assert not rows[2]["within"] and not rows[3]["within"]
    assert rows[3]["relative_difference"] == pytest.approx(-0.4)


# --------------------------------------------------------------------------- regime responses


def test_regime_rule_on_a_step_series():
    months = months_from(dt.date(2019, 1, 1), 12)
    change = v.RegimeChange(dt.date(2019, 6, 1), "step")
    # two countries: 60 + 40 before, the change month is a mixture, 20 + 20 after
    observed = np.array([[60.0, 40.0]] * 5 + [[1000.0, 1000.0]] + [[20.0, 20.0]] * 6)
    response = v.regime_response(observed, months, change)
    assert response["before"] == 100 and response["after"] == 40  # the change month left out
    assert response["change"] == pytest.approx(-0.6) and response["direction"] == "down"
    # only months t-3..t-1 and t+1..t+3 count
    noisy = observed.copy()
    noisy[:2] = 1e6
    noisy[-2:] = 1e6
    assert v.regime_response(noisy, months, change)["change"] == pytest.approx(-0.6)

    rising = observed[::-1].copy()
    rows = v.regime_responses(rising, observed, months, (change,))
    assert rows[0]["observed_direction"] == "down"
    assert rows[0]["simulated_direction"] == "up" and rows[0]["right"] is False
    rows = v.regime_responses(observed * 0.5, observed, months, (change,))
    assert rows[0]["right"] is True and rows[0]["simulated_change"] == pytest.approx(-0.6)


def test_regime_outside_the_series_is_skipped_with_a_reason():
    months = months_from(dt.date(2019, 1, 1), 8)  # Jan-Aug 2019: June needs up to September
    series = np.ones((8, 1))
    change = v.RegimeChange(dt.date(2019, 6, 1), "late")
    rows = v.regime_responses(series, series, months, (change,))
    assert rows[0]["right"] is None
    assert rows[0]["skipped"] == "needs 2019-03..2019-09; the series covers 2019-01..2019-08"
    gappy = np.ones((12, 1))
    gappy[7] = np.nan
    rows = v.regime_responses(gappy, gappy, months_from(dt.date(2019, 1, 1), 12), (change,))
    assert "missing values" in rows[0]["skipped"]


# --------------------------------------------------------------------------- the scorecard


def history_like(seed: int = 0) -> tuple[np.ndarray, list[dt.date]]:
    """FY2013-FY2024 for three countries: noisy levels with a step after each regime change
    (down, down, up, up, down) so the five observed directions are known."""
    months = months_from(v.VALIDATION.start, v.VALIDATION.months)
    rng = np.random.default_rng(seed)
    level = np.ones(len(months))
    for change, factor in zip(v.REGIME_CHANGES, (0.5, 0.4, 3.0, 1.6, 0.5), strict=True):
        level[np.array(months) > change.month] *= factor
    noise = rng.lognormal(0, 0.1, size=(len(months), 3))
    return 1000 * level[:, None] * noise * np.array([1.0, 1.5, 0.6]), months


def card_of(simulated, observed, months):
    return v.scorecard(simulated, observed, months, ("GTM", "HND", "SLV"), v.VALIDATION)


def test_a_perfect_model_passes_every_check():
    observed, months = history_like()
    card = card_of(observed, observed, months)
    assert card["models"]["model"]["ard"]["pooled"] == 0
    assert card["improvement"] == {"ard": 1.0, "mase": 1.0}
    assert [r["observed_direction"] for r in card["models"]["model"]["regimes"]] == [
        "down",
        "down",
        "up",
        "up",
        "down",
    ]
    assert card["regimes"] == {"right": 5, "scored": 5, "of": 5, "needed": 4}
    acceptance = card["acceptance"]
    assert acceptance["all"] is True
    assert set(card["models"]) == {"model", "flat", "random_walk", "seasonal_naive"}
    assert len(card["models"]["model"]["fiscal_years"]) == 5 * 3
    # a baseline exists only in the validation window: June 2019 is skipped for it
    assert card["models"]["flat"]["regimes"][0]["right"] is None


def test_ard_and_mase_checks_flip_at_25_percent():
    observed, months = history_like()
    n = v.VALIDATION.train_months
    card = card_of(observed, observed, months)
    for metric in ("ard", "mase"):
        best = card["best_baseline"][metric]
        forecast = v.baselines(observed[:n], months[:n], months[n:])[best]
        key = f"{metric}_25pct_better_than_best_baseline"
        for k, expected in ((0.7, True), (0.8, False)):
            simulated = observed.copy()
            # the model's errors are k times the best baseline's: 1 - k better
            simulated[n:] = observed[n:] + k * (forecast - observed[n:])
            scored = card_of(simulated, observed, months)
            assert scored["best_baseline"][metric] == best
            assert scored["improvement"][metric] == pytest.approx(1 - k)
            assert scored["acceptance"][key] is expected, (metric, k)


def test_fiscal_year_check_flips_with_two_bad_years():
    observed, months = history_like()
    simulated = observed.copy()
    fy = np.array([m.year + (m.month >= 10) for m in months])
    simulated[fy == 2021, 1] *= 1.5  # one bad year for HND: 4 of 5 within, still passes
    card = card_of(simulated, observed, months)
    assert card["models"]["model"]["fiscal_years_within"]["HND"] == {"within": 4, "years": 5}
    assert card["acceptance"]["fiscal_years_within_30pct"] is True
    simulated[fy == 2023, 1] *= 0.5  # a second one: 3 of 5
    card = card_of(simulated, observed, months)
    assert card["acceptance"]["fiscal_years_within_30pct_by_country"] == {
        "GTM": True,
        "HND": False,
        "SLV": True,
    }
    assert card["acceptance"]["fiscal_years_within_30pct"] is False
    assert card["acceptance"]["all"] is False


def test_regime_check_flips_with_two_wrong_directions():
    observed, months = history_like()

    def flatten_after(series, change):
        """Hold the 3 months after ``change`` at 3x the level before: direction 'up'."""
        out = series.copy()
        t = months.index(change.month)
        out[t + 1 : t + 4] = 3 * series[t - 3 : t].mean(axis=0)
        return out

    simulated = flatten_after(observed, v.REGIME_CHANGES[0])  # June 2019 observed down
    card = card_of(simulated, observed, months)
    assert card["regimes"]["right"] == 4 and card["acceptance"]["regime_directions"] is True
    simulated = flatten_after(simulated, v.REGIME_CHANGES[1])  # March 2020 observed down
    card = card_of(simulated, observed, months)
    assert card["regimes"]["right"] == 3 and card["acceptance"]["regime_directions"] is False


def test_training_fit_check_against_flat():
    observed, months = history_like()
    assert card_of(observed, observed, months)["acceptance"]["training_better_than_flat"]
    n = v.VALIDATION.train_months
    simulated = observed.copy()
    simulated[:n] = observed[:n] * 3  # a training fit far worse than the calendar-month means
    card = card_of(simulated, observed, months)
    assert card["training"]["model"]["ard"] == pytest.approx(2.0)
    assert card["acceptance"]["training_better_than_flat"] is False


def test_scorecard_checks_its_inputs():
    observed, months = history_like()
    with pytest.raises(SimError, match=r"needs 2012-10..2024-09; got 2013-10"):
        card_of(observed[12:], observed[12:], months[12:])
    gappy = observed.copy()
    gappy[-1, 0] = np.nan
    with pytest.raises(SimError, match="validation window has missing observations"):
        card_of(observed, gappy, months)
    with pytest.raises(SimError, match="consecutive"):
        card_of(observed[:-1], observed[:-1], months[:-2] + months[-1:])
    # extra months around the split are cut off
    wider = months_from(dt.date(2012, 1, 1), len(months) + 9)
    padded = np.concatenate([np.ones((9, 3)), observed])
    assert card_of(padded, padded, wider)["models"]["model"]["ard"]["pooled"] == 0
