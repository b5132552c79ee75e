"""Every headline finding recomputed from the store with independent SQL, and the pure functions
on tiny hand-made frames (a latest year that is the peak, homicide rates moving apart, missing
data that leaves a finding out)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from rootcauses.config import Settings
from rootcauses.errors import BuildError
from rootcauses.findings import cache, cached_per_build, compute_findings, findings_for
from rootcauses.findings import compute as fc

SW = "Southwest Land Border"
NT = ("GTM", "HND", "SLV")
SOURCE = fc.SourceRef("s", "d", "Title", "Publisher", "https://example.org", "official")


@pytest.fixture(scope="module")
def found(built_store: Settings):
    from rootcauses.store import connect

    con = connect(built_store)
    try:
        result = compute_findings(con)
    finally:
        con.close()
    return {f.id: f for f in result.items}, result


def _fy_sql(column: str = "month") -> str:
    return f"(year({column}) + CASE WHEN month({column}) >= 10 THEN 1 ELSE 0 END)"


def _complete_years(store, source: str) -> list[int]:
    rows = store.execute(
        f"SELECT {_fy_sql()} AS fy FROM encounters WHERE source = ? AND frequency = 'monthly' "
        "GROUP BY fy HAVING count(DISTINCT month) = 12 ORDER BY fy",
        [source],
    ).fetchall()
    return [r[0] for r in rows]


def test_six_findings_with_the_contract_fields(found) -> None:
    items, result = found
    assert set(items) == {
        "nt-encounters-latest-year",
        "nt-share-of-southwest",
        "nt-families-and-children",
        "homicide-since-2015",
        "remittances-share-of-gdp",
        "aid-obligated-vs-promised",
    }
    for f in items.values():
        public = f.public()
        for key in ("id", "statement", "value", "unit", "period", "countries", "source", "chart"):
            assert public[key] not in (None, "", []), (f.id, key)
        assert f.caveat and f.source.url.startswith("https://")
        assert set(f.countries) <= set(NT)
        assert f.chart.series and all(len(s.x) == len(s.y) for s in f.chart.series)
        # statements describe; they never claim a cause
        assert not any(w in f.statement.lower() for w in ("because", "caused", "due to", "led to"))
    assert result.data_through is not None


def test_data_through_is_the_last_encounter_month(found, store) -> None:
    _, result = found
    last = store.execute(
        "SELECT max(month) FROM encounters WHERE frequency = 'monthly' "
        "AND source IN ('cbp_state', 'ohss_usbp_citizenship')"
    ).fetchone()[0]
    assert result.data_through == f"{last:%Y-%m}" == "2024-09"


def test_encounters_latest_year_equals_sql(found, store) -> None:
    f = found[0]["nt-encounters-latest-year"]
    years = _complete_years(store, "cbp_state")
    rows = store.execute(
        f"SELECT {_fy_sql()} AS fy, sum(count) FROM encounters WHERE source = 'cbp_state' "
        "AND region = ? AND citizenship IN ('GTM', 'HND', 'SLV') AND frequency = 'monthly' "
        "GROUP BY fy",
        [SW],
    ).fetchall()
    totals = {fy: int(n) for fy, n in rows if fy in years}
    latest = max(totals)
    peak = max(totals, key=totals.get)
    assert f.value == totals[latest] == 398_619  # 204,252 + 140,479 + 53,888 (CBP FY2024)
    assert f.details["previous"] == totals[latest - 1]
    assert (f.details["peak_year"], f.details["peak"]) == (peak, totals[peak])
    assert f.period == f"FY{latest}" and f.source.id == "cbp_state"
    change = totals[latest] / totals[latest - 1] - 1
    assert f.details["change"] == pytest.approx(change)
    assert f"{totals[latest]:,}" in f.statement and f"{100 * abs(change):.1f}%" in f.statement
    assert f"FY{peak} peak ({totals[peak]:,})" in f.statement


def test_share_of_southwest_equals_sql(found, store) -> None:
    f = found[0]["nt-share-of-southwest"]
    years = _complete_years(store, "ohss_usbp_citizenship")
    rows = store.execute(
        f"SELECT {_fy_sql()} AS fy, "
        "sum(count) FILTER (WHERE citizenship IN ('GTM', 'HND', 'SLV')), sum(count) "
        "FROM encounters WHERE source = 'ohss_usbp_citizenship' AND region = ? "
        "AND frequency = 'monthly' GROUP BY fy",
        [SW],
    ).fetchall()
    share = {fy: nt / total for fy, nt, total in rows if fy in years}
    latest, peak = max(share), max(share, key=share.get)
    assert f.value == pytest.approx(share[latest], abs=1e-4)
    assert f.details["peak_year"] == peak == 2019
    assert f"{100 * share[latest]:.1f}%" in f.statement
    assert f"{100 * share[peak]:.1f}% in FY{peak}" in f.statement


def test_families_and_children_equals_sql(found, store) -> None:
    f = found[0]["nt-families-and-children"]
    latest = max(_complete_years(store, "cbp_state"))

    def shares(where: str) -> dict[str, float]:
        rows = store.execute(
            "SELECT demographic, sum(count) FROM encounters WHERE source = 'cbp_state' "
            f"AND region = ? AND frequency = 'monthly' AND {_fy_sql()} = ? {where} "
            "GROUP BY demographic",
            [SW, latest],
        ).fetchall()
        total = sum(n for _, n in rows)
        return {d: n / total for d, n in rows}

    nt = shares("AND citizenship IN ('GTM', 'HND', 'SLV')")
    everyone = shares("")
    assert f.value == pytest.approx(1 - nt["SINGLE_ADULT"], abs=1e-4)
    assert f.details["family_units"] == pytest.approx(nt["FMUA"])
    assert f.details["unaccompanied_children"] == pytest.approx(nt["UAC"])
    assert f.details["all_nationalities"] == pytest.approx(1 - everyone["SINGLE_ADULT"])
    assert f"{100 * (1 - nt['SINGLE_ADULT']):.1f}%" in f.statement


def test_homicide_since_2015_equals_sql(found, store) -> None:
    f = found[0]["homicide-since-2015"]
    changes = {}
    for country in NT:
        rows = store.execute(
            "SELECT year(period), value FROM indicators WHERE indicator = 'homicide_rate' "
            "AND source = 'homicide' AND country = ? ORDER BY period",
            [country],
        ).fetchall()
        values = dict(rows)
        base_year = max(y for y in values if 2013 <= y <= 2015)
        latest = max(values)
        changes[country] = values[latest] / values[base_year] - 1
        assert f.details[country]["base_year"] == base_year
        assert f.details[country]["latest_year"] == latest
        assert f"{values[base_year]:.1f} to {values[latest]:.1f}" in f.statement
    assert f.value == pytest.approx(max(changes.values()), abs=1e-4)  # the smallest fall
    assert all(v < 0 for v in changes.values())
    assert f"at least {100 * -max(changes.values()):.0f}%" in f.statement
    assert "not evidence that one causes the other" in f.caveat


def test_remittances_share_equals_sql(found, store) -> None:
    f = found[0]["remittances-share-of-gdp"]
    rows = store.execute(
        "SELECT country, year(period), value FROM indicators "
        "WHERE indicator = 'remittances_pct_gdp' AND country IN ('GTM', 'HND', 'SLV')"
    ).fetchall()
    table = pd.DataFrame(rows, columns=["country", "year", "value"]).pivot(
        index="year", columns="country", values="value"
    )
    latest = int(table.dropna().index.max())
    assert f.period == f"2015–{latest}"
    assert f.value == pytest.approx(table.loc[latest].min(), abs=0.01)
    for country in NT:
        assert f"{table.at[latest, country]:.1f}%" in f.statement
        assert f"{table.at[2015, country]:.1f}%" in f.statement
    assert "association, not a cause" in f.caveat


def test_aid_against_promise_equals_sql(found, store) -> None:
    f = found[0]["aid-obligated-vs-promised"]
    amount, announced = store.execute(
        "SELECT amount_usd, announced_date FROM strategy_commitments WHERE id = 'C001'"
    ).fetchone()
    announced = pd.Timestamp(announced)
    first_full = announced.year + (2 if announced.month >= 10 else 1)
    obligated = store.execute(
        "SELECT sum(value) FROM indicators WHERE indicator = 'us_aid_obligations_fy' "
        "AND country IN ('GTM', 'HND', 'SLV') AND period = ?",
        [dt.date(first_full - 1, 10, 1)],
    ).fetchone()[0]
    assert f.period == f"FY{first_full}" == "FY2022"
    assert f.value == pytest.approx(obligated / 1e6, abs=0.05)
    assert f.details["share_of_pace"] == pytest.approx(obligated / (amount / 4))
    assert f"${obligated / 1e6:,.0f} million" in f.statement
    assert f"${amount / 4 / 1e6:,.0f} million a year" in f.statement
    assert {s.id for s in f.other_sources} == {"strategy_commitments"}


def test_findings_are_cached_per_build(built_store: Settings) -> None:
    first = findings_for(built_store)
    assert findings_for(built_store) is first


def _hand_made_build(folder: Path, build_id: str) -> Path:
    path = folder / f"{build_id}.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE build_info AS SELECT ? AS build_id", [build_id])
    con.close()
    return path


def test_cached_per_build_computes_once_per_build_and_kind(tmp_path: Path) -> None:
    from rootcauses.store import import_build

    settings = Settings(home=tmp_path / "home", data=tmp_path / "data")
    calls: list[str] = []

    def build_id(con: duckdb.DuckDBPyConnection) -> list[str]:
        calls.append(con.execute("SELECT build_id FROM build_info").fetchone()[0])
        return [calls[-1]]  # a new object each time, so `is` tells a hit from a recomputation

    cache.clear()
    with pytest.raises(BuildError):  # no store yet: an error, and nothing remembered
        cached_per_build("test", settings, build_id)
    import_build(settings, _hand_made_build(tmp_path, "first"))
    first = cached_per_build("test", settings, build_id)
    assert first == ["first"] and cached_per_build("test", settings, build_id) is first
    other = cached_per_build("other-kind", settings, build_id)  # kept apart from "test"
    assert other == ["first"] and other is not first
    assert calls == ["first", "first"]

    import_build(settings, _hand_made_build(tmp_path, "second"))  # another build is current
    assert cached_per_build("test", settings, build_id) == ["second"]
    assert calls == ["first", "first", "second"]
    cache.clear()
    assert cached_per_build("test", settings, build_id) == ["second"]
    assert calls[-1] == "second" and len(calls) == 4


# --- pure functions on hand-made frames -----------------------------------------------------


def _monthly(counts: dict[tuple[int, str], int]) -> pd.DataFrame:
    """Twelve equal months per (fiscal year, citizenship) adding up to the given counts."""
    rows = []
    for (fy, citizenship), total in counts.items():
        for i in range(12):
            month = dt.date(fy - 1 if i < 3 else fy, (i + 9) % 12 + 1, 1)
            rows.append({"month": month, "citizenship": citizenship, "count": total / 12})
    return pd.DataFrame(rows)


def test_latest_year_that_is_the_peak_says_so() -> None:
    frame = _monthly({(2022, c): 1200 for c in NT} | {(2023, c): 2400 for c in NT})
    f = fc.encounters_latest_year(frame, SOURCE)
    assert f is not None and f.value == 7200
    assert "FY2023 is the highest year since the series began in FY2022" in f.statement
    assert "100.0% more than in FY2022" in f.statement


def test_an_incomplete_fiscal_year_is_left_out() -> None:
    frame = _monthly({(2022, c): 1200 for c in NT} | {(2023, c): 2400 for c in NT})
    partial = frame[~(frame["month"] >= dt.date(2023, 6, 1))]
    f = fc.encounters_latest_year(partial, SOURCE)
    assert f is None  # FY2023 lacks months, FY2022 has no year before it


def test_homicide_moving_apart_gives_the_median_change() -> None:
    long = pd.DataFrame(
        [
            {"country": "GTM", "period": dt.date(2015, 1, 1), "value": 20.0},
            {"country": "GTM", "period": dt.date(2020, 1, 1), "value": 30.0},
            {"country": "HND", "period": dt.date(2014, 1, 1), "value": 50.0},
            {"country": "HND", "period": dt.date(2020, 1, 1), "value": 25.0},
            {"country": "SLV", "period": dt.date(2010, 1, 1), "value": 80.0},  # too early
            {"country": "SLV", "period": dt.date(2020, 1, 1), "value": 8.0},
        ]
    )
    f = fc.homicide_since_base(long, SOURCE)
    assert f is not None and set(f.countries) == {"GTM", "HND"}
    assert f.value == pytest.approx((0.5 - 0.5) / 2)
    assert "median" in f.unit and "fell by at least" not in f.statement


def test_missing_data_leaves_a_finding_out() -> None:
    empty = pd.DataFrame(columns=["country", "period", "value"])
    assert fc.homicide_since_base(empty, SOURCE) is None
    assert fc.aid_against_promise(empty, None, SOURCE, None) is None


def test_format_value_follows_the_axis() -> None:
    assert fc.format_value(0.2301, ".0%") == "23%"
    assert fc.format_value(398619.0, ",") == "398,619"
    assert fc.format_value(7.89, ".0f") == "7.9"
    assert fc.format_value(None, ",") == "—"


def test_data_through_is_none_for_a_store_without_encounters():
    import duckdb

    from rootcauses.findings.compute import data_through

    assert data_through(duckdb.connect()) is None
