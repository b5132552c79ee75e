"""Paging shared by every row-returning endpoint: limit/offset, count, next link, Link header."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rootcauses.api.deps import MAX_LIMIT, PageParams, frame_response
from rootcauses.config import Settings
from rootcauses.web.app import create_app

PAGED = [
    "/api/encounters",
    "/api/indicators",
    "/api/indicators/population",
    "/api/events",
    "/api/sources",
]


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


@pytest.mark.parametrize("path", PAGED)
def test_pages_walk_the_whole_answer(client: TestClient, path: str) -> None:
    first = client.get(path).json()  # the default page is the largest one
    total = first["count"]
    assert len(first["data"]) == min(total, MAX_LIMIT)
    assert (first["next"] is None) == (total <= MAX_LIMIT)
    size = max(min(total, MAX_LIMIT) // 3, 1)
    rows, url = [], f"{path}?limit={size}"
    while url:
        body = client.get(url).json()
        assert body["count"] == total and body["limit"] == size
        rows.extend(body["data"])
        url = body["next"]
    assert len(rows) == total and rows[: len(first["data"])] == first["data"]


def test_csv_pages_carry_a_link_header(client: TestClient) -> None:
    response = client.get("/api/sources?format=csv&limit=2&offset=2")
    frame = pd.read_csv(io.StringIO(response.text))
    total = int(response.headers["x-total-count"])
    assert len(frame) == 2 and total > 4
    assert 'rel="next"' in response.headers["link"] and "offset=4" in response.headers["link"]
    last = client.get(f"/api/sources?format=csv&limit=2&offset={total - 1}")
    assert "link" not in last.headers
    assert len(pd.read_csv(io.StringIO(last.text))) == 1


def test_a_page_past_the_end_is_empty_not_an_error(client: TestClient) -> None:
    body = client.get("/api/sources?offset=100000").json()
    assert body["data"] == [] and body["count"] > 0 and body["next"] is None


@pytest.mark.parametrize("path", PAGED)
def test_a_limit_over_the_maximum_is_a_422_naming_it(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?limit={MAX_LIMIT + 1}")
    assert response.status_code == 422
    assert f"{MAX_LIMIT}" in response.text and "limit" in response.text


def test_frame_response_without_paging_sends_everything() -> None:
    frame = pd.DataFrame({"a": range(3)})
    body = frame_response(frame, "json", "t").body
    assert b'"count":3' in body and b'"next":null' in body
    page = PageParams(limit=2, offset=0, url="http://x/api/t?format=json")
    paged = frame_response(frame, "json", "t", page)
    assert b'"next":"http://x/api/t?format=json&offset=2"' in paged.body
    assert paged.headers["link"] == '<http://x/api/t?format=json&offset=2>; rel="next"'
