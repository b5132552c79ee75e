"""ETags, 304s, Cache-Control and the in-process response cache of store-backed data."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rootcauses.api import caching
from rootcauses.config import Settings
from rootcauses.store import build_store, import_build, query
from rootcauses.store.layout import read_current
from rootcauses.store.results import write_results
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
    import_build(Settings(home=home), built_store.store_path)
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


def rebuild(settings: Settings, tmp_path: Path, *statements: str) -> str:
    """A new build of ``settings``' home: its current file copied, changed by ``statements``
    under a new build id, and made current (as `rootcauses data build` would)."""
    made = tmp_path / f"rebuilt-{uuid.uuid4().hex[:8]}.duckdb"
    shutil.copyfile(settings.store_path, made)
    build_id = uuid.uuid4().hex[:12]
    with duckdb.connect(str(made)) as con:
        con.execute("UPDATE build_info SET build_id = ?", [build_id])
        for statement in statements:
            con.execute(statement)
    import_build(settings, made)
    return build_id


def test_a_rebuild_changes_the_etag_and_drops_the_cached_answer(
    own_store: Settings, tmp_path: Path
) -> None:
    client = TestClient(create_app(own_store))
    url = "/api/encounters?citizenship=SLV&start=2021-01&end=2021-12"
    before = client.get(url)
    rebuild(
        own_store, tmp_path, "UPDATE encounters SET count = count + 1 WHERE citizenship = 'SLV'"
    )
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


def test_store_version_follows_builds_and_results(own_store: Settings, tmp_path: Path) -> None:
    version = caching.StoreVersion(own_store)
    first = version.current()
    assert first is not None and first == version.current()
    assert first.startswith(read_current(own_store).build_id + ":")
    write_results(own_store, "driver_models", pd.DataFrame({"theory": ["x"]}), run_id="r1")
    second = version.current()
    assert second not in (None, first)
    write_results(own_store, "sim_runs", pd.DataFrame({"scenario": ["x"]}), run_id="r2")
    assert version.current() == second  # no cached answer shows simulation runs
    build_id = rebuild(own_store, tmp_path)
    assert version.current().startswith(f"{build_id}:")
    assert caching.StoreVersion(Settings(home=own_store.home / "missing")).current() is None


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


# --- cache keys from the normalised parameters; no old data after a rebuild ------------------

EQUIVALENT = [
    (
        "/api/indicators/homicide_rate?country=GTM&start=2010",
        "/api/indicators/homicide_rate?start=2010-01-01&format=json&country=GTM&offset=0"
        "&limit=10000&utm_source=x",
    ),
    (
        "/api/encounters?citizenship=GTM&start=2021-01",
        "/api/encounters?start=2021-01-01&basis=cbp&citizenship=GTM&format=json",
    ),
    ("/api/sources", "/api/sources?offset=0&format=json&unknown=1"),
]


@pytest.mark.parametrize(("plain", "spelt_out"), EQUIVALENT)
def test_equivalent_query_strings_share_one_cache_entry_and_etag(
    own_store: Settings, plain: str, spelt_out: str
) -> None:
    client = TestClient(create_app(own_store))
    first = client.get(plain)
    second = client.get(spelt_out)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("x-cache") == "hit"
    assert second.headers["etag"] == first.headers["etag"]
    assert second.json()["data"] == first.json()["data"]


def test_different_values_keep_different_entries(own_store: Settings) -> None:
    client = TestClient(create_app(own_store))
    base = client.get("/api/encounters?citizenship=GTM&start=2021-01")
    for other in (
        "/api/encounters?citizenship=GTM&start=2021-02",
        "/api/encounters?citizenship=GTM&start=2021-01&basis=usbp",
        "/api/encounters?citizenship=HND&start=2021-01",
        "/api/encounters?citizenship=GTM&citizenship=HND&start=2021-01",
    ):
        answer = client.get(other)
        assert answer.headers.get("x-cache") != "hit", other
        assert answer.headers["etag"] != base.headers["etag"], other


def test_the_cache_never_serves_the_old_build_after_a_rebuild(
    snapshot: Path, tmp_path: Path
) -> None:
    """A connection still open on the old build (a slow request) must not hand its database to
    the requests after the rebuild, nor get old data cached under the new version."""
    settings = Settings(home=tmp_path / "home", data=snapshot)
    build_store(settings, only=["cbp_sw"])
    client = TestClient(create_app(settings))
    before = client.get("/api/sources")
    assert before.json()["count"] == 1
    held = query.connect(settings)
    try:
        build_store(settings, only=["cbp_sw", "ohss_usbp"])
        after = client.get("/api/sources")
        again = client.get("/api/sources")
    finally:
        held.close()
    assert after.status_code == 200 and after.headers.get("x-cache") != "hit"
    assert after.json()["count"] > 1 and after.headers["etag"] != before.headers["etag"]
    assert again.headers.get("x-cache") == "hit" and again.json() == after.json()


def test_a_value_the_route_refuses_is_never_answered_from_the_cache(own_store: Settings) -> None:
    client = TestClient(create_app(own_store))
    assert client.get("/api/encounters?start=2021-01&limit=10").status_code == 200
    refused = client.get("/api/encounters?start=2021&limit=10")  # the route wants YYYY-MM
    assert refused.status_code == 422 and "x-cache" not in refused.headers
    for odd in ("limit=1_0", "limit=10%0A", "limit=%2010"):
        answer = client.get(f"/api/encounters?start=2021-01&{odd}")
        assert answer.headers.get("x-cache") != "hit", odd
