"""The simulation engine: households as columns, one month at a time.

A household is a group of people: when one member leaves, the household stays and keeps deciding.
Each month, every household goes through these steps (one whose migrant's trip ended this month
does not decide again before month t + wait + 1, and a member who leaves travels at once). By
default a month runs in the event-skipping kernel (:func:`rootcauses.sim.kernel.month_skipping`):
it visits only the households with a migrant on the way and the candidates for a departure drawn
by thinning against block-wise hazard bounds, which leaves the departure process unchanged in
distribution (tested against the per-household pass). ``exact=True`` runs the per-household pass
(:func:`rootcauses.sim.kernel.month`), which draws for every household every month:

1. households at home and eligible decide (:mod:`rootcauses.sim.decision`, plus the country-month
   terms of :func:`_month_terms_all` and the feedbacks of :class:`Feedbacks`); a member who leaves
   is an unaccompanied child, a family member or a single adult (the month's type shares) and
   chooses a US sector (the year's USBP sector shares, among sectors the origin reaches);
2. every migrant on the way travels a month (:func:`rootcauses.sim.kernel.travel`): Mexican
   interdiction (raised while the 2019 agreement is in force; back home, one more attempt), death,
   or arrival at the border;
3. at the border, by type (:func:`border_rules`, from the dated policy events): a port of entry
   with a CBP One appointment, got away, or encountered and then expelled under Title 42 (and
   perhaps crossing again next month, a re-encounter), removed or returned under Title 8, or
   released; who gets in settles and the household has family abroad and remittances;
4. people in the US go home at a small monthly rate (a stock per country).

Python does only what is the same for a whole country, origin or month (:func:`_month_terms`,
the border rules, the sector and type choice, :func:`rootcauses.sim.kernel.hazard_terms`, the
feedbacks updated from each month's tallies); the hazard itself is the documented
:func:`rootcauses.sim.decision.departure_probability`, rearranged (tested equal). Counts per month
and country (and encounters by US sector) are unweighted here; :func:`run` scales them to real
households. Conservation holds by construction and is tested: cumulative departures = on the way
+ cumulative (interdicted + dead + returned by the US + released + got away + port entries).

Large runs are split into fixed-size shards with seeds spawned from the run's seed, so the result
depends on the seed only, not on how many workers run the shards. Within a shard, decisions in
the skipping kernel draw from a generator of their own per month (:class:`_DecisionStreams`), so
runs with nearby parameters share their draws (smoother for calibration); the rest from the
shard's one."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from rootcauses import panel
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.sim import decision, kernel
from rootcauses.sim import population as pop
from rootcauses.sim.errors import SimError
from rootcauses.sim.kernel import (
    DEAD_STOCK,
    DEATHS,
    GOT_AWAY,
    IN_US_STOCK,
    PORT_ENTRIES,
    RELEASED_US,
    VOLUNTARY_RETURNS,
)
from rootcauses.sim.kernel import FLOWS as FLOWS  # re-exported: callers use engine.FLOWS …
from rootcauses.sim.kernel import METRICS as METRICS
from rootcauses.sim.kernel import STOCKS as STOCKS
from rootcauses.sim.network import (
    Network,
    Paths,
    edge_properties,
    fastest_paths,
    path_failure,
)

SHARD_SIZE = 500_000
DAYS_PER_MONTH = 30.4
# MPP ran at a few ports (San Ysidro from 29 January 2019, then Calexico and El Paso) until the
# June 2019 agreement's border-wide expansion (the events table's US-Mexico agreement row):
# about 10,000 people were returned to Mexico by the end of May 2019 against more than 55,000
# by October 2019 (DHS, Assessment of the Migrant Protection Protocols, 28 October 2019), so
# before the expansion it counts at a quarter of its strength (an assumption from those figures)
MPP_PILOT_INTENSITY = 0.25
_PANEL_REGIMES = {r.column: r for r in panel.REGIMES}
# Mexico's Southern Border Program (Programa Frontera Sur), announced by President Pena Nieto on
# 7 July 2014 (WOLA, "Increased enforcement at Mexico's southern border", 2015; its operations
# against migrants on the freight trains began on 1 August 2014): checkpoints and raids that,
# by Mexican figures, made 2015 the year of the most apprehensions since 2005 (198,141 in 2015,
# 186,216 in 2016). No source we found dates its end (its coordinating office was dissolved on
# 1 September 2015, its enforcement went on): the end of June 2016 is the best by the training loss
# (FY2013-FY2019 only) of the ends tried (README, "Policy lab"), an assumption of the model.
MEXICO_SOUTHERN_BORDER = (dt.date(2014, 7, 7), dt.date(2016, 6, 30))
# the regimes that change what happens at the border or on the way (see border_rules): the
# driver models' regimes (panel.REGIMES, read from the same dated policy events) with the
# differences a migrant's outcome needs, one line each
SIM_REGIMES: tuple[panel.Regime, ...] = (
    replace(
        _PANEL_REGIMES["mpp"],
        # DHS suspended new enrolments from 21 January 2021 (DHS statement of 20 January 2021,
        # https://www.dhs.gov/news/2021/01/20/dhs-statement-suspension-new-enrollments-migrant-
        # protection-protocols-program): new returns to Mexico stopped then, before the memo
        ended_on=dt.date(2021, 1, 21),
        why="new enrolments suspended from 21 January 2021 (DHS statement of 20 January 2021)",
        pilot_until=r"border-wide MPP expansion",
        pilot_share=MPP_PILOT_INTENSITY,
    ),
    # Mexico's enforcement did not stop when Title 42 began (the driver models end it there,
    # where its border-processing part was replaced): interdiction stays raised; and it had an
    # earlier surge the events table lacks, the Southern Border Program (MEXICO_SOUTHERN_BORDER)
    replace(
        _PANEL_REGIMES["mexico_enforcement"],
        ended_by=None,
        why="the events give the agreement no end; Mexico's enforcement continued. Earlier: "
        "the Southern Border Program (Programa Frontera Sur), announced 7 July 2014",
        earlier=(MEXICO_SOUTHERN_BORDER,),
    ),
    _PANEL_REGIMES["title_42"],
    _PANEL_REGIMES["cbp_one"],
    # the June 2024 rule's removals stay in force under the January 2025 suspension of entry,
    # which adds its own (entry_suspension_removal_add)
    replace(
        _PANEL_REGIMES["securing_the_border"],
        ended_by=None,
        why="its removals continue under the 2025 suspension of entry",
    ),
    panel.Regime(
        "entry_suspension",
        r"suspends entry",
        why="Proclamation 10888 (20 January 2025, events table), in force after the data end",
    ),
)
REGIMES = tuple(r.column for r in SIM_REGIMES)
# Central American border closures for COVID-19: an assumption from the governments' announced
# dates (Guatemala closed its borders on 2020-03-16 and reopened them on 2020-09-18; Honduras and
# El Salvador closed in mid-March 2020 and reopened in August-September 2020)
COVID_CLOSURE = (dt.date(2020, 3, 16), dt.date(2020, 9, 18))
# Announcements that moved what households expected before any outcome at the border changed
# (Feedbacks.announce): each incoming administration's first orders on the border, with the
# direction of the outcome they announced for migrants (-1: fewer get in, +1: more). An
# assumption of the model: these are the dates where stated policy ran ahead of the outcomes
# migrants met (the Title 42, MPP, CBP One and 2024 asylum-rule changes act through the outcomes
# themselves, border_rules); they were chosen knowing the falls of early 2017 and the rise of
# early 2021 in the encounters, so the responses to them are fits, not predictions.
ANNOUNCEMENTS: tuple[tuple[dt.date, int, str, str], ...] = (
    (
        dt.date(2017, 1, 25),
        -1,
        "Executive Order 13767 orders the end of 'catch and release' and detention of those "
        "apprehended at the border",
        "https://www.federalregister.gov/documents/2017/01/30/2017-02095/"
        "border-security-and-immigration-enforcement-improvements",
    ),
    (
        dt.date(2021, 1, 20),
        +1,
        "DHS pauses removals for 100 days and suspends new Migrant Protection Protocols enrolments",
        "https://www.dhs.gov/news/2021/01/20/dhs-statement-suspension-new-enrollments-"
        "migrant-protection-protocols-program",
    ),
    (
        dt.date(2025, 1, 20),
        -1,
        "Proclamation 10888 suspends entry at the southern border (events table)",
        "https://regulations.justia.com/regulations/fedreg/2025/01/29/2025-01951.html",
    ),
)
STORM_SOURCE = "hurdat2_storm_events"  # hurricanes tracked over or near each country (HURDAT2)
STORM_MEMORY_MONTHS = 6.0  # assumption: displacement after a storm fades with this time constant
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SimInputs:
    """Everything a run reads, as arrays: drivers are [month, country], regimes [month, regime]
    (share of the month in force, :data:`REGIMES`), COVID closures and US unemployment [month]."""

    countries: tuple[str, ...]
    months: tuple[dt.date, ...]
    homicide_rate: np.ndarray
    log_gdp_pc: np.ndarray
    precip_z: np.ndarray
    households: np.ndarray  # real households per country
    household_size: np.ndarray  # persons per household per country
    network: Network
    sector_shares: np.ndarray  # [month, sector] USBP sector shares
    regimes: np.ndarray | None = None  # [month, regime]; None: no regime in force
    # [month, type of kernel.TYPES] Title 42 expulsions as a share of a type's encounters where
    # CBP recorded them (NaN elsewhere: the parameters' rule applies), see border_rules
    recorded_expulsion: np.ndarray | None = None
    # [month] removals the US carried out of these countries' citizens, per month (ICE, fiscal
    # years; NaN: no record, no limit): the capacity that Title 8 removals share (border_capacity)
    removal_capacity: np.ndarray | None = None
    # [month] port-of-entry encounters of these countries' citizens at the southwest border (CBP
    # OFO, FY2022 on; NaN: no record, no limit): what CBP One appointments can take
    # (border_capacity)
    port_capacity: np.ndarray | None = None
    covid: np.ndarray | None = None  # [month] share of the month Central American borders closed
    storms: np.ndarray | None = None  # [month, country] decaying exposure to hurricanes
    us_unemployment: np.ndarray | None = None  # [month] US unemployment rate, %

    def __post_init__(self) -> None:
        n_months = len(self.months)
        shape = (n_months, len(self.countries))
        for name in ("homicide_rate", "log_gdp_pc", "precip_z"):
            got = getattr(self, name).shape
            if got != shape:
                raise SimError(f"driver {name!r} has shape {got}; expected {shape}")
        if self.sector_shares.shape != (n_months, self.network.sectors.size):
            raise SimError("sector_shares must be [months, sectors of the network]")
        if self.network.origins.size > 255 or self.network.sectors.size > 255:
            raise SimError("at most 255 origins and 255 sectors (uint8 state)")
        defaults: dict[str, Callable[[], np.ndarray]] = {
            "regimes": lambda: np.zeros((n_months, len(REGIMES))),
            "covid": lambda: np.zeros(n_months),
            "storms": lambda: np.zeros(shape),
            "us_unemployment": lambda: np.zeros(n_months),
            "recorded_expulsion": lambda: np.full((n_months, len(kernel.TYPES)), np.nan),
            "removal_capacity": lambda: np.full(n_months, np.nan),
            "port_capacity": lambda: np.full(n_months, np.nan),
        }
        expected = {
            "regimes": (n_months, len(REGIMES)),
            "covid": (n_months,),
            "storms": shape,
            "us_unemployment": (n_months,),
            "recorded_expulsion": (n_months, len(kernel.TYPES)),
            "removal_capacity": (n_months,),
            "port_capacity": (n_months,),
        }
        for name, make in defaults.items():
            value = getattr(self, name)
            value = make() if value is None else np.asarray(value, dtype=float)
            if value.shape != expected[name]:
                raise SimError(f"input {name!r} has shape {value.shape}; expected {expected[name]}")
            object.__setattr__(self, name, value)

    def regime(self, name: str) -> np.ndarray:
        """[month] share of each month the regime ``name`` (one of :data:`REGIMES`) was in force."""
        assert self.regimes is not None  # filled in __post_init__
        return self.regimes[:, REGIMES.index(name)]

    def head(self, months: int) -> SimInputs:
        if months > len(self.months):
            raise SimError(
                f"--months {months}: the inputs cover {len(self.months)} months "
                f"({self.months[0]:%Y-%m} to {self.months[-1]:%Y-%m})"
            )
        cut = {
            k: getattr(self, k)[:months]
            for k in (
                "homicide_rate", "log_gdp_pc", "precip_z", "sector_shares", "regimes", "covid",
                "storms", "us_unemployment", "recorded_expulsion", "removal_capacity",
                "port_capacity",
            )
        }  # fmt: skip
        return replace(self, months=self.months[:months], **cut)


def origins_by_country(inputs: SimInputs) -> list[np.ndarray]:
    """Origin positions (in network.origins) of each country of the run."""
    origin_country = inputs.network.node_country[inputs.network.origins]
    return [np.flatnonzero(origin_country == c) for c in inputs.countries]


@dataclass(frozen=True)
class Shard:
    counts: np.ndarray  # int64 [month, country, metric]
    sampled: np.ndarray  # households sampled per country
    bytes_per_household: float
    sector_encounters: np.ndarray  # int64 [month, country, sector of network.sectors]


def _fourier_season(months: Sequence[dt.date], cos_coef: float, sin_coef: float) -> np.ndarray:
    """The annual harmonic of each month: cos·cos(2π(m−1)/12) + sin·sin(2π(m−1)/12), m = 1…12."""
    angle = 2 * np.pi * (np.array([d.month for d in months], dtype=float) - 1) / 12
    return cos_coef * np.cos(angle) + sin_coef * np.sin(angle)


def _month_terms_all(inputs: SimInputs, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Country- and month-level parts of x (levers applied) for every month: [month, country]
    arrays, deterrence [month, 1]. ``country_shift`` gathers the exogenous terms that are the same
    for a whole country and month (country effect, season, COVID closures, storms, US labour
    demand), already times their coefficients. The recorded policy regimes act through the border
    outcomes (:func:`border_rules`), not here: ``deterrence`` is the scenario lever alone."""
    # filled in SimInputs.__post_init__
    assert inputs.covid is not None and inputs.storms is not None
    assert inputs.us_unemployment is not None
    n_months = len(inputs.months)
    growth = params["income_growth_extra"] * np.arange(n_months)[:, None] / 12
    effects = np.array([params.get(f"country_effect_{c}", 0.0) for c in inputs.countries])
    shift = (
        effects[None, :]
        + _fourier_season(inputs.months, params["season_cos"], params["season_sin"])[:, None]
        + params["beta_covid"] * inputs.covid[:, None]
        + params["beta_storm"] * inputs.storms
        + params["beta_us_unemployment"]
        * (inputs.us_unemployment - inputs.us_unemployment[0])[:, None]
    )
    return {
        "log_homicide": np.log(
            np.maximum(inputs.homicide_rate * params["violence_multiplier"], 0.01)
        ),
        "income_shift": inputs.log_gdp_pc - inputs.log_gdp_pc[0] + growth,
        "drought": np.maximum(0.0, -inputs.precip_z) + params["climate_shock_add"],
        "deterrence": np.full((n_months, 1), params["deterrence_add"]),
        "country_shift": shift,
    }


def _month_terms(
    inputs: SimInputs, params: Mapping[str, float], t: int
) -> dict[str, np.ndarray | float]:
    """Month ``t``'s row of :func:`_month_terms_all`."""
    terms = _month_terms_all(inputs, params)
    return {
        "log_homicide": terms["log_homicide"][t],
        "income_shift": terms["income_shift"][t],
        "drought": terms["drought"][t],
        "deterrence": float(terms["deterrence"][t, 0]),
        "country_shift": terms["country_shift"][t],
    }


def _drivers(
    people: pop.Population,
    idx: np.ndarray,
    terms: Mapping[str, np.ndarray | float],
    inputs: SimInputs,
    params: Mapping[str, float],
    risk_by_origin: np.ndarray,
) -> decision.Drivers:
    c = people.country[idx]
    log_income = people.log_income[idx] + np.asarray(terms["income_shift"])[c]
    annual_household_income = log_income + np.log(inputs.household_size[c])
    cost = params["smuggler_fee_usd"] * params["smuggler_fee_multiplier"]
    return decision.Drivers(
        log_homicide=np.asarray(terms["log_homicide"])[c],
        violence_exposure=people.violence[idx],
        income_gap=np.log(params["us_gdp_pc_ppp"]) - log_income,
        drought=np.asarray(terms["drought"])[c],
        climate_exposed=people.climate[idx],
        network=people.network[idx],
        remittance=people.remittance[idx],
        log_cost_ratio=np.log(max(cost, 1.0)) - annual_household_income,
        risk=risk_by_origin[people.origin[idx]],
        deterrence=terms["deterrence"],
        attempts=people.attempts[idx],
        shift=np.asarray(terms.get("country_shift", np.zeros(len(inputs.household_size))))[c],
    )


def border_rules(inputs: SimInputs, params: Mapping[str, float]) -> np.ndarray:
    """[month, type, B_ENCOUNTER … B_RECROSS]: what the border gives each migrant type, month by
    month, from the recorded regimes (share of the month in force). Title 42 expels single adults
    and families (not unaccompanied children, exempt from its start in the model); the Migrant
    Protection Protocols return families and single adults to Mexico to wait; CBP One
    appointments take a share of adults to ports of entry instead (B_PORT); the June 2024
    asylum rule and the January 2025 entry suspension remove more of both. B_REMOVE is the
    probability of a removal or return under Title 8 (of all encountered: the removal rate times
    the share not expelled). Where CBP recorded the month's Title 42 expulsions by type
    (``inputs.recorded_expulsion``), the recorded share replaces the rule while Title 42 is in
    force. The lever ``us_return_multiplier`` scales both rates (capped at 1)."""
    t42 = inputs.regime("title_42")
    mpp = inputs.regime("mpp")
    asylum_rule = inputs.regime("securing_the_border")
    suspension = inputs.regime("entry_suspension")
    n = len(inputs.months)
    ports = inputs.regime("cbp_one") * params["cbp_one_port_share"]
    out = np.zeros((n, len(kernel.TYPES), 5))
    lever = params["us_return_multiplier"]
    assert inputs.recorded_expulsion is not None  # filled in SimInputs.__post_init__
    for k, name in enumerate(kernel.TYPES):
        adult = name != "uac"
        encounter = (
            params["us_encounter_probability"]
            if name == "single"
            else (params["encounter_probability_family_uac"])
        )
        rule = t42 * (
            params["title42_expulsion_probability"]
            if name == "single"
            else params["title42_expulsion_family"]
            if name == "family"
            else 0.0
        )
        recorded = inputs.recorded_expulsion[:, k]
        # where CBP recorded the month's expulsions, they are the policy as applied (the court
        # order that exempted children from November 2020, families released from early 2021);
        # a scenario without Title 42 has none, whatever was recorded
        expel = np.where(np.isnan(recorded), rule, np.where(t42 > 0, recorded, 0.0))
        base = {
            "single": params["us_return_probability"],
            "family": params["removal_family"],
            "uac": params["removal_uac"],
        }[name]
        remove = base + adult * (
            mpp * params["mpp_return_share"]
            + asylum_rule * params["asylum_rule_removal_add"]
            + suspension * params["entry_suspension_removal_add"]
        )
        expel = np.clip(lever * expel, 0.0, 1.0)
        remove = (1.0 - expel) * np.clip(lever * remove, 0.0, 1.0)  # of those not expelled
        out[:, k, kernel.B_PORT] = ports if adult else 0.0
        out[:, k, kernel.B_ENCOUNTER] = encounter
        out[:, k, kernel.B_EXPEL] = expel
        out[:, k, kernel.B_REMOVE] = remove
        out[:, k, kernel.B_RECROSS] = params["recross_probability"]
    return out


def favourable_probability(border: np.ndarray) -> np.ndarray:
    """[…, type]: the chance a trip of each type ends in the US (through a port of entry, got
    away or released), counting the tries of those expelled who cross again: each try succeeds
    with the same chance a, and one in x = (1 − port)·encounter·expel·recross tries again, so a
    trip succeeds with a / (1 − x)."""
    port = border[..., kernel.B_PORT]
    enc = border[..., kernel.B_ENCOUNTER]
    expel = border[..., kernel.B_EXPEL]
    crossing = (1 - enc) + enc * (1 - expel - border[..., kernel.B_REMOVE])
    again = (1 - port) * enc * expel * border[..., kernel.B_RECROSS]
    each_try = port + (1 - port) * crossing
    # every try expelled and crossing again (x = 1) leaves no try that succeeds: 0
    favourable: np.ndarray = np.divide(
        each_try, 1 - again, out=np.zeros_like(each_try), where=again < 1
    )
    return favourable


def type_shares(params: Mapping[str, float]) -> np.ndarray:
    """[type] base shares of unaccompanied children, family units and single adults."""
    uac, family = params["share_uac"], params["share_family"]
    if uac + family > 1:
        raise SimError(f"share_uac + share_family = {uac + family:.3f} > 1")
    return np.array([uac, family, 1.0 - uac - family])


@dataclass
class Feedbacks:
    """The endogenous parts of the hazard, updated after each month from what the migrants met:

    * **expectations** E[c, k]: each country's perceived chance that a trip of type k ends in
      the US (after any tries of those expelled who cross again), an exponentially weighted
      average (weight ``expectation_weight``) of the outcomes its migrants' trips met the month
      before, moved at once by announcements (:meth:`announce`); it moves the hazard
      (β_expectation × Σ_k share_k (E − E₀)) and the choice of type (β_type_expectation);
    * **diffusion**: the share of an origin's households with family abroad, minus its starting
      value, times β_diffusion;
    * **cascades**: K_o = ρ K_o + 1000 × departures_o / households_o (a decaying count of recent
      departures from the origin), entering as β_cascade × (log(1 + K) − log(1 + K₀)), K₀ its
      level at the base rate, so that every feedback is 0 at the first month (the anchor).
    """

    expectation: np.ndarray  # [country, type]
    expectation0: np.ndarray
    networked: np.ndarray  # [origin] households with family abroad
    networked0: np.ndarray
    households: np.ndarray  # [origin] sampled households
    cascade: np.ndarray  # [origin]
    cascade0: float

    @classmethod
    def start(
        cls,
        border0: np.ndarray,
        people: pop.Population,
        n_countries: int,
        n_origins: int,
        params: Mapping[str, float],
    ) -> Feedbacks:
        fav = favourable_probability(border0)
        expectation = np.tile(fav, (n_countries, 1))
        counted, with_network = kernel.origin_counts(people, n_origins)
        networked = with_network.astype(float)
        households = counted.astype(float)
        k0 = 1000 * params["base_departure_rate"] / (1 - params["cascade_memory"])
        return cls(
            expectation=expectation,
            expectation0=expectation.copy(),
            networked=networked,
            networked0=networked.copy(),
            households=np.maximum(households, 1.0),
            cascade=np.full(n_origins, k0),
            cascade0=float(k0),
        )

    def country_term(self, params: Mapping[str, float], shares: np.ndarray) -> np.ndarray:
        term: np.ndarray = params["beta_expectation"] * (
            (self.expectation - self.expectation0) @ shares
        )
        return term

    def origin_term(self, params: Mapping[str, float]) -> np.ndarray:
        term: np.ndarray = params["beta_diffusion"] * (
            (self.networked - self.networked0) / self.households
        ) + params["beta_cascade"] * (np.log1p(self.cascade) - np.log1p(self.cascade0))
        return term

    def type_cdf(self, params: Mapping[str, float], shares: np.ndarray) -> np.ndarray:
        weights = shares[None, :] * np.exp(
            params["beta_type_expectation"] * (self.expectation - self.expectation0)
        )
        return np.ascontiguousarray(np.cumsum(weights / weights.sum(axis=1, keepdims=True), 1))

    def announce(self, direction: float, params: Mapping[str, float]) -> None:
        """An announcement (:data:`ANNOUNCEMENTS`) moves every perceived chance a share
        ``announcement_shift`` of the way to 0 (direction < 0) or to 1 (> 0) at once; the
        outcomes migrants then meet pull it back (:meth:`update`)."""
        a = params["announcement_shift"]
        if direction < 0:
            self.expectation = (1 - a) * self.expectation
        elif direction > 0:
            self.expectation = self.expectation + a * (1 - self.expectation)

    def update(self, tally: kernel.Tally, params: Mapping[str, float]) -> None:
        # trips that first reached the border this month, and trips that ended in the US this
        # month (some after crossing again, begun in an earlier month): the share, capped at 1
        arrived = tally.types[:, :, kernel.T_ARRIVED]
        seen = arrived > 0
        favourable = tally.types[:, :, kernel.T_FAVOURABLE]
        met = np.where(seen, np.minimum(favourable / np.maximum(arrived, 1), 1.0), 0)
        w = params["expectation_weight"]
        self.expectation = np.where(seen, (1 - w) * self.expectation + w * met, self.expectation)
        self.networked += tally.origins[:, kernel.O_NEW_NETWORK]
        self.cascade = params["cascade_memory"] * self.cascade + 1000 * (
            tally.origins[:, kernel.O_DEPARTURES] / self.households
        )


@dataclass
class Backlog:
    """Departures the COVID-19 border closures held back, made up after they end.

    The closures stopped journeys, not the reasons to leave (an assumption, marked so in
    ``parameters.yaml``): while a closure is in force (share ``s`` of the month), the departures
    it prevented — the month's departures times e^(−β_covid·s) − 1 in the small-hazard limit of
    the logistic — are owed, times ``covid_deferral_share``. Once the closure is over, each
    country's hazard carries log(1 + owed / (``covid_release_months`` × usual)) until the debt is
    paid, ``usual`` being a smoothed count of the departures a month would have without closure or
    catch-up; the extra departures made pay it down. Nothing is owed before the first closure, so
    a run whose window has none is unchanged.
    """

    owed: np.ndarray  # [country] sampled departures held back and not yet made up
    usual: np.ndarray  # [country] smoothed departures a month without closure or catch-up
    multiplier: np.ndarray  # [country] this month's catch-up factor on the hazard (1: none)
    origin_country: np.ndarray  # [origin] country index

    SMOOTHING = 0.3  # weight of the last month in ``usual``

    @classmethod
    def start(cls, sampled: np.ndarray, inputs: SimInputs, params: Mapping[str, float]) -> Backlog:
        origin_country = np.zeros(inputs.network.origins.size, dtype=np.int64)
        for c, origins in enumerate(origins_by_country(inputs)):
            origin_country[origins] = c
        usual = np.asarray(sampled, dtype=float) * params["base_departure_rate"]
        return cls(np.zeros(usual.size), usual, np.ones(usual.size), origin_country)

    def term(self, closed: float, params: Mapping[str, float]) -> np.ndarray:
        """[country] log-odds added this month (``closed``: its share under closure)."""
        months = params["covid_release_months"]
        if closed > 0 or months <= 0:
            self.multiplier = np.ones_like(self.owed)
        else:
            self.multiplier = 1.0 + self.owed / (months * np.maximum(self.usual, 1e-9))
        term: np.ndarray = np.log(self.multiplier)
        return term

    def update(self, closed: float, departures: np.ndarray, params: Mapping[str, float]) -> None:
        """After the month: ``departures`` [origin] of sampled households this month."""
        made = np.bincount(self.origin_country, weights=departures, minlength=self.owed.size)
        held = float(np.exp(-min(params["beta_covid"], 0.0) * closed))  # ≥ 1
        extra = made * (1.0 - 1.0 / self.multiplier)
        self.owed = np.maximum(
            self.owed + params["covid_deferral_share"] * made * (held - 1.0) - extra, 0.0
        )
        w = self.SMOOTHING
        self.usual = (1 - w) * self.usual + w * (made - extra) * held


def _sector_probabilities(shares: np.ndarray, reachable: np.ndarray) -> np.ndarray:
    """[origin, sector] choice probabilities: the month's shares among reachable sectors
    (``shares`` [sector]); for ``shares`` [month, sector], [month, origin, sector]."""
    weights = reachable * shares[..., None, :]
    totals = weights.sum(axis=-1, keepdims=True)
    uniform = reachable / reachable.sum(axis=1, keepdims=True)
    probabilities: np.ndarray = np.where(
        totals > 0, weights / np.where(totals > 0, totals, 1), uniform
    )
    return probabilities


_PATHS: dict[tuple[int, bytes], tuple[Network, Paths]] = {}


def _fastest_paths(network: Network, days: np.ndarray) -> Paths:
    """:func:`fastest_paths`, remembered for the last few (network, edge days): every shard of a
    run and every month's anchor asks for the same ones. The network is kept with its paths,
    so its id cannot be reused while remembered."""
    key = (id(network), np.ascontiguousarray(days).tobytes())
    hit = _PATHS.get(key)
    if hit is None or hit[0] is not network:
        if len(_PATHS) >= 8:
            _PATHS.pop(next(iter(_PATHS)))
        hit = _PATHS[key] = (network, fastest_paths(network, days))
    return hit[1]


def simulate(
    inputs: SimInputs,
    params: Mapping[str, float],
    anchor_params: Mapping[str, float],
    households: int,
    seed: np.random.SeedSequence | int,
    progress: Progress | None = None,
    *,
    exact: bool = False,
) -> Shard:
    """One shard: ``households`` sampled households through every month of ``inputs``. By
    default months run in the event-skipping kernel (:func:`rootcauses.sim.kernel.month_skipping`);
    ``exact=True`` runs the per-household pass (:func:`rootcauses.sim.kernel.month`), which draws
    for every household every month: same distribution, different random stream."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(root)
    network = inputs.network
    counts_by_country = pop.allocate(households, inputs.households)
    people = pop.synthesize(
        counts_by_country, origins_by_country(inputs), inputs.log_gdp_pc[0], params, rng
    )
    props = edge_properties(network, params)
    paths = _fastest_paths(network, props.days)
    if paths.length.max() > 255:
        raise SimError("a path has more than 255 edges (uint8 state)")
    reachable = paths.length > 0
    failure = path_failure(paths, props)
    edge_days32 = props.days.astype(np.float32)

    beta = decision.Coefficients.from_params(params)
    anchor_terms = _month_terms(inputs, anchor_params, 0)
    anchor_props = edge_properties(network, anchor_params)
    anchor_risk = (
        _sector_probabilities(inputs.sector_shares[0], reachable)
        * path_failure(_fastest_paths(network, anchor_props.days), anchor_props)
    ).sum(axis=1)
    anchor_cost = anchor_params["smuggler_fee_usd"] * anchor_params["smuggler_fee_multiplier"]
    anchor_utility_terms = kernel.hazard_terms(  # intercept 0: z is decision.utility (tested)
        0.0,
        beta,
        anchor_terms,
        float(np.log(anchor_params["us_gdp_pc_ppp"])),
        float(np.log(max(anchor_cost, 1.0))),
        np.log(inputs.household_size),
        anchor_risk,
    )
    anchor_utilities, anchor_moments = kernel.anchor_moments(people, anchor_utility_terms)
    intercept = decision.anchor_intercept(
        params["base_departure_rate"], anchor_utilities, anchor_moments
    )
    del anchor_utilities, anchor_moments

    n_months, n_countries = len(inputs.months), len(inputs.countries)
    n_origins = network.origins.size
    counts = np.zeros((n_months, n_countries, len(METRICS)), dtype=np.int64)
    sector_encounters = np.zeros((n_months, n_countries, network.sectors.size), dtype=np.int64)
    log_cost = float(
        np.log(max(params["smuggler_fee_usd"] * params["smuggler_fee_multiplier"], 1.0))
    )
    log_us = float(np.log(params["us_gdp_pc_ppp"]))
    log_household_size = np.log(inputs.household_size)
    path_edges = np.ascontiguousarray(paths.edges)
    sampled = counts_by_country.astype(np.int64)
    path_length = np.ascontiguousarray(paths.length)
    base_interdiction = np.ascontiguousarray(props.interdiction, dtype=np.float64)
    death = np.ascontiguousarray(props.death, dtype=np.float64)
    # Mexican enforcement raises the interdiction hazard of every edge while in force
    mx_factor = 1.0 + params["mx_enforcement_effect"] * inputs.regime("mexico_enforcement")
    # what can end a trip on each edge, every month at once: [month, edge]
    edge_hazard, interdiction_share = kernel.edge_hazards(
        base_interdiction[None, :] * mx_factor[:, None], death[None, :]
    )

    # the sector choice of every month at once: [month, origin, sector]
    all_probs = _sector_probabilities(inputs.sector_shares, reachable)
    all_risk = (all_probs * failure).sum(axis=2)
    all_cdf = np.ascontiguousarray(all_probs.cumsum(axis=2))

    # every month's exogenous hazard terms at once (the same formula, broadcast over months)
    by_month = kernel.hazard_terms(
        intercept,
        beta,
        _month_terms_all(inputs, params),
        log_us,
        log_cost,
        log_household_size,
        all_risk,
    )
    border = border_rules(inputs, params)
    shares = type_shares(params)
    feedbacks = Feedbacks.start(border[0], people, n_countries, n_origins, params)
    backlog = Backlog.start(counts_by_country, inputs, params)
    assert inputs.covid is not None  # filled in SimInputs.__post_init__
    closed = inputs.covid

    def month_hazard_terms(t: int) -> kernel.HazardTerms:
        return kernel.HazardTerms(
            by_month.country_const[t]
            + feedbacks.country_term(params, shares)
            + backlog.term(float(closed[t]), params),
            by_month.violence[t],
            by_month.climate[t],
            by_month.origin_const[t] + feedbacks.origin_term(params),
            by_month.household,
        )

    index = None
    if not exact:
        people, index = kernel.skip_index(people, month_hazard_terms(0), n_countries)
        decisions = _DecisionStreams(root, n_months)
        skip = kernel.skip_lists(index)
    h = kernel.households(people)
    delay = int(params["reattempt_delay_months"])
    settle_delay = int(params["settle_delay_months"])
    return_rate = float(params["voluntary_return_rate"])
    in_us = np.zeros(n_countries, dtype=np.int64)
    dead = np.zeros(n_countries, dtype=np.int64)
    types = np.zeros((n_countries, len(kernel.TYPES), 2), dtype=np.int64)
    origins = np.zeros((n_origins, 2), dtype=np.int64)
    announced = announcement_signal(inputs.months)
    assert inputs.removal_capacity is not None and inputs.port_capacity is not None  # filled
    weights = household_weights(inputs, sampled)
    for t in range(n_months):
        if announced[t]:
            feedbacks.announce(float(announced[t]), params)
        terms = month_hazard_terms(t)
        journey = kernel.Journey(
            all_cdf[t],
            path_edges,
            path_length,
            edge_days32,
            edge_hazard[t],
            interdiction_share[t],
            DAYS_PER_MONTH,
        )
        month_border = border[t]
        if t > 0:
            month_border = border_capacity(
                border[t],
                counts[t - 1],
                weights,
                float(inputs.removal_capacity[t]),
                float(inputs.port_capacity[t]),
                params,
            )
        rules = kernel.BorderRules(
            feedbacks.type_cdf(params, shares), month_border, delay, settle_delay
        )
        types[:] = 0
        origins[:] = 0
        tally = kernel.Tally(counts[t], sector_encounters[t], types, origins)
        # people in the US go home at a small monthly rate (they rejoin their households, whose
        # family-abroad flag stays: others of the family remain)
        going_home = rng.binomial(in_us, min(return_rate, 1.0))
        in_us -= going_home
        counts[t, :, VOLUNTARY_RETURNS] = going_home
        if index is not None:
            if t > 0 and t % kernel.REFRESH_MONTHS == 0:
                kernel.refresh_block_bounds(people, index)
            kernel.fill_block_bounds(index, terms)
            kernel.month_skipping(
                rng, decisions.month(t), t, h, terms, journey, rules, skip, sampled, tally
            )
        else:
            kernel.month(rng, t, h, terms, journey, rules, sampled, tally)
        in_us += counts[t, :, RELEASED_US] + counts[t, :, GOT_AWAY] + counts[t, :, PORT_ENTRIES]
        dead += counts[t, :, DEATHS]
        counts[t, :, IN_US_STOCK] = in_us
        counts[t, :, DEAD_STOCK] = dead
        feedbacks.update(tally, params)
        backlog.update(float(closed[t]), tally.origins[:, kernel.O_DEPARTURES], params)
        if progress is not None:
            progress(t + 1, n_months)
    state_bytes = people.bytes_per_household()
    if index is not None:
        state_bytes += index.bytes_per_household()
    return Shard(counts, counts_by_country, state_bytes, sector_encounters)


class _DecisionStreams:
    """One decision generator per month, cheaply: the months' 128-bit PCG64 states and
    increments come from the shard's seed at once (derived without spawning, which would change
    ``root``, and apart from the shard's own children), and one generator is re-seated on the
    month's state instead of building a generator each month."""

    def __init__(self, root: np.random.SeedSequence, months: int) -> None:
        key = (*root.spawn_key, 2**32)
        words = np.random.SeedSequence(root.entropy, spawn_key=key).generate_state(
            4 * max(months, 1), np.uint64
        )
        self._words = words.reshape(-1, 4)
        self._bits = np.random.PCG64()
        self.generator = np.random.Generator(self._bits)

    def month(self, t: int) -> np.random.Generator:
        a, b, c, d = (int(w) for w in self._words[t])
        self._bits.state = {
            "bit_generator": "PCG64",
            "state": {"state": (a << 64) | b, "inc": (c << 64) | d | 1},
            "has_uint32": 0,
            "uinteger": 0,
        }
        return self.generator


class ShardTask(NamedTuple):
    """One shard of a run: its sampled households and its seed (spawned from the run's)."""

    households: int
    seed: np.random.SeedSequence


@dataclass(frozen=True)
class ShardJob:
    """What every shard of a run shares: the arguments of :func:`simulate` other than the
    shard's own. Serial, process-pool and Ray runs all hand this one record to
    :func:`simulate_shard`, so an option given to :func:`run` reaches every shard whoever runs
    it; ``options`` carries any further keyword of :func:`simulate` (``exact`` …) without this
    code naming it."""

    inputs: SimInputs
    params: Mapping[str, float]
    anchor_params: Mapping[str, float]
    options: Mapping[str, Any] = field(default_factory=dict)


def simulate_shard(job: ShardJob, task: ShardTask, progress: Progress | None = None) -> Shard:
    """:func:`simulate` of one shard (module level: process pools and Ray pickle it by name)."""
    return simulate(
        inputs=job.inputs,
        params=job.params,
        anchor_params=job.anchor_params,
        households=task.households,
        seed=task.seed,
        progress=progress,
        **job.options,
    )


ShardFunction = Callable[[ShardJob, ShardTask], Shard]
# map_shards(fn, job, tasks): fn(job, task) for every task, the shards in task order; serially,
# in processes (run's default) or as Ray tasks (rootcauses.sim.ensemble.shard_map)
MapShards = Callable[[ShardFunction, ShardJob, Sequence[ShardTask]], Iterable[Shard]]


def shard_sizes(households: int, shard_size: int = SHARD_SIZE) -> list[int]:
    if households < 1:
        raise SimError(f"--households must be at least 1, got {households}")
    full, rest = divmod(households, shard_size)
    return [shard_size] * full + ([rest] if rest else [])


def shard_tasks(households: int, seed: int, shard_size: int = SHARD_SIZE) -> list[ShardTask]:
    """The shards of a run: fixed sizes, seeds spawned from the run's seed. Nothing else
    decides them, so a result depends on the seed only, never on the workers or the backend."""
    sizes = shard_sizes(households, shard_size)
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    return [ShardTask(size, child) for size, child in zip(sizes, seeds, strict=True)]


def _process_map(workers: int) -> MapShards:
    """``map_shards`` over ``workers`` forked processes."""

    def map_shards(fn: ShardFunction, job: ShardJob, tasks: Sequence[ShardTask]) -> Iterator[Shard]:
        # load the compiled kernels here, once: the forked workers inherit them instead of each
        # loading numba's cache on its first shard (seconds on a busy machine)
        warm = ShardTask(len(job.inputs.countries), np.random.SeedSequence(0))
        fn(replace(job, inputs=job.inputs.head(1)), warm)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from pool.map(partial(fn, job), tasks)

    return map_shards


def _months_done(progress: Progress | None, before: int, total: int) -> Progress | None:
    """A shard's month-by-month ``progress``, counted over the whole run."""
    if progress is None:
        return None
    return lambda t, _n: progress(before + t, total)


def _check_options(options: Mapping[str, Any]) -> None:
    """Fail on the driver, before any shard runs, for a keyword :func:`simulate` does not take."""
    known = inspect.signature(simulate).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in known.values()):
        return
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise SimError(f"simulate() takes no option {', '.join(unknown)}")


@dataclass(frozen=True)
class RunCounts:
    """Weighted counts of one run: [month, country, metric] in real-world units."""

    countries: tuple[str, ...]
    months: tuple[dt.date, ...]
    values: np.ndarray  # float64
    weights: np.ndarray  # real households per sampled household, per country
    bytes_per_household: float
    sectors: tuple[str, ...] = ()  # US sector ids (network.sectors)
    sector_encounters: np.ndarray | None = None  # float64 [month, country, sector], weighted

    def frame(self) -> pd.DataFrame:
        """Long form: month, citizenship, metric, value."""
        m, c, k = np.meshgrid(
            np.arange(len(self.months)),
            np.arange(len(self.countries)),
            np.arange(len(METRICS)),
            indexing="ij",
        )
        return pd.DataFrame(
            {
                "month": np.array(self.months, dtype=object)[m.ravel()],
                "citizenship": np.array(self.countries, dtype=object)[c.ravel()],
                "metric": np.array(METRICS, dtype=object)[k.ravel()],
                "value": self.values.ravel(),
            }
        )


def household_weights(inputs: SimInputs, sampled: np.ndarray) -> np.ndarray:
    """[country] real households each sampled household stands for (0 where none sampled)."""
    weights: np.ndarray = np.where(sampled > 0, inputs.households / np.maximum(sampled, 1), 0.0)
    return weights


def _weighted(inputs: SimInputs, shards: Sequence[Shard]) -> RunCounts:
    """The shards summed (integers: the order they finish in cannot change the sum) and
    weighted to real households; one place for every backend, so none drops an output."""
    sampled = sum(s.sampled for s in shards)
    weights = household_weights(inputs, np.asarray(sampled))
    return RunCounts(
        countries=inputs.countries,
        months=inputs.months,
        values=sum(s.counts for s in shards) * weights[None, :, None],
        weights=weights,
        bytes_per_household=max(s.bytes_per_household for s in shards),
        sectors=tuple(str(s) for s in inputs.network.node_ids[inputs.network.sectors]),
        sector_encounters=sum(s.sector_encounters for s in shards) * weights[None, :, None],
    )


def run(
    inputs: SimInputs,
    params: Mapping[str, float],
    anchor_params: Mapping[str, float],
    *,
    households: int,
    seed: int,
    workers: int = 1,
    progress: Progress | None = None,
    shard_size: int = SHARD_SIZE,
    map_shards: MapShards | None = None,
    **options: Any,
) -> RunCounts:
    """All shards of a run, summed and weighted: the one shard runner behind serial runs,
    ``workers`` > 1 processes, and Ray (``map_shards``, see
    :func:`rootcauses.sim.ensemble.shard_map`; ``workers`` is then unused). ``options`` are
    further keywords of :func:`simulate` (``exact=True`` …), given to every shard in one
    :class:`ShardJob`. ``progress`` counts shard-months: month by month when serial, a shard at
    a time otherwise."""
    _check_options(options)
    tasks = shard_tasks(households, seed, shard_size)
    job = ShardJob(inputs, dict(params), dict(anchor_params), dict(options))
    n_months = len(inputs.months)
    total = len(tasks) * n_months
    if map_shards is None and (workers <= 1 or len(tasks) == 1):
        shards = [
            simulate_shard(job, task, _months_done(progress, i * n_months, total))
            for i, task in enumerate(tasks)
        ]
        return _weighted(inputs, shards)
    shards = []
    for shard in (map_shards or _process_map(workers))(simulate_shard, job, tasks):
        shards.append(shard)
        if progress is not None:
            progress(len(shards) * n_months, total)
    return _weighted(inputs, shards)


# --------------------------------------------------------------------------- inputs from the store


def _fill(series: pd.Series) -> pd.Series:
    return series.ffill().bfill()


def regime_shares(con: duckdb.DuckDBPyConnection, index: pd.DatetimeIndex) -> np.ndarray:
    """[month, regime] share of each month's days each regime of :data:`SIM_REGIMES` was in
    force, from the policy events over the whole simulated range (events dated after the
    encounter data ends apply too; a regime with no event is never in force)."""
    from rootcauses.store import query

    events = query.events(con, categories=["policy"])
    shares = panel.regime_shares(events, index, SIM_REGIMES, require=False)
    out: np.ndarray = shares.to_numpy(dtype=float)
    return out


# CBP's demographic labels → the model's migrant types (accompanied minors travel with family)
RECORDED_TYPES = {"UAC": "uac", "FMUA": "family", "ACCOMPANIED_MINOR": "family"}
RECORDED_MINIMUM = 100  # fewer encounters of a type in a month: its share is not used


def recorded_expulsion_shares(
    con: duckdb.DuckDBPyConnection, index: pd.DatetimeIndex, countries: Sequence[str]
) -> np.ndarray:
    """[month, type] Title 42 expulsions as a share of each type's southwest-border encounters of
    ``countries`` in CBP's monthly releases by demographic and title of authority (source
    ``cbp_state``, FY2020 on); NaN for months the store does not cover or with fewer than
    :data:`RECORDED_MINIMUM` encounters of the type."""
    out = np.full((len(index), len(kernel.TYPES)), np.nan)
    frame = con.execute(
        """
        SELECT month, demographic, authority, sum(count) AS n FROM encounters
        WHERE source = 'cbp_state' AND region = 'Southwest Land Border'
          AND citizenship IN (SELECT unnest(?)) GROUP BY ALL
        """,
        [list(countries)],
    ).df()
    if frame.empty:
        return out
    frame["type"] = frame["demographic"].map(RECORDED_TYPES).fillna("single")
    frame["month"] = pd.to_datetime(frame["month"])
    wide = frame.pivot_table(
        index="month", columns=["type", "authority"], values="n", aggfunc="sum", fill_value=0
    )
    for k, name in enumerate(kernel.TYPES):
        if name not in wide.columns.get_level_values(0):
            continue
        by_title = wide[name]
        total = by_title.sum(axis=1)
        expelled = by_title["T42"] if "T42" in by_title.columns else total * 0
        share = (expelled / total).where(total >= RECORDED_MINIMUM)
        out[:, k] = share.reindex(index).to_numpy(dtype=float)
    return out


def removal_capacity(
    con: duckdb.DuckDBPyConnection, index: pd.DatetimeIndex, countries: Sequence[str]
) -> np.ndarray:
    """[month] ICE removals of ``countries``' citizens in the month's fiscal year / 12 (source
    ``ice_removals``, transcribed from ICE's annual reports; the nearest fiscal year outside
    them); NaN throughout when the store has none."""
    frame = con.execute(
        """
        SELECT year(period) + 1 AS fiscal_year, sum(value) AS removals FROM indicators
        WHERE indicator = 'ice_removals_fy' AND country IN (SELECT unnest(?))
        GROUP BY ALL HAVING count(*) = ? ORDER BY fiscal_year
        """,
        [list(countries), len(countries)],
    ).df()
    if frame.empty:
        return np.full(len(index), np.nan)
    by_year = frame.set_index("fiscal_year")["removals"]
    fiscal = np.clip(index.year + (index.month >= 10), by_year.index.min(), by_year.index.max())
    monthly: np.ndarray = by_year.reindex(fiscal).ffill().to_numpy(dtype=float) / 12
    return monthly


def port_capacity(
    con: duckdb.DuckDBPyConnection, index: pd.DatetimeIndex, countries: Sequence[str]
) -> np.ndarray:
    """[month] southwest-border port-of-entry (OFO) encounters of ``countries``' citizens in
    CBP's monthly release (source ``cbp_sw``, FY2022 on), the last one held after it (as the
    drivers are); NaN before the first."""
    frame = con.execute(
        """
        SELECT month, sum(count) AS n FROM encounters
        WHERE source = 'cbp_sw' AND component = 'OFO' AND citizenship IN (SELECT unnest(?))
        GROUP BY ALL
        """,
        [list(countries)],
    ).df()
    if frame.empty:
        return np.full(len(index), np.nan)
    by_month = frame.set_index(pd.to_datetime(frame["month"]))["n"]
    held = by_month.reindex(by_month.index.union(index)).ffill().reindex(index)
    monthly: np.ndarray = held.to_numpy(dtype=float)
    return monthly


def border_capacity(
    border: np.ndarray,
    last: np.ndarray,
    weights: np.ndarray,
    removals: float,
    ports: float,
    params: Mapping[str, float],
) -> np.ndarray:
    """The month's border rules [type, …] within what the US could process, judged from last
    month's counts ([country, metric], sampled, weighted to real people with ``weights``):

    * **removals**: last month's encounters by type times their removal probability is the
      demand; above ``removals`` × ``removal_capacity_share`` (the part of the recorded removals
      that goes to recent border crossers) every removal probability shrinks by their ratio, and
      the rest are released;
    * **ports of entry**: last month's adults at the border (families and single adults
      encountered, got away or at a port) times the port share is the demand for appointments;
      above ``ports`` (the recorded port-of-entry encounters) the port share shrinks by their
      ratio, and the rest cross between ports.

    A NaN capacity (no record) sets no limit."""
    capped = border
    if np.isfinite(removals) and params["removal_capacity_share"] > 0:
        encounters = last[:, kernel.ENCOUNTERS_UAC : kernel.ENCOUNTERS_SINGLE + 1]
        demand = float(weights @ (encounters @ border[:, kernel.B_REMOVE]))
        limit = removals * params["removal_capacity_share"]
        if demand > limit:
            capped = capped.copy()
            capped[:, kernel.B_REMOVE] *= limit / demand
    share = float(border[:, kernel.B_PORT].max())
    if np.isfinite(ports) and share > 0:
        adults = last[:, [kernel.ENCOUNTERS_FAMILY, kernel.ENCOUNTERS_SINGLE]].sum(axis=1)
        adults = adults + last[:, kernel.GOT_AWAY] + last[:, kernel.PORT_ENTRIES]
        demand = float(weights @ adults) * share
        if demand > ports:
            capped = capped.copy() if capped is border else capped
            capped[:, kernel.B_PORT] *= ports / demand
    return capped


def storm_exposure(
    con: duckdb.DuckDBPyConnection,
    index: pd.DatetimeIndex,
    countries: Sequence[str],
    keep: Callable[[str], object] | None = None,
) -> np.ndarray:
    """[month, country] Σ over the hurricanes HURDAT2 tracks over or near the country (events
    from :data:`STORM_SOURCE`) of exp(−months since the storm / STORM_MEMORY_MONTHS), from the
    storm's month on (Eta and Iota in November 2020 among them); only the events whose text
    ``keep`` accepts, if given."""
    from rootcauses.store import query

    events = query.events(con, categories=["disaster"], countries=list(countries))
    events = events[events["source"] == STORM_SOURCE]
    out = np.zeros((len(index), len(countries)))
    month_number = np.asarray(index.year * 12 + index.month)
    for row in events.itertuples():
        if keep is not None and not keep(row.event):
            continue
        since = month_number - (row.date.year * 12 + row.date.month)
        hit = np.where(since >= 0, np.exp(-np.maximum(since, 0) / STORM_MEMORY_MONTHS), 0.0)
        out[:, list(countries).index(row.country)] += hit
    return out


def announcement_signal(months: Sequence[dt.date]) -> np.ndarray:
    """[month] the direction of each :data:`ANNOUNCEMENTS` entry in the first month that starts
    after its date (the month households first decide knowing it), 0 elsewhere."""
    out = np.zeros(len(months))
    for date, direction, _, _ in ANNOUNCEMENTS:
        first = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        out[[t for t, month in enumerate(months) if month == first]] += direction
    return out


def covid_closure(index: pd.DatetimeIndex) -> np.ndarray:
    """[month] share of each month's days within :data:`COVID_CLOSURE`."""
    share: np.ndarray = panel.regime_share(*COVID_CLOSURE, index).to_numpy()
    return share


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    network: Network,
    *,
    start: dt.date,
    months: int,
    countries: Sequence[str] = NORTHERN_TRIANGLE,
) -> SimInputs:
    """Drivers from the analysis panel as households lived them (:data:`panel.LIVED`: annual
    values interpolated and lagged a year, monthly ones a month — not the publication timing a
    forecaster faces; gaps and months past the panel's end carry the last value), policy regimes,
    storms and COVID closures over the whole range (events after the panel's end apply),
    households from population and household size, USBP sector shares by fiscal year (the
    nearest year outside the data)."""
    drivers = panel.monthly_panel(con, basis="usbp", countries=countries, rules=panel.LIVED)
    index = pd.date_range(pd.Timestamp(start), periods=months, freq="MS")
    columns = {}
    for name in ("homicide_rate", "log_gdp_pc", "precip_z", "us_unemployment"):
        wide = drivers.pivot(index="month", columns="country", values=name)
        wide = wide.reindex(wide.index.union(index)).apply(_fill).reindex(index)
        if wide.isna().all().any():
            missing = list(wide.columns[wide.isna().all()])
            raise SimError(f"the panel has no {name!r} for {missing}: cannot drive the simulation")
        columns[name] = wide.reindex(columns=list(countries)).to_numpy(dtype=float)
    precip = np.nan_to_num(columns["precip_z"], nan=0.0)
    regimes = regime_shares(con, index)
    sizes = pop.real_households(con, countries, start.year)

    shares = con.execute("SELECT fiscal_year, sector_id, share FROM journey_sector_shares").df()
    wide = shares.pivot(index="fiscal_year", columns="sector_id", values="share").fillna(0.0)
    sector_ids = list(network.node_ids[network.sectors])
    wide = wide.reindex(columns=sector_ids, fill_value=0.0)
    fiscal = index.year + (index.month >= 10)
    nearest = np.clip(fiscal, wide.index.min(), wide.index.max())
    sector_shares = wide.loc[nearest].to_numpy(dtype=float)
    return SimInputs(
        countries=tuple(countries),
        months=tuple(d.date() for d in index),
        homicide_rate=columns["homicide_rate"],
        log_gdp_pc=columns["log_gdp_pc"],
        precip_z=precip,
        households=sizes["households"].to_numpy(dtype=float),
        household_size=sizes["household_size"].to_numpy(dtype=float),
        network=network,
        sector_shares=sector_shares,
        regimes=regimes,
        recorded_expulsion=recorded_expulsion_shares(con, index, countries),
        removal_capacity=removal_capacity(con, index, countries),
        port_capacity=port_capacity(con, index, countries),
        covid=covid_closure(index),
        storms=storm_exposure(con, index, countries),
        us_unemployment=columns["us_unemployment"][:, 0],
    )
