"""The policy lab: an agent-based simulation of household migration decisions and journeys from
Guatemala, Honduras and El Salvador through Mexico to the US southwest border.

Modules: ``network`` (route network → arrays, fastest paths), ``population`` (synthetic
households as small-dtype arrays), ``decision`` (the monthly departure hazard), ``journey`` (the
compiled per-migrant travel kernel), ``engine`` (one month at a time, sharded runs),
``scenarios`` (documented parameters and scenario overrides), ``runs`` (scenario runs, ensembles
and comparisons, JSON and store output), ``calibrate`` (fit to observed encounters, validate on
later years) and ``cli`` (``rootcauses sim``).
"""

from rootcauses.sim.errors import SimError

__all__ = ["SimError"]
