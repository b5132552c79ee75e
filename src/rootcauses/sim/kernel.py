"""The compiled inner loops: one month of a shard's households.

Two kernels do the same month. :func:`month` reads and writes each household's state once
(decide → travel → border → return → tallies) instead of ~10 full-array NumPy passes.
:func:`month_skipping` (the engine's default) visits only the households that can change this
month: those on the way and in the US are kept in index lists, and departures are drawn by
thinning against block-wise hazard bounds over households sorted by hazard (see "event
skipping" below), a few percent of the households a month instead of all of them. The hazard is
:func:`rootcauses.sim.decision.departure_probability` rearranged so that everything that is the
same for a country, an origin or the whole month is added up once (:func:`hazard_terms`); tests
check that the two agree on random inputs and that the bounds cover every household.

All compiled code lives in this module (numba's on-disk cache tracks one file's changes, not
those of the functions it calls), including the travel step that
:func:`rootcauses.sim.journey.advance_month` runs on its own. Random numbers come from the shard's
``np.random.Generator`` (numba draws from the same stream), so a seed fixes the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numba
import numpy as np

from rootcauses.sim.decision import Coefficients
from rootcauses.sim.errors import SimError
from rootcauses.sim.population import DEAD, HOME, IN_US, TRANSIT, Population

FLOWS = (
    "departures",
    "interdicted_mx",
    "deaths",
    "encounters",
    "returned_us",
    "released_us",
    "got_away",
    "voluntary_returns",
)
STOCKS = ("at_home", "in_transit", "in_us", "dead")
METRICS = FLOWS + STOCKS
(
    DEPARTURES,
    INTERDICTED_MX,
    DEATHS,
    ENCOUNTERS,
    RETURNED_US,
    RELEASED_US,
    GOT_AWAY,
    VOLUNTARY_RETURNS,
    AT_HOME,
    IN_TRANSIT,
    IN_US_STOCK,
    DEAD_STOCK,
) = range(len(METRICS))

ON_THE_WAY, INTERDICTED, DIED, AT_BORDER = 0, 1, 2, 3


@dataclass(frozen=True)
class HazardTerms:
    """The month's utility split by what it varies with (intercept included):

    z_h = country_const[c] + violence[c]·exposure_h + climate[c]·climate_h + origin_const[o]
          + household · (log income_h, family abroad_h, remittances_h, attempts_h)
    """

    country_const: np.ndarray  # float64 [country]
    violence: np.ndarray  # float64 [country]: β_violence · log homicide rate
    climate: np.ndarray  # float64 [country]: β_climate · rainfall deficit
    origin_const: np.ndarray  # float64 [origin]: β_risk · journey failure probability
    household: np.ndarray  # float64 [4]: coefficients of log income, network, remittance, attempts


def hazard_terms(
    intercept: float,
    beta: Coefficients,
    month_terms: Mapping[str, np.ndarray | float],
    log_us_gdp_pc: float,
    log_cost: float,
    log_household_size: np.ndarray,
    risk_by_origin: np.ndarray,
) -> HazardTerms:
    """Collect the month's terms of :func:`rootcauses.sim.decision.utility`. With household log
    income L_h = log_income_h + income_shift_c, the income gap is log US GDP − L_h and the cost
    ratio log cost − L_h − log household size_c, so L_h enters with −(β_income_gap + β_cost).
    Also for many months at once: [month, country] drivers, deterrence [month, 1] and
    ``risk_by_origin`` [month, origin] give [month, …] terms."""
    shift = np.asarray(month_terms["income_shift"], dtype=float)
    country_const = (
        intercept
        + beta.income_gap * (log_us_gdp_pc - shift)
        + beta.cost * (log_cost - shift - log_household_size)
        + beta.policy * np.asarray(month_terms["deterrence"], dtype=float)
    )
    return HazardTerms(
        country_const=np.ascontiguousarray(country_const, dtype=np.float64),
        violence=np.ascontiguousarray(
            beta.violence * np.asarray(month_terms["log_homicide"]), dtype=np.float64
        ),
        climate=np.ascontiguousarray(
            beta.climate * np.asarray(month_terms["drought"]), dtype=np.float64
        ),
        origin_const=np.ascontiguousarray(beta.risk * risk_by_origin, dtype=np.float64),
        household=np.array(
            [-(beta.income_gap + beta.cost), beta.network, beta.remittance, beta.attempts],
            dtype=np.float64,
        ),
    )


@numba.njit(cache=True, nogil=True, inline="always")
def _utility(
    i: int,
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    household: np.ndarray,
) -> float:
    """Household ``i``'s z = intercept + β·x this month (see :class:`HazardTerms`)."""
    c = country[i]
    z = (
        country_const[c]
        + origin_const[origin[i]]
        + violence_coef[c] * violence[i]
        + climate_coef[c] * climate[i]
        + household[0] * log_income[i]
        + household[1] * network[i]
        + household[2] * remittance[i]
        + household[3] * attempts[i]
    )
    return z


@numba.njit(cache=True, nogil=True, inline="always")
def _departure_probability(z: float) -> float:
    """logistic(z) as the compiled kernel computes it (its exp may differ from NumPy's in the
    last bit, so comparisons against it are made with this very function)."""
    return 1.0 / (1.0 + np.exp(-z))


@numba.njit(cache=True, nogil=True, inline="always")
def _departs(z: float, r: float) -> bool:
    """Whether a uniform draw ``r`` falls below logistic(z), the departure probability. Most
    households stay, and for z < 0 a cheap upper bound of logistic(z) settles most of them
    without the exponential: logistic(z) < e^z = 1/e^y <= 1/(1 + y + y²/2 + y³/6), y = −z (the
    Taylor terms of e^y are positive). The outcome is the exact comparison's."""
    if z < 0.0:
        y = -z
        if r >= 1.0 / (1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0)))):
            return False
    return r < _departure_probability(z)


@numba.njit(cache=True, nogil=True)
def _hazards(
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    household: np.ndarray,
    out: np.ndarray,
) -> None:
    for i in range(country.size):
        z = _utility(
            i,
            country,
            origin,
            log_income,
            violence,
            climate,
            network,
            remittance,
            attempts,
            country_const,
            violence_coef,
            climate_coef,
            origin_const,
            household,
        )
        out[i] = 1.0 / (1.0 + np.exp(-z))


@numba.njit(cache=True, nogil=True)
def _utilities(
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    household: np.ndarray,
    out: np.ndarray,
) -> None:
    for i in range(country.size):
        out[i] = _utility(
            i,
            country,
            origin,
            log_income,
            violence,
            climate,
            network,
            remittance,
            attempts,
            country_const,
            violence_coef,
            climate_coef,
            origin_const,
            household,
        )


def utilities(people: Population, terms: HazardTerms) -> np.ndarray:
    """Every household's z (intercept included), in one compiled pass: with ``terms`` built for
    intercept 0 this is :func:`rootcauses.sim.decision.utility` without the per-driver
    temporaries (the engine's anchor)."""
    out = np.empty(len(people), dtype=np.float64)
    _utilities(
        people.country,
        people.origin,
        people.log_income,
        people.violence,
        people.climate,
        people.network,
        people.remittance,
        people.attempts,
        terms.country_const,
        terms.violence,
        terms.climate,
        terms.origin_const,
        terms.household,
        out,
    )
    return out


def hazards(people: Population, terms: HazardTerms) -> np.ndarray:
    """Every household's departure probability as the month kernel computes it (for tests and
    diagnostics; the kernel itself never materialises this array)."""
    out = np.empty(len(people), dtype=np.float64)
    _hazards(
        people.country,
        people.origin,
        people.log_income,
        people.violence,
        people.climate,
        people.network,
        people.remittance,
        people.attempts,
        terms.country_const,
        terms.violence,
        terms.climate,
        terms.origin_const,
        terms.household,
        out,
    )
    return out


@numba.njit(cache=True, nogil=True, fastmath=True)
def logistic_moments(a: float, u: np.ndarray) -> tuple[float, float]:
    """:func:`rootcauses.sim.decision.logistic_moments` in one compiled pass (no temporaries)."""
    total = 0.0
    spread = 0.0
    for i in range(u.size):
        p = 1.0 / (1.0 + np.exp(-(a + u[i])))
        total += p
        spread += p * (1.0 - p)
    return total / u.size, spread / u.size


@numba.njit(cache=True, nogil=True, fastmath=True)
def _scaled_logistic_moments(scale: float, w: np.ndarray) -> tuple[float, float]:
    total = 0.0
    spread = 0.0
    for i in range(w.size):
        p = w[i] / (w[i] + scale)
        total += p
        spread += p * (1.0 - p)
    return total / w.size, spread / w.size


@numba.njit(cache=True, nogil=True)
def _utilities_and_exponentials(
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    household: np.ndarray,
    out_u: np.ndarray,
    out_w: np.ndarray,
) -> float:
    """``_utilities`` and w = e^u in the same pass; returns max u (e^u is capped at e^700)."""
    top = -np.inf
    for i in range(country.size):
        z = _utility(
            i,
            country,
            origin,
            log_income,
            violence,
            climate,
            network,
            remittance,
            attempts,
            country_const,
            violence_coef,
            climate_coef,
            origin_const,
            household,
        )
        out_u[i] = z
        out_w[i] = np.exp(min(z, 700.0))
        top = max(top, z)
    return top


def anchor_moments(
    people: Population, terms: HazardTerms
) -> tuple[np.ndarray, Callable[[float, np.ndarray], tuple[float, float]]]:
    """(:func:`utilities`, :func:`exp_moments` of them) with the utilities and their
    exponentials from one compiled pass over the households instead of three (the engine's
    anchor, once per shard)."""
    u = np.empty(len(people), dtype=np.float64)
    w = np.empty(len(people), dtype=np.float64)
    top = _utilities_and_exponentials(
        people.country,
        people.origin,
        people.log_income,
        people.violence,
        people.climate,
        people.network,
        people.remittance,
        people.attempts,
        terms.country_const,
        terms.violence,
        terms.climate,
        terms.origin_const,
        terms.household,
        u,
        w,
    )
    if top > 700.0:
        return u, logistic_moments

    def moments(a: float, _u: np.ndarray) -> tuple[float, float]:
        return _scaled_logistic_moments(float(np.exp(-a)), w)

    return u, moments


def exp_moments(u: np.ndarray):
    """A :func:`logistic_moments` for repeated calls on the same ``u``: with w = e^u computed
    once, logistic(a + u) = w / (w + e^-a), so each Newton step of the anchor costs a division
    per household instead of an exponential. Falls back to :func:`logistic_moments` where e^u
    would overflow."""
    if u.size and float(u.max()) > 700.0:
        return logistic_moments
    w = np.exp(u)

    def moments(a: float, _u: np.ndarray) -> tuple[float, float]:
        return _scaled_logistic_moments(float(np.exp(-a)), w)

    return moments


@numba.njit(cache=True, nogil=True)
def travel(
    rng: np.random.Generator,
    i: int,
    origin: np.ndarray,
    sector: np.ndarray,
    step: np.ndarray,
    days_left: np.ndarray,
    path_edges: np.ndarray,
    path_length: np.ndarray,
    edge_days: np.ndarray,
    edge_interdiction: np.ndarray,
    edge_death: np.ndarray,
    days_per_month: float,
) -> int:
    """Household ``i`` travels one month along its path; returns its event code. On finishing
    an edge it may be interdicted in Mexico or die (probabilities per edge), else it moves on;
    finishing the last edge puts it at the US border."""
    o = origin[i]
    s = sector[i]
    budget = days_per_month
    while True:
        need = days_left[i]
        if budget < need:
            days_left[i] = need - budget
            return ON_THE_WAY
        budget -= need
        edge = path_edges[o, s, step[i]]
        if rng.random() < edge_interdiction[edge]:
            return INTERDICTED
        if rng.random() < edge_death[edge]:
            return DIED
        step[i] += 1
        if step[i] >= path_length[o, s]:
            return AT_BORDER
        days_left[i] = edge_days[path_edges[o, s, step[i]]]


@numba.njit(cache=True, nogil=True)
def advance(
    rng: np.random.Generator,
    movers: np.ndarray,
    origin: np.ndarray,
    sector: np.ndarray,
    step: np.ndarray,
    days_left: np.ndarray,
    path_edges: np.ndarray,
    path_length: np.ndarray,
    edge_days: np.ndarray,
    edge_interdiction: np.ndarray,
    edge_death: np.ndarray,
    days_per_month: float,
    event: np.ndarray,
) -> None:
    """The travel step alone for the households ``movers`` (see journey.advance_month)."""
    for k in range(movers.size):
        event[k] = travel(
            rng,
            movers[k],
            origin,
            sector,
            step,
            days_left,
            path_edges,
            path_length,
            edge_days,
            edge_interdiction,
            edge_death,
            days_per_month,
        )


@numba.njit(cache=True, nogil=True)
def _send_home(i: int, attempt: bool, status, cooldown, attempts, delay: int) -> None:
    status[i] = HOME
    cooldown[i] = delay
    if attempt and attempts[i] < 255:
        attempts[i] += 1


@numba.njit(cache=True, nogil=True)
def month(
    rng: np.random.Generator,
    # household state (read and written in place)
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    remittance: np.ndarray,
    network: np.ndarray,
    attempts: np.ndarray,
    status: np.ndarray,
    cooldown: np.ndarray,
    sector: np.ndarray,
    step: np.ndarray,
    days_left: np.ndarray,
    # the month's hazard terms
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    household: np.ndarray,
    # journey
    sector_cdf: np.ndarray,
    path_edges: np.ndarray,
    path_length: np.ndarray,
    edge_days: np.ndarray,
    edge_interdiction: np.ndarray,
    edge_death: np.ndarray,
    days_per_month: float,
    # border and return
    encounter_probability: float,
    return_probability: float,
    voluntary_return_rate: float,
    delay: int,
    sampled: np.ndarray,
    counts: np.ndarray,
    sector_encounters: np.ndarray,
) -> None:
    """One month for every household, in the engine's documented order; adds the month's flows
    and end-of-month stocks to ``counts`` [country, metric], and encounters by US sector to
    ``sector_encounters`` [country, sector]. Each household is visited once, so
    one sent home this month (interdicted, returned, going home) does not decide again, one
    that arrives in the US does not go home the same month, and one that leaves travels at once.
    Those at home are counted as the rest (``sampled`` [country] minus the other stocks): the
    common path, staying at home, then writes nothing but the household's own state.
    """
    n_sectors = sector_cdf.shape[1]
    for i in range(country.size):
        c = country[i]
        state = status[i]
        if state == DEAD:
            counts[c, DEAD_STOCK] += 1
            continue
        if state == IN_US:
            if rng.random() < voluntary_return_rate:
                _send_home(i, False, status, cooldown, attempts, delay)
                counts[c, VOLUNTARY_RETURNS] += 1
            else:
                counts[c, IN_US_STOCK] += 1
            continue
        if state == HOME:
            if cooldown[i] > 0:
                cooldown[i] -= 1
                continue
            z = _utility(
                i,
                country,
                origin,
                log_income,
                violence,
                climate,
                network,
                remittance,
                attempts,
                country_const,
                violence_coef,
                climate_coef,
                origin_const,
                household,
            )
            if not _departs(z, rng.random()):
                continue
            o = origin[i]
            u = rng.random()
            s = 0
            while s < n_sectors - 1 and u > sector_cdf[o, s]:
                s += 1
            sector[i] = s
            step[i] = 0
            days_left[i] = edge_days[path_edges[o, s, 0]]
            status[i] = TRANSIT
            counts[c, DEPARTURES] += 1
        event = travel(
            rng,
            i,
            origin,
            sector,
            step,
            days_left,
            path_edges,
            path_length,
            edge_days,
            edge_interdiction,
            edge_death,
            days_per_month,
        )
        if event == ON_THE_WAY:
            counts[c, IN_TRANSIT] += 1
        elif event == INTERDICTED:
            _send_home(i, True, status, cooldown, attempts, delay)
            counts[c, INTERDICTED_MX] += 1
        elif event == DIED:
            status[i] = DEAD
            counts[c, DEATHS] += 1
            counts[c, DEAD_STOCK] += 1
        else:  # at the border
            returned = False
            if rng.random() < encounter_probability:
                counts[c, ENCOUNTERS] += 1
                sector_encounters[c, sector[i]] += 1
                if rng.random() < return_probability:
                    returned = True
                    counts[c, RETURNED_US] += 1
                else:
                    counts[c, RELEASED_US] += 1
            else:
                counts[c, GOT_AWAY] += 1
            if returned:
                _send_home(i, True, status, cooldown, attempts, delay)
            else:
                status[i] = IN_US
                network[i] = 1
                remittance[i] = 1
                counts[c, IN_US_STOCK] += 1
    for c in range(sampled.size):
        counts[c, AT_HOME] += (
            sampled[c] - counts[c, IN_TRANSIT] - counts[c, IN_US_STOCK] - counts[c, DEAD_STOCK]
        )


# --------------------------------------------------------------------------- event skipping
#
# Most households stay at home with a monthly hazard well under 1%, so drawing a number for each
# of them every month is most of the work. The skipping pass visits only candidates: households
# are sorted once per shard so that neighbours have nearly the same hazard, and cut into blocks
# (at most BLOCK households whose static scores differ by at most BLOCK_SPREAD); each month an
# upper bound p_max of each block's hazard comes from the block's ranges (:func:`block_bounds`).
# Candidates are the successes of independent Bernoulli(q) trials, q = 1 - e^{-rate} >= p_max,
# found by spending an Exp(1) budget at ``rate`` per household (memoryless, so the budget carries
# over block boundaries); a candidate at home and eligible departs with probability p_i / q. That is
# standard thinning: each household still departs with probability p_i, independently, so the
# departure process is unchanged in distribution. Households on the way and in the US are kept in
# index lists, found without scanning everyone; going home from the US skips through the in-US
# list the same way.

BLOCK = 256  # most households in a block
BLOCK_SPREAD = 0.2  # widest range of static scores in a block: the bound's slack is ≤ e^0.2
REFRESH_MONTHS = 24  # how often the block maxima are recomputed (refresh_block_bounds)
C_LO, C_HI, O_LO, O_HI, CLIM_LO, CLIM_HI = range(6)  # columns of SkipIndex.block_range
N_TRANSIT, N_IN_US = 0, 1
STOCK_IN_US, STOCK_DEAD = 0, 1
_BOUND_MARGIN = 1e-9  # covers float rounding between the bound and the exact utility


@dataclass(frozen=True)
class SkipIndex:
    """What the skipping pass keeps besides the population (:func:`skip_index`).

    The static score of a household is s_i = V0_c·violence_i + β·(log income_i, network_i,
    remittance_i, attempts_i), with V0 the violence coefficient of the month the shard was sorted
    on; its utility in month t is then country_const_c + origin_const_o + climate_c·climate_i
    + (V_c − V0_c)·violence_i + s_i."""

    eligible_from: np.ndarray  # uint16 [household] first month the household may decide again
    transit: np.ndarray  # int32 [household] households on the way (the first sizes[0])
    in_us: np.ndarray  # int32 [household] households in the US (the first sizes[1])
    sizes: np.ndarray  # int64 [2] lengths of the two lists
    stocks: np.ndarray  # int64 [country, 2] in the US, dead
    block_start: np.ndarray  # int32 [block + 1] first household of each block, then n
    static_max: np.ndarray  # float64 [block] max static score of the block's households at home
    violence_lo: np.ndarray  # float64 [block]
    violence_hi: np.ndarray  # float64 [block]
    block_range: np.ndarray  # uint8 [block, 6] low/high country, origin, climate (C_LO …)
    violence_ref: np.ndarray  # float64 [country] V0_c
    household_ref: np.ndarray  # float64 [4] the household coefficients of the scores
    rate: np.ndarray  # float64 [block] scratch: this month's candidate rate (see _block_bounds)

    def bytes_per_household(self) -> float:
        arrays = (getattr(self, name) for name in self.__dataclass_fields__)
        return sum(a.nbytes for a in arrays) / max(1, self.eligible_from.size)


@numba.njit(cache=True, nogil=True)
def _static_scores(
    country: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    violence_ref: np.ndarray,
    household: np.ndarray,
    out: np.ndarray,
) -> None:
    for i in range(country.size):
        out[i] = (
            violence_ref[country[i]] * violence[i]
            + household[0] * log_income[i]
            + household[1] * network[i]
            + household[2] * remittance[i]
            + household[3] * attempts[i]
        )


def static_score(people: Population, terms: HazardTerms) -> np.ndarray:
    """Each household's static score (see :class:`SkipIndex`) under ``terms``."""
    out = np.empty(len(people), dtype=np.float64)
    _static_scores(
        people.country,
        people.log_income,
        people.violence,
        people.network,
        people.remittance,
        people.attempts,
        np.ascontiguousarray(terms.violence, dtype=np.float64),
        terms.household,
        out,
    )
    return out


SCORE_BINS = 512  # static-score bins of the sort (households within a bin stay unordered)


@numba.njit(cache=True, nogil=True)
def _counting_rank(key: np.ndarray, n_keys: int) -> np.ndarray:
    """Each item's position when ``key`` (ints in [0, n_keys)) is sorted stably: one pass to
    count, one to place, instead of a comparison sort."""
    first = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(key.size):
        first[key[i] + 1] += 1
    for k in range(n_keys):
        first[k + 1] += first[k]
    rank = np.empty(key.size, dtype=np.int32)  # a shard holds far fewer than 2^31 households
    for i in range(key.size):
        rank[i] = first[key[i]]
        first[key[i]] += 1
    return rank


@numba.njit(cache=True, nogil=True)
def _skip_keys(
    origin: np.ndarray, climate: np.ndarray, score: np.ndarray, lo: float, scale: float
) -> np.ndarray:
    """(origin·2 + climate)·SCORE_BINS + score bin, in one pass (int32: origins are uint8, so
    keys stay below 512·SCORE_BINS)."""
    key = np.empty(score.size, dtype=np.int32)
    for i in range(score.size):
        key[i] = (origin[i] * 2 + climate[i]) * SCORE_BINS + np.int32((score[i] - lo) * scale)
    return key


def skip_rank(people: Population, score: np.ndarray) -> np.ndarray:
    """Each household's position in an order that puts households with nearly the same hazard
    next to each other: by origin (which fixes the country) and climate exposure, then static
    ``score``, in SCORE_BINS bins. Any order is correct; this one makes the block bounds tight."""
    if score.size == 0:
        return np.zeros(0, dtype=np.int32)
    lo, hi = float(score.min()), float(score.max())
    scale = (SCORE_BINS - 1) / (hi - lo) if hi > lo else 0.0
    key = _skip_keys(people.origin, people.climate, score, lo, scale)
    return _counting_rank(key, 512 * SCORE_BINS)


# One record per household: a candidate's whole state is one or two cache lines instead of a line
# in each of a dozen columns (candidates are sparse, so every column access would miss).
RECORD = np.dtype(
    [
        ("log_income", np.float32),
        ("violence", np.float32),
        ("days_left", np.float32),
        ("eligible_from", np.uint16),
        ("country", np.uint8),
        ("origin", np.uint8),
        ("climate", np.uint8),
        ("remittance", np.uint8),
        ("network", np.uint8),
        ("attempts", np.uint8),
        ("status", np.uint8),
        ("cooldown", np.uint8),
        ("sector", np.uint8),
        ("step", np.uint8),
    ]
)


@numba.njit(cache=True, nogil=True)
def _scatter_households(
    rank: np.ndarray,
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    remittance: np.ndarray,
    network: np.ndarray,
    attempts: np.ndarray,
    score: np.ndarray,
    out_country: np.ndarray,
    out_origin: np.ndarray,
    out_log_income: np.ndarray,
    out_violence: np.ndarray,
    out_climate: np.ndarray,
    out_remittance: np.ndarray,
    out_network: np.ndarray,
    out_attempts: np.ndarray,
    out_score: np.ndarray,
) -> None:
    """All of household i's columns into record rank[i] in one pass (one record, one cache
    line, per household instead of one per column), and its score into ``out_score[rank[i]]``."""
    for i in range(rank.size):
        k = rank[i]
        out_country[k] = country[i]
        out_origin[k] = origin[i]
        out_log_income[k] = log_income[i]
        out_violence[k] = violence[i]
        out_climate[k] = climate[i]
        out_remittance[k] = remittance[i]
        out_network[k] = network[i]
        out_attempts[k] = attempts[i]
        out_score[k] = score[i]


def pack(
    people: Population, rank: np.ndarray, score: np.ndarray
) -> tuple[Population, np.ndarray, np.ndarray]:
    """The same households, household i at position ``rank[i]``, stored as RECORD rows; the
    returned population's columns (and the index's ``eligible_from``) are views into them.
    ``score`` is reordered alongside, in the same pass. Everyone must be at home (the journey
    columns start at zero)."""
    records = np.zeros(len(people), dtype=RECORD)
    moved = ("country", "origin", "log_income", "violence", "climate", "remittance", "network")
    columns = (*moved, "attempts")
    if any(getattr(people, name).any() for name in people.arrays() if name not in columns):
        raise SimError("pack: the population must be fresh (everyone at home, no journey state)")
    sorted_score = np.empty_like(score)
    _scatter_households(
        rank,
        *(getattr(people, name) for name in columns),
        score,
        *(records[name] for name in columns),
        sorted_score,
    )
    return Population(**{name: records[name] for name in people.arrays()}), records, sorted_score


@numba.njit(cache=True, nogil=True)
def _block_starts(
    origin: np.ndarray, climate: np.ndarray, score: np.ndarray, size: int, spread: float
) -> np.ndarray:
    """Block boundaries: a new block at most ``size`` households on, where the stratum (origin,
    climate) changes, or where the score moves more than ``spread`` from the block's first."""
    starts = np.empty(score.size + 1, dtype=np.int32)
    n_blocks = 0
    first = 0
    for i in range(score.size):
        if (
            i == 0
            or i - first >= size
            or origin[i] != origin[first]
            or climate[i] != climate[first]
            or abs(score[i] - score[first]) > spread
        ):
            starts[n_blocks] = i
            n_blocks += 1
            first = i
    starts[n_blocks] = score.size
    return starts[: n_blocks + 1].copy()


@numba.njit(cache=True, nogil=True)
def _block_stats(
    starts: np.ndarray,
    score: np.ndarray,
    violence: np.ndarray,
    country: np.ndarray,
    origin: np.ndarray,
    climate: np.ndarray,
    static_max: np.ndarray,
    violence_lo: np.ndarray,
    violence_hi: np.ndarray,
    block_range: np.ndarray,
) -> None:
    for b in range(starts.size - 1):
        lo, hi = starts[b], starts[b + 1]
        static_max[b] = score[lo]
        violence_lo[b] = violence_hi[b] = violence[lo]
        block_range[b, C_LO] = block_range[b, C_HI] = country[lo]
        block_range[b, O_LO] = block_range[b, O_HI] = origin[lo]
        block_range[b, CLIM_LO] = block_range[b, CLIM_HI] = climate[lo]
        for i in range(lo + 1, hi):
            static_max[b] = max(static_max[b], score[i])
            violence_lo[b] = min(violence_lo[b], violence[i])
            violence_hi[b] = max(violence_hi[b], violence[i])
            block_range[b, C_LO] = min(block_range[b, C_LO], country[i])
            block_range[b, C_HI] = max(block_range[b, C_HI], country[i])
            block_range[b, O_LO] = min(block_range[b, O_LO], origin[i])
            block_range[b, O_HI] = max(block_range[b, O_HI], origin[i])
            block_range[b, CLIM_LO] = min(block_range[b, CLIM_LO], climate[i])
            block_range[b, CLIM_HI] = max(block_range[b, CLIM_HI], climate[i])
        static_max[b] += _BOUND_MARGIN


def skip_index(
    people: Population, terms: HazardTerms, n_countries: int
) -> tuple[Population, SkipIndex]:
    """The households in :func:`skip_rank` order (under ``terms``, the first month's) and their
    lists, stocks and blocks; everyone must be at home."""
    if (people.status != HOME).any():
        raise SimError("skip_index: every household must start at home")
    score = static_score(people, terms)
    rank = skip_rank(people, score)
    people, records, sorted_score = pack(people, rank, score)
    n = len(people)
    starts = _block_starts(people.origin, people.climate, sorted_score, BLOCK, BLOCK_SPREAD)
    n_blocks = starts.size - 1
    index = SkipIndex(
        eligible_from=records["eligible_from"],
        transit=np.empty(n, dtype=np.int32),
        in_us=np.empty(n, dtype=np.int32),
        sizes=np.zeros(2, dtype=np.int64),
        stocks=np.zeros((n_countries, 2), dtype=np.int64),
        block_start=starts,
        static_max=np.empty(n_blocks, dtype=np.float64),
        violence_lo=np.empty(n_blocks, dtype=np.float64),
        violence_hi=np.empty(n_blocks, dtype=np.float64),
        block_range=np.empty((n_blocks, 6), dtype=np.uint8),
        violence_ref=np.ascontiguousarray(terms.violence, dtype=np.float64),
        household_ref=terms.household.copy(),
        rate=np.zeros(n_blocks, dtype=np.float64),
    )
    _block_stats(
        starts,
        sorted_score,
        people.violence,
        people.country,
        people.origin,
        people.climate,
        index.static_max,
        index.violence_lo,
        index.violence_hi,
        index.block_range,
    )
    return people, index


@numba.njit(cache=True, nogil=True)
def _refresh_static_max(
    block_start: np.ndarray,
    status: np.ndarray,
    country: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    violence_ref: np.ndarray,
    household: np.ndarray,
    static_max: np.ndarray,
) -> None:
    for b in range(block_start.size - 1):
        top = -np.inf
        for i in range(block_start[b], block_start[b + 1]):
            score = (
                violence_ref[country[i]] * violence[i]
                + household[0] * log_income[i]
                + household[1] * network[i]
                + household[2] * remittance[i]
                + household[3] * attempts[i]
            )
            top = max(top, score if status[i] == HOME else -np.inf)
        static_max[b] = top + _BOUND_MARGIN


def refresh_block_bounds(people: Population, index: SkipIndex) -> None:
    """Lower each block's static maximum to that of its households at home now. It only grows
    as households come home with more attempts or family abroad (:func:`_go_home`) and stays up
    after they leave again; an occasional pass (one read of the state) takes the slack out.
    Households away are covered again when they come home."""
    _refresh_static_max(
        index.block_start,
        people.status,
        people.country,
        people.log_income,
        people.violence,
        people.network,
        people.remittance,
        people.attempts,
        index.violence_ref,
        index.household_ref,
        index.static_max,
    )


@numba.njit(cache=True, nogil=True)
def _block_bounds(
    static_max: np.ndarray,
    violence_lo: np.ndarray,
    violence_hi: np.ndarray,
    block_range: np.ndarray,
    violence_ref: np.ndarray,
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    rate: np.ndarray,
) -> None:
    """Each block's candidate rate this month: e^z with z each term of the utility (see
    :class:`SkipIndex`) at its maximum over the block's ranges."""
    for b in range(static_max.size):
        r = block_range[b]
        z_country = -np.inf
        for c in range(r[C_LO], r[C_HI] + 1):
            dv = violence_coef[c] - violence_ref[c]
            cc = climate_coef[c]
            z = (
                country_const[c]
                + max(dv * violence_lo[b], dv * violence_hi[b])
                + max(cc * r[CLIM_LO], cc * r[CLIM_HI])
            )
            z_country = max(z_country, z)
        z_origin = -np.inf
        for o in range(r[O_LO], r[O_HI] + 1):
            z_origin = max(z_origin, origin_const[o])
        # e^z >= log(1 + e^z) = -log(1 - logistic(z)): candidates come at least as often as the
        # hazard (1 - e^{-e^z} >= logistic(z)), for one exponential per block
        rate[b] = np.exp(min(z_country + z_origin + static_max[b], 700.0))


def fill_block_bounds(index: SkipIndex, terms: HazardTerms) -> None:
    """This month's ``index.rate``, before :func:`month_skipping`."""
    if not np.array_equal(terms.household, index.household_ref):
        raise SimError("the household coefficients changed since the skip index was built")
    _block_bounds(
        index.static_max,
        index.violence_lo,
        index.violence_hi,
        index.block_range,
        index.violence_ref,
        terms.country_const,
        terms.violence,
        terms.climate,
        terms.origin_const,
        index.rate,
    )


def block_bounds(index: SkipIndex, terms: HazardTerms) -> np.ndarray:
    """This month's candidate probability per block, 1 - e^{-rate}: at least the hazard of
    every household of the block at home (for tests and diagnostics)."""
    fill_block_bounds(index, terms)
    return -np.expm1(-index.rate)


@numba.njit(cache=True, nogil=True, inline="always")
def _exponential(rng: np.random.Generator) -> float:
    return rng.standard_exponential()


@numba.njit(cache=True, nogil=True)
def _go_home(
    i: int,
    t: int,
    attempt: bool,
    delay: int,
    country: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    status: np.ndarray,
    eligible_from: np.ndarray,
    block_start: np.ndarray,
    static_max: np.ndarray,
    violence_ref: np.ndarray,
    household: np.ndarray,
) -> None:
    """Back home (interdicted, returned by the US or on its own): may decide again from month
    t + delay + 1, as after the per-household pass's cooldown of ``delay`` months. Its block's
    bound grows if its new static score (network, attempts) is above the block's."""
    status[i] = HOME
    eligible_from[i] = min(t + delay + 1, 65535)
    if attempt and attempts[i] < 255:
        attempts[i] += 1
    score = (
        violence_ref[country[i]] * violence[i]
        + household[0] * log_income[i]
        + household[1] * network[i]
        + household[2] * remittance[i]
        + household[3] * attempts[i]
        + _BOUND_MARGIN
    )
    b = np.searchsorted(block_start, i, side="right") - 1
    if score > static_max[b]:
        static_max[b] = score


@numba.njit(cache=True, nogil=True)
def _after_travel(
    rng: np.random.Generator,
    t: int,
    i: int,
    event: int,
    country: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    network: np.ndarray,
    remittance: np.ndarray,
    attempts: np.ndarray,
    status: np.ndarray,
    sector: np.ndarray,
    eligible_from: np.ndarray,
    transit: np.ndarray,
    in_us: np.ndarray,
    sizes: np.ndarray,
    stocks: np.ndarray,
    block_start: np.ndarray,
    static_max: np.ndarray,
    violence_ref: np.ndarray,
    household: np.ndarray,
    encounter_probability: float,
    return_probability: float,
    delay: int,
    counts: np.ndarray,
    sector_encounters: np.ndarray,
) -> None:
    """The month's travel outcome of household ``i``: stays on the way (back on the transit
    list), sent home, dead, or at the border (encounter, return or into the US)."""
    c = country[i]
    if event == ON_THE_WAY:
        transit[sizes[N_TRANSIT]] = i
        sizes[N_TRANSIT] += 1
        counts[c, IN_TRANSIT] += 1
        return
    if event == DIED:
        status[i] = DEAD
        stocks[c, STOCK_DEAD] += 1
        counts[c, DEATHS] += 1
        return
    home = True
    if event == INTERDICTED:
        counts[c, INTERDICTED_MX] += 1
    elif rng.random() < encounter_probability:  # at the border
        counts[c, ENCOUNTERS] += 1
        sector_encounters[c, sector[i]] += 1
        if rng.random() < return_probability:
            counts[c, RETURNED_US] += 1
        else:
            counts[c, RELEASED_US] += 1
            home = False
    else:
        counts[c, GOT_AWAY] += 1
        home = False
    if home:
        _go_home(
            i, t, True, delay, country, log_income, violence, network, remittance, attempts,
            status, eligible_from, block_start, static_max, violence_ref, household,
        )  # fmt: skip
    else:
        status[i] = IN_US
        network[i] = 1
        remittance[i] = 1
        in_us[sizes[N_IN_US]] = i
        sizes[N_IN_US] += 1
        stocks[c, STOCK_IN_US] += 1


@numba.njit(cache=True, nogil=True)
def month_skipping(
    rng: np.random.Generator,
    decide_rng: np.random.Generator,
    t: int,
    # household state (read and written in place)
    country: np.ndarray,
    origin: np.ndarray,
    log_income: np.ndarray,
    violence: np.ndarray,
    climate: np.ndarray,
    remittance: np.ndarray,
    network: np.ndarray,
    attempts: np.ndarray,
    status: np.ndarray,
    sector: np.ndarray,
    step: np.ndarray,
    days_left: np.ndarray,
    # the skipping index (read and written in place)
    eligible_from: np.ndarray,
    transit: np.ndarray,
    in_us: np.ndarray,
    sizes: np.ndarray,
    stocks: np.ndarray,
    block_start: np.ndarray,
    static_max: np.ndarray,
    violence_ref: np.ndarray,
    rate: np.ndarray,
    # the month's hazard terms
    country_const: np.ndarray,
    violence_coef: np.ndarray,
    climate_coef: np.ndarray,
    origin_const: np.ndarray,
    household: np.ndarray,
    # journey
    sector_cdf: np.ndarray,
    path_edges: np.ndarray,
    path_length: np.ndarray,
    edge_days: np.ndarray,
    edge_interdiction: np.ndarray,
    edge_death: np.ndarray,
    days_per_month: float,
    # border and return
    encounter_probability: float,
    return_probability: float,
    voluntary_return_rate: float,
    delay: int,
    sampled: np.ndarray,
    counts: np.ndarray,
    sector_encounters: np.ndarray,
) -> None:
    """Month ``t`` as :func:`month` does it, visiting only the households that can change:
    (1) the in-US households at the start of the month go home at the voluntary rate (skipping
    through the list); (2) those on the way travel; (3) candidates among all households (block
    rates in ``rate``, filled by :func:`fill_block_bounds` beforehand) decide, and
    those who leave travel at once. Someone sent home this month may decide from month
    t + delay + 1, and someone arriving in the US stays there this month, as in :func:`month`.

    Decisions draw from their own generator ``decide_rng`` (the engine gives each month a fresh
    one), two numbers per candidate whatever happens to it, and everything else from ``rng``.
    So a run with slightly different parameters meets the same draws: candidates move a little
    (along households sorted by hazard) instead of the whole month's stream shifting, which keeps
    the simulated counts a smooth-ish function of the parameters for calibration."""
    # (1) going home from the US: from the end of the list, so a removal (the last one moved
    # into the gap) never moves a household not yet visited
    if voluntary_return_rate > 0.0:
        step_rate = -np.log1p(-min(voluntary_return_rate, 1.0 - 1e-16))
        k = sizes[N_IN_US]
        while True:
            k -= int(_exponential(rng) / step_rate) + 1
            if k < 0:
                break
            i = in_us[k]
            c = country[i]
            _go_home(
                i, t, False, delay, country, log_income, violence, network, remittance,
                attempts, status, eligible_from, block_start, static_max, violence_ref,
                household,
            )  # fmt: skip
            counts[c, VOLUNTARY_RETURNS] += 1
            stocks[c, STOCK_IN_US] -= 1
            sizes[N_IN_US] -= 1
            in_us[k] = in_us[sizes[N_IN_US]]
    # (2) on the way: the list is rebuilt as they travel
    on_the_way = sizes[N_TRANSIT]
    sizes[N_TRANSIT] = 0
    for k in range(on_the_way):
        i = transit[k]
        event = travel(
            rng,
            i,
            origin,
            sector,
            step,
            days_left,
            path_edges,
            path_length,
            edge_days,
            edge_interdiction,
            edge_death,
            days_per_month,
        )
        _after_travel(
            rng, t, i, event, country, log_income, violence, network, remittance, attempts,
            status, sector, eligible_from, transit, in_us, sizes, stocks, block_start,
            static_max, violence_ref, household, encounter_probability, return_probability,
            delay, counts, sector_encounters,
        )  # fmt: skip
    # (3) decisions, by thinning; the bounds were computed before (1) and (2), which only send
    # households home that cannot decide this month
    n_sectors = sector_cdf.shape[1]
    budget = _exponential(decide_rng)
    for b in range(rate.size):
        lam = rate[b]
        pos = block_start[b]
        end = block_start[b + 1]
        if budget >= lam * (end - pos):
            budget -= lam * (end - pos)
            continue
        while True:
            skip = budget / lam
            if skip >= end - pos:
                budget -= lam * (end - pos)
                break
            i = pos + int(skip)
            budget = _exponential(decide_rng)
            accept = decide_rng.random()  # drawn for every candidate: see the docstring
            pos = i + 1
            if status[i] != HOME or eligible_from[i] > t:
                continue
            z = _utility(
                i,
                country,
                origin,
                log_income,
                violence,
                climate,
                network,
                remittance,
                attempts,
                country_const,
                violence_coef,
                climate_coef,
                origin_const,
                household,
            )
            if accept * -np.expm1(-lam) >= 1.0 / (1.0 + np.exp(-z)):
                continue
            c = country[i]
            o = origin[i]
            u = rng.random()
            s = 0
            while s < n_sectors - 1 and u > sector_cdf[o, s]:
                s += 1
            sector[i] = s
            step[i] = 0
            days_left[i] = edge_days[path_edges[o, s, 0]]
            status[i] = TRANSIT
            counts[c, DEPARTURES] += 1
            event = travel(
                rng,
                i,
                origin,
                sector,
                step,
                days_left,
                path_edges,
                path_length,
                edge_days,
                edge_interdiction,
                edge_death,
                days_per_month,
            )
            _after_travel(
                rng, t, i, event, country, log_income, violence, network, remittance,
                attempts, status, sector, eligible_from, transit, in_us, sizes, stocks,
                block_start, static_max, violence_ref, household, encounter_probability,
                return_probability, delay, counts, sector_encounters,
            )  # fmt: skip
    for c in range(sampled.size):
        counts[c, IN_US_STOCK] += stocks[c, STOCK_IN_US]
        counts[c, DEAD_STOCK] += stocks[c, STOCK_DEAD]
        counts[c, AT_HOME] += (
            sampled[c] - counts[c, IN_TRANSIT] - counts[c, IN_US_STOCK] - counts[c, DEAD_STOCK]
        )
