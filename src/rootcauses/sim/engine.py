"""The simulation engine: households as columns, one month at a time.

Each month, every household goes through these steps (one sent home this month does not decide
again before the next month, and one that leaves travels at once). By default a month runs in
the event-skipping kernel (:func:`rootcauses.sim.kernel.month_skipping`): it visits only the
households on the way, in the US (at the return rate) and the candidates for a departure drawn by
thinning against block-wise hazard bounds, which leaves the departure process unchanged in
distribution (tested against the per-household pass). ``exact=True`` runs the per-household
pass (:func:`rootcauses.sim.kernel.month`), which draws for every household every month:

1. households at home whose cooldown is over decide (:mod:`rootcauses.sim.decision`); those who
   leave choose a US sector (the year's USBP sector shares, among sectors their origin reaches);
2. everyone on the way travels a month (:func:`rootcauses.sim.kernel.travel`):
   Mexican interdiction (back home, one more attempt), death, or arrival at the border;
3. at the border: encounter by USBP or not (got away); the encountered are removed/returned/
   expelled (Title 42 raises the probability while in force) or released;
4. migrants in the US go home at a small monthly rate.

Python does only what is the same for a whole country, origin or month (:func:`_month_terms`,
the sector choice probabilities, :func:`rootcauses.sim.kernel.hazard_terms`); the hazard itself
is the documented :func:`rootcauses.sim.decision.departure_probability`, rearranged (tested equal).
Counts per month and country (and encounters by US sector) are unweighted here; :func:`run` scales
them to real households.
Conservation holds by construction and is tested: cumulative departures = on the way +
cumulative (interdicted + dead + returned by the US + released + got away).

Large runs are split into fixed-size shards with seeds spawned from the run's seed, so the result
depends on the seed only, not on how many workers run the shards. Within a shard, decisions in
the skipping kernel draw from a generator of their own per month (:class:`_DecisionStreams`), so
runs with nearby parameters share their draws (smoother for calibration); the rest from the
shard's one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.sim import decision, kernel
from rootcauses.sim import population as pop
from rootcauses.sim.errors import SimError
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
DETERRENCE_REGIMES = ("mpp", "mexico_enforcement", "title_42", "securing_the_border")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SimInputs:
    """Everything a run reads, as arrays: drivers are [month, country]."""

    countries: tuple[str, ...]
    months: tuple[dt.date, ...]
    homicide_rate: np.ndarray
    log_gdp_pc: np.ndarray
    precip_z: np.ndarray
    deterrence: np.ndarray  # sum of the regimes' shares in force
    title_42: np.ndarray  # share of the month Title 42 was in force
    households: np.ndarray  # real households per country
    household_size: np.ndarray  # persons per household per country
    network: Network
    sector_shares: np.ndarray  # [month, sector] USBP sector shares

    def __post_init__(self) -> None:
        shape = (len(self.months), len(self.countries))
        for name in ("homicide_rate", "log_gdp_pc", "precip_z", "deterrence", "title_42"):
            got = getattr(self, name).shape
            if got != shape:
                raise SimError(f"driver {name!r} has shape {got}; expected {shape}")
        if self.sector_shares.shape != (len(self.months), self.network.sectors.size):
            raise SimError("sector_shares must be [months, sectors of the network]")
        if self.network.origins.size > 255 or self.network.sectors.size > 255:
            raise SimError("at most 255 origins and 255 sectors (uint8 state)")

    def head(self, months: int) -> SimInputs:
        if months > len(self.months):
            raise SimError(
                f"--months {months}: the inputs cover {len(self.months)} months "
                f"({self.months[0]:%Y-%m} to {self.months[-1]:%Y-%m})"
            )
        cut = {
            k: getattr(self, k)[:months]
            for k in ("homicide_rate", "log_gdp_pc", "precip_z", "deterrence", "title_42")
        }
        return replace(
            self, months=self.months[:months], sector_shares=self.sector_shares[:months], **cut
        )


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


def _month_terms_all(inputs: SimInputs, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Country- and month-level parts of x (levers applied) for every month: [month, country]
    arrays, deterrence [month, 1]."""
    growth = params["income_growth_extra"] * np.arange(len(inputs.months))[:, None] / 12
    return {
        "log_homicide": np.log(
            np.maximum(inputs.homicide_rate * params["violence_multiplier"], 0.01)
        ),
        "income_shift": inputs.log_gdp_pc - inputs.log_gdp_pc[0] + growth,
        "drought": np.maximum(0.0, -inputs.precip_z) + params["climate_shock_add"],
        "deterrence": inputs.deterrence.mean(axis=1, keepdims=True) + params["deterrence_add"],
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
    log_income = people.log_income[idx] + terms["income_shift"][c]
    annual_household_income = log_income + np.log(inputs.household_size[c])
    cost = params["smuggler_fee_usd"] * params["smuggler_fee_multiplier"]
    return decision.Drivers(
        log_homicide=terms["log_homicide"][c],
        violence_exposure=people.violence[idx],
        income_gap=np.log(params["us_gdp_pc_ppp"]) - log_income,
        drought=terms["drought"][c],
        climate_exposed=people.climate[idx],
        network=people.network[idx],
        remittance=people.remittance[idx],
        log_cost_ratio=np.log(max(cost, 1.0)) - annual_household_income,
        risk=risk_by_origin[people.origin[idx]],
        deterrence=terms["deterrence"],
        attempts=people.attempts[idx],
    )


def _sector_probabilities(shares: np.ndarray, reachable: np.ndarray) -> np.ndarray:
    """[origin, sector] choice probabilities: the month's shares among reachable sectors
    (``shares`` [sector]); for ``shares`` [month, sector], [month, origin, sector]."""
    weights = reachable * shares[..., None, :]
    totals = weights.sum(axis=-1, keepdims=True)
    uniform = reachable / reachable.sum(axis=1, keepdims=True)
    return np.where(totals > 0, weights / np.where(totals > 0, totals, 1), uniform)


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
    counts = np.zeros((n_months, n_countries, len(METRICS)), dtype=np.int64)
    sector_encounters = np.zeros((n_months, n_countries, network.sectors.size), dtype=np.int64)
    base_return = params["us_return_probability"]
    t42_return = params["title42_expulsion_probability"]
    log_cost = float(
        np.log(max(params["smuggler_fee_usd"] * params["smuggler_fee_multiplier"], 1.0))
    )
    log_us = float(np.log(params["us_gdp_pc_ppp"]))
    log_household_size = np.log(inputs.household_size)
    path_edges = np.ascontiguousarray(paths.edges)
    sampled = counts_by_country.astype(np.int64)
    path_length = np.ascontiguousarray(paths.length)
    interdiction = np.ascontiguousarray(props.interdiction, dtype=np.float64)
    death = np.ascontiguousarray(props.death, dtype=np.float64)

    # the sector choice of every month at once: [month, origin, sector]
    all_probs = _sector_probabilities(inputs.sector_shares, reachable)
    all_risk = (all_probs * failure).sum(axis=2)
    all_cdf = np.ascontiguousarray(all_probs.cumsum(axis=2))

    # every month's hazard terms at once (the same formula, broadcast over months)
    by_month = kernel.hazard_terms(
        intercept,
        beta,
        _month_terms_all(inputs, params),
        log_us,
        log_cost,
        log_household_size,
        all_risk,
    )

    def month_hazard_terms(t: int) -> kernel.HazardTerms:
        return kernel.HazardTerms(
            by_month.country_const[t],
            by_month.violence[t],
            by_month.climate[t],
            by_month.origin_const[t],
            by_month.household,
        )

    index = None
    if not exact:
        people, index = kernel.skip_index(people, month_hazard_terms(0), n_countries)
        decisions = _DecisionStreams(root, n_months)

    # every month's return probability at once (one reduction instead of one per month)
    t42_by_month = inputs.title_42.mean(axis=1)
    for t in range(n_months):
        terms = month_hazard_terms(t)
        t42 = float(t42_by_month[t])
        p_return = min(
            1.0, params["us_return_multiplier"] * (base_return + t42 * (t42_return - base_return))
        )
        if index is not None:
            _skipping_month(
                rng,
                decisions.month(t),
                t,
                people,
                index,
                terms,
                all_cdf[t],
                path_edges,
                path_length,
                edge_days32,
                interdiction,
                death,
                float(params["us_encounter_probability"]),
                p_return,
                float(params["voluntary_return_rate"]),
                int(params["reattempt_delay_months"]),
                sampled,
                counts[t],
                sector_encounters[t],
            )
            if progress is not None:
                progress(t + 1, n_months)
            continue
        kernel.month(
            rng,
            people.country,
            people.origin,
            people.log_income,
            people.violence,
            people.climate,
            people.remittance,
            people.network,
            people.attempts,
            people.status,
            people.cooldown,
            people.sector,
            people.step,
            people.days_left,
            terms.country_const,
            terms.violence,
            terms.climate,
            terms.origin_const,
            terms.household,
            all_cdf[t],
            path_edges,
            path_length,
            edge_days32,
            interdiction,
            death,
            DAYS_PER_MONTH,
            float(params["us_encounter_probability"]),
            p_return,
            float(params["voluntary_return_rate"]),
            int(params["reattempt_delay_months"]),
            sampled,
            counts[t],
            sector_encounters[t],
        )
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


def _skipping_month(
    rng: np.random.Generator,
    decide_rng: np.random.Generator,
    t: int,
    people: pop.Population,
    index: kernel.SkipIndex,
    terms: kernel.HazardTerms,
    sector_cdf: np.ndarray,
    path_edges: np.ndarray,
    path_length: np.ndarray,
    edge_days: np.ndarray,
    interdiction: np.ndarray,
    death: np.ndarray,
    encounter_probability: float,
    return_probability: float,
    voluntary_return_rate: float,
    delay: int,
    sampled: np.ndarray,
    counts: np.ndarray,
    sector_encounters: np.ndarray,
) -> None:
    """Month ``t`` in the event-skipping kernel: block bounds, then the month."""
    if t > 0 and t % kernel.REFRESH_MONTHS == 0:
        kernel.refresh_block_bounds(people, index)
    kernel.fill_block_bounds(index, terms)
    kernel.month_skipping(
        rng,
        decide_rng,
        t,
        people.country,
        people.origin,
        people.log_income,
        people.violence,
        people.climate,
        people.remittance,
        people.network,
        people.attempts,
        people.status,
        people.sector,
        people.step,
        people.days_left,
        index.eligible_from,
        index.transit,
        index.in_us,
        index.sizes,
        index.stocks,
        index.block_start,
        index.static_max,
        index.violence_ref,
        index.rate,
        terms.country_const,
        terms.violence,
        terms.climate,
        terms.origin_const,
        terms.household,
        sector_cdf,
        path_edges,
        path_length,
        edge_days,
        interdiction,
        death,
        DAYS_PER_MONTH,
        encounter_probability,
        return_probability,
        voluntary_return_rate,
        delay,
        sampled,
        counts,
        sector_encounters,
    )


def _simulate_job(job: tuple) -> Shard:
    *args, exact = job
    return simulate(*args, exact=exact)


def shard_sizes(households: int, shard_size: int = SHARD_SIZE) -> list[int]:
    if households < 1:
        raise SimError(f"--households must be at least 1, got {households}")
    full, rest = divmod(households, shard_size)
    return [shard_size] * full + ([rest] if rest else [])


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
    exact: bool = False,
) -> RunCounts:
    """All shards of a run (in ``workers`` processes when > 1), summed and weighted; ``exact``
    as in :func:`simulate`."""
    sizes = shard_sizes(households, shard_size)
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    n_months = len(inputs.months)
    total = len(sizes) * n_months
    shards: list[Shard] = []
    if workers <= 1 or len(sizes) == 1:
        for i, (size, child) in enumerate(zip(sizes, seeds, strict=True)):
            done = i * n_months

            def shard_progress(t: int, _n: int, done: int = done) -> None:
                if progress is not None:
                    progress(done + t, total)

            shards.append(
                simulate(inputs, params, anchor_params, size, child, shard_progress, exact=exact)
            )
    else:
        # load the compiled kernels here, once: the forked workers inherit them instead of each
        # loading numba's cache on its first shard (seconds on a busy machine)
        simulate(inputs.head(1), params, anchor_params, len(inputs.countries), 0, exact=exact)
        jobs = [
            (inputs, dict(params), dict(anchor_params), s, c, None, exact)
            for s, c in zip(sizes, seeds, strict=True)
        ]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, shard in enumerate(pool.map(_simulate_job, jobs)):
                shards.append(shard)
                if progress is not None:
                    progress((i + 1) * n_months, total)
    counts = sum(s.counts for s in shards)
    sampled = sum(s.sampled for s in shards)
    weights = np.where(sampled > 0, inputs.households / np.maximum(sampled, 1), 0.0)
    return RunCounts(
        countries=inputs.countries,
        months=inputs.months,
        values=counts * weights[None, :, None],
        weights=weights,
        bytes_per_household=max(s.bytes_per_household for s in shards),
        sectors=tuple(str(s) for s in inputs.network.node_ids[inputs.network.sectors]),
        sector_encounters=sum(s.sector_encounters for s in shards) * weights[None, :, None],
    )


# --------------------------------------------------------------------------- inputs from the store


def _fill(series: pd.Series) -> pd.Series:
    return series.ffill().bfill()


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    network: Network,
    *,
    start: dt.date,
    months: int,
    countries: Sequence[str] = NORTHERN_TRIANGLE,
) -> SimInputs:
    """Drivers from the analysis panel (same lags and interpolation as the driver models; gaps
    and months past the panel's end carry the last value), households from population and
    household size, USBP sector shares by fiscal year (the nearest year outside the data)."""
    from rootcauses import panel as panel_module

    panel = panel_module.monthly_panel(con, basis="usbp", countries=countries)
    index = pd.date_range(pd.Timestamp(start), periods=months, freq="MS")
    columns = {}
    for name in ("homicide_rate", "log_gdp_pc", "precip_z", "title_42", *DETERRENCE_REGIMES):
        wide = panel.pivot(index="month", columns="country", values=name)
        wide = wide.reindex(wide.index.union(index)).apply(_fill).reindex(index)
        if wide.isna().all().any():
            missing = list(wide.columns[wide.isna().all()])
            raise SimError(f"the panel has no {name!r} for {missing}: cannot drive the simulation")
        columns[name] = wide.reindex(columns=list(countries)).to_numpy(dtype=float)
    precip = np.nan_to_num(columns["precip_z"], nan=0.0)
    deterrence = sum(columns[r] for r in DETERRENCE_REGIMES)
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
        deterrence=deterrence,
        title_42=columns["title_42"],
        households=sizes["households"].to_numpy(dtype=float),
        household_size=sizes["household_size"].to_numpy(dtype=float),
        network=network,
        sector_shares=sector_shares,
    )
