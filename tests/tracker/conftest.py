"""Tracker fixtures: every database test runs twice, on the embedded SQLite default and on a
real PostgreSQL server started for the session (skipped only when its binaries are absent).

Each test gets its own fresh database, cloned from a template migrated once per backend (a file
copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL), so tests never see each other's
rows and the schema comes only from the migrations.

The fixtures other test folders import (tests/api) are defined as ``fixture_<name>`` with
``name="<name>"``, so importing them does not shadow the test functions' parameters.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from rootcauses.config import Settings
from rootcauses.tracker import files, service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import Tracker, open_tracker
from tests.tracker import pgserver

SEED_ACTOR = Actor(name="seed-import", role="admin")
_counter = itertools.count()


@pytest.fixture(autouse=True, name="no_database_url")
def fixture_no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hermetic: an outside DATABASE_URL must never reach the tests."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(scope="session", name="postgres")
def fixture_postgres() -> Iterator[pgserver.PostgresServer]:
    if pgserver.find_bindir() is None:
        pytest.skip(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb or initdb on "
            f"PATH); install them with `{pgserver.INSTALL_HINT}`"
        )
    server = pgserver.shared_server()
    yield server
    pgserver.release()


class SqliteBackend:
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[str, Path] = {}

    def template(
        self, name: str, setup: Callable[[Tracker], None], *, migrate: bool = True
    ) -> None:
        if name in self.templates:
            return
        path = self.folder / f"template-{name}.sqlite"
        tracker = Tracker(f"sqlite:///{path}")
        if migrate:
            tracker.ensure_schema()
        else:
            with tracker.engine.begin() as connection:  # an empty database file
                connection.exec_driver_sql("CREATE TABLE placeholder (x INTEGER)")
                connection.exec_driver_sql("DROP TABLE placeholder")
        setup(tracker)
        tracker.dispose()  # the last connection checkpoints the WAL into the file
        self.templates[name] = path

    def fresh(self, name: str) -> str:
        path = self.folder / f"test-{next(_counter)}.sqlite"
        shutil.copyfile(self.templates[name], path)
        return f"sqlite:///{path}"

    def discard(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)


class PostgresBackend:
    name = "postgresql"

    def __init__(self, server: pgserver.PostgresServer) -> None:
        self.server = server
        # kept on the (session-wide, shared) server: the API tests import these fixtures too
        self.templates: set[str] = server.templates

    def _admin(self, sql: str) -> None:
        with psycopg.connect(
            host=str(self.server.socket_dir),
            port=self.server.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(sql)

    def template(
        self, name: str, setup: Callable[[Tracker], None], *, migrate: bool = True
    ) -> None:
        if name in self.templates:
            return
        database = f"template_{name}"
        self._admin(f'CREATE DATABASE "{database}"')
        tracker = Tracker(self.server.url(database))
        if migrate:
            tracker.ensure_schema()
        setup(tracker)
        tracker.dispose()  # a template database must have no connections
        self.templates.add(name)

    def fresh(self, name: str) -> str:
        database = f"test_{next(_counter)}"
        # FILE_COPY: a few times faster than the default WAL_LOG for a small template
        self._admin(f'CREATE DATABASE "{database}" TEMPLATE "template_{name}" STRATEGY FILE_COPY')
        return self.server.url(database)

    def discard(self, url: str) -> None:
        database = url.split("/")[-1].split("?")[0]
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"], name="backend")
def fixture_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SqliteBackend | PostgresBackend:
    """The database backend of this run of the suite."""
    if request.param == "sqlite":
        return SqliteBackend(tmp_path_factory.mktemp("tracker-sqlite"))
    return PostgresBackend(request.getfixturevalue("postgres"))


def _import_seed(snapshot: Path) -> Callable[[Tracker], None]:
    def setup(tracker: Tracker) -> None:
        batch = files.read_batch([snapshot / "strategy"])
        with tracker.session(write=True) as session:
            service.import_batch(session, batch, SEED_ACTOR)

    return setup


def _own(backend: SqliteBackend | PostgresBackend, template: str) -> Iterator[Tracker]:
    tracker = Tracker(backend.fresh(template))
    yield tracker
    tracker.dispose()
    backend.discard(tracker.url)


@pytest.fixture
def tracker(backend: SqliteBackend | PostgresBackend) -> Iterator[Tracker]:
    """An empty, migrated tracker database of its own."""
    backend.template("empty", lambda _: None)
    yield from _own(backend, "empty")


@pytest.fixture
def blank_url(backend: SqliteBackend | PostgresBackend) -> Iterator[str]:
    """The URL of an empty database of its own, with no schema at all."""
    backend.template("blank", lambda _: None, migrate=False)
    url = backend.fresh("blank")
    yield url
    backend.discard(url)


@pytest.fixture(name="seeded")
def fixture_seeded(backend: SqliteBackend | PostgresBackend, snapshot: Path) -> Iterator[Tracker]:
    """A tracker database of its own holding the snapshot's strategy files."""
    backend.template("seeded", _import_seed(snapshot))
    yield from _own(backend, "seeded")


@pytest.fixture
def cli_env(tmp_path: Path, snapshot: Path) -> Callable[[Tracker], dict[str, str]]:
    """Environment for running the CLI against a given tracker database."""

    def env(tracker: Tracker) -> dict[str, str]:
        return {
            "ROOTCAUSES_HOME": str(tmp_path / "home"),
            "ROOTCAUSES_DATA": str(snapshot),
            "DATABASE_URL": tracker.url,
        }

    return env


def tracked_home(built_store: Settings, folder: Path) -> Settings:
    """A copy of the built store in ``folder`` whose tracker holds the snapshot's strategy files
    and the project's bindings (what ``rootcauses tracker import`` does by default)."""
    from rootcauses.store import import_build

    import_build(Settings(home=folder), built_store.store_path)
    settings = Settings(home=folder, data=built_store.data)
    tracker = open_tracker(settings)
    try:
        batch = files.read_batch([built_store.data / "strategy", files.PACKAGED_BINDINGS])
        with tracker.session(write=True) as session:
            service.import_batch(session, batch, SEED_ACTOR)
    finally:
        tracker.dispose()
    return settings
