"""The scorecard partial on the Commitments page without a browser: every row's statement and
caveats are in the page, and a home without a store shows an error id in place of the tables
(the rest of the page still renders)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rootcauses.analysis.scorecard import scorecard_from_store
from rootcauses.config import Settings
from rootcauses.findings import cache
from rootcauses.web.app import create_app
from rootcauses.web.scorecard import format_value, page_context
from tests.web.test_commitments_pages import seed_tracker


@pytest.fixture(scope="module")
def card(built_store: Settings):
    from rootcauses.store import connect

    con = connect(built_store)
    try:
        return scorecard_from_store(con)
    finally:
        con.close()


def test_page_context_groups_every_row_with_a_chart(card) -> None:
    context = page_context(card)
    cells = [c for g in context["groups"] for i in g["indicators"] for c in i["cells"]]
    assert len(cells) == len(card.rows)
    for cell in cells:
        scored = cell["row"].verdict != "insufficient_data"
        assert ("<svg" in cell["chart"]) == scored
    assert sum(context["counts"].values()) == len(card.rows)
    assert format_value(None) == "—" and format_value(-0.5) == "-0.50"
    assert format_value(1234.4) == "1,234"


def test_the_commitments_page_carries_every_statement(
    built_store: Settings, card, tmp_path: Path
) -> None:
    from rootcauses.store import import_build

    settings = Settings(home=tmp_path / "home", data=built_store.data)
    import_build(settings, built_store.store_path)
    seed_tracker(settings, built_store.data)
    page = html.unescape(TestClient(create_app(settings)).get("/commitments").text)
    assert page.index('id="scorecard"') < page.index('class="status-tiles"')
    for row in card.rows:
        assert (row.statement or row.reason) in page
        assert all(c in page for c in row.caveats)


def test_without_a_store_the_scorecard_says_so(snapshot: Path, tmp_path: Path) -> None:
    cache.clear()
    settings = Settings(home=tmp_path / "home", data=snapshot)
    seed_tracker(settings, snapshot)
    response = TestClient(create_app(settings)).get("/commitments")
    assert response.status_code == 200
    assert 'id="scorecard-error"' in response.text and "error" in response.text
    assert 'class="status-tiles"' in response.text
