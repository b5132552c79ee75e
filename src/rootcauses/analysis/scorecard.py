"""Outcome scorecard per pillar of the root-causes strategy: each outcome indicator's path since
2021 in Guatemala, Honduras and El Salvador against a synthetic control built only from data
before 2021, with in-space placebo bands, and a verdict per indicator and country.

Method (fixed here and recorded in :class:`Design`; the page and the API repeat it):

* **Outcomes** (:data:`OUTCOMES`): per pillar, the indicators the strategy set out to move, each
  read from one source (one vintage, never spliced) and, where noted, transformed (homicide in
  logs, so a change is proportional; GDP per capita as yearly growth).
* **Donor pool**: countries other than the three with, before 2021, a population of at least
  ``min_population`` and a mean GDP per capita (PPP, constant prices, 2015–2019) between
  ``1 / income_factor`` times the poorest and ``income_factor`` times the richest of the three;
  each indicator keeps the donors with a value in every year the treated country is scored on.
  A second pool, Latin America and the Caribbean (same population floor, no income band), gives
  a second verdict beside the first, so a reader sees where the choice of donors matters.
* **Synthetic control with an intercept** (demeaned: Doudchenko & Imbens 2016; Ferman & Pinto
  2021): non-negative donor weights summing to one fit the treated country's pre-period
  deviations from its own pre-period mean; the counterfactual is that mean plus the weighted
  donors' deviations. Levels outside the donors' range (El Salvador's homicide rate) are then
  no obstacle; a path no mix of donors follows is, and the pre-period fit is reported. Weights
  come from SciPy's non-negative least squares with the sum-to-one constraint as a heavily
  weighted extra row (then renormalised).
* **Placebo band** (in-space placebos, Abadie, Diamond & Hainmueller 2010): the same fit is run
  for every donor as if it were treated (on the other donors); their gaps after 2020 are what the
  method leaves where there was no strategy. The treated country's band is its counterfactual
  plus the 5th–95th percentiles of those gaps (per year for the chart, of their mean for the
  verdict), and the p-value is the two-sided rank of its gap among them. Gaps are not scaled by
  each country's volatility (near-perfect pre-period fits and floor-coded series make such
  ratios explode); a treated series more volatile than 90% of the donors is flagged instead.
* **Verdict**: the mean of the observed post-period values against the band of the mean
  (``better`` or ``worse`` by the indicator's direction when outside it, else
  ``no_detectable_change``); ``insufficient_data`` with the reason when the store lacks the
  pre-period years, the post-period years or the donors.

A verdict is an association between the period after 2020 and a departure from what comparable
countries' paths imply; it is not the strategy's effect. Each row carries the caveats that apply
(few post-years, COVID, events recorded in the store such as El Salvador's state of exception,
the donor-pool choice, data vintages, a poor pre-period fit).

:func:`compute_scorecard` is pure (frames in, rows out); :func:`read_inputs` is the one function
that reads the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import nnls

from rootcauses.countries import NORTHERN_TRIANGLE, country_name
from rootcauses.errors import ModelError
from rootcauses.findings.compute import SourceRef, source_refs
from rootcauses.i18n import N_, Message
from rootcauses.store import query
from rootcauses.store.results import current_build

Verdict = Literal["better", "worse", "no_detectable_change", "insufficient_data"]
VERDICTS: tuple[str, ...] = ("better", "worse", "no_detectable_change", "insufficient_data")
Transform = Literal["level", "log", "growth"]


@dataclass(frozen=True)
class Outcome:
    """One outcome indicator of a pillar and how it is read."""

    pillar: str  # strategy pillar id (strategy_pillars.id)
    id: str  # the scorecard's name of the outcome
    label: str
    indicator: str  # the store's indicator
    source: str  # the store's source id: one vintage
    unit: str  # unit of the values shown (after the transform)
    higher_is_better: bool
    transform: Transform = "level"
    note: str = ""  # what the series is and is not


PILLAR_LABELS: dict[str, str] = {
    "P1": N_("Economic insecurity and inequality"),
    "P2": N_("Corruption and governance"),
    "P3": N_("Human rights, labour rights and a free press"),
    "P4": N_("Violence and security"),
    "P5": N_("Sexual, gender-based and domestic violence"),
}
# Event categories of the store's events table that bear on each pillar's outcomes.
PILLAR_EVENTS: dict[str, tuple[str, ...]] = {
    "P1": ("disaster",),
    "P2": ("corruption", "election", "security"),
    "P3": ("election", "security"),
    "P4": ("security",),
}
WGI_NOTE = N_(
    "WGI estimates are relative (world mean about 0 each year): a change is a change against the "
    "rest of the world; each release revises back years (2023 update used)."
)
# Labels, units and notes are marked for the catalogues (N_) and translated where they are shown
# (the Commitments page, the brief); the API keeps them in English. A literal % is written %% as
# the catalogue holds it, then formatted (`% {}`) into the English text.
OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "P1",
        "gdp_pc_growth",
        N_("GDP per capita growth"),
        "gdp_pc_ppp_const",
        "wdi_gdp_pc_ppp",
        N_("%% per year") % {},
        True,
        "growth",
        N_("Yearly growth of GDP per capita, PPP at constant prices (WDI)."),
    ),
    Outcome(
        "P1",
        "poverty_headcount_5_50",
        N_("Poverty ($5.50 a day, 2011 PPP)"),
        "poverty_headcount_5_50",
        "wdi_2021",
        N_("%% of population") % {},
        False,
        note=N_("WDI 2021 vintage: ends in 2019 and covers only the study countries."),
    ),
    Outcome(
        "P1",
        "unemployment_rate",
        N_("Unemployment rate"),
        "unemployment_rate",
        "wdi_unemployment",
        N_("%% of labour force") % {},
        False,
        note=N_("ILO modelled estimates (WDI 2023 vintage); the store holds them for 8 countries."),
    ),
    Outcome(
        "P1",
        "undernourishment_prevalence",
        N_("Food insecurity: prevalence of undernourishment"),
        "undernourishment_prevalence",
        "fao_undernourishment",
        N_("%% of population") % {},
        False,
        note=N_(
            "FAO SDG 2.1.1 values are 3-year averages, so post-2020 years overlap earlier ones."
        ),
    ),
    Outcome(
        "P1",
        "gini",
        N_("Income inequality (Gini index)"),
        "gini",
        "pip_gini",
        N_("Gini index (0-100)"),
        False,
        note=N_("From household surveys in scattered years."),
    ),
    Outcome(
        "P2",
        "wgi_control_of_corruption",
        N_("Control of corruption (WGI)"),
        "wgi_control_of_corruption",
        "wgi",
        N_("WGI estimate"),
        True,
        note=WGI_NOTE,
    ),
    Outcome(
        "P2",
        "wgi_rule_of_law",
        N_("Rule of law (WGI)"),
        "wgi_rule_of_law",
        "wgi",
        N_("WGI estimate"),
        True,
        note=WGI_NOTE,
    ),
    Outcome(
        "P2",
        "cpi_score",
        N_("Corruption Perceptions Index"),
        "cpi_score",
        "cpi",
        N_("score 0-100 (100 very clean)"),
        True,
        note=N_("TI's 2012 methodology (scores before 2012 are not comparable and not used)."),
    ),
    Outcome(
        "P2",
        "wgi_government_effectiveness",
        N_("Government effectiveness (WGI)"),
        "wgi_government_effectiveness",
        "wgi",
        N_("WGI estimate"),
        True,
        note=WGI_NOTE,
    ),
    Outcome(
        "P3",
        "wgi_voice_and_accountability",
        N_("Voice and accountability (WGI)"),
        "wgi_voice_and_accountability",
        "wgi",
        N_("WGI estimate"),
        True,
        note=WGI_NOTE,
    ),
    Outcome(
        "P4",
        "homicide_rate",
        N_("Homicide rate"),
        "homicide_rate",
        "homicide",
        N_("per 100,000 population"),
        False,
        "log",
        N_(
            "UNODC (via OWID), which blends police and public-health counts and revises back "
            "years; modelled in logs, so the averages shown are geometric means."
        ),
    ),
    Outcome(
        "P4",
        "wgi_political_stability",
        N_("Political stability and absence of violence (WGI)"),
        "wgi_political_stability",
        "wgi",
        N_("WGI estimate"),
        True,
        note=WGI_NOTE,
    ),
)
NOT_COVERED: dict[str, str] = {
    "P5": N_(
        "The store holds no series on sexual, gender-based or domestic violence, so this "
        "pillar has no outcome on the scorecard."
    ),
}
# A verdict as a word inside a sentence (the page's badges are web.scorecard.VERDICT_LABELS).
VERDICT_WORDS: dict[str, str] = {
    "better": N_("better"),
    "worse": N_("worse"),
    "no_detectable_change": N_("no detectable change"),
    "insufficient_data": N_("insufficient data"),
}
# Latin America and the Caribbean (UN M49 region 419, members and territories): the second donor
# pool, whose verdicts are compared with the main pool's to show how much the choice matters.
LATIN_AMERICA: tuple[str, ...] = (
    "ABW", "AIA", "ARG", "ATG", "BES", "BHS", "BLM", "BLZ", "BOL", "BRA", "BRB", "CHL", "COL",
    "CRI", "CUB", "CUW", "CYM", "DMA", "DOM", "ECU", "FLK", "GLP", "GRD", "GTM", "GUF", "GUY",
    "HND", "HTI", "JAM", "KNA", "LCA", "MAF", "MEX", "MSR", "MTQ", "NIC", "PAN", "PER", "PRI",
    "PRY", "SLV", "SUR", "SXM", "TCA", "TTO", "URY", "VCT", "VEN", "VGB", "VIR",
)  # fmt: skip
GDP_INDICATOR, GDP_SOURCE = "gdp_pc_ppp_const", "wdi_gdp_pc_ppp"
POPULATION_INDICATOR, POPULATION_SOURCE = "population", "wpp_population"


@dataclass(frozen=True)
class Design:
    """The choices of the scorecard; every verdict depends on them and records them."""

    first_post_year: int = 2021  # the strategy was published in July 2021
    pre_years: int = 10  # pre-period: the years before first_post_year, at most this many
    min_pre_years: int = 5
    min_donors: int = 10  # fewer placebos cannot give a 5th-95th percentile band
    level: float = 0.90
    min_population: float = 1_000_000.0
    income_factor: float = 3.0
    income_years: tuple[int, int] = (2015, 2019)
    population_year: int = 2019
    treated: tuple[str, ...] = NORTHERN_TRIANGLE

    @property
    def pre_window(self) -> tuple[int, int]:
        return self.first_post_year - self.pre_years, self.first_post_year - 1


@dataclass(frozen=True)
class Inputs:
    """What the scorecard reads from a store (frames; :func:`read_inputs` makes them)."""

    values: pd.DataFrame  # outcome, country, year, value (already transformed)
    gdp_pc: pd.DataFrame  # country, year, value
    population: pd.DataFrame  # country, year, value
    events: pd.DataFrame  # date, country, category, event
    pillars: dict[str, str] = field(default_factory=dict)  # id -> full pillar name
    sources: dict[str, SourceRef] = field(default_factory=dict)
    build_id: str = ""


@dataclass(frozen=True)
class Fit:
    """A synthetic control for one unit: donor weights and the counterfactual path."""

    weights: np.ndarray  # over the donor columns
    synthetic: np.ndarray  # over all years (pre and post), transformed scale
    pre_rmspe: float


@dataclass(frozen=True)
class Row:
    """One indicator × country of the scorecard (the fields of the issue's interface first)."""

    pillar: str
    indicator: str
    country: str
    pre_period: str | None
    post_period: str | None
    observed: float | None
    counterfactual: float | None
    lo90: float | None
    hi90: float | None
    verdict: Verdict
    pillar_name: str = ""
    label: str = ""
    country_name: str = ""
    unit: str = ""
    higher_is_better: bool = True
    transform: str = "level"
    gap: float | None = None  # observed - counterfactual
    p_value: float | None = None  # two-sided, in-space placebos
    donors: int = 0
    weights: list[dict[str, Any]] = field(default_factory=list)  # top donors
    pre_fit: str = ""  # "good" | "poor"
    volatile: bool = False  # more year-to-year change before 2021 than 90% of the donors
    regional_verdict: str | None = None  # with Latin American and Caribbean donors only
    regional_donors: int = 0
    statement: str = ""
    reason: str = ""  # why insufficient_data
    caveats: list[str] = field(default_factory=list)
    source: dict[str, str] = field(default_factory=dict)
    series: dict[str, list[Any]] = field(default_factory=dict)  # year, observed, synthetic, lo, hi

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Scorecard:
    build_id: str
    design: dict[str, Any]
    rows: list[Row]
    not_covered: list[dict[str, str]]
    method: str

    def public(self) -> dict[str, Any]:
        return {
            "build_id": self.build_id,
            "design": self.design,
            "method": self.method,
            "not_covered": self.not_covered,
            "data": [r.public() for r in self.rows],
        }

    def select(self, country: str | None = None) -> Scorecard:
        if country is None:
            return self
        return replace(self, rows=[r for r in self.rows if r.country == country])


METHOD = N_(
    "Synthetic control with an intercept: non-negative donor weights summing to one, fitted on "
    "the years before 2021 only; the band is the 5th-95th percentile of the same method's gaps "
    "for every donor treated as a placebo (comparable countries without the strategy). A "
    "verdict says whether the average since 2021 left that band: an association with the period, "
    "not the strategy's effect."
)


# --- the synthetic control (pure numerics) ---------------------------------------------------


def simplex_weights(donors: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0`` with ``sum(w) = 1`` minimising ``|donors @ w - target|``.

    ``donors`` is years × donors. Non-negative least squares with the sum constraint as an extra
    row weighted far above the data, then renormalised (exact to rounding).
    """
    if donors.ndim != 2 or donors.shape[0] != target.shape[0] or donors.shape[1] == 0:
        raise ModelError(f"synthetic control needs years × donors, got {donors.shape}")
    scale = max(float(np.abs(donors).max(initial=0.0)), float(np.abs(target).max(initial=0.0)))
    penalty = 1e4 * (scale + 1.0)
    a = np.vstack([donors, np.full((1, donors.shape[1]), penalty)])
    b = np.append(target, penalty)
    w, _ = nnls(a, b, maxiter=50 * donors.shape[1])
    total = w.sum()
    if not total > 0:
        return np.full(donors.shape[1], 1.0 / donors.shape[1])
    return np.asarray(w / total)


def fit_synthetic(y: np.ndarray, donors: np.ndarray, n_pre: int) -> Fit:
    """Demeaned synthetic control of ``y`` (years) from ``donors`` (years × donors); the first
    ``n_pre`` years are the pre-period, the only ones the fit sees."""
    y_mean = y[:n_pre].mean()
    d_mean = donors[:n_pre].mean(axis=0)
    w = simplex_weights(donors[:n_pre] - d_mean, y[:n_pre] - y_mean)
    synthetic = y_mean + (donors - d_mean) @ w
    rmspe = float(np.sqrt(np.mean((y[:n_pre] - synthetic[:n_pre]) ** 2)))
    return Fit(w, synthetic, rmspe)


def volatility(y: np.ndarray, n_pre: int) -> float:
    """Standard deviation of the year-to-year changes before the post-period."""
    diffs = np.diff(y[:n_pre])
    return float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0


@dataclass(frozen=True)
class Placebos:
    """What the method leaves for donors that had no strategy: each donor fitted on the others."""

    yearly: np.ndarray  # donors × post years: observed - synthetic
    mean: np.ndarray  # donors: mean gap over the post years
    pre_rmspe: np.ndarray  # donors
    volatility: np.ndarray  # donors


def placebo_gaps(donors: np.ndarray, n_pre: int) -> Placebos:
    """Fit every donor column on the others (in-space placebos)."""
    yearly, rmspe, vol = [], [], []
    for j in range(donors.shape[1]):
        fit = fit_synthetic(donors[:, j], np.delete(donors, j, axis=1), n_pre)
        yearly.append(donors[n_pre:, j] - fit.synthetic[n_pre:])
        rmspe.append(fit.pre_rmspe)
        vol.append(volatility(donors[:, j], n_pre))
    gaps = np.array(yearly)
    return Placebos(gaps, gaps.mean(axis=1), np.array(rmspe), np.array(vol))


def band_test(gap: float, placebo_means: np.ndarray, level: float) -> tuple[float, float, float]:
    """The equal-tailed placebo band ``(lo, hi)`` of a mean gap and the two-sided rank p-value
    of ``gap`` in it (``gap`` outside the band ⇔ p below ``1 - level``, up to interpolation)."""
    tail = (1 - level) / 2
    lo, hi = np.quantile(placebo_means, [tail, 1 - tail])
    n = len(placebo_means)
    above = (1 + int(np.sum(placebo_means >= gap))) / (1 + n)
    below = (1 + int(np.sum(placebo_means <= gap))) / (1 + n)
    return float(lo), float(hi), min(1.0, 2 * min(above, below))


# --- one indicator × country -----------------------------------------------------------------


def comparable_countries(inputs: Inputs, design: Design) -> list[str]:
    """The donor pool: similar income and at least ``min_population`` before 2021 (see the module
    docstring), the treated countries excluded."""
    lo, hi = design.income_years
    gdp = inputs.gdp_pc[(inputs.gdp_pc["year"] >= lo) & (inputs.gdp_pc["year"] <= hi)]
    income = gdp.groupby("country")["value"].mean()
    treated = income.reindex(list(design.treated)).dropna()
    if treated.empty:
        raise ModelError(
            f"no GDP per capita ({GDP_INDICATOR}, {GDP_SOURCE}) for {', '.join(design.treated)} "
            f"in {lo}-{hi}: the donor pool cannot be chosen"
        )
    pop = inputs.population[inputs.population["year"] == design.population_year]
    big = set(pop.loc[pop["value"] >= design.min_population, "country"])
    band = income[
        (income >= treated.min() / design.income_factor)
        & (income <= treated.max() * design.income_factor)
    ]
    return sorted(c for c in band.index if c in big and c not in design.treated and len(c) == 3)


def regional_countries(inputs: Inputs, design: Design) -> list[str]:
    """The second pool: Latin America and the Caribbean with at least ``min_population`` people
    (no income band), the treated countries excluded."""
    pop = inputs.population[inputs.population["year"] == design.population_year]
    big = set(pop.loc[pop["value"] >= design.min_population, "country"])
    return sorted(c for c in LATIN_AMERICA if c in big and c not in design.treated)


def _period(years: Sequence[int]) -> str | None:
    """``2011–2020``; ``2023`` for one year; ``2011–2019 (7 years)`` when years are missing."""
    if not len(years):
        return None
    if len(years) == 1:
        return str(years[0])
    span = f"{years[0]}–{years[-1]}"
    if years[-1] - years[0] + 1 == len(years):
        return span
    return Message(N_("%(span)s (%(years)s years)"), span=span, years=len(years))


def _back(values: np.ndarray | float, transform: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return np.exp(arr) if transform == "log" else arr


def _num(value: float | np.floating[Any] | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return round(float(value), digits)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def _insufficient(base: Row, reason: Message) -> Row:
    return replace(
        base,
        verdict="insufficient_data",
        reason=reason,
        statement=Message(
            N_("No verdict for %(outcome)s in %(country)s: %(reason)s"),
            outcome=Message.literal(base.label).lower(),
            country=base.country_name,
            reason=reason,
        ),
    )


def score_one(
    outcome: Outcome,
    wide: pd.DataFrame,
    country: str,
    pool: Sequence[str],
    design: Design,
    base: Row,
    cache: dict[tuple[tuple[int, ...], tuple[str, ...]], Placebos] | None = None,
) -> Row:
    """The verdict for one outcome and country; ``wide`` is year × country (transformed).
    ``cache`` keeps the placebos of a (years, donors) pair for the next country of the outcome."""
    first_pre, last_pre = design.pre_window
    if country not in wide.columns:
        return _insufficient(
            base,
            Message(
                N_("the store has no %(outcome)s for it"),
                outcome=Message.literal(outcome.label).lower(),
            ),
        )
    own = wide[country].dropna()
    pre = [int(y) for y in own.index if first_pre <= y <= last_pre]
    post = [int(y) for y in own.index if y >= design.first_post_year]
    if len(pre) < design.min_pre_years:
        return _insufficient(
            base,
            Message(
                N_(
                    "%(found)s of the %(years)s years %(first)s–%(last)s have a value (at least "
                    "%(needed)s needed to fit a counterfactual)"
                ),
                found=len(pre),
                years=design.pre_years,
                first=first_pre,
                last=last_pre,
                needed=design.min_pre_years,
            ),
        )
    if not post:
        return _insufficient(
            base,
            Message(
                N_("no value from %(year)s on in the store (source %(source)s)"),
                year=design.first_post_year,
                source=outcome.source,
            ),
        )
    candidates = [c for c in pool if c in wide.columns]
    donors: list[str] = []
    while post:
        years = pre + post
        block = wide.reindex(index=years, columns=candidates)
        donors = [c for c in candidates if block[c].notna().all()]
        if len(donors) >= design.min_donors:
            break
        post = post[:-1]
    if len(donors) < design.min_donors or not post:
        return _insufficient(
            base,
            Message(
                N_(
                    "only %(donors)s comparable countries have %(outcome)s in every year scored "
                    "(at least %(needed)s needed for a placebo band)"
                ),
                donors=len(donors),
                outcome=Message.literal(outcome.label).lower(),
                needed=design.min_donors,
            ),
        )
    years = pre + post
    n_pre = len(pre)
    y = wide.loc[years, country].to_numpy(dtype=float)
    matrix = wide.loc[years, donors].to_numpy(dtype=float)
    fit = fit_synthetic(y, matrix, n_pre)
    key = (tuple(years), tuple(donors))
    placebos = cache.get(key) if cache is not None else None
    if placebos is None:
        placebos = placebo_gaps(matrix, n_pre)
        if cache is not None:
            cache[key] = placebos
    observed_t = y[n_pre:].mean()
    synthetic_t = fit.synthetic[n_pre:].mean()
    q_lo, q_hi, p_value = band_test(observed_t - synthetic_t, placebos.mean, design.level)
    tail = (1 - design.level) / 2
    yearly_lo = np.quantile(placebos.yearly, tail, axis=0)
    yearly_hi = np.quantile(placebos.yearly, 1 - tail, axis=0)
    lo_t, hi_t = synthetic_t + q_lo, synthetic_t + q_hi
    if observed_t > hi_t:
        verdict: Verdict = "better" if outcome.higher_is_better else "worse"
    elif observed_t < lo_t:
        verdict = "worse" if outcome.higher_is_better else "better"
    else:
        verdict = "no_detectable_change"
    t = outcome.transform
    observed, counterfactual = float(_back(observed_t, t)), float(_back(synthetic_t, t))
    lo90, hi90 = float(_back(lo_t, t)), float(_back(hi_t, t))
    poor = fit.pre_rmspe > float(np.quantile(placebos.pre_rmspe, design.level))
    volatile = volatility(y, n_pre) > float(np.quantile(placebos.volatility, design.level))
    band = np.full(len(years), np.nan)
    band_lo, band_hi = band.copy(), band.copy()
    band_lo[n_pre:] = fit.synthetic[n_pre:] + yearly_lo
    band_hi[n_pre:] = fit.synthetic[n_pre:] + yearly_hi
    order = np.argsort(-fit.weights)
    weights = [
        {"country": donors[i], "name": country_name(donors[i]), "weight": round(fit.weights[i], 3)}
        for i in order[:5]
        if fit.weights[i] >= 0.005
    ]
    row = replace(
        base,
        pre_period=_period(pre),
        post_period=_period(post),
        observed=_num(observed),
        counterfactual=_num(counterfactual),
        lo90=_num(lo90),
        hi90=_num(hi90),
        verdict=verdict,
        gap=_num(observed - counterfactual),
        p_value=_num(p_value, 3),
        donors=len(donors),
        weights=weights,
        pre_fit="poor" if poor else "good",
        volatile=bool(volatile),
        series={
            "year": years,
            "observed": [_num(v) for v in _back(y, t)],
            "synthetic": [_num(v) for v in _back(fit.synthetic, t)],
            "lo": [_num(v) for v in _back(band_lo, t)],
            "hi": [_num(v) for v in _back(band_hi, t)],
        },
    )
    return replace(row, statement=statement(row))


# What a scored row's sentence says after its figures: (side of the band, verdict) -> message.
STATEMENTS: dict[tuple[str, str], str] = {
    ("inside", "no_detectable_change"): N_(
        "%(where)s: %(figures)s: inside the band, no change beyond what comparable countries' "
        "paths also show."
    ),
    ("above", "better"): N_(
        "%(where)s: %(figures)s: above the band, better than comparable countries' paths imply. "
        "This is an association with the period since 2021, not a measured effect of the "
        "strategy."
    ),
    ("above", "worse"): N_(
        "%(where)s: %(figures)s: above the band, worse than comparable countries' paths imply. "
        "This is an association with the period since 2021, not a measured effect of the "
        "strategy."
    ),
    ("below", "better"): N_(
        "%(where)s: %(figures)s: below the band, better than comparable countries' paths imply. "
        "This is an association with the period since 2021, not a measured effect of the "
        "strategy."
    ),
    ("below", "worse"): N_(
        "%(where)s: %(figures)s: below the band, worse than comparable countries' paths imply. "
        "This is an association with the period since 2021, not a measured effect of the "
        "strategy."
    ),
}


def statement(row: Row) -> Message:
    """One sentence on a scored row, association wording."""
    where = Message(
        N_("%(outcome)s in %(country)s, %(period)s (%(average)s)"),
        outcome=Message.literal(row.label),
        country=row.country_name,
        period=row.post_period,
        average=Message(N_("geometric mean") if row.transform == "log" else N_("average")),
    )
    figures = Message(
        N_(
            "%(observed)s against a synthetic comparison of %(counterfactual)s (90%% placebo "
            "band %(lo)s to %(hi)s; %(unit)s)"
        ),
        observed=_fmt(row.observed),
        counterfactual=_fmt(row.counterfactual),
        lo=_fmt(row.lo90),
        hi=_fmt(row.hi90),
        unit=Message.literal(row.unit),
    )
    if row.verdict == "no_detectable_change":
        side = "inside"
    else:
        side = "above" if (row.observed or 0) > (row.hi90 or 0) else "below"
    return Message(STATEMENTS[side, row.verdict], where=where, figures=figures)


# --- caveats ---------------------------------------------------------------------------------


def caveats(row: Row, outcome: Outcome, events: pd.DataFrame, design: Design) -> list[str]:
    """The caveats that apply to one row, most specific first."""
    out: list[str] = []
    if row.verdict == "insufficient_data":
        return [Message.literal(outcome.note)] if outcome.note else []
    years = row.series.get("year", [])
    post = [y for y in years if y >= design.first_post_year]
    if row.pre_fit == "poor":
        out.append(
            Message(
                N_(
                    "Poor pre-2021 fit: no mix of comparable countries followed this path before "
                    "2021 as closely as the placebos' fits did, so the counterfactual is weak."
                )
            )
        )
    if row.volatile:
        out.append(
            Message(
                N_(
                    "This series moved more from year to year before 2021 than 90%% of the "
                    "donors' did; the band, built from the donors' gaps, may be too narrow for it."
                )
            )
        )
    if post:
        cats = PILLAR_EVENTS.get(outcome.pillar, ())
        window = events[
            events["country"].isin([row.country, "XNT"])
            & events["category"].isin(cats)
            & (events["year"] >= design.first_post_year - 1)
            & (events["year"] <= post[-1])
        ].sort_values("date")
        for e in window.head(3).itertuples():
            out.append(
                Message(
                    N_("Other event in the window (%(date)s): %(event)s"),
                    date=f"{e.date:%Y-%m-%d}",
                    event=e.event,
                )
            )
    if len(post) == 1:
        years_after = N_(
            "One post-2020 year; 2021 counts as after the strategy although it was published in "
            "July 2021."
        )
    else:
        years_after = N_(
            "%(years)s post-2020 years; 2021 counts as after the strategy although it was "
            "published in July 2021."
        )
    out.append(Message(years_after, years=len(post)))
    if years and years[0] <= 2020 <= years[-1]:
        out.append(
            Message(
                N_(
                    "COVID-19 (2020-2021) hit every country differently; the donors' mix may not "
                    "carry its shock and rebound."
                )
            )
        )
    out.append(
        Message(
            N_(
                "Donor pool: %(donors)s countries of similar income (GDP per capita within a "
                "factor %(factor)s of the three, %(first)s-%(last)s) and over %(population)s "
                "million people; another pool can change the verdict."
            ),
            donors=row.donors,
            factor=f"{design.income_factor:g}",
            first=design.income_years[0],
            last=design.income_years[1],
            population=f"{design.min_population / 1e6:g}",
        )
    )
    if row.regional_verdict is None:
        out.append(
            Message(
                N_(
                    "With Latin American and Caribbean donors only there are too few countries "
                    "with data for a second verdict."
                )
            )
        )
    else:
        regional = (
            N_(
                "With Latin American and Caribbean donors only (%(donors)s countries) the "
                "verdict is %(verdict)s."
            )
            if row.regional_verdict == row.verdict
            else N_(
                "With Latin American and Caribbean donors only (%(donors)s countries) the "
                "verdict is %(verdict)s: this verdict depends on the donor pool."
            )
        )
        out.append(
            Message(
                regional,
                donors=row.regional_donors,
                verdict=Message(VERDICT_WORDS[row.regional_verdict]),
            )
        )
    if outcome.note:
        out.append(Message.literal(outcome.note))
    return out


# --- the whole scorecard ---------------------------------------------------------------------


def transform_values(long: pd.DataFrame, transform: Transform) -> pd.DataFrame:
    """``country, year, value`` in the scale the synthetic control fits."""
    frame = long[["country", "year", "value"]].dropna().sort_values(["country", "year"])
    if transform == "log":
        frame = frame[frame["value"] > 0].assign(value=lambda f: np.log(f["value"]))
    elif transform == "growth":
        prev = frame.groupby("country")["value"].shift()
        prev_year = frame.groupby("country")["year"].shift()
        growth = 100 * (frame["value"] / prev - 1)
        frame = frame.assign(value=growth.where(prev_year == frame["year"] - 1)).dropna()
    return frame.reset_index(drop=True)


def compute_scorecard(
    inputs: Inputs,
    design: Design | None = None,
    outcomes: Sequence[Outcome] = OUTCOMES,
) -> Scorecard:
    """Every outcome × treated country: a scored row or an ``insufficient_data`` row saying why."""
    design = design or Design()
    pool = comparable_countries(inputs, design)
    regional = regional_countries(inputs, design)
    events = inputs.events.assign(year=pd.to_datetime(inputs.events["date"]).dt.year)
    rows: list[Row] = []
    for outcome in outcomes:
        cache: dict[tuple[tuple[int, ...], tuple[str, ...]], Placebos] = {}
        long = inputs.values[inputs.values["outcome"] == outcome.id]
        wide = (
            long.pivot_table(index="year", columns="country", values="value", aggfunc="mean")
            if not long.empty
            else pd.DataFrame()
        )
        ref = inputs.sources.get(outcome.source)
        source = (
            {"id": ref.id, "title": ref.title, "publisher": ref.publisher, "url": ref.url}
            if ref
            else {"id": outcome.source, "title": "", "publisher": "", "url": ""}
        )
        for country in design.treated:
            base = Row(
                pillar=outcome.pillar,
                indicator=outcome.id,
                country=country,
                pre_period=None,
                post_period=None,
                observed=None,
                counterfactual=None,
                lo90=None,
                hi90=None,
                verdict="insufficient_data",
                pillar_name=inputs.pillars.get(outcome.pillar)
                or PILLAR_LABELS.get(outcome.pillar, ""),
                label=outcome.label,
                country_name=country_name(country),
                unit=outcome.unit,
                higher_is_better=outcome.higher_is_better,
                transform=outcome.transform,
                source=source,
            )
            row = score_one(outcome, wide, country, pool, design, base, cache)
            if row.verdict != "insufficient_data":
                other = score_one(outcome, wide, country, regional, design, base, cache)
                if other.verdict != "insufficient_data":
                    row = replace(row, regional_verdict=other.verdict, regional_donors=other.donors)
            rows.append(replace(row, caveats=caveats(row, outcome, events, design)))
    covered = {o.pillar for o in outcomes}
    not_covered = [
        {"pillar": p, "pillar_name": inputs.pillars.get(p) or PILLAR_LABELS[p], "reason": why}
        for p, why in NOT_COVERED.items()
        if p not in covered
    ]
    described = asdict(design) | {
        "donor_pool": pool,
        "regional_pool": regional,
        "pre_window": list(design.pre_window),
    }
    return Scorecard(inputs.build_id, described, rows, not_covered, METHOD)


# --- reading (the edge) ----------------------------------------------------------------------


def _yearly(con: duckdb.DuckDBPyConnection, indicator: str, source: str) -> pd.DataFrame:
    """``country, year, value`` of one indicator from one source; empty when the store was built
    without that source."""
    present = con.execute(
        "SELECT count(*) FROM indicators WHERE indicator = ? AND source = ?", [indicator, source]
    ).fetchone()
    if not present or not present[0]:
        return pd.DataFrame({"country": [], "year": [], "value": []})
    long = query.indicator(con, indicator, source=source)
    long = long[long["frequency"] == "annual"]
    return pd.DataFrame(
        {
            "country": long["country"],
            "year": pd.to_datetime(long["period"]).dt.year,
            "value": long["value"].astype(float),
        }
    )


def read_inputs(con: duckdb.DuckDBPyConnection, outcomes: Sequence[Outcome] = OUTCOMES) -> Inputs:
    """The frames :func:`compute_scorecard` needs, from an open store."""
    values = [
        transform_values(_yearly(con, o.indicator, o.source), o.transform).assign(outcome=o.id)
        for o in outcomes
    ]
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    events = (
        con.execute("SELECT date, country, category, event FROM events").df()
        if "events" in tables
        else pd.DataFrame(columns=["date", "country", "category", "event"])
    )
    pillars: dict[str, str] = {}
    if "strategy_pillars" in tables:
        pillars = dict(con.execute("SELECT id, pillar FROM strategy_pillars").fetchall())
    return Inputs(
        values=pd.concat(values, ignore_index=True),
        gdp_pc=_yearly(con, GDP_INDICATOR, GDP_SOURCE),
        population=_yearly(con, POPULATION_INDICATOR, POPULATION_SOURCE),
        events=events,
        pillars=pillars,
        sources=source_refs(con),
        build_id=current_build(con),
    )


def scorecard_from_store(con: duckdb.DuckDBPyConnection) -> Scorecard:
    return compute_scorecard(read_inputs(con))


def scorecard_rows(card: Scorecard, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows as a frame with the interface's columns (for CSV and tables)."""
    columns = list(columns or INTERFACE_COLUMNS)
    return pd.DataFrame([{k: r.public()[k] for k in columns} for r in card.rows], columns=columns)


INTERFACE_COLUMNS: tuple[str, ...] = (
    "pillar",
    "indicator",
    "country",
    "pre_period",
    "post_period",
    "observed",
    "counterfactual",
    "lo90",
    "hi90",
    "verdict",
)


def by_pillar(card: Scorecard) -> list[dict[str, Any]]:
    """Rows grouped by pillar, then by indicator (the page's tables)."""
    groups: dict[str, dict[str, Any]] = {}
    for row in card.rows:
        group = groups.setdefault(
            row.pillar,
            {"pillar": row.pillar, "pillar_name": row.pillar_name, "indicators": {}},
        )
        group["indicators"].setdefault(row.indicator, []).append(row)
    return [
        {**g, "indicators": [{"id": k, "rows": v} for k, v in g["indicators"].items()]}
        for g in groups.values()
    ]


def counts(card: Scorecard) -> Mapping[str, int]:
    found = {v: 0 for v in VERDICTS}
    for row in card.rows:
        found[row.verdict] += 1
    return found


__all__ = [
    "INTERFACE_COLUMNS",
    "OUTCOMES",
    "VERDICTS",
    "Design",
    "Inputs",
    "Outcome",
    "Row",
    "Scorecard",
    "by_pillar",
    "comparable_countries",
    "compute_scorecard",
    "counts",
    "fit_synthetic",
    "placebo_gaps",
    "read_inputs",
    "scorecard_from_store",
    "scorecard_rows",
    "simplex_weights",
    "statement",
    "transform_values",
]
