"""The compiled inner loop: one month of every household of a shard in one pass.

Reading and writing each household's state once a month (decide → travel → border → return →
tallies) instead of ~10 full-array NumPy passes is what makes the whole Northern Triangle fit in
seconds. The hazard is :func:`rootcauses.sim.decision.departure_probability` rearranged so that
everything that is the same for a country, an origin or the whole month is added up once
(:func:`hazard_terms`); a test checks that the two agree on random inputs.

All compiled code lives in this module (numba's on-disk cache tracks one file's changes, not
those of the functions it calls), including the travel step that
:func:`rootcauses.sim.journey.advance_month` runs on its own. Random numbers come from the shard's
``np.random.Generator`` (numba draws from the same stream), so a seed fixes the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np

from rootcauses.sim.decision import Coefficients
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
    ratio log cost − L_h − log household size_c, so L_h enters with −(β_income_gap + β_cost)."""
    shift = np.asarray(month_terms["income_shift"], dtype=float)
    country_const = (
        intercept
        + beta.income_gap * (log_us_gdp_pc - shift)
        + beta.cost * (log_cost - shift - log_household_size)
        + beta.policy * float(month_terms["deterrence"])
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
def _departs(z: float, r: float) -> bool:
    """Whether a uniform draw ``r`` falls below logistic(z), the departure probability. Most
    households stay, and for z < 0 a cheap upper bound of logistic(z) settles most of them
    without the exponential: logistic(z) < e^z = 1/e^y <= 1/(1 + y + y²/2 + y³/6), y = −z (the
    Taylor terms of e^y are positive). The outcome is the exact comparison's."""
    if z < 0.0:
        y = -z
        if r >= 1.0 / (1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0)))):
            return False
    return r < 1.0 / (1.0 + np.exp(-z))


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


@numba.njit(cache=True, nogil=True)
def logistic_moments(a: float, u: np.ndarray) -> tuple[float, float]:
    """:func:`rootcauses.sim.decision.logistic_moments` in one compiled pass (no temporaries)."""
    total = 0.0
    spread = 0.0
    for i in range(u.size):
        p = 1.0 / (1.0 + np.exp(-(a + u[i])))
        total += p
        spread += p * (1.0 - p)
    return total / u.size, spread / u.size


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
