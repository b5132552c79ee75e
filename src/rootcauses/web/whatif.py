"""The Policy lab page's "What if" section: the latest counterfactual histories stored by
``rootcauses sim whatif`` (results table ``sim_whatif``), grouped for the template."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rootcauses.config import Settings
from rootcauses.countries import country_name
from rootcauses.sim.whatif import NOT_COMPUTED
from rootcauses.store import query
from rootcauses.store.results import read_results


def group_rows(frame: pd.DataFrame) -> dict[str, Any] | None:
    """The stored rows (one per counterfactual and country) as {settings, validation,
    counterfactuals: [{id, question, caveat, rows: [{country, name, median, lo, hi, history,
    label}]}]}; None when nothing is stored."""
    if frame.empty:
        return None
    first = frame.iloc[0]
    out: dict[str, Any] = {
        "calibration": first["calibration"],
        "window": first["window"],
        "members": int(first["members"]),
        "households": int(first["households"]),
        "data_end": first.get("data_end"),
        "validated": bool(first["validated"]),
        "validation_statement": first["validation_statement"],
        "counterfactuals": [],
        "not_computed": list(NOT_COMPUTED.values()),
    }
    for cf_id, rows in frame.groupby("id", sort=False):
        order = sorted(rows.itertuples(), key=lambda r: (r.country == "ALL", r.country))
        out["counterfactuals"].append(
            {
                "id": cf_id,
                "question": rows.iloc[0]["question"],
                "caveat": rows.iloc[0]["caveat"],
                "rows": [
                    {
                        "country": r.country,
                        "name": "All three" if r.country == "ALL" else country_name(r.country),
                        "median": float(r.difference_median),
                        "lo": float(r.difference_lo),
                        "hi": float(r.difference_hi),
                        "history": float(r.history_median),
                        "label": r.label,
                    }
                    for r in order
                ],
            }
        )
    return out


def whatif_context(settings: Settings) -> dict[str, Any] | None:
    """The latest stored counterfactual histories, grouped (:func:`group_rows`)."""
    with query.connect(settings) as con:
        return group_rows(read_results(con, "sim_whatif"))
