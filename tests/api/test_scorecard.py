"""``GET /api/scorecard``: its contract (the issue's fields, the one paging contract, the error
model), filters, the CSV columns, the values equal to the library's, and 503 without a store;
``rootcauses scorecard`` prints the same rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rootcauses.analysis.scorecard import INTERFACE_COLUMNS, scorecard_from_store
from rootcauses.cli import app as cli
from rootcauses.config import Settings
from rootcauses.findings import cache
from rootcauses.web.app import create_app

PAGE = {"data", "count", "offset", "limit", "next"}


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


@pytest.fixture(scope="module")
def expected(built_store: Settings):
    from rootcauses.store import connect

    con = connect(built_store)
    try:
        return scorecard_from_store(con)
    finally:
        con.close()


def test_contract_and_values(client: TestClient, expected) -> None:
    response = client.get("/api/scorecard")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= PAGE | {"method", "design", "not_covered", "build_id"}
    assert body["count"] == len(expected.rows) == len(body["data"])
    assert response.headers["x-total-count"] == str(body["count"])
    for got, row in zip(body["data"], expected.rows, strict=True):
        assert set(got) >= set(INTERFACE_COLUMNS)
        for key in (*INTERFACE_COLUMNS, "statement", "caveats", "p_value"):
            assert got[key] == getattr(row, key), key
    assert "not the strategy's effect" in body["method"]


def test_filters_and_paging(client: TestClient) -> None:
    slv = client.get("/api/scorecard?country=SLV&pillar=P4").json()
    assert slv["count"] >= 1 and {(r["country"], r["pillar"]) for r in slv["data"]} == {
        ("SLV", "P4")
    }
    homicide = client.get("/api/scorecard?indicator=homicide_rate").json()
    assert [r["country"] for r in homicide["data"]] == ["GTM", "HND", "SLV"]
    none = client.get("/api/scorecard?verdict=insufficient_data").json()
    assert none["count"] > 0 and all(r["reason"] for r in none["data"])
    first = client.get("/api/scorecard?limit=5")
    assert len(first.json()["data"]) == 5 and 'rel="next"' in first.headers["link"]


@pytest.mark.parametrize(
    "query",
    ["country=MEX", "pillar=X1", "verdict=great", "indicator=nope", "limit=0", "format=xml"],
)
def test_bad_queries_are_422_with_the_error_model(client: TestClient, query: str) -> None:
    response = client.get(f"/api/scorecard?{query}")
    assert response.status_code == 422
    assert "error_id" in response.json()


def test_csv_has_the_interface_columns(client: TestClient, expected) -> None:
    response = client.get("/api/scorecard?format=csv&country=GTM")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == INTERFACE_COLUMNS
    mine = [r for r in expected.rows if r.country == "GTM"]
    assert [r["verdict"] for r in rows] == [r.verdict for r in mine]


def test_documented_with_its_model_and_the_error_model(client: TestClient) -> None:
    get = client.get("/openapi.json").json()["paths"]["/api/scorecard"]["get"]
    ok = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok.endswith("ScorecardPage")
    assert get["responses"]["503"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ErrorBody"
    )


def test_no_store_is_503(tmp_path: Path) -> None:
    cache.clear()
    response = TestClient(create_app(Settings(home=tmp_path / "empty"))).get("/api/scorecard")
    assert response.status_code == 503 and "error_id" in response.json()


def test_the_cli_prints_the_same_rows(built_store: Settings, client: TestClient) -> None:
    env = {"ROOTCAUSES_HOME": str(built_store.home), "ROOTCAUSES_DATA": str(built_store.data)}
    result = CliRunner().invoke(cli, ["scorecard", "--country", "HND", "-f", "json"], env=env)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    served = client.get("/api/scorecard?country=HND").json()["data"]
    assert [{k: r[k] for k in INTERFACE_COLUMNS} for r in served] == printed
    full = CliRunner().invoke(cli, ["scorecard", "--full"], env=env)
    assert full.exit_code == 0 and len(json.loads(full.output)["data"]) == 3 * len(printed)
    bad = CliRunner().invoke(cli, ["scorecard", "--country", "MEX"], env=env)
    assert bad.exit_code == 2
