"""The household's monthly decision to send a migrant: a logistic hazard driven by the same
drivers as the panel.

    P(depart this month) = logistic(intercept + Σ_k β_k · x_k)

| term x_k                                  | coefficient      | sign | why                   |
|-------------------------------------------|------------------|------|-----------------------|
| exposure_h · log(homicide rate_c,t)       | beta_violence    | +    | violence (Clemens)    |
| log(US GDP pc / household income pc)      | beta_income_gap  | +    | wage gap              |
| climate_exposed_h · rainfall deficit_c,t  | beta_climate     | +    | Dry Corridor droughts |
| family abroad_h (0/1)                     | beta_network     | +    | networks (Massey)     |
| remittances received_h (0/1)              | beta_remittance  | ±    | insurance/liquidity   |
| log(journey cost / annual hh income)      | beta_cost        | −    | cost-benefit          |
| journey failure probability_origin,t      | beta_risk        | −    | risk deters           |
| scenario lever deterrence_add             | beta_policy      | −    | deterrence            |
| prior attempts_h                          | beta_attempts    | +    | re-attempts           |
| country effect_c, season_m, COVID closure_t, storms_c,t, Δ US unemployment_t | several | shift |

The recorded policy regimes do not enter as an index: they change what the border gives each
migrant type (:func:`rootcauses.sim.engine.border_rules`), and households respond through their
**expectations** of those outcomes (β_expectation), through **diffusion** (β_diffusion: the share
of the origin's households with family abroad) and **cascades** (β_cascade: recent departures
from the origin), all updated month by month in :class:`rootcauses.sim.engine.Feedbacks`;
``beta_policy`` multiplies only the scenario lever ``deterrence_add``.

Every size is marked ``assumption: true`` in ``parameters.yaml`` until calibration. Subscripts:
h household, c country, t month. Pure functions on arrays; no state, no randomness.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import expit

from rootcauses.sim.errors import SimError

SIGNS = {
    "beta_violence": +1,
    "beta_income_gap": +1,
    "beta_climate": +1,
    "beta_network": +1,
    "beta_cost": -1,
    "beta_risk": -1,
    "beta_policy": -1,
    "beta_attempts": +1,
}  # beta_remittance: sign left open (the default is negative, its uncertainty spans zero)


@dataclass(frozen=True)
class Coefficients:
    violence: float
    income_gap: float
    climate: float
    network: float
    remittance: float
    cost: float
    risk: float
    policy: float
    attempts: float

    @classmethod
    def from_params(cls, params: Mapping[str, float]) -> Coefficients:
        return cls(**{f.name: float(params[f"beta_{f.name}"]) for f in fields(cls)})


@dataclass(frozen=True)
class Drivers:
    """The x of one month, per household (arrays of equal length) or broadcastable scalars."""

    log_homicide: np.ndarray  # log homicide rate per 100,000 (country, month)
    violence_exposure: np.ndarray  # household multiplier, mean 1
    income_gap: np.ndarray  # log(US GDP pc / household income pc)
    drought: np.ndarray  # max(0, -precip_z) + scenario shock (country, month)
    climate_exposed: np.ndarray  # 0/1
    network: np.ndarray  # 0/1
    remittance: np.ndarray  # 0/1
    log_cost_ratio: np.ndarray  # log(journey cost / annual household income)
    risk: np.ndarray  # probability the journey fails (origin, month)
    deterrence: np.ndarray | float  # perceived deterrence index (month)
    attempts: np.ndarray  # prior attempts
    shift: np.ndarray | float = 0.0  # exogenous country-month terms, times their coefficients


def utility(beta: Coefficients, x: Drivers) -> np.ndarray:
    """β·x without the intercept (float32 keeps the per-household temporaries small)."""
    u: np.ndarray = (
        beta.violence * x.violence_exposure * x.log_homicide
        + beta.income_gap * x.income_gap
        + beta.climate * x.climate_exposed * x.drought
        + beta.network * x.network
        + beta.remittance * x.remittance
        + beta.cost * x.log_cost_ratio
        + beta.risk * x.risk
        + beta.policy * x.deterrence
        + beta.attempts * x.attempts
        + x.shift
    ).astype(np.float32, copy=False)
    return u


def departure_probability(intercept: float, beta: Coefficients, x: Drivers) -> np.ndarray:
    """Monthly probability each household sends a migrant."""
    p: np.ndarray = expit(intercept + utility(beta, x))
    return p


def logistic_moments(a: float, u: np.ndarray) -> tuple[float, float]:
    """mean(p) and mean(p(1 − p)) of p = logistic(a + u): the anchor's excess and slope."""
    p = expit(a + u)
    return float(p.mean()), float((p * (1 - p)).mean())


def anchor_intercept(
    base_rate: float,
    utilities: np.ndarray,
    moments: Callable[[float, np.ndarray], tuple[float, float]] = logistic_moments,
) -> float:
    """The intercept that makes the mean monthly hazard over these households exactly
    ``base_rate``. mean(logistic(a + u)) is increasing in a, so the root is unique: Newton's
    method (its derivative is mean(p(1 − p)), a few passes over the households instead of
    Brent's dozen), kept inside a shrinking bracket so it cannot diverge. ``moments`` computes
    both means (the engine passes the compiled one-pass version of :func:`logistic_moments`)."""
    u = np.ascontiguousarray(utilities, dtype=np.float64)
    if u.size == 0:
        return float(np.log(base_rate / (1 - base_rate)))
    lo, hi = -60.0 - float(u.max()), 60.0 - float(u.min())
    a = float(np.clip(np.log(base_rate / (1 - base_rate)) - u.mean(), lo, hi))
    for _ in range(200):
        mean, slope = moments(a, u)
        excess = mean - base_rate
        if excess > 0:
            hi = a
        else:
            lo = a
        step = excess / slope if slope > 0 else np.inf
        if abs(step) < 1e-11 or hi - lo < 1e-11:
            return a - step if np.isfinite(step) else a
        a = a - step if lo < a - step < hi else 0.5 * (lo + hi)
    raise SimError(f"anchor_intercept: no convergence for base_departure_rate {base_rate}")
