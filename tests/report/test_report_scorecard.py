"""The brief's outcome scorecard section: the scorecard's rows of the brief's countries, with the
statement and caveats of every verdict that left its band."""

from __future__ import annotations

import html
import re

from rootcauses.analysis.scorecard import scorecard_from_store
from rootcauses.config import Settings
from rootcauses.report import build_report, render_html
from rootcauses.report.render import fixed


def test_the_brief_shows_the_scorecard_of_its_country(built_store: Settings, store) -> None:
    report = build_report(built_store, "SLV", "2023-01", "2024-06")
    card = scorecard_from_store(store)
    expected = [r for r in card.rows if r.country == "SLV"]
    assert report.scorecard is not None
    assert [r["indicator"] for r in report.scorecard["rows"]] == [r.indicator for r in expected]
    page = html.unescape(render_html(report))
    section = page[page.index('<section id="scorecard">') : page.index('<section id="policy-lab">')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    for row in expected:
        if row.verdict == "insufficient_data":
            continue
        assert f"{fixed(row.observed)} {fixed(row.counterfactual)}" in text, row.indicator
        assert f"{fixed(row.lo90)} to {fixed(row.hi90)}" in text
        if row.verdict in ("better", "worse"):
            assert row.statement in text and all(c in text for c in row.caveats)
    assert "not the strategy's effect" in text


def test_a_brief_on_the_three_has_every_row(built_store: Settings, store) -> None:
    report = build_report(built_store, "NT", "2023-01", "2024-06")
    assert report.scorecard is not None
    assert len(report.scorecard["rows"]) == len(scorecard_from_store(store).rows)
