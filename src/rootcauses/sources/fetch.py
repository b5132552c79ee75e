"""Downloading official files: httpx behind a client the caller passes (tests use a local server).

Every download is retried on transport errors, 5xx answers and truncated bodies, checked against
its Content-Length, hashed, written to a temporary file and renamed into place, and recorded in a
``<file>.meta.json`` next to it (URL, sha256, bytes, time). A failed download leaves any earlier
copy in the cache untouched.

What a landing page links to is not trusted: a discovered link is followed only on the page's
own host (or a host the :class:`~rootcauses.sources.base.FileSpec` declares in ``link_hosts``),
must not be redirected elsewhere, and its file name (read after un-escaping ``%2F`` and the
like) must be one plain name, so a download lands only in the source's cache folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable, Collection, Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse, urlsplit

import httpx

from rootcauses.errors import FetchError
from rootcauses.sources.base import SourceSpec, meta_path

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


def host_of(url: str) -> str:
    """``host`` or ``host:port`` of ``url`` (lower case; the default http/https ports dropped)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    return host if port in (None, 80, 443) else f"{host}:{port}"


def discover_links(
    client: httpx.Client,
    page_url: str,
    pattern: str,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    hosts: Iterable[str] = (),
) -> list[str]:
    """Absolute URLs of the links on ``page_url`` whose address matches ``pattern``.

    Only http(s) links on the page's own host or one of ``hosts`` are kept: a page's content
    must not send the download anywhere else."""
    page = _get(client, page_url, retries, backoff)
    parser = _Links()
    parser.feed(page.text)
    regex = re.compile(pattern, re.IGNORECASE)
    allowed = {host_of(page_url), host_of(str(page.url)), *(h.lower() for h in hosts)} - {""}
    matched = [urljoin(str(page.url), h) for h in parser.hrefs if regex.search(unquote(h))]
    urls = [u for u in matched if urlsplit(u).scheme in ("http", "https") and host_of(u) in allowed]
    if not urls:
        refused = sorted({host_of(u) or u for u in matched})
        why = (
            f"links matching {pattern!r} point only to other hosts ({', '.join(refused)}), "
            f"not to {', '.join(sorted(allowed))}; declare a publisher's own host in the "
            "FileSpec's link_hosts"
            if matched
            else f"no link matching {pattern!r} on the page; the publisher may have changed its "
            "layout"
        )
        raise FetchError(f"{page_url}: {why}")
    return list(dict.fromkeys(urls))


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    progress: ProgressCallback | None = None,
    hosts: Collection[str] | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` atomically; raise :class:`FetchError` if it cannot.

    With ``hosts``, an answer that comes from another host (after redirects) is refused before
    its body is read."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            digest, size = hashlib.sha256(), 0
            with client.stream("GET", url) as response:
                final = str(response.url)
                if hosts is not None and host_of(final) not in hosts:
                    raise FetchError(
                        f"{url}: redirected to {final}, which is not on "
                        f"{', '.join(sorted(hosts))}; not downloaded"
                    )
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


_BOOKKEEPING = (".part", ".meta.json")


def file_name(url: str, save_as: str | None = None) -> str:
    """The cache file name for ``url``: ``save_as`` (the source's own choice, which may name a
    subfolder), else the last segment of the URL's path *after* un-escaping, as a server reads it.

    Raises :class:`FetchError` for a path with an escaped ``..`` segment (``..%2F..%2Fx.csv``)
    and for a name that is not one plain file name: empty, hidden, with a control character or
    backslash, or one of the cache's own ``.part`` and ``.meta.json`` files."""
    if save_as:
        return save_as
    path = unquote(urlsplit(url).path)
    if ".." in path.replace("\\", "/").split("/"):
        raise FetchError(f"{url}: the path climbs out of its folder ({path!r}); not downloaded")
    name = path.rsplit("/", 1)[-1]
    if not name:
        raise FetchError(f"{url}: cannot derive a file name; set save_as in the FileSpec")
    bad = (
        "\\" in name
        or name.startswith(".")
        or name.endswith(_BOOKKEEPING)
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    )
    if bad:
        raise FetchError(
            f"{url}: {name!r} is not a plain file name (no backslash, control character, "
            "leading dot or .part/.meta.json ending); not downloaded"
        )
    return name


def destination(folder: Path, name: str, url: str) -> Path:
    """``folder / name``, checked to stay inside ``folder`` once resolved (links included)."""
    dest = folder / name
    inside = folder.resolve()
    if dest.resolve() == inside or not dest.resolve().is_relative_to(inside):
        raise FetchError(f"{url}: {name!r} would be written outside {folder}; not downloaded")
    return dest


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
    if not folder.resolve().is_relative_to(cache_root.resolve()):
        raise FetchError(f"{spec.id}: its folder {spec.folder!r} is outside the cache {cache_root}")
    saved: list[Path] = []
    try:
        for fs in spec.files:
            if not fs.fetchable:
                continue
            url = _rebase(fs.url, base_url)
            # the official URL is ours (a redirect from it is the publisher's own answer); what
            # a landing page links to is not, so it stays on the publisher's host(s)
            hosts: frozenset[str] | None = None
            if fs.link:
                declared = frozenset(h.lower() for h in fs.link_hosts)
                urls = discover_links(
                    client, url, fs.link, retries=retries, backoff=backoff, hosts=declared
                )
                hosts = declared | {host_of(u) for u in urls}
                if fs.select == "latest":
                    urls = urls[:1]
            else:
                urls = [url]
            for file_url in urls:
                dest = destination(folder, file_name(file_url, fs.save_as), file_url)
                saved.append(
                    download(
                        client,
                        file_url,
                        dest,
                        retries=retries,
                        backoff=backoff,
                        progress=progress,
                        hosts=hosts,
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
