"""Static files: fingerprinted URLs cached for a year, plain URLs revalidated, compressed answers,
only the vendored plotly.js parts the pages use, each vendored file with its licence."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app
from rootcauses.web.assets import IMMUTABLE, StaticAssets

STATIC = Path(str(files("rootcauses.web") / "static"))
PAGES = ["/", "/drivers", "/forecasts", "/sources", "/commitments", "/policy-lab", "/docs"]


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


@pytest.mark.parametrize("path", PAGES)
def test_pages_link_fingerprinted_assets_that_are_cached_for_a_year(
    client: TestClient, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "immutable" not in page.headers.get("cache-control", "")  # the page itself is not
    links = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
    assert links, path
    for link in links:
        assert re.fullmatch(r"/assets/[0-9a-f]{12}/[\w.-]+", link), link
        answer = client.get(link)
        assert answer.status_code == 200, link
        assert answer.headers["cache-control"] == IMMUTABLE.decode()


def test_plain_and_stale_urls_are_revalidated_not_cached(client: TestClient) -> None:
    plain = client.get("/assets/common.js")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"
    again = client.get("/assets/common.js", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = client.get("/assets/000000000000/common.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    for missing in ("/assets/nope.js", "/assets/../app.py", "/assets/a/b/c.js"):
        assert client.get(missing).status_code == 404, missing
    assert client.post("/assets/common.js").status_code == 405


def test_text_assets_are_sent_compressed(client: TestClient) -> None:
    url = StaticAssets().url("plotly-custom.min.js")
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.headers["vary"] == "Accept-Encoding"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(raw.content) / 2
    assert zipped.content == raw.content  # the client decodes it
    best = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert best.headers["content-encoding"] in ("br", "gzip")
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_pages_are_gzipped(client: TestClient) -> None:
    page = client.get("/sources", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"


def test_an_asset_changes_its_url_when_its_content_does(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("let a = 1;")
    first = StaticAssets(tmp_path).url("a.js")
    (tmp_path / "a.js").write_text("let a = 2;")
    assert StaticAssets(tmp_path).url("a.js") != first
    with pytest.raises(FileNotFoundError):
        StaticAssets(tmp_path).url("missing.js")


def test_vendored_files_carry_their_licence_and_origin() -> None:
    vendor = (STATIC / "VENDOR.md").read_text(encoding="utf-8")
    for name, licence in [
        ("plotly-custom.min.js", "plotly.LICENSE.txt"),
        ("swagger-ui-bundle.js", "swagger-ui.LICENSE.txt"),
        ("swagger-ui.css", "swagger-ui.LICENSE.txt"),
    ]:
        assert (STATIC / name).is_file() and (STATIC / licence).is_file()
        assert name in vendor and licence in vendor
    assert "plotly.js" in vendor and "swagger-ui-dist" in vendor and "5.35.0" in vendor


# The Drivers page loads the bundle with the maps for its maps; every page the smaller one for
# its other charts. common.js draws nothing itself (it names choropleth to pick the bundle).
MAPS_PAGE = ("drivers.js", "drivers.html")
NOT_A_PAGE = ("common.js",)


def _trace_types_used(maps: bool = False) -> set[str]:
    templates = Path(str(files("rootcauses.web") / "templates"))
    scripts = [p for p in STATIC.glob("*.js") if "min" not in p.name and p.name not in NOT_A_PAGE]
    paths = scripts + list(templates.glob("*.html"))
    texts = [p.read_text(encoding="utf-8") for p in paths if (p.name in MAPS_PAGE) == maps]
    used = set()
    for text in texts:
        used |= set(re.findall(r"type:\s*[\"'](\w+)[\"']", text))
        used |= set(re.findall(r"\"(bar|choropleth|scattergeo)\"", text))
    return used & {"scatter", "bar", "choropleth", "scattergeo", "pie", "heatmap", "box"}


def _bundle_traces(name: str) -> set[str]:
    header = (STATIC / name).read_text(encoding="utf-8").splitlines()[0]
    assert "partial bundle" in header
    return set(re.search(r"\(([^)]*)\)", header).group(1).replace(" ", "").split(","))


@pytest.mark.parametrize(
    ("bundle", "maps"), [("plotly-custom.min.js", False), ("plotly-maps.min.js", True)]
)
def test_the_plotly_bundle_has_every_trace_type_the_pages_draw(bundle: str, maps: bool) -> None:
    assert _trace_types_used(maps) <= _bundle_traces(bundle)
    assert ("choropleth" in _bundle_traces(bundle)) == maps  # the geo code only where maps are
    assert (STATIC / bundle).stat().st_size < 2_000_000  # the full plotly.js is 4.8 MB


def test_only_the_drivers_page_loads_the_maps_bundle(client: TestClient) -> None:
    for path in PAGES:
        page = client.get(path).text
        assert ("plotly-maps.min.js" in page) == (path == "/drivers"), path
        if path == "/drivers":  # its line chart needs the smaller bundle, a map the larger
            assert re.search(r'data-chartlib="/assets/\w+/plotly-custom\.min\.js"', page)
            assert re.search(r'data-chartlib-maps="/assets/\w+/plotly-maps\.min\.js"', page)
