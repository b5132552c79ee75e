"""The compiled inner loops: one month of a shard's households.

Two kernels do the same month, and every step is written once and called by both: a departure
(:func:`_leave`: migrant type and sector), a month of the trip (:func:`_trip_month`: travel, then
Mexico, death or :func:`_border`, the outcome by migrant type) and the return home
(:func:`_home_from`). State travels as one record of arrays (:class:`Households`) with small
bundles for the month (:class:`HazardTerms`, :class:`Journey`, :class:`BorderRules`) and its tallies
(:class:`Tally`). :func:`month` visits every household once; :func:`month_skipping` (the engine's
default) visits only the households that can change this month: those with a migrant on the way
are kept in an index list, and departures are drawn by thinning against block-wise hazard bounds
over households sorted by hazard (see "event skipping" below), a few percent of the households a
month instead of all of them. The hazard is
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
from typing import Any, NamedTuple, TypeVar, cast

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from rootcauses.sim.decision import Coefficients
from rootcauses.sim.errors import SimError
from rootcauses.sim.population import HOME, TRANSIT, Population

FLOWS = (
    "departures",
    "interdicted_mx",
    "deaths",
    "encounters",
    "returned_us",
    "released_us",
    "got_away",
    "voluntary_returns",
    "port_entries",
    "re_encounters",
    "expulsions",
    "encounters_uac",
    "encounters_family",
    "encounters_single",
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
    PORT_ENTRIES,
    RE_ENCOUNTERS,
    EXPULSIONS,
    ENCOUNTERS_UAC,
    ENCOUNTERS_FAMILY,
    ENCOUNTERS_SINGLE,
    AT_HOME,
    IN_TRANSIT,
    IN_US_STOCK,
    DEAD_STOCK,
) = range(len(METRICS))

ON_THE_WAY, INTERDICTED, DIED, AT_BORDER = 0, 1, 2, 3

# migrant types (CBP's demographic groups) and what the border rules give each, per month
TYPES = ("uac", "family", "single")
UAC, FAMILY, SINGLE = range(len(TYPES))
B_PORT, B_ENCOUNTER, B_EXPEL, B_REMOVE, B_RECROSS = range(5)  # columns of BorderRules.border
RECROSSING = np.uint8(0x80)  # flag in ``mtype``: expelled on this trip and crossing again
TYPE_MASK = np.uint8(0x7F)
# what the border means for the household: the member comes home, settles in the US, or (expelled)
# tries to cross again next month
OUT_HOME, OUT_US, OUT_RECROSS = 0, 1, 2
# tallies the engine reads after each month for the feedbacks (expectations, diffusion)
T_ARRIVED, T_FAVOURABLE = 0, 1  # Tally.types [country, type, ·]
O_DEPARTURES, O_NEW_NETWORK = 0, 1  # Tally.origins [origin, ·]


# The month's steps allocate nothing, so they are compiled without numba's reference counting:
# with it, every step handed the shard's ``np.random.Generator`` or a state bundle paid atomic
# increments and decrements that took most of a month's time (profiled with perf: 46% of the
# samples of a 1M-household run in ``NRT_incref``/``NRT_decref``). A step that allocated would
# not compile under this option, so it cannot silently leak.
_Step = TypeVar("_Step", bound=Callable[..., Any])


def _step(inline: bool = False) -> Callable[[_Step], _Step]:
    """numba.njit for a month step: cached, without the GIL and without reference counting."""
    options = {"inline": "always"} if inline else {}

    def compile_step(fn: _Step) -> _Step:
        compiled = numba.njit(cache=True, nogil=True, _nrt=False, **options)(fn)  # type: ignore[call-overload]
        return cast(_Step, compiled)

    return compile_step


_llvm: Any = cgutils  # numba's code-generation helpers and llvmlite's IR (no type information)


def _prefetch_intrinsic(typingctx: Any, array: Any, index: Any) -> tuple[Any, Callable[..., Any]]:
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        kind = signature.args[0]
        view = context.make_array(kind)(context, builder, args[0])
        where = _llvm.get_item_pointer(context, builder, kind, view, [args[1]], wraparound=False)
        i32 = _llvm.int32_t
        hint = _llvm.ir.FunctionType(_llvm.ir.VoidType(), [_llvm.voidptr_t, i32, i32, i32])
        fn = _llvm.get_or_insert_function(builder.module, hint, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(where, _llvm.voidptr_t), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, types.intp), codegen


# _prefetch(array, i): a hint to the CPU to bring array[i] into the cache (LLVM's prefetch for a
# read, kept in every cache level); it changes no value, only how soon a later read finds it
_prefetch = cast(Callable[[np.ndarray, int], None], intrinsic(_prefetch_intrinsic))


class Households(NamedTuple):
    """The household state the month kernels read and write: views of the population's columns,
    one record for both kernels (numba takes a named tuple of arrays as one argument)."""

    country: np.ndarray
    origin: np.ndarray
    log_income: np.ndarray
    violence: np.ndarray
    climate: np.ndarray
    remittance: np.ndarray
    network: np.ndarray
    attempts: np.ndarray
    status: np.ndarray
    eligible_from: np.ndarray
    sector: np.ndarray
    step: np.ndarray
    days_left: np.ndarray
    mtype: np.ndarray


def households(people: Population) -> Households:
    return Households(*(getattr(people, name) for name in Households._fields))


class Journey(NamedTuple):
    """The month's routes: sector choice [origin, sector] (cumulative), fastest paths, the edges'
    days and what can end a trip on each edge (:func:`edge_hazards`)."""

    sector_cdf: np.ndarray
    path_edges: np.ndarray
    path_length: np.ndarray
    edge_days: np.ndarray
    edge_hazard: np.ndarray
    edge_interdiction_share: np.ndarray
    days_per_month: float


def edge_hazards(interdiction: np.ndarray, death: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per edge, the hazard of a trip ending there, -log((1 - p_interdiction)(1 - p_death)), and
    the share of those ends that are interdictions, p_i / (p_i + (1 - p_i) p_d): what
    :func:`travel` needs to draw one exponential a month instead of two numbers an edge. The
    same law as interdiction, then death, tried in turn on each edge (tested)."""
    p_i = np.clip(np.asarray(interdiction, dtype=np.float64), 0.0, 1.0)
    p_d = np.clip(np.asarray(death, dtype=np.float64), 0.0, 1.0)
    failure = p_i + (1.0 - p_i) * p_d
    with np.errstate(divide="ignore"):
        hazard = -np.log1p(-failure)  # inf where the edge always ends the trip
    share = np.divide(p_i, failure, out=np.zeros_like(p_i), where=failure > 0)
    return np.ascontiguousarray(hazard), np.ascontiguousarray(share)


class BorderRules(NamedTuple):
    """The month's migrant-type choice [country, type] (cumulative), the outcomes by type
    [type, B_PORT … B_RECROSS] and the months a household waits after a return (``delay``)
    or after a member settles in the US (``settle_delay``) before it decides again."""

    type_cdf: np.ndarray
    border: np.ndarray
    delay: int
    settle_delay: int


class Tally(NamedTuple):
    """What a month adds up: counts [country, metric], encounters [country, sector], arrivals and
    favourable outcomes [country, type, 2], departures and newly networked households
    [origin, 2]."""

    counts: np.ndarray
    sector_encounters: np.ndarray
    types: np.ndarray
    origins: np.ndarray


def new_tally(n_countries: int, n_sectors: int, n_origins: int) -> Tally:
    return Tally(
        np.zeros((n_countries, len(METRICS)), dtype=np.int64),
        np.zeros((n_countries, n_sectors), dtype=np.int64),
        np.zeros((n_countries, len(TYPES), 2), dtype=np.int64),
        np.zeros((n_origins, 2), dtype=np.int64),
    )


class HazardTerms(NamedTuple):
    """The month's utility split by what it varies with (intercept included):

    z_h = country_const[c] + violence[c]·exposure_h + climate[c]·climate_h + origin_const[o]
          + household · (log income_h, family abroad_h, remittances_h, attempts_h)
    """

    country_const: np.ndarray  # float64 [country]
    violence: np.ndarray  # float64 [country]: β_violence · log homicide rate
    climate: np.ndarray  # float64 [country]: β_climate · rainfall deficit
    origin_const: np.ndarray  # float64 [origin]: β_risk · journey failure probability (+ feedbacks)
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
        + np.asarray(month_terms.get("country_shift", 0.0), dtype=float)
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


@_step(inline=True)
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
    z: float = (
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


@_step(inline=True)
def _departure_probability(z: float) -> float:
    """logistic(z) as the compiled kernel computes it (its exp may differ from NumPy's in the
    last bit, so comparisons against it are made with this very function)."""
    p: float = 1.0 / (1.0 + np.exp(-z))
    return p


@_step(inline=True)
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


@numba.njit(cache=True, nogil=True, boundscheck=True)  # an origin past n_origins: IndexError
def _origin_counts(origin: np.ndarray, network: np.ndarray, out: np.ndarray) -> None:
    for i in range(origin.size):
        out[origin[i], 0] += 1
        out[origin[i], 1] += network[i]


def origin_counts(people: Population, n_origins: int) -> tuple[np.ndarray, np.ndarray]:
    """[origin] households and households with family abroad (int64), in one compiled pass:
    ``np.bincount`` with weights would first copy both columns to 8-byte arrays."""
    out = np.zeros((n_origins, 2), dtype=np.int64)
    _origin_counts(people.origin, people.network, out)
    return out[:, 0], out[:, 1]


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


def exp_moments(u: np.ndarray) -> Callable[[float, np.ndarray], tuple[float, float]]:
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


@_step()
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
    edge_hazard: np.ndarray,
    edge_interdiction_share: np.ndarray,
    days_per_month: float,
) -> int:
    """Household ``i``'s migrant travels one month along its path; returns its event code. On
    finishing an edge it may be interdicted in Mexico or die (probabilities per edge), else it
    moves on; finishing the last edge puts it at the US border.

    Drawn as one exponential budget for the month, spent by the hazard of each edge finished
    (:func:`edge_hazards`): the trip ends on the first edge whose hazard exceeds what is left,
    an interdiction with that edge's share, else a death. Exactly the law of a draw per edge
    (memoryless, so a fresh budget each month is the same too), for one or two random numbers
    a month instead of two an edge. The step and the days left are kept in registers while the
    month's edges are walked and written back once (``edge_days`` must be no wider than
    ``days_left``: float32 both in the engine and in journey.advance_month)."""
    o = origin[i]
    s = sector[i]
    budget = days_per_month
    left = -1.0  # the month's hazard budget, drawn when the first edge is finished
    k = step[i]
    need = days_left[i]
    while True:
        if budget < need:
            days_left[i] = need - budget
            step[i] = k
            return ON_THE_WAY
        budget -= need
        edge = path_edges[o, s, k]
        if left < 0.0:
            left = rng.standard_exponential()
        if edge_hazard[edge] > left:
            days_left[i] = need
            step[i] = k
            return INTERDICTED if rng.random() < edge_interdiction_share[edge] else DIED
        left -= edge_hazard[edge]
        k += 1
        if k >= path_length[o, s]:
            days_left[i] = need
            step[i] = k
            return AT_BORDER
        need = edge_days[path_edges[o, s, k]]


@_step(inline=True)
def _travel(rng: np.random.Generator, i: int, h: Households, j: Journey) -> int:
    return travel(
        rng, i, h.origin, h.sector, h.step, h.days_left, j.path_edges, j.path_length,
        j.edge_days, j.edge_hazard, j.edge_interdiction_share, j.days_per_month,
    )  # fmt: skip


@_step()
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
    edge_hazard: np.ndarray,
    edge_interdiction_share: np.ndarray,
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
            edge_hazard,
            edge_interdiction_share,
            days_per_month,
        )


@_step(inline=True)
def _household_utility(i: int, h: Households, terms: HazardTerms) -> float:
    return _utility(
        i, h.country, h.origin, h.log_income, h.violence, h.climate, h.network, h.remittance,
        h.attempts, terms.country_const, terms.violence, terms.climate, terms.origin_const,
        terms.household,
    )  # fmt: skip


@_step()
def _leave(
    rng: np.random.Generator, i: int, h: Households, j: Journey, rules: BorderRules, tally: Tally
) -> None:
    """A member of household ``i`` sets out: a migrant type (the month's shares for its country)
    and a US sector (the month's shares among sectors its origin reaches), on the first edge."""
    c = h.country[i]
    o = h.origin[i]
    u = rng.random()
    k = 0
    while k < rules.type_cdf.shape[1] - 1 and u > rules.type_cdf[c, k]:
        k += 1
    u = rng.random()
    s = 0
    while s < j.sector_cdf.shape[1] - 1 and u > j.sector_cdf[o, s]:
        s += 1
    h.mtype[i] = k
    h.sector[i] = s
    h.step[i] = 0
    h.days_left[i] = j.edge_days[j.path_edges[o, s, 0]]
    h.status[i] = TRANSIT
    tally.counts[c, DEPARTURES] += 1
    tally.origins[o, O_DEPARTURES] += 1


@_step()
def _border(
    rng: np.random.Generator, i: int, h: Households, rules: BorderRules, tally: Tally
) -> int:
    """At the US border, by the migrant's type: presents at a port of entry with an appointment
    (CBP One; not a Border Patrol encounter), got away (not encountered), or encountered and
    then expelled (Title 42; may cross again next month), removed or returned (Title 8), or
    released. Counts every encounter, by type, and re-encounters of those crossing again; a trip
    counts once among the arrivals (its first time at the border) and once among the favourable
    outcomes if it ends in the US, whatever the tries: what the household hears is the trip's
    outcome. Returns OUT_HOME, OUT_US or OUT_RECROSS."""
    c = h.country[i]
    k = h.mtype[i] & TYPE_MASK
    again = (h.mtype[i] & RECROSSING) != 0
    if not again:
        tally.types[c, k, T_ARRIVED] += 1
    rule = rules.border[k]
    if rule[B_PORT] > 0.0 and rng.random() < rule[B_PORT]:
        tally.counts[c, PORT_ENTRIES] += 1
        tally.types[c, k, T_FAVOURABLE] += 1
        return OUT_US
    if rng.random() >= rule[B_ENCOUNTER]:
        tally.counts[c, GOT_AWAY] += 1
        tally.types[c, k, T_FAVOURABLE] += 1
        return OUT_US
    tally.counts[c, ENCOUNTERS] += 1
    tally.counts[c, ENCOUNTERS_UAC + k] += 1
    tally.sector_encounters[c, h.sector[i]] += 1
    if again:
        tally.counts[c, RE_ENCOUNTERS] += 1
    u = rng.random()
    if u < rule[B_EXPEL]:
        tally.counts[c, EXPULSIONS] += 1
        if rng.random() < rule[B_RECROSS]:
            h.mtype[i] = k | RECROSSING
            return OUT_RECROSS
        tally.counts[c, RETURNED_US] += 1
        return OUT_HOME
    if u < rule[B_EXPEL] + rule[B_REMOVE]:
        tally.counts[c, RETURNED_US] += 1
        return OUT_HOME
    tally.counts[c, RELEASED_US] += 1
    tally.types[c, k, T_FAVOURABLE] += 1
    return OUT_US


@_step(inline=True)
def _cross_again(i: int, h: Households, j: Journey) -> None:
    """Expelled to Mexico right at the border: back on the path's last edge (the crossing)."""
    o = h.origin[i]
    s = h.sector[i]
    h.step[i] = j.path_length[o, s] - 1
    h.days_left[i] = j.edge_days[j.path_edges[o, s, h.step[i]]]


@_step(inline=True)
def _home_from(i: int, t: int, event: int, outcome: int, h: Households, rules: BorderRules,
               tally: Tally) -> None:  # fmt: skip
    """The household after its migrant's trip ended this month (interdicted, died, returned or
    settled in the US): at home, deciding again from month t + wait + 1. A migrant sent back
    counts as one more attempt; one who settles gives the household family abroad and
    remittances."""
    h.status[i] = HOME
    h.mtype[i] = 0
    wait = rules.delay
    if event == DIED:
        pass
    elif event == INTERDICTED or outcome == OUT_HOME:
        if h.attempts[i] < 255:
            h.attempts[i] += 1
    else:  # settled in the US
        wait = rules.settle_delay
        if h.network[i] == 0:
            tally.origins[h.origin[i], O_NEW_NETWORK] += 1
        h.network[i] = 1
        h.remittance[i] = 1
    h.eligible_from[i] = min(t + wait + 1, 65535)


@_step()
def _trip_month(
    rng: np.random.Generator,
    t: int,
    i: int,
    h: Households,
    j: Journey,
    rules: BorderRules,
    tally: Tally,
) -> int:
    """One month of household ``i``'s trip: travel, then Mexico, death or the border. Returns
    ON_THE_WAY if its migrant is still (or again) on the way at the end of the month, else the
    event that ended the trip (the household is then at home, see :func:`_home_from`)."""
    c = h.country[i]
    event = _travel(rng, i, h, j)
    if event == ON_THE_WAY:
        tally.counts[c, IN_TRANSIT] += 1
        return ON_THE_WAY
    outcome = OUT_HOME
    if event == INTERDICTED:
        tally.counts[c, INTERDICTED_MX] += 1
    elif event == DIED:
        tally.counts[c, DEATHS] += 1
    else:
        outcome = _border(rng, i, h, rules, tally)
        if outcome == OUT_RECROSS:
            _cross_again(i, h, j)
            tally.counts[c, IN_TRANSIT] += 1
            return ON_THE_WAY
    _home_from(i, t, event, outcome, h, rules, tally)
    return event


@_step()
def month(
    rng: np.random.Generator,
    t: int,
    h: Households,
    terms: HazardTerms,
    j: Journey,
    rules: BorderRules,
    sampled: np.ndarray,
    tally: Tally,
) -> None:
    """Month ``t`` for every household, in the engine's documented order: a household at home
    and eligible decides whether a member leaves (who then travels at once); one with a migrant
    on the way follows the trip. Each household is visited once, so one whose trip ended this
    month does not decide again this month. Adds the month's flows, the households with someone
    on the way and those without (``at_home``) to ``tally``; the engine keeps the stocks of
    people in the US and dead."""
    for i in range(h.country.size):
        if h.status[i] == HOME:
            if h.eligible_from[i] > t:
                continue
            if not _departs(_household_utility(i, h, terms), rng.random()):
                continue
            _leave(rng, i, h, j, rules, tally)
        _trip_month(rng, t, i, h, j, rules, tally)
    for c in range(sampled.size):
        tally.counts[c, AT_HOME] += sampled[c] - tally.counts[c, IN_TRANSIT]


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
N_TRANSIT = 0
HINT = 256  # households per entry of SkipIndex.block_hint
BATCH = 256  # candidates drawn at a time (SkipLists.pending)
AHEAD = 8  # how many households ahead month_skipping asks for records
_BOUND_MARGIN = 1e-9  # covers float rounding between the bound and the exact utility


@dataclass(frozen=True)
class SkipIndex:
    """What the skipping pass keeps besides the population (:func:`skip_index`).

    The static score of a household is s_i = V0_c·violence_i + β·(log income_i, network_i,
    remittance_i, attempts_i), with V0 the violence coefficient of the month the shard was sorted
    on; its utility in month t is then country_const_c + origin_const_o + climate_c·climate_i
    + (V_c − V0_c)·violence_i + s_i."""

    transit: np.ndarray  # uint32 [household] households with a migrant on the way (first sizes[0])
    sizes: np.ndarray  # int64 [1] length of the list
    block_start: np.ndarray  # int32 [block + 1] first household of each block, then n
    block_hint: np.ndarray  # int32 [n // HINT + 1] the block of household k·HINT
    static_max: np.ndarray  # float64 [block] max static score of the block's households at home
    violence_lo: np.ndarray  # float64 [block]
    violence_hi: np.ndarray  # float64 [block]
    block_range: np.ndarray  # uint8 [block, 6] low/high country, origin, climate (C_LO …)
    violence_ref: np.ndarray  # float64 [country] V0_c
    household_ref: np.ndarray  # float64 [4] the household coefficients of the scores
    rate: np.ndarray  # float64 [block] scratch: this month's candidate rate (see _block_bounds)
    chance: np.ndarray  # float64 [block] scratch: 1 - e^-rate, a household's candidate chance

    def bytes_per_household(self) -> float:
        arrays = (getattr(self, name) for name in self.__dataclass_fields__)
        per_household: float = sum(a.nbytes for a in arrays) / max(1, self.transit.size)
        return per_household


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
        ("mtype", np.uint8),
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
        people.country,
        people.origin,
        people.log_income,
        people.violence,
        people.climate,
        people.remittance,
        people.network,
        people.attempts,
        score,
        records["country"],
        records["origin"],
        records["log_income"],
        records["violence"],
        records["climate"],
        records["remittance"],
        records["network"],
        records["attempts"],
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
    people, _records, sorted_score = pack(people, rank, score)
    n = len(people)
    starts = _block_starts(people.origin, people.climate, sorted_score, BLOCK, BLOCK_SPREAD)
    n_blocks = starts.size - 1
    index = SkipIndex(
        transit=np.empty(n, dtype=np.uint32),
        sizes=np.zeros(1, dtype=np.int64),
        block_start=starts,
        block_hint=(np.searchsorted(starts, np.arange(0, n + 1, HINT), side="right") - 1).astype(
            np.int32
        ),
        static_max=np.empty(n_blocks, dtype=np.float64),
        violence_lo=np.empty(n_blocks, dtype=np.float64),
        violence_hi=np.empty(n_blocks, dtype=np.float64),
        block_range=np.empty((n_blocks, 6), dtype=np.uint8),
        violence_ref=np.ascontiguousarray(terms.violence, dtype=np.float64),
        household_ref=terms.household.copy(),
        rate=np.zeros(n_blocks, dtype=np.float64),
        chance=np.zeros(n_blocks, dtype=np.float64),
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
        # unsigned positions: numba then reads each column without the check for a negative
        # index (a third of this pass's time)
        for i in range(np.uint64(block_start[b]), np.uint64(block_start[b + 1])):
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
    household: np.ndarray,
    household_ref: np.ndarray,
    rate: np.ndarray,
    chance: np.ndarray,
) -> bool:
    """Each block's candidate rate this month: e^z with z each term of the utility (see
    :class:`SkipIndex`) at its maximum over the block's ranges; and 1 - e^-rate. Returns False,
    and fills nothing, if ``household`` differs from the coefficients the scores were made with
    (checked here: a NumPy comparison cost more than the bounds' dispatch)."""
    for k in range(household.size):
        if household[k] != household_ref[k]:
            return False
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
        chance[b] = -np.expm1(-rate[b])
    return True


def fill_block_bounds(index: SkipIndex, terms: HazardTerms) -> None:
    """This month's ``index.rate``, before :func:`month_skipping`."""
    same = terms.household.shape == index.household_ref.shape and _block_bounds(
        index.static_max,
        index.violence_lo,
        index.violence_hi,
        index.block_range,
        index.violence_ref,
        terms.country_const,
        terms.violence,
        terms.climate,
        terms.origin_const,
        terms.household,
        index.household_ref,
        index.rate,
        index.chance,
    )
    if not same:
        raise SimError("the household coefficients changed since the skip index was built")


def block_bounds(index: SkipIndex, terms: HazardTerms) -> np.ndarray:
    """This month's candidate probability per block, 1 - e^{-rate}: at least the hazard of
    every household of the block at home (for tests and diagnostics)."""
    fill_block_bounds(index, terms)
    bounds: np.ndarray = index.chance.copy()
    return bounds


@_step(inline=True)
def _exponential(rng: np.random.Generator) -> float:
    return rng.standard_exponential()


class SkipLists(NamedTuple):
    """The parts of :class:`SkipIndex` that :func:`month_skipping` reads and writes, and its
    scratch for a batch of candidates (``pending``, ``threshold``: :data:`BATCH` each)."""

    transit: np.ndarray
    sizes: np.ndarray
    block_start: np.ndarray
    block_hint: np.ndarray
    static_max: np.ndarray
    violence_ref: np.ndarray
    household_ref: np.ndarray
    rate: np.ndarray
    chance: np.ndarray
    pending: np.ndarray
    threshold: np.ndarray


def skip_lists(index: SkipIndex) -> SkipLists:
    shared = [getattr(index, name) for name in SkipLists._fields[:-2]]
    batch = [np.empty(BATCH, dtype=np.uint64), np.empty(BATCH, dtype=np.float64)]
    return SkipLists._make(shared + batch)


@_step()
def _raise_bound(i: int, h: Households, skip: SkipLists) -> None:
    """Household ``i`` is back home: its block's bound grows if its static score (family abroad,
    attempts) is now above the block's."""
    w = skip.household_ref
    score = (
        skip.violence_ref[h.country[i]] * h.violence[i]
        + w[0] * h.log_income[i]
        + w[1] * h.network[i]
        + w[2] * h.remittance[i]
        + w[3] * h.attempts[i]
        + _BOUND_MARGIN
    )
    # the block of the hint, then forward: a block holds at most BLOCK households
    b = skip.block_hint[i // np.uint64(HINT)]
    while skip.block_start[b + 1] <= i:
        b += 1
    if score > skip.static_max[b]:
        skip.static_max[b] = score


@_step(inline=True)
def _prefetch_household(h: Households, i: int) -> None:
    """Ask for household ``i``'s record (its first and last byte: a 24-byte record may straddle
    two cache lines)."""
    _prefetch(h.log_income, i)
    _prefetch(h.step, i)


@_step(inline=True)
def _skipping_trip(
    rng: np.random.Generator,
    t: int,
    i: int,
    h: Households,
    j: Journey,
    rules: BorderRules,
    skip: SkipLists,
    tally: Tally,
) -> None:
    if _trip_month(rng, t, i, h, j, rules, tally) == ON_THE_WAY:
        skip.transit[skip.sizes[N_TRANSIT]] = i
        skip.sizes[N_TRANSIT] += 1
    else:
        _raise_bound(i, h, skip)


@_step()
def month_skipping(
    rng: np.random.Generator,
    decide_rng: np.random.Generator,
    t: int,
    h: Households,
    terms: HazardTerms,
    j: Journey,
    rules: BorderRules,
    skip: SkipLists,
    sampled: np.ndarray,
    tally: Tally,
) -> None:
    """Month ``t`` as :func:`month` does it, visiting only the households that can change:
    (1) those with a migrant on the way travel (the same trip step, :func:`_trip_month`);
    (2) candidates among all households (block rates in ``skip.rate``, filled by
    :func:`fill_block_bounds` beforehand) decide, and a member who leaves travels at once.
    A household whose trip ended this month may decide from month t + wait + 1, as in
    :func:`month`.

    Decisions draw from their own generator ``decide_rng`` (the engine gives each month a fresh
    one), two numbers per candidate whatever happens to it, and everything else from ``rng``.
    So a run with slightly different parameters meets the same draws: candidates move a little
    (along households sorted by hazard) instead of the whole month's stream shifting. That holds
    only until one decision differs: the draws from ``rng`` after it shift, so the calibration
    loss still moves by about its seed noise for any change of a parameter, however small
    (measured: :func:`rootcauses.sim.calibrate.plausible_threshold`).

    Households are addressed by unsigned positions (``skip.pending``, ``skip.transit``): numba
    then reads and writes their columns without its check for a negative index."""
    # (1) on the way: the list is rebuilt as they travel (never past the entry being read)
    on_the_way = skip.sizes[N_TRANSIT]
    skip.sizes[N_TRANSIT] = 0
    for k in range(min(AHEAD, on_the_way)):
        _prefetch_household(h, skip.transit[k])
    for k in range(on_the_way):
        if k + AHEAD < on_the_way:
            _prefetch_household(h, skip.transit[k + AHEAD])
        _skipping_trip(rng, t, skip.transit[k], h, j, rules, skip, tally)
    # (2) decisions, by thinning; the bounds were computed before (1), which only sends
    # households home that cannot decide this month. Candidates come in batches: where they are
    # depends on the decision draws alone, so a batch is drawn first (the same draws in the same
    # order) and its households' records are asked for ahead of their turn
    budget = _exponential(decide_rng)
    n_blocks = skip.rate.size
    b = 0
    lam = 0.0
    pos = end = 0
    entering = True
    while b < n_blocks:
        n = 0
        while n < BATCH and b < n_blocks:
            if entering:
                entering = False
                lam = skip.rate[b]
                pos = skip.block_start[b]
                end = skip.block_start[b + 1]
                if budget >= lam * (end - pos):
                    budget -= lam * (end - pos)
                    b += 1
                    entering = True
                    continue
            gap = budget / lam
            if gap >= end - pos:
                budget -= lam * (end - pos)
                b += 1
                entering = True
                continue
            i = pos + int(gap)
            budget = _exponential(decide_rng)
            accept = decide_rng.random()  # drawn for every candidate: see the docstring
            pos = i + 1
            skip.pending[n] = i
            skip.threshold[n] = accept * skip.chance[b]
            n += 1
        for k in range(min(AHEAD, n)):
            _prefetch_household(h, skip.pending[k])
        for k in range(n):
            if k + AHEAD < n:
                _prefetch_household(h, skip.pending[k + AHEAD])
            i = skip.pending[k]
            if h.status[i] != HOME or h.eligible_from[i] > t:
                continue
            z = _household_utility(i, h, terms)
            if skip.threshold[k] >= _departure_probability(z):
                continue
            _leave(rng, i, h, j, rules, tally)
            _skipping_trip(rng, t, i, h, j, rules, skip, tally)
    for c in range(sampled.size):
        tally.counts[c, AT_HOME] += sampled[c] - tally.counts[c, IN_TRANSIT]
