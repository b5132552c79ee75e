"""The Commitments pages (status board, timeline data, one page per commitment) on a tracker
seeded from the snapshot's strategy files; every figure is checked against the tracker's API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rootcauses.api.tracker import CSV_COLUMNS, MAX_LIMIT
from rootcauses.config import Settings
from rootcauses.errors import TrackerInputError
from rootcauses.tracker import files, service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.bindings import FrameSeries
from rootcauses.tracker.db import open_tracker
from rootcauses.tracker.schemas import CommitmentUpdate, PillarPublic
from rootcauses.tracker.status import Milestone, Reading, Status
from rootcauses.tracker.status import Target as TargetSpec
from rootcauses.web import commitments as pages
from rootcauses.web.app import create_app

AS_OF = "2026-11-23"
SEED_ACTOR = Actor(name="seed-import", role="admin")
OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}


def seed_tracker(settings: Settings, snapshot: Path) -> None:
    """Import the snapshot's strategy files and the project's bindings into the tracker under
    ``settings.home`` (what ``rootcauses tracker import`` does by default)."""
    tracker = open_tracker(settings)
    try:
        batch = files.read_batch([snapshot / "strategy", files.PACKAGED_BINDINGS])
        with tracker.session(write=True) as session:
            service.import_batch(session, batch, SEED_ACTOR, on_existing="skip")
    finally:
        tracker.dispose()  # checkpoints SQLite's WAL into the file


@pytest.fixture(scope="module")
def seeded_home(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("commitments-home"), data=snapshot)
    seed_tracker(settings, snapshot)
    return settings


@pytest.fixture(scope="module")
def client(seeded_home: Settings) -> Iterator[TestClient]:
    """One app for the module (read-only tests): the tracker is opened once, on first use."""
    with TestClient(create_app(seeded_home)) as test_client:
        yield test_client


def api(client: TestClient, query: str = "") -> list[dict]:
    body = client.get(f"/api/tracker/commitments?as_of={AS_OF}&limit=500&{query}").json()
    assert body["count"] == len(body["data"])
    return body["data"]


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-status="[a-z_]+" data-id="([^"]+)"', html)


def tile_counts(html: str) -> dict[str, int]:
    found = re.findall(
        r'data-status="([a-z_]+)"><span class="tile-count">(\d+)</span>', html, re.DOTALL
    )
    return {status: int(count) for status, count in found}


def embedded(html: str, element: str) -> dict:
    match = re.search(rf'<script[^>]* type="application/json" id="{element}">(.*?)</script>', html)
    assert match, f"no #{element} in the page"
    return json.loads(match.group(1))


# --------------------------------------------------------------------------- the board


def test_board_shows_every_commitment_with_tiles_and_the_headline(client: TestClient) -> None:
    page = client.get(f"/commitments?as_of={AS_OF}")
    assert page.status_code == 200
    assert re.search(r"<title>[^<]+ — rootcauses</title>", page.text)
    everything = api(client)
    assert sorted(row_ids(page.text)) == sorted(c["id"] for c in everything)
    tiles = tile_counts(page.text)
    assert list(tiles) == [s.value for s in pages.STATUS_LABELS]  # every status, zero included
    for status in Status:
        assert tiles[status.value] == sum(c["status"] == status.value for c in everything)
    total = client.get(f"/api/tracker/rollups?as_of={AS_OF}").json()["total"]
    either = total["commitments"] - total["with_metric_and_deadline"]
    assert either > 0
    assert f"{either} of {total['commitments']} commitments have no measurable target" in page.text
    assert f"{total['without_metric']} without a metric" in page.text
    assert 'href="/sources#strategy_commitments"' in page.text


def test_board_colours_are_okabe_ito_and_every_control_is_labelled(client: TestClient) -> None:
    assert set(pages.STATUS_COLOURS.values()) <= OKABE_ITO
    assert len(set(pages.STATUS_COLOURS.values())) == len(Status)
    assert len(set(pages.STATUS_SYMBOLS.values())) == len(Status)
    page = client.get("/commitments").text
    for control in re.findall(r"<(?:select|input)[^>]*>", page):
        if 'type="hidden"' in control:
            continue
        control_id = re.search(r'id="([^"]+)"', control).group(1)
        assert f'<label for="{control_id}">' in page, control


@pytest.mark.parametrize(
    "query",
    [
        "status=missed",
        "status=no_metric",
        "pillar=P5",
        "actor_type=partner_gov&pillar=M5",
        "country=SLV",
        "country=GTM&actor_type=private",
    ],
)
def test_filters_in_the_query_string_match_the_api(client: TestClient, query: str) -> None:
    page = client.get(f"/commitments?{query}&as_of={AS_OF}")
    assert page.status_code == 200
    expected = sorted(c["id"] for c in api(client, query))
    assert sorted(row_ids(page.text)) == expected
    assert f"Showing {len(expected)} of" in page.text
    for key, value in (part.split("=") for part in query.split("&")):
        assert re.search(rf'<select id="{key}".*?value="{value}" selected', page.text, re.DOTALL)


def test_the_text_search_needs_every_word(client: TestClient) -> None:
    ids = row_ids(client.get("/commitments?q=MICROSOFT").text)
    assert ids and all(
        "microsoft" in " ".join(filter(None, (c["actor"], c["commitment"], c["metric"]))).lower()
        for c in api(client)
        if c["id"] in ids
    )
    narrower = row_ids(client.get("/commitments?q=microsoft+guatemala").text)
    assert set(narrower) < set(ids)
    assert row_ids(client.get("/commitments?q=zzzz-nothing").text) == []


def test_tiles_count_within_the_other_filters_and_link_to_a_status(client: TestClient) -> None:
    page = client.get(f"/commitments?actor_type=private&as_of={AS_OF}").text
    tiles = tile_counts(page)
    assert sum(tiles.values()) == len(row_ids(page)) == len(api(client, "actor_type=private"))
    assert f'href="/commitments?status=missed&amp;actor_type=private&amp;as_of={AS_OF}"' in page
    selected = client.get(f"/commitments?status=missed&actor_type=private&as_of={AS_OF}").text
    assert tile_counts(selected) == tiles  # the tiles ignore the status filter itself
    assert 'class="tile selected"' in selected


def test_the_csv_link_downloads_the_rows_of_the_table(client: TestClient) -> None:
    page = client.get(f"/commitments?status=no_deadline&country=GTM&as_of={AS_OF}").text
    link = re.search(r'<a id="csv" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link.startswith("/api/tracker/commitments?") and "format=csv" in link
    download = client.get(link)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["id"] for r in rows] == row_ids(page)
    assert {r["status"] for r in rows} == {"no_deadline"}
    assert download.headers["x-total-count"] == str(len(rows))
    assert list(rows[0]) == list(CSV_COLUMNS)


def test_the_timeline_holds_the_dated_commitments_and_lists_the_rest(client: TestClient) -> None:
    page = client.get(f"/commitments?as_of={AS_OF}").text
    data = embedded(page, "timeline-data")
    everything = api(client)
    dated = {c["id"]: c for c in everything if c["deadline"]}
    assert {p["id"] for p in data["points"]} == set(dated)
    assert [p["deadline"] for p in data["points"]] == sorted(p["deadline"] for p in data["points"])
    assert all(p["status"] == dated[p["id"]]["status"] for p in data["points"])
    assert data["today"] == AS_OF
    assert f"Without a deadline ({len(everything) - len(dated)})" in page
    assert '<div id="timeline" class="chart"' in page


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=fine", "status"),
        ("pillar=P99", "pillar"),
        ("actor_type=pirate", "actor_type"),
        ("country=Atlantis", "country"),
        ("as_of=2026-13-01", "as_of"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(
    client: TestClient, query: str, parameter: str
) -> None:
    page = client.get(f"/commitments?{query}")
    assert page.status_code == 422
    assert 'role="alert"' in page.text and f"query parameter {parameter}" in page.text


# --------------------------------------------------------------------------- one commitment


def test_a_commitment_page_shows_targets_progress_evidence_and_history(
    client: TestClient,
) -> None:
    page = client.get(f"/commitments/C103?as_of={AS_OF}")
    assert page.status_code == 200
    detail = client.get(f"/api/tracker/commitments/C103?as_of={AS_OF}").json()
    assert detail["status_reason"] in page.text.replace("&#39;", "'")
    evidence = re.findall(
        r'<a class="evidence" href="([^"]+)" rel="([^"]+)" target="_blank"', page.text
    )
    assert sorted(href for href, _ in evidence) == sorted(
        p["evidence_url"] for p in detail["progress"]
    )
    assert all({"noopener", "external"} <= set(rel.split()) for _, rel in evidence)
    history = re.search(r'<table id="history"[^>]*>.*?</table>', page.text, re.DOTALL).group(0)
    assert history.count("<tr><td>") == len(detail["history"]) > 1
    charts = embedded(page.text, "progress-data")["charts"]
    assert len(charts) == 1
    target = detail["targets"][0]
    assert charts[0]["target"] == target["value"]
    assert charts[0]["path"][-1] == {"date": detail["deadline"], "value": target["value"]}
    assert target["latest_value"] in [r["value"] for r in charts[0]["readings"]]
    assert 'id="progress-1"' in page.text


def test_no_chart_without_numeric_progress(client: TestClient) -> None:
    detail = client.get("/api/tracker/commitments/C006").json()
    assert detail["progress"] == [] or all(p["value"] is None for p in detail["progress"])
    page = client.get("/commitments/C006").text
    assert embedded(page, "progress-data")["charts"] == []
    assert "No measurable target was published" in page


def test_an_edit_shows_in_the_history_with_before_and_after(
    seeded_home: Settings, tmp_path: Path
) -> None:
    home = tmp_path / "edited"
    home.mkdir()
    shutil.copy(seeded_home.home / "tracker.sqlite", home / "tracker.sqlite")
    settings = Settings(home=home, data=seeded_home.data)
    tracker = open_tracker(settings)
    with tracker.session(write=True) as session:
        service.update_commitment(
            session, "C106", CommitmentUpdate(version=1, amount_usd=1234.0), Actor("ana", "editor")
        )
    tracker.dispose()
    page = TestClient(create_app(settings)).get("/commitments/C106").text
    history = re.search(r'<table id="history"[^>]*>.*?</table>', page, re.DOTALL).group(0)
    assert "ana" in history and "1 field(s) changed" in history
    assert "<code>amount_usd</code>: — → 1234.0" in history


def test_an_unknown_commitment_is_the_404_page_with_a_way_back(client: TestClient) -> None:
    page = client.get("/commitments/C999")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "C999" in page.text and 'href="/commitments"' in page.text


# --------------------------------------------------------------------------- no tracker data


def test_an_empty_tracker_says_how_to_fill_it(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(home=tmp_path / "empty")))
    page = client.get("/commitments")
    assert page.status_code == 200
    assert "The commitment tracker is empty" in page.text
    assert "<code>rootcauses tracker import</code>" in page.text
    assert client.get("/commitments/C001").status_code == 404


# --------------------------------------------------------------------------- pure parts


def _pillar(pid: str, parent: str | None = None) -> PillarPublic:
    return PillarPublic(
        id=pid,
        framework="f",
        pillar="p",
        parent_id=parent,
        strategy_id="s",
        level="line_of_effort" if parent else "pillar",
    )


def test_filters_parse_check_and_make_permalinks() -> None:
    filters = pages.parse_filters(
        {"status": "at_risk", "pillar": "P1", "country": "Honduras", "q": "  coffee   farms "},
        ["P1", "P2"],
    )
    assert filters == pages.Filters(Status.at_risk, "P1", None, "HND", "coffee farms", None)
    assert filters.query() == "status=at_risk&pillar=P1&country=HND&q=coffee+farms"
    assert filters.query(status=None) == "pillar=P1&country=HND&q=coffee+farms"
    assert pages.parse_filters({}, []) == pages.Filters()
    assert pages.Filters().api_query() == f"limit={MAX_LIMIT}"
    with pytest.raises(TrackerInputError, match="pillar: is 'P3'; expected one of P1, P2"):
        pages.parse_filters({"pillar": "P3"}, ["P1", "P2"])
    with pytest.raises(TrackerInputError, match="q: is longer than 200"):
        pages.parse_filters({"q": "x" * 201}, [])


def test_a_pillar_filter_includes_its_lines_of_effort() -> None:
    scopes = pages.pillar_scopes([_pillar("P1"), _pillar("L1", "P1"), _pillar("P2")])
    assert scopes == {"P1": {"P1", "L1"}, "L1": {"L1"}, "P2": {"P2"}}
    row = {"pillars": ["L1"], "actor_type": "ngo", "country": "GTM", "id": "C1"}
    row |= {"actor": "A", "commitment": "Train growers", "metric": None}
    assert pages.matches(row, pages.Filters(pillar="P1"), scopes["P1"])
    assert not pages.matches(row, pages.Filters(pillar="P2"), scopes["P2"])
    assert not pages.matches(row, pages.Filters(country="HND"), None)
    assert pages.matches(row, pages.Filters(q="GROWERS train"), None)


def test_progress_charts_follow_the_declared_trajectory() -> None:
    start, deadline = dt.date(2021, 1, 1), dt.date(2025, 12, 31)
    measurable = TargetSpec(
        target=100.0,
        unit="farms",
        baseline=10.0,
        start=start,
        deadline=deadline,
        milestones=(Milestone(dt.date(2023, 1, 1), 20.0),),
        readings=(Reading(dt.date(2024, 1, 1), 40.0), Reading(dt.date(2022, 1, 1), 15.0)),
    )
    unmeasured = TargetSpec(target=None, unit="people", readings=(Reading(start, 1.0),))
    no_readings = TargetSpec(target=5.0, unit="hubs", deadline=deadline)
    charts = pages.progress_charts([unmeasured, measurable, no_readings], "C1")
    assert [c["id"] for c in charts] == ["progress-2"]
    assert [p["value"] for p in charts[0]["path"]] == [10.0, 20.0, 100.0]
    assert [r["date"] for r in charts[0]["readings"]] == ["2022-01-01", "2024-01-01"]


def test_an_unreachable_tracker_database_is_a_message_not_a_server_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/tracker")
    with caplog.at_level(logging.ERROR, logger="rootcauses.web"):
        page = TestClient(create_app(Settings(home=tmp_path))).get("/commitments")
    assert page.status_code == 200
    assert 'role="alert"' in page.text and "The tracker could not be read" in page.text
    assert "nobody" not in page.text and "127.0.0.1" not in page.text  # host and user: the log's
    error_id = re.search(r"error id ([0-9a-f]+)", page.text).group(1)
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "nobody" in str(logged[0].exc_info[1])


def test_a_tracker_that_needs_a_token_to_read_is_not_shown(
    seeded_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROOTCAUSES_TRACKER_READ_REQUIRES_TOKEN", "true")
    client = TestClient(create_app(seeded_home))
    for path in ("/commitments", "/commitments/C103"):
        page = client.get(path)
        assert page.status_code == 200 and "needs an API token" in page.text
        assert "C103: Microsoft" not in page.text and 'data-id="C103"' not in page.text


# --------------------------------------------------------------------------- derived, money

# Hand-made obligations: $0.6B in FY2022, $0.9B in FY2023 over the three countries.
AID = {
    ("us_aid_obligations_fy", country): [(dt.date(2021, 10, 1), v1), (dt.date(2022, 10, 1), v2)]
    for country, v1, v2 in (("GTM", 3e8, 4e8), ("HND", 2e8, 3e8), ("SLV", 1e8, 2e8))
}


@pytest.fixture(scope="module")
def derived_client(seeded_home: Settings) -> Iterator[TestClient]:
    """The app with a tracker whose bindings read the hand-made series above."""
    app = create_app(seeded_home)
    tracker = open_tracker(seeded_home)
    tracker.series = FrameSeries(AID)
    app.state.tracker = tracker
    with TestClient(app) as test_client:
        yield test_client
    tracker.dispose()


def test_a_commitment_page_shows_derived_progress_beside_reported(
    derived_client: TestClient,
) -> None:
    as_of = "2023-12-01"
    detail = derived_client.get(f"/api/tracker/commitments/C001?as_of={as_of}").json()
    target = detail["targets"][0]
    assert target["latest_origin"] == "derived" and target["latest_value"] == 1.5e9
    assert "derived for 2023-09-30" in detail["status_reason"]
    page = derived_client.get(f"/commitments/C001?as_of={as_of}").text
    charts = embedded(page, "progress-data")["charts"]
    assert len(charts) == 1 and charts[0]["readings"] == []  # no report in a USD unit
    measured = detail["derived"][0]
    assert charts[0]["derived"] == [
        {"date": r["date"], "value": r["value"]} for r in measured["readings"]
    ]
    assert [r["value"] for r in measured["readings"]] == [6e8, 1.5e9]
    assert charts[0]["derived_label"] == measured["label"]
    assert charts[0]["path"][-1] == {"date": detail["deadline"], "value": 4e9}
    section = re.search(r'<section aria-labelledby="derived-title".*?</section>', page, re.DOTALL)
    assert section is not None
    assert measured["label"] in section.group(0) and "Measures target 1" in section.group(0)
    assert "Context for the metric" in section.group(0)  # the disbursements binding
    assert 'data-origin="derived"' in page
    # reports in other units are flagged on the page, as in the status reason
    assert "Reports not counted" in page and "1,260,000,000 USD sales" in page


def test_without_a_store_a_binding_says_why_it_has_no_reading(client: TestClient) -> None:
    detail = client.get("/api/tracker/commitments/C001").json()
    assert detail["derived"][0]["readings"] == []
    assert "no store built" in detail["derived"][0]["problem"]
    assert "No derived reading: no store built" in client.get("/commitments/C001").text


def test_a_report_in_another_unit_is_flagged_on_the_page(client: TestClient) -> None:
    detail = client.get(f"/api/tracker/commitments/C103?as_of={AS_OF}").json()
    flagged = {n["report_id"] for n in detail["not_counted"]}
    assert {n["unit"] for n in detail["not_counted"]} == {"families", "people trained"}
    assert "2,000,000 families (2022-06)" in detail["status_reason"]
    page = client.get(f"/commitments/C103?as_of={AS_OF}").text
    assert 'id="not-counted"' in page and "2022-06: 2,000,000 families" in page
    rows = re.findall(r'<tr class="not-counted">', page)
    assert len(rows) == len(flagged) == 2


def test_the_board_has_the_money_chart_and_its_data_links(client: TestClient) -> None:
    page = client.get("/commitments").text
    assert f'data-api="{pages.MONEY_API.replace("&", "&amp;")}"' in page
    select = re.search(r'<select id="money-country"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select is not None
    options = re.findall(r'<option value="([A-Z]+)">', select.group(1))
    assert options == list(pages.MONEY_COUNTRIES)
    assert page.index('id="scorecard"') < page.index('class="status-tiles"')
    # no store here: the API says so with a 503 (the chart shows the message)
    answer = client.get(pages.MONEY_API)
    assert answer.status_code == 503


def test_the_units_and_series_the_tracker_knows_are_served(client: TestClient) -> None:
    from rootcauses.tracker import units
    from rootcauses.tracker.bindings import SERIES

    served = client.get("/api/tracker/units").json()
    assert [u["unit"] for u in served["data"]] == [u.name for u in units.UNITS]
    usd = next(u for u in served["data"] if u["unit"] == "USD obligated")
    assert usd["counts_toward"] == ["USD obligated", "USD"]
    series = client.get("/api/tracker/series").json()
    assert {s["id"] for s in series["data"]} == set(SERIES)


def test_the_board_says_what_the_statuses_rest_on(client: TestClient) -> None:
    from rootcauses.tracker.rollup import evidence

    tracker = open_tracker(client.app.state.settings)
    try:
        with tracker.session() as session:
            judged = service.evaluate_all(session, tracker.thresholds, dt.date(2026, 11, 23))
    finally:
        tracker.dispose()
    found = evidence(service.rollup_items(judged))
    page = client.get(f"/commitments?as_of={AS_OF}").text
    text = " ".join(
        re.search(r'<p class="note" id="evidence">(.*?)</p>', page, re.DOTALL)[1].split()
    )
    assert f"Of the {found.measurable} commitments with a numeric target, {found.judged} " in text
    assert f"{found.on_reported} rest on a reported reading" in text
    assert f"The other {len(found.no_recent_data)} say why" in text
