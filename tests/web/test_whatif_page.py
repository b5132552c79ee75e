"""The Policy lab's "What if" section: the latest stored counterfactual histories, with the
validation verdict and each difference's band and reading."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.sim.whatif import group_rows
from rootcauses.store.results import write_snapshot
from rootcauses.web.app import create_app


def _payload(validated: bool) -> dict:
    band = {"median": -1200.0, "lo": -2500.0, "hi": -300.0}
    return {
        "calibration": "latest",
        "window": "FY2020..FY2024",
        "members": 8,
        "households": 100_000,
        "seed": 0,
        "build_id": "b1",
        "data_end": "2024-09-01",
        "validation": {"passed": validated, "statement": "VERDICT-SENTENCE"},
        "counterfactuals": [
            {
                "id": "no_title_42",
                "question": "What if Title 42 had never been applied?",
                "caveat": "CAVEAT-TEXT",
                "totals": {
                    "GTM": {"difference": band, "history": {"median": 9e5}, "label": "exceeds"},
                    "ALL": {
                        "difference": {"median": 10.0, "lo": -5.0, "hi": 20.0},
                        "history": {"median": 2e6},
                        "label": "within the spread",
                    },
                },
            }
        ],
    }


def test_group_rows_round_trips_the_stored_form():
    from rootcauses.sim.whatif import whatif_rows

    grouped = group_rows(whatif_rows(_payload(False)))
    assert grouped is not None and grouped["validated"] is False
    (cf,) = grouped["counterfactuals"]
    assert [r["country"] for r in cf["rows"]] == ["GTM", "ALL"]  # ALL last
    assert cf["rows"][0]["lo"] == -2500.0 and cf["rows"][1]["label"] == "within the spread"
    assert group_rows(whatif_rows(_payload(False)).iloc[0:0]) is None


def test_policy_lab_page_shows_the_stored_counterfactuals(built_store: Settings):
    from rootcauses.sim.whatif import whatif_rows

    client = TestClient(create_app(built_store))
    before = client.get("/policy-lab").text
    assert "No counterfactual histories stored yet" in before
    path = write_snapshot(built_store, "sim_whatif", whatif_rows(_payload(False)))
    try:
        page = client.get("/policy-lab").text
    finally:
        path.unlink()
    assert "VERDICT-SENTENCE" in page and "CAVEAT-TEXT" in page
    assert "What if Title 42 had never been applied?" in page
    assert "-2,500 to -300" in page and "within the spread" in page
    assert "Not computed" in page  # the aid counterfactual says why it is missing
