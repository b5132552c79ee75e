"""One error model for the whole API: every error answer is ``{"detail", "error_id"}``, declared
on every operation; a 422 always lists its problems; a server error says nothing about the server
(paths, database host and user) and the log has the detail under the same id."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from rootcauses.api.errors import ERROR_RESPONSES, ErrorBody
from rootcauses.config import Settings
from rootcauses.store import import_build
from rootcauses.tracker import service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import open_tracker
from rootcauses.tracker.schemas import UserCreate
from rootcauses.web.app import create_app

ERROR_REF = "#/components/schemas/ErrorBody"


def error_body(response) -> ErrorBody:
    """The answer as the declared error model (raises if it is not one)."""
    assert response.status_code >= 400, response.text
    body = ErrorBody.model_validate(response.json())
    assert set(response.json()) == {"detail", "error_id"}
    return body


def logged_with(caplog: pytest.LogCaptureFixture, error_id: str) -> str:
    """Everything logged under ``error_id``: messages and the exceptions' text."""
    found = [r for r in caplog.records if error_id in r.getMessage()]
    assert found, f"nothing logged under error id {error_id}"
    return "\n".join(r.getMessage() + (f"\n{r.exc_info[1]!r}" if r.exc_info else "") for r in found)


# --------------------------------------------------------------------------- the contract


def test_every_api_operation_declares_the_one_error_model() -> None:
    schema = create_app(Settings(home=Path("/nonexistent"))).openapi()
    operations = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        if path.startswith("/api/")
        for method, op in ops.items()
    ]
    assert len(operations) > 20
    for path, method, op in operations:
        for code in map(str, ERROR_RESPONSES):
            content = op["responses"].get(code, {}).get("content", {})
            assert content.get("application/json", {}).get("schema") == {"$ref": ERROR_REF}, (
                f"{method.upper()} {path}: {code} does not declare ErrorBody"
            )
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    declared = schema["components"]["schemas"]["ErrorBody"]
    assert set(declared["required"]) == {"detail", "error_id"}


@pytest.fixture(scope="module")
def with_store(
    built_store: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("errors")
    import_build(Settings(home=home), built_store.store_path)
    with TestClient(create_app(Settings(home=home, data=built_store.data))) as client:
        yield client


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/encounters?citizenship=QQQ", "unknown citizenship"),
        ("/api/indicators/homicide_rate?country=ZZZ", "unknown country"),
        ("/api/indicators/homicide_rate?start=2020-05&end=2019-01", "is after end"),
        ("/api/encounters?start=2020-13", "bad date"),
        ("/api/encounters?start=May", "pattern"),  # FastAPI's own validation
    ],
)
def test_a_422_always_lists_its_problems(with_store: TestClient, url: str, message: str) -> None:
    response = with_store.get(url)
    assert response.status_code == 422
    body = error_body(response)
    assert isinstance(body.detail, list) and body.detail
    assert message in " ".join(p.msg for p in body.detail)
    assert all(p.loc for p in body.detail)


# --------------------------------------------------------------------------- server errors


def test_a_503_names_no_path_and_the_log_has_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(Settings(home=tmp_path / "secret-home")))
    with caplog.at_level(logging.ERROR, logger="rootcauses.api"):
        response = client.get("/api/encounters")
    assert response.status_code == 503
    body = error_body(response)
    assert "secret-home" not in response.text and str(tmp_path) not in response.text
    assert isinstance(body.detail, str) and body.error_id in body.detail
    assert "secret-home" in logged_with(caplog, body.error_id)


def test_tracker_database_errors_name_no_host_or_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secretuser:pw@127.0.0.1:1/trackerdb")
    client = TestClient(create_app(Settings(home=tmp_path)))
    with caplog.at_level(logging.ERROR, logger="rootcauses.api"):
        response = client.get("/api/tracker/commitments")
    assert response.status_code == 503
    body = error_body(response)
    for secret in ("secretuser", "127.0.0.1", "trackerdb", "pw"):
        assert secret not in str(body.detail), secret
    assert "secretuser" in logged_with(caplog, body.error_id)


def test_an_unhandled_error_is_a_500_in_the_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(home=tmp_path))

    @app.get("/api/boom")
    def boom(request: Request) -> None:
        raise RuntimeError(f"cannot open {tmp_path}/secret.duckdb")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="rootcauses.web"):
        response = client.get("/api/boom")
    assert response.status_code == 500
    body = error_body(response)
    assert "secret" not in response.text
    assert "secret.duckdb" in logged_with(caplog, body.error_id)


# --------------------------------------------------------------------------- client errors


def test_every_kind_of_client_error_is_in_the_model(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    settings = Settings(home=home)
    tracker = open_tracker(settings)
    with tracker.session(write=True) as session:
        _, viewer = service.create_user(
            session, UserCreate(name="v", role="viewer"), Actor("setup", "admin")
        )
        _, admin = service.create_user(
            session, UserCreate(name="a", role="admin"), Actor("setup", "admin")
        )
    app = create_app(settings)
    app.state.tracker = tracker
    client = TestClient(app)
    try:
        answers = {
            401: client.get("/api/tracker/me"),
            403: client.get("/api/tracker/users", headers={"Authorization": f"Bearer {viewer}"}),
            404: client.get("/api/tracker/commitments/C404"),
            409: client.post(
                "/api/tracker/users",
                json={"name": "v", "role": "viewer"},
                headers={"Authorization": f"Bearer {admin}"},
            ),
            413: client.post("/api/tracker/commitments", content=b"x" * (2 * 1024 * 1024 + 1)),
            422: client.get("/api/tracker/commitments?limit=0"),
        }
        for status, response in answers.items():
            assert response.status_code == status, (status, response.text)
            body = error_body(response)
            assert body.error_id and body.detail
        assert answers[401].headers["www-authenticate"] == "Bearer"
        assert client.get("/api/no-such-thing").json()["error_id"]
    finally:
        tracker.dispose()
