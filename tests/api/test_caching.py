"""ETags, 304s, Cache-Control and the in-process response cache of store-backed data."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from rootcauses.api import caching
from rootcauses.config import Settings
from rootcauses.store import query
from rootcauses.web.app import create_app

CACHED = [
    "/api/encounters?citizenship=GTM",
    "/api/indicators",
    "/api/indicators/homicide_rate?country=GTM&start=2010",
    "/api/events?category=policy",
    "/api/sources",
]


@pytest.fixture
def own_store(built_store: Settings, tmp_path: Path) -> Settings:
    """A copy of the built store that a test may rebuild (rewrite) without touching others."""
    home = tmp_path / "own"
    home.mkdir()
    shutil.copy(built_store.store_path, home / "rootcauses.duckdb")
    return Settings(home=home, data=built_store.data)


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


@pytest.mark.parametrize("url", CACHED)
def test_store_data_carries_an_etag_and_revalidates_to_304(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and len(etag) > 10
    assert "max-age=" in first.headers["cache-control"]
    assert "must-revalidate" in first.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    stale = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_the_query_string_is_part_of_the_etag(client: TestClient) -> None:
    gtm = client.get("/api/encounters?citizenship=GTM").headers["etag"]
    hnd = client.get("/api/encounters?citizenship=HND").headers["etag"]
    csv = client.get("/api/encounters?citizenship=GTM&format=csv").headers["etag"]
    assert len({gtm, hnd, csv}) == 3


def test_a_repeated_chart_request_does_not_open_the_store(
    own_store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(own_store))
    url = "/api/indicators/homicide_rate?country=GTM&country=HND"
    first = client.get(url)
    assert first.status_code == 200 and first.headers.get("x-cache") != "hit"

    def no_store(*args, **kwargs):
        raise AssertionError("the cached answer opened the store")

    monkeypatch.setattr(query, "connect", no_store)
    second = client.get(url)
    assert second.status_code == 200 and second.headers["x-cache"] == "hit"
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["x-total-count"] == first.headers["x-total-count"]


def test_a_rebuild_changes_the_etag_and_drops_the_cached_answer(own_store: Settings) -> None:
    client = TestClient(create_app(own_store))
    url = "/api/encounters?citizenship=SLV&start=2021-01&end=2021-12"
    before = client.get(url)
    con = duckdb.connect(str(own_store.store_path))
    con.execute("UPDATE build_info SET build_id = build_id || '-rebuilt'")
    con.execute("UPDATE encounters SET count = count + 1 WHERE citizenship = 'SLV'")
    con.close()
    after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers.get("x-cache") != "hit"
    old = {r["month"]: r["count"] for r in before.json()["data"]}
    new = {r["month"]: r["count"] for r in after.json()["data"]}
    assert all(new[m] > old[m] for m in old)


def test_tracker_answers_are_never_cached(client: TestClient) -> None:
    response = client.get("/api/tracker/status-rules")
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


def test_errors_and_a_missing_store_are_not_cached(tmp_path: Path, client: TestClient) -> None:
    bad = client.get("/api/encounters?citizenship=XYZ")
    assert bad.status_code == 422 and "etag" not in bad.headers
    empty = TestClient(create_app(Settings(home=tmp_path / "none")))
    missing = empty.get("/api/encounters")
    assert missing.status_code == 503 and "etag" not in missing.headers


def test_etag_matching_follows_if_none_match_rules() -> None:
    tag = caching.etag_for("b1:abc", "/api/sources", "format=csv")
    assert tag.startswith('W/"')
    assert caching.etag_matches(tag, tag)
    assert caching.etag_matches(f'"x", {tag}', tag)
    assert caching.etag_matches(tag.removeprefix("W/"), tag)  # weak comparison
    assert caching.etag_matches("*", tag)
    assert not caching.etag_matches(None, tag)
    assert not caching.etag_matches('"x"', tag)
    assert tag != caching.etag_for("b2:abc", "/api/sources", "format=csv")


def test_the_response_cache_is_bounded_by_entries_and_bytes() -> None:
    cache = caching.ResponseCache(max_entries=3, max_bytes=100)

    def entry(size: int) -> caching.CachedResponse:
        return caching.CachedResponse(200, (), b"x" * size)

    for i in range(5):
        cache.put(("v", "/p", str(i)), entry(10))
    assert len(cache) == 3
    assert cache.get(("v", "/p", "0")) is None and cache.get(("v", "/p", "4")) is not None
    cache.get(("v", "/p", "2"))  # now most recently used
    cache.put(("v", "/p", "big"), entry(24))
    cache.put(("v", "/p", "big2"), entry(24))
    assert cache.get(("v", "/p", "2")) is not None
    assert sum(len(r.body) for r in cache._items.values()) <= 100
    cache.put(("v", "/p", "huge"), entry(60))  # over a quarter of the budget: not kept
    assert cache.get(("v", "/p", "huge")) is None


def test_store_version_changes_when_the_file_does(own_store: Settings) -> None:
    version = caching.StoreVersion(own_store.store_path)
    first = version.current()
    assert first is not None and first == version.current()
    con = duckdb.connect(str(own_store.store_path))
    con.execute("CREATE TABLE touched AS SELECT 1 AS x")
    con.close()
    assert version.current() not in (None, first)
    assert caching.StoreVersion(own_store.home / "missing.duckdb").current() is None


def test_a_cached_answer_goes_out_gzipped_to_clients_that_take_it(client: TestClient) -> None:
    url = "/api/encounters?basis=usbp&start=2015-01"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    again = client.get(url, headers={"Accept-Encoding": "identity"})
    assert again.headers["x-cache"] == "hit" and "content-encoding" not in again.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["x-cache"] == "hit" and zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert zipped.content == plain.content  # decoded by the client
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert "Accept-Encoding" in zipped.headers["vary"]


def test_accept_encoding_is_read_with_its_q_values() -> None:
    assert caching.accepts_gzip("gzip, deflate, br")
    assert caching.accepts_gzip("br;q=1.0, *;q=0.5")
    assert not caching.accepts_gzip("gzip;q=0, deflate")
    assert not caching.accepts_gzip("identity")
    assert not caching.accepts_gzip(None)


def test_small_answers_are_not_compressed() -> None:
    small = caching.CachedResponse.of(200, ((b"content-length", b"3"),), b"abc")
    assert small.gzipped is None and small.variant(True) == ([(b"content-length", b"3")], b"abc")
    big = caching.CachedResponse.of(200, (), b'{"a": 1}' * 500)
    headers, body = big.variant(True)
    assert (b"content-encoding", b"gzip") in headers and len(body) < len(big.body)
    assert big.variant(False)[1] == big.body
