"""The tracker database: engines, transactions and migrations.

One :class:`Tracker` per database URL. Every unit of work runs in one transaction
(:meth:`Tracker.session`), committed at the end or rolled back on any error, so a failed import
or edit changes nothing; a unique key taken by a concurrent transaction is a
:class:`~rootcauses.errors.TrackerConflictError` (409), never a crash.

SQLite (the embedded default) is made properly transactional and multi-user: foreign keys on,
WAL journal (readers do not block the writer), a busy timeout, DDL inside transactions, and
write transactions that take the write lock up front (``BEGIN IMMEDIATE``), so two writers
queue instead of failing half-way. PostgreSQL uses READ COMMITTED with row locks on edits.

The schema is created only by the Alembic migrations packaged in ``migrations/``: on first use
(:func:`open_tracker`) or by ``rootcauses tracker migrate``. Concurrent first uses are safe: on
PostgreSQL an advisory lock serialises them; on SQLite the write lock does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from rootcauses.config import Settings, get_settings
from rootcauses.errors import TrackerConflictError, TrackerDatabaseError
from rootcauses.tracker.bindings import SeriesSource, StoreSeries
from rootcauses.tracker.config import TrackerSettings
from rootcauses.tracker.status import Thresholds

MIGRATION_LOCK = 72_201_407  # pg_advisory_xact_lock key for migrations ("rootcauses tracker")
WRITE_OPTION = "rootcauses_tracker_write"


def migrations_dir() -> Path:
    return Path(str(files("rootcauses.tracker") / "migrations"))


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


# Constraint failures that mean "a concurrent transaction got there first" (PostgreSQL's READ
# COMMITTED lets two creates both pass the "is it taken?" check): unique and foreign keys.
# Other constraint failures (checks, the audit log's triggers) are bugs and stay errors.
_CONFLICT_SQLSTATES = frozenset({"23505", "23503"})
_CONFLICT_SQLITE = frozenset(
    {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_FOREIGNKEY"}
)


def is_conflict(exc: IntegrityError) -> bool:
    """Whether a constraint failure is a lost race on a key (→ 409), not a bug."""
    orig = exc.orig
    return (
        getattr(orig, "sqlstate", None) in _CONFLICT_SQLSTATES
        or getattr(orig, "sqlite_errorname", None) in _CONFLICT_SQLITE
    )


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings above; SQLite's folder is created."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise TrackerDatabaseError(f"DATABASE_URL {url!r} is not a database URL: {exc}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 30})
            _sqlite_events(engine)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise TrackerDatabaseError(
            f"no driver for {parsed.render_as_string(hide_password=True)}: {exc} "
            "(PostgreSQL needs `pip install 'psycopg[binary]'`)"
        ) from None


class Tracker:
    """One tracker database, the status thresholds its answers use and the store series its
    bindings derive progress from (``series``; None: no derived progress)."""

    def __init__(
        self,
        url: str,
        thresholds: Thresholds | None = None,
        *,
        read_requires_token: bool = False,
        series: SeriesSource | None = None,
    ) -> None:
        self.url = url
        self.thresholds = thresholds or Thresholds()
        self.read_requires_token = read_requires_token
        self.series = series
        self.engine = make_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        A write transaction starts on the database at once (SQLite: ``BEGIN IMMEDIATE``, the
        write lock), not at its first statement, so it holds the lock for the whole block and
        two writers queue at the door; callers check permissions before opening one."""
        factory = self._write if write else self._read
        try:
            with factory() as session, session.begin():
                if write:
                    session.connection()
                yield session
        except IntegrityError as exc:
            if not is_conflict(exc):
                raise
            raise TrackerConflictError(
                "another change saved at the same time took this id or name, or removed a record "
                "this one refers to; nothing was changed: reload and try again"
            ) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated or isinstance(exc.orig, OSError):
                raise TrackerDatabaseError(
                    f"tracker database {self.display_url}: {exc.orig}"
                ) from exc
            raise

    # ------------------------------------------------------------------ migrations

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except DBAPIError as exc:
            raise TrackerDatabaseError(
                f"cannot reach the tracker database {self.display_url}: {exc.orig}"
            ) from None

    def migrate(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Upgrade the schema to ``revision`` in one transaction; (before, after)."""
        before = self.current_revision()
        config = _alembic_config()
        try:
            with self.engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except DBAPIError as exc:
            raise TrackerDatabaseError(
                f"migrating the tracker database {self.display_url} failed: {exc.orig}"
            ) from None
        return before, self.current_revision()

    def ensure_schema(self) -> None:
        """Migrate to the newest schema unless the database is there already (first use)."""
        current, head = self.current_revision(), head_revision()
        if current == head:
            return
        known = {
            s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
        }
        if current is not None and current not in known:
            raise TrackerDatabaseError(
                f"the tracker database {self.display_url} is at revision {current!r}, which "
                f"this version of rootcauses does not know (newest: {head!r}); upgrade rootcauses"
            )
        self.migrate()

    def dispose(self) -> None:
        self.engine.dispose()


def open_tracker(
    settings: Settings | None = None,
    tracker_settings: TrackerSettings | None = None,
    *,
    migrate: bool = True,
) -> Tracker:
    """The tracker database named by the settings, migrated to the newest schema, deriving
    progress from the store's current build (:class:`~.bindings.StoreSeries`)."""
    settings = settings or get_settings()
    tracker_settings = tracker_settings or TrackerSettings(home=settings.home)
    tracker = Tracker(
        tracker_settings.url,
        tracker_settings.thresholds(),
        read_requires_token=tracker_settings.read_requires_token,
        series=StoreSeries(settings),
    )
    if migrate:
        tracker.ensure_schema()
    return tracker
