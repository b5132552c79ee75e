"""The Policy lab page's "Does the model reproduce history?" and "What if" sections: the latest
validation scorecard and counterfactual histories stored by ``rootcauses sim whatif`` or
``rootcauses prepare`` (results snapshots ``sim_validation`` and ``sim_whatif``), grouped for the
templates."""

from __future__ import annotations

from typing import Any

from rootcauses.config import Settings
from rootcauses.sim.history import group_validation
from rootcauses.sim.whatif import group_rows
from rootcauses.store import query
from rootcauses.store.results import read_results


def whatif_context(settings: Settings) -> dict[str, Any] | None:
    """The latest stored counterfactual histories, grouped (:func:`group_rows`)."""
    with query.connect(settings) as con:
        return group_rows(read_results(con, "sim_whatif"))


def validation_context(settings: Settings) -> dict[str, Any] | None:
    """The latest stored validation scorecard and series (:func:`group_validation`)."""
    with query.connect(settings) as con:
        return group_validation(read_results(con, "sim_validation"))
