"""The Commitments pages in a real browser (Debian's chromium via Playwright): the board, its
status filter, the timeline and a commitment's page; screenshots go to test-artifacts/."""

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


@pytest.fixture(scope="session")
def served_tracker(served_store: Settings, snapshot: Path) -> Settings:
    """The served home with the snapshot's strategy files in its tracker."""
    seed_tracker(served_store, snapshot)
    return served_store


@pytest.fixture
def board(page, served_tracker: Settings):
    page.goto("/commitments")
    page.wait_for_function(
        "document.getElementById('timeline').data && "
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
    board.wait_for_function(
        "document.getElementById('progress-1').data && "
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
