"""The language switch in a real browser (Debian's chromium via Playwright): clicking "Español"
turns the page Spanish, the choice follows the navigation and the permalink, "English" turns it
back; the Spanish pages draw without console errors and without sideways scrolling on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from rootcauses.config import Settings
from tests.web.conftest import screenshot
from tests.web.test_commitments_pages import seed_tracker

pytestmark = pytest.mark.browser
# (path, the element that shows the page has drawn, a heading in Spanish)
PAGES = [
    ("/", "#chart .main-svg", "Hallazgos"),
    ("/policy-lab", "#lab", "Totales de la corrida"),
    ("/sources", "#sources-table tbody tr", "Conjunto de datos"),
    ("/docs", "details.operation", "Documento OpenAPI"),
    ("/forecasts", "#chart .main-svg", "Historial de aciertos"),
    ("/commitments", "#timeline .main-svg", "Cronología de plazos"),
]


@pytest.fixture(scope="module", autouse=True)
def tracker(served_store: Settings, snapshot: Path) -> Settings:
    """The served store's tracker filled from the snapshot (idempotent: existing rows skipped),
    so the Commitments board has something to draw."""
    seed_tracker(served_store, snapshot)
    return served_store


@pytest.mark.parametrize("width", [1366, 390])
def test_the_switch_changes_the_page_and_follows_the_navigation(
    page, base_url: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.locator("#chart").hover()  # seen and pointed at: plotly.js replaces the sketch
    page.wait_for_selector("#chart .main-svg", timeout=20_000)
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h2#findings-title") == "Findings"
    page.click("nav.languages a[hreflang=es]")
    page.wait_for_load_state()
    page.locator("#chart").hover()
    page.wait_for_selector("#chart .main-svg", timeout=20_000)
    assert page.get_attribute("html", "lang") == "es"
    assert page.text_content("h2#findings-title") == "Hallazgos"
    assert page.text_content("nav[aria-label=Principal] a[aria-current=page]") == "Panorama"
    # the chart drawn by the page's script speaks Spanish too (axis title, toolbar)
    assert (
        page.evaluate("document.getElementById('chart').layout.yaxis.title.text")
        == "encuentros por mes"
    )
    assert "Imagen (PNG)" in page.text_content("[data-export-for=chart]")
    # the permalink the page writes keeps the language
    page.check("#per100k")
    page.wait_for_function("document.getElementById('permalink').href.includes('per100k=1')")
    assert "lang=es" in page.get_attribute("#permalink", "href")
    # the next page, reached by the menu, is Spanish as well
    page.click("nav[aria-label=Principal] a[href^='/sources']")
    page.wait_for_selector("#sources-table tbody tr")
    assert page.get_attribute("html", "lang") == "es"
    assert page.text_content("h1") == "Fuentes"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"i18n-sources-es-{width}")
    # and back to English
    page.click("nav.languages a[hreflang=en]")
    page.wait_for_selector("#sources-table tbody tr")
    assert page.get_attribute("html", "lang") == "en" and page.text_content("h1") == "Sources"
    assert page.problems == []


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize(("path", "drawn", "words"), PAGES)
def test_spanish_pages_render_without_errors(
    page, base_url: str, width: int, path: str, drawn: str, words: str
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{path}?lang=es")
    if drawn.endswith(".main-svg"):  # drawn when it nears the screen, by plotly.js once pointed at
        page.locator(drawn.split()[0]).hover()
    page.wait_for_selector(drawn, timeout=30_000)
    assert page.get_attribute("html", "lang") == "es"
    assert words in page.text_content("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.problems == []
    screenshot(page, f"i18n-{path.strip('/') or 'overview'}-es-{width}")
