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
                    "GTM": {
                        "difference": band,
                        "history": {"median": 9e5},
                        "label": "exceeds",
                        "departures": {"median": 4000.0, "lo": 1000.0, "hi": 9000.0},
                    },
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
    assert "Departures, difference" in page and "+4,000 (+1,000 to +9,000)" in page


def _validation_report() -> dict:
    """A :func:`rootcauses.sim.history.validate` report on made-up series: the model is the
    observed path times 1.1, so it beats every baseline."""
    import datetime as dt

    import numpy as np

    from rootcauses.sim import validation

    split = validation.VALIDATION
    months = [dt.date(2012 + (9 + t) // 12, (9 + t) % 12 + 1, 1) for t in range(144)]
    rng = np.random.default_rng(0)
    observed = np.exp(rng.normal(9, 0.6, size=(144, 3))).round()
    simulated = observed * 1.1
    countries = ("GTM", "HND", "SLV")
    card = validation.scorecard(simulated, observed, months, countries, split, burn_in=2)
    return {
        "calibration": {"name": "validation"},
        "households": 300_000,
        "seed": 0,
        "build_id": "b1",
        **card,
        "series": validation.series_rows(months, countries, observed, simulated, 84),
    }


def test_validation_rows_round_trip():
    from rootcauses.sim.history import group_validation, validation_rows

    report = _validation_report()
    grouped = group_validation(validation_rows(report))
    assert grouped is not None
    assert [s["model"] for s in grouped["scores"]] == [
        "model", "flat", "random_walk", "seasonal_naive",
    ]  # fmt: skip
    model = grouped["scores"][0]
    assert model["ard"] == report["models"]["model"]["ard"]["pooled"]
    assert model["fy_scored"] == 15 and model["fy_within"] == 15
    assert grouped["passed"] == report["acceptance"]["all"]
    gtm = grouped["series"]["GTM"]
    assert len(gtm["month"]) == 144 and gtm["window"].count("validate") == 60
    assert gtm["simulated"][0] == gtm["observed"][0] * 1.1
    assert group_validation(validation_rows(report).iloc[0:0]) is None


def test_policy_lab_page_shows_the_stored_validation(built_store: Settings):
    from rootcauses.sim.history import validation_rows

    client = TestClient(create_app(built_store))
    assert "No validation stored yet" in client.get("/policy-lab").text
    report = _validation_report()
    path = write_snapshot(built_store, "sim_validation", validation_rows(report))
    try:
        page = client.get("/policy-lab").text
    finally:
        path.unlink()
    assert "Does the model reproduce history?" in page
    ard = report["models"]["random_walk"]["ard"]["pooled"]
    assert f"{ard:.3f}" in page and "Random walk (last value)" in page
    assert 'id="validation-data"' in page and "FY2020..FY2024" in page
