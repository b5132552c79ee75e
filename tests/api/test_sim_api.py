"""The policy-lab API: scenario and parameter lists, validated run requests (422s that name the
parameter, range or limit), background runs with progress, cancellation, 429 when the queue is
full, stored results and the token rule for writes.

Runs use the tiny hand-built world of tests/sim (one country, a five-stop route) so they take
well under a second; a gate in the inputs loader holds a run "running" for the cancel tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from rootcauses.api import sim as sim_api
from rootcauses.config import Settings
from rootcauses.jobs import sim as sim_jobs
from rootcauses.sim.engine import SimInputs
from rootcauses.sim.network import build_network
from rootcauses.sim.scenarios import SCENARIO_NAMES, load_parameter_specs
from rootcauses.store import import_build
from rootcauses.web.app import create_app
from tests.sim.conftest import LOCATIONS, ROUTES, tiny_inputs

TINY = {"scenario": "harris_strategy", "households": 2_000, "months": 6, "members": 2}
WAIT_S = 120  # an upper bound on waiting for the worker, not a speed assertion


class Gate:
    """An inputs loader that blocks until opened (to hold a run in 'running')."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()

    def __call__(self, settings: Settings, start: dt.date, months: int) -> SimInputs:
        self.entered.set()
        self.opened.wait(WAIT_S)
        return load_tiny(settings, start, months)


def load_tiny(settings: Settings, start: dt.date, months: int) -> SimInputs:
    return tiny_inputs(build_network(LOCATIONS, ROUTES), months=max(months, 12))


def make_client(home: Path, loader=load_tiny, **limits) -> TestClient:
    settings = Settings(home=home)
    app = create_app(settings)
    app.state.sim_jobs = sim_jobs.JobRegistry(
        settings, sim_jobs.SimWebSettings(**limits), inputs_loader=loader
    )
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    test_client = make_client(tmp_path / "home", max_households=50_000, max_queued=2)
    yield test_client
    test_client.app.state.sim_jobs.close()


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[tuple[TestClient, Gate]]:
    gate = Gate()
    test_client = make_client(tmp_path / "home", loader=gate, max_queued=2)
    yield test_client, gate
    gate.opened.set()
    test_client.app.state.sim_jobs.close()


def wait(client: TestClient, run_id: str) -> dict:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        job = client.get(f"/api/sim/runs/{run_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still {job['status']} after {WAIT_S} s")


def messages(response) -> str:
    assert response.status_code == 422, response.text
    return " | ".join(d["msg"] for d in response.json()["detail"])


# --------------------------------------------------------------------------- lists


def test_scenarios_list_every_packaged_scenario_with_known_overrides(client) -> None:
    body = client.get("/api/sim/scenarios").json()
    specs = load_parameter_specs()
    assert [s["name"] for s in body["data"]] == list(SCENARIO_NAMES)
    assert body["count"] == len(SCENARIO_NAMES)
    for scenario in body["data"]:
        assert scenario["description"]
        for key, value in scenario["overrides"].items():
            lo, hi = specs[key].range
            assert lo <= value <= hi


def test_parameters_carry_range_unit_source_and_lever_flag(client) -> None:
    rows = client.get("/api/sim/parameters").json()["data"]
    specs = load_parameter_specs()
    assert {r["name"] for r in rows} == set(specs)
    for row in rows:
        assert row["min"] <= row["value"] <= row["max"]
        assert row["unit"] and (row["source"] or row["assumption"])
    levers = client.get("/api/sim/parameters?lever=true").json()["data"]
    assert {r["name"] for r in levers} == {k for k, s in specs.items() if s.lever}
    csv = client.get("/api/sim/parameters?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("name,value,min,max,unit")


# --------------------------------------------------------------------------- bad requests


def test_unknown_parameter_is_named_with_the_allowed_ones(client) -> None:
    text = messages(client.post("/api/sim/runs", json={**TINY, "overrides": {"magic": 1.0}}))
    assert "'magic'" in text and "violence_multiplier" in text


def test_out_of_range_override_names_the_parameter_and_its_range(client) -> None:
    specs = load_parameter_specs()
    lo, hi = specs["violence_multiplier"].range
    flo, fhi = specs["smuggler_fee_multiplier"].range
    bad = {"violence_multiplier": hi + 1, "smuggler_fee_multiplier": flo - 1, "deterrence_add": 0}
    response = client.post("/api/sim/runs", json={**TINY, "overrides": bad})
    text = messages(response)
    assert "violence_multiplier" in text and f"[{lo}, {hi}]" in text
    assert "smuggler_fee_multiplier" in text and f"[{flo}, {fhi}]" in text
    located = [d["loc"] for d in response.json()["detail"]]
    assert located == [
        ["body", "overrides", "violence_multiplier"],
        ["body", "overrides", "smuggler_fee_multiplier"],
    ]


def test_sizes_over_the_web_limits_are_refused_with_the_limit(client) -> None:
    text = messages(client.post("/api/sim/runs", json={**TINY, "households": 50_001}))
    assert "households 50,001" in text and "50,000" in text
    defaults = sim_jobs.SimWebSettings()
    text = messages(client.post("/api/sim/runs", json={**TINY, "months": defaults.max_months + 1}))
    assert f"limit of {defaults.max_months}" in text
    text = messages(
        client.post("/api/sim/runs", json={**TINY, "members": defaults.max_members + 1})
    )
    assert f"limit of {defaults.max_members}" in text


def test_limits_come_from_the_environment(client, monkeypatch) -> None:
    monkeypatch.setenv("ROOTCAUSES_SIM_WEB_MAX_HOUSEHOLDS", "1234")
    assert sim_jobs.SimWebSettings().max_households == 1234
    assert client.get("/api/sim/limits").json()["max_households"] == 50_000  # this app's


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**TINY, "scenario": "utopia"}, "scenario"),
        ({**TINY, "households": 0}, "households"),
        ({**TINY, "members": 1}, "members"),
        ({**TINY, "start": "2019-13"}, "start"),
        ({**TINY, "colour": "red"}, "colour"),
        ({**TINY, "overrides": {"violence_multiplier": "lots"}}, "overrides"),
        ({**TINY, "overrides": {"violence_multiplier": "0.5"}}, "overrides"),
        ({**TINY, "overrides": {"violence_multiplier": True}}, "overrides"),
    ],
)
def test_bad_fields_are_422_naming_the_field(client, body: dict, field: str) -> None:
    response = client.post("/api/sim/runs", json=body)
    assert response.status_code == 422
    assert any(field in map(str, d["loc"]) for d in response.json()["detail"])


def test_malformed_json_is_422(client) -> None:
    response = client.post(
        "/api/sim/runs", content=b'{"scenario": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.text


def test_unknown_run_is_404(client) -> None:
    assert client.get("/api/sim/runs/feedfacecafe").status_code == 404
    assert client.delete("/api/sim/runs/feedfacecafe").status_code == 404
    assert "feedfacecafe" in client.get("/api/sim/runs/feedfacecafe").json()["detail"]


# --------------------------------------------------------------------------- runs


def test_a_tiny_run_completes_with_bands(client) -> None:
    response = client.post("/api/sim/runs", json=TINY)
    assert response.status_code == 202
    run_id = response.json()["id"]
    assert response.headers["location"] == f"/api/sim/runs/{run_id}"
    job = wait(client, run_id)
    assert job["status"] == "done", job["error"]
    assert job["progress"] == {"done": 2 * TINY["members"], "total": 2 * TINY["members"]}
    result = job["result"]
    assert (result["scenario"], result["baseline"]) == ("harris_strategy", "status_quo")
    months = {d["month"] for d in result["differences"]}
    assert len(months) == TINY["months"]
    for row in result["differences"]:
        assert row["lo"] <= row["mean"] <= row["hi"]
    total = result["totals"]["ALL"]["difference"]
    assert total["lo"] <= total["mean"] <= total["hi"]
    csv = client.get(f"/api/sim/runs/{run_id}/differences?format=csv").text.splitlines()
    assert csv[0].split(",")[:5] == ["month", "citizenship", "mean", "lo", "hi"]
    assert len(csv) == 1 + len(result["differences"])
    listed = client.get("/api/sim/runs").json()["data"]
    assert [j["id"] for j in listed] == [run_id] and "result" not in listed[0]


def test_overrides_are_applied_on_top_of_the_scenario(client) -> None:
    lever = {"violence_multiplier": 0.5}
    run_id = client.post("/api/sim/runs", json={**TINY, "overrides": lever}).json()["id"]
    result = wait(client, run_id)["result"]
    assert result["scenario"] == "harris_strategy (custom)"
    assert result["overrides"]["violence_multiplier"] == 0.5
    assert "income_growth_extra" in result["overrides"]  # the scenario's own override stays


def test_cancel_a_queued_and_a_running_run(gated) -> None:
    client, gate = gated
    first = client.post("/api/sim/runs", json=TINY).json()["id"]
    assert gate.entered.wait(WAIT_S)  # the worker is inside the first run
    second = client.post("/api/sim/runs", json=TINY).json()["id"]
    assert client.get(f"/api/sim/runs/{second}").json()["status"] == "queued"
    assert client.post("/api/sim/runs", json=TINY).status_code == 429  # queue of 2 is full

    assert client.delete(f"/api/sim/runs/{second}").json()["status"] == "cancelled"
    answer = client.delete(f"/api/sim/runs/{first}").json()
    assert answer["status"] == "running" and answer["cancel_requested"]
    gate.opened.set()
    job = wait(client, first)
    assert job["status"] == "cancelled" and job["result"] is None
    assert client.get(f"/api/sim/runs/{first}/differences").status_code == 409


def test_cancel_stops_a_run_between_ensemble_members(client, monkeypatch) -> None:
    registry = client.app.state.sim_jobs
    real_hook = sim_jobs.cancel_hook

    def cancel_after_first_member(job):
        hook = real_hook(job)

        def progress(done: int, total: int) -> None:
            if done == 1:
                registry.cancel(job.id)  # as DELETE does, while the ensemble is running
            hook(done, total)

        return progress

    monkeypatch.setattr(sim_jobs, "cancel_hook", cancel_after_first_member)
    run_id = client.post("/api/sim/runs", json={**TINY, "members": 3}).json()["id"]
    job = wait(client, run_id)
    assert job["status"] == "cancelled" and job["result"] is None
    assert job["progress"]["done"] < job["progress"]["total"] == 6


def test_cancel_hook_raises_once_the_event_is_set() -> None:
    job = sim_jobs.Job("abc", sim_jobs.RunCreate(scenario="deterrence"), None, None, "now")  # type: ignore[arg-type]
    hook = sim_jobs.cancel_hook(job)
    hook(1, 4)
    assert (job.done, job.total) == (1, 4)
    job.cancel_event.set()
    with pytest.raises(sim_jobs.Cancelled):
        hook(2, 4)


def test_inputs_are_loaded_once_per_start_and_length(tmp_path: Path) -> None:
    calls = []

    def counting(settings: Settings, start: dt.date, months: int) -> SimInputs:
        calls.append((start, months))
        return load_tiny(settings, start, months)

    client = make_client(tmp_path / "home", loader=counting)
    try:
        for body in (TINY, {**TINY, "seed": 3}, {**TINY, "months": 7}):
            assert wait(client, client.post("/api/sim/runs", json=body).json()["id"])["result"]
        assert calls == [(dt.date(2019, 1, 1), 6), (dt.date(2019, 1, 1), 7)]
    finally:
        client.app.state.sim_jobs.close()


def test_a_finished_run_cannot_be_cancelled(client) -> None:
    run_id = client.post("/api/sim/runs", json=TINY).json()["id"]
    wait(client, run_id)
    assert client.delete(f"/api/sim/runs/{run_id}").status_code == 409


# --------------------------------------------------------------------------- stored results


def make_store(home: Path) -> None:
    """A stand-in build with only ``build_info``, made current in ``home``."""
    made = home.parent / "made.duckdb"
    con = duckdb.connect(str(made))
    con.execute("CREATE TABLE build_info AS SELECT 'testbuild' AS build_id")
    con.close()
    import_build(Settings(home=home), made)


def test_results_need_a_store_and_the_503_hides_the_path(client, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="rootcauses.api"):
        response = client.get("/api/sim/results")
    assert response.status_code == 503
    body = response.json()
    home = str(client.app.state.settings.home)
    assert home not in response.text and "rootcauses data build" not in response.text
    assert body["error_id"] in body["detail"]
    logged = [r.getMessage() for r in caplog.records if body["error_id"] in r.getMessage()]
    assert logged and "rootcauses data build" in logged[0] and home in logged[0]


def tracker_tokens(client: TestClient, home: Path, *roles: str) -> dict[str, str]:
    """API tokens of new tracker users with ``roles``, on a tracker the app then uses."""
    from rootcauses.tracker import service
    from rootcauses.tracker.auth import Actor
    from rootcauses.tracker.db import open_tracker
    from rootcauses.tracker.schemas import UserCreate

    home.mkdir(parents=True, exist_ok=True)
    tracker = open_tracker(Settings(home=home))
    tokens = {}
    with tracker.session(write=True) as session:
        for role in roles:
            _, tokens[role] = service.create_user(
                session, UserCreate(name=f"{role}-user", role=role), Actor("setup", "admin")
            )
    client.app.state.tracker = tracker
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_finished_runs_are_stored_and_listed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_store(home)
    client = make_client(home)
    editor = bearer(tracker_tokens(client, home, "editor")["editor"])
    try:
        assert client.get("/api/sim/results").json()["count"] == 0
        ids = [
            client.post("/api/sim/runs", json={**TINY, "seed": s}, headers=editor).json()["id"]
            for s in (1, 2)
        ]
        stored = [wait(client, i)["stored_run_id"] for i in ids]
        assert all(stored)
        page = client.get("/api/sim/results?limit=1").json()
        assert page["count"] == 2 and len(page["data"]) == 1
        assert page["data"][0]["run_id"] in stored and page["data"][0]["kind"] == "compare"
        listed = client.get("/api/sim/results").json()["data"]
        stamps = [r["created_at"] for r in listed]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        assert {r["run_id"] for r in listed} == set(stored)
        assert client.get("/api/sim/results?scenario=deterrence").json()["count"] == 0
        csv = client.get(f"/api/sim/results/{stored[0]}?format=csv").text.splitlines()
        assert "encounters_difference" in csv[1] and csv[0].startswith("run_id,")
        assert client.get("/api/sim/results/000000000000").status_code == 404
        assert client.get("/api/sim/results/x'; DROP TABLE sim_runs").status_code in (404, 422)
        assert client.get("/api/sim/results?limit=100000").status_code == 422
    finally:
        client.app.state.sim_jobs.close()


# --------------------------------------------------------------------------- tokens


@pytest.fixture
def locked(tmp_path: Path, monkeypatch) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from rootcauses.tracker import service
    from rootcauses.tracker.auth import Actor
    from rootcauses.tracker.db import open_tracker
    from rootcauses.tracker.schemas import UserCreate

    monkeypatch.setenv("ROOTCAUSES_SIM_WEB_REQUIRE_TOKEN", "true")
    home = tmp_path / "home"
    home.mkdir()
    client = make_client(home)
    tracker = open_tracker(Settings(home=home))
    tokens = {}
    with tracker.session(write=True) as session:
        for role in ("viewer", "editor"):
            _, tokens[role] = service.create_user(
                session, UserCreate(name=role, role=role), Actor("setup", "admin")
            )
    client.app.state.tracker = tracker
    yield client, tokens
    client.app.state.sim_jobs.close()
    tracker.dispose()


def test_writes_need_an_editor_token_when_required(locked) -> None:
    client, tokens = locked
    assert client.app.state.sim_jobs.limits.require_token
    assert client.post("/api/sim/runs", json=TINY).status_code == 401
    bad = {"Authorization": "Bearer rct_not-a-token"}
    assert client.post("/api/sim/runs", json=TINY, headers=bad).status_code == 401
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    assert client.post("/api/sim/runs", json=TINY, headers=viewer).status_code == 403
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    response = client.post("/api/sim/runs", json=TINY, headers=editor)
    assert response.status_code == 202
    run_id = response.json()["id"]
    assert client.delete(f"/api/sim/runs/{run_id}").status_code == 401
    assert client.get(f"/api/sim/runs/{run_id}").status_code == 200  # reading stays open


def test_a_run_without_a_store_is_503(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "empty")
    app = create_app(settings)
    app.state.sim_jobs = sim_jobs.JobRegistry(settings)  # reads inputs from the (missing) store
    try:
        response = TestClient(app).post("/api/sim/runs", json=TINY)
        assert response.status_code == 503 and response.json()["error_id"]
        assert str(tmp_path) not in response.text
    finally:
        app.state.sim_jobs.close()


def test_local_use_needs_no_token(client) -> None:
    assert client.post("/api/sim/runs", json=TINY).status_code == 202


# --------------------------------------------------------------------------- owners and memory


def test_a_run_hands_its_owner_a_token_in_a_header_and_a_strict_cookie(client) -> None:
    response = client.post("/api/sim/runs", json=TINY)
    token = response.headers[sim_api.OWNER_HEADER]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sim_api.OWNER_COOKIE}={token};")
    for flag in ("HttpOnly", "SameSite=strict", "Path=/api/sim"):
        assert flag.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # plain http here; https gets Secure
    assert token not in str(client.get(f"/api/sim/runs/{response.json()['id']}").json())
    # the same browser (cookie) keeps its token for its next runs
    wait(client, response.json()["id"])
    again = client.post("/api/sim/runs", json=TINY)
    assert again.headers[sim_api.OWNER_HEADER] == token


def test_only_the_owner_or_an_admin_lists_and_cancels_a_run(gated, tmp_path: Path) -> None:
    owner, gate = gated
    tokens = tracker_tokens(owner, tmp_path / "home", "editor", "admin")
    stranger = TestClient(owner.app)  # another browser: no cookie
    first = owner.post("/api/sim/runs", json=TINY)
    run_id, token = first.json()["id"], first.headers[sim_api.OWNER_HEADER]
    assert gate.entered.wait(WAIT_S)

    assert [j["id"] for j in owner.get("/api/sim/runs").json()["data"]] == [run_id]
    listed = stranger.get("/api/sim/runs")
    assert listed.json()["data"] == [] and listed.json()["count"] == 0
    assert listed.headers["x-total-count"] == "0"
    assert stranger.get(f"/api/sim/runs/{run_id}").status_code == 200  # the id is enough to read
    refused = stranger.delete(f"/api/sim/runs/{run_id}")
    assert refused.status_code == 403 and "owner" in refused.json()["detail"]
    editor = bearer(tokens["editor"])
    assert stranger.delete(f"/api/sim/runs/{run_id}", headers=editor).status_code == 403
    assert stranger.get(f"/api/sim/runs/{run_id}").json()["cancel_requested"] is False

    # an API client that kept the owner token may; so may an admin
    header = {sim_api.OWNER_HEADER: token}
    assert [j["id"] for j in stranger.get("/api/sim/runs", headers=header).json()["data"]] == [
        run_id
    ]
    second = stranger.post("/api/sim/runs", json=TINY).json()["id"]
    admin = bearer(tokens["admin"])
    assert {
        j["id"] for j in TestClient(owner.app).get("/api/sim/runs", headers=admin).json()["data"]
    } == {run_id, second}
    assert stranger.delete(f"/api/sim/runs/{second}", headers=admin).json()["status"] == (
        "cancelled"
    )
    answer = stranger.delete(f"/api/sim/runs/{run_id}", headers=header)
    assert answer.status_code == 202 and answer.json()["cancel_requested"]
    gate.opened.set()
    assert wait(owner, run_id)["status"] == "cancelled"


def test_the_tracker_user_who_started_a_run_may_cancel_it(gated, tmp_path: Path) -> None:
    client, gate = gated
    editor = bearer(tracker_tokens(client, tmp_path / "home", "editor")["editor"])
    run_id = client.post("/api/sim/runs", json=TINY, headers=editor).json()["id"]
    assert gate.entered.wait(WAIT_S)
    elsewhere = TestClient(client.app)  # same user, another client without the owner token
    assert elsewhere.delete(f"/api/sim/runs/{run_id}", headers=editor).status_code == 202
    gate.opened.set()
    assert wait(client, run_id)["status"] == "cancelled"


def test_a_malformed_owner_token_is_422(client) -> None:
    response = client.get("/api/sim/runs", headers={sim_api.OWNER_HEADER: "short"})
    assert response.status_code == 422
    assert ["header", "x-sim-owner"] in [d["loc"] for d in response.json()["detail"]]


def test_anonymous_runs_are_not_stored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_store(home)
    client = make_client(home)
    viewer = bearer(tracker_tokens(client, home, "viewer")["viewer"])
    try:
        anonymous = wait(client, client.post("/api/sim/runs", json=TINY).json()["id"])
        as_viewer = client.post("/api/sim/runs", json=TINY, headers=viewer).json()["id"]
        assert anonymous["status"] == wait(client, as_viewer)["status"] == "done"
        assert anonymous["stored_run_id"] is None and anonymous["result"]
        assert client.get("/api/sim/results").json()["count"] == 0
    finally:
        client.app.state.sim_jobs.close()


def test_finished_runs_in_memory_are_bounded_and_expire(tmp_path: Path) -> None:
    client = make_client(tmp_path / "home", keep_finished=2)
    registry = client.app.state.sim_jobs
    try:
        ids = []
        for seed in range(3):
            ids.append(client.post("/api/sim/runs", json={**TINY, "seed": seed}).json()["id"])
            wait(client, ids[-1])
        listed = [j["id"] for j in client.get("/api/sim/runs").json()["data"]]
        assert listed == [ids[2], ids[1]]  # only the newest two finished runs are kept
        assert client.get(f"/api/sim/runs/{ids[0]}").status_code == 404
        registry.limits = sim_jobs.SimWebSettings(keep_finished=2, keep_minutes=1e-4)  # 6 ms
        time.sleep(0.05)
        assert client.get(f"/api/sim/runs/{ids[2]}").status_code == 404
        assert client.get("/api/sim/runs").json()["count"] == 0
    finally:
        registry.close()


def test_a_failed_run_shows_a_generic_message_and_an_id(tmp_path: Path, caplog) -> None:
    def broken(settings: Settings, start: dt.date, months: int) -> SimInputs:
        raise RuntimeError(f"cannot open {settings.home}/secret.duckdb as user postgres")

    client = make_client(tmp_path / "home", loader=broken)
    try:
        with caplog.at_level(logging.ERROR, logger=sim_jobs.log.name):
            job = wait(client, client.post("/api/sim/runs", json=TINY).json()["id"])
        assert job["status"] == "failed" and job["result"] is None
        assert job["error_id"] and job["error_id"] in job["error"]
        shown = str(client.get(f"/api/sim/runs/{job['id']}").json())
        assert "secret" not in shown and "postgres" not in shown and "RuntimeError" not in shown
        logged = [r for r in caplog.records if job["error_id"] in r.getMessage()]
        assert logged and "secret.duckdb" in str(logged[0].exc_info[1])
    finally:
        client.app.state.sim_jobs.close()
