"""Headline findings: dated statements computed from the store, each with its value, period,
countries, source, chart and caveat (:mod:`.compute`), cached per build (:mod:`.cache`, whose
:func:`cached_per_build` also keeps the API's scorecard)."""

from rootcauses.findings.cache import cached_per_build, data_through_for, findings_for
from rootcauses.findings.compute import (
    ChartSpec,
    Finding,
    Findings,
    Series,
    SourceRef,
    compute_findings,
    data_through,
)

__all__ = [
    "ChartSpec",
    "Finding",
    "Findings",
    "Series",
    "SourceRef",
    "cached_per_build",
    "compute_findings",
    "data_through",
    "data_through_for",
    "findings_for",
]
