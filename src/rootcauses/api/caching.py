"""HTTP caching of store-backed data: ETags, ``Cache-Control`` and an in-process response cache.

The data change only when a new build becomes current (its ``build_id``, read from the build
pointer) or a model run stores results that an answer shows (forecasts, backtests, driver
models: a digest of the result files, which are only ever added). So an answer is identified by
the *store version* — ``<build_id>:<results digest>`` — with the path and the *normalised*
query: the route's known query parameters, parsed and validated as the route does, defaults
filled in, sorted by name, dates through the one date parser; unknown parameters are left out.
Equivalent query strings share an entry and an ETag. That gives:

* ``ETag`` on every 200 answer; ``If-None-Match`` with it → ``304 Not Modified``;
* ``Cache-Control: public, max-age=…, must-revalidate`` (short, then revalidate);
* a bounded LRU of whole responses keyed by (version, path, query), so a repeated chart request
  is answered without opening DuckDB. Finding the version reads the pointer and lists the
  result folders; it never opens the store, so it cannot be handed a stale database.

The version is found before the answer is made and builds only move forward, so an entry never
holds data older than its key. Tracker and policy-lab answers change with every edit or run:
they get ``Cache-Control: no-store`` and are never cached here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.store import layout, results
from rootcauses.store.query import parse_month

CACHED_PREFIXES = (
    "/api/encounters",
    "/api/indicators",
    "/api/events",
    "/api/sources",
    "/api/forecasts",
    "/api/drivers",
)
NO_STORE_PREFIXES = ("/api/tracker", "/api/sim")
# Result tables that answers under CACHED_PREFIXES show (a write to one changes the version).
CACHED_RESULTS = ("forecasts", "backtests", "driver_models")
# Query parameters holding dates, normalised with the date parser the handlers use.
DATE_PARAMETERS = ("start", "end")
MAX_AGE_SECONDS = 60
log = logging.getLogger(__name__)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


class StoreVersion:
    """The version of the data a home serves: ``<build_id>:<results digest>``, or None when
    there is no current build (then nothing is cached)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def current(self) -> str | None:
        try:
            current = layout.read_current(self.settings)
        except RootCausesError:
            return None
        if current is None:
            return None
        return f"{current.build_id}:{results.signature(self.settings, CACHED_RESULTS)}"


@dataclass(frozen=True)
class _Parameter:
    """A query parameter as a route's OpenAPI schema declares it."""

    kind: str  # integer | number | boolean | string
    many: bool
    default: Any
    rules: dict[str, Any]  # pattern, enum, bounds, lengths of one value


_RULES: tuple[str, ...]
_RULES = ("pattern", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_RULES += ("minLength", "maxLength")
_BOOLEANS = {
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False),
}
# whole value, ASCII digits only (no spaces, underscores or trailing newline)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
Routes = list[tuple[re.Pattern[str], dict[str, "_Parameter"]]]


class _Invalid(ValueError):
    """A value the route would refuse: the query keys on its raw text instead."""


def _concrete(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null alternative of an ``anyOf`` (how Optional parameters are declared)."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    return {**schema, **options[0]} if len(options) == 1 else schema


def _in_bounds(value: float, rules: dict[str, Any]) -> bool:
    low: float
    high: float
    low, high = rules.get("minimum", value), rules.get("maximum", value)
    above: bool = rules.get("exclusiveMinimum", value - 1) < value
    below: bool = value < rules.get("exclusiveMaximum", value + 1)
    return low <= value <= high and above and below


def _parse(value: str, parameter: _Parameter) -> Any:
    """One value parsed as the route would, or :class:`_Invalid`; never more lenient than the
    route, so two queries share a key only if the route reads them the same."""
    rules = parameter.rules
    parsed: Any
    if parameter.kind == "integer" and _INTEGER.fullmatch(value):
        parsed = int(value)
    elif parameter.kind == "number" and _NUMBER.fullmatch(value):
        parsed = float(value)
    elif parameter.kind == "boolean" and value.lower() in _BOOLEANS:
        parsed = _BOOLEANS[value.lower()]
    elif parameter.kind == "string":
        if "pattern" in rules and not re.search(rules["pattern"], value):
            raise _Invalid(value)
        if not rules.get("minLength", 0) <= len(value) <= rules.get("maxLength", len(value)):
            raise _Invalid(value)
        parsed = value
    else:
        raise _Invalid(value)
    if "enum" in rules and parsed not in rules["enum"]:
        raise _Invalid(value)
    if parameter.kind in ("integer", "number") and not _in_bounds(parsed, rules):
        raise _Invalid(value)
    return parsed


def _routes(app: Any) -> Routes:
    """Each GET path of the app's OpenAPI schema as a regex, with its query parameters."""
    try:
        paths = app.openapi()["paths"]
    except Exception:  # no schema: every query keys on its raw pairs
        log.exception("no OpenAPI schema to normalise cache keys with")
        return []
    routes: Routes = []
    for path, operations in paths.items():
        parameters = {}
        for item in (operations.get("get") or {}).get("parameters", []):
            if item.get("in") != "query":
                continue
            schema = _concrete(item.get("schema", {}))
            many = schema.get("type") == "array"
            one = _concrete(schema.get("items", {})) if many else schema
            parameters[item["name"]] = _Parameter(
                kind=one.get("type", "string"),
                many=many,
                default=schema.get("default"),
                rules={k: one[k] for k in _RULES if k in one},
            )
        template = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
        routes.append((re.compile(f"^{template}$"), parameters))
    return routes


class QueryKeys:
    """Cache keys from the query parameters each GET route declares in the app's OpenAPI
    schema (the public contract, not framework internals): known parameters only, parsed,
    defaults filled in, sorted by name, ``start``/``end`` through the one date parser."""

    def __init__(self) -> None:
        self._routes: Routes | None = None
        self._lock = threading.Lock()

    def _table(self, app: Any) -> Routes:
        if self._routes is None:
            with self._lock:
                if self._routes is None:
                    self._routes = _routes(app)
        return self._routes

    def key(self, scope: Scope) -> str:
        """The normalised query of a request. A path with no declared GET, or a value the route
        would refuse, keys on the sorted raw pairs (error answers are never cached)."""
        raw = QueryParams(scope.get("query_string", b"").decode("latin-1"))
        fallback = json.dumps(sorted(raw.multi_items()))
        path = scope.get("path", "")
        found = next((p for r, p in self._table(scope.get("app")) if r.match(path)), None)
        if found is None:
            return fallback
        values: dict[str, Any] = {}
        try:
            for name, parameter in found.items():
                given = raw.getlist(name)
                if not given:
                    values[name] = parameter.default
                elif parameter.many:
                    values[name] = [_parse(v, parameter) for v in given]
                else:
                    values[name] = _parse(given[-1], parameter)
                if name in DATE_PARAMETERS and isinstance(values[name], str):
                    values[name] = str(parse_month(values[name]))
        except (_Invalid, RootCausesError):
            return fallback
        return json.dumps(values, sort_keys=True)


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
    def of(
        cls, status: int, headers: tuple[tuple[bytes, bytes], ...], body: bytes
    ) -> CachedResponse:
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
            text: str = value.decode("latin-1")
            return text
    return None


class StoreCacheMiddleware:
    """ETag / 304 / in-process cache for GETs under :data:`CACHED_PREFIXES`; ``no-store`` for
    :data:`NO_STORE_PREFIXES`. Only 200 answers are cached; errors pass through untouched.

    The home whose version keys the cache is the app's ``state.settings`` (what the routes
    read); ``settings`` or, for older callers, a ``store_path`` in that home stand in for an
    app without it."""

    def __init__(
        self,
        app: ASGIApp,
        store_path: Path | None = None,
        cache: ResponseCache | None = None,
        max_age: int = MAX_AGE_SECONDS,
        settings: Settings | None = None,
    ) -> None:
        self.app = app
        if settings is None and store_path is not None:
            home = store_path.parent
            settings = Settings(home=home.parent if home.name == "builds" else home)
        self.settings = settings
        self._versions: dict[Path, StoreVersion] = {}
        self.keys = QueryKeys()
        self.cache = cache if cache is not None else ResponseCache()
        self.cache_control = f"public, max-age={max_age}, must-revalidate".encode()

    def _version(self, scope: Scope) -> str | None:
        state = getattr(scope.get("app"), "state", None)
        settings = getattr(state, "settings", None) or self.settings
        if settings is None:
            return None
        version = self._versions.get(settings.home)
        if version is None:
            version = self._versions.setdefault(settings.home, StoreVersion(settings))
        return version.current()

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
        version = self._version(scope)
        if version is None:  # no store (503): nothing to key on
            await self.app(scope, receive, send)
            return
        query = self.keys.key(scope)
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
