"""``GET /api/findings`` keeps its contract, the landing page shows every statement it serves,
and API answers carry the "data through" month (header; CSV file names) without changing CSVs."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.findings import compute_findings
from rootcauses.store import connect
from rootcauses.web.app import create_app

CONTRACT = {"id", "statement", "value", "unit", "period", "countries", "source", "chart"}


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


def test_findings_contract(client: TestClient, built_store: Settings) -> None:
    response = client.get("/api/findings")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "data_through"}
    assert re.fullmatch(r"\d{4}-\d{2}", body["data_through"])
    assert 5 <= len(body["data"]) <= 8
    for item in body["data"]:
        assert set(item) >= CONTRACT and item["caveat"]
        assert isinstance(item["value"], float | int) and isinstance(item["countries"], list)
        assert {"id", "title", "publisher", "url"} <= set(item["source"])
    con = connect(built_store)
    try:
        expected = compute_findings(con)
    finally:
        con.close()
    assert [i["statement"] for i in body["data"]] == [f.statement for f in expected.items]
    assert body["data_through"] == expected.data_through
    assert response.headers["x-data-through"] == body["data_through"]


def test_findings_are_documented_with_the_error_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    get = spec["paths"]["/api/findings"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "FindingsPublic"
    )
    assert get["responses"]["503"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ErrorBody"
    )


def test_landing_page_shows_every_finding_first(client: TestClient) -> None:
    findings = client.get("/api/findings").json()
    page = html.unescape(client.get("/").text)
    first = page.index('id="findings"')
    assert first < page.index('id="models-title"') < page.index('id="chart"')
    for item in findings["data"]:
        assert item["statement"] in page and item["caveat"] in page
        assert f'id="chart-{item["id"]}"' in page
        assert item["source"]["url"].split("; ")[0] in page
    for link in ('href="/drivers', 'href="/forecasts"', 'href="/policy-lab"'):
        assert link in page
    assert f'Data through <time datetime="{findings["data_through"]}">' in page


@pytest.mark.parametrize("path", ["/drivers", "/sources", "/forecasts", "/commitments"])
def test_every_page_has_the_stamp(client: TestClient, path: str) -> None:
    assert "Data through <time" in client.get(path).text


def test_csv_keeps_its_columns_and_names_the_month(client: TestClient) -> None:
    response = client.get("/api/encounters?citizenship=GTM&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["month", "citizenship", "count"]
    assert all(len(r) == 3 for r in rows)
    through = response.headers["x-data-through"]
    assert through == "2024-09" and rows[-1][0].startswith(through)
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="encounters-data-through-{through}.csv"'
    )


def test_without_a_store_findings_answer_503(tmp_path) -> None:
    response = TestClient(create_app(Settings(home=tmp_path))).get("/api/findings")
    assert response.status_code == 503
    assert set(response.json()) == {"detail", "error_id"}
    assert "x-data-through" not in response.headers
