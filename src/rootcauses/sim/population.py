"""Synthetic households as columns: one small-dtype NumPy array per state variable.

A run samples ``n`` households split across countries in proportion to their real number
(population / average household size, both from the store); each sampled household stands for
``weight_c = real households_c / sampled_c`` real ones, so results come out in real-world units.
State takes 24 bytes per household (:func:`Population.bytes_per_household`; the budget is 64);
the engine's event-skipping kernel stores it as one 24-byte record per household and adds
~5 bytes of index (:class:`rootcauses.sim.kernel.SkipIndex`).

A household is a group of people, not one migrant: when a member leaves, the household stays and
keeps deciding (a second member may leave later, helped by family abroad and remittances). Status
codes: ``HOME`` (no member on the way; may decide from month ``eligible_from``), ``TRANSIT`` (a
member is on the way, of migrant type ``mtype``). People who settle in the US or die on the way
leave the household; the engine counts them as stocks per country.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import duckdb
import numpy as np
import pandas as pd

from rootcauses.sim.errors import SimError
from rootcauses.store import query

HOME, TRANSIT = 0, 1


@dataclass
class Population:
    """Household state arrays (all of one length)."""

    country: np.ndarray  # uint8 index into the run's countries
    origin: np.ndarray  # uint8 index into network.origins
    log_income: np.ndarray  # float32 log annual income per capita, intl $ PPP at the start
    violence: np.ndarray  # float32 exposure to violence (mean 1)
    climate: np.ndarray  # uint8 0/1 income depends on rain-fed farming
    remittance: np.ndarray  # uint8 0/1 receives remittances
    network: np.ndarray  # uint8 0/1 family abroad
    attempts: np.ndarray  # uint8 prior attempts (saturates at 255)
    status: np.ndarray  # uint8 HOME / TRANSIT
    eligible_from: np.ndarray  # uint16 first month (run index) the household may decide again
    sector: np.ndarray  # uint8 destination sector index (while in transit)
    step: np.ndarray  # uint8 edge position on the path (while in transit)
    days_left: np.ndarray  # float32 days left on the current edge (while in transit)
    mtype: np.ndarray  # uint8 migrant type of the trip (kernel.TYPES), RECROSSING flag

    def __len__(self) -> int:
        return int(self.status.size)

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def bytes_per_household(self) -> float:
        return sum(a.nbytes for a in self.arrays().values()) / max(1, len(self))


def allocate(n: int, real: np.ndarray) -> np.ndarray:
    """Split ``n`` sampled households across strata in proportion to ``real`` (largest
    remainder, so the counts sum to ``n`` exactly)."""
    real = np.asarray(real, dtype=float)
    if n < real.size:
        raise SimError(f"--households {n} is fewer than the {real.size} countries simulated")
    quota = n * real / real.sum()
    counts: np.ndarray = np.floor(quota).astype(np.int64)
    short = n - counts.sum()
    counts[np.argsort(-(quota - counts), kind="stable")[:short]] += 1
    return counts


def real_households(
    con: duckdb.DuckDBPyConnection, countries: Sequence[str], year: int
) -> pd.DataFrame:
    """Population, average household size and households per country for ``year`` (the latest
    observation at or before it; the earliest after it when there is none)."""
    rows = []
    for country in countries:
        values = {}
        for name in ("population", "household_size_avg"):
            long = query.indicator(con, name, countries=[country])
            if long.empty:
                raise SimError(f"the store has no {name!r} for {country}: cannot size households")
            years = pd.to_datetime(long["period"]).dt.year
            before = long[years <= year]
            pick = before.iloc[-1] if not before.empty else long.iloc[0]
            values[name] = float(pick["value"])
        rows.append(
            {
                "country": country,
                "population": values["population"],
                "household_size": values["household_size_avg"],
                "households": values["population"] / values["household_size_avg"],
            }
        )
    return pd.DataFrame(rows)


def _below(u: np.ndarray, share: float) -> np.ndarray:
    """uint8 0/1 of ``u < share``, written straight into the uint8 array (no bool temporary)."""
    out = np.empty(u.size, dtype=np.uint8)
    np.less(u, share, out=out.view(np.bool_))
    return out


def synthesize(
    counts: np.ndarray,
    origins_by_country: Sequence[np.ndarray],
    log_income_mean: np.ndarray,
    params: Mapping[str, float],
    rng: np.random.Generator,
) -> Population:
    """Draw ``counts[c]`` households for each country ``c``: origin (uniform over the country's
    origin nodes), log income, violence exposure, climate exposure, remittances, network."""
    n = int(counts.sum())
    country = np.repeat(np.arange(counts.size, dtype=np.uint8), counts)
    origin = np.empty(n, dtype=np.uint8)
    ends = np.cumsum(counts)
    for c, options in enumerate(origins_by_country):
        start, end = int(ends[c] - counts[c]), int(ends[c])  # country c's rows (sorted)
        if end > start and len(options) == 0:
            raise SimError(f"no origin node in the network for country index {c}")
        if end > start:
            picks = rng.integers(0, len(options), size=end - start)
            origin[start:end] = np.asarray(options, dtype=np.uint8)[picks]
    # float32 draws: the state is float32 anyway, and they take half the time; every step
    # writes into its array in place (no temporaries beyond the one uniform buffer)
    sigma = params["income_sigma"]
    base = (
        np.asarray(log_income_mean, dtype=float)[: counts.size]
        + np.log(params["income_share_of_gdp"])
        - 0.5 * sigma**2
    ).astype(np.float32)
    log_income = rng.standard_normal(n, dtype=np.float32)
    log_income *= np.float32(sigma)
    for c in range(counts.size):
        log_income[int(ends[c] - counts[c]) : int(ends[c])] += base[c]
    vs = params["violence_sigma"]
    violence = rng.standard_normal(n, dtype=np.float32)
    violence *= np.float32(vs)
    violence -= np.float32(0.5 * vs**2)
    np.exp(violence, out=violence)
    u = rng.random(n, dtype=np.float32)
    climate = _below(u, params["climate_exposed_share"])
    rng.random(dtype=np.float32, out=u)
    remittance = _below(u, params["remittance_share"])
    network = _below(u, max(params["network_share"], params["remittance_share"]))
    return Population(
        country=country,
        origin=origin,
        log_income=log_income,
        violence=violence,
        climate=climate,
        remittance=remittance,
        network=network,
        attempts=np.zeros(n, dtype=np.uint8),
        status=np.zeros(n, dtype=np.uint8),
        eligible_from=np.zeros(n, dtype=np.uint16),
        sector=np.zeros(n, dtype=np.uint8),
        step=np.zeros(n, dtype=np.uint8),
        days_left=np.zeros(n, dtype=np.float32),
        mtype=np.zeros(n, dtype=np.uint8),
    )
