"""The policy lab: an agent-based simulation of household migration decisions and journeys from
Guatemala, Honduras and El Salvador through Mexico to the US southwest border.

Modules: ``network`` (route network → arrays, fastest paths), ``population`` (synthetic
households as small-dtype arrays), ``decision`` (the monthly departure hazard), ``journey`` (one
month of travel on its own), ``kernel`` (the compiled month: decide, travel, border, return,
tallies), ``engine`` (one month at a time, sharded runs), ``scenarios`` (documented parameters
and scenario overrides), ``ensemble`` (members on Ray or serially, gathered in member order),
``sensitivity`` (Sobol indices with SALib), ``runs`` (scenario runs, ensembles and comparisons,
JSON and store output) and ``calibrate`` (fit to observed encounters, validate on later years);
the command line (``rootcauses sim``) is :mod:`rootcauses.cli.sim`.
"""

from rootcauses.sim.errors import SimError

__all__ = ["SimError"]
