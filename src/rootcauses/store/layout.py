"""Where the store lives on disk: immutable builds, the pointer to the current one, the build lock.

::

    $ROOTCAUSES_HOME/
      builds/rootcauses-<build_id>.duckdb   one file per build, never written after it is published
      builds/current.json                   the pointer: {"build_id", "file", "previous", …}
      builds/.build.lock                    held (flock) by the one build that is running
      results/<table>/*.parquet             what is written later (see :mod:`.results`)
      rootcauses.duckdb                     the old single-file layout, read once to migrate

Why a new file per build rather than one file renamed over the old one: DuckDB caches database
instances by path inside a process, so a connection opened after a rename can be handed the old
database while any connection to the replaced file is still open. A file name that is never reused
cannot be confused; the pointer is replaced with ``os.replace`` (atomic on one file system), so a
reader sees the old build or the new one, and moves to the new one on its next connection — that
is, between requests. Old builds are removed only once they are neither current nor previous.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rootcauses.config import Settings
from rootcauses.errors import BuildError

POINTER = "current.json"
LOCK = ".build.lock"
PREFIX = "rootcauses-"
SUFFIX = ".duckdb"
BUILD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class CurrentBuild:
    """The build the pointer names, and the one before it (kept for readers still on it)."""

    build_id: str
    path: Path
    previous: str | None = None


def check_build_id(build_id: str) -> str:
    """A build id is part of a file name: letters, digits, ``_`` and ``-`` only."""
    if not BUILD_ID.match(build_id):
        raise BuildError(f"bad build id {build_id!r}: expected 1-64 letters, digits, '_' or '-'")
    return build_id


def build_file(settings: Settings, build_id: str) -> Path:
    return settings.builds_dir / f"{PREFIX}{check_build_id(build_id)}{SUFFIX}"


def pointer_file(settings: Settings) -> Path:
    return settings.builds_dir / POINTER


def read_current(settings: Settings) -> CurrentBuild | None:
    """The current build from the pointer, or None before the first build.

    The pointer is only ever replaced whole, so a reader never sees half of one; a pointer that
    cannot be read is an error naming the file (a build writes a good one again)."""
    pointer = pointer_file(settings)
    try:
        text = pointer.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BuildError(f"cannot read the build pointer {pointer}: {exc.strerror}") from None
    try:
        record = json.loads(text)
        build_id = check_build_id(str(record["build_id"]))
        previous = record.get("previous")
    except (ValueError, KeyError, TypeError, BuildError) as exc:
        raise BuildError(
            f"the build pointer {pointer} is damaged ({exc}); run `rootcauses data build`"
        ) from None
    return CurrentBuild(build_id, build_file(settings, build_id), previous)


def missing_store_message(settings: Settings) -> str:
    """Why there is no store to read, and what to run."""
    legacy = settings.legacy_store_path
    if legacy.exists():
        return (
            f"the store at {legacy} is in the old single-file layout; run `rootcauses data build` "
            f"(or `make build`) to rebuild it under {settings.builds_dir} (results stored in it "
            f"move to {settings.results_dir})"
        )
    return f"no store in {settings.builds_dir}; run `rootcauses data build` first"


def current_path(settings: Settings) -> Path:
    """The current build's file; without one, where the old layout kept the store (which exists
    only for a user who has not rebuilt since upgrading)."""
    try:
        current = read_current(settings)
    except BuildError:
        current = None
    return current.path if current else settings.legacy_store_path


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system syncs directories
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(settings: Settings, build_id: str, previous: str | None) -> CurrentBuild:
    """Point readers at ``build_id`` (its file must exist): write a new pointer, then rename it
    over the old one. Call only while holding :func:`build_lock`."""
    path = build_file(settings, build_id)
    if not path.is_file():
        raise BuildError(f"cannot publish build {build_id}: {path} does not exist")
    pointer = pointer_file(settings)
    record = {
        "build_id": build_id,
        "file": path.name,
        "previous": previous,
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    tmp = pointer.with_name(f".{POINTER}.{build_id}.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(record, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, pointer)
    _fsync_dir(pointer.parent)
    return CurrentBuild(build_id, path, previous)


def prune(settings: Settings, keep: set[str]) -> list[Path]:
    """Remove build files (and stray temporaries) other than ``keep``; returns what went.

    A process still reading a removed build keeps its open file (POSIX unlink semantics); one
    that read the pointer just before it moved opens the previous build, which is kept."""
    removed: list[Path] = []
    for path in settings.builds_dir.glob(f"{PREFIX}*{SUFFIX}"):
        build_id = path.name.removeprefix(PREFIX).removesuffix(SUFFIX)
        if build_id in keep:
            continue
        for victim in (path, path.with_name(path.name + ".wal")):
            with contextlib.suppress(OSError):  # gone already, or left for the next build
                victim.unlink()
                removed.append(victim)
    for stray in settings.builds_dir.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            stray.unlink()
    return removed


@contextlib.contextmanager
def build_lock(settings: Settings, wait: float = 0.0) -> Iterator[None]:
    """Hold the build lock: one build (or import) at a time per ``ROOTCAUSES_HOME``.

    Another holder makes this wait up to ``wait`` seconds, then fail with an error naming the
    lock file and the process holding it. The lock is an ``flock`` on an open file, so it is
    released when its holder exits, however it exits."""
    lock = settings.builds_dir / LOCK
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    raise BuildError(
                        f"another build is running ({holder or 'holder unknown'}; lock {lock}); "
                        "wait for it to finish, then build again"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} since {stamp}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
