"""One month of travel for every migrant on the way, on its own (the engine runs the same compiled
step, :func:`rootcauses.sim.kernel.travel`, inside its fused month kernel).

A migrant follows the fastest path from its origin to its chosen sector, ``days_per_month`` days
a month. On finishing an edge it may be interdicted in Mexico (probability per edge) or die
(probability per edge), else it moves to the next edge (drawn as one exponential budget a month
spent by the edges' hazards, see :func:`rootcauses.sim.kernel.travel`); finishing the last edge
(the crossing into a sector) puts it at the US border. Random numbers come from the run's single
``np.random.Generator`` (Numba draws from the same stream), so a seed fixes the outcome.
"""

from __future__ import annotations

import numpy as np

from rootcauses.sim.kernel import AT_BORDER, DIED, INTERDICTED, ON_THE_WAY, advance, edge_hazards

__all__ = ["AT_BORDER", "DIED", "INTERDICTED", "ON_THE_WAY", "advance_month", "border_outcomes"]


def advance_month(
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
    days_per_month: float = 30.4,
) -> np.ndarray:
    """Move the households ``movers`` (indices) one month along their paths, updating ``step``
    and ``days_left`` in place; returns one event code per mover (:data:`AT_BORDER` …)."""
    event = np.empty(movers.size, dtype=np.uint8)
    hazard, interdiction_share = edge_hazards(edge_interdiction, edge_death)
    advance(
        rng,
        movers.astype(np.int64, copy=False),
        origin,
        sector,
        step,
        days_left,
        path_edges,
        path_length,
        np.ascontiguousarray(edge_days, dtype=np.float32),
        hazard,
        interdiction_share,
        float(days_per_month),
        event,
    )
    return event


def border_outcomes(
    rng: np.random.Generator, n: int, encounter_probability: float, return_probability: float
) -> tuple[np.ndarray, np.ndarray]:
    """At the US border: (encountered, returned) masks; returned ⊆ encountered (removed,
    returned or expelled). The encountered who are not returned are released into the US; the
    not encountered got away."""
    encountered = rng.random(n) < encounter_probability
    returned = encountered & (rng.random(n) < return_probability)
    return encountered, returned
