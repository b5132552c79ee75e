"""Bandwidth from the residual autocorrelation, fixed-b critical values, the block bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from rootcauses.analysis import inference


def _ar1(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    x = np.zeros(n)
    shocks = rng.normal(size=n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + shocks[t]
    return x


def _panel(rng: np.random.Generator, rho: float = 0.9, T: int = 300, N: int = 3, beta: float = 0.0):
    """N countries sharing AR(1) shocks in the driver and the error (plus their own)."""
    common_x, common_e = _ar1(rng, T, rho), _ar1(rng, T, rho)
    X, y, periods, groups = [], [], [], []
    for i in range(N):
        x = common_x + 0.5 * _ar1(rng, T, rho)
        e = common_e + 0.5 * _ar1(rng, T, rho)
        X.append(np.column_stack([x, np.eye(N)[[i] * T]]))
        y.append(beta * x + e)
        periods.append(np.arange(T))
        groups.append(np.full(T, i))
    return np.vstack(X), np.concatenate(y), np.concatenate(periods), np.concatenate(groups)


def test_the_bandwidth_grows_with_the_autocorrelation() -> None:
    rng = np.random.default_rng(1)
    persistent = inference.andrews_bandwidth(_ar1(rng, 300, 0.9))
    # Andrews (1991): 1.1447 (α T)^(1/3), α = 4ρ²/((1-ρ)²(1+ρ)²) = 60.9 for ρ = 0.9 → about 30
    assert 20 <= persistent <= 40
    white = inference.andrews_bandwidth(rng.normal(size=300))
    assert white <= 3
    assert inference.ar1(_ar1(rng, 2000, 0.5))[0] == pytest.approx(0.5, abs=0.06)


def test_driscoll_kraay_matches_linearmodels_at_the_same_bandwidth() -> None:
    import pandas as pd
    from linearmodels.panel import PanelOLS

    rng = np.random.default_rng(2)
    X, y, periods, groups = _panel(rng, beta=0.3)
    frame = pd.DataFrame({"y": y, "x": X[:, 0], "g": groups, "t": periods}).set_index(["g", "t"])
    reference = PanelOLS(frame["y"], frame[["x"]], entity_effects=True).fit(
        cov_type="kernel", kernel="bartlett", bandwidth=12
    )
    ours = inference.driscoll_kraay(X, y, 1, periods, groups, bandwidth=12)
    assert ours.coef[0] == pytest.approx(reference.params["x"], rel=1e-9)
    assert ours.se[0] == pytest.approx(reference.std_errors["x"], rel=0.01)


def test_fixed_b_critical_values_widen_with_the_bandwidth() -> None:
    small = inference.fixed_b_critical(2, 400)
    assert small == pytest.approx(1.96, abs=0.1)  # b → 0: the normal value
    assert inference.fixed_b_critical(40, 400) > small + 0.2
    assert inference.fixed_b_critical(400, 400) > 4  # b = 1 (Kiefer-Vogelsang: about 4.8)
    p = inference.fixed_b_p_value(np.array([0.0, 1.96, 50.0]), 2, 400)
    assert p[0] == 1.0 and p[1] == pytest.approx(0.05, abs=0.02) and p[2] < 0.001


def test_a_true_zero_is_rejected_less_often_than_with_the_default_bandwidth() -> None:
    """The simulation the module docstring quotes: persistent shared shocks, β = 0."""
    rng = np.random.default_rng(0)
    reps = 200
    default = chosen = 0
    for _ in range(reps):
        X, y, periods, groups = _panel(rng)
        five = inference.driscoll_kraay(X, y, 1, periods, groups, bandwidth=5)
        default += abs(five.coef[0] / five.se[0]) > 1.959964
        chosen += inference.driscoll_kraay(X, y, 1, periods, groups).p_value[0] < 0.05
    assert default / reps > 0.2  # linearmodels' 5 months: far above 5%
    assert chosen / reps <= 0.16
    assert chosen / reps < default / reps - 0.08


def test_the_block_bootstrap_covers_a_planted_effect_and_finds_it() -> None:
    rng = np.random.default_rng(4)
    X, y, periods, _ = _panel(rng, rho=0.5, beta=1.0)
    boot = inference.block_bootstrap(X, y, 1, periods, block=10, draws=199, seed=1)
    assert boot.lo95[0] <= 1.0 <= boot.hi95[0]
    assert boot.p_value[0] < 0.01
    assert boot.block == 10 and boot.draws == 199
    again = inference.block_bootstrap(X, y, 1, periods, block=10, draws=199, seed=1)
    assert again.lo95[0] == boot.lo95[0]  # seeded


def test_residual_autocorrelation_is_within_groups() -> None:
    rng = np.random.default_rng(5)
    e = np.concatenate([_ar1(rng, 500, 0.8), _ar1(rng, 500, 0.8)])
    groups = np.repeat([0, 1], 500)
    assert inference.residual_autocorrelation(e, groups) == pytest.approx(0.8, abs=0.08)
