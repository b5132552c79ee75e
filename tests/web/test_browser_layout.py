"""Every page in a real browser at a laptop's and a phone's width, the API docs, and the chart
exports (Debian's chromium via Playwright); screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from rootcauses.config import Settings
from tests.web.conftest import screenshot
from tests.web.test_commitments_pages import seed_tracker

pytestmark = pytest.mark.browser
DESKTOP, PHONE = 1366, 390
# (path, the element that shows the page has drawn its data)
PAGES = [
    ("/", "#chart .main-svg"),
    ("/drivers", "#chart .main-svg"),
    ("/forecasts", "#chart .main-svg"),
    ("/commitments", "#timeline .main-svg"),
    ("/commitments/C103", "#targets, #not-found, .promise"),
    ("/policy-lab", "#lab"),
    ("/sources", "#sources-table tbody tr"),
    ("/docs", "details.operation"),
    ("/embed/encounters?basis=usbp", "#chart .main-svg"),
]


@pytest.fixture(scope="module")
def tracker(served_store: Settings, snapshot: Path) -> Settings:
    seed_tracker(served_store, snapshot)
    return served_store


@pytest.fixture
def sized(browser, base_url: str, tracker: Settings):
    """A page factory at a given viewport width that records console errors."""
    contexts = []

    def make(width: int, **options):
        context = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": 900}, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()


def _overflow(page) -> list[str]:
    """The page's horizontal overflow and the elements that stick out past the viewport."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          const out = [`page is ${document.documentElement.scrollWidth}px wide`];
          for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.width && r.right > width + 1)
              out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(r.right)}`);
          }
          return out.slice(0, 10);
        }"""
    )


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_every_page_renders_without_errors_or_sideways_scroll(
    sized, path: str, ready: str, width: int
) -> None:
    page = sized(width)
    response = page.goto(path)
    assert response.status == 200
    if ready.endswith(".main-svg"):  # drawn when it nears the screen, by plotly.js once pointed at
        page.locator(ready.split()[0]).hover()
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # late layout (charts resizing to their box)
    assert page.problems == []
    assert _overflow(page) == []
    name = path.strip("/").split("?")[0].replace("/", "-") or "overview"
    screenshot(page, f"layout-{name}-{width}")


def test_the_menu_is_whole_on_a_phone(sized) -> None:
    page = sized(PHONE)
    page.goto("/sources")
    width = page.evaluate("document.documentElement.clientWidth")
    links = page.locator("header nav a")  # the menu's 7 links and the other language's
    assert links.count() == 8
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        inside = box and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert inside, links.nth(i).text_content()
    assert "Forecasts" in page.locator("header nav[aria-label=Main]").inner_text()


def test_the_commitments_table_keeps_status_and_deadline_on_a_phone(sized) -> None:
    page = sized(PHONE)
    page.goto("/commitments")
    row = page.locator("#commitments-table tbody tr[data-id]").first
    for label in ("Status", "Deadline"):
        cell = row.locator(f'td[data-label="{label}"]')
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box["width"] > 200  # a stacked row, full width, not a squeezed column
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('#commitments-table td[data-label=Status]'),"
            " '::before').content"
        )
        == '"Status: "'
    )


def test_docs_shows_the_operations_of_the_openapi_31_document(sized, base_url: str) -> None:
    document = httpx.get(f"{base_url}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    page = sized(DESKTOP)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/docs")
    # the operations are the page's own HTML: shown at once, without Swagger UI's 1.7 MB
    paths = page.locator("details.operation .path").all_inner_texts()
    assert "/api/encounters" in paths and len(paths) == sum(
        m in ("get", "post", "put", "patch", "delete")
        for item in document["paths"].values()
        for m in item
    )
    page.wait_for_load_state("networkidle")
    assert not any("swagger-ui" in url for url in requested)
    # Swagger UI on demand: it reads the 3.1 document and draws the same operations
    page.get_by_role("button", name="Try the API in Swagger UI").click()
    page.wait_for_selector(".opblock", timeout=60_000)
    assert page.locator(".errors-wrapper").count() == 0
    assert "valid version field" not in page.content()
    swagger_paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/encounters" in [p.replace("\u200b", "") for p in swagger_paths]
    assert page.locator("#api-operations").is_hidden()
    assert page.problems == []


def test_try_it_opens_swagger_ui_at_the_operation(sized) -> None:
    page = sized(PHONE)
    page.goto("/docs")
    operation = page.locator("details.operation", has_text="/api/encounters").first
    operation.locator("summary").click()
    operation.get_by_role("link", name="Try it in Swagger UI").click()
    page.wait_for_selector(".opblock.is-open", timeout=60_000)  # Swagger UI opens that one
    assert "/api/encounters" in page.locator(".opblock.is-open .opblock-summary-path").inner_text()
    assert page.problems == []
    # a Swagger UI deep link in the address of a fresh page opens Swagger UI too
    linked = sized(PHONE)
    linked.goto("/docs#/encounters")
    linked.wait_for_selector(".opblock-tag", timeout=60_000)
    assert linked.locator("#api-operations").is_hidden() and linked.problems == []


def _wait_chart(page, element: str = "chart") -> None:
    page.locator(f"#{element}").hover()  # seen and pointed at: plotly.js replaces the sketch
    page.wait_for_function(
        f"() => document.getElementById('{element}').data && "
        f"document.getElementById('{element}').data.length > 0",
        timeout=20_000,
    )


def test_exported_svg_and_png_carry_title_source_and_date(sized) -> None:
    page = sized(DESKTOP, accept_downloads=True)
    page.goto("/?basis=usbp")
    _wait_chart(page)
    tools = page.locator('[data-export-for="chart"]')
    with page.expect_download() as info:
        tools.get_by_role("button", name="Vector (SVG)").click()
    download = info.value
    svg = Path(download.path()).read_text(encoding="utf-8")
    assert download.suggested_filename.startswith(
        "rootcauses-southwest-border-encounters-by-nationality-per-month-"
    )
    assert download.suggested_filename.endswith(".svg")
    assert "Southwest-border encounters by nationality, per month" in svg
    assert "Source: CBP Nationwide Encounters" in svg and "Data through 20" in svg
    assert "Border Patrol only" in svg  # the subtitle
    with page.expect_download() as info:
        tools.get_by_role("button", name="Image (PNG)").click()
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and info.value.suggested_filename.endswith(".png")
    # PNG and SVG have their own modebar buttons and icons; no Plotly cloud button
    titles = page.eval_on_selector_all(
        "#chart .modebar-btn", "bs => bs.map(b => b.getAttribute('data-title'))"
    )
    assert any("PNG" in t for t in titles) and any("SVG" in t for t in titles)
    assert not any("Chart Studio" in t or "cloud" in t.lower() for t in titles)
    icons = page.eval_on_selector_all(
        "#chart .modebar-btn[data-title*='Download'] path", "ps => ps.map(p => p.getAttribute('d'))"
    )
    assert len(icons) == 2 and icons[0] != icons[1]
    assert page.problems == []


def test_csv_as_shown_includes_the_per_100k_rate(sized) -> None:
    page = sized(DESKTOP, accept_downloads=True)
    page.goto("/?per100k=1")
    page.locator("#chart").hover()  # seen and pointed at: plotly.js replaces the sketch
    page.wait_for_function(
        "() => (document.getElementById('chart').layout?.yaxis?.title?.text || '')"
        ".includes('100,000')"
    )
    with page.expect_download() as info:
        page.click("#csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows and set(rows[0]) == {"month", "citizenship", "count", "population", "per_100k"}
    first = next(r for r in rows if r["citizenship"] == "GTM" and r["population"])
    assert float(first["per_100k"]) == pytest.approx(
        int(first["count"]) / float(first["population"]) * 100_000
    )
    shown = page.evaluate(
        "document.getElementById('chart').data.find(t => t.name === 'Guatemala').y[0]"
    )
    assert float(first["per_100k"]) == pytest.approx(shown)
    with page.expect_download() as info:
        page.locator('[data-export-for="chart"]').get_by_role("button", name="CSV").click()
    table = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    guatemala = [r for r in table if r["series"] == "Guatemala"]
    assert float(guatemala[0]["y"]) == pytest.approx(shown)
    assert not any(r["series"] == "US policy change" for r in table)


def test_embed_code_and_citation_are_shown_and_the_embed_route_draws_the_chart(
    sized, base_url: str
) -> None:
    page = sized(DESKTOP)
    page.goto("/?basis=usbp")
    _wait_chart(page)
    tools = page.locator('[data-export-for="chart"]')
    tools.locator("summary").click()
    code = tools.locator("textarea.embed-code").input_value()
    assert code.startswith(f'<iframe src="{base_url}/embed/encounters?basis=usbp')
    cite = tools.locator("textarea.cite").input_value()
    assert "Southwest-border encounters by nationality" in cite and "through 20" in cite
    assert "CBP Nationwide Encounters" in cite

    embed = sized(PHONE)
    src = code.split('src="')[1].split('"')[0]
    embed.goto(src)
    _wait_chart(embed)
    assert embed.locator("header.site").is_hidden() and embed.locator("#controls").is_hidden()
    assert embed.locator("#share").is_hidden()
    assert embed.locator("h1").inner_text().startswith("Southwest-border encounters")
    assert embed.problems == []
    assert httpx.get(src).headers.get("x-frame-options") is None
