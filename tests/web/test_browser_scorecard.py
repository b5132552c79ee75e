"""The outcome scorecard on the Commitments page in a real browser (Debian's chromium via
Playwright): every verdict and value the API serves is the one shown, each scored cell has its
chart of observed, synthetic and band, and the caveats open; a screenshot goes to
test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from rootcauses.config import Settings
from rootcauses.web.scorecard import VERDICT_LABELS, format_value
from tests.web.conftest import screenshot
from tests.web.test_commitments_pages import seed_tracker

pytestmark = pytest.mark.browser
FIELDS = ("observed", "counterfactual", "lo90", "hi90")


@pytest.fixture(scope="session")
def served_tracker(served_store: Settings, snapshot: Path) -> Settings:
    """The served home with the snapshot's strategy files in its tracker."""
    seed_tracker(served_store, snapshot)
    return served_store


@pytest.fixture(scope="module")
def api(base_url: str) -> dict:
    response = httpx.get(base_url + "/api/scorecard", timeout=60)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def board(page, served_tracker: Settings):
    page.goto("/commitments")
    page.wait_for_selector("#scorecard table", timeout=15_000)
    return page


def _cells(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#scorecard td.scorecard-cell",
        """cells => cells.map(td => ({
             pillar: td.closest('table').dataset.pillar,
             indicator: td.closest('tr').dataset.indicator,
             country: td.dataset.country,
             verdict: td.dataset.verdict,
             badge: td.querySelector('.verdict').textContent.trim(),
             values: Object.fromEntries([...td.querySelectorAll('[data-field]')].map(
               s => [s.dataset.field, {value: s.dataset.value, text: s.textContent.trim()}])),
             lines: td.querySelectorAll('svg polyline').length,
             band: td.querySelectorAll('svg polygon').length,
             period: (td.querySelector('.period') || {}).textContent || null,
             regional: (td.querySelector('.regional') || {dataset: {}}).dataset.regionalVerdict
               || null,
           }))""",
    )


def test_the_scorecard_shows_the_apis_verdicts_and_values(board, api: dict) -> None:
    cells = {(c["indicator"], c["country"]): c for c in _cells(board)}
    assert len(cells) == api["count"] == len(api["data"])
    for row in api["data"]:
        cell = cells[(row["indicator"], row["country"])]
        assert cell["pillar"] == row["pillar"]
        assert cell["verdict"] == row["verdict"]
        assert cell["badge"] == VERDICT_LABELS[row["verdict"]]
        if row["verdict"] == "insufficient_data":
            assert cell["values"] == {} and cell["lines"] == 0
            continue
        for field in FIELDS:
            shown = cell["values"][field]
            assert float(shown["value"]) == row[field], (row["indicator"], field)
            assert shown["text"] == format_value(row[field])
        assert cell["period"] == row["post_period"]
        assert cell["regional"] == row["regional_verdict"]
        assert cell["lines"] >= 2 and cell["band"] == 1  # observed, synthetic; the band
    assert board.problems == []


def test_the_counts_and_pillars_match_the_api(board, api: dict) -> None:
    counts = board.eval_on_selector_all(
        ".scorecard-counts li",
        "items => Object.fromEntries(items.map(li => "
        "[li.dataset.verdict, Number(li.querySelector('.count').textContent)]))",
    )
    expected = {v: 0 for v in VERDICT_LABELS}
    for row in api["data"]:
        expected[row["verdict"]] += 1
    assert counts == expected
    pillars = board.eval_on_selector_all(
        "#scorecard table", "tables => tables.map(t => t.dataset.pillar)"
    )
    assert pillars == sorted({r["pillar"] for r in api["data"]})
    for gap in api["not_covered"]:
        assert board.locator(f'[data-not-covered="{gap["pillar"]}"]').is_visible()
    # the scorecard sits above the status board
    above = board.evaluate(
        "document.getElementById('scorecard').compareDocumentPosition("
        "document.querySelector('.status-tiles')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert above


def test_caveats_open_with_the_statement_and_source(board, api: dict) -> None:
    row = next(r for r in api["data"] if r["indicator"] == "homicide_rate" and r["caveats"])
    cell = board.locator(
        f'#scorecard tr[data-indicator="homicide_rate"] td[data-country="{row["country"]}"]'
    )
    details = cell.locator("details.caveats")
    assert not details.locator("li").first.is_visible()
    details.locator("summary").click()
    assert details.locator("li").first.is_visible()
    text = details.inner_text()
    assert row["statement"] in text and all(c in text for c in row["caveats"])
    assert details.locator(f'a[href="{row["source"]["url"]}"]').count() == 1
    screenshot(board, "commitments-scorecard")
