"""A throw-away PostgreSQL server for the tests: initdb in a temporary directory, a free port,
the unix socket in that directory, stopped (and deleted) at the end of the session.

Uses the Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/*/bin``) or any
``initdb``/``pg_ctl`` on PATH. initdb refuses to run as root, so as root the server runs as the
``postgres`` user (``runuser``) in a directory it owns. One server per test session, shared by
every module that asks (:func:`shared_server`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from rootcauses.web.serving import free_port

INSTALL_HINT = "apt-get install -y postgresql"


def find_bindir() -> Path | None:
    """The newest PostgreSQL bin directory with initdb and pg_ctl, or None."""
    candidates = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in reversed(candidates):
        if (bindir / "pg_ctl").exists():
            return bindir
    return None


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="rootcauses-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.socket_dir.mkdir()
        self.port = free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.running = False
        self.templates: set[str] = set()  # template databases made by the test fixtures

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr}{tail}"
            )

    def start(self) -> PostgresServer:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        if self.running:
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
            finally:
                self.running = False
        shutil.rmtree(self.root, ignore_errors=True)


_SERVER: PostgresServer | None = None
_USERS = 0


def shared_server() -> PostgresServer:
    """Start the session's server on first call; pair every call with :func:`release`."""
    global _SERVER, _USERS
    if _SERVER is None:
        bindir = find_bindir()
        if bindir is None:
            raise FileNotFoundError(INSTALL_HINT)
        server = PostgresServer(bindir)
        try:
            server.start()
        except BaseException:
            server.stop()
            raise
        _SERVER = server
    _USERS += 1
    return _SERVER


def release() -> None:
    """Stop the server when its last user (a session fixture) is done."""
    global _SERVER, _USERS
    _USERS -= 1
    if _USERS <= 0 and _SERVER is not None:
        _SERVER.stop()
        _SERVER = None
