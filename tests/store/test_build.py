from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.errors import BuildError, SchemaDriftError
from rootcauses.store import build_store, connect
from rootcauses.store import query as q

CBP_STATE = "outcomes/cbp_nationwide_encounters_state"
OHSS = "outcomes/ohss_khsm_usbp_encounters_fy2000_fy2025"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_published_southwest_figures_from_the_store(store) -> None:
    totals = dict(
        store.execute(
            "SELECT fiscal_year, sum(count) FROM encounters WHERE source = 'cbp_state' "
            "AND region = 'Southwest Land Border' GROUP BY 1"
        ).fetchall()
    )
    assert totals[2021] == 1_734_686
    assert totals[2024] == 2_135_005
    (nt,) = store.execute(
        "SELECT sum(count) FROM encounters WHERE source = 'cbp_state' AND fiscal_year = 2021 "
        "AND region = 'Southwest Land Border' AND citizenship IN ('GTM','HND','SLV')"
    ).fetchone()
    assert nt == 701_049
    (t42,) = store.execute(
        "SELECT sum(count) FROM encounters WHERE source = 'cbp_state' AND fiscal_year = 2021 "
        "AND region = 'Southwest Land Border' AND authority = 'T42'"
    ).fetchone()
    assert t42 == 1_063_526


def test_ohss_usbp_fy2019_by_citizenship(store) -> None:
    rows = dict(
        store.execute(
            "SELECT citizenship, count FROM encounters WHERE source = 'ohss_usbp_citizenship_fy' "
            "AND fiscal_year = 2019 AND region = 'Southwest Land Border' "
            "AND citizenship IN ('GTM','HND','SLV','MEX')"
        ).fetchall()
    )
    assert rows == {"GTM": 264_170, "HND": 253_800, "SLV": 89_810, "MEX": 166_460}


def test_ohss_agrees_with_the_legacy_usbp_series_from_fy2004(store) -> None:
    """SOURCE.md: annual nationwide totals differ by ≤ 96 for FY2004-FY2020."""
    diffs = dict(
        store.execute(
            "SELECT o.fiscal_year, o.count - l.total FROM encounters o JOIN ("
            "  SELECT fiscal_year, sum(count) AS total FROM encounters "
            "  WHERE source = 'usbp_legacy' GROUP BY 1) l USING (fiscal_year) "
            "WHERE o.source = 'ohss_usbp_total_fy'"
        ).fetchall()
    )
    assert sorted(diffs) == list(range(2000, 2021))
    for fy in range(2004, 2021):
        assert abs(diffs[fy]) <= 96, f"FY{fy}: OHSS and legacy differ by {diffs[fy]}"
    assert diffs[2000] == -86_128  # OHSS re-derivation is lower in the early years
    sw = dict(
        store.execute(
            "SELECT fiscal_year, sum(count) FROM encounters WHERE source = 'usbp_legacy' "
            "AND region = 'Southwest Land Border' GROUP BY 1"
        ).fetchall()
    )
    assert sw[2019] == 851_508


def test_usbp_component_matches_ohss_within_rounding(store) -> None:
    cbp = dict(
        store.execute(
            "SELECT fiscal_year, sum(count) FROM encounters WHERE source = 'cbp_sw' "
            "AND component = 'USBP' GROUP BY 1"
        ).fetchall()
    )
    assert cbp[2022] == 2_206_436
    ohss = dict(
        store.execute(
            "SELECT fiscal_year, count FROM encounters WHERE source = 'ohss_usbp_total_fy'"
        ).fetchall()
    )
    for fy in (2022, 2023, 2024):
        # OHSS Count sheet is nationwide; Southwest is ≥ 97 % of it in these years
        assert cbp[fy] <= ohss[fy] + 10


def test_no_cell_is_stored_twice(store) -> None:
    (dups,) = store.execute(
        "SELECT count(*) FROM (SELECT source, month, fiscal_year, frequency, citizenship, "
        "component, region, area, demographic, authority, encounter_type, count(*) AS n "
        "FROM encounters GROUP BY ALL HAVING n > 1)"
    ).fetchone()
    assert dups == 0


def test_sources_table_has_provenance_for_every_row(store) -> None:
    for table in ("encounters", "indicators", "events"):
        (orphans,) = store.execute(
            f"SELECT count(*) FROM {table} WHERE source NOT IN (SELECT id FROM sources)"
        ).fetchone()
        assert orphans == 0
    missing = store.execute(
        "SELECT id FROM sources WHERE sha256 IS NULL OR url IS NULL OR file IS NULL "
        "OR rows IS NULL OR built_at IS NULL"
    ).fetchall()
    assert missing == []
    (files,) = store.execute("SELECT count(*) FROM source_files").fetchone()
    assert files >= 10


def test_query_helpers(store) -> None:
    wide = q.southwest_by_nationality(store)
    assert list(wide.columns) == ["GTM", "HND", "SLV", "MEX", "OTHER"]
    fy21 = wide.loc[
        [m for m in wide.index if m.year * 12 + m.month in range(2020 * 12 + 10, 2021 * 12 + 10)]
    ]
    assert int(fy21.to_numpy().sum()) == 1_734_686
    usbp = q.encounters_monthly(store, basis="usbp", citizenship=["GTM"])
    assert usbp["month"].min().isoformat() == "1999-10-01"
    demo = q.encounters_monthly(
        store,
        basis="cbp",
        by=("citizenship", "demographic"),
        citizenship=["HND"],
        start="2021-01",
        end="2021-12",
    )
    assert set(demo["demographic"]) == {"SINGLE_ADULT", "FMUA", "UAC", "ACCOMPANIED_MINOR"}
    with pytest.raises(q.QueryError, match="after"):
        q.encounters_monthly(store, start="2022-01", end="2021-01")
    with pytest.raises(q.QueryError, match="breakdown"):
        q.encounters_monthly(store, by=("colour",))


# --- atomic builds and bad input ------------------------------------------------------------


def _settings(tmp_path: Path, data: Path) -> Settings:
    return Settings(home=tmp_path / "home", data=data)


@pytest.fixture
def good_store(tmp_path: Path, snapshot: Path) -> Settings:
    settings = _settings(tmp_path, snapshot)
    build_store(settings, only=["cbp_sw"])
    return settings


def _copy_dataset(snapshot: Path, folder: str, root: Path) -> Path:
    target = root / folder
    shutil.copytree(snapshot / folder, target)
    for p in target.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)
    return target


def _cut(path: Path, keep: int) -> None:
    path.write_bytes(path.read_bytes()[:keep])


def _rename_column(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace("Encounter Count", "Encounters", 1))


def _drop_column(path: Path) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")


def _non_numeric(path: Path) -> None:
    lines = path.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",twelve"
    path.write_text("\n".join(lines) + "\n")


def _unknown_country(path: Path) -> None:
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("CANADA", "ATLANTIS")
    path.write_text("\n".join(lines) + "\n")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


STATE_FILE = "nationwide-encounters-fy22-fy25-state.csv"
BAD_CSV = {
    "truncated": (lambda p: _cut(p, 100_003), ["row", "truncated"]),
    "renamed column": (_rename_column, ["Encounter Count", "missing column"]),
    "missing column": (_drop_column, ["Encounter Count", "missing column"]),
    "non-numeric count": (_non_numeric, ["row 6", "Encounter Count", "twelve"]),
    "unknown country": (_unknown_country, ["row 4", "Citizenship", "ATLANTIS"]),
    "empty file": (_empty, ["empty"]),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_csv_fails_cleanly_and_keeps_the_previous_store(
    case: str, good_store: Settings, snapshot: Path, tmp_path: Path
) -> None:
    before = _sha(good_store.store_path)
    bad_root = tmp_path / "bad"
    folder = _copy_dataset(snapshot, CBP_STATE, bad_root)
    corrupt, expected = BAD_CSV[case]
    corrupt(folder / STATE_FILE)

    result = CliRunner().invoke(
        app,
        ["data", "build", "--source", "cbp_state"],
        env={"ROOTCAUSES_HOME": str(good_store.home), "ROOTCAUSES_DATA": str(bad_root)},
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert STATE_FILE in message
    for fragment in expected:
        assert fragment in message
    # the previous store is byte-for-byte unchanged and still answers queries
    assert _sha(good_store.store_path) == before
    with connect(good_store) as con:
        (n,) = con.execute("SELECT count(*) FROM encounters WHERE source = 'cbp_sw'").fetchone()
    assert n > 0
    assert not list(good_store.builds_dir.glob(".*.tmp*"))


def test_xlsx_without_expected_sheet(good_store: Settings, tmp_path: Path) -> None:
    """A workbook in the OHSS layout that lacks the region × citizenship sheet."""
    before = _sha(good_store.store_path)
    folder = tmp_path / "bad" / OHSS
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    monthly = book.active
    monthly.title = "Monthly Count"
    monthly.append(["Fiscal\nYear", "Month", "Quantity"])
    monthly.append([2024, "01 October", 100])
    annual = book.create_sheet("Annual Count")
    annual.append(["Fiscal\nYear", "Quantity"])
    annual.append([2024, 100])
    xlsx = folder / "KHSM Encounters (USBP) fy25m01.xlsx"
    book.save(xlsx)
    with pytest.raises(SchemaDriftError) as info:
        build_store(Settings(home=good_store.home, data=tmp_path / "bad"), only=["ohss_usbp"])
    message = str(info.value)
    assert xlsx.name in message and "Monthly Rgn and Citp" in message
    assert _sha(good_store.store_path) == before


def test_unknown_source_and_missing_data(tmp_path: Path) -> None:
    settings = _settings(tmp_path, tmp_path / "nowhere")
    with pytest.raises(BuildError, match="unknown source"):
        build_store(settings, only=["no_such_source"])
    with pytest.raises(BuildError, match="no data found"):
        build_store(settings, only=["cbp_sw"])
    with pytest.raises(BuildError, match="no source could be read"):
        build_store(settings, only=["cbp_sw"], skip_missing=True)


def test_rebuild_replaces_the_store(good_store: Settings) -> None:
    with connect(good_store) as con:
        (first,) = con.execute("SELECT build_id FROM build_info").fetchone()
    report = build_store(good_store, only=["cbp_sw"])
    with connect(good_store) as con:
        (second,) = con.execute("SELECT build_id FROM build_info").fetchone()
        tables = {r[0] for r in con.execute("SELECT DISTINCT source FROM encounters").fetchall()}
    assert second == report.build_id != first
    assert tables == {"cbp_sw"}


def test_every_indicator_has_one_value_per_cell_once_preferences_apply(store) -> None:
    names = [r[0] for r in store.execute("SELECT DISTINCT indicator FROM indicators").fetchall()]
    for name in names:
        frame = q.indicator(store, name)  # raises when sources compete without a preference
        assert not frame.duplicated(subset=["country", "period", "period_end", "frequency"]).any()
    population = q.indicator(store, "population", countries=["GTM"], start="2019", end="2019-12")
    assert list(population["source"]) == ["wpp_population"]
    imf = q.indicator(store, "population", countries=["GTM"], source="imf_weo_2019")
    assert set(imf["source"]) == {"imf_weo_2019"}


# --- versioned builds, the pointer and the build lock ---------------------------------------


def _build_id(settings: Settings) -> str:
    with connect(settings) as con:
        return con.execute("SELECT build_id FROM build_info").fetchone()[0]


def test_each_build_is_a_new_file_and_the_previous_one_is_kept(good_store: Settings) -> None:
    first = _build_id(good_store)
    first_file = good_store.store_path
    assert first_file == good_store.builds_dir / f"rootcauses-{first}.duckdb"
    second = build_store(good_store, only=["cbp_sw"])
    pointer = json.loads((good_store.builds_dir / "current.json").read_text())
    assert pointer["build_id"] == second.build_id and pointer["previous"] == first
    assert good_store.store_path == second.path != first_file
    assert first_file.exists()  # a reader that read the old pointer can still open it
    third = build_store(good_store, only=["cbp_sw"])
    assert not first_file.exists() and second.path.exists() and third.path.exists()
    assert sorted(p.name for p in good_store.builds_dir.glob("*.duckdb")) == sorted(
        [second.path.name, third.path.name]
    )


def test_a_connection_after_a_rebuild_reads_the_new_build_while_an_old_one_is_open(
    good_store: Settings,
) -> None:
    """DuckDB hands out its cached database for a path that is open; a new file per build means
    a new connection can never get the replaced one."""
    held = connect(good_store)
    try:
        (old,) = held.execute("SELECT build_id FROM build_info").fetchone()
        report = build_store(good_store, only=["cbp_sw"])
        with connect(good_store) as con:
            (new,) = con.execute("SELECT build_id FROM build_info").fetchone()
        assert new == report.build_id != old
        assert held.execute("SELECT build_id FROM build_info").fetchone()[0] == old
    finally:
        held.close()


def _holding_build(settings: Settings) -> tuple[threading.Thread, threading.Event, dict]:
    """A build started in a thread that stops (holding the lock) until released."""
    inside, release, outcome = threading.Event(), threading.Event(), {}

    def progress(name: str, done: int, total: int) -> None:
        inside.set()
        release.wait(timeout=60)

    def run() -> None:
        try:
            outcome["report"] = build_store(settings, only=["cbp_sw"], progress=progress)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    assert inside.wait(timeout=60)
    return thread, release, outcome


def test_two_builds_at_once_one_fails_clearly_and_the_store_stays_whole(
    good_store: Settings,
) -> None:
    before = _build_id(good_store)
    thread, release, outcome = _holding_build(good_store)
    try:
        with pytest.raises(BuildError, match=r"another build is running \(pid \d+") as info:
            build_store(good_store, only=["cbp_sw"])
        assert str(good_store.builds_dir / ".build.lock") in str(info.value)
        assert _build_id(good_store) == before  # the store answers throughout
    finally:
        release.set()
        thread.join(timeout=60)
    assert "error" not in outcome
    assert _build_id(good_store) == outcome["report"].build_id != before
    with connect(good_store) as con:
        assert con.execute("SELECT count(*) FROM encounters").fetchone()[0] > 0


def test_a_build_can_wait_for_the_one_running(good_store: Settings) -> None:
    thread, release, outcome = _holding_build(good_store)
    threading.Timer(0.5, release.set).start()
    report = build_store(good_store, only=["cbp_sw"], lock_wait=60)
    thread.join(timeout=60)
    assert "error" not in outcome and _build_id(good_store) == report.build_id
    assert report.build_id != outcome["report"].build_id


def test_a_build_from_the_command_line_during_another_says_so(good_store: Settings) -> None:
    thread, release, _ = _holding_build(good_store)
    try:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("rootcauses")), "data", "build", "-s", "cbp_sw"],
            env={
                **os.environ,
                "ROOTCAUSES_HOME": str(good_store.home),
                "ROOTCAUSES_DATA": str(good_store.data),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        release.set()
        thread.join(timeout=60)
    assert result.returncode == 1
    output = " ".join((result.stdout + result.stderr).split())
    assert "another build is running" in output and "Traceback" not in output


def test_a_damaged_pointer_is_named_and_a_build_repairs_it(good_store: Settings) -> None:
    pointer = good_store.builds_dir / "current.json"
    pointer.write_text("{not json")
    with pytest.raises(BuildError, match=r"build pointer .*current\.json is damaged"):
        connect(good_store)
    report = build_store(good_store, only=["cbp_sw"])
    assert _build_id(good_store) == report.build_id
