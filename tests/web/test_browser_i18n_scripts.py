"""Every page in Spanish after its scripts ran (Debian's chromium via Playwright): no English
label of the dashboard's own is left in the text, the labels, the tooltips or Plotly's mode bar
(text that comes with the data — indicator names, units, source titles, commitments — may stay
English), and the words the scripts build (chart titles, axes, legends, notes, counts) are
Spanish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rootcauses.config import Settings
from tests.web.test_commitments_pages import seed_tracker

pytestmark = pytest.mark.browser

# The dashboard's own English words (templates, scripts, chart toolbar, Plotly's mode bar); none
# is a word the data bring with them (source titles such as "…, target, deadline" or "Departments
# of …" are data), so a whole-word match on a Spanish page is a miss.
ENGLISH = (
    "Download",
    "Search indicators",
    "Image (PNG)",
    "Vector (SVG)",
    "Data as shown",
    "Embed or cite",
    "Citation",
    "Embed code",
    "Permalink",
    "Logarithmic",
    "Against encounters",
    "From year",
    "Latest value",
    "no data",
    "no value up to",
    "one point per year",
    "first year shown",
    "Rank within each country",
    "rank in country",
    "Department boundaries",
    "What the driver models",
    "encounters per month",
    "earlier forecasts",
    "best model",
    "80% interval",
    "95% interval",
    "Linear scale",
    "Logarithmic scale",
    "Scored forecasts",
    "US fiscal year",
    "trajectory to the target",
    "regional headline",
    "Could not",
    "Pick at least one country",
    "Reset axes",
    "Zoom in",
    "Zoom out",
    "Autoscale",
    "Show closest data on hover",
    "Calibrated model vs observed",
    "Track record",
    "Source:",
    "Better than the counterfactual",
    "Worse than the counterfactual",
    "No detectable change",
    "Insufficient data",
)
# (path, what shows the scripts have drawn, a script-built string in Spanish, where it is)
PAGES = [
    ("/", "#chart .main-svg", "encuentros por mes", "#chart .ytitle"),
    ("/drivers", "#chart .main-svg", "Unidad:", "#indicator-about"),
    ("/forecasts", "#chart .main-svg", "pronóstico (mejor modelo)", "#chart .legend"),
    ("/commitments", "#timeline .main-svg", "plazo", "#timeline .xtitle"),
    ("/commitments/C103", "main h1", "Informes de avance", "main"),
    (
        "/policy-lab",
        "#lab",
        "Totales de la corrida",
        "main",
    ),  # (no calibration: no validation chart)
    ("/sources", "#sources-table tbody tr", "Fuentes", "h1"),
]
# Every text the page shows or announces: rendered text (SVG too), labels, tooltips, placeholders
# and the mode bar's titles; the citation and embed boxes hold the data's titles, left out.
VISIBLE = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("script, style, textarea, noscript").forEach(e => e.remove());
  const names = ["aria-label", "title", "placeholder", "data-title"];
  const attributes = [...document.querySelectorAll(names.map(a => `[${a}]`).join(", "))]
    .flatMap(e => names.map(a => e.getAttribute(a) || ""));
  return [body.textContent, ...attributes].join(" | ").replace(/\\s+/g, " ");
}"""


@pytest.fixture(scope="module", autouse=True)
def tracker(served_store: Settings, snapshot: Path) -> Settings:
    seed_tracker(served_store, snapshot)  # the Commitments pages need the tracker filled
    return served_store


def show_every_chart(page) -> None:
    """Scroll each chart into view (charts are drawn when they near the screen), the pointer
    moved first (the pages' sketches are then drawn by plotly.js, with its mode bar)."""
    page.mouse.move(1, 1)
    for chart in page.locator("div.chart[id]").all():
        if chart.is_visible():
            chart.scroll_into_view_if_needed()
            page.wait_for_timeout(300)


def english_left(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def test_the_check_finds_english_in_an_english_page(page, base_url: str) -> None:
    """The same check on the English Drivers page finds the labels (so it can fail)."""
    page.goto("/drivers?lang=en")
    show_every_chart(page)
    page.wait_for_selector("#chart .main-svg", timeout=30_000)
    left = english_left(page.evaluate(VISIBLE))
    assert {"Download", "Search indicators", "Image (PNG)", "Reset axes"} <= set(left)


@pytest.mark.parametrize(("path", "drawn", "spanish", "where"), PAGES)
def test_no_english_label_after_the_scripts_ran(
    page, base_url: str, path: str, drawn: str, spanish: str, where: str
) -> None:
    page.goto(f"{path}?lang=es")
    show_every_chart(page)
    page.wait_for_selector(drawn, timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert spanish in page.text_content(where)
    assert english_left(page.evaluate(VISIBLE)) == []
    assert page.problems == []


def test_drivers_scripts_write_spanish(page, base_url: str) -> None:
    page.goto("/drivers?lang=es")
    page.mouse.move(1, 1)  # the reader's pointer: plotly.js replaces the sketch
    page.wait_for_selector("#chart .main-svg", timeout=30_000)
    # ... once the page is idle: wait for it, or a tab clicked first hides the chart, which is
    # then redrawn only when next seen (and this test never shows it again)
    page.wait_for_selector("#chart .modebar-btn", state="attached", timeout=30_000)
    assert page.evaluate("LOCALE") == "es-419"
    # an exported image's footer and the citation speak Spanish
    footer = page.evaluate("footerText(document.getElementById('chart'))")
    assert footer.startswith("Fuente: ") and "Datos hasta" in footer, footer
    assert "(consultado " in page.evaluate("citation(document.getElementById('chart'))")
    # the search count is built by the script from a catalogue message with placeholders
    page.fill("#indicator-search", "homicid")
    count = page.text_content("#search-count") or ""
    assert re.fullmatch(r"\d+ de \d+ indicadores", count), count
    page.fill("#indicator-search", "")
    # the map's subtitle (in its export) and the colour scale's hover text
    page.click("#tab-map")
    page.wait_for_selector("#map .choroplethlayer path", timeout=30_000)
    subtitle = page.evaluate("CHART_INFO.map.subtitle")
    assert re.fullmatch(r"Último valor hasta \d{4}, por país", subtitle), subtitle
    # the scatter against encounters: title and axis
    page.click("#tab-versus")
    page.wait_for_selector("#versus .main-svg", timeout=30_000)
    assert "encuentros por cada 100,000 habitantes" in page.evaluate(
        "document.getElementById('versus').layout.yaxis.title.text"
    )
    # Plotly's own words: its mode bar in Spanish
    titles = page.evaluate(
        "[...document.querySelectorAll('#chart .modebar-btn')].map(b => b.dataset.title)"
    )
    assert "Restablecer ejes" in titles or "Escala automática" in titles, titles
    assert page.problems == []


def test_forecast_scripts_write_spanish(page, base_url: str) -> None:
    page.goto("/forecasts?lang=es")
    page.mouse.move(1, 1)  # the reader's pointer: plotly.js replaces the sketch
    page.wait_for_selector("#chart .main-svg", timeout=30_000)
    page.wait_for_function("() => document.getElementById('scale-note').textContent.length > 0")
    assert page.text_content("#scale-note").startswith("Escala logarítmica")
    page.uncheck("#log")
    page.wait_for_function(
        "() => document.getElementById('scale-note').textContent.startsWith('Escala lineal')"
    )
    assert (
        page.evaluate("document.getElementById('chart').layout.yaxis.title.text")
        == "encuentros por mes"
    )
    assert "intervalos del 80% y del 95%" in page.evaluate("CHART_INFO.chart.subtitle")
    # the leaderboard names each model in words, in Spanish (never its code)
    page.wait_for_selector("#leaderboard tbody tr")
    assert "ingenuo estacional" in page.text_content("#leaderboard tbody")
    assert "seasonal_naive" not in page.text_content("#leaderboard tbody")
    assert page.problems == []


def test_a_policy_lab_run_reports_in_spanish(page, base_url: str) -> None:
    """The run's status line and its chart, built by policylab.js, in Spanish."""
    page.goto("/policy-lab?lang=es&scenario=harris_strategy&households=2000&months=6&members=2")
    page.click("#run")
    page.locator("#chart").scroll_into_view_if_needed()  # charts are drawn when near the screen
    page.wait_for_function(
        "() => document.getElementById('status').textContent.startsWith('Terminada')",
        timeout=180_000,
    )
    status = page.text_content("#status") or ""
    assert re.fullmatch(
        r"Terminada en \d+\.\d s \(2 miembros\); (guardada como corrida \w+|no guardada)\.", status
    ), status
    page.wait_for_function("() => !!document.getElementById('chart').data")
    assert page.evaluate("document.getElementById('chart').layout.yaxis.title.text").startswith(
        "encuentros por mes"
    )
    assert english_left(page.evaluate(VISIBLE)) == []
    assert page.problems == []


@pytest.mark.parametrize("path", ["/drivers", "/forecasts", "/commitments/C103"])
def test_spanish_words_fit_a_phone(page, base_url: str, path: str) -> None:
    """Spanish runs longer than English: the pages still fit 390 px without sideways scroll."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{path}?lang=es")
    show_every_chart(page)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.problems == []
