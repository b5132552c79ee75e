"""Bad requests get a 4xx with a message saying what was wrong, never a 500, and change nothing.

The cases are drawn from the app's OpenAPI schema (every GET operation's string parameters, every
paged endpoint's ``limit``, every JSON write body), so an endpoint added later is covered
without editing this file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from rootcauses.config import Settings
from rootcauses.store import import_build
from rootcauses.tracker import files, service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import Tracker, open_tracker
from rootcauses.tracker.schemas import UserCreate
from rootcauses.web.app import create_app

SQL_LIKE = ["GTM' OR 1=1--", "1; DROP TABLE encounters", "x'); DELETE FROM commitments; --"]
# Filters where "matches nothing" is a true answer (a free-text search, an id that may be
# added later): a 200 with no rows is accepted there as well as a 4xx.
MAY_MATCH_NOTHING = {
    ("/api/tracker/commitments", "q"),
    ("/api/tracker/commitments", "pillar"),
    ("/api/sim/results", "scenario"),
}
# Plausible values for path parameters that are not the one under test.
PATH_VALUES = {"name": "homicide_rate", "commitment_id": "C001", "run_id": "0123456789ab"}
TRACKER_TABLES = ("commitments", "targets", "progress_reports", "audit_log", "users")


@dataclass
class Served:
    client: TestClient
    settings: Settings
    tracker: Tracker
    admin: str


def _schema() -> dict:
    return create_app(Settings(home=Path("/nonexistent"))).openapi()


SCHEMA = _schema()


def _is_text(schema: dict) -> bool:
    """A string (or list of strings) parameter, including enums and patterned strings."""
    kinds = [schema, *schema.get("anyOf", [])]
    return any(
        k.get("type") == "string"
        or k.get("items", {}).get("type") == "string"
        or "$ref" in k
        or "enum" in k
        for k in kinds
    )


def _fill(path: str, params: list[dict], override: dict[str, str] | None = None) -> str:
    values = {**PATH_VALUES, **(override or {})}
    for p in params:
        if p["in"] == "path":
            path = path.replace(f"{{{p['name']}}}", values.get(p["name"], "x"))
    return path


def _get_cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for path, ops in SCHEMA["paths"].items():
        if "get" not in ops or not path.startswith("/api/"):
            continue
        for p in ops["get"].get("parameters", []):
            if p["in"] in ("query", "path") and _is_text(p["schema"]):
                cases.extend((path, p["in"], p["name"], value) for value in SQL_LIKE)
    return cases


def _limit_cases() -> list[tuple[str, int]]:
    return [
        (path, p["schema"]["maximum"])
        for path, ops in SCHEMA["paths"].items()
        if "get" in ops and path.startswith("/api/")
        for p in ops["get"].get("parameters", [])
        if p["name"] == "limit" and "maximum" in p["schema"]
    ]


def _write_cases() -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, ops in SCHEMA["paths"].items()
        for method, op in ops.items()
        if path.startswith("/api/")
        and "application/json" in op.get("requestBody", {}).get("content", {})
    ]


@pytest.fixture(scope="module")
def served(
    built_store: Settings, snapshot: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The app on a copy of the store and a seeded SQLite tracker, with an admin token."""
    home = tmp_path_factory.mktemp("bad-requests")
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    tracker = open_tracker(settings)
    batch = files.read_batch([snapshot / "strategy"])
    with tracker.session(write=True) as session:
        service.import_batch(session, batch, Actor(name="seed", role="admin"))
        _, admin = service.create_user(
            session, UserCreate(name="admin-1", role="admin"), Actor("setup", "admin")
        )
    app = create_app(settings)
    app.state.tracker = tracker
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Served(client, settings, tracker, admin)
    tracker.dispose()


def _fingerprint(served: Served) -> tuple:
    digest = hashlib.sha256(served.settings.store_path.read_bytes()).hexdigest()
    with served.tracker.engine.connect() as connection:
        counts = tuple(
            connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TRACKER_TABLES
        )
    return digest, counts


def _message(response) -> str:
    detail = response.json().get("detail")
    assert detail, f"no detail in {response.text}"
    if isinstance(detail, list):
        return " ".join(str(d.get("msg", "")) + " " + str(d.get("loc", "")) for d in detail)
    return str(detail)


def test_the_schema_yields_cases_for_the_data_endpoints() -> None:
    tested = {path for path, *_ in _get_cases()}
    assert {"/api/encounters", "/api/indicators/{name}", "/api/events"} <= tested
    assert {path for path, _ in _limit_cases()} >= {"/api/encounters", "/api/sources"}
    assert ("post", "/api/tracker/commitments") in _write_cases()


@pytest.mark.parametrize(("path", "where", "name", "value"), _get_cases())
def test_sql_like_strings_are_refused_and_change_nothing(
    served: Served, path: str, where: str, name: str, value: str
) -> None:
    params = SCHEMA["paths"][path]["get"].get("parameters", [])
    before = _fingerprint(served)
    if where == "path":
        response = served.client.get(_fill(path, params, {name: value.replace("/", "%2F")}))
    else:
        response = served.client.get(_fill(path, params), params={name: value})
    assert response.status_code < 500, response.text
    if (path, name) in MAY_MATCH_NOTHING and response.status_code == 200:
        assert response.json()["count"] == 0
    else:
        assert 400 <= response.status_code < 500, response.text
        assert _message(response)
    assert _fingerprint(served) == before


@pytest.mark.parametrize(("path", "maximum"), _limit_cases())
def test_a_huge_page_size_is_a_422_naming_the_maximum(
    served: Served, path: str, maximum: int
) -> None:
    params = SCHEMA["paths"][path]["get"].get("parameters", [])
    response = served.client.get(_fill(path, params), params={"limit": 10**9})
    assert response.status_code == 422
    message = _message(response)
    assert str(maximum) in message and "limit" in message


@pytest.mark.parametrize(("method", "path"), _write_cases())
def test_a_malformed_json_body_is_a_422(served: Served, method: str, path: str) -> None:
    params = SCHEMA["paths"][path][method].get("parameters", [])
    before = _fingerprint(served)
    response = served.client.request(
        method.upper(),
        _fill(path, params),
        content=b'{"commitment": "unterminated',
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {served.admin}"},
    )
    assert response.status_code == 422, response.text
    assert "json" in _message(response).lower()
    assert _fingerprint(served) == before


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/api/encounters?citizenship=XYZ", "unknown citizenship"),
        ("/api/encounters?citizenship=GTM&citizenship=Guatemala", "GUATEMALA"),
        ("/api/indicators/homicide_rate?country=XX", "unknown country"),
        ("/api/indicators/homicide_rate?country=ZZZ", "unknown country"),
        ("/api/events?country=ATLANTIS", "unknown country"),
        ("/api/indicators/no_such_indicator", "unknown indicator"),
        ("/api/encounters?start=2022-01&end=2021-01", "after end"),
        ("/api/indicators/homicide_rate?start=2020&end=2010", "after end"),
        ("/api/events?start=2021-06&end=2021-01", "after end"),
        ("/api/encounters?start=2021-13", "bad date"),
        ("/api/encounters?start=yesterday", "pattern"),
        ("/api/sources?offset=-1", "greater than or equal"),
    ],
)
def test_unknown_countries_and_reversed_dates_say_what_is_wrong(
    served: Served, url: str, says: str
) -> None:
    response = served.client.get(url)
    assert response.status_code == 422, response.text
    assert says in _message(response)
