"""Department outlines and values over HTTP, checked against the store they come from."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.sources.geo_departments import ATTRIBUTION
from rootcauses.store import query
from rootcauses.web.app import create_app


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


def test_shapes_are_geojson_with_the_odbl_attribution(client: TestClient) -> None:
    body = client.get("/api/departments/shapes").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 54
    assert body["attribution"] == ATTRIBUTION and "ODbL" in body["licence"]
    huehue = next(f for f in body["features"] if f["id"] == "GT-13")
    assert huehue["properties"]["name"] == "Huehuetenango"
    assert huehue["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_values_equal_the_store(client: TestClient, built_store: Settings) -> None:
    body = client.get(
        "/api/departments/values?indicator=emigrants_per_1000_population&country=SLV"
    ).json()
    assert body["count"] == 14 and {r["country"] for r in body["data"]} == {"SLV"}
    with query.connect(built_store) as con:
        stored = dict(
            con.execute(
                "SELECT code, value FROM department_emigration "
                "WHERE indicator = 'emigrants_per_1000_population' AND country = 'SLV'"
            ).fetchall()
        )
    assert {r["code"]: r["value"] for r in body["data"]} == stored
    by_year = client.get(
        "/api/departments/values?indicator=emigrants_by_year_of_departure&year=2020"
    ).json()
    assert by_year["count"] == 14 and {r["period"] for r in by_year["data"]} == {"2020"}
    homicides = client.get("/api/departments/values?indicator=homicide_rate").json()
    assert homicides["count"] == 18  # Honduras 2019, from subnational_indicators


def test_the_catalogue_names_each_indicator_per_country(client: TestClient) -> None:
    rows = client.get("/api/departments/indicators").json()["data"]
    found = {(r["indicator"], r["country"]): r for r in rows}
    rate = found["emigrants_per_1000_population", "GTM"]
    assert rate["name"] == "Emigrants per 1,000 residents" and rate["departments"] == 22
    assert (rate["first_year"], rate["last_year"]) == (2018, 2018)
    assert found["emigrants_estimate_survey", "HND"]["measure"] == "survey estimate"


def test_bad_requests(client: TestClient) -> None:
    assert client.get("/api/departments/values?indicator=nope").status_code == 422
    assert client.get("/api/departments/values?indicator=x&country=MEX").status_code == 422
    assert client.get("/api/departments/values").status_code == 422
