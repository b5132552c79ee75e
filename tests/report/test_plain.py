"""The brief in plain words: no internal codes in its text (checked against every code in the
store and the result tables), the right wording for one country, no mostly blank pages, every
statistic explained, and the dashboard's headline findings in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from rootcauses.config import Settings
from rootcauses.findings import compute_findings
from rootcauses.report import build_report, render_html
from rootcauses.report.labels import count, label, place, places
from rootcauses.report.render import page_fill
from rootcauses.store import connect
from rootcauses.store.results import read_results


class _Text(HTMLParser):
    """The text a reader sees: no markup, styles, SVG internals or <code> (commands to run)."""

    SKIP = ("style", "code", "title")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag) -> None:
        if tag in self.SKIP:
            self.depth -= 1

    def handle_data(self, data) -> None:
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def store_codes(settings: Settings) -> set[str]:
    """Every code the store and the result tables use: country, group and demographic codes
    (upper case) and every identifier with an underscore (sources, indicators, actor types,
    statuses, theories, drivers, models, scenarios, metrics)."""
    con = connect(settings)
    try:
        values: set[str] = set()
        for sql in (
            "SELECT DISTINCT citizenship FROM encounters",
            "SELECT DISTINCT demographic FROM encounters",
            "SELECT DISTINCT country FROM indicators",
            "SELECT DISTINCT indicator FROM indicators",
            "SELECT DISTINCT country FROM events",
            "SELECT DISTINCT id FROM sources",
            "SELECT DISTINCT actor_type FROM strategy_commitments",
            "SELECT DISTINCT country_iso3 FROM strategy_commitments",
        ):
            values |= {str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None}
        for table, columns in (
            ("driver_models", ("theory", "driver", "basis")),
            ("forecasts", ("model", "chosen", "basis")),
            ("scenario_results", ("scenario", "baseline", "metric", "citizenship")),
            ("tracker_commitments", ("actor_type", "status", "country")),
        ):
            frame = read_results(con, table)
            for column in columns:
                if column in frame:
                    values |= {str(v) for v in frame[column].dropna().unique() if str(v)}
    finally:
        con.close()
    codes = {v for v in values if "_" in v or (v.isupper() and len(v) >= 2)}
    return codes | {"usbp", "cbp"}


def codes_in(text: str, codes: set[str]) -> dict[str, int]:
    found = {}
    for code in codes:
        hits = re.findall(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text)
        if hits:
            found[code] = len(hits)
    return found


@pytest.fixture(scope="module")
def codes(results_store: Settings) -> set[str]:
    found = store_codes(results_store)
    assert {"XNT", "us_gov", "partner_gov", "GTM", "HND", "no_metric", "auto_ets"} <= found
    return found


@pytest.fixture(scope="module")
def hnd(results_store: Settings):
    report = build_report(results_store, "HND", "2019-10", "2024-09")
    return report, render_html(report)


@pytest.mark.parametrize("country", ["GTM", "HND", "SLV", "NT"])
def test_brief_text_has_no_internal_codes(
    results_store: Settings, codes: set[str], country: str
) -> None:
    html = render_html(build_report(results_store, country, "2019-10", "2024-09"))
    text = visible_text(html)
    # these sections carry codes in the store (events of the region, actor types, results)
    assert "all three countries" in text and "US government" in text
    assert codes_in(text, codes) == {}


def test_one_country_wording(hnd) -> None:
    report, html = hnd
    text = visible_text(html)
    assert "country-years" not in text and "year(s)" not in text
    assert not re.search(r"\b0 years? before", text)
    sentence = next(s for s in report.statements if "correlation" in s)
    assert re.search(r"Over the \d+ calendar years \d{4}–\d{4} with both figures", sentence)
    assert "citizens of Honduras" in sentence
    # the correlation is explained, and called an association
    assert "runs from −1" in sentence and "+1" in sentence and "not an effect" in sentence
    assert "1 commitments" not in text


def test_northern_triangle_wording(results_store: Settings) -> None:
    report = build_report(results_store, "NT", "2019-10", "2024-09")
    sentence = next(s for s in report.statements if "correlation" in s)
    assert "country-years" in sentence and "3 countries" in sentence
    assert "citizens of Guatemala, Honduras and El Salvador" in sentence


def test_every_statistic_is_explained(hnd) -> None:
    _, html = hnd
    text = visible_text(html)
    for term in ("Within R²:", "Out-of-sample gain:", "Error vs random walk:", "Interval held:"):
        assert term in text
    assert "The change compares the period with the 60 months before it" in text
    assert "Simulated, not observed" in text


def test_no_page_but_the_last_is_mostly_blank(hnd) -> None:
    _, html = hnd
    fills = page_fill(html)
    assert len(fills) >= 3
    assert all(f >= 0.6 for f in fills[:-1]), fills


def test_brief_holds_the_headline_findings(hnd, results_store: Settings) -> None:
    report, html = hnd
    con = connect(results_store)
    try:
        expected = compute_findings(con)
    finally:
        con.close()
    text = visible_text(html)
    assert [f.statement for f in report.findings] == [f.statement for f in expected.items]
    for finding in expected.items:
        assert finding.statement in text and finding.caveat in text
    assert f"data through {expected.data_through}" in text


def test_labels() -> None:
    assert place("XNT") == "all three countries" and place("HND") == "Honduras"
    assert places(["GTM", "HND", "SLV"]) == "Guatemala, Honduras and El Salvador"
    assert label("actor_type", "partner_gov") == "Partner governments"
    assert label("status", "no_recent_data") == "no recent report"
    assert label("driver", "log_gdp_pc").startswith("log GDP per capita")
    assert label("model", "something_new") == "something new"  # never the raw code
    assert (count(0, "year"), count(1, "year"), count(2, "country", "countries")) == (
        "0 years",
        "1 year",
        "2 countries",
    )
