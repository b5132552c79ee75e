"""HTTP caching of store-backed data: ETags, ``Cache-Control`` and an in-process response cache.

The store changes only when it is rebuilt (a new ``build_id``) or a model run appends results
(forecasts, driver models …), and either rewrites the DuckDB file. So a response is identified
by the *store version* — the build id plus the file's size, mtime and inode — with the request
path and query string. That gives:

* ``ETag`` on every 200 answer; ``If-None-Match`` with it → ``304 Not Modified``;
* ``Cache-Control: public, max-age=…, must-revalidate`` (short, then revalidate);
* a bounded LRU of whole responses keyed by (version, path, query), so a repeated chart request
  is answered without opening DuckDB. Finding the version costs two ``stat`` calls; the build id
  is read from the store only when the file changes.

Tracker and policy-lab answers change with every edit or run: they get ``Cache-Control:
no-store`` and are never cached here.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rootcauses.store.results import current_build

CACHED_PREFIXES = (
    "/api/encounters",
    "/api/indicators",
    "/api/events",
    "/api/sources",
    "/api/forecasts",
    "/api/drivers",
)
NO_STORE_PREFIXES = ("/api/tracker", "/api/sim")
MAX_AGE_SECONDS = 60


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def file_signature(path: Path) -> tuple[int, ...] | None:
    """(size, mtime_ns, inode) of the store and its write-ahead log; None without a store."""
    try:
        main = path.stat()
    except OSError:
        return None
    try:
        wal = path.with_name(path.name + ".wal").stat()
        wal_sig = (wal.st_size, wal.st_mtime_ns)
    except OSError:
        wal_sig = (0, 0)
    return (main.st_size, main.st_mtime_ns, main.st_ino, *wal_sig)


class StoreVersion:
    """The current version string of one store file: ``<build_id>:<signature hash>``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: tuple[tuple[int, ...], str] | None = None
        self._lock = threading.Lock()

    def current(self) -> str | None:
        signature = file_signature(self.path)
        if signature is None:
            return None
        known = self._known
        if known is not None and known[0] == signature:
            return known[1]
        with self._lock:
            try:
                con = duckdb.connect(str(self.path), read_only=True)
            except duckdb.Error:
                return None  # being written or not a store: answer uncached
            try:
                build = current_build(con)
            except (duckdb.Error, TypeError):
                return None
            finally:
                con.close()
            digest = hashlib.sha256(repr(signature).encode()).hexdigest()[:12]
            version = f"{build}:{digest}"
            self._known = (signature, version)
            return version


def etag_for(version: str, path: str, query: str) -> str:
    """The ETag of one answer of one store version. Weak (``W/``), as the gzip and the plain
    body of the same answer share it."""
    digest = hashlib.sha256(f"{version}\n{path}\n{query}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, or ``*``)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    opaque = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == opaque for t in tags)


GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class CachedResponse:
    """A stored answer, with its gzip form when that is worth sending (compressed once)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    gzipped: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    @classmethod
    def of(cls, status: int, headers: tuple[tuple[bytes, bytes], ...], body: bytes):
        encoded = any(k.lower() == b"content-encoding" for k, _ in headers)
        small = len(body) < GZIP_MIN_BYTES
        gzipped = None if encoded or small else gzip.compress(body, compresslevel=6, mtime=0)
        return cls(status, headers, body, gzipped)

    def variant(self, accepts_gzip: bool) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """Headers and body to send: gzip when the client takes it and it is smaller."""
        if not accepts_gzip or self.gzipped is None or len(self.gzipped) >= len(self.body):
            return list(self.headers), self.body
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        headers += [
            (b"content-length", b"%d" % len(self.gzipped)),
            (b"content-encoding", b"gzip"),
        ]
        return headers, self.gzipped


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (and does not refuse it with q=0)."""
    for item in (accept_encoding or "").lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class ResponseCache:
    """A bounded LRU of responses (by entry count and total bytes); thread-safe."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str, str], CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, str, str]) -> CachedResponse | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[str, str, str], response: CachedResponse) -> None:
        size = response.size
        if size > self.max_bytes // 4:  # one huge export must not evict every chart
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._items[key] = response
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.size


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class StoreCacheMiddleware:
    """ETag / 304 / in-process cache for GETs under :data:`CACHED_PREFIXES`; ``no-store`` for
    :data:`NO_STORE_PREFIXES`. Only 200 answers are cached; errors pass through untouched."""

    def __init__(
        self,
        app: ASGIApp,
        store_path: Path,
        cache: ResponseCache | None = None,
        max_age: int = MAX_AGE_SECONDS,
    ) -> None:
        self.app = app
        self.version = StoreVersion(store_path)
        self.cache = cache if cache is not None else ResponseCache()
        self.cache_control = f"public, max-age={max_age}, must-revalidate".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif _under(path, NO_STORE_PREFIXES):
            await self.app(scope, receive, _no_store(send))
        elif scope.get("method") == "GET" and _under(path, CACHED_PREFIXES):
            await self._cached(scope, receive, send, path)
        else:
            await self.app(scope, receive, send)

    async def _cached(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        version = self.version.current()
        if version is None:  # no store (503) or one being written: nothing to key on
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        etag = etag_for(version, path, query)
        gzip_ok = accepts_gzip(_header(scope, b"accept-encoding"))
        validators = [
            (b"etag", etag.encode()),
            (b"cache-control", self.cache_control),
            (b"vary", b"Accept-Encoding"),
        ]
        if etag_matches(_header(scope, b"if-none-match"), etag):
            await send({"type": "http.response.start", "status": 304, "headers": validators})
            await send({"type": "http.response.body", "body": b""})
            return
        key = (version, path, query)
        hit = self.cache.get(key)
        if hit is not None:
            headers, body = hit.variant(gzip_ok)
            headers += [*validators, (b"x-cache", b"hit")]
            await send({"type": "http.response.start", "status": hit.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if message["status"] == 200:
                    message["headers"] = [*message.get("headers", []), *validators]
            elif message["type"] == "http.response.body" and start and start["status"] == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    own = tuple(
                        (k, v)
                        for k, v in start["headers"]
                        if k.lower() not in (b"etag", b"cache-control", b"vary")
                    )
                    self.cache.put(key, CachedResponse.of(200, own, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)


def _no_store(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(k.lower() == b"cache-control" for k, _ in headers):
                headers.append((b"cache-control", b"no-store"))
            message["headers"] = headers
        await send(message)

    return wrapped
