"""The dashboard in a real browser (Debian's chromium via Playwright); screenshots go to
test-artifacts/. Skipped with the reason when chromium or playwright is missing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.web.conftest import screenshot

pytestmark = pytest.mark.browser
PAGES = [
    ("/", "overview"),
    ("/drivers", "drivers"),
    ("/forecasts", "forecasts"),
    ("/sources", "sources"),
]


def _traces(page, element: str) -> int:
    return page.evaluate(f"document.getElementById('{element}').data.length")


def _wait_chart(page, element: str = "chart") -> None:
    page.locator(f"#{element}").hover()  # seen and pointed at: plotly.js replaces the sketch
    page.wait_for_function(
        f"() => document.getElementById('{element}').data && "
        f"document.getElementById('{element}').data.length > 0",
        timeout=10_000,
    )


@pytest.mark.parametrize(("path", "name"), PAGES)
def test_page_loads_without_console_errors(page, path: str, name: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    if name != "sources":
        _wait_chart(page)
    assert page.title().endswith("— rootcauses")
    # every form control has an accessible name (a <label>, aria-label or wrapping label)
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select')].filter(e =>
             !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
           .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    assert page.problems == []
    screenshot(page, name)


def test_basis_and_per_100k_switch_change_the_chart(page) -> None:
    page.goto("/")
    _wait_chart(page)
    first = page.evaluate("document.getElementById('chart').data[0].x[0]")
    assert first.startswith("2019-10")  # CBP basis starts with FY2020
    page.check("input[name=basis][value=usbp]")
    page.wait_for_function("() => document.getElementById('chart').data[0].x[0] < '2001-01'")
    assert "basis=usbp" in page.url
    page.check("#per100k")
    page.wait_for_function(
        "() => (document.getElementById('chart').layout?.yaxis?.title?.text || '')"
        ".includes('100,000')"
    )
    names = page.evaluate("document.getElementById('chart').data.map(t => t.name)")
    assert "Other countries" not in names  # no population for "other"
    _wait_chart(page, "share")
    # the permalink restores the view
    page.goto(page.url)
    page.locator("#chart").hover()  # seen and pointed at: plotly.js replaces the sketch
    page.wait_for_function(
        "() => (document.getElementById('chart').layout?.yaxis?.title?.text || '')"
        ".includes('100,000')"
    )
    assert page.is_checked("input[name=basis][value=usbp]")
    assert page.problems == []


def test_csv_download_matches_the_api(page, base_url: str) -> None:
    page.goto("/?basis=usbp")
    _wait_chart(page)
    with page.expect_download() as info:
        page.click("#csv")
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    api = httpx.get(f"{base_url}/api/encounters?basis=usbp&format=csv").text
    assert downloaded == api and downloaded.startswith("month,citizenship,count")


def test_drivers_map_and_table_render(page) -> None:
    page.goto("/drivers?indicator=homicide_rate&country=GTM&country=HND&country=SLV&country=MEX")
    _wait_chart(page)
    assert _traces(page, "chart") == 4
    page.click("#tab-map")
    _wait_chart(page, "map")
    shaded = page.evaluate("document.getElementById('map').data[1].locations.length")
    assert shaded == 4  # a choropleth of the four countries' outlines (world-atlas, offline)
    assert page.locator("#map .choroplethlayer path").count() >= 7
    screenshot(page, "drivers-map")
    page.click("#tab-table")
    page.wait_for_selector("#values tbody tr")
    assert page.locator("#values tbody tr").count() > 10
    page.uncheck("input[name=country][value=MEX]")
    page.click("#tab-chart")
    page.wait_for_function("() => document.getElementById('chart').data.length === 3")
    assert "view=chart" in page.url
    assert page.problems == []


def test_forecast_fan_chart_and_leaderboard(page) -> None:
    page.goto("/forecasts?series=HND")
    _wait_chart(page)
    page.wait_for_selector("#leaderboard tbody tr")
    names = page.evaluate("document.getElementById('chart').data.map(t => t.name)")
    assert {"observed", "80% interval", "95% interval", "forecast (best model)"} <= set(names)
    assert page.input_value("#series") == "HND"
    screenshot(page, "forecasts-hnd")
    assert page.problems == []
