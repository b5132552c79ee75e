"""The Drivers and Forecasts pages in Debian's chromium at a laptop's and a phone's width: they
render without console errors or sideways scroll, the maps draw offline (countries from the
packaged world-atlas outlines, the 54 departments from the store, with the ODbL attribution), the
indicator search hides error series, and the forecasts' track record shows the API's values."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest

from rootcauses.config import Settings
from rootcauses.sources.geo_departments import ATTRIBUTION
from rootcauses.store import import_build
from tests.web.conftest import screenshot, served
from tests.web.test_browser_layout import _overflow

pytestmark = pytest.mark.browser
DESKTOP, PHONE = 1366, 390


@pytest.fixture(scope="module")
def home(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store with two forecast runs made in turn (June 2024's after March's), both with the
    random walk, so the later one has an earlier forecast and a scored record."""
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import run_forecast

    path = tmp_path_factory.mktemp("drivers-forecasts-home")
    import_build(Settings(home=path), built_store.store_path)
    settings = Settings(home=path, data=built_store.data)
    config = fc.ForecastConfig(horizon=3, origins=2)
    for until in ("2024-03", "2024-06"):
        run_forecast(settings, config, models=["random_walk"], until=until, workers=1)
    return settings


@pytest.fixture(scope="module")
def url(home: Settings) -> Iterator[str]:
    with served(home) as address:
        yield address


@pytest.fixture
def open_page(browser, url: str):
    """A page at a viewport width that records console errors and every host it asks."""
    contexts = []

    def make(width: int, path: str):
        context = browser.new_context(base_url=url, viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.hosts = set()
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.on("request", lambda r: page.hosts.add(urlparse(r.url).hostname))
        page.goto(path)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_drivers_page_renders_with_maps_drawn_offline(open_page, width: int) -> None:
    page = open_page(width, "/drivers")
    page.locator("#chart").hover()  # seen and pointed at: plotly.js replaces the sketch
    page.wait_for_selector("#chart .main-svg")
    page.click("#tab-map")
    page.wait_for_function(
        "() => document.querySelectorAll('#map .choroplethlayer path').length >= 7"
    )
    section = page.locator("#departments-section")
    section.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelectorAll('#departments .choroplethlayer path').length >= 54"
    )
    widest = page.evaluate(
        """() => {
          const paths = [...document.querySelectorAll('#departments .choroplethlayer path')];
          const plot = document.querySelector('#departments .main-svg').getBoundingClientRect();
          return Math.max(...paths.map(p => p.getBoundingClientRect().width)) / plot.width;
        }"""
    )
    assert 0 < widest < 0.6  # departments, not a globe-sized ring drawn inside out
    shown = list(
        csv.reader(io.StringIO(page.evaluate("chartCSV(document.getElementById('departments'))")))
    )
    assert len(shown) == 1 + 36  # GT 22 and SV 14 departments coloured; the grey base left out
    assert all(row[1][:3] in ("GT-", "SV-") and float(row[2]) > 0 for row in shown[1:])
    attribution = page.locator("#dept-attribution")
    assert attribution.is_visible() and ATTRIBUTION in attribution.inner_text()
    assert (
        page.locator("#dept-source").inner_text().startswith("Emigration by department of origin")
    )
    # percentiles within each country: 0 to 100 in Guatemala and in El Salvador
    page.check("#dept-within")
    page.wait_for_function("() => CHART_INFO.departments.subtitle.includes('percentile rank')")
    ranks = page.evaluate(
        "() => { const t = document.getElementById('departments').data[1];"
        " return t.locations.map((code, i) => [code.slice(0, 2), t.z[i]]); }"
    )
    for country in ("GT", "SV"):
        mine = [z for code, z in ranks if code == country]
        assert min(mine) == 0 and max(mine) == 100
    on_map = page.locator("#departments .annotation-text").text_content() or ""
    assert "OpenStreetMap contributors (ODbL)" in on_map and "geoBoundaries" in on_map
    page.click("#tab-versus")
    page.wait_for_selector("#versus .main-svg .scatterlayer .point")
    assert page.locator(".caveat-box").inner_text().startswith("Association, not cause")
    screenshot(page, f"drivers-maps-{width}")
    assert page.problems == []
    if width == PHONE:
        assert _overflow(page) == []
    assert page.hosts == {"127.0.0.1"}  # no CDN, no tiles: outlines come with the site


def test_drivers_indicator_search_and_scales(open_page) -> None:
    page = open_page(DESKTOP, "/drivers")
    page.locator("#chart").hover()
    page.wait_for_selector("#chart .main-svg")
    assert page.locator("#indicator option[value$='_std_err']").count() == 0  # error series hidden
    source = page.locator("#source-line").inner_text()  # the publication's title, not a store id
    assert "UNODC" in source and "homicide," not in source and source != "homicide"
    page.fill("#indicator-search", "rule of law")
    visible = page.eval_on_selector_all(
        "#indicator option", "os => os.filter(o => !o.hidden).map(o => o.textContent)"
    )
    assert visible and all("rule of law" in v.lower() for v in visible)
    assert "Governance: rule of law" in visible
    page.select_option("#indicator", label="Governance: rule of law")
    page.wait_for_function(
        "() => document.querySelector('#indicator-about').textContent.includes('World Bank')"
    )
    page.check("#log")
    page.wait_for_function("() => document.getElementById('chart').layout.yaxis.type === 'log'")
    page.uncheck("#log")
    page.check("#relative")
    page.wait_for_function(
        "() => document.getElementById('chart').data.every(t => t.y.length === 0 || t.y[0] === 100)"
    )
    assert "relative=1" in page.url and page.problems == []


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_forecasts_page_renders_with_earlier_forecasts_and_log_scale(open_page, width) -> None:
    page = open_page(width, "/forecasts")
    page.locator("#chart").hover()
    page.wait_for_selector("#chart .main-svg")
    page.wait_for_selector("#record tbody tr")
    names = page.evaluate("document.getElementById('chart').data.map(t => t.name)")
    assert "earlier forecasts" in names and names[-1] == "observed"  # observed drawn on top
    assert page.evaluate("document.getElementById('chart').layout.yaxis.type") == "log"
    page.uncheck("#log")
    page.wait_for_function("() => document.getElementById('chart').layout.yaxis.type === 'linear'")
    screenshot(page, f"forecasts-record-{width}")
    assert page.problems == []
    if width == PHONE:
        assert _overflow(page) == []


def test_the_track_record_shows_the_apis_values(open_page, url: str) -> None:
    page = open_page(DESKTOP, "/forecasts?series=HND")
    page.wait_for_selector("#record tbody tr")
    api = httpx.get(f"{url}/api/forecasts/track-record?series=HND&scored=true").json()
    assert api["count"] == 6  # April-June from March, July-September from June: all observed
    rows = page.eval_on_selector_all(
        "#record tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert len(rows) == api["count"]
    for shown, record in zip(rows, api["data"], strict=True):
        assert shown[0] == record["origin"] and shown[2] == record["month"]
        assert shown[3] == str(record["h"])
        assert shown[4] == f"{round(record['mean']):,}"
        assert shown[6] == f"{round(record['actual']):,}"
        held = f"{'yes' if record['in80'] else 'no'} / {'yes' if record['in95'] else 'no'}"
        assert shown[8] == held and shown[9] == "retrospective"
    summary = httpx.get(f"{url}/api/forecasts/track-record/summary").json()["data"]
    cells = page.eval_on_selector_all(
        "#record-summary tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert [c[2] for c in cells] == [f"{s['scored']:,}" for s in summary]
    assert page.problems == []


def test_the_embedded_department_map_keeps_its_credit(open_page) -> None:
    page = open_page(PHONE, "/embed/department-map?dind=households_with_emigrants_pct")
    page.wait_for_function(
        "() => document.querySelectorAll('#departments .choroplethlayer path').length >= 54"
    )
    assert page.locator("#dept-attribution").is_visible()
    assert not page.locator("#chart").is_visible()  # only the one chart
    assert page.locator("h1").inner_text().startswith("Households with a member abroad (%)")
    assert page.problems == [] and _overflow(page) == []
