"""The reports' error type (a branch of the project's tree in :mod:`rootcauses.errors`).

RootCausesError
└── ReportError   a brief cannot be made as asked: unknown country, bad or reversed period, no
                  encounters in the period, or the PDF cannot be rendered.
"""

from __future__ import annotations

from rootcauses.errors import RootCausesError


class ReportError(RootCausesError):
    """A brief cannot be made as asked; the message names the input at fault."""
