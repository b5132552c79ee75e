"""The landing page in a real browser shows every finding of /api/findings first, each with its
chart drawn once scrolled to, its source and its caveat, at desktop and phone widths."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_landing_page_shows_each_finding(page, base_url: str, width: int) -> None:
    body = httpx.get(f"{base_url}/api/findings", timeout=60).json()
    assert body["data"]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    for item in body["data"]:
        # a chart is drawn when it nears the screen (common.js plot()), by plotly.js once the
        # reader points at the page (a sketch before)
        page.locator(f"#chart-{item['id']}").hover()
        page.wait_for_function(
            f"() => {{ const c = document.getElementById('chart-{item['id']}');"
            " return c && c.data && c.data.length > 0; }",
            timeout=20_000,
        )
    shown = page.eval_on_selector_all(
        "#findings .finding .statement", "nodes => nodes.map(n => n.textContent.trim())"
    )
    assert shown == [item["statement"] for item in body["data"]]
    caveats = page.eval_on_selector_all(".finding .caveat", "nodes => nodes.length")
    assert caveats == len(body["data"])
    stamp = page.text_content(".stamp")
    assert stamp is not None and body["data_through"] in stamp
    # the findings come before the monthly chart
    assert page.evaluate(
        "document.getElementById('findings').getBoundingClientRect().top"
        " < document.getElementById('chart').getBoundingClientRect().top"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.problems == []
    screenshot(page, f"findings-{width}")
