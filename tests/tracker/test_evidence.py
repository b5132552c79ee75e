"""On the snapshot with its built store: what every status of a commitment with a numeric target
rests on (a reported or a derived reading, with its source), and why the rest have no recent
data, as `rootcauses tracker status` prints it."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.tracker import service
from rootcauses.tracker.db import open_tracker
from rootcauses.tracker.rollup import evidence
from rootcauses.tracker.status import Status
from tests.tracker.conftest import tracked_home

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def home(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tracked_home(built_store, tmp_path_factory.mktemp("evidence-home"))


def test_every_status_names_its_evidence_and_source_or_says_why_not(home: Settings) -> None:
    tracker = open_tracker(home)
    try:
        with tracker.session() as session:
            judged = service.evaluate_all(session, tracker.thresholds, AS_OF, series=tracker.series)
            public = {e.commitment.id: service.to_public(e) for e in judged}
    finally:
        tracker.dispose()
    found = evidence(service.rollup_items(judged))
    measurable = [e for e in judged if e.judgement.has_metric]
    assert found.measurable == len(measurable) > 0
    assert found.judged + len(found.no_recent_data) == found.measurable
    assert found.on_reported + found.on_derived + found.without_reading == found.judged
    for e in measurable:
        for target in public[e.commitment.id].targets:
            if target.latest_value is not None:  # a reading: where it came from, always
                assert target.latest_origin in ("reported", "derived")
                assert target.latest_source, (e.commitment.id, target.position)
    for commitment_id, reason in found.no_recent_data:
        assert reason.strip(), commitment_id
    # the $4 billion is read from the store's obligations, and the reason says so
    c001 = public["C001"]
    assert c001.targets[0].latest_origin == "derived"
    assert "us_aid_obligations_fy" in (c001.targets[0].latest_source or "")
    assert c001.derived[0].source_id == "us_aid_country_summary"
    assert c001.derived[0].build_id and c001.derived[0].readings
    if c001.status is Status.no_recent_data:
        assert "derived for" in c001.status_reason and "unknown" in c001.status_reason


def test_tracker_status_prints_the_evidence_and_the_reasons(home: Settings) -> None:
    env = {"ROOTCAUSES_HOME": str(home.home), "ROOTCAUSES_DATA": str(home.data)}
    result = CliRunner().invoke(
        app, ["tracker", "status", "--as-of", AS_OF.isoformat()], env=env, terminal_width=400
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Evidence: of" in text and "commitments with a numeric target" in text
    assert "have no recent data, because:" in text
    assert "C001 the deadline 2025-09-30 passed" in text


def test_tracker_money_prints_the_money_rows(home: Settings) -> None:
    import json

    from rootcauses.store import connect
    from rootcauses.tracker import money

    env = {"ROOTCAUSES_HOME": str(home.home), "ROOTCAUSES_DATA": str(home.data)}
    result = CliRunner().invoke(
        app, ["tracker", "money", "--since", "2020", "--country", "GTM", "-f", "json"], env=env
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed and {r["country"] for r in printed} == {"GTM"}
    assert {r["stage"] for r in printed} <= {"requested", "appropriated", "obligated", "disbursed"}
    con = connect(home)
    try:
        stored = dict(
            con.execute(
                "SELECT year(period) + 1, value FROM indicators "
                "WHERE indicator = 'us_aid_obligations_fy' AND country = 'GTM' "
                "AND year(period) + 1 >= 2020"
            ).fetchall()
        )
    finally:
        con.close()
    obligated = {r["fiscal_year"]: r["amount_usd"] for r in printed if r["stage"] == "obligated"}
    assert obligated == pytest.approx(stored)
    everything = CliRunner().invoke(app, ["tracker", "money", "-f", "json"], env=env)
    promised = [r for r in json.loads(everything.output) if r["stage"] == "promised"]
    assert {r["source"] for r in promised} == {"C001"}
    assert money.STAGES[0] == "promised"
