"""The brief's money over time: the country totals by fiscal year and stage equal the store's,
the promise comes from the tracker snapshot's bindings, and the regional figures stay apart."""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest

from rootcauses.config import Settings
from rootcauses.report import build_report, render_html
from rootcauses.report.build import money_section
from rootcauses.store import connect
from rootcauses.store.results import read_results
from rootcauses.tracker import money, service
from rootcauses.tracker.db import open_tracker
from rootcauses.tracker.snapshot import snapshot_frame, write_store_snapshot
from tests.tracker.conftest import tracked_home

NT = ("GTM", "HND", "SLV")


def row(year: int, country: str, stage: str, amount: float, **extra: str) -> dict[str, object]:
    return {
        "fiscal_year": year,
        "country": country,
        "stage": stage,
        "amount_usd": amount,
        "scope": extra.get("scope", money.BILATERAL),
        "source": extra.get("source", money.AID_SOURCE),
        "note": extra.get("note", ""),
    }


def test_money_section_sums_only_years_every_country_reports() -> None:
    frame = pd.DataFrame(
        [
            row(2022, "GTM", "obligated", 3.0),
            row(2022, "HND", "obligated", 2.0),
            row(2022, "SLV", "obligated", 1.0),
            row(2023, "GTM", "obligated", 5.0),  # HND and SLV missing: no regional sum
            row(2022, "XNT", "promised", 10.0, scope="the promise (C1)", source="C1",
                note="$40 over FY2022–FY2025, spread evenly"),
            row(2022, "XNT", "requested", 99.0, scope="headline: region",
                source=money.HEADLINES_SOURCE),
        ]
    )  # fmt: skip
    region = money_section(frame, NT)
    assert region is not None
    assert region.table.loc[2022, "obligated"] == 6.0
    assert 2023 not in region.table.index
    assert region.table.loc[2022, "promised"] == 10.0
    assert "requested" not in region.table.columns  # the regional headline stays apart
    assert any("US$99" in n for n in region.notes) and any(
        "spread evenly" in n for n in region.notes
    )
    one = money_section(frame, ("GTM",))
    assert one is not None
    assert list(one.table.columns) == ["obligated"]
    assert one.table["obligated"].to_dict() == {2022: 3.0, 2023: 5.0}
    assert any("not shown here" in n for n in one.notes)
    assert money_section(frame, ("MEX",)) is None


@pytest.fixture(scope="module")
def with_snapshot(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The built store with a tracker snapshot of the strategy files and the project's
    bindings, judged with progress derived from the store (``tracker export --to-store``)."""
    settings = tracked_home(built_store, tmp_path_factory.mktemp("money-home"))
    tracker = open_tracker(settings)
    try:
        with tracker.session() as session:
            evaluated = service.evaluate_all(
                session, tracker.thresholds, dt.date(2026, 11, 23), series=tracker.series
            )
            frame = snapshot_frame(evaluated, tracker.display_url)
    finally:
        tracker.dispose()
    write_store_snapshot(settings, frame)
    return settings


def test_the_brief_shows_money_over_time_as_the_store_has_it(with_snapshot: Settings) -> None:
    report = build_report(with_snapshot, "NT", "2023-01", "2024-06")
    assert report.money is not None
    table = report.money.table
    con = connect(with_snapshot)
    try:
        expected = con.execute(
            "SELECT year(period) + 1 AS fy, sum(value) FROM indicators "
            "WHERE indicator = 'us_aid_obligations_fy' AND country IN ('GTM', 'HND', 'SLV') "
            "AND year(period) + 1 >= 2018 GROUP BY fy HAVING count(DISTINCT country) = 3"
        ).fetchall()
        snapshot = read_results(con, "tracker_commitments").set_index("id")
    finally:
        con.close()
    assert expected
    for year, total in expected:
        assert table.loc[year, "obligated"] == pytest.approx(total)
    c001 = snapshot.loc["C001"]
    amount, first, last, evidence = (
        c001["aid_promise_usd"],
        int(c001["aid_promise_first_fy"]),
        int(c001["aid_promise_last_fy"]),
        c001["evidence"],
    )
    assert evidence == "derived"
    promised = table["promised"].dropna()
    assert list(promised.index) == list(range(first, last + 1))
    assert promised.sum() == pytest.approx(amount)
    page = html.unescape(render_html(report))
    section = page[page.index('<section id="money">') :]
    section = section[: section.index("</section>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert "Money over time" in text and "spread evenly" in text
    assert f"FY{last} " in text and "bilateral aid only" in text
    one = build_report(with_snapshot, "HND", "2023-01", "2024-06")
    assert one.money is not None and "promised" not in one.money.table.columns
