"""The Policy lab page's "What if" section: the latest counterfactual histories stored by
``rootcauses sim whatif`` (results table ``sim_whatif``), grouped for the template."""

from __future__ import annotations

from typing import Any

from rootcauses.config import Settings
from rootcauses.sim.whatif import group_rows
from rootcauses.store import query
from rootcauses.store.results import read_results


def whatif_context(settings: Settings) -> dict[str, Any] | None:
    """The latest stored counterfactual histories, grouped (:func:`group_rows`)."""
    with query.connect(settings) as con:
        return group_rows(read_results(con, "sim_whatif"))
