from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


def test_catalogue(client: TestClient) -> None:
    body = client.get("/api/indicators").json()
    names = {row["indicator"] for row in body["data"]}
    assert {"population", "homicide_rate"} <= names and body["count"] == len(body["data"])


def test_indicator_with_filters_json_and_csv(client: TestClient) -> None:
    url = "/api/indicators/population?country=GTM&country=hnd&start=2019&end=2020"
    body = client.get(url).json()
    assert body["count"] == 4
    assert {r["country"] for r in body["data"]} == {"GTM", "HND"}
    assert all(r["period"][:4] in ("2019", "2020") for r in body["data"])
    gtm = [r["value"] for r in body["data"] if r["country"] == "GTM"]
    assert all(15e6 < v < 20e6 for v in gtm)
    csv = client.get(url + "&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert list(frame.columns)[:5] == ["country", "period", "period_end", "frequency", "value"]
    assert len(frame) == 4


def test_pages_report_the_total(client: TestClient) -> None:
    response = client.get("/api/indicators/population?country=GTM&limit=5&offset=5")
    body = response.json()
    assert len(body["data"]) == 5 and body["count"] > 5
    assert response.headers["x-total-count"] == str(body["count"])


def test_events(client: TestClient) -> None:
    body = client.get("/api/events?category=policy&country=XNT&start=2020&end=2020-12").json()
    assert body["count"] >= 1
    assert any("Title 42" in r["event"] for r in body["data"])
    assert all(r["date"].startswith("2020") for r in body["data"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/indicators/population?country=XYZ",
        "/api/indicators/population?country=GTM'%20OR%201=1--",
        "/api/indicators/not_an_indicator",
        "/api/indicators/population;DROP%20TABLE%20indicators",
        "/api/indicators/population?start=2020&end=2019",
        "/api/indicators/population?start=yesterday",
        "/api/indicators/population?limit=1000000",
        "/api/indicators/population?offset=-1",
        "/api/events?category=nonsense",
        "/api/events?country=ZZZ",
        "/api/events?start=2021&end=2020",
    ],
)
def test_bad_requests_are_422_with_a_message(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
