"""Downloading official files: httpx behind a client the caller passes (tests use a local server).

Every download is retried on transport errors, 5xx answers and truncated bodies, checked against
its Content-Length, hashed, written to a temporary file and renamed into place, and recorded in a
``<file>.meta.json`` next to it (URL, sha256, bytes, time). A failed download leaves any earlier
copy in the cache untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import httpx

from rootcauses.errors import FetchError
from rootcauses.sources.base import FileSpec, SourceSpec, meta_path

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as ``(file name, bytes so far, total bytes or None)``."""

USER_AGENT = "rootcauses (https://pypi.org/project/rootcauses; open data research)"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for key, value in attrs:
                if key == "href" and value:
                    self.hrefs.append(value)


def make_client(timeout: float = 60.0) -> httpx.Client:
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def _get(client: httpx.Client, url: str, retries: int, backoff: float) -> httpx.Response:
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            response = client.get(url)
            if response.status_code < 500:
                if response.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {response.status_code}")
                return response
            last = FetchError(f"{url}: HTTP {response.status_code}")
        except httpx.TransportError as exc:
            last = exc
        if attempt < retries:
            time.sleep(backoff * 2**attempt)
    raise FetchError(f"{url}: failed after {retries + 1} attempts: {last}")


def discover_links(
    client: httpx.Client, page_url: str, pattern: str, *, retries: int = 3, backoff: float = 1.0
) -> list[str]:
    """Absolute URLs of the links on ``page_url`` whose address matches ``pattern``."""
    page = _get(client, page_url, retries, backoff)
    parser = _Links()
    parser.feed(page.text)
    regex = re.compile(pattern, re.IGNORECASE)
    urls = [urljoin(str(page.url), h) for h in parser.hrefs if regex.search(unquote(h))]
    if not urls:
        raise FetchError(
            f"{page_url}: no link matching {pattern!r} on the page; the publisher may have "
            "changed its layout"
        )
    return list(dict.fromkeys(urls))


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    progress: ProgressCallback | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` atomically; raise :class:`FetchError` if it cannot."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            digest, size = hashlib.sha256(), 0
            with client.stream("GET", url) as response:
                if 400 <= response.status_code < 500:
                    raise FetchError(f"{url}: HTTP {response.status_code}")
                if response.status_code >= 500:
                    raise httpx.HTTPStatusError(
                        f"HTTP {response.status_code}",
                        request=response.request,
                        response=response,
                    )
                expected = response.headers.get("Content-Length")
                total = int(expected) if expected and expected.isdigit() else None
                with tmp.open("wb") as out:
                    for chunk in response.iter_raw():
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        if progress:
                            progress(dest.name, size, total)
                encoded = response.headers.get("Content-Encoding", "identity") != "identity"
                if total is not None and size != total and not encoded:
                    raise httpx.ReadError(f"truncated body: got {size} of {total} bytes")
            if size == 0:
                raise httpx.ReadError("empty body")
            tmp.replace(dest)
            meta_path(dest).write_text(
                json.dumps(
                    {
                        "url": url,
                        "sha256": digest.hexdigest(),
                        "bytes": size,
                        "fetched_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(),
                    },
                    indent=1,
                )
            )
            return dest
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            last = exc
            tmp.unlink(missing_ok=True)
            if attempt < retries:
                time.sleep(backoff * 2**attempt)
        except FetchError:
            tmp.unlink(missing_ok=True)
            raise
    raise FetchError(f"{url}: download failed after {retries + 1} attempts: {last}")


def _file_name(fs: FileSpec, url: str) -> str:
    if fs.save_as:
        return fs.save_as
    name = unquote(Path(urlparse(url).path).name)
    if not name:
        raise FetchError(f"{url}: cannot derive a file name; set save_as in the FileSpec")
    return name


def fetch(
    spec: SourceSpec,
    cache_root: Path,
    *,
    client: httpx.Client | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    progress: ProgressCallback | None = None,
    base_url: str | None = None,
) -> list[Path]:
    """Download the newest published files of ``spec`` into ``cache_root/spec.folder``.

    ``base_url`` replaces the scheme and host of every official URL (tests point it at a local
    server; a mirror could be used the same way). Files whose official form is not machine
    readable (``fetchable=False``) are skipped: the build then reads the snapshot copy.
    """
    own = client is None
    client = client or make_client()
    folder = cache_root / spec.folder
    saved: list[Path] = []
    try:
        for fs in spec.files:
            if not fs.fetchable:
                continue
            url = _rebase(fs.url, base_url)
            if fs.link:
                urls = discover_links(client, url, fs.link, retries=retries, backoff=backoff)
                if fs.select == "latest":
                    urls = urls[:1]
            else:
                urls = [url]
            for file_url in urls:
                dest = folder / _file_name(fs, file_url)
                saved.append(
                    download(
                        client, file_url, dest, retries=retries, backoff=backoff, progress=progress
                    )
                )
    finally:
        if own:
            client.close()
    return saved


def _rebase(url: str, base_url: str | None) -> str:
    if not base_url:
        return url
    parsed = urlparse(url)
    base = urlparse(base_url)
    path = (base.path.rstrip("/") + parsed.path) if base.path not in ("", "/") else parsed.path
    return parsed._replace(scheme=base.scheme, netloc=base.netloc, path=path).geturl()
