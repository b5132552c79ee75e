"""Headline findings: dated statements computed from the store, each with its value, period,
countries, source, chart and caveat (:mod:`.compute`), cached per build (:mod:`.cache`)."""

from rootcauses.findings.cache import data_through_for, findings_for
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
    "compute_findings",
    "data_through",
    "data_through_for",
    "findings_for",
]
