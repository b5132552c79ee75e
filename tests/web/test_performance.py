"""What keeps the pages light on a phone: no page blocks its first paint on plotly.js (the page
names its bundle and common.js loads it when a chart first nears the screen), charts are drawn
when they near the screen, as sketches until the reader points at the page (then by plotly.js),
and bench/lighthouse.py's section for ``make bench`` says when it could not run and states the
machine load beside the scores."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app
from rootcauses.web.assets import IMMUTABLE
from tests.bench import load_bench_module

# page -> the plotly.js bundle it names ("" for a page without charts)
CHARTLIB = {
    "/": "plotly-custom.min.js",
    "/drivers": "plotly-custom.min.js",  # and the larger plotly-maps.min.js for its maps
    "/forecasts": "plotly-custom.min.js",
    "/commitments": "plotly-custom.min.js",
    "/policy-lab": "plotly-custom.min.js",
    "/sources": "",
}
PLOTLY = re.compile(r"/plotly-[\w-]+\.min\.js$")


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


@pytest.mark.parametrize(("path", "bundle"), CHARTLIB.items())
def test_no_page_loads_plotly_before_its_first_paint(
    client: TestClient, path: str, bundle: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page.text)
    assert scripts and not any("plotly" in s for s in scripts), scripts
    head = page.text.split("</head>")[0]
    assert "<script" not in head  # nothing blocks the first paint
    named = re.search(r'<body data-chartlib="([^"]*)"', page.text)
    assert named is not None
    if not bundle:
        assert named.group(1) == ""
        return
    assert re.fullmatch(rf"/assets/[0-9a-f]{{12}}/{re.escape(bundle)}", named.group(1))
    answer = client.get(named.group(1), headers={"Accept-Encoding": "br, gzip"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == IMMUTABLE.decode()
    assert answer.headers["content-encoding"] in ("br", "gzip")


def _drawn(page, element: str) -> bool:
    return page.evaluate(f"!!document.querySelector('#{element} .main-svg')")


def _sketched(page, element: str) -> bool:
    return page.evaluate(
        f"document.getElementById('{element}').classList.contains('sketched') && "
        f"!!document.querySelector('#{element} > .sketch svg path, #{element} > .sketch svg rect')"
    )


@pytest.mark.browser
def test_charts_are_sketched_until_the_reader_points_then_drawn_by_plotly(page) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    first = page.locator("#findings .chart").first
    first.scroll_into_view_if_needed()
    first_id = first.get_attribute("id")
    page.wait_for_function(
        f"() => document.getElementById('{first_id}').classList.contains('sketched')",
        timeout=20_000,
    )
    page.wait_for_load_state("networkidle")
    # before any sign of intent: a sketch of the figure, and no plotly.js fetched or run
    assert _sketched(page, first_id) and not _drawn(page, first_id)
    assert not any(PLOTLY.search(u) for u in requested)
    assert page.evaluate("typeof window.Plotly") == "undefined"
    csv = page.evaluate(f"chartCSV(document.getElementById('{first_id}'))")  # export from a sketch
    # the encounters charts at the foot of the page wait until they are scrolled to
    assert not _drawn(page, "chart") and not _sketched(page, "chart")
    # the reader's pointer: plotly.js is loaded once and replaces the sketch with the same figure
    page.mouse.move(5, 5)
    page.wait_for_function(
        f"() => !!document.querySelector('#{first_id} .main-svg')", timeout=20_000
    )
    assert not _sketched(page, first_id) and page.locator(f"#{first_id} > .sketch").count() == 0
    assert page.evaluate(f"chartCSV(document.getElementById('{first_id}'))") == csv
    page.locator("#share").scroll_into_view_if_needed()
    page.wait_for_function("() => !!document.querySelector('#share .main-svg')", timeout=20_000)
    assert page.evaluate("document.getElementById('share').data.length") == 1
    assert len([u for u in requested if PLOTLY.search(u)]) == 1  # loaded once, for every chart
    assert page.problems == []


@pytest.mark.browser
def test_a_sketch_shows_the_figure_it_stands_for(page) -> None:
    """The forecast's sketch: a band per interval, the forecast and the observed line in their
    colours, and the legend's names."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/forecasts?series=GTM&log=0")
    page.wait_for_function(
        "() => document.getElementById('chart').classList.contains('sketched')", timeout=20_000
    )
    sketch = page.evaluate(
        """() => {
        const svg = document.querySelector('#chart > .sketch svg');
        return {bands: svg.querySelectorAll('polygon').length,
                strokes: [...svg.querySelectorAll('path')].map(p => p.getAttribute('stroke')),
                words: [...svg.querySelectorAll('text')].map(t => t.textContent)};
        }"""
    )
    figure = page.evaluate("chartData(document.getElementById('chart'))")
    assert sketch["bands"] == sum(t.get("fill") == "tonexty" for t in figure) == 2
    assert "#0072B2" in sketch["strokes"] and "#000" in sketch["strokes"]
    legend = [t["name"] for t in figure if t.get("name") and t.get("showlegend") is not False]
    assert set(legend) <= set(sketch["words"])
    assert "encounters per month" in sketch["words"]  # the y axis title
    assert page.problems == []


@pytest.mark.browser
def test_a_page_without_charts_loads_no_plotly(page) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/sources")
    page.wait_for_load_state("networkidle")
    assert requested and not any(PLOTLY.search(u) for u in requested)
    assert page.problems == []


def test_the_lighthouse_section_says_why_it_was_skipped(monkeypatch) -> None:
    lighthouse = load_bench_module("lighthouse")
    monkeypatch.setattr(lighthouse.shutil, "which", lambda name: None)
    lines = lighthouse.bench_lighthouse()
    assert lines[0] == "### Lighthouse (mobile profile)"
    assert any(line.startswith("(skipped: no `npx`") for line in lines)


def test_the_lighthouse_section_states_the_load_and_the_pages_below_the_goal(
    monkeypatch, tmp_path
) -> None:
    lighthouse = load_bench_module("lighthouse")
    chromium = tmp_path / "chromium"
    chromium.touch()
    monkeypatch.setattr(lighthouse, "CHROMIUM", chromium)
    monkeypatch.setattr(lighthouse.shutil, "which", lambda name: f"/usr/bin/{name}")
    row = {"accessibility": 100, "best-practices": 100, "FCP": "1.0 s", "LCP": "1.1 s"}
    row |= {"TBT": "500 ms", "CLS": "0", "bytes": 2048.0, "benchmark": 1500.0, "failed": ""}
    results = {
        "/": {**row, "performance": 86, "range": "81–90"},
        "/drivers": {**row, "performance": 74, "range": "70–79"},
    }
    monkeypatch.setattr(lighthouse, "measure", lambda pages, runs, settings: results)
    lines = lighthouse.bench_lighthouse(pages=["/", "/drivers"], runs=3)
    text = "\n".join(lines)
    assert re.search(r"Load average \(1 min, \d+ cores\) before: \d+\.\d\d, after: \d+\.\d\d", text)
    assert "| `/` | 100 | 100 | 86 (81–90) |" in text and "| 2 KiB | 1500 | — |" in text
    assert "Below the goal: /drivers performance 74." in text


@pytest.mark.browser
def test_the_drivers_page_loads_the_maps_bundle_only_for_a_map(page) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    # a screen on which the line chart shows and the department map (a map, right below it) is
    # more than the look-ahead away: at 1,000 px high the department map is near the screen at
    # once and rightly asks for the maps bundle
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto("/drivers")
    page.mouse.move(5, 5)  # the reader's pointer: plotly.js replaces the sketches
    page.wait_for_function("() => !!document.querySelector('#chart .main-svg')", timeout=20_000)
    assert (
        page.evaluate("document.getElementById('departments-section').getBoundingClientRect().top")
        > 700 + 200
    )
    bundles = [u.rsplit("/", 1)[1] for u in requested if PLOTLY.search(u)]
    assert bundles == ["plotly-custom.min.js"]
    page.click("#tab-map")
    page.wait_for_function(
        "() => document.querySelectorAll('#map .choroplethlayer path').length >= 7",
        timeout=20_000,
    )
    # the line chart, drawn with the smaller bundle, is drawn again with the larger one
    page.click("#tab-chart")
    page.wait_for_function("() => !!document.querySelector('#chart .main-svg')", timeout=20_000)
    assert page.evaluate("document.getElementById('chart').data.length") > 0
    bundles = [u.rsplit("/", 1)[1] for u in requested if PLOTLY.search(u)]
    assert bundles == ["plotly-custom.min.js", "plotly-maps.min.js"]
    assert page.problems == []
