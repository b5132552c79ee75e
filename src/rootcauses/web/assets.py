"""The dashboard's static files, fingerprinted, compressed and cached.

Every file in ``rootcauses/web/static`` (flat: our scripts and styles, plus the vendored
plotly.js partial bundle and Swagger UI listed in its ``VENDOR.md``) is served two ways:

* ``/assets/HASH/NAME`` — the URL the templates write (:meth:`StaticAssets.url`); ``HASH`` is
  the first 12 hex digits of the file's sha256, so the answer never changes and is sent with
  ``Cache-Control: public, max-age=31536000, immutable``. A stale hash (a page rendered before an
  upgrade) still gets the current file, revalidated rather than cached for a year.
* ``/assets/NAME`` — the plain URL, ``Cache-Control: no-cache`` with an ETag (304 on a match).

Text files are sent brotli- or gzip-compressed when the client accepts it (``Vary:
Accept-Encoding``), compressed once per process and kept in memory; the static folder is a few
megabytes.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import anyio
from starlette.types import Receive, Scope, Send

try:  # brotli is optional: gzip alone when it is missing
    import brotli
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None

IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".txt", ".md", ".html", ".map")
MIN_COMPRESS_BYTES = 1024
_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*$")
_HASH = re.compile(r"^[0-9a-f]{12}$")


def static_dir() -> Path:
    return Path(str(files("rootcauses.web") / "static"))


def _media_type(name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind


@dataclass
class Asset:
    name: str
    body: bytes
    digest: str  # first 12 hex digits of the sha256
    media_type: str
    _encoded: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def etag(self) -> bytes:
        return f'"{self.digest}"'.encode()

    def compressible(self) -> bool:
        return self.name.endswith(COMPRESSIBLE) and len(self.body) >= MIN_COMPRESS_BYTES

    def encoded(self, coding: str) -> bytes:
        """The body in ``coding`` ('br' or 'gzip'), compressed on first use."""
        with self._lock:
            if coding not in self._encoded:
                if coding == "br":
                    self._encoded[coding] = brotli.compress(self.body, quality=9)
                else:
                    self._encoded[coding] = gzip.compress(self.body, compresslevel=9, mtime=0)
            return self._encoded[coding]


def _accepted(header: str | None) -> list[str]:
    """The codings an Accept-Encoding header allows (q=0 excluded), best first."""
    allowed = set()
    for part in (header or "").split(","):
        token, _, params = part.partition(";")
        quality = params.strip().removeprefix("q=")
        try:
            refused = bool(params.strip()) and float(quality) <= 0
        except ValueError:
            refused = False
        if token.strip() and not refused:
            allowed.add(token.strip().lower())
    order = (["br"] if brotli is not None else []) + ["gzip"]
    return [c for c in order if c in allowed or "*" in allowed]


class StaticAssets:
    """An ASGI app serving a flat folder of static files (see the module docstring)."""

    def __init__(self, directory: Path | None = None, prefix: str = "/assets") -> None:
        self.directory = Path(directory or static_dir())
        self.prefix = prefix
        self._assets: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Asset | None:
        if not _NAME.match(name):
            return None
        with self._lock:
            found = self._assets.get(name)
            if found is None:
                path = self.directory / name
                if not path.is_file():
                    return None
                body = path.read_bytes()
                found = Asset(name, body, hashlib.sha256(body).hexdigest()[:12], _media_type(name))
                self._assets[name] = found
            return found

    def url(self, name: str) -> str:
        """The fingerprinted URL of a static file (templates call this as ``asset(name)``)."""
        found = self.get(name)
        if found is None:
            raise FileNotFoundError(f"no static file {name!r} in {self.directory}")
        return f"{self.prefix}/{found.digest}/{name}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        method = scope.get("method", "GET")
        if method not in ("GET", "HEAD"):
            await _plain(send, 405, b"method not allowed", [(b"allow", b"GET, HEAD")])
            return
        parts = scope.get("path", "")[len(scope.get("root_path", "")) :].strip("/").split("/")
        if len(parts) == 2 and _HASH.match(parts[0]):
            asset = self.get(parts[1])
            fresh = asset is not None and parts[0] == asset.digest
        elif len(parts) == 1:
            asset, fresh = self.get(parts[0]), False
        else:
            asset, fresh = None, False
        if asset is None:
            await _plain(send, 404, b"not found")
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        common = [
            (b"cache-control", IMMUTABLE if fresh else REVALIDATE),
            (b"etag", asset.etag),
        ]
        if asset.compressible():
            common.append((b"vary", b"Accept-Encoding"))
        tags = [t.strip().removeprefix("W/") for t in headers.get(b"if-none-match", "").split(",")]
        if asset.etag.decode() in tags:
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        body = asset.body
        if asset.compressible():
            for coding in _accepted(headers.get(b"accept-encoding")):
                body = await anyio.to_thread.run_sync(asset.encoded, coding)
                common.append((b"content-encoding", coding.encode()))
                break
        response = [
            (b"content-type", asset.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *common,
        ]
        await send({"type": "http.response.start", "status": 200, "headers": response})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


async def _plain(send: Send, status: int, text: bytes, extra: list | None = None) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(text)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})
