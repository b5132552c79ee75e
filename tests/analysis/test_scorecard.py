"""The outcome scorecard: the synthetic control on hand-built panels (weights recovered, only the
pre-period seen), a planted effect found with the right sign and a planted null not flagged,
the reasons for no verdict, and the scorecard of the snapshot store recomputed in part from the
store with independent queries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import scorecard as sc
from rootcauses.config import Settings

NT = ("GTM", "HND", "SLV")
# Real ISO3 codes for the donors of the synthetic panels (country names must resolve).
DONORS = (
    "ARG",
    "BOL",
    "BRA",
    "CHL",
    "COL",
    "ECU",
    "PRY",
    "PER",
    "URY",
    "MEX",
    "NIC",
    "CRI",
    "PAN",
    "DOM",
    "JAM",
    "MAR",
    "TUN",
    "EGY",
    "JOR",
    "PHL",
    "IDN",
    "VNM",
    "THA",
    "LKA",
    "IND",
    "KEN",
    "GHA",
    "SEN",
    "NGA",
    "ZAF",
    "TUR",
    "UKR",
    "GEO",
    "ARM",
    "MNG",
    "KAZ",
    "UZB",
    "KGZ",
    "TJK",
    "MDA",
)
YEARS = list(range(2005, 2024))
OUTCOME = sc.Outcome("P4", "violence", "Violence", "violence", "src", "per 100k", False)


def panel(
    seed: int,
    effect: float = 0.0,
    treated_effect: dict[str, float] | None = None,
    noise: float = 0.05,
) -> sc.Inputs:
    """Donors on two common factors plus noise; each treated country a convex mix of donors plus
    its own level, plus ``effect`` (or its own entry of ``treated_effect``) from 2021 on."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(YEARS), dtype=float)
    factors = np.vstack([np.sin(t / 3.0), t / len(YEARS) + 0.3 * np.cos(t / 2.0)])
    loadings = rng.normal(0, 1, (len(DONORS), 2))
    levels = rng.normal(10, 2, len(DONORS))
    donors = levels[:, None] + loadings @ factors + rng.normal(0, noise, (len(DONORS), len(t)))
    rows = [
        {"outcome": OUTCOME.id, "country": c, "year": y, "value": donors[i, k]}
        for i, c in enumerate(DONORS)
        for k, y in enumerate(YEARS)
    ]
    post = np.array([y >= 2021 for y in YEARS])
    for code in NT:
        w = rng.dirichlet(np.ones(5))
        chosen = rng.choice(len(DONORS), 5, replace=False)
        path = 25 + w @ (loadings[chosen] @ factors) + rng.normal(0, noise, len(t))
        path = path + post * (treated_effect or {}).get(code, effect)
        rows += [
            {"outcome": OUTCOME.id, "country": code, "year": y, "value": path[k]}
            for k, y in enumerate(YEARS)
        ]
    everyone = [*DONORS, *NT]
    return sc.Inputs(
        values=pd.DataFrame(rows),
        gdp_pc=pd.DataFrame([{"country": c, "year": 2017, "value": 8000.0} for c in everyone]),
        population=pd.DataFrame([{"country": c, "year": 2019, "value": 5e6} for c in everyone]),
        events=pd.DataFrame(columns=["date", "country", "category", "event"]),
        build_id="test",
    )


def _rows(inputs: sc.Inputs, outcome: sc.Outcome = OUTCOME) -> dict[str, sc.Row]:
    card = sc.compute_scorecard(inputs, outcomes=[outcome])
    return {r.country: r for r in card.rows}


# --- the numerics ---------------------------------------------------------------------------


def test_simplex_weights_recover_a_convex_mix() -> None:
    rng = np.random.default_rng(1)
    donors = rng.normal(0, 1, (12, 6))
    truth = np.array([0.5, 0.0, 0.3, 0.2, 0.0, 0.0])
    weights = sc.simplex_weights(donors, donors @ truth)
    assert weights.min() >= 0 and math.isclose(weights.sum(), 1.0, abs_tol=1e-12)
    np.testing.assert_allclose(weights, truth, atol=1e-4)


def test_the_fit_sees_only_the_pre_period() -> None:
    rng = np.random.default_rng(2)
    donors = rng.normal(0, 1, (15, 8))
    y = donors[:, :3].mean(axis=1) + 4.0
    changed = y.copy()
    changed[10:] += 100.0  # only the post-period differs
    a, b = sc.fit_synthetic(y, donors, 10), sc.fit_synthetic(changed, donors, 10)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.synthetic, b.synthetic)
    # the intercept: a level outside every donor's range is no obstacle
    assert a.pre_rmspe < 1e-3 and abs(a.synthetic[:10].mean() - y[:10].mean()) < 1e-9


def test_band_test_is_an_equal_tailed_rank_test() -> None:
    placebos = np.arange(-9.0, 10.0)  # 19 placebo gaps, -9 … 9
    lo, hi, p = sc.band_test(0.0, placebos, 0.90)
    assert lo < 0 < hi and p == 1.0
    lo, hi, p = sc.band_test(20.0, placebos, 0.90)
    assert hi < 20.0 and p == pytest.approx(2 / 20)


# --- planted effects on a synthetic panel ---------------------------------------------------


@pytest.mark.parametrize(("effect", "verdict"), [(-3.0, "better"), (3.0, "worse")])
def test_a_planted_effect_is_recovered_with_its_sign(effect: float, verdict: str) -> None:
    rows = _rows(panel(seed=7, effect=effect))
    for code in NT:
        row = rows[code]
        assert row.verdict == verdict, (code, row.statement)
        assert row.gap is not None and row.gap == pytest.approx(effect, abs=0.5)
        outside = row.observed < row.lo90 if effect < 0 else row.observed > row.hi90
        assert outside and row.pre_fit == "good" and row.donors == len(DONORS)
        assert row.p_value is not None and row.p_value <= 0.1
        assert row.regional_verdict == verdict and row.regional_donors == 15  # 15 in DONORS


def test_direction_follows_the_indicator() -> None:
    higher = sc.Outcome("P2", "violence", "Score", "score", "src", "points", True)
    rows = _rows(panel(seed=7, effect=3.0), higher)
    assert {r.verdict for r in rows.values()} == {"better"}


def test_a_planted_null_is_not_flagged() -> None:
    rows = _rows(panel(seed=7, treated_effect={"GTM": 0.0, "HND": -3.0, "SLV": 0.0}))
    assert rows["GTM"].verdict == rows["SLV"].verdict == "no_detectable_change"
    assert rows["HND"].verdict == "better"
    for code in ("GTM", "SLV"):
        row = rows[code]
        assert row.lo90 <= row.observed <= row.hi90 and abs(row.gap) < 0.3


def test_nulls_are_flagged_at_about_the_nominal_rate() -> None:
    """Over 40 panels without an effect, the 90% band flags about 10% of the verdicts."""
    flagged = total = 0
    for seed in range(40):
        for row in _rows(panel(seed=100 + seed)).values():
            total += 1
            flagged += row.verdict != "no_detectable_change"
    assert flagged / total <= 0.2, f"{flagged} of {total} nulls flagged"


# --- no verdict, and why --------------------------------------------------------------------


def test_too_few_donors_gives_insufficient_data_with_the_reason() -> None:
    inputs = panel(seed=3)
    keep = set(DONORS[:6]) | set(NT)
    small = sc.Inputs(
        values=inputs.values[inputs.values["country"].isin(keep)],
        gdp_pc=inputs.gdp_pc,
        population=inputs.population,
        events=inputs.events,
    )
    row = _rows(small)["GTM"]
    assert row.verdict == "insufficient_data" and row.observed is None
    assert "only 6 comparable countries" in row.reason and "at least 10" in row.reason


def test_no_post_years_or_too_few_pre_years_give_insufficient_data() -> None:
    inputs = panel(seed=3)
    values = inputs.values
    cut = values[~((values["country"] == "GTM") & (values["year"] >= 2021))]
    cut = cut[~((cut["country"] == "HND") & (cut["year"] < 2019))]
    rows = _rows(sc.Inputs(cut, inputs.gdp_pc, inputs.population, inputs.events))
    assert rows["GTM"].verdict == rows["HND"].verdict == "insufficient_data"
    assert "no value from 2021 on" in rows["GTM"].reason
    assert "2 of the 10 years 2011–2020" in rows["HND"].reason
    assert rows["SLV"].verdict != "insufficient_data"


def test_the_donor_pool_takes_comparable_countries_only() -> None:
    inputs = panel(seed=3)
    gdp = inputs.gdp_pc.copy()
    gdp.loc[gdp["country"] == "ARG", "value"] = 80_000.0  # too rich
    pop = inputs.population.copy()
    pop.loc[pop["country"] == "BOL", "value"] = 500_000.0  # too small
    pool = sc.comparable_countries(sc.Inputs(inputs.values, gdp, pop, inputs.events), sc.Design())
    assert "ARG" not in pool and "BOL" not in pool and "BRA" in pool
    assert not set(pool) & set(NT)


# --- transforms and caveats -----------------------------------------------------------------


def test_growth_skips_missing_years_and_logs_report_geometric_means() -> None:
    long = pd.DataFrame(
        {"country": ["A"] * 4, "year": [2000, 2001, 2003, 2004], "value": [100, 110, 121, 133.1]}
    )
    growth = sc.transform_values(long, "growth")
    assert list(growth["year"]) == [2001, 2004]
    np.testing.assert_allclose(growth["value"], [10.0, 10.0])
    logged = panel(seed=5)
    values = logged.values.assign(value=lambda f: np.exp(f["value"] / 10))
    homicide = sc.Outcome("P4", "violence", "Homicide", "h", "s", "per 100k", False, "log")
    inputs = sc.Inputs(
        sc.transform_values(values, "log").assign(outcome="violence"),
        logged.gdp_pc,
        logged.population,
        logged.events,
    )
    row = _rows(inputs, homicide)["GTM"]
    raw = values[(values["country"] == "GTM") & (values["year"] >= 2021)]["value"]
    assert row.observed == pytest.approx(math.exp(np.log(raw).mean()), rel=1e-4)


def test_caveats_name_the_events_of_the_window() -> None:
    inputs = panel(seed=7, effect=-3.0)
    events = pd.DataFrame(
        [
            {
                "date": pd.Timestamp("2022-03-27"),
                "country": "SLV",
                "category": "security",
                "event": "State of exception declared",
            },
            {
                "date": pd.Timestamp("2015-01-01"),
                "country": "SLV",
                "category": "security",
                "event": "Too early",
            },
            {
                "date": pd.Timestamp("2022-05-01"),
                "country": "SLV",
                "category": "disaster",
                "event": "Another pillar",
            },
        ]
    )
    rows = _rows(sc.Inputs(inputs.values, inputs.gdp_pc, inputs.population, events))
    text = " ".join(rows["SLV"].caveats)
    assert "State of exception declared" in text
    assert "Too early" not in text and "Another pillar" not in text
    assert "State of exception" not in " ".join(rows["GTM"].caveats)
    assert any("post-2020 years" in c for c in rows["GTM"].caveats)
    assert any("Latin American and Caribbean donors only (15" in c for c in rows["GTM"].caveats)
    assert "not a measured effect" in rows["SLV"].statement


# --- the snapshot store ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def card(built_store: Settings) -> sc.Scorecard:
    from rootcauses.store import connect

    con = connect(built_store)
    try:
        return sc.scorecard_from_store(con)
    finally:
        con.close()


def test_the_snapshot_covers_violence_governance_and_economic_insecurity(
    card: sc.Scorecard,
) -> None:
    scored = {(r.pillar, r.country) for r in card.rows if r.verdict != "insufficient_data"}
    for pillar in ("P1", "P2", "P4"):
        for code in NT:
            assert (pillar, code) in scored, (pillar, code)
    indicators = {r.indicator for r in card.rows if r.verdict != "insufficient_data"}
    assert {"homicide_rate", "wgi_control_of_corruption", "wgi_rule_of_law", "cpi_score"} <= (
        indicators
    )
    assert "gdp_pc_growth" in indicators
    assert [n["pillar"] for n in card.not_covered] == ["P5"]
    assert len(card.design["donor_pool"]) >= 30


def test_every_snapshot_row_is_consistent(card: sc.Scorecard) -> None:
    for r in card.rows:
        assert r.verdict in sc.VERDICTS
        if r.verdict == "insufficient_data":
            assert r.reason and r.observed is None
            continue
        assert r.lo90 is not None and r.hi90 is not None and r.observed is not None
        assert r.lo90 < r.hi90 and r.donors >= 10
        assert r.regional_verdict is None or r.regional_donors >= 10
        outside = not (r.lo90 <= r.observed <= r.hi90)
        assert outside == (r.verdict in ("better", "worse")), r.statement
        if outside:
            above = r.observed > r.hi90
            assert (r.verdict == "better") == (above == r.higher_is_better)
        assert r.source["url"] and r.caveats and r.pre_period and r.post_period
        assert len(r.series["year"]) == len(r.series["observed"]) == len(r.series["lo"])


def test_snapshot_observed_values_are_the_stores(card: sc.Scorecard, store) -> None:
    """The observed averages recomputed with independent SQL."""
    for indicator, source, mean in (
        ("wgi_rule_of_law", "wgi", "avg(value)"),
        ("cpi_score", "cpi", "avg(value)"),
        ("homicide_rate", "homicide", "exp(avg(ln(value)))"),
    ):
        for r in card.rows:
            if r.indicator != indicator or r.verdict == "insufficient_data":
                continue
            first, last = (int(y) for y in r.post_period[:9].split("–"))
            value = store.execute(
                f"SELECT {mean} FROM indicators WHERE indicator = ? AND source = ? "
                "AND country = ? AND year(period) BETWEEN ? AND ?",
                [indicator, source, r.country, first, last],
            ).fetchone()[0]
            assert r.observed == pytest.approx(value, abs=1e-3), (indicator, r.country)


def test_interface_columns(card: sc.Scorecard) -> None:
    frame = sc.scorecard_rows(card.select("HND"))
    assert tuple(frame.columns) == sc.INTERFACE_COLUMNS
    assert set(frame["country"]) == {"HND"} and len(frame) == len(sc.OUTCOMES)
