from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rootcauses.sim import decision
from rootcauses.sim.decision import SIGNS, Coefficients, Drivers


def _x() -> Drivers:
    ones = np.ones(4)
    return Drivers(
        log_homicide=np.log(20) * ones,
        violence_exposure=ones,
        income_gap=2.0 * ones,
        drought=0.5 * ones,
        climate_exposed=ones,
        network=0 * ones,
        remittance=0 * ones,
        log_cost_ratio=-0.5 * ones,
        risk=0.3 * ones,
        deterrence=1.0 * ones,
        attempts=0 * ones,
    )


TERM = {  # coefficient -> the driver it multiplies
    "beta_violence": "log_homicide",
    "beta_income_gap": "income_gap",
    "beta_climate": "drought",
    "beta_network": "network",
    "beta_cost": "log_cost_ratio",
    "beta_risk": "risk",
    "beta_policy": "deterrence",
    "beta_attempts": "attempts",
}


@pytest.mark.parametrize("coefficient", sorted(SIGNS))
def test_each_driver_moves_departures_with_its_documented_sign(params, coefficient):
    beta = Coefficients.from_params(params)
    x = _x()
    base = decision.departure_probability(-5.0, beta, x)
    field = TERM[coefficient]
    more = replace(x, **{field: getattr(x, field) + 1.0})
    change = decision.departure_probability(-5.0, beta, more) - base
    assert np.all(np.sign(change) == SIGNS[coefficient])


def test_default_coefficients_have_the_documented_signs(params):
    for key, sign in SIGNS.items():
        assert np.sign(params[key]) in (sign, 0), key


def test_anchor_gives_the_base_rate_exactly():
    rng = np.random.default_rng(0)
    u = rng.normal(0, 2, 10_000).astype(np.float32)  # heavy spread: exp approximation fails
    a = decision.anchor_intercept(0.004, u)
    assert float(np.mean(1 / (1 + np.exp(-(a + u.astype(float)))))) == pytest.approx(0.004)


@pytest.mark.parametrize(
    ("spread", "base_rate"), [(0.5, 0.004), (3.0, 0.004), (5.0, 0.3), (8.0, 1e-5), (3.0, 0.999)]
)
def test_anchor_agrees_with_a_bracketing_root_finder(spread, base_rate):
    """Newton's safeguarded steps land on the root Brent's method finds, also for spreads where
    the hazard is far from its exponential approximation."""
    from scipy.optimize import brentq
    from scipy.special import expit

    u = np.random.default_rng(1).normal(1.0, spread, 20_000).astype(np.float32)
    uu = u.astype(float)
    reference = brentq(
        lambda a: float(expit(a + uu).mean()) - base_rate,
        -60 - uu.max(),
        60 - uu.min(),
        xtol=1e-12,
    )
    assert decision.anchor_intercept(base_rate, u) == pytest.approx(reference, abs=1e-8)
