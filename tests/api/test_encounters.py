from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app


def test_encounters_csv_for_guatemala(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    response = client.get("/api/encounters?citizenship=GTM&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(response.text))
    assert list(frame.columns) == ["month", "citizenship", "count"]
    assert set(frame["citizenship"]) == {"GTM"}
    fy21 = frame[(frame["month"] >= "2020-10-01") & (frame["month"] <= "2021-09-01")]
    assert fy21["count"].sum() == 283_035  # CBP's FY2021 Guatemala figure


def test_json_has_data_and_count(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    body = client.get("/api/encounters?basis=usbp&start=2019-01&end=2019-12").json()
    assert body["count"] == len(body["data"]) == 12 * 5


def test_bad_requests_are_422(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    assert client.get("/api/encounters?citizenship=XYZ").status_code == 422
    assert client.get("/api/encounters?start=2022-01&end=2021-01").status_code == 422
    assert client.get("/api/encounters?start=yesterday").status_code == 422
    assert client.get("/api/encounters?basis=other").status_code == 422


def test_sources_endpoint(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    body = client.get("/api/sources").json()
    ids = {row["id"] for row in body["data"]}
    assert {"cbp_state", "ohss_usbp_citizenship", "homicide"} <= ids
    assert all(len(row["sha256"]) == 64 for row in body["data"])
    csv = client.get("/api/sources?format=csv")
    assert csv.text.startswith("id,dataset,title")
