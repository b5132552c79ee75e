"""The Commitments pages in a real browser (Debian's chromium via Playwright): the board, its
status filter, the timeline and a commitment's page; screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import httpx
import pytest

from rootcauses.config import Settings
from tests.web.conftest import ARTIFACTS, screenshot
from tests.web.test_commitments_pages import seed_tracker

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def served_tracker(served_store: Settings, snapshot: Path) -> Settings:
    """The served home with the snapshot's strategy files in its tracker."""
    seed_tracker(served_store, snapshot)
    return served_store


@pytest.fixture
def board(page, served_tracker: Settings):
    page.goto("/commitments")
    page.locator("#timeline").scroll_into_view_if_needed()  # charts are drawn when near the screen
    page.wait_for_function(  # a function: the page's CSP forbids evaluating a string
        "() => !!document.getElementById('timeline').data && "
        "document.getElementById('timeline').data.length > 0",
        timeout=10_000,
    )
    return page


def _rows(page) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#commitments-table tbody tr[data-id]",
        "rows => rows.map(r => ({id: r.dataset.id, status: r.dataset.status}))",
    )


def test_the_board_loads_with_its_timeline_and_no_console_errors(board) -> None:
    assert board.title().endswith("— rootcauses")
    unlabelled = board.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select')].filter(e =>
             !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
           .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    rows = _rows(board)
    dated = board.evaluate(
        "document.getElementById('timeline').data.reduce((n, t) => n + t.x.length, 0)"
    )
    undated = board.locator("ul.undated li").count()
    assert dated > 0 and dated + undated == len(rows)
    # "today" is drawn as a vertical line
    shapes = board.evaluate("document.getElementById('timeline').layout.shapes.map(s => s.x0)")
    assert len(shapes) == 1
    assert board.locator("#timeline .main-svg").count() > 0
    assert board.problems == []
    screenshot(board, "commitments")


def test_a_status_filter_changes_the_rows_and_the_permalink(board) -> None:
    before = _rows(board)
    expected = board.evaluate(
        "Number(document.querySelector('.tile[data-status=no_metric] .tile-count').textContent)"
    )
    board.select_option("#status", "no_metric")
    board.wait_for_url("**/commitments?status=no_metric")
    after = _rows(board)
    assert len(after) == expected < len(before)
    assert {r["status"] for r in after} == {"no_metric"}
    assert board.get_attribute("#permalink", "href") == "/commitments?status=no_metric"
    assert board.problems == []


def test_the_csv_download_matches_the_table(board, base_url: str) -> None:
    board.select_option("#actor_type", "private")
    board.wait_for_url("**actor_type=private")
    with board.expect_download() as info:
        board.click("#csv")
    downloaded = Path(info.value.path()).read_text()
    assert [r["id"] for r in csv.DictReader(io.StringIO(downloaded))] == [
        r["id"] for r in _rows(board)
    ]
    href = board.get_attribute("#csv", "href")
    assert downloaded == httpx.get(base_url + href.replace("&amp;", "&")).text


def test_a_commitment_page_opens_from_the_board(board) -> None:
    board.click("#commitments-table a[href='/commitments/C103']")
    board.wait_for_url("**/commitments/C103")
    board.locator("#progress-1").scroll_into_view_if_needed()
    board.wait_for_function(
        "() => !!document.getElementById('progress-1').data && "
        "document.getElementById('progress-1').data.length > 0",
        timeout=10_000,
    )
    assert board.title().startswith("C103")
    evidence = board.eval_on_selector_all(
        "a.evidence", "links => links.map(a => [a.rel, a.target])"
    )
    assert evidence and all("noopener" in rel and target == "_blank" for rel, target in evidence)
    assert board.locator("#history tbody tr").count() >= 1
    assert board.problems == []
    screenshot(board, "commitment")


LABELS = {
    "requested": "requested",
    "appropriated": "appropriated and planned",
    "obligated": "obligated",
    "disbursed": "disbursed",
}


def expected_money(rows: list[dict], country: str) -> dict[str, list[tuple[int, float]]]:
    """What the money chart should draw from the API's rows, computed here independently:
    bilateral sums per year and stage (for the three countries, only years all three report),
    the promise and the regional headlines."""
    drawn: dict[str, list[tuple[int, float]]] = {}
    if country == "NT":
        promised = [(r["fiscal_year"], r["amount_usd"]) for r in rows if r["stage"] == "promised"]
        if promised:
            drawn["promised (spread evenly)"] = promised
    for stage, label in LABELS.items():
        mine = [
            r
            for r in rows
            if r["stage"] == stage
            and r["scope"].startswith("bilateral")
            and (country == "NT" or r["country"] == country)
        ]
        years = sorted({r["fiscal_year"] for r in mine})
        points = []
        for year in years:
            those = [r for r in mine if r["fiscal_year"] == year]
            if country == "NT" and len({r["country"] for r in those}) < 3:
                continue
            points.append((year, sum(r["amount_usd"] for r in those)))
        if points:
            drawn[f"{label} (bilateral)"] = points
    if country == "NT":
        for stage in ("requested", "appropriated"):
            mine = [
                (r["fiscal_year"], r["amount_usd"])
                for r in rows
                if r["stage"] == stage and r["scope"].startswith("headline")
            ]
            if mine:
                drawn[f"{LABELS[stage]} (regional headline)"] = mine
    return drawn


def _until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` from here (the page's CSP forbids the eval Playwright's own polling
    of a string predicate needs once it is not true at once)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {expression}")
        time.sleep(0.05)


def _drawn_money(page) -> dict[str, list[tuple[int, float]]]:
    traces = page.evaluate(
        "document.getElementById('money-chart').data.map(t => [t.name, t.x, t.y])"
    )
    return {name: list(zip(x, y, strict=True)) for name, x, y in traces}


def test_the_money_chart_draws_the_values_the_api_serves(board, base_url: str) -> None:
    board.locator("#money-chart").scroll_into_view_if_needed()
    _until(
        board,
        "!!(document.getElementById('money-chart').data && "
        "document.getElementById('money-chart').data.length > 0)",
    )
    api = board.get_attribute("#money-chart", "data-api")
    rows = httpx.get(base_url + api).json()["data"]
    assert {r["stage"] for r in rows} >= {"promised", "requested", "obligated", "disbursed"}
    for country in ("NT", "GTM", "SLV"):
        board.select_option("#money-country", country)
        _until(board, f"document.getElementById('money-chart').dataset.country === '{country}'")
        drawn = _drawn_money(board)
        expected = expected_money(rows, country)
        assert drawn.keys() == expected.keys(), country
        for name, points in expected.items():
            assert [x for x, _ in drawn[name]] == [x for x, _ in points], (country, name)
            assert [y for _, y in drawn[name]] == pytest.approx([y for _, y in points]), name
    # the promise is the tracker's: C001's target spread over the years of its binding
    promised = [r for r in rows if r["stage"] == "promised"]
    assert promised and {r["source"] for r in promised} == {"C001"}
    assert sum(r["amount_usd"] for r in promised) == pytest.approx(4e9)
    assert board.problems == []
    board.select_option("#money-country", "NT")
    _until(board, "document.getElementById('money-chart').dataset.country === 'NT'")
    board.locator("#money").screenshot(path=str(ARTIFACTS / "commitments-money.png"))


def test_a_commitment_page_draws_derived_and_reported_progress(page, served_tracker) -> None:
    page.goto("/commitments/C001")
    page.locator("#progress-1").scroll_into_view_if_needed()
    _until(
        page,
        "!!(document.getElementById('progress-1').data && "
        "document.getElementById('progress-1').data.length > 0)",
    )
    detail = httpx.get(page.url.replace("/commitments/", "/api/tracker/commitments/")).json()
    measured = next(d for d in detail["derived"] if d["target"] == 1)
    assert measured["readings"], measured["problem"]
    traces = page.evaluate(
        "document.getElementById('progress-1').data.map(t => [t.name, t.x, t.y])"
    )
    by_name = {name: (x, y) for name, x, y in traces}
    x, y = by_name["derived (official series)"]
    assert x == [r["date"] for r in measured["readings"]]
    assert y == pytest.approx([r["value"] for r in measured["readings"]])
    assert "trajectory to the target" in by_name and "target" in by_name
    assert detail["targets"][0]["latest_origin"] == "derived"
    assert page.locator("#derived .derived-readings tbody tr").count() >= len(measured["readings"])
    assert page.problems == []
    screenshot(page, "commitment-derived")
