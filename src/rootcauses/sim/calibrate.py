"""Calibration: fit the free parameters to monthly USBP southwest-border encounters by citizenship.

What is fitted (:data:`DEFAULT_FREE`, within the search boxes of :data:`SEARCH_BOX`, which leave
both signs open for every coefficient): the base departure rate (the mean monthly hazard at the
run's first month, on a log scale), the country effects and season, the violence and income-gap
betas, the feedbacks (expectations, diffusion, cascades), the base shares of the migrant types,
and the shocks and border parameters the training window can inform (:func:`identified`; the
others keep their documented values and the report lists them). The intercept is anchored at the
run's first month, so the fitted base rate belongs to the training start; the calibrated file
carries the rate re-anchored to the scenarios' default start, and the fitted one in its
provenance (``sim history`` uses it).

How:

* the simulation runs from the first month of the training window (fiscal years, October to
  September) with a fixed seed (common random numbers: the loss is a deterministic function of
  the parameters);
* the loss (:func:`history_loss`) is the mean squared difference of ``log(1 + encounters)`` by
  month and country after a :data:`BURN_IN`, plus the same of fiscal-year totals, plus the
  jumps around the regime changes inside the window (:func:`jump_loss`), plus the fiscal-year
  encounters by migrant type where CBP published them (:func:`type_loss`);
* ``method="evolution"`` (what ``rootcauses sim calibrate`` uses): differential evolution, each
  generation evaluated through a map (Ray), then Nelder–Mead from its best point, then the
  plausible region (:func:`_plausible_region`); ``"nelder-mead"`` refines from the start values;
* the fitting simulation is given **only the training months** of the inputs (``inputs.head``) and
  **only the training months** of the target, so neither the drivers nor the encounters of the
  validation window can leak into the fit (tested);
* the fitted parameters then drive one run over training + validation, scored on the validation
  window next to the seasonal naive forecast made at the end of training (the last 12 training
  months repeated), and next to the lag-12 seasonal naive (last year's observed value; it sees
  validation-window encounters, so it is a stronger reference than any model may use here).

Metrics (validation window):

* ``flee_ard`` — the averaged relative difference of the Flee refugee model (Suleimenova, Bell
  and Groen 2017, Sci. Rep. 7:13377): per month, Σ_c |sim − obs| / Σ_c obs over the countries
  (Flee's camps), averaged over the months;
* ``mase`` — mean absolute error scaled by the in-sample seasonal naive error of the same country
  on the training window (:func:`rootcauses.analysis.metrics.seasonal_naive_scale`, as the
  forecasting module does), averaged over the countries (< 1 beats that scale).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import OptimizeResult, differential_evolution, minimize

from rootcauses.analysis import metrics
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.periods import fiscal_year
from rootcauses.sim import engine, kernel
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import ParameterSpec, neutral_levers

# The optimiser's search box for each parameter calibration fits by default: inside the parameter's
# allowed range, with both signs open for every coefficient (the data may prefer the unexpected
# sign; the report says so). The feedbacks' boxes are narrower than their ranges: beyond them a
# run explodes or dies out within a few years, far outside anything observed.
SEARCH_BOX: dict[str, tuple[float, float]] = {
    "base_departure_rate": (10**-3.5, 10**-1.3),
    "country_effect_HND": (-1.5, 1.5),
    "country_effect_SLV": (-1.5, 1.5),
    "season_cos": (-0.6, 0.6),
    "season_sin": (-0.6, 0.6),
    "beta_violence": (-2.0, 3.0),
    "beta_income_gap": (-2.0, 3.0),
    "beta_expectation": (-10.0, 20.0),
    "beta_type_expectation": (-10.0, 20.0),
    "expectation_weight": (0.05, 1.0),
    "announcement_shift": (0.0, 1.0),
    "beta_diffusion": (-3.0, 3.0),
    "beta_cascade": (-1.0, 2.0),
    "beta_covid": (-5.0, 1.0),
    "covid_deferral_share": (0.0, 1.0),
    "covid_release_months": (1.0, 24.0),
    "mx_enforcement_effect": (-0.9, 5.0),
    "beta_us_unemployment": (-1.0, 1.0),
    "recross_probability": (0.0, 0.9),
    "cbp_one_port_share": (0.0, 0.8),
    "removal_capacity_share": (0.0, 3.0),
    # the base shares of the migrant types, which the fiscal-year encounters by type inform; the
    # boxes keep their sum below 1 (engine.type_shares refuses more) and leave single adults at
    # least 5 % of departures
    "share_uac": (0.02, 0.4),
    "share_family": (0.05, 0.55),
}
DEFAULT_FREE = tuple(SEARCH_BOX)


def _filled(value: np.ndarray | None) -> np.ndarray:
    """An optional input of :class:`engine.SimInputs`, which its ``__post_init__`` always fills."""
    assert value is not None
    return value


# parameters whose mechanism acts only while an input is non-zero: a training window without it
# says nothing about them, so they keep their documented value (and the report says so)
ACTIVE_WITH: dict[str, Callable[[engine.SimInputs], np.ndarray]] = {
    "beta_covid": lambda inputs: _filled(inputs.covid),
    "beta_storm": lambda inputs: _filled(inputs.storms),
    "covid_deferral_share": lambda inputs: _filled(inputs.covid),
    "covid_release_months": lambda inputs: _filled(inputs.covid),
    "recross_probability": lambda inputs: inputs.regime("title_42"),
    "title42_expulsion_probability": lambda inputs: inputs.regime("title_42"),
    "title42_expulsion_family": lambda inputs: inputs.regime("title_42"),
    "cbp_one_port_share": lambda inputs: inputs.regime("cbp_one"),
    "mpp_return_share": lambda inputs: inputs.regime("mpp"),
    "mx_enforcement_effect": lambda inputs: inputs.regime("mexico_enforcement"),
    "asylum_rule_removal_add": lambda inputs: inputs.regime("securing_the_border"),
    "entry_suspension_removal_add": lambda inputs: inputs.regime("entry_suspension"),
    "beta_us_unemployment": lambda inputs: np.ptp(_filled(inputs.us_unemployment), keepdims=True),
    "beta_expectation": lambda inputs: _expectations_move(inputs),
    "beta_type_expectation": lambda inputs: _expectations_move(inputs),
    "expectation_weight": lambda inputs: _expectations_move(inputs),
    "announcement_shift": lambda inputs: engine.announcement_signal(inputs.months),
    "removal_capacity_share": lambda inputs: np.isfinite(_filled(inputs.removal_capacity)),
}
# ... and those that need the input active for some time: the response to a change of policy is
# told apart from policy's response to the flows (the 2019 surge came before MPP's expansion and
# the Mexico agreement: fitted on FY2019's policy months alone, β_expectation came out at about
# -8, a deterrent that attracts) only over several changes or an announcement that came before
# any change of flows (January 2017), not over the last months of a window
MIN_ACTIVE_MONTHS: dict[str, int] = {
    "beta_expectation": 24,
    "beta_type_expectation": 24,
    "expectation_weight": 24,
    "mx_enforcement_effect": 24,
}


ANNOUNCEMENT_MONTHS = 24  # months after an announcement that inform the expectations


def _expectations_move(inputs: engine.SimInputs) -> np.ndarray:
    """[month] where the perceived chances can move apart from the outcomes of a stable border:
    a recorded regime in force, or the :data:`ANNOUNCEMENT_MONTHS` from an announcement on
    (:data:`engine.ANNOUNCEMENTS`; the months over which the outcomes migrants meet pull the
    perceived chances back)."""
    signal = np.abs(engine.announcement_signal(inputs.months))
    after = np.convolve(signal, np.ones(ANNOUNCEMENT_MONTHS))[: len(signal)]
    moving: np.ndarray = np.maximum(_policy_in_force(inputs), np.minimum(after, 1.0))
    return moving


def _policy_in_force(inputs: engine.SimInputs) -> np.ndarray:
    """[month] whether any recorded regime that changes border outcomes was in force."""
    regimes = [r for r in engine.REGIMES if r != "mexico_enforcement"]
    in_force: np.ndarray = np.max([inputs.regime(r) for r in regimes], axis=0)
    return in_force


def identified(free: Sequence[str], inputs: engine.SimInputs) -> tuple[str, ...]:
    """The parameters of ``free`` the window of ``inputs`` can inform: their input of
    :data:`ACTIVE_WITH` is non-zero in at least :data:`MIN_ACTIVE_MONTHS` months (default 1)."""

    def active_months(values: np.ndarray) -> int:  # [month] or [month, country]
        values = values.reshape(len(values), -1)
        return int(np.count_nonzero((values != 0).any(axis=1)))

    return tuple(
        k
        for k in free
        if k not in ACTIVE_WITH
        or active_months(ACTIVE_WITH[k](inputs)) >= MIN_ACTIVE_MONTHS.get(k, 1)
    )


LOG_SCALE = ("base_departure_rate",)
REGION_STEPS = 8  # bisection steps on each side of each parameter (:func:`_plausible_region`)
METHODS = ("evolution", "nelder-mead", "region")  # see :func:`fit`
PLAUSIBLE_CHAINS = 4  # random walks that sample the plausible set (:func:`_plausible_points`)
PLAUSIBLE_STEPS = 12  # steps of each walk: chains x steps evaluations
BURN_IN = 2  # months left out of the objective and the metrics: the journey pipeline fills up
SEASON = 12
ENCOUNTERS = engine.METRICS.index("encounters")


# --------------------------------------------------------------------------- windows and targets


@dataclass(frozen=True)
class Window:
    """Fiscal years ``first..last`` inclusive (FY2014 = October 2013 to September 2014)."""

    first: int
    last: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.first - 1, 10, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.last, 9, 1)

    @property
    def months(self) -> int:
        """Months in the window: 12 per fiscal year."""
        return 12 * (self.last - self.first + 1)

    def __str__(self) -> str:
        return f"FY{self.first}..FY{self.last}"


def parse_window(text: str, option: str = "--train") -> Window:
    """``2014..2019``, ``FY2014..FY2019`` or ``2014-2019`` (a single year is one fiscal year)."""
    m = re.fullmatch(r"\s*(?:FY)?(\d{4})\s*(?:(?:\.\.|-|:)\s*(?:FY)?(\d{4}))?\s*", text, re.I)
    if not m:
        raise SimError(
            f"{option} must be fiscal years like 2014..2019 or FY2014..FY2019, got {text!r}"
        )
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first > last:
        raise SimError(f"{option} {text!r}: FY{first} is after FY{last}")
    return Window(first, last)


@dataclass(frozen=True)
class Target:
    """Observed encounters [month, country], monthly from ``months[0]`` without gaps."""

    countries: tuple[str, ...]
    months: tuple[dt.date, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.months), len(self.countries)):
            raise SimError("target values must be [months, countries]")


def check_countries(countries: Sequence[str]) -> tuple[str, ...]:
    if not countries:
        raise SimError(
            "no country to calibrate on; expected any of " + ", ".join(NORTHERN_TRIANGLE)
        )
    unknown = [c for c in countries if c not in NORTHERN_TRIANGLE]
    if unknown:
        raise SimError(
            f"unknown country {unknown[0]!r} for calibration; the simulation covers "
            + ", ".join(NORTHERN_TRIANGLE)
        )
    return tuple(countries)


def observed_target(
    con: Any,
    start: dt.date,
    end: dt.date,
    countries: Sequence[str] = NORTHERN_TRIANGLE,
) -> Target:
    """Monthly USBP southwest-border encounters by citizenship, ``start``..``end`` inclusive."""
    from rootcauses.store import query

    countries = check_countries(countries)
    frame = query.encounters_monthly(con, basis="usbp", citizenship=list(countries))
    if frame.empty:
        raise SimError("the store has no USBP encounters by citizenship (ohss_usbp)")
    frame["month"] = pd.to_datetime(frame["month"])
    wide = frame.pivot_table(index="month", columns="citizenship", values="count", aggfunc="sum")
    index = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")
    available = wide.index.min().date(), wide.index.max().date()
    if index.empty or index[0] < wide.index.min() or index[-1] > wide.index.max():
        raise SimError(
            f"the window {start:%Y-%m} to {end:%Y-%m} is not inside the observed USBP encounters "
            f"({available[0]:%Y-%m} to {available[1]:%Y-%m})"
        )
    wide = wide.reindex(index=index, columns=list(countries))
    missing = [c for c in countries if wide[c].isna().all()]
    if missing:
        raise SimError(f"the store has no USBP encounters for {missing} in the window")
    return Target(countries, tuple(d.date() for d in index), wide.to_numpy(dtype=float))


# --------------------------------------------------------------------------- metrics


def objective(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Mean squared log difference over months and countries (NaN observations skipped)."""
    diff = np.log1p(simulated) - np.log1p(observed)
    return float(np.nanmean(diff**2))


def fiscal_year_totals(values: np.ndarray, months: Sequence[dt.date]) -> np.ndarray:
    """[fiscal year, country] sums of [month, country] values (NaN months skipped)."""
    years = np.array([fiscal_year(d) for d in months])
    return np.array([np.nansum(values[years == y], axis=0) for y in np.unique(years)])


TYPE_METRICS = tuple(engine.METRICS.index(f"encounters_{k}") for k in kernel.TYPES)
# CBP's demographic labels in the store's annual by-country table → the model's migrant types
TYPE_DEMOGRAPHICS = {"UAC": "uac", "FMUA": "family", "SINGLE_ADULT": "single"}


def observed_types(con: Any, months: Sequence[dt.date], countries: Sequence[str]) -> np.ndarray:
    """[fiscal year of ``months``, country, type of kernel.TYPES] USBP southwest-border
    encounters by migrant type and citizenship (source ``uac_family_by_country``: unaccompanied
    children FY2009-FY2020, family units FY2015 on, single adults FY2016 on); NaN where not
    published."""
    years = sorted({fiscal_year(d) for d in months})
    out = np.full((len(years), len(countries), len(kernel.TYPES)), np.nan)
    frame = con.execute(
        """
        SELECT fiscal_year, citizenship, demographic, sum(count) AS n FROM encounters
        WHERE source = 'uac_family_by_country' AND frequency = 'annual' GROUP BY ALL
        """
    ).df()
    for row in frame.itertuples():
        kind = TYPE_DEMOGRAPHICS.get(row.demographic)
        if kind is None or row.citizenship not in countries or row.fiscal_year not in years:
            continue
        out[
            years.index(row.fiscal_year), list(countries).index(row.citizenship),
            kernel.TYPES.index(kind),
        ] = row.n  # fmt: skip
    return out


def type_loss(
    simulated: np.ndarray, observed: np.ndarray | None, months: Sequence[dt.date]
) -> float:
    """Mean squared log difference of fiscal-year encounters by type and country (``simulated``
    [month, country, type], ``observed`` from :func:`observed_types`), over the published cells
    of fiscal years whose 12 months are all in ``months``. 0 without a target."""
    if observed is None:
        return 0.0
    fy = np.array([fiscal_year(d) for d in months])
    years = np.unique(fy)
    full = np.array([np.sum(fy == y) == 12 for y in years])
    sim = np.stack([simulated[fy == y].sum(axis=0) for y in years])
    seen = ~np.isnan(observed) & full[:, None, None]
    if not seen.any():
        return 0.0
    return float(np.mean((np.log1p(sim[seen]) - np.log1p(observed[seen])) ** 2))


def jump_loss(simulated: np.ndarray, observed: np.ndarray, months: Sequence[dt.date]) -> float:
    """Mean squared difference, over the regime changes of
    :data:`rootcauses.sim.validation.REGIME_CHANGES` whose 3 months before and after lie in
    ``months``, and over countries, of log(mean after / mean before), simulated vs observed:
    the jump a policy made, which the monthly errors weigh by only a few months. 0 if none."""
    from rootcauses.sim import validation

    errors = []
    for change in validation.REGIME_CHANGES:
        sim = validation.around_change(simulated, months, change)
        obs = validation.around_change(observed, months, change)
        if isinstance(sim, str) or isinstance(obs, str):
            continue
        errors.append((np.log1p(sim[1]) - np.log1p(sim[0])) - (np.log1p(obs[1]) - np.log1p(obs[0])))
    return float(np.mean(np.square(errors))) if errors else 0.0


def history_loss_terms(
    simulated: np.ndarray, observed: np.ndarray, months: Sequence[dt.date]
) -> dict[str, float]:
    """The terms of :func:`history_loss`, by name: ``monthly`` (:func:`objective`),
    ``fiscal_years`` (the mean squared log difference of fiscal-year totals by country; a year
    whose months are all missing is left out) and ``jumps`` (:func:`jump_loss`)."""
    sim_years = fiscal_year_totals(simulated, months)
    obs_years = fiscal_year_totals(observed, months)
    seen = obs_years > 0
    yearly = float(np.mean((np.log1p(sim_years[seen]) - np.log1p(obs_years[seen])) ** 2))
    return {
        "monthly": objective(simulated, observed),
        "fiscal_years": yearly,
        "jumps": jump_loss(simulated, observed, months),
    }


def history_loss(simulated: np.ndarray, observed: np.ndarray, months: Sequence[dt.date]) -> float:
    """What calibration minimises: the monthly :func:`objective`, plus the fiscal-year totals
    (so a fit must get both the months' shape and the years' levels), plus the regime jumps of
    :func:`jump_loss` inside the window (:func:`history_loss_terms`)."""
    return float(sum(history_loss_terms(simulated, observed, months).values()))


def flee_ard(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Flee's averaged relative difference: mean over months of Σ_c |sim − obs| / Σ_c obs."""
    per_month = np.abs(simulated - observed).sum(axis=1) / observed.sum(axis=1)
    return float(np.mean(per_month))


def score(
    forecast: np.ndarray, observed: np.ndarray, scale: np.ndarray, countries: Sequence[str]
) -> dict[str, Any]:
    per_country = [
        float(np.mean(metrics.mase(observed[:, c], forecast[:, c], scale[c])))
        for c in range(len(countries))
    ]
    return {
        "flee_ard": flee_ard(forecast, observed),
        "mase": float(np.mean(per_country)),
        "mase_by_country": dict(zip(countries, per_country, strict=True)),
    }


def seasonal_naive_forecast(train: np.ndarray, horizon: int) -> np.ndarray:
    """The last ``SEASON`` training months repeated over ``horizon`` months."""
    last = train[-SEASON:]
    return np.concatenate([last] * (horizon // SEASON + 1))[:horizon]


# --------------------------------------------------------------------------- fitting


@dataclass
class Calibration:
    """A fitted parameter set and how it scores."""

    free: tuple[str, ...]
    start_values: dict[str, float]
    fitted: dict[str, float]
    params: dict[str, float] = field(repr=False)
    loss: float
    evaluations: int
    converged: bool
    households: int
    seed: int
    train_months: int
    wall_seconds: float
    region: dict[str, dict[str, float]] = field(default_factory=dict)
    # points of the plausible set found by :func:`_plausible_points` (each within the threshold)
    points: list[dict[str, float]] = field(default_factory=list)
    threshold: float | None = None  # the loss that bounds the plausible set
    # the loss at the fitted point under other seeds (the fit's own is its lowest draw)
    other_seed_losses: list[float] = field(default_factory=list)
    loss_seeds: int = 1  # runs averaged per evaluation
    not_identified: tuple[str, ...] = ()  # asked for, but inactive in the training window


def _bounds(free: Sequence[str], specs: Mapping[str, ParameterSpec]) -> list[tuple[float, float]]:
    """Each free parameter's search box (:data:`SEARCH_BOX`, else its allowed range), clipped to
    the allowed range, on the fitting scale (log10 for :data:`LOG_SCALE`)."""
    out = []
    for key in free:
        lo, hi = specs[key].range
        box = SEARCH_BOX.get(key, (lo, hi))
        lo, hi = max(lo, box[0]), min(hi, box[1])
        out.append((np.log10(lo), np.log10(hi)) if key in LOG_SCALE else (lo, hi))
    return out


def _encode(values: Mapping[str, float], free: Sequence[str]) -> np.ndarray:
    return np.array(
        [np.log10(values[k]) if k in LOG_SCALE else values[k] for k in free], dtype=float
    )


def _decode(theta: np.ndarray, free: Sequence[str], base: Mapping[str, float]) -> dict[str, float]:
    out = dict(base)
    for k, v in zip(free, theta, strict=True):
        out[k] = float(10**v) if k in LOG_SCALE else float(v)
    return out


def simulate_encounters(
    inputs: engine.SimInputs,
    params: Mapping[str, float],
    specs: Mapping[str, ParameterSpec],
    households: int,
    seed: int,
) -> np.ndarray:
    """Weighted encounters [month, country] of one run with levers at their neutral values."""
    return simulate_counts(inputs, params, specs, households, seed)[:, :, ENCOUNTERS]


def simulate_counts(
    inputs: engine.SimInputs,
    params: Mapping[str, float],
    specs: Mapping[str, ParameterSpec],
    households: int,
    seed: int,
) -> np.ndarray:
    """Weighted counts [month, country, metric] of one run with levers at their neutral values."""
    counts = engine.run(
        inputs, params, neutral_levers(params, specs), households=households, seed=seed
    )
    return counts.values


MapPopulation = Callable[[Callable[[np.ndarray], float], Iterable[np.ndarray]], Sequence[float]]


def fit(
    inputs: engine.SimInputs,
    observed_train: np.ndarray,
    values: Mapping[str, float],
    specs: Mapping[str, ParameterSpec],
    *,
    free: Sequence[str] = DEFAULT_FREE,
    households: int = 30_000,
    seed: int = 0,
    max_evaluations: int = 400,
    step: float = 0.3,
    restarts: int = 2,
    method: str = "nelder-mead",
    popsize: int = 5,
    map_population: MapPopulation | None = None,
    region_seeds: int = 0,
    types: np.ndarray | None = None,
    loss_seeds: int = 1,
) -> Calibration:
    """Fit ``free`` to ``observed_train`` ([month, country], the training window only) by
    minimising :func:`history_loss` with common random numbers (one seed for every evaluation).
    The numbers are common, the draws they decide are not: any change of a parameter changes
    which households the kernel picks, so the loss moves by about its seed noise between nearby
    points, and the best loss found is biased low (:func:`plausible_threshold`). With
    ``loss_seeds`` > 1 each evaluation averages that many runs (seeds ``seed`` … ``seed +
    loss_seeds − 1``), which divides the noise's variance by about as much at as many times
    the cost; an evaluation counts once.

    ``method="evolution"`` runs differential evolution over the search boxes (``popsize`` × the
    number of free parameters per generation, as many generations as ``max_evaluations`` allows;
    ``map_population`` evaluates a generation in parallel, e.g. on Ray) and reports the
    **plausible region** (:func:`_plausible_region`: around the best point, where the loss stays
    within seed noise of the loss expected there, from the best point rerun with
    ``region_seeds`` other seeds) and points of it (:func:`_plausible_points`; what-if bands
    draw their members from them). ``"nelder-mead"`` refines from ``values`` (restarted with a
    smaller simplex), and reports the region too when ``region_seeds`` is given (its
    evaluations come out of the budget first). ``"region"`` searches nothing: ``values`` is the
    point, and the region and its points are found around it.

    The simulation is given the first ``len(observed_train)`` months of ``inputs`` and nothing
    after, so later months of the inputs cannot influence the fit. ``types`` (encounters by
    migrant type and fiscal year, :func:`observed_types` of the training months after the
    burn-in) adds :func:`type_loss` to the loss."""
    free = tuple(free)
    unknown = [k for k in free if k not in specs]
    if unknown:
        raise SimError(
            f"cannot fit unknown parameter {unknown[0]!r}; allowed: {', '.join(sorted(specs))}"
        )
    levers = [k for k in free if specs[k].lever]
    if levers:
        raise SimError(f"{levers[0]!r} is a policy lever; levers are not calibrated")
    if method not in METHODS:
        raise SimError(f"unknown calibration method {method!r}; use {', '.join(METHODS)}")
    n_train = observed_train.shape[0]
    if n_train <= BURN_IN:
        raise SimError(
            f"the training window has {n_train} months; need more than the {BURN_IN}-month burn-in"
        )
    if observed_train.shape[1] != len(inputs.countries):
        raise SimError("observed_train must have one column per country of the inputs")
    if np.isnan(observed_train[BURN_IN:]).all():
        raise SimError("the training window has no observed encounters")
    train_inputs = inputs.head(n_train)
    requested = free
    free = identified(free, train_inputs)
    if not free:
        raise SimError(f"the training window informs none of {', '.join(requested)}")
    target = observed_train[BURN_IN:]
    months = train_inputs.months[BURN_IN:]
    bounds = _bounds(free, specs)
    lower, upper = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    if types is not None and types.shape[0] != len({fiscal_year(d) for d in months}):
        raise SimError("types must have one row per fiscal year of the training months")
    if loss_seeds < 1:
        raise SimError(f"loss_seeds must be at least 1, got {loss_seeds}")
    loss = _Loss(
        train_inputs, target, months, free, dict(values), specs, households, seed, types, loss_seeds
    )

    began = time.perf_counter()
    region: dict[str, dict[str, float]] = {}
    region_cost = 0  # evaluations kept for the region and its points (see each method)
    if method == "evolution":
        per_generation = popsize * len(free)
        # about two thirds of the budget (less the walks of the plausible points) for the
        # evolution, the rest to refine its best point and find the region
        walks = PLAUSIBLE_CHAINS * PLAUSIBLE_STEPS
        generations = max(1, (2 * (max_evaluations - walks)) // (3 * per_generation) - 1)
        result = differential_evolution(
            loss,
            bounds,
            popsize=popsize,
            maxiter=generations,
            seed=seed,
            init="latinhypercube",
            polish=False,
            tol=0.0,
            updating="deferred" if map_population is not None else "immediate",
            workers=map_population if map_population is not None else 1,
        )
        evaluations = int(result.nfev)
        region_cost = _region_cost(len(free), region_seeds)
        polish = max_evaluations - evaluations - region_cost
        if polish > 2 * len(free):  # refine the best point: the population's spread is coarse
            refined = minimize(
                loss,
                result.x,
                method="Nelder-Mead",
                bounds=bounds,
                options={"maxfev": polish, "xatol": 1e-3, "fatol": 1e-5},
            )
            evaluations += int(refined.nfev)
            if refined.fun < result.fun:
                result.x, result.fun = refined.x, refined.fun
    elif method == "region":  # no search: the start is the point; its region and points
        x = np.clip(_encode(values, free), lower, upper)
        result = OptimizeResult(x=x, fun=loss(x), success=True)
        evaluations = 1
    else:
        evaluations = 0
        region_cost = _region_cost(len(free), region_seeds) if region_seeds else 0
        if max_evaluations - region_cost < 2 * (len(free) + 2):  # too small a budget for both
            region_cost = 0

        def counted(theta: np.ndarray) -> float:
            nonlocal evaluations
            evaluations += 1
            return loss(theta)

        def simplex_around(x: np.ndarray, size: float) -> np.ndarray:
            vertices = [x]
            for i in range(x.size):
                vertex = x.copy()
                vertex[i] = vertex[i] + size if vertex[i] + size <= upper[i] else vertex[i] - size
                vertices.append(vertex)
            return np.array(vertices)

        x = np.clip(_encode(values, free), lower, upper)
        result = None
        # the objective is a step function of the parameters (a fixed seed, a finite sample), so
        # Nelder-Mead can stall on a plateau: restart from the best point with a smaller simplex
        for attempt in range(restarts + 1):
            budget = max_evaluations - region_cost - evaluations
            if budget < x.size + 2:
                break
            trial = minimize(
                counted,
                x,
                method="Nelder-Mead",
                bounds=bounds,
                options={
                    "initial_simplex": simplex_around(x, step / 2**attempt),
                    "maxfev": budget,
                    "xatol": 1e-3,
                    "fatol": 1e-5,
                },
            )
            if result is None or trial.fun <= result.fun:
                result = trial
            x = result.x
    points: list[dict[str, float]] = []
    threshold = None
    other_seeds: list[float] = []
    if method in ("evolution", "region") or region_cost:
        other_seeds = _seed_losses(loss, result.x, region_seeds, seed)
        threshold = plausible_threshold(float(result.fun), other_seeds)
        region, intervals, spent = _plausible_region(
            loss, result.x, threshold, free, values, lower, upper, map_population
        )
        found, walked, _rate = _plausible_points(
            loss, result.x, threshold, intervals, lower, upper, map_population, seed=seed
        )
        evaluations += spent + walked
        points = [{k: v for k, v in _decode(x, free, values).items() if k in free} for x in found]
    params = _decode(result.x, free, values)
    return Calibration(
        free=free,
        start_values={k: float(values[k]) for k in free},
        fitted={k: params[k] for k in free},
        params=params,
        loss=float(result.fun),
        evaluations=evaluations,
        converged=bool(result.success),
        households=households,
        seed=seed,
        train_months=n_train,
        wall_seconds=time.perf_counter() - began,
        region=region,
        points=points,
        threshold=threshold,
        other_seed_losses=other_seeds,
        loss_seeds=loss_seeds,
        not_identified=tuple(k for k in requested if k not in free),
    )


@dataclass(frozen=True)
class _Loss:
    """The calibration loss of one parameter vector: a picklable callable (Ray ships it to its
    workers once per generation)."""

    inputs: engine.SimInputs
    target: np.ndarray
    months: tuple[dt.date, ...]
    free: tuple[str, ...]
    values: dict[str, float]
    specs: Mapping[str, ParameterSpec]
    households: int
    seed: int
    types: np.ndarray | None = None  # [fiscal year of months, country, type] (observed_types)
    seeds: int = 1  # runs averaged per evaluation: seeds seed, seed + 1, … (see fit)

    def __call__(self, theta: np.ndarray, seed: int | None = None) -> float:
        """The loss averaged over ``seeds`` runs from seed ``seed`` (default: the fit's)."""
        params = _decode(np.asarray(theta), self.free, self.values)
        first = self.seed if seed is None else seed
        return float(np.mean([self._one(params, first + k) for k in range(self.seeds)]))

    def _one(self, params: Mapping[str, float], seed: int) -> float:
        return float(sum(self.terms(params, seed).values()))

    def counts(self, params: Mapping[str, float], seed: int) -> np.ndarray:
        """[month of the target, country, metric] counts of one run, after the burn-in."""
        return simulate_counts(self.inputs, params, self.specs, self.households, seed)[BURN_IN:]

    def terms(self, params: Mapping[str, float], seed: int) -> dict[str, float]:
        """The loss of one run by term (:meth:`terms_of`)."""
        return self.terms_of(self.counts(params, seed))

    def terms_of(self, counts: np.ndarray) -> dict[str, float]:
        """The loss of a run's :meth:`counts` by term: those of :func:`history_loss_terms`, and
        ``types`` (:func:`type_loss`); they tell which target a fit misses most."""
        return {
            **history_loss_terms(counts[:, :, ENCOUNTERS], self.target, self.months),
            "types": type_loss(counts[:, :, list(TYPE_METRICS)], self.types, self.months),
        }


def _apply(func: Callable[[np.ndarray], float], theta: np.ndarray) -> float:
    """One evaluation on a Ray worker (module level, so Ray can import it)."""
    return func(theta)


def _seed_losses(loss: _Loss, best: np.ndarray, seeds: int, seed: int) -> list[float]:
    """The loss at the best point under ``seeds`` sets of seeds other than the fit's, each set
    as many as the fit averages (none below 2)."""
    if seeds < 2:
        return []
    return [loss(best, seed + loss.seeds * (1 + k)) for k in range(seeds)]


def _plausible_region(
    loss: _Loss,
    best: np.ndarray,
    threshold: float,
    free: Sequence[str],
    values: Mapping[str, float],
    lower: np.ndarray,
    upper: np.ndarray,
    map_population: MapPopulation | None,
    steps: int = REGION_STEPS,
) -> tuple[dict[str, dict[str, float]], np.ndarray, int]:
    """Per parameter, the interval around the best point (the others held there) in which the
    loss stays within the threshold (:func:`plausible_threshold`): each side is found by
    bisection in ``steps`` evaluations (all parameters' sides evaluated together, through
    ``map_population``). A parameter is *pinned* when that interval is under a quarter of its
    search box. Returns the region, its intervals encoded ([side, parameter]) and the
    evaluations spent."""
    n = len(free)
    inside = np.tile(best, (2, 1))  # [side, parameter]: the farthest point known inside
    outside = np.stack([lower, upper])  # the box edge: assumed outside until tested
    evaluate = map_population or (lambda func, thetas: [func(t) for t in thetas])
    spent = 0
    for _ in range(steps):
        trials = []
        for side in range(2):
            for i in range(n):
                theta = best.copy()
                theta[i] = 0.5 * (inside[side, i] + outside[side, i])
                trials.append(theta)
        losses = list(evaluate(loss, trials))
        spent += len(trials)
        for k, value in enumerate(losses):
            side, i = divmod(k, n)
            if value <= threshold:
                inside[side, i] = trials[k][i]
            else:
                outside[side, i] = trials[k][i]
    out = {}
    for i, key in enumerate(free):
        lo = _decode(np.array([inside[0, i]]), (key,), values)[key]
        hi = _decode(np.array([inside[1, i]]), (key,), values)[key]
        width = (inside[1, i] - inside[0, i]) / max(upper[i] - lower[i], 1e-12)
        out[key] = {
            "low": lo,
            "high": hi,
            "share_of_box": float(width),
            "pinned": bool(width < 0.25),
        }
    return out, inside, spent


def _region_cost(n_free: int, region_seeds: int) -> int:
    """Evaluations the plausible region and its points take (:func:`_seed_losses`,
    :func:`_plausible_region`, :func:`_plausible_points`)."""
    return region_seeds + 2 * REGION_STEPS * n_free + PLAUSIBLE_CHAINS * PLAUSIBLE_STEPS


def plausible_threshold(best_loss: float, other_seeds: Sequence[float] = ()) -> float:
    """The loss that bounds the plausible set: the loss expected at the best point (the mean over
    ``other_seeds``, the best point's loss under other seeds, when there are at least two) plus
    twice their standard deviation, at least 1 % of it.

    Why not the best loss itself: the loss changes by about its seed noise for any change of a
    parameter, however small (a relative change of 1e-6 in the base rate moved the single-seed
    loss of ``validation`` as fitted before December 2026 from 0.813 to 0.878: a changed hazard
    redraws which households the kernel picks), so the best point's own loss is the lowest of
    many noisy draws, biased low. Centred on it, the region of most parameters shrank to the
    point itself."""
    centre = best_loss
    spread = 0.0
    if len(other_seeds) >= 2:
        centre = max(best_loss, float(np.mean(other_seeds)))
        spread = float(np.std(other_seeds, ddof=1))
    return centre + max(2 * spread, 0.01 * abs(centre))


def _plausible_points(
    loss: Callable[[np.ndarray], float],
    best: np.ndarray,
    threshold: float,
    intervals: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    map_population: MapPopulation | None,
    *,
    chains: int = PLAUSIBLE_CHAINS,
    steps: int = PLAUSIBLE_STEPS,
    seed: int = 0,
) -> tuple[np.ndarray, int, float]:
    """Points of the plausible set itself. The one-at-a-time intervals of
    :func:`_plausible_region` hold the other parameters at the best point, so a point drawn from
    their box mostly lies outside the set (the parameters trade off against each other). Here
    ``chains`` random walks start at the best point; each step proposes a Gaussian move per
    parameter (a share of its interval ``intervals`` [side, parameter], the share halved when
    fewer than a fifth of a step's proposals land inside and grown by half when more than half
    do) and a walk moves only where the loss is at most ``threshold``. Every point returned is
    inside (its loss was evaluated); the walks' distinct positions, best point first. Returns
    (points [k, parameter], evaluations, share of proposals accepted)."""
    rng = np.random.default_rng([seed, 11])
    width = intervals[1] - intervals[0]
    share = 0.5 / np.sqrt(max(int((width > 0).sum()), 1))
    evaluate = map_population or (lambda func, thetas: [func(t) for t in thetas])
    walkers = np.tile(best, (chains, 1))
    points = [best.copy()]
    accepted = 0
    for _ in range(steps):
        proposals = np.clip(
            walkers + rng.standard_normal(walkers.shape) * share * width, lower, upper
        )
        inside = np.array([v <= threshold for v in evaluate(loss, list(proposals))])
        walkers[inside] = proposals[inside]
        points.extend(p.copy() for p in proposals[inside])
        accepted += int(inside.sum())
        rate = inside.mean()
        share = share / 2 if rate < 0.2 else share * 1.5 if rate > 0.5 else share
    return np.array(points), chains * steps, accepted / (chains * steps)


def evaluate(
    calibration: Calibration,
    inputs: engine.SimInputs,
    target: Target,
    specs: Mapping[str, ParameterSpec],
    *,
    households: int | None = None,
) -> dict[str, Any]:
    """Run the fitted parameters over the whole target and score the training (after the burn-in)
    and validation windows, next to the seasonal naive baselines."""
    n, n_train = len(target.months), calibration.train_months
    if n <= n_train:
        raise SimError("the target has no month after the training window to validate on")
    simulated = simulate_encounters(
        inputs.head(n),
        calibration.params,
        specs,
        households or calibration.households,
        calibration.seed,
    )
    obs = target.values
    train, valid = obs[:n_train], obs[n_train:]
    if np.isnan(valid).any():
        raise SimError("the validation window has months without observed encounters")
    scale = np.array(
        [metrics.seasonal_naive_scale(train[:, c], SEASON) for c in range(obs.shape[1])]
    )
    if np.isnan(scale).any():
        raise SimError(
            f"the training window needs more than {SEASON} months for the seasonal naive scale"
        )
    horizon = n - n_train
    lag12 = obs[n_train - SEASON : n - SEASON]
    return {
        "training": score(simulated[BURN_IN:n_train], train[BURN_IN:], scale, target.countries),
        "validation": {
            "simulation": score(simulated[n_train:], valid, scale, target.countries),
            "seasonal_naive": score(
                seasonal_naive_forecast(train, horizon), valid, scale, target.countries
            ),
            "seasonal_naive_lag12": score(lag12, valid, scale, target.countries),
        },
        "simulated": simulated,
    }


def training_scores(
    calibration: Calibration,
    inputs: engine.SimInputs,
    target: Target,
    specs: Mapping[str, ParameterSpec],
) -> dict[str, Any]:
    """The fitted run over a target that is all training (no validation window)."""
    simulated = simulate_encounters(
        inputs.head(len(target.months)), calibration.params, specs, calibration.households,
        calibration.seed,
    )  # fmt: skip
    obs = target.values
    scale = np.array([metrics.seasonal_naive_scale(obs[:, c], SEASON) for c in range(obs.shape[1])])
    return {
        "training": score(simulated[BURN_IN:], obs[BURN_IN:], scale, target.countries),
        "simulated": simulated,
    }


def mean_hazard_at(
    params: Mapping[str, float],
    inputs: engine.SimInputs,
    specs: Mapping[str, ParameterSpec],
    month: dt.date,
    households: int,
    seed: int,
) -> float | None:
    """Departures / households at home in ``month`` under ``params`` (run from inputs' start):
    the base departure rate that anchors a run starting in that month."""
    if month not in inputs.months:
        return None
    t = inputs.months.index(month)
    counts = engine.run(
        inputs.head(t + 1), params, neutral_levers(params, specs), households=households, seed=seed
    )
    departures = counts.values[t, :, engine.METRICS.index("departures")].sum()
    at_home_before = (
        counts.values[t - 1, :, engine.METRICS.index("at_home")].sum()
        if t > 0
        else float(inputs.households.sum())
    )
    return float(departures / at_home_before) if at_home_before > 0 else None


# --------------------------------------------------------------------------- the calibrated file


def calibrated_document(
    overrides: Mapping[str, float], provenance: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "provenance": dict(provenance),
        "overrides": {k: float(v) for k, v in overrides.items()},
    }


def write_calibrated(path: Path, document: Mapping[str, Any]) -> None:
    header = (
        "# Calibrated parameter values of the policy lab, written by `rootcauses sim calibrate\n"
        "# --save`. Under $ROOTCAUSES_HOME/calibrations/NAME.yaml this file takes precedence over\n"
        "# the packaged rootcauses/sim/calibrations/NAME.yaml; its `overrides` replace the\n"
        "# documented defaults (scenarios still override on top); `provenance` says how it was\n"
        "# made (command, seed, households, build, loss, plausible region).\n"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            header + yaml.safe_dump(dict(document), sort_keys=False, default_flow_style=False),
            encoding="utf-8",
        )
    except OSError as exc:
        raise SimError(f"cannot write {path}: {exc.strerror}") from exc


def calibrate_target(
    inputs: engine.SimInputs,
    target: Target,
    n_train: int,
    values: Mapping[str, float],
    specs: Mapping[str, ParameterSpec],
    **fit_options: Any,
) -> tuple[Calibration, dict[str, Any]]:
    """Fit on the first ``n_train`` months of ``target`` (and of ``inputs``), score the rest."""
    if target.countries != inputs.countries:
        raise SimError(f"target countries {target.countries} != inputs {inputs.countries}")
    if target.months[0] != inputs.months[0]:
        raise SimError("the target and the inputs must start in the same month")
    if not 0 < n_train < len(target.months):
        raise SimError(
            f"the training window must leave months to validate on: {n_train} training months "
            f"of {len(target.months)}"
        )
    calibration = fit(inputs, target.values[:n_train], values, specs, **fit_options)
    return calibration, evaluate(calibration, inputs, target, specs)


# --------------------------------------------------------------------------- against the store


def starting_values(
    name: str, specs: Mapping[str, ParameterSpec], train: Window
) -> dict[str, float]:
    """The documented values with calibration ``name``'s fitted point applied: the values it
    fitted at its own training start (``provenance.fitted_at_train_start``), not its overrides,
    whose base rate is re-anchored to a later month. Its training must start where ``train``
    does, or the point would mean something else."""
    from rootcauses.sim.scenarios import apply_overrides, calibration_path, read_calibration

    path = calibration_path(name)
    calibration = read_calibration(path, specs, name)
    fitted = calibration.provenance.get("fitted_at_train_start")
    if not isinstance(fitted, dict) or not fitted:
        raise SimError(
            f"{path}: provenance: fitted_at_train_start: missing; cannot start a fit from {name!r}"
        )
    started = str(calibration.provenance.get("train_start"))
    if started != f"{train.start:%Y-%m}":
        raise SimError(
            f"{path}: provenance: train_start: {started}, but the training window {train} starts "
            f"{train.start:%Y-%m}; start from a calibration of the same training start"
        )
    return apply_overrides(specs, fitted, f"{path}: provenance.fitted_at_train_start")


def store_problem(
    con: Any, train: Window, end: dt.date, countries: Sequence[str]
) -> tuple[Target, engine.SimInputs, np.ndarray]:
    """What a fit on ``train`` reads from the store: the observed encounters from the training
    start to ``end`` (a validation window's end, or the training end), the simulation's inputs
    over the same months, and the training months' encounters by migrant type (after the
    burn-in)."""
    from rootcauses.sim.network import read_network_store

    target = observed_target(con, train.start, end, countries)
    inputs = engine.load_inputs(
        con, read_network_store(con), start=train.start, months=len(target.months),
        countries=countries,
    )  # fmt: skip
    return target, inputs, observed_types(con, target.months[BURN_IN : train.months], countries)


def calibration_loss(settings: Any, provenance: Mapping[str, Any]) -> Callable[..., float]:
    """A saved calibration's training loss as a function of its free parameters (a mapping;
    those not given keep the fitted values), with its households and seed: the objective
    :func:`fit` minimised, on this store."""
    loss = saved_loss(settings, provenance)
    fitted = {k: float(v) for k, v in provenance["fitted_at_train_start"].items()}

    def at(point: Mapping[str, float]) -> float:
        return loss(_encode({**fitted, **point}, loss.free))

    return at


def saved_loss(settings: Any, provenance: Mapping[str, Any]) -> _Loss:
    """The loss a saved calibration minimised (its training window, households, seed and runs
    per evaluation), on this store; its free parameters are those of its fitted point."""
    from rootcauses.sim.scenarios import default_values, load_parameter_specs
    from rootcauses.store.query import connect

    train = parse_window(str(provenance["train"]))
    countries = check_countries(NORTHERN_TRIANGLE)
    con = connect(settings)
    try:
        target, inputs, types = store_problem(con, train, train.end, countries)
    finally:
        con.close()
    specs = load_parameter_specs(calibrated=False)
    return _Loss(
        inputs, target.values[BURN_IN:], tuple(target.months[BURN_IN:]),
        tuple(provenance["fitted_at_train_start"]), default_values(specs), specs,
        int(provenance["households"]), int(provenance["seed"]), types,
        int(provenance.get("loss_seeds", 1)),
    )  # fmt: skip


def calibrate_store(
    settings: Any,
    *,
    train: Window,
    validate: Window | None = None,
    households: int = 30_000,
    seed: int = 0,
    free: Sequence[str] = DEFAULT_FREE,
    countries: Sequence[str] = NORTHERN_TRIANGLE,
    max_evaluations: int = 400,
    anchor_month: dt.date | None = None,
    method: str = "evolution",
    popsize: int = 5,
    executor: Any = None,
    region_seeds: int = 4,
    start_from: str | None = None,
    loss_seeds: int = 1,
) -> dict[str, Any]:
    """Fit on ``train``, validate on ``validate`` (default: every observed fiscal year after the
    training window), against the built store; returns the report (JSON-ready). With an
    ``executor`` that uses Ray (:class:`rootcauses.sim.ensemble.Executor`), each generation of
    the evolution is evaluated on Ray (a local one, or the cluster at its address). The fit
    starts from the documented defaults, or from the fitted point of the saved calibration
    ``start_from`` (:func:`starting_values`), which a ``nelder-mead`` fit then refines."""
    from rootcauses.sim.scenarios import default_values, load_parameter_specs
    from rootcauses.store.query import connect
    from rootcauses.store.results import current_build

    if households < 1:
        raise SimError(f"--households must be at least 1, got {households}")
    countries = check_countries(countries)
    specs = load_parameter_specs(calibrated=False)  # fit from the documented defaults …
    values = default_values(specs)
    if start_from is not None:  # … or from a saved calibration's fitted point
        values = starting_values(start_from, specs, train)
    con = connect(settings)
    try:
        build_id = current_build(con)
        full = _latest_full_fiscal_year(con, countries)
        if validate is None and full > train.last:
            validate = Window(train.last + 1, full)
        if validate is not None and validate.first <= train.last:
            raise SimError(f"the validation window {validate} overlaps the training window {train}")
        if validate is not None and validate.first != train.last + 1:
            raise SimError(f"the validation window {validate} must follow {train} without a gap")
        end = validate.end if validate is not None else train.end
        target, inputs, types = store_problem(con, train, end, countries)
    finally:
        con.close()
    n_train = train.months
    options: dict[str, Any] = {
        "free": free,
        "households": households,
        "seed": seed,
        "max_evaluations": max_evaluations,
        "method": method,
        "popsize": popsize,
        "region_seeds": region_seeds,
        "types": types,
        "loss_seeds": loss_seeds,
    }
    with contextlib.ExitStack() as stack:
        if executor is not None and executor.uses_ray():
            from rootcauses.sim import ensemble

            stack.enter_context(ensemble.ray_session(executor))

            def map_population(
                func: Callable[[np.ndarray], float], thetas: Iterable[np.ndarray]
            ) -> list[float]:
                return ensemble.map_members(_apply, func, list(thetas), executor)

            options["map_population"] = map_population
        if validate is not None:
            calibration, scores = calibrate_target(
                inputs, target, n_train, values, specs, **options
            )
        else:  # everything observed is training (the `latest` calibration)
            calibration = fit(inputs, target.values, values, specs, **options)
            scores = training_scores(calibration, inputs, target, specs)
    simulated = scores.pop("simulated")
    from rootcauses.sim import validation

    card = None
    if validate is not None:
        split = validation.Split(
            f"{train}/{validate}", train.first, train.last, validate.first, validate.last
        )
        card = validation.scorecard(
            simulated, target.values, target.months, countries, split, burn_in=BURN_IN
        )
    overrides = dict(calibration.fitted)
    rate = None
    if anchor_month is not None:
        rate = mean_hazard_at(calibration.params, inputs, specs, anchor_month, households, seed)
        if rate is not None:
            lo, hi = specs["base_departure_rate"].range
            overrides["base_departure_rate"] = float(np.clip(rate, lo, hi))
    provenance = {
        "build_id": build_id,
        "train": str(train),
        "validate": str(validate) if validate is not None else None,
        "seed": seed,
        "loss_seeds": calibration.loss_seeds,
        "households": households,
        "free": list(calibration.free),
        "objective": "mean squared log(1 + encounters) difference by month and citizenship, plus "
        "the same of fiscal-year totals, of the 3-month jumps around regime changes and of "
        "fiscal-year encounters by migrant type where published (USBP southwest)",
        "loss": calibration.loss,
        "loss_other_seeds": calibration.other_seed_losses,
        "fitted_at_train_start": calibration.fitted,
        "train_start": f"{train.start:%Y-%m}",
        "method": method,
        "plausible_region": calibration.region,
        "plausible_threshold": calibration.threshold,
        "plausible_points": calibration.points,
        "base_departure_rate_anchor": (
            f"{anchor_month:%Y-%m} (mean hazard of the calibrated run that month)"
            if rate is not None
            else f"{train.start:%Y-%m} (first month of the training window)"
        ),
        "validation_flee_ard": (
            scores["validation"]["simulation"]["flee_ard"] if "validation" in scores else None
        ),
        "validation_mase": (
            scores["validation"]["simulation"]["mase"] if "validation" in scores else None
        ),
    }
    if start_from is not None:  # what the fit started from: that calibration's own record
        provenance["started_from"] = {
            "calibration": start_from,
            "start_values": calibration.start_values,
        }
    return {
        "model": "rootcauses.sim/0.1",
        "kind": "calibration",
        "build_id": build_id,
        "countries": list(countries),
        "train": str(train),
        "validate": str(validate) if validate is not None else None,
        "burn_in_months": BURN_IN,
        "seed": seed,
        "households": households,
        "free": list(calibration.free),
        "start_values": calibration.start_values,
        "fitted": calibration.fitted,
        "loss": calibration.loss,
        "evaluations": calibration.evaluations,
        "converged": calibration.converged,
        "fit_wall_seconds": round(calibration.wall_seconds, 2),
        "metrics": scores,
        "plausible_region": calibration.region,
        "plausible_threshold": calibration.threshold,
        "plausible_points": calibration.points,
        "loss_other_seeds": calibration.other_seed_losses,
        "not_identified": list(calibration.not_identified),
        "scorecard": card,
        "definitions": {
            "flee_ard": "mean over months of sum_c |sim - obs| / sum_c obs (Suleimenova et al. "
            "2017, Flee)",
            "mase": "mean |sim - obs| / in-sample seasonal naive MAE (lag 12) of the training "
            "window, per country, averaged over countries",
            "seasonal_naive": "last 12 training months repeated (forecast made at training end)",
            "seasonal_naive_lag12": "observed value 12 months earlier (sees validation data)",
        },
        "calibrated": calibrated_document(overrides, provenance),
        "series": validation.series_rows(
            target.months, countries, target.values, simulated, n_train
        ),
    }


def _latest_full_fiscal_year(con: Any, countries: Sequence[str]) -> int:
    """The last fiscal year whose September is observed."""
    from rootcauses.store import query

    frame = query.encounters_monthly(con, basis="usbp", citizenship=list(countries))
    if frame.empty:
        raise SimError("the store has no USBP encounters by citizenship (ohss_usbp)")
    last = pd.Timestamp(frame["month"].max())
    year: int = last.year if last.month >= 9 else last.year - 1
    return year
