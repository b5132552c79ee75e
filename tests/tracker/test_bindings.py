"""Metric bindings and units: the units table, the binding checks, the aggregation rules on a
hand-made series, derived readings in statuses (which say they are derived), reports in other
units flagged, and bindings through import and export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from rootcauses.errors import TrackerInputError
from rootcauses.tracker import files, service, units
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.bindings import (
    SERIES,
    Binding,
    FrameSeries,
    Provenance,
    check_binding,
    derive,
)
from rootcauses.tracker.db import Tracker
from rootcauses.tracker.status import Reading, Status, Target, Thresholds, judge_target

EDITOR = Actor("importer", "editor")
AS_OF = dt.date(2026, 11, 23)
OBLIGATIONS = "us_aid_obligations_fy"
FY = {year: dt.date(year - 1, 10, 1) for year in range(2019, 2025)}  # first day of FY<year>


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("reading", "target", "counts"),
    [
        ("USD", "usd", True),
        ("USD obligated", "USD", True),
        ("USD disbursed", "USD", True),
        ("USD deployed", "USD", True),
        ("USD committed", "USD", False),  # a pledge is not money delivered
        ("USD requested", "USD", False),
        ("USD sales", "USD", False),
        ("USD", "USD obligated", False),  # a stage counts toward the plain unit, not back
        ("USD committed", "USD committed", True),
        ("persons", "people", True),
        ("families", "people", False),
        ("families", "households", False),
        ("households", "families", False),
        ("people trained", "people", False),
        ("firms", "businesses", True),
        ("Farms", "farms", True),  # not in the table: compared by text
        ("hubs", "farms", False),
        (None, "people", False),
    ],
)
def test_the_units_table_says_what_counts_as_the_same(
    reading: str | None, target: str, counts: bool
) -> None:
    assert units.counts_toward(reading, target) is counts


def test_every_bindable_series_has_a_unit_in_the_table() -> None:
    for series in SERIES.values():
        assert units.canonical(series.unit) is not None, series.id
    names = [row["unit"] for row in units.table()]
    assert len(names) == len(set(names))


# --------------------------------------------------------------------------- checks


def test_binding_checks_name_the_column_and_the_reason() -> None:
    good = Binding(OBLIGATIONS, ("GTM", "HND", "SLV"), "cumulative", target=1)
    assert check_binding(good, ["USD"]) == []
    unknown = check_binding(Binding("internet_unicorns", ("GTM",), "level"), [])
    assert unknown[0][0] == "series" and "not a series the tracker knows" in unknown[0][1]
    mismatch = check_binding(good, ["jobs"])
    assert mismatch[0][0] == "series" and "unit mismatch" in mismatch[0][1]
    assert "'USD obligated'" in mismatch[0][1] and "'jobs'" in mismatch[0][1]
    rate = check_binding(Binding("homicide_rate", ("GTM", "HND"), "cumulative"), [])
    assert {column for column, _ in rate} == {"countries", "rule"}
    assert check_binding(Binding(OBLIGATIONS, ("GTM",), "level", target=3), ["USD"]) == [
        ("target", "is 3; the commitment has 1 target(s)")
    ]
    assert check_binding(Binding(OBLIGATIONS, ("GTM",), "sideways"), [])[0][0] == "rule"


# --------------------------------------------------------------------------- rules


def aid(values: dict[str, dict[int, float]]) -> FrameSeries:
    return FrameSeries(
        {
            (OBLIGATIONS, country): [(FY[year], v) for year, v in by_year.items()]
            for country, by_year in values.items()
        },
        {OBLIGATIONS: Provenance("us_aid", "Aid", "ForeignAssistance.gov", "https://x.gov",
                                 "official", "Incomplete reporting: FY2023. More", "b1")},
    )  # fmt: skip


def test_cumulative_sums_from_the_first_period_after_the_start_over_every_country() -> None:
    series = aid(
        {
            "GTM": {2021: 5, 2022: 10, 2023: 20, 2024: 40},
            "HND": {2021: 1, 2022: 2, 2023: 3},  # FY2024 missing: not summed there
        }
    )
    binding = Binding(OBLIGATIONS, ("GTM", "HND"), "cumulative", 1, dt.date(2021, 10, 1))
    derived = derive(binding, dt.date(2021, 7, 29), series)
    assert [(r.period, r.value) for r in derived.readings] == [("FY2022", 12), ("FY2023", 35)]
    assert derived.readings[-1].date == dt.date(2023, 9, 30)
    assert derived.readings[-1].periods == "FY2022–FY2023"
    assert derived.unit == "USD obligated" and "GTM+HND" in derived.label
    assert derived.provenance is not None and derived.provenance.build_id == "b1"
    assert derived.caveats == ("Incomplete reporting: FY2023.",)
    # without a start of its own, the announcement date is the start
    from_announcement = derive(
        Binding(OBLIGATIONS, ("GTM",), "cumulative"), dt.date(2022, 3, 1), series
    )
    assert [r.value for r in from_announcement.readings] == [20, 60]


def test_level_and_change_rules() -> None:
    series = FrameSeries(
        {("homicide_rate", "SLV"): [(dt.date(y, 1, 1), v) for y, v in
                                    ((2019, 38.0), (2020, 20.0), (2021, 18.0), (2022, 7.8))]}
    )  # fmt: skip
    start = dt.date(2021, 6, 7)
    level = derive(Binding("homicide_rate", ("SLV",), "level"), start, series)
    assert [(r.period, r.value) for r in level.readings] == [("2021", 18.0), ("2022", 7.8)]
    change = derive(Binding("homicide_rate", ("SLV",), "change"), start, series)
    # against 2020, the last year ending before the announcement
    assert [(r.period, r.value) for r in change.readings] == [("2021", -2.0), ("2022", -12.2)]
    assert change.readings[0].periods == "2021 vs 2020"
    none_before = derive(Binding("homicide_rate", ("SLV",), "change"), dt.date(2000, 1, 1), series)
    assert none_before.readings == () and "before 2000-01-01" in (none_before.problem or "")
    missing = derive(Binding("homicide_rate", ("GTM",), "level"), start, series)
    assert missing.readings == () and "no homicide_rate for GTM" in (missing.problem or "")


# --------------------------------------------------------------------------- statuses


def test_a_derived_reading_is_judged_and_named_as_derived() -> None:
    start, deadline = dt.date(2021, 10, 1), dt.date(2025, 9, 30)
    reading = Reading(dt.date(2023, 9, 30), 2.2e9, "derived", "cumulative obligations (x)")
    judged = judge_target(
        Target(4e9, "USD", 0, start, deadline, readings=(reading,)), dt.date(2024, 6, 1),
        Thresholds(),
    )  # fmt: skip
    assert judged.status is Status.on_track, judged.reason
    assert "derived for 2023-09-30 from cumulative obligations (x)" in judged.reason
    assert judged.latest is not None and judged.latest.origin == "derived"
    # of a reported and a derived reading on one day, the derived one is the latest
    both = (Reading(reading.date, 1.0, "reported", "https://e.org"), reading)
    tie = judge_target(Target(4e9, "USD", 0, start, deadline, readings=both[::-1]),
                       dt.date(2024, 6, 1), Thresholds())  # fmt: skip
    assert tie.latest == reading


def test_a_shortfall_read_long_before_the_deadline_is_not_called_missed() -> None:
    start, deadline = dt.date(2021, 10, 1), dt.date(2025, 9, 30)
    early = Reading(dt.date(2023, 9, 30), 9e8, "derived", "obligations")
    judged = judge_target(
        Target(4e9, "USD", 0, start, deadline, readings=(early,)), AS_OF, Thresholds()
    )
    assert judged.status is Status.no_recent_data
    assert "731 days before it" in judged.reason and "22.5% of the way" in judged.reason
    late = Reading(dt.date(2025, 3, 31), 9e8, "reported", "https://e.org")
    assert (
        judge_target(
            Target(4e9, "USD", 0, start, deadline, readings=(late,)), AS_OF, Thresholds()
        ).status
        is Status.missed
    )


# --------------------------------------------------------------------------- in the tracker


def import_files(tracker: Tracker, paths: list[Path]) -> service.ImportReport:
    batch = files.read_batch(paths)
    with tracker.session(write=True) as session:
        return service.import_batch(session, batch, EDITOR)


def test_the_packaged_bindings_import_and_derive(seeded: Tracker, snapshot: Path) -> None:
    report = import_files(seeded, [snapshot / "strategy", files.PACKAGED_BINDINGS])
    assert report.counts["commitments"]["updated"] == 3  # C001, C002, C006 gain bindings
    series = aid({"GTM": {2022: 1e9}, "HND": {2022: 0.5e9}, "SLV": {2022: 0.5e9}})
    with seeded.session() as session:
        c = service.get_commitment(session, "C001")
        public = service.to_public(service.evaluate(c, dt.date(2022, 12, 1), seeded.thresholds,
                                                    series))  # fmt: skip
    assert [b.series for b in public.bindings] == [OBLIGATIONS, "us_aid_disbursements_fy"]
    target = public.targets[0]
    assert target.latest_origin == "derived" and target.latest_value == 2e9
    assert target.latest_date == dt.date(2022, 9, 30)
    assert public.status is Status.on_track  # $2B of $4B a quarter of the way in
    assert "derived for 2022-09-30" in public.status_reason
    measured = public.derived[0]
    assert measured.target == 1 and measured.source_url == "https://x.gov"
    assert public.derived[1].target is None and public.derived[1].readings == []  # context
    # importing the published files alone keeps the bindings
    again = import_files(seeded, [snapshot / "strategy"])
    assert again.counts["commitments"]["updated"] == 0
    with seeded.session() as session:
        assert len(service.get_commitment(session, "C001").bindings) == 2


def test_reports_in_another_unit_are_flagged_never_ignored(seeded: Tracker) -> None:
    with seeded.session() as session:
        c103 = service.evaluate(service.get_commitment(session, "C103"), AS_OF, Thresholds())
        public = service.to_public(c103)
    assert public.status is Status.missed  # on the 1.1M people reported, as before
    assert "Not counted: 2 report(s)" in public.status_reason
    assert "2,000,000 families (2022-06)" in public.status_reason
    assert {(n.unit, n.value) for n in public.not_counted} == {
        ("families", 2_000_000),
        ("people trained", 100_000),
    }
    with seeded.session() as session:
        c106 = service.evaluate(service.get_commitment(session, "C106"), AS_OF, Thresholds())
    assert c106.not_counted == () and "Not counted" not in c106.judgement.reason


def table_counts(tracker: Tracker) -> dict[str, int]:
    with tracker.engine.connect() as connection:
        return {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("commitments", "metric_bindings", "audit_log")
        }


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("C001,1,internet_users,GTM,level,,", "series", "not a series the tracker knows"),
        ("C001,1,us_aid_obligations_fy,GTM,sideways,,", "rule", "should be"),
        ("C103,1,us_aid_obligations_fy,GTM,cumulative,,", "series", "unit mismatch"),
        ("C101,2,homicide_rate,GTM,level,,", "series", "unit mismatch"),
        ("C001,2,us_aid_obligations_fy,GTM,level,,", "target", "has 1 target(s)"),
        ("C001,1,us_aid_obligations_fy,Atlantis,level,,", "countries", "ISO3"),
        ("C001,1,us_aid_obligations_fy,GTM,level,2021-13-01,", "start", "date"),
        ("C999,1,us_aid_obligations_fy,GTM,level,,", "commitment_id", "no such commitment"),
    ],
)
def test_a_bad_binding_names_file_row_and_column_and_writes_nothing(
    seeded: Tracker, snapshot: Path, tmp_path: Path, row: str, column: str, message: str
) -> None:
    bindings = tmp_path / "bindings.csv"
    bindings.write_text(
        ",".join(files.BINDING_COLUMNS)
        + "\nC001,,us_aid_disbursements_fy,GTM;HND;SLV,cumulative,,fine\n"
        + row
        + "\n"
    )
    before = table_counts(seeded)
    with pytest.raises(TrackerInputError) as caught:
        import_files(seeded, [snapshot / "strategy", bindings])
    where = f"bindings.csv row 3 ({row.split(',')[0]})"
    assert any(w == where and c == column and message in m for w, c, m in caught.value.problems), (
        caught.value.problems
    )
    assert f"{where}, column {column!r}" in str(caught.value)
    assert table_counts(seeded) == before


def test_bindings_survive_export_and_import(
    seeded: Tracker, tracker: Tracker, snapshot: Path, tmp_path: Path
) -> None:
    import_files(seeded, [snapshot / "strategy", files.PACKAGED_BINDINGS])
    with seeded.session() as session:
        original = service.export_batch(session)
    for fmt, write in (("csv", files.write_csv), ("json", files.write_json)):
        out = tmp_path / (fmt if fmt == "csv" else "all.json")
        write(original, out)
        import_files(tracker, [out])
        with tracker.session() as session:
            copied = service.export_batch(session)
        assert [r.data for r in copied.commitments] == [r.data for r in original.commitments]
    rows = (tmp_path / "csv" / "bindings.csv").read_text().splitlines()
    assert rows[0] == ",".join(files.BINDING_COLUMNS)
    packaged = files.PACKAGED_BINDINGS.read_text().splitlines()
    assert len(rows) == len(packaged)
    c001 = next(r.data for r in copied.commitments if r.data.id == "C001")
    assert c001.bindings is not None
    assert [(b.target, b.series, b.countries, b.rule, b.start) for b in c001.bindings] == [
        (1, OBLIGATIONS, ["GTM", "HND", "SLV"], "cumulative", dt.date(2021, 10, 1)),
        (None, "us_aid_disbursements_fy", ["GTM", "HND", "SLV"], "cumulative",
         dt.date(2021, 10, 1)),
    ]  # fmt: skip


def test_the_api_schema_checks_bindings_too() -> None:
    from pydantic import ValidationError

    from rootcauses.tracker.schemas import CommitmentCreate

    base = {
        "actor": "USAID",
        "actor_type": "us_gov",
        "country": "regional",
        "pillar_ids": ["P1"],
        "commitment": "Provide $1B",
        "targets": [{"unit": "USD", "value": 1e9, "deadline": "2025-09-30"}],
    }
    good = CommitmentCreate.model_validate(
        base | {"bindings": [{"target": 1, "series": OBLIGATIONS, "rule": "cumulative"}]}
    )
    assert good.bindings is not None
    assert good.bindings[0].spec(good.country).countries == ("GTM", "HND", "SLV")
    with pytest.raises(ValidationError) as unknown:
        CommitmentCreate.model_validate(base | {"bindings": [{"series": "internet_users"}]})
    assert unknown.value.errors()[0]["loc"] == ("bindings", 0, "series")
    with pytest.raises(ValidationError) as mismatch:
        CommitmentCreate.model_validate(
            base | {"bindings": [{"target": 1, "series": "homicide_rate", "countries": ["GTM"]}]}
        )
    assert "bindings.0.series" in str(mismatch.value) and "unit mismatch" in str(mismatch.value)
