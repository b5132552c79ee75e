"""Paging shared by every row-returning endpoint: limit/offset, count, next link, Link header."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rootcauses.api.deps import MAX_LIMIT, PageParams, frame_response
from rootcauses.config import Settings
from rootcauses.store import build_store, connect
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


def test_text_that_contains_midnight_is_sent_as_it_is() -> None:
    frame = pd.DataFrame(
        {
            "note": ["due 2024-01-01T00:00:00 UTC", "2024-02-01T00:00:00"],
            "month": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
            "period": pd.to_datetime(["2024-01-01", "2024-02-01"]),  # a DATE read from DuckDB
            "created_at": pd.to_datetime(["2024-01-01 00:00:00", "2024-01-01 10:30:05"]),
        }
    )
    rows = json.loads(frame_response(frame, "json", "t").body)["data"]
    assert [r["note"] for r in rows] == ["due 2024-01-01T00:00:00 UTC", "2024-02-01T00:00:00"]
    assert [r["month"] for r in rows] == ["2024-01-01", "2024-02-01"]
    assert [r["period"] for r in rows] == ["2024-01-01", "2024-02-01"]
    assert [r["created_at"] for r in rows] == ["2024-01-01T00:00:00", "2024-01-01T10:30:05"]


# --- a rebuild while the API is read ---------------------------------------------------------


def test_readers_move_to_a_new_build_between_requests_without_errors(
    snapshot: Path, tmp_path: Path
) -> None:
    """Readers keep reading through two rebuilds: every answer is a 200, each reader's answers
    never go back to an older build, and after a build every new request reads it — even while
    a slow request still holds the build it started on."""
    settings = Settings(home=tmp_path / "home", data=snapshot)
    build_store(settings, only=["cbp_sw"])
    app = create_app(settings)
    urls = ["/api/sources", "/api/encounters?basis=usbp&start=2020-01", "/api/indicators"]
    stop = threading.Event()
    seen: dict[int, list[tuple[int, int]]] = {}
    problems: list[str] = []

    def reader(k: int) -> None:
        client = TestClient(app, raise_server_exceptions=False)
        counts = seen.setdefault(k, [])
        i = 0
        while not stop.is_set():
            url = urls[i % len(urls)]
            response = client.get(url)
            if response.status_code != 200:
                problems.append(f"{url}: {response.status_code} {response.text[:200]}")
            elif url == "/api/sources":
                counts.append(response.json()["count"])
            i += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    check = TestClient(app)
    slow = connect(settings)  # a long request (an export) on the first build
    try:
        time.sleep(0.5)
        expected = []
        for only in (["cbp_sw", "ohss_usbp"], ["ohss_usbp"]):
            built = build_store(settings, only=only).path
            with duckdb.connect() as con:  # the new file itself, not through the code under test
                con.execute(f"ATTACH '{built}' AS built (READ_ONLY)")
                expected.append(con.execute("SELECT count(*) FROM built.sources").fetchone()[0])
            assert check.get("/api/sources").json()["count"] == expected[-1]
            time.sleep(0.5)
        assert slow.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
    finally:
        slow.close()
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert problems == []
    order = [1, *expected]  # sources per build, in the order the builds became current
    for counts in seen.values():
        assert counts, "a reader made no request"
        positions = [order.index(c) for c in counts]
        assert positions == sorted(positions)  # never back to an older build
        assert counts[-1] == expected[-1]
