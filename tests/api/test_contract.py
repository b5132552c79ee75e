"""One API contract, read from the OpenAPI document: every /api operation declares its answer's
model and the one error model, and every list takes and answers the one paging contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app

ERROR_CODES = ("400", "401", "403", "404", "409", "413", "422", "429", "500", "503")
PAGE_FIELDS = {"data", "count", "offset", "limit", "next"}
# Answers with ``data`` that are documents, not lists: the counts per group (every group, always)
# and the handful of dated headline findings of the landing page.
NOT_LISTS = ("/RollupPage", "/FindingsPublic")


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return create_app(Settings(home=tmp_path_factory.mktemp("home"))).openapi()


def _operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        if path.startswith("/api/"):
            for method, operation in methods.items():
                yield f"{method.upper()} {path}", operation


def _schema(openapi: dict, ref: str) -> dict:
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_every_operation_declares_its_model_and_the_error_model(openapi: dict) -> None:
    operations = dict(_operations(openapi))
    assert len(operations) >= 30
    for label, operation in operations.items():
        answers = operation["responses"]
        success = [code for code in answers if code.startswith("2")]
        assert len(success) == 1, label
        if success[0] != "204":
            schema = answers[success[0]]["content"]["application/json"]["schema"]
            assert "$ref" in schema, f"{label} declares no response model"
        for code in ERROR_CODES:
            error = answers[code]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorBody"}, (label, code)


def test_every_list_takes_limit_and_offset_and_answers_a_page(openapi: dict) -> None:
    lists = 0
    for label, operation in _operations(openapi):
        answer = operation["responses"].get("200", {}).get("content", {})
        ref = answer.get("application/json", {}).get("schema", {}).get("$ref", "")
        schema = _schema(openapi, ref) if ref else {}
        if "data" not in schema.get("properties", {}):
            continue
        if ref.endswith(NOT_LISTS):
            continue
        lists += 1
        assert set(schema["properties"]) >= PAGE_FIELDS, label
        parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert {"limit", "offset"} <= parameters, label
    assert lists >= 18  # data, tracker and simulation lists


def test_a_simulation_list_pages_like_every_other(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(home=tmp_path / "home")))
    whole = client.get("/api/sim/scenarios").json()
    first = client.get("/api/sim/scenarios?limit=2")
    body = first.json()
    assert body["count"] == whole["count"] > 2 and body["data"] == whole["data"][:2]
    assert (body["offset"], body["limit"]) == (0, 2)
    assert first.headers["x-total-count"] == str(whole["count"])
    assert body["next"].endswith("limit=2&offset=2")
    assert first.headers["link"] == f'<{body["next"]}>; rel="next"'
    last = client.get(f"/api/sim/scenarios?limit=2&offset={whole['count'] - 1}").json()
    assert len(last["data"]) == 1 and last["next"] is None
    csv = client.get("/api/sim/parameters?format=csv&limit=3")
    assert len(csv.text.splitlines()) == 4 and 'rel="next"' in csv.headers["link"]
    assert client.get("/api/sim/runs?offset=-1").status_code == 422
    assert client.get("/api/sim/runs?offset=99999999999999999999").status_code == 422
