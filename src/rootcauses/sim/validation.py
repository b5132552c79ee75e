"""Validation of the policy lab against history: baselines, metrics, regime responses and the
scorecard of issue 11. Pure functions on arrays ``[month, country]``; no I/O, no model.

The model runs freely from the first training month through the validation window (it is never
refitted there); everything here only compares its monthly series with the observed one.

* **Splits** (:data:`SPLITS`): ``validation`` trains on FY2013-FY2019 and validates on
  FY2020-FY2024; ``second`` trains on FY2009-FY2016 and validates on FY2017-FY2019.
* **Baselines**, forecast at the end of training for the whole validation window: ``flat`` (the
  training mean per country and calendar month), ``random_walk`` (the last training month
  carried forward) and ``seasonal_naive`` (the last 12 training months repeated).
* **Metrics** on the validation window: Flee's averaged relative difference (ARD), MASE, fiscal-
  year totals within ±30 %, the correlation of log monthly values (definitions in
  :data:`DEFINITIONS`, repeated in every scorecard).
* **Regime responses** (:data:`REGIME_CHANGES`, rule in :func:`regime_response`): the direction
  of the change at five US policy changes, observed and simulated.
* :func:`scorecard` puts it together with the issue's acceptance checks (:data:`ACCEPTANCE`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rootcauses.periods import fiscal_year
from rootcauses.sim.errors import SimError

SEASON = 12
REGIME_MONTHS = 3  # months averaged on each side of a regime change


# --------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class Split:
    """Training and validation windows as US fiscal years (FY N = October N-1 to September N)."""

    name: str
    train_first: int
    train_last: int
    validate_first: int
    validate_last: int

    def __post_init__(self) -> None:
        if not self.train_first <= self.train_last < self.validate_first <= self.validate_last:
            raise SimError(f"split {self.name!r}: windows must be ordered and not overlap")
        if self.validate_first != self.train_last + 1:
            raise SimError(f"split {self.name!r}: validation must follow training without a gap")

    @property
    def start(self) -> dt.date:
        return dt.date(self.train_first - 1, 10, 1)

    @property
    def train_end(self) -> dt.date:
        return dt.date(self.train_last, 9, 1)

    @property
    def validate_start(self) -> dt.date:
        return dt.date(self.validate_first - 1, 10, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.validate_last, 9, 1)

    @property
    def train_months(self) -> int:
        return 12 * (self.train_last - self.train_first + 1)

    @property
    def months(self) -> int:
        return 12 * (self.validate_last - self.train_first + 1)

    def describe(self) -> dict[str, str]:
        return {
            "name": self.name,
            "train": f"FY{self.train_first}..FY{self.train_last}",
            "validate": f"FY{self.validate_first}..FY{self.validate_last}",
            "train_months": f"{self.start:%Y-%m}..{self.train_end:%Y-%m}",
            "validate_months": f"{self.validate_start:%Y-%m}..{self.end:%Y-%m}",
        }


VALIDATION = Split("validation", 2013, 2019, 2020, 2024)
SECOND = Split("second", 2009, 2016, 2017, 2019)
SPLITS: dict[str, Split] = {s.name: s for s in (VALIDATION, SECOND)}


def get_split(name: str) -> Split:
    if name not in SPLITS:
        raise SimError(f"unknown split {name!r}; expected one of {', '.join(SPLITS)}")
    return SPLITS[name]


# --------------------------------------------------------------------------- regime changes


@dataclass(frozen=True)
class RegimeChange:
    month: dt.date  # first day of the month the change took effect
    name: str


REGIME_CHANGES: tuple[RegimeChange, ...] = (
    RegimeChange(dt.date(2019, 6, 1), "MPP expansion and US-Mexico agreement"),
    RegimeChange(dt.date(2020, 3, 1), "Title 42 expulsions begin"),
    RegimeChange(dt.date(2021, 2, 1), "early 2021 (MPP and ACAs suspended)"),
    RegimeChange(dt.date(2023, 5, 1), "end of Title 42"),
    RegimeChange(dt.date(2024, 6, 1), "Securing the Border rule"),
)

# the acceptance thresholds
ACCEPTANCE = {
    "improvement_over_best_baseline": 0.25,  # ARD and MASE each at least 25 % lower
    "fiscal_year_tolerance": 0.30,  # |sim - obs| <= 30 % of observed
    "fiscal_years_within_share": 0.8,  # 4 of 5 fiscal years, per country
    "regimes_right": 4,  # of the 5 regime changes
}

DEFINITIONS = {
    "ard": "Flee's averaged relative difference (Suleimenova, Bell and Groen 2017): mean over "
    "validation months of sum_c |sim - obs| / sum_c obs; by country, the same for one country",
    "mase": "mean |sim - obs| / the in-sample one-step naive MAE (mean |y_t - y_t-1|) of the "
    "training window, per country; pooled = mean over countries",
    "mase_seasonal": "as mase, scaled by the in-sample seasonal naive MAE (lag 12) instead",
    "log_correlation": "Pearson correlation of log(1 + monthly value), simulated vs observed, "
    "over the validation months; pooled = over every country-month",
    "fiscal_years": "US fiscal-year totals (October-September) of the validation window; "
    "within = |sim - obs| <= 30% of obs",
    "regimes": "mean of the 3 months after the change month vs the 3 months before it (the "
    "change month itself left out), summed over the countries; direction = sign of the change; "
    "right = simulated direction equals observed",
    "flat": "training mean per country and calendar month",
    "random_walk": "last training month carried forward",
    "seasonal_naive": "last 12 training months repeated",
    "improvement": "1 - model / best baseline (positive = the model is better)",
}


# --------------------------------------------------------------------------- helpers


def _check_pair(simulated: np.ndarray, observed: np.ndarray) -> None:
    if simulated.shape != observed.shape or simulated.ndim != 2:
        raise SimError(
            f"simulated {simulated.shape} and observed {observed.shape} must both be "
            "[month, country] arrays of the same shape"
        )


def check_months(months: Sequence[dt.date]) -> None:
    """Consecutive first-of-month dates: the calendar-month and fiscal-year rules rely on it."""
    for a, b in itertools.pairwise(months):
        step = (b.year - a.year) * 12 + b.month - a.month
        if a.day != 1 or b.day != 1 or step != 1:
            raise SimError(f"months must be consecutive first days of a month: {a} then {b}")


def _shift(month: dt.date, k: int) -> dt.date:
    n = month.year * 12 + month.month - 1 + k
    return dt.date(n // 12, n % 12 + 1, 1)


# --------------------------------------------------------------------------- baselines


def flat_forecast(
    train: np.ndarray, train_months: Sequence[dt.date], months: Sequence[dt.date]
) -> np.ndarray:
    """The training mean of each country and calendar month, for each of ``months``."""
    calendar = np.array([m.month for m in train_months])
    profile = np.full((12, train.shape[1]), np.nan)
    for k in range(1, 13):
        rows = train[calendar == k]
        if rows.size:
            profile[k - 1] = np.nanmean(rows, axis=0)
    if np.isnan(profile[[m.month - 1 for m in months]]).any():
        raise SimError("the flat baseline needs every calendar month in the training window")
    return profile[[m.month - 1 for m in months]]


def random_walk_forecast(train: np.ndarray, horizon: int) -> np.ndarray:
    """The last training month carried forward over ``horizon`` months."""
    return np.repeat(train[-1:], horizon, axis=0)


def seasonal_naive_forecast(train: np.ndarray, horizon: int) -> np.ndarray:
    """The last 12 training months repeated: month h after training is the one 12k months
    earlier, so calendar months line up."""
    if train.shape[0] < SEASON:
        raise SimError(f"the seasonal naive baseline needs {SEASON} training months")
    last = train[-SEASON:]
    return last[np.arange(horizon) % SEASON]


def baselines(
    train: np.ndarray, train_months: Sequence[dt.date], months: Sequence[dt.date]
) -> dict[str, np.ndarray]:
    """The three baselines over ``months`` (the validation window, right after training)."""
    horizon = len(months)
    return {
        "flat": flat_forecast(train, train_months, months),
        "random_walk": random_walk_forecast(train, horizon),
        "seasonal_naive": seasonal_naive_forecast(train, horizon),
    }


# --------------------------------------------------------------------------- metrics


def ard(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Flee's averaged relative difference: mean over months of Σ_c |sim − obs| / Σ_c obs."""
    _check_pair(simulated, observed)
    per_month = np.abs(simulated - observed).sum(axis=1) / observed.sum(axis=1)
    return float(np.mean(per_month))


def ard_by_country(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """ARD of each country on its own: mean over months of |sim − obs| / obs."""
    _check_pair(simulated, observed)
    by_country: np.ndarray = np.mean(np.abs(simulated - observed) / observed, axis=0)
    return by_country


def naive_scale(train: np.ndarray) -> np.ndarray:
    """Per country: the in-sample MAE of the one-step naive forecast on the training window,
    mean |y_t − y_{t−1}| (Hyndman and Koehler 2006's MASE scale for non-seasonal data)."""
    scale = np.nanmean(np.abs(np.diff(train, axis=0)), axis=0)
    return np.where(scale > 0, scale, np.nan)


def seasonal_scale(train: np.ndarray, season: int = SEASON) -> np.ndarray:
    """Per country: the in-sample MAE of the seasonal naive forecast, mean |y_t − y_{t−12}|."""
    if train.shape[0] <= season:
        return np.full(train.shape[1], np.nan)
    scale = np.nanmean(np.abs(train[season:] - train[:-season]), axis=0)
    return np.where(scale > 0, scale, np.nan)


def mase_by_country(simulated: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Mean absolute error of each country divided by its ``scale``."""
    _check_pair(simulated, observed)
    by_country: np.ndarray = np.mean(np.abs(simulated - observed), axis=0) / scale
    return by_country


def log_correlation(simulated: np.ndarray, observed: np.ndarray) -> float | None:
    """Pearson correlation of log(1 + value); None when either side is constant."""
    x, y = np.log1p(np.ravel(simulated)), np.log1p(np.ravel(observed))
    if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def fiscal_year_totals(
    simulated: np.ndarray,
    observed: np.ndarray,
    months: Sequence[dt.date],
    countries: Sequence[str],
    tolerance: float = ACCEPTANCE["fiscal_year_tolerance"],
) -> list[dict[str, Any]]:
    """Each country's totals per US fiscal year (only years whose 12 months are all in
    ``months``), and whether the simulated total is within ``tolerance`` of the observed."""
    _check_pair(simulated, observed)
    years = np.array([fiscal_year(m) for m in months])
    rows = []
    for fy in sorted(set(years.tolist())):
        inside = years == fy
        if inside.sum() != 12:
            continue
        for c, country in enumerate(countries):
            obs = float(observed[inside, c].sum())
            sim = float(simulated[inside, c].sum())
            relative = (sim - obs) / obs if obs > 0 else None
            rows.append(
                {
                    "fiscal_year": int(fy),
                    "citizenship": country,
                    "observed": obs,
                    "simulated": sim,
                    "relative_difference": relative,
                    "within": relative is not None and abs(relative) <= tolerance,
                }
            )
    return rows


def around_change(
    series: np.ndarray, months: Sequence[dt.date], change: RegimeChange
) -> tuple[np.ndarray, np.ndarray] | str:
    """Means of ``series`` ([month, …]) over the :data:`REGIME_MONTHS` months before the change
    month and the as many after it; or why they cannot be taken (months outside the series,
    missing values)."""
    first, last = _shift(change.month, -REGIME_MONTHS), _shift(change.month, REGIME_MONTHS)
    if not months or first < months[0] or last > months[-1]:
        span = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}" if months else "nothing"
        return f"needs {first:%Y-%m}..{last:%Y-%m}; the series covers {span}"
    t = list(months).index(change.month)
    before = series[t - REGIME_MONTHS : t]
    after = series[t + 1 : t + 1 + REGIME_MONTHS]
    if np.isnan(before).any() or np.isnan(after).any():
        return f"missing values in {first:%Y-%m}..{last:%Y-%m}"
    return before.mean(axis=0), after.mean(axis=0)


def regime_response(
    series: np.ndarray, months: Sequence[dt.date], change: RegimeChange
) -> dict[str, Any]:
    """The change at ``change.month`` in ``series`` ([month] or [month, country], summed over
    countries): mean of the 3 months after the change month / mean of the 3 months before it,
    minus 1, and its sign (``up``, ``down`` or ``flat``). The change month itself is left out: a
    rule taking effect mid-month makes it a mixture. ``skipped`` says why when the 7 months are
    not all in ``months`` or the series is missing there."""
    total = series.sum(axis=1) if series.ndim == 2 else series
    out: dict[str, Any] = {"month": f"{change.month:%Y-%m}", "name": change.name}
    means = around_change(total, months, change)
    if isinstance(means, str):
        return out | {"skipped": means}
    mean_before, mean_after = float(means[0]), float(means[1])
    change_ratio = mean_after / mean_before - 1 if mean_before > 0 else None
    direction = "up" if mean_after > mean_before else "down" if mean_after < mean_before else "flat"
    return out | {
        "before": mean_before,
        "after": mean_after,
        "change": change_ratio,
        "direction": direction,
    }


def regime_responses(
    simulated: np.ndarray,
    observed: np.ndarray,
    months: Sequence[dt.date],
    changes: Sequence[RegimeChange] = REGIME_CHANGES,
) -> list[dict[str, Any]]:
    """Observed and simulated direction at each regime change, and whether they agree
    (``right``; None when the change was skipped)."""
    _check_pair(simulated, observed)
    rows = []
    for change in changes:
        obs = regime_response(observed, months, change)
        sim = regime_response(simulated, months, change)
        row: dict[str, Any] = {"month": obs["month"], "name": obs["name"]}
        skipped = obs.get("skipped") or sim.get("skipped")
        if skipped:
            rows.append(row | {"skipped": skipped, "right": None})
            continue
        rows.append(
            row
            | {
                "observed_change": obs["change"],
                "observed_direction": obs["direction"],
                "simulated_change": sim["change"],
                "simulated_direction": sim["direction"],
                "right": obs["direction"] == sim["direction"],
            }
        )
    return rows


# --------------------------------------------------------------------------- the scorecard


def _nan_to_none(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _by_country(values: np.ndarray, countries: Sequence[str]) -> dict[str, float | None]:
    return {c: _nan_to_none(float(v)) for c, v in zip(countries, values, strict=True)}


def score(
    forecast: np.ndarray,
    observed: np.ndarray,
    months: Sequence[dt.date],
    countries: Sequence[str],
    scales: Mapping[str, np.ndarray],
) -> dict[str, Any]:
    """Every metric of one forecast of the validation window (``forecast`` and ``observed``
    over ``months`` only); ``scales`` = {"naive": …, "seasonal": …} from the training window."""
    mase = mase_by_country(forecast, observed, scales["naive"])
    mase_seasonal = mase_by_country(forecast, observed, scales["seasonal"])
    years = fiscal_year_totals(forecast, observed, months, countries)
    within = {
        c: {
            "within": sum(1 for r in years if r["citizenship"] == c and r["within"]),
            "years": sum(1 for r in years if r["citizenship"] == c),
        }
        for c in countries
    }
    return {
        "ard": {
            "pooled": ard(forecast, observed),
            "by_country": _by_country(ard_by_country(forecast, observed), countries),
        },
        "mase": {
            "pooled": _nan_to_none(float(np.mean(mase))),
            "by_country": _by_country(mase, countries),
        },
        "mase_seasonal": {
            "pooled": _nan_to_none(float(np.mean(mase_seasonal))),
            "by_country": _by_country(mase_seasonal, countries),
        },
        "log_correlation": {
            "pooled": log_correlation(forecast, observed),
            "by_country": {
                c: log_correlation(forecast[:, k], observed[:, k]) for k, c in enumerate(countries)
            },
        },
        "fiscal_years": years,
        "fiscal_years_within": within,
    }


def improvement(model: float | None, best: float | None) -> float | None:
    """1 − model / best: 0.25 means 25 % lower (better) than the best baseline."""
    if model is None or best is None or best == 0:
        return None
    return 1.0 - model / best


def _below(value: float | None, reference: float | None) -> bool:
    """Whether both are known and ``value`` is the lower."""
    return value is not None and reference is not None and value < reference


def _needed(years: int) -> int:
    return math.ceil(ACCEPTANCE["fiscal_years_within_share"] * years - 1e-9)


def scorecard(
    simulated: np.ndarray,
    observed: np.ndarray,
    months: Sequence[dt.date],
    countries: Sequence[str],
    split: Split,
    *,
    burn_in: int = 0,
    changes: Sequence[RegimeChange] = REGIME_CHANGES,
) -> dict[str, Any]:
    """The model against the three baselines on ``split`` (JSON-ready).

    ``simulated`` and ``observed`` are [month, country] over ``months``, which must cover the
    split from its first training month to its last validation month (extra months are cut).
    Validation metrics use the validation window only; regime responses use the whole split
    (the June 2019 change lies in the training window of ``validation``); the training fit
    leaves out the first ``burn_in`` simulated months (the journey pipeline is empty at the start).
    Acceptance (:data:`ACCEPTANCE`): ARD and MASE each ≥ 25 % better than the best baseline; each
    country's fiscal-year totals within ±30 % in ≥ 80 % of the validation years (4 of 5); ≥ 4
    regime directions right; training fit better than flat on both ARD and MASE."""
    simulated, observed = np.asarray(simulated, float), np.asarray(observed, float)
    _check_pair(simulated, observed)
    months = list(months)
    check_months(months)
    if simulated.shape[1] != len(countries) or simulated.shape[0] != len(months):
        raise SimError(
            f"arrays are {simulated.shape}; expected [{len(months)} months, {len(countries)} "
            "countries]"
        )
    if not months or months[0] > split.start or months[-1] < split.end:
        span = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}" if months else "nothing"
        raise SimError(
            f"split {split.name!r} needs {split.start:%Y-%m}..{split.end:%Y-%m}; got {span}"
        )
    lo, hi = months.index(split.start), months.index(split.end) + 1
    months, simulated, observed = months[lo:hi], simulated[lo:hi], observed[lo:hi]
    n_train = split.train_months
    train_obs, valid_obs = observed[:n_train], observed[n_train:]
    train_months, valid_months = months[:n_train], months[n_train:]
    if np.isnan(valid_obs).any():
        raise SimError(f"split {split.name!r}: the validation window has missing observations")
    if np.isnan(train_obs).all(axis=0).any():
        raise SimError(f"split {split.name!r}: a country has no observation in training")

    scales = {"naive": naive_scale(train_obs), "seasonal": seasonal_scale(train_obs)}
    forecasts = {"model": simulated[n_train:], **baselines(train_obs, train_months, valid_months)}
    models = {
        name: score(f, valid_obs, valid_months, countries, scales) for name, f in forecasts.items()
    }
    regimes = regime_responses(simulated, observed, months, changes)
    models["model"]["regimes"] = regimes
    for name in ("flat", "random_walk", "seasonal_naive"):
        # a baseline exists only in the validation window, so only changes inside it are scored
        models[name]["regimes"] = regime_responses(
            forecasts[name], valid_obs, valid_months, changes
        )

    best: dict[str, str] = {}
    gains: dict[str, float | None] = {}
    for metric in ("ard", "mase"):
        candidates = {
            name: models[name][metric]["pooled"]
            for name in ("flat", "random_walk", "seasonal_naive")
            if models[name][metric]["pooled"] is not None
        }
        best[metric] = min(candidates, key=candidates.__getitem__) if candidates else ""
        gains[metric] = improvement(models["model"][metric]["pooled"], candidates.get(best[metric]))

    # training fit: the model's training months (after the burn-in) against flat in-sample
    fit_sim, fit_obs = simulated[burn_in:n_train], train_obs[burn_in:]
    flat_in_sample = flat_forecast(train_obs, train_months, train_months)[burn_in:]
    keep = ~np.isnan(fit_obs).any(axis=1)
    training = {
        name: {
            "ard": ard(f[keep], fit_obs[keep]),
            "mase": _nan_to_none(
                float(np.mean(mase_by_country(f[keep], fit_obs[keep], scales["naive"])))
            ),
        }
        for name, f in (("model", fit_sim), ("flat", flat_in_sample))
    }

    target = ACCEPTANCE["improvement_over_best_baseline"]
    within = models["model"]["fiscal_years_within"]
    fy_by_country = {
        c: w["years"] > 0 and w["within"] >= _needed(w["years"]) for c, w in within.items()
    }
    right = sum(1 for r in regimes if r["right"])
    scored = sum(1 for r in regimes if r["right"] is not None)
    needed_regimes = ACCEPTANCE["regimes_right"]
    acceptance = {
        "ard_25pct_better_than_best_baseline": gains["ard"] is not None and gains["ard"] >= target,
        "mase_25pct_better_than_best_baseline": gains["mase"] is not None
        and gains["mase"] >= target,
        "fiscal_years_within_30pct": all(fy_by_country.values()),
        "fiscal_years_within_30pct_by_country": fy_by_country,
        "regime_directions": right >= needed_regimes,
        "training_better_than_flat": all(
            _below(training["model"][k], training["flat"][k]) for k in ("ard", "mase")
        ),
    }
    acceptance["all"] = all(v for k, v in acceptance.items() if isinstance(v, bool))
    return {
        "split": split.describe(),
        "countries": list(countries),
        "burn_in_months": burn_in,
        "definitions": DEFINITIONS,
        "thresholds": dict(ACCEPTANCE),
        "models": models,
        "best_baseline": best,
        "improvement": gains,
        "regimes": {"right": right, "scored": scored, "of": len(changes), "needed": needed_regimes},
        "training": training,
        "acceptance": acceptance,
    }


def series_rows(
    months: Sequence[dt.date],
    countries: Sequence[str],
    observed: np.ndarray,
    simulated: np.ndarray,
    n_train: int,
) -> list[dict[str, Any]]:
    """Observed and simulated [month, country] as JSON rows, each marked train or validate."""
    return [
        {
            "month": month.isoformat(),
            "citizenship": country,
            "observed": float(observed[t, c]),
            "simulated": float(simulated[t, c]),
            "window": "train" if t < n_train else "validate",
        }
        for t, month in enumerate(months)
        for c, country in enumerate(countries)
    ]
