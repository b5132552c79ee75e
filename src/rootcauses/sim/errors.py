"""The simulation's error type (a branch of the project's tree in :mod:`rootcauses.errors`).

RootCausesError
└── SimError     a bad network file, scenario file, parameter or run request; the message
                 names the file, row or key at fault and what was expected.
"""

from __future__ import annotations

from rootcauses.errors import RootCausesError


class SimError(RootCausesError):
    """The simulation cannot run as asked; nothing was run or written."""
