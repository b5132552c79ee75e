"""The tracker's REST API, on SQLite and on PostgreSQL: lists with computed status, details
with history, roll-ups, and authenticated, versioned edits (401/403/404/409/422)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from rootcauses.api import tracker as tracker_api
from rootcauses.api.paging import MAX_LIMIT
from rootcauses.config import Settings
from rootcauses.tracker import service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import WRITE_OPTION, Tracker
from rootcauses.tracker.schemas import UserCreate
from rootcauses.web import app as web_app
from tests.tracker.conftest import (  # noqa: F401 - the tracker's database fixtures
    fixture_backend,
    fixture_no_database_url,
    fixture_postgres,
    fixture_seeded,
)
from tests.tracker.test_db import wait_until_blocked

AS_OF = "2026-11-23"
NEW = {
    "id": "C600",
    "actor": "Example Cooperative",
    "actor_type": "ngo",
    "country": "HN",
    "pillar_ids": ["P1", "P5"],
    "commitment": "Train 5,000 women coffee growers by 2028",
    "metric": "women trained",
    "targets": [{"unit": "women", "value": 5000}],
    "announced_date": "2025-03",
    "deadline_text": "2028",
    "amount_usd": 1_500_000,
    "source_urls": ["https://example.org/coop"],
}


@pytest.fixture
def client(seeded: Tracker, tmp_path: Path) -> Iterator[TestClient]:
    app = web_app.create_app(Settings(home=tmp_path / "home"))
    if tracker_api.router not in web_app.API_ROUTERS:  # until the web app mounts it
        app.include_router(tracker_api.router, prefix="/api")
    app.state.tracker = seeded
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tokens(seeded: Tracker) -> dict[str, str]:
    made = {}
    with seeded.session(write=True) as session:
        for role in ("viewer", "editor", "admin"):
            _, made[role] = service.create_user(
                session, UserCreate(name=f"{role}-1", role=role), Actor("setup", "admin")
            )
    return made


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts(tracker: Tracker) -> tuple[int, ...]:
    with tracker.engine.connect() as connection:
        return tuple(
            connection.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("commitments", "targets", "progress_reports", "audit_log")
        )


def problems(response) -> dict[str, str]:
    """A 422 answer as {"body.field.0": message}."""
    assert response.status_code == 422, response.text
    return {".".join(map(str, e["loc"])): e["msg"] for e in response.json()["detail"]}


# --------------------------------------------------------------------------- reading


def test_list_with_status_filters_and_pages(client: TestClient) -> None:
    everything = client.get(f"/api/tracker/commitments?as_of={AS_OF}&limit=500").json()
    assert everything["count"] == 56 == len(everything["data"])
    c106 = next(c for c in everything["data"] if c["id"] == "C106")
    assert c106["status"] == "achieved" and "reaches the target" in c106["status_reason"]
    assert c106["targets"][0]["latest_value"] == 1200
    achieved = client.get(f"/api/tracker/commitments?status=achieved&as_of={AS_OF}").json()
    assert [c["id"] for c in achieved["data"]] == ["C106"]
    salvador = client.get("/api/tracker/commitments?country=SV").json()
    assert {c["id"] for c in salvador["data"]} == {"C122", "C132", "C202"}
    partners = client.get("/api/tracker/commitments?actor_type=partner_gov&pillar=M5").json()
    assert {c["id"] for c in partners["data"]} == {"C201", "C202"}
    page = client.get("/api/tracker/commitments?limit=10&offset=50").json()
    assert page["count"] == 56 and len(page["data"]) == 6
    assert page["offset"] == 50 and page["limit"] == 10 and page["next"] is None
    first = client.get("/api/tracker/commitments?limit=10")
    assert first.headers["x-total-count"] == "56" and 'rel="next"' in first.headers["link"]
    assert first.json()["next"].endswith("limit=10&offset=10")
    assert client.get(f"/api/tracker/commitments?limit={MAX_LIMIT + 1}").status_code == 422
    assert client.get("/api/tracker/commitments?status=fine").status_code == 422
    assert client.get("/api/tracker/commitments?country=Atlantis").status_code == 422


def test_a_commitment_with_its_progress_and_history(client: TestClient) -> None:
    body = client.get(f"/api/tracker/commitments/C103?as_of={AS_OF}").json()
    assert body["status"] == "missed" and body["version"] == 1
    assert len(body["progress"]) == 3
    assert body["history"][0]["action"] == "create"
    assert body["history"][0]["after"]["actor"] == "Microsoft"
    history = client.get("/api/tracker/commitments/C103/history").json()
    assert history["count"] == 4  # the commitment and its three reports
    progress = client.get("/api/tracker/commitments/C103/progress").json()
    assert progress["count"] == 3
    assert client.get("/api/tracker/commitments/C999").status_code == 404


def test_rollups(client: TestClient) -> None:
    for by in ("pillar", "actor", "actor_type", "country"):
        body = client.get(f"/api/tracker/rollups?by={by}&as_of={AS_OF}").json()
        assert body["by"] == by and body["count"] == len(body["data"])
        assert body["total"]["commitments"] == 56
        assert body["total"]["without_metric"] == 16
        assert body["total"]["without_deadline"] == 37
    by_type = client.get("/api/tracker/rollups?by=actor_type").json()
    assert sum(r["commitments"] for r in by_type["data"]) == 56
    assert client.get("/api/tracker/rollups?by=colour").status_code == 422
    assert client.get("/api/tracker/pillars").json()["count"] == 23
    rules = client.get("/api/tracker/status-rules").json()
    assert rules["on_track_tolerance"] == 0.1 and "no_metric" in rules["statuses"]


# --------------------------------------------------------------------------- authentication


def test_writes_need_a_token_and_the_role(
    client: TestClient, seeded: Tracker, tokens: dict[str, str]
) -> None:
    before = counts(seeded)
    anonymous = client.post("/api/tracker/commitments", json=NEW)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    forged = client.post("/api/tracker/commitments", json=NEW, headers=auth("rct_forged"))
    assert forged.status_code == 401
    viewer = client.post("/api/tracker/commitments", json=NEW, headers=auth(tokens["viewer"]))
    assert viewer.status_code == 403 and "editor role" in viewer.json()["detail"]
    progress = {"date": "2026-01", "value": 1, "evidence_url": "https://e.org/x"}
    for response in (
        client.post("/api/tracker/commitments/C001/progress", json=progress),
        client.post(
            "/api/tracker/commitments/C001/progress", json=progress, headers=auth(tokens["viewer"])
        ),
        client.patch("/api/tracker/commitments/C001", json={"version": 1, "notes": "x"}),
        client.delete("/api/tracker/commitments/C001?version=1", headers=auth(tokens["editor"])),
        client.post(
            "/api/tracker/users",
            json={"name": "z", "role": "admin"},
            headers=auth(tokens["editor"]),
        ),
        client.get("/api/tracker/users", headers=auth(tokens["viewer"])),
    ):
        assert response.status_code in (401, 403), response.text
    assert counts(seeded) == before
    assert client.get("/api/tracker/commitments/C001").json()["version"] == 1


def test_reading_can_require_a_token(
    client: TestClient, seeded: Tracker, tokens: dict[str, str]
) -> None:
    seeded.read_requires_token = True
    assert client.get("/api/tracker/commitments").status_code == 401
    assert client.get("/api/tracker/commitments", headers=auth(tokens["viewer"])).status_code == 200
    me = client.get("/api/tracker/me", headers=auth(tokens["viewer"])).json()
    assert (me["name"], me["role"]) == ("viewer-1", "viewer")


def test_admins_manage_users_and_the_token_is_shown_once(
    client: TestClient, tokens: dict[str, str]
) -> None:
    created = client.post(
        "/api/tracker/users", json={"name": "dora", "role": "editor"}, headers=auth(tokens["admin"])
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert client.get("/api/tracker/me", headers=auth(token)).json()["name"] == "dora"
    listed = client.get("/api/tracker/users", headers=auth(tokens["admin"])).json()
    assert "dora" in {u["name"] for u in listed["data"]} and token not in str(listed)
    again = client.post(
        "/api/tracker/users", json={"name": "dora", "role": "viewer"}, headers=auth(tokens["admin"])
    )
    assert again.status_code == 409


# --------------------------------------------------------------------------- writing


def test_create_update_and_delete(
    client: TestClient, seeded: Tracker, tokens: dict[str, str]
) -> None:
    editor, admin = auth(tokens["editor"]), auth(tokens["admin"])
    created = client.post("/api/tracker/commitments", json=NEW, headers=editor)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["version"], body["country"], body["deadline"]) == (1, "HND", "2028-12-31")
    assert body["status"] == "no_recent_data"
    updated = client.patch(
        "/api/tracker/commitments/C600",
        json={"version": 1, "targets": [{"unit": "women", "value": 6000}]},
        headers=editor,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.json()["targets"][0]["value"] == 6000
    history = client.get("/api/tracker/commitments/C600/history").json()["data"]
    assert [(e["action"], e["actor"]) for e in history] == [
        ("create", "editor-1"),
        ("update", "editor-1"),
    ]
    assert history[1]["before"]["targets"][0]["value"] == 5000
    stale = client.delete("/api/tracker/commitments/C600?version=1", headers=admin)
    assert stale.status_code == 409
    gone = client.delete("/api/tracker/commitments/C600?version=2", headers=admin)
    assert gone.status_code == 204
    assert client.get("/api/tracker/commitments/C600").status_code == 404
    assert client.get("/api/tracker/commitments/C600/history").json()["count"] == 3
    assert client.get("/api/tracker/commitments").json()["count"] == 56


def test_two_updates_based_on_the_same_version(client: TestClient, tokens: dict[str, str]) -> None:
    editor = auth(tokens["editor"])
    first = client.patch(
        "/api/tracker/commitments/C105", json={"version": 1, "amount_usd": 1.6e8}, headers=editor
    )
    second = client.patch(
        "/api/tracker/commitments/C105", json={"version": 1, "amount_usd": 9.9e8}, headers=editor
    )
    assert first.status_code == 200 and second.status_code == 409
    assert "based on version 1" in second.json()["detail"]
    current = client.get("/api/tracker/commitments/C105").json()
    assert (current["amount_usd"], current["version"]) == (1.6e8, 2)


def test_concurrent_updates_from_two_threads(client: TestClient, tokens: dict[str, str]) -> None:
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def patch(amount: float) -> None:
        barrier.wait()
        response = client.patch(
            "/api/tracker/commitments/C111",
            json={"version": 1, "amount_usd": amount},
            headers=auth(tokens["editor"]),
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=patch, args=(a,)) for a in (1e8, 2e8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [200, 409]
    assert client.get("/api/tracker/commitments/C111").json()["version"] == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"actor": None}, "body.actor", "valid string"),
        ({"actor": ""}, "body.actor", "at least 1 character"),
        ({"targets": [{"unit": "women", "value": -5}]}, "body.targets.0.value", "negative"),
        ({"targets": [{"unit": "women", "value": "lots"}]}, "body.targets.0.value", "number"),
        ({"source_urls": ["ftp://e.org/x"]}, "body.source_urls.0", "http(s) URL"),
        ({"announced_date": "2025-13"}, "body.announced_date", "not a real date"),
        ({"announced_date": "March 2025"}, "body.announced_date", "expected a date"),
        ({"pillar_ids": ["P1", "P42"]}, "body.pillar_ids.1", "unknown pillar 'P42'"),
        ({"id": "C001"}, "body.id", "already exists"),
        ({"country": "Atlantis"}, "body.country", "expected a country"),
        ({"actor_type": "church"}, "body.actor_type", "Input should be"),
        ({"amount_usd": -1}, "body.amount_usd", "greater than or equal to 0"),
        ({"colour": "red"}, "body.colour", "Extra inputs"),
    ],
)
def test_bad_input_is_422_with_field_messages(
    client: TestClient,
    seeded: Tracker,
    tokens: dict[str, str],
    change: dict,
    field: str,
    message: str,
) -> None:
    before = counts(seeded)
    response = client.post(
        "/api/tracker/commitments", json=NEW | change, headers=auth(tokens["editor"])
    )
    found = problems(response)
    assert field in found, found
    assert message in found[field], found
    assert counts(seeded) == before


def test_progress_reports(client: TestClient, seeded: Tracker, tokens: dict[str, str]) -> None:
    editor = auth(tokens["editor"])
    report = {
        "date": "2026-09-30",
        "value": 120_000_000,
        "unit": "USD",
        "evidence_url": "https://example.org/target-report",
        "note": "vendor spend so far",
    }
    created = client.post("/api/tracker/commitments/C116/progress", json=report, headers=editor)
    assert created.status_code == 201, created.text
    assert created.json()["recorded_by"] == "editor-1"
    body = client.get(f"/api/tracker/commitments/C116?as_of={AS_OF}").json()
    assert body["status"] == "on_track" and body["progress"][0]["value"] == 120_000_000
    bad = client.post(
        "/api/tracker/commitments/C116/progress",
        json=report | {"evidence_url": "mailto:someone@example.org"},
        headers=editor,
    )
    assert "body.evidence_url" in problems(bad)
    before = counts(seeded)
    unknown = client.post("/api/tracker/commitments/C999/progress", json=report, headers=editor)
    assert unknown.status_code == 404 and "C999" in unknown.json()["detail"]
    assert counts(seeded) == before
    report_id = created.json()["id"]
    assert client.delete(f"/api/tracker/progress/{report_id}", headers=editor).status_code == 403
    admin = auth(tokens["admin"])
    assert client.delete(f"/api/tracker/progress/{report_id}", headers=admin).status_code == 204
    assert client.get("/api/tracker/commitments/C116/progress").json()["count"] == 0


def test_updates_need_a_version(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.patch(
        "/api/tracker/commitments/C105", json={"notes": "x"}, headers=auth(tokens["editor"])
    )
    assert "body.version" in problems(response)
    assert dt.date.fromisoformat(AS_OF)  # the fixed judging date used above is a date


def test_the_api_is_documented() -> None:
    app = web_app.create_app(Settings(home=Path("/nonexistent")))
    if tracker_api.router not in web_app.API_ROUTERS:
        app.include_router(tracker_api.router, prefix="/api")
    paths = app.openapi()["paths"]
    assert {
        "/api/tracker/commitments",
        "/api/tracker/commitments/{commitment_id}",
        "/api/tracker/commitments/{commitment_id}/history",
        "/api/tracker/commitments/{commitment_id}/progress",
        "/api/tracker/rollups",
        "/api/tracker/users",
    } <= set(paths)
    assert set(paths["/api/tracker/commitments"]) == {"get", "post"}


# --------------------------------------------------------------------------- safety of writes


def test_the_role_is_checked_before_the_write_transaction_opens(
    client: TestClient, seeded: Tracker, tokens: dict[str, str]
) -> None:
    """A caller without the role never takes the write lock (SQLite: BEGIN IMMEDIATE)."""
    writes: list[str] = []

    def on_begin(connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            writes.append("begin")

    event.listen(seeded.engine, "begin", on_begin)
    try:
        viewer = auth(tokens["viewer"])
        refused = [
            client.post("/api/tracker/commitments", json=NEW),
            client.post("/api/tracker/commitments", json=NEW, headers=viewer),
            client.patch("/api/tracker/commitments/C001", json={"version": 1}, headers=viewer),
            client.delete(
                "/api/tracker/commitments/C001?version=1", headers=auth(tokens["editor"])
            ),
            client.post(
                "/api/tracker/commitments/C001/progress",
                json={"date": "2026-01", "value": 1, "evidence_url": "https://e.org/x"},
                headers=viewer,
            ),
            client.delete("/api/tracker/progress/x", headers=viewer),
            client.post("/api/tracker/users", json={"name": "z", "role": "admin"}, headers=viewer),
        ]
        assert [r.status_code for r in refused] == [401, 403, 403, 403, 403, 403, 403]
        assert writes == []
        created = client.post("/api/tracker/commitments", json=NEW, headers=auth(tokens["editor"]))
        assert created.status_code == 201 and writes == ["begin"]
    finally:
        event.remove(seeded.engine, "begin", on_begin)


def test_concurrent_creates_of_one_id_answer_409_not_500(
    client: TestClient, seeded: Tracker, tokens: dict[str, str]
) -> None:
    """The second of two creates of C600 at once: PostgreSQL lets both pass the "is the id
    taken?" check, so the loser hits the unique key (409); SQLite queues it behind the first
    writer's lock, after which the id is plainly taken (422 on the id field)."""
    answers: list[object] = []

    def second() -> None:
        try:
            answers.append(
                client.post("/api/tracker/commitments", json=NEW, headers=auth(tokens["editor"]))
            )
        except BaseException as exc:  # an unhandled server error surfaces here in tests
            answers.append(exc)

    with seeded.session(write=True) as session:
        service.create_commitment(
            session, tracker_api.CommitmentCreate(**NEW), Actor("first", "editor")
        )
        session.flush()
        thread = threading.Thread(target=second)
        thread.start()
        if seeded.dialect == "postgresql":
            wait_until_blocked(seeded)
    thread.join(60)
    (answer,) = answers
    assert not isinstance(answer, BaseException), repr(answer)
    expected = 409 if seeded.dialect == "postgresql" else 422
    assert answer.status_code == expected, answer.text
    assert answer.json()["error_id"]
    assert client.get("/api/tracker/commitments/C600").json()["actor"] == NEW["actor"]
    assert [
        e["actor"] for e in client.get("/api/tracker/commitments/C600/history").json()["data"]
    ] == ["first"]


def test_csv_downloads_quote_formulas_but_keep_numbers(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor = auth(tokens["editor"])
    formula = NEW | {
        "actor": "=cmd|' /C calc'!A0",
        "commitment": "@SUM(1+1)",
        "metric": "-5 points",
        "amount_usd": 2500,
    }
    assert client.post("/api/tracker/commitments", json=formula, headers=editor).status_code == 201
    progress = {"date": "2026-01", "value": -5, "unit": "women", "reported": "+3 then -8"}
    progress["evidence_url"] = "https://e.org/x"
    added = client.post("/api/tracker/commitments/C600/progress", json=progress, headers=editor)
    assert added.status_code == 201, added.text
    response = client.get("/api/tracker/commitments?q=C600&format=csv")
    (row,) = csv.DictReader(io.StringIO(response.text))
    assert row["actor"] == "'=cmd|' /C calc'!A0"
    assert (row["commitment"], row["metric"]) == ("'@SUM(1+1)", "'-5 points")
    assert float(row["amount_usd"]) == 2500 and float(row["last_progress_value"]) == -5
    assert row["last_progress_value"].startswith("-")  # a number, not quoted
    assert client.get("/api/tracker/commitments/C600").json()["actor"] == formula["actor"]
