from __future__ import annotations

from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app


def test_page_lists_sources_and_serves_the_chart_library(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    page = client.get("/")
    assert page.status_code == 200
    assert "<title>" in page.text and "cbp_state" in page.text
    assert "/static/plotly.min.js" in page.text
    assert "cdn" not in page.text.lower()
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000


def test_without_a_store_the_page_says_what_to_do(tmp_path) -> None:
    client = TestClient(create_app(Settings(home=tmp_path)))
    page = client.get("/")
    assert page.status_code == 200 and "rootcauses data build" in page.text
    assert client.get("/api/encounters").status_code == 503
