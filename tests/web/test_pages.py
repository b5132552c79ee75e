from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app

PAGES = ["/", "/drivers", "/forecasts", "/sources"]
NAV_PAGES = [
    *PAGES,
    "/commitments",
    "/policy-lab",
]  # the pages that work without the store are not in PAGES


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


@pytest.mark.parametrize("path", NAV_PAGES)
def test_every_page_has_a_title_a_nav_and_no_cdn(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert re.search(r"<title>[^<]+ — rootcauses</title>", page.text)
    assert all(f'href="{p}"' in page.text for p in NAV_PAGES)
    # nothing is loaded from another host (the pages work offline)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", page.text)


def test_sources_page_lists_every_dataset(client: TestClient) -> None:
    page = client.get("/sources")
    assert 'id="cbp_state"' in page.text and "ohss_usbp_citizenship" in page.text


def test_chart_library_and_assets_are_served_locally(client: TestClient) -> None:
    page = client.get("/drivers").text
    # the page names its chart library; common.js loads it when a chart nears the screen
    src = re.search(
        r'data-chartlib-maps="(/assets/[0-9a-f]{12}/plotly-maps\.min\.js)"', page
    ).group(1)
    js = client.get(src)
    assert js.status_code == 200 and len(js.content) > 1_000_000
    common = client.get("/assets/common.js").text
    for colour in ("#0072B2", "#E69F00", "#009E73", "#CC79A7"):  # Okabe–Ito
        assert colour in common


def test_forecasts_page_says_how_to_produce_them(client: TestClient) -> None:
    assert "rootcauses forecast run" in client.get("/forecasts").text


def test_drivers_page_says_how_to_fit_models(client: TestClient) -> None:
    page = client.get("/drivers").text
    assert "rootcauses drivers fit" in page and 'value="homicide_rate" selected' in page


@pytest.mark.parametrize("path", PAGES)
def test_without_a_store_the_pages_say_what_to_do(tmp_path, path: str) -> None:
    client = TestClient(create_app(Settings(home=tmp_path)))
    page = client.get(path)
    assert page.status_code == 200 and "rootcauses data build" in page.text
    assert client.get("/api/encounters").status_code == 503
