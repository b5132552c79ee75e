"""Reference benchmark: the journey stage against the Flee agent-based model (PyPI ``flee``).

Both sides move the same number of agents from the same origins over our route network (the
store's ``journey_locations``/``journey_routes`` via ``runs.store_inputs(...).network``):

* **Flee**: the network as a ``flee.Ecosystem`` (origins and transit points as locations that
  agents always leave, US sectors as camps; each route a ``linkUp`` with its km and, as the
  link's ``max_move_speed``, our speed for its mode, so an edge takes as many days in both),
  agents added at the origins, ``Ecosystem.evolve()`` once per day. Flee's settings are its
  defaults, read from an empty YAML document (``os.devnull``): no input files.
* **ours**: :func:`rootcauses.sim.journey.advance_month` on the same network and agent count,
  each agent on the fastest path to a sector drawn from the first month's USBP sector shares.

Units: one Flee step is one day for one agent; our month step moves each agent 30.4 days
(``engine.DAYS_PER_MONTH``), so it counts as 30.4 agent-days; we also time ours stepping one day
at a time (``days_per_month=1``), the same granularity as Flee. The movement rules differ: Flee
picks each next hop at random with weights falling with distance (links go both ways, agents may
turn back), ours follows the fastest path and draws interdiction and death per edge, so the
comparison is per agent-day of comparable work, not of identical trajectories.

Usage::

    python bench/sim_flee.py                   # default sizes, prints RESULTS.md lines
    python bench/sim_flee.py --agents 2000 --days 10

``bench_flee(settings)`` returns the RESULTS.md lines (for bench/run.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import random
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from flee import flee
from flee.SimulationSettings import SimulationSettings

from rootcauses.sim import engine, journey
from rootcauses.sim.network import MODES, Network, edge_properties, fastest_paths

START = dt.date(2014, 10, 1)
FLEE_SIZE = (1_500, 30)  # agents (100 per origin), days: about 10-30 s of Flee here
LARGE_AGENTS = 1_000_000  # ours only
REPEATS = 20  # ours: median of this many timings
SECTOR_LOCATION = "camp"  # Flee location type for US sectors: agents stay there


def flee_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("flee")
    except PackageNotFoundError:
        return "?"


def origin_of_agents(network: Network, agents: int) -> np.ndarray:
    """Positions in ``network.origins`` of each agent: round-robin over the origins, so both
    sides start the same number of agents at each origin."""
    return (np.arange(agents) % network.origins.size).astype(np.uint8)


# --------------------------------------------------------------------------- Flee


def _quiet() -> contextlib.AbstractContextManager:
    """Flee reports every location and setting on stderr; keep the benchmark's output clean."""
    return contextlib.redirect_stderr(io.StringIO())


def flee_ecosystem(network: Network, params: Mapping[str, float]) -> tuple[Any, list[Any]]:
    """The route network as a Flee ecosystem; returns it and its origin locations (in the order
    of ``network.origins``)."""
    with _quiet():
        SimulationSettings.ReadFromYML(os.devnull)  # empty document: Flee's defaults
        ecosystem = flee.Ecosystem()
        locations = {}
        sectors = set(network.sectors.tolist())
        for i, node in enumerate(network.node_ids):
            kind = SECTOR_LOCATION if i in sectors else None
            locations[node] = ecosystem.addLocation(
                name=str(node),
                location_type=kind,
                movechance=1.0,
                country=str(network.node_country[i]),
            )
        speeds = {m: params[f"speed_{m}_km_per_day"] for m in MODES}
        for a, b, km, mode, crossing in zip(
            network.edge_from,
            network.edge_to,
            network.edge_km,
            network.edge_mode,
            network.edge_crossing,
            strict=True,
        ):
            speed = max(km, 1.0) / params["crossing_days"] if crossing else speeds[str(mode)]
            ecosystem.linkUp(
                endpoint1=str(network.node_ids[a]),
                endpoint2=str(network.node_ids[b]),
                distance=float(km),
                attributes={"max_move_speed": float(speed)},
            )
    origins = [locations[network.node_ids[o]] for o in network.origins]
    return ecosystem, origins


@dataclass(frozen=True)
class FleeRun:
    agents: int
    days: int
    seconds: float  # wall
    cpu_seconds: float  # this process's CPU time
    at_sectors: int  # agents at a US sector location after the last day


def run_flee(
    network: Network, params: Mapping[str, float], agents: int, days: int, seed: int = 0
) -> FleeRun:
    """Add ``agents`` at the origins and evolve ``days`` daily steps (the time covers the steps
    only; building the ecosystem is set-up on both sides)."""
    random.seed(seed)  # Flee draws from the global generators
    np.random.seed(seed)
    ecosystem, origins = flee_ecosystem(network, params)
    with _quiet():
        for o in origin_of_agents(network, agents):
            ecosystem.addAgent(location=origins[o], attributes={})
        began, began_cpu = time.perf_counter(), time.process_time()
        for _ in range(days):
            ecosystem.evolve()
        seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    sectors = {str(network.node_ids[s]) for s in network.sectors}
    at_sectors = sum(1 for a in ecosystem.agents if not a.travelling and a.location.name in sectors)
    return FleeRun(agents, days, seconds, cpu, at_sectors)


# --------------------------------------------------------------------------- ours


@dataclass(frozen=True)
class Journeys:
    """Agents on their way (state arrays as the engine keeps them) and the network's arrays."""

    origin: np.ndarray
    sector: np.ndarray
    step: np.ndarray
    days_left: np.ndarray
    path_edges: np.ndarray
    path_length: np.ndarray
    edge_days: np.ndarray
    edge_interdiction: np.ndarray
    edge_death: np.ndarray

    def fresh(self) -> Journeys:
        """A copy with its own state arrays (``advance_month`` updates them in place)."""
        return Journeys(
            self.origin.copy(),
            self.sector.copy(),
            self.step.copy(),
            self.days_left.copy(),
            self.path_edges,
            self.path_length,
            self.edge_days,
            self.edge_interdiction,
            self.edge_death,
        )


def start_journeys(
    network: Network, shares: np.ndarray, params: Mapping[str, float], agents: int, seed: int = 0
) -> Journeys:
    """``agents`` at the origins (as Flee's), each on the fastest path to a sector drawn from
    ``shares`` among the sectors its origin reaches."""
    rng = np.random.default_rng(seed)
    props = edge_properties(network, params)
    paths = fastest_paths(network, props.days)
    reachable = paths.length > 0
    weights = reachable * shares[None, :]
    weights = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, reachable)
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    origin = origin_of_agents(network, agents)
    u = rng.random(agents)[:, None]
    sector = np.minimum((u > cdf[origin]).sum(axis=1), cdf.shape[1] - 1).astype(np.uint8)
    edge_days = props.days.astype(np.float32)
    return Journeys(
        origin=origin,
        sector=sector,
        step=np.zeros(agents, dtype=np.uint8),
        days_left=edge_days[paths.edges[origin, sector, 0]],
        path_edges=np.ascontiguousarray(paths.edges),
        path_length=np.ascontiguousarray(paths.length),
        edge_days=edge_days,
        edge_interdiction=props.interdiction,
        edge_death=props.death,
    )


def advance(
    state: Journeys, rng: np.random.Generator, movers: np.ndarray, days: float
) -> np.ndarray:
    return journey.advance_month(
        rng,
        movers,
        state.origin,
        state.sector,
        state.step,
        state.days_left,
        state.path_edges,
        state.path_length,
        state.edge_days,
        state.edge_interdiction,
        state.edge_death,
        days,
    )


@dataclass(frozen=True)
class OursRun:
    seconds: float  # median wall
    cpu_seconds: float  # median CPU time of this process
    arrived: int  # agents at the border after the last step (last repeat)


def time_ours(
    start: Journeys, steps: int, days_per_step: float, repeats: int, seed: int = 0
) -> OursRun:
    """Advance every agent ``steps`` steps of ``days_per_step`` days, ``repeats`` times from the
    same start (agents leave the movers once they arrive, are interdicted or die)."""
    walls, cpus, arrived = [], [], 0
    for r in range(repeats):
        state = start.fresh()
        rng = np.random.default_rng(seed + r)
        began, began_cpu = time.perf_counter(), time.process_time()
        movers = np.arange(state.origin.size)
        arrived = 0
        for _ in range(steps):
            event = advance(state, rng, movers, days_per_step)
            arrived += int((event == journey.AT_BORDER).sum())
            movers = movers[event == journey.ON_THE_WAY]
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - began_cpu)
    return OursRun(statistics.median(walls), statistics.median(cpus), arrived)


# --------------------------------------------------------------------------- the benchmark


def default_parameters() -> dict[str, float]:
    """The documented defaults (not calibrated.yaml)."""
    from rootcauses.sim.scenarios import default_values, load_parameter_specs

    return default_values(load_parameter_specs(calibrated=False))


def bench_flee(
    settings: Any = None,
    flee_size: tuple[int, int] = FLEE_SIZE,
    large_agents: int = LARGE_AGENTS,
    seed: int = 0,
) -> list[str]:
    """RESULTS.md lines: Flee and ours on the store's route network, same agents and origins."""
    from rootcauses.config import get_settings
    from rootcauses.sim import runs

    settings = settings if settings is not None else get_settings()
    params = default_parameters()
    inputs = runs.store_inputs(settings, START, 1)
    network, shares = inputs.network, inputs.sector_shares[0]
    agents, days = flee_size

    small = start_journeys(network, shares, params, agents, seed)
    large = start_journeys(network, shares, params, large_agents, seed)
    time_ours(small, 1, 1.0, 1)  # compile outside the timing
    months = max(1, round(days / engine.DAYS_PER_MONTH))
    month_days = months * engine.DAYS_PER_MONTH
    by_month = time_ours(small, months, engine.DAYS_PER_MONTH, REPEATS, seed)
    by_day = time_ours(small, days, 1.0, REPEATS, seed)
    at_scale = time_ours(large, months, engine.DAYS_PER_MONTH, 3, seed)
    flee_run = run_flee(network, params, agents, days, seed)
    flee_wall = flee_run.seconds / (agents * days)  # seconds per agent-day
    flee_cpu = flee_run.cpu_seconds / (agents * days)

    def row(label: str, n: int, steps: str, agent_days: float, wall: float, cpu: float) -> str:
        ratio = (
            "—"
            if label.startswith("Flee")
            else f"{flee_wall / (wall / agent_days):,.0f}× ({flee_cpu / (cpu / agent_days):,.0f}×)"
        )
        return (
            f"| {label} | {n:,} | {steps} | {wall:.4f} | {cpu:.4f} | {agent_days / wall:,.0f} "
            f"| {ratio} |"
        )

    monthly = f"{months} × 30.4 days"
    return [
        f"### Reference: the journey stage against Flee {flee_version()}",
        "",
        f"Our route network from the store ({network.node_ids.size} locations, "
        f"{network.edge_from.size} routes; {network.origins.size} origins, "
        f"{network.sectors.size} US sectors), {agents:,} agents spread evenly over the origins. "
        "One Flee step = one agent-day; our month step = 30.4 agent-days per agent on the way. "
        "Flee chooses each hop at random weighted by distance (links both ways); ours follows "
        "the fastest path with per-edge interdiction and death draws: comparable work per "
        "agent-day, not identical trajectories. Goal: ours ≥ 50× faster per agent-step. *ours "
        "faster by*: per agent-day, wall (CPU time of the process in brackets).",
        "",
        "| implementation | agents | steps | wall s | CPU s | agent-days/s (wall) "
        "| ours faster by |",
        "|---|---:|---|---:|---:|---:|---:|",
        row(
            "Flee `Ecosystem.evolve()`",
            agents,
            f"{days} × 1 day",
            agents * days,
            flee_run.seconds,
            flee_run.cpu_seconds,
        ),
        row(
            f"rootcauses `journey.advance_month` (median of {REPEATS})",
            agents,
            monthly,
            agents * month_days,
            by_month.seconds,
            by_month.cpu_seconds,
        ),
        row(
            f"same, one day per step (median of {REPEATS})",
            agents,
            f"{days} × 1 day",
            agents * days,
            by_day.seconds,
            by_day.cpu_seconds,
        ),
        row(
            "rootcauses `journey.advance_month` (median of 3)",
            large_agents,
            monthly,
            large_agents * month_days,
            at_scale.seconds,
            at_scale.cpu_seconds,
        ),
        "",
        f"After {days} days {flee_run.at_sectors:,} of Flee's {agents:,} agents are at a US "
        f"sector; {by_day.arrived:,} of ours reached the border (day steps), "
        f"{by_month.arrived:,} after {months} month step(s). Agent-days count every agent for "
        "the whole horizon on both sides (ours stops moving an agent once it arrives, is "
        "interdicted or dies; Flee evolves every agent every day).",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=FLEE_SIZE[0], help="Flee and ours")
    parser.add_argument("--days", type=int, default=FLEE_SIZE[1], help="Flee and ours")
    parser.add_argument("--large-agents", type=int, default=LARGE_AGENTS, help="ours only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    lines = bench_flee(
        flee_size=(args.agents, args.days), large_agents=args.large_agents, seed=args.seed
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
