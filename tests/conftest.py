"""Hermetic test settings: every test gets its own ROOTCAUSES_HOME; the snapshot is read-only."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from rootcauses.config import Settings
from rootcauses.sources import get_source
from rootcauses.sources.base import Part, load
from rootcauses.sources.checks import check_part

SNAPSHOT = Settings().data


@pytest.fixture(autouse=True)
def _hermetic_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ROOTCAUSES_") and key != "ROOTCAUSES_DATA":
            monkeypatch.delenv(key)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ROOTCAUSES_HOME", str(tmp_path / "home"))


# CI sets this: a missing snapshot then fails the tests that need it instead of skipping them
REQUIRE_SNAPSHOT = os.environ.get("ROOTCAUSES_REQUIRE_SNAPSHOT") == "1"


@pytest.fixture(scope="session")
def snapshot() -> Path:
    if not SNAPSHOT.is_dir():
        message = f"data snapshot not found at {SNAPSHOT} (set ROOTCAUSES_DATA)"
        if REQUIRE_SNAPSHOT:
            pytest.fail(message + "; ROOTCAUSES_REQUIRE_SNAPSHOT=1 needs it")
        pytest.skip(message)
    return SNAPSHOT


@cache
def _parts(source_id: str) -> tuple[Part, ...]:
    spec = get_source(source_id)
    parts = spec.read(load(spec, SNAPSHOT, "snapshot"))
    for part in parts:
        check_part(part)
    spec.check(parts)
    return tuple(parts)


@pytest.fixture(scope="session")
def source_parts(snapshot: Path):
    """``source_parts(id)`` → the checked parts a source reads from the snapshot (cached)."""

    def get(source_id: str) -> dict[str, Part]:
        return {p.source_id: p for p in _parts(source_id)}

    return get


@pytest.fixture(scope="session")
def built_store(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A full store built once from the snapshot, shared read-only by the tests."""
    from rootcauses.store import build_store

    home = tmp_path_factory.mktemp("store-home")
    settings = Settings(home=home, data=snapshot)
    build_store(settings)
    return settings


@pytest.fixture
def store(built_store: Settings):
    from rootcauses.store import connect

    con = connect(built_store)
    yield con
    con.close()
