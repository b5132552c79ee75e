"""Briefs built from the real store: the figures equal independent SQL, the HTML is
self-contained and cites the sources, the PDF renders, bad inputs fail, the CLI works."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.errors import BuildError
from rootcauses.report import ReportError, build_report, render_html, render_pdf
from rootcauses.report.build import COMMANDS
from rootcauses.report.labels import label

SW = "Southwest Land Border"
START, END = dt.date(2019, 10, 1), dt.date(2024, 9, 1)
PREV_START, PREV_END = dt.date(2014, 10, 1), dt.date(2019, 9, 1)
NT = ("GTM", "HND", "SLV")
runner = CliRunner()


def _sum(con, source: str, codes, start: dt.date, end: dt.date) -> int:
    where = "" if codes is None else f"AND citizenship IN ({', '.join('?' for _ in codes)})"
    value = con.execute(
        "SELECT coalesce(sum(count), 0) FROM encounters WHERE source = ? AND region = ? "
        f"AND frequency = 'monthly' AND month BETWEEN ? AND ? {where}",
        [source, SW, start, end, *(codes or [])],
    ).fetchone()[0]
    return int(value)


class _Links(HTMLParser):
    """Every tag name and every href/src in a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if "href" in values:
            self.hrefs.append(values["href"])
        if "src" in values:
            self.srcs.append(values["src"])


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def gtm_brief(results_store: Settings):
    report = build_report(results_store, "GTM", "2019-10", "2024-09")
    return report, render_html(report)


def test_headline_figures_equal_the_store(built_store: Settings, store) -> None:
    report = build_report(built_store, "GTM", "2019-10", "2024-09")
    source = "ohss_usbp_citizenship"
    encounters = _sum(store, source, ["GTM"], START, END)
    previous = _sum(store, source, ["GTM"], PREV_START, PREV_END)
    southwest = _sum(store, source, None, START, END)
    h = report.headline
    assert encounters > 0 and previous > 0
    assert (h.encounters, h.previous, h.southwest_total) == (encounters, previous, southwest)
    assert h.change == pytest.approx(encounters / previous - 1)
    assert h.share == pytest.approx(encounters / southwest)
    html = render_html(report)
    assert f"{encounters:,}" in html and f"{southwest:,}" in html
    assert f"{100 * h.change:+.1f}%".replace("-", "−") in html


def test_northern_triangle_adds_the_three_countries(built_store: Settings, store) -> None:
    report = build_report(built_store, "NT", "2021-01", "2022-12", basis="cbp")
    assert report.headline.encounters == _sum(
        store, "cbp_state", list(NT), dt.date(2021, 1, 1), dt.date(2022, 12, 1)
    )
    assert report.headline.previous is None  # the CBP files start in October 2019
    assert list(report.monthly.columns) == list(NT)
    assert "not fully covered" in render_html(report)


def test_html_is_self_contained_and_cites_sources(built_store: Settings, store) -> None:
    report = build_report(built_store, "HND", "2019-10", "2024-09")
    html = render_html(report)
    links = _links(html)
    assert "script" not in links.tags and "link" not in links.tags and "img" not in links.tags
    assert links.srcs == [] and "@import" not in html and "url(" not in html
    # one chart for encounters and one per driver panel
    assert html.count("<svg") == 1 + len(report.drivers) and len(report.drivers) >= 3
    urls = {r[0] for r in store.execute("SELECT url FROM sources").fetchall()}
    event_urls = set(report.events["source_url"].dropna())
    assert set(links.hrefs) <= urls | event_urls
    encounters_url = store.execute(
        "SELECT url FROM sources WHERE id = 'ohss_usbp_citizenship'"
    ).fetchone()[0]
    homicide_url = store.execute("SELECT url FROM sources WHERE id = 'homicide'").fetchone()[0]
    assert encounters_url in links.hrefs and homicide_url in links.hrefs
    built = store.execute("SELECT built_at FROM build_info").fetchone()[0]
    assert html.count(f"of {built:%Y-%m-%d}.") >= 1 + len(report.drivers)


def test_driver_latest_values_equal_the_store(built_store: Settings, store) -> None:
    report = build_report(built_store, "SLV", "2019-10", "2024-09")
    panel = next(p for p in report.drivers if p.indicator == "homicide_rate")
    year, value = store.execute(
        "SELECT year(period), value FROM indicators WHERE indicator = 'homicide_rate' "
        "AND country = 'SLV' AND source = 'homicide' AND year(period) <= 2024 "
        "ORDER BY period DESC LIMIT 1"
    ).fetchone()
    assert panel.latest["SLV"] == (year, pytest.approx(value))
    assert f"{value:,.2f} ({year})" in render_html(report)


def test_policy_events_in_the_range_are_marked(built_store: Settings, store) -> None:
    report = build_report(built_store, "GTM", "2019-10", "2024-09")
    expected = store.execute(
        "SELECT count(*) FROM events WHERE category = 'policy' AND country IN ('GTM', 'XNT') "
        "AND date BETWEEN ? AND DATE '2024-09-30'",
        [PREV_START],
    ).fetchone()[0]
    assert expected > 0 and len(report.events) == expected
    html = render_html(report)
    assert html.count('stroke-dasharray="3,3"') == expected


def test_absent_sections_say_which_command_makes_them(built_store: Settings) -> None:
    report = build_report(built_store, "GTM", "2019-10", "2024-09")
    assert set(report.missing) == {"driver_models", "forecast", "commitments", "scenarios"}
    html = render_html(report)
    for key in report.missing:
        assert f"<code>{COMMANDS[key]}</code>" in html


def test_result_sections_when_the_store_has_them(gtm_brief, results_store: Settings) -> None:
    report, html = gtm_brief
    assert report.missing == {}
    assert 'class="chart fan"' in html and 'class="chart scenario"' in html
    row = report.forecast.leaderboard.iloc[0]
    assert (row["series"], row["model"]) == ("GTM", "auto_ets")
    assert row["h=1"] == pytest.approx(0.1 / 0.3)  # errors of 10% against 30%
    # GTM sees its own commitment and the regional ones, not Honduras's
    assert report.commitments.total["commitments"] == 3
    assert report.commitments.total["promised_usd"] == pytest.approx(1e9 + 2e6)
    for driver in ("homicide_rate", "log_gdp_pc"):  # plain names, with the direction
        assert f"{label('driver', driver)} (positive)" in html
    assert f"{label('driver', 'gdp_growth')} (" not in html  # its interval spans zero
    totals = report.scenarios.totals
    assert totals["citizenship"].tolist() == ["GTM"]
    assert totals["value"].iloc[0] == pytest.approx(-100.0 * 12)
    # the what-if rows of the brief's own country, with the validation verdict
    rows = report.whatif["counterfactuals"][0]["rows"]
    assert [r["country"] for r in rows] == ["GTM"] and rows[0]["median"] == -10.0
    assert "Not validated yet." in html and "What if Title 42 had never been applied?" in html
    assert any("80% intervals held" in s for s in report.statements)


def test_pdf_has_pages(gtm_brief) -> None:
    _, html = gtm_brief
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) >= 2


def _pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF, looking inside compressed object streams too."""
    texts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            texts.append(zlib.decompress(stream))
        except zlib.error:
            continue  # not a deflated stream (e.g. an image)
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", t)) for t in texts)


@pytest.mark.parametrize(
    ("country", "start", "end", "message"),
    [
        ("MEX", "2019-10", "2024-09", "unknown country 'MEX'"),
        ("GTM", "2024-09", "2019-10", "start 2024-09 is after end 2019-10"),
        ("GTM", "2019-10", "2024-9", "bad end '2024-9'"),
        ("GTM", "1980-01", "1985-12", "no usbp encounters for GTM between 1980-01 and 1985-12"),
    ],
)
def test_bad_inputs_fail_with_a_message(
    built_store: Settings, country: str, start: str, end: str, message: str
) -> None:
    with pytest.raises(ReportError, match=re.escape(message)):
        build_report(built_store, country, start, end)


def test_no_store_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no store"):
        build_report(Settings(home=tmp_path), "GTM", "2019-10", "2024-09")


def test_cli_writes_html_and_pdf(
    results_store: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROOTCAUSES_HOME", str(results_store.home))
    html, pdf = tmp_path / "brief.html", tmp_path / "brief.pdf"
    args = ["report", "--country", "NT", "--start", "2019-10", "--end", "2024-09"]
    result = runner.invoke(app, [*args, "--output", str(html), "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert "Migration brief: the Northern Triangle" in text
    assert text.count('class="chart fan"') == 3
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX", "--start", "2019-10", "--end", "2020-09"], "unknown country"),
        (["--country", "GTM", "--start", "2020-10", "--end", "2020-09"], "is after end"),
    ],
)
def test_cli_bad_input_exits_1(
    built_store: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("ROOTCAUSES_HOME", str(built_store.home))
    output = tmp_path / "x.html"
    result = runner.invoke(app, ["report", *args, "--output", str(output)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not output.exists()


def test_cli_without_store_exits_1(tmp_path: Path) -> None:
    args = ["report", "--country", "GTM", "--start", "2019-10", "--end", "2020-09"]
    result = runner.invoke(app, [*args, "--output", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "no store" in result.output
