"""The database layer: the schema comes only from the migrations, first use migrates, the
audit log is append-only in the database itself, and settings pick the database."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from rootcauses.config import Settings
from rootcauses.errors import ConfigError, TrackerConflictError, TrackerDatabaseError
from rootcauses.tracker import models, service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.config import TrackerSettings, normalise_url, thresholds_from_toml
from rootcauses.tracker.db import Tracker, head_revision, migrations_dir, open_tracker
from rootcauses.tracker.schemas import UserCreate
from rootcauses.tracker.status import Status, Thresholds

ADMIN = Actor("tester", "admin")
TABLES = {
    "alembic_version",
    "api_tokens",
    "audit_log",
    "commitment_pillars",
    "commitments",
    "metric_bindings",
    "milestones",
    "pillars",
    "progress_reports",
    "strategies",
    "targets",
    "users",
}


def test_the_migrations_build_exactly_the_models_schema(tracker: Tracker) -> None:
    assert tracker.current_revision() == head_revision()
    with tracker.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, models.Base.metadata) == []


def test_the_migrations_ship_inside_the_package() -> None:
    folder = migrations_dir()
    assert folder.is_relative_to(Path(models.__file__).parent)
    assert (folder / "env.py").exists() and (folder / "script.py.mako").exists()
    assert head_revision() == "0002"


def test_first_use_migrates_and_migrating_again_changes_nothing(blank_url: str) -> None:
    tracker = Tracker(blank_url)
    try:
        assert tracker.current_revision() is None
        tracker.ensure_schema()
        assert tracker.current_revision() == head_revision()
        assert tracker.migrate() == (head_revision(), head_revision())
    finally:
        tracker.dispose()


def test_concurrent_first_uses_migrate_once(blank_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def first_use() -> None:
        tracker = Tracker(blank_url)
        try:
            barrier.wait()
            tracker.ensure_schema()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            tracker.dispose()

    threads = [threading.Thread(target=first_use) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    tracker = Tracker(blank_url)
    assert tracker.current_revision() == head_revision()
    tracker.dispose()


def test_a_database_newer_than_the_code_is_refused(tracker: Tracker) -> None:
    with tracker.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(TrackerDatabaseError, match="revision 'ffff'"):
        tracker.ensure_schema()


def test_the_audit_log_is_append_only_in_the_database(tracker: Tracker) -> None:
    with tracker.session(write=True) as session:
        service.create_user(session, UserCreate(name="ann", role="viewer"), ADMIN)
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), tracker.engine.begin() as connection:
            connection.execute(text(statement))
    with tracker.session() as session:
        entry = session.scalars(select(models.AuditEntry)).one()
        assert entry.actor == "tester"
    with pytest.raises(RuntimeError, match="append-only"), tracker.session(write=True) as session:
        session.delete(session.scalars(select(models.AuditEntry)).one())


def test_a_failed_transaction_changes_nothing(tracker: Tracker) -> None:
    with pytest.raises(ZeroDivisionError), tracker.session(write=True) as session:
        service.create_user(session, UserCreate(name="ann", role="viewer"), ADMIN)
        session.flush()
        _ = 1 / 0
    with tracker.session() as session:
        assert session.scalars(select(models.User)).all() == []
        assert session.scalars(select(models.AuditEntry)).all() == []


def test_sqlite_is_set_up_for_several_users(tmp_path: Path) -> None:
    tracker = open_tracker(Settings(home=tmp_path / "home"))
    try:
        assert tracker.url == f"sqlite:///{(tmp_path / 'home' / 'tracker.sqlite').resolve()}"
        assert (tmp_path / "home" / "tracker.sqlite").exists()
        with tracker.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        tracker.dispose()


def test_database_url_selects_the_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert TrackerSettings(home=tmp_path).url.startswith("sqlite:///")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@db.example/tracker")
    settings = TrackerSettings(home=tmp_path)
    assert settings.url == "postgresql+psycopg://u:secret@db.example/tracker"
    assert normalise_url("postgres://h/d") == "postgresql+psycopg://h/d"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unreachable_or_malformed_databases_are_reported(tmp_path: Path) -> None:
    with pytest.raises(TrackerDatabaseError, match="not a database URL"):
        Tracker("nonsense")
    tracker = Tracker("postgresql+psycopg://nobody:secret@127.0.0.1:9/none?connect_timeout=2")
    with pytest.raises(TrackerDatabaseError, match="cannot reach") as caught:
        tracker.ensure_schema()
    assert "secret" not in str(caught.value)
    tracker.dispose()


def test_thresholds_from_toml_then_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "tracker.toml").write_text(
        "[status]\non_track_tolerance = 0.05\nstale_after_days = 500\n"
        'unreported_after_deadline = "missed"\n'
    )
    loaded = TrackerSettings(home=tmp_path).thresholds()
    assert (loaded.on_track_tolerance, loaded.stale_after_days) == (0.05, 500)
    assert loaded.unreported_after_deadline is Status.missed
    monkeypatch.setenv("ROOTCAUSES_TRACKER_STALE_AFTER_DAYS", "90")
    monkeypatch.setenv("ROOTCAUSES_TRACKER_MONEY_UNITS", "USD,USD paid")
    overridden = TrackerSettings(home=tmp_path).thresholds()
    assert overridden.stale_after_days == 90 and overridden.on_track_tolerance == 0.05
    assert overridden.money_units == ("USD", "USD paid")
    assert TrackerSettings(home=tmp_path / "elsewhere").thresholds() == Thresholds(
        stale_after_days=90, money_units=("USD", "USD paid")
    )


def test_bad_threshold_files_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("at_risk_tolerance = 2\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: thresholds: expected 0"):
        thresholds_from_toml(bad)
    bad.write_text("on_track_tolerance = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        thresholds_from_toml(bad)
    with pytest.raises(ConfigError, match="not found"):
        TrackerSettings(home=tmp_path, status_file=tmp_path / "missing.toml").thresholds()


def wait_until_blocked(tracker: Tracker, timeout: float = 30) -> None:
    """Return once another connection waits for a lock on ``tracker`` (PostgreSQL), so a test
    knows the race it stages is really under way before it lets the first writer commit."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with tracker.engine.connect() as connection:
            if connection.execute(query).scalar():
                return
        time.sleep(0.02)
    raise AssertionError(f"no connection to {tracker.display_url} waited for a lock")


def test_a_key_taken_by_a_concurrent_transaction_is_a_conflict(tracker: Tracker) -> None:
    """Two creates of one user name at once: the second is a TrackerConflictError (409), never a
    raw IntegrityError (500). On PostgreSQL both pass the "is the name taken?" check and the
    second INSERT waits on the unique index until the first commits; on SQLite the second waits
    for the write lock (BEGIN IMMEDIATE) and then sees the name taken."""
    outcome: list[BaseException | str] = []

    def second() -> None:
        try:
            with tracker.session(write=True) as session:
                service.create_user(session, UserCreate(name="dora", role="viewer"), ADMIN)
            outcome.append("created")
        except BaseException as exc:  # the test inspects whatever it was
            outcome.append(exc)

    with tracker.session(write=True) as session:
        service.create_user(session, UserCreate(name="dora", role="editor"), ADMIN)
        session.flush()
        thread = threading.Thread(target=second)
        thread.start()
        if tracker.dialect == "postgresql":
            wait_until_blocked(tracker)
    thread.join(60)
    (result,) = outcome
    assert isinstance(result, TrackerConflictError), repr(result)
    assert "dora" in str(result) or "same time" in str(result)
    with tracker.session() as session:
        assert [u.role for u in session.scalars(select(models.User))] == ["editor"]


def test_other_constraint_failures_are_not_called_conflicts(tracker: Tracker) -> None:
    with pytest.raises(IntegrityError), tracker.session(write=True) as session:
        session.add(models.User(name=None, role="viewer", created_at=models.utcnow()))
