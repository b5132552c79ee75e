from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from urllib.parse import quote, urlparse

import httpx
import pytest

from rootcauses.errors import FetchError
from rootcauses.sources import all_sources
from rootcauses.sources.base import FileSpec, SourceSpec, load_from, locate, matching, sha256_bytes
from rootcauses.sources.fetch import download, fetch, file_name, host_of, make_client
from rootcauses.store.build import read_source
from tests.httpserver import LocalServer


@pytest.fixture
def server():
    srv = LocalServer().start()
    yield srv
    srv.stop()


def test_download_writes_file_hash_and_provenance(server: LocalServer, tmp_path: Path) -> None:
    body = b"a,b\n1,2\n" * 1000
    server.add("/data.csv", body)
    seen: list[int] = []
    with make_client(5) as client:
        path = download(
            client,
            f"{server.url}/data.csv",
            tmp_path / "data.csv",
            progress=lambda name, done, total: seen.append(done),
        )
    assert path.read_bytes() == body
    meta = json.loads((tmp_path / "data.csv.meta.json").read_text())
    assert meta["sha256"] == sha256_bytes(body)
    assert meta["bytes"] == len(body)
    assert meta["url"].endswith("/data.csv")
    assert seen[-1] == len(body)


def test_download_retries_after_a_server_error(server: LocalServer, tmp_path: Path) -> None:
    route = server.add("/flaky.csv", b"x\n1\n", fail_first=1)
    with make_client(5) as client:
        path = download(client, f"{server.url}/flaky.csv", tmp_path / "flaky.csv", backoff=0)
    assert path.read_bytes() == b"x\n1\n"
    assert route.hits == 2


def test_truncated_body_is_refused_and_leaves_no_file(server: LocalServer, tmp_path: Path) -> None:
    route = server.add("/cut.csv", b"0123456789" * 100, truncate_to=500)
    with make_client(5) as client, pytest.raises(FetchError, match=r"cut\.csv"):
        download(client, f"{server.url}/cut.csv", tmp_path / "cut.csv", retries=1, backoff=0)
    assert route.hits == 2  # retried once
    assert not (tmp_path / "cut.csv").exists()
    assert not (tmp_path / "cut.csv.part").exists()


def test_failed_download_keeps_the_previous_copy(server: LocalServer, tmp_path: Path) -> None:
    (tmp_path / "keep.csv").write_bytes(b"old\n")
    server.add("/keep.csv", b"new content\n", truncate_to=3)
    with make_client(5) as client, pytest.raises(FetchError):
        download(client, f"{server.url}/keep.csv", tmp_path / "keep.csv", retries=0)
    assert (tmp_path / "keep.csv").read_bytes() == b"old\n"


def test_client_errors_are_not_retried(server: LocalServer, tmp_path: Path) -> None:
    with make_client(5) as client, pytest.raises(FetchError, match="404"):
        download(client, f"{server.url}/missing.csv", tmp_path / "m.csv", backoff=0)


def test_landing_page_links_are_discovered(server: LocalServer, tmp_path: Path) -> None:
    server.add(
        "/stats/page",
        b'<html><a href="/files/2025-Dec/report-fy23-fy26.csv">new</a>'
        b'<a href="/other.pdf">pdf</a></html>',
        content_type="text/html",
    )
    server.add("/files/2025-Dec/report-fy23-fy26.csv", b"a\n1\n")
    spec = SourceSpec(
        id="demo",
        title="t",
        publisher="p",
        folder="demo",
        homepage="h",
        licence="l",
        kind="outcome",
        read=lambda files: [],
        files=(
            FileSpec(
                pattern="report-*.csv",
                url="https://official.example/stats/page",
                link=r"report-fy\d\d-fy\d\d\.csv$",
            ),
        ),
    )
    saved = fetch(spec, tmp_path, base_url=server.url, backoff=0)
    assert [p.name for p in saved] == ["report-fy23-fy26.csv"]
    assert locate(spec, tmp_path)[spec.files[0]] == saved


def _mirrorable(spec: SourceSpec, snapshot: Path) -> SourceSpec:
    """``spec`` restricted to the fetchable files the snapshot holds a copy of (some official
    formats, e.g. HURDAT2's text file or CCKP's JSON, are read when present but not in the
    snapshot)."""
    folder = snapshot / spec.folder
    kept = tuple(fs for fs in spec.files if fs.fetchable and matching(fs, folder))
    return dataclasses.replace(spec, files=kept)


def _mirror(spec: SourceSpec, snapshot: Path, server: LocalServer) -> None:
    """Serve the snapshot's files of ``spec`` at the paths of their official URLs."""
    for fs in spec.files:
        paths = matching(fs, snapshot / spec.folder)
        parsed = urlparse(fs.url)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if fs.link:
            links = []
            for p in paths:
                href = f"/files/{spec.id}/{quote(p.name)}"
                server.add(href, p.read_bytes())
                links.append(f'<a href="{href}">{p.name}</a>')
            server.add(
                path, ("<html>" + "".join(links) + "</html>").encode(), content_type="text/html"
            )
        else:
            (only,) = paths
            server.add(path, only.read_bytes())


FETCHABLE = sorted(s.id for s in all_sources().values() if any(f.fetchable for f in s.files))
# Sources whose official format is not in the snapshot (which holds a derived copy); their
# parsers of the official format are tested on hand-made files in their own test modules.
OFFICIAL_FORMAT_NOT_IN_SNAPSHOT = {
    "drought": "CCKP API JSON (tests/sources/test_drought.py)",
    "hurdat2": "NHC HURDAT2 text file (tests/sources/test_hurdat2.py)",
    "strategy": "ForeignAssistance.gov country CSV (tests/sources/test_strategy.py)",
}


def test_sources_without_a_mirrorable_file_are_known(snapshot: Path) -> None:
    without = {s for s in FETCHABLE if not _mirrorable(all_sources()[s], snapshot).files}
    assert without == set(OFFICIAL_FORMAT_NOT_IN_SNAPSHOT)


@pytest.mark.parametrize(
    "source_id", [s for s in FETCHABLE if s not in OFFICIAL_FORMAT_NOT_IN_SNAPSHOT]
)
def test_every_source_fetches_its_official_url_and_reads_it(
    source_id: str, snapshot: Path, server: LocalServer, tmp_path: Path
) -> None:
    spec = all_sources()[source_id]
    mirrored = _mirrorable(spec, snapshot)
    assert mirrored.files, f"{source_id}: no fetchable file has a snapshot copy to serve"
    _mirror(mirrored, snapshot, server)
    saved = fetch(mirrored, tmp_path, base_url=server.url, backoff=0)
    assert saved
    served = {
        sha256_bytes(p.read_bytes())
        for fs in mirrored.files
        for p in matching(fs, snapshot / spec.folder)
    }
    assert {sha256_bytes(p.read_bytes()) for p in saved} == served
    # the build reads the fetched files, and the snapshot for files that cannot be fetched
    roots = [(tmp_path, "cache"), (snapshot, "snapshot")]
    fetched = {r.sha256 for r in load_from(spec, roots) if r.origin == "cache"}
    assert fetched == served
    parts = read_source(spec, roots)
    assert parts and all(len(p.frame) for p in parts)


# --------------------------------------------------------------------------- untrusted links


def _linked_spec(link_hosts: tuple[str, ...] = (), select: str = "latest") -> SourceSpec:
    """A source whose file is the link matching ``report-*.csv`` on a landing page."""
    return SourceSpec(
        id="demo",
        title="t",
        publisher="p",
        folder="demo",
        homepage="h",
        licence="l",
        kind="outcome",
        read=lambda files: [],
        files=(
            FileSpec(
                pattern="report-*.csv",
                url="https://official.example/stats/page",
                link=r"report-fy\d\d\.csv$",
                link_hosts=link_hosts,
                select=select,  # type: ignore[arg-type]
            ),
        ),
    )


def _page(*hrefs: str) -> bytes:
    return ("<html>" + "".join(f'<a href="{h}">file</a>' for h in hrefs) + "</html>").encode()


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_an_escaped_path_in_a_link_cannot_leave_the_cache(
    server: LocalServer, tmp_path: Path
) -> None:
    escaped = "/files/..%2F..%2Fescaped%2Freport-fy23.csv"  # cache/demo/../.. = tmp_path
    server.add("/stats/page", _page(escaped), content_type="text/html")
    route = server.add(escaped, b"a\n1\n")
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match=r"climbs out of its folder"):
        fetch(_linked_spec(), cache, base_url=server.url, backoff=0)
    assert route.hits == 0
    assert _files_under(tmp_path) == set()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://p.example/a/%2E%2E", "climbs out"),
        ("https://p.example/a/x%2F..%2F..%2Fy.csv", "climbs out"),
        ("https://p.example/a/..%5C..%5Cy.csv", "climbs out"),
        ("https://p.example/a/", "cannot derive a file name"),
        ("https://p.example/a/.bashrc", "not a plain file name"),
        ("https://p.example/a/x.csv.meta.json", "not a plain file name"),
        ("https://p.example/a/x.csv.part", "not a plain file name"),
        ("https://p.example/a/x%0A.csv", "not a plain file name"),
        ("https://p.example/a/x%5Cy.csv", "not a plain file name"),
    ],
)
def test_file_names_from_urls_must_be_plain_names(url: str, problem: str) -> None:
    with pytest.raises(FetchError, match=problem):
        file_name(url)


def test_file_names_are_read_after_unescaping() -> None:
    assert file_name("https://p.example/files/KHSM%20Encounters%20USBP.xlsx") == (
        "KHSM Encounters USBP.xlsx"
    )
    assert file_name("https://p.example/x?y=1", save_as="fixed.csv") == "fixed.csv"


def test_links_to_other_hosts_are_not_followed(server: LocalServer, tmp_path: Path) -> None:
    other = LocalServer().start()
    try:
        elsewhere = other.add("/evil/report-fy24.csv", b"a\n666\n")
        server.add(
            "/stats/page",
            _page(f"{other.url}/evil/report-fy24.csv", "/files/report-fy23.csv"),
            content_type="text/html",
        )
        server.add("/files/report-fy23.csv", b"a\n1\n")
        saved = fetch(_linked_spec(select="all"), tmp_path, base_url=server.url, backoff=0)
        assert [p.name for p in saved] == ["report-fy23.csv"]
        assert elsewhere.hits == 0

        # a page whose only matching links are elsewhere says so and downloads nothing
        server.add(
            "/stats/page", _page(f"{other.url}/evil/report-fy24.csv"), content_type="text/html"
        )
        with pytest.raises(FetchError, match=r"only to other hosts.*link_hosts"):
            fetch(_linked_spec(), tmp_path / "second", base_url=server.url, backoff=0)
        assert elsewhere.hits == 0 and not (tmp_path / "second").exists()

        # ... unless the source declares that host as its own
        declared = _linked_spec(link_hosts=(host_of(other.url),))
        saved = fetch(declared, tmp_path / "third", base_url=server.url, backoff=0)
        assert [p.read_bytes() for p in saved] == [b"a\n666\n"] and elsewhere.hits == 1
    finally:
        other.stop()


def test_a_link_redirected_to_another_host_is_refused(tmp_path: Path) -> None:
    seen: list[str] = []

    def publisher(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/stats/page":
            return httpx.Response(200, html=_page("/files/report-fy23.csv").decode())
        if request.url.host == "official.example":
            return httpx.Response(302, headers={"Location": "https://cdn.evil.example/r.csv"})
        # a stream, as a network answer is (``content=`` would count as read already)
        return httpx.Response(200, stream=httpx.ByteStream(b"a\n666\n"))

    client = httpx.Client(transport=httpx.MockTransport(publisher), follow_redirects=True)
    with client, pytest.raises(FetchError, match=r"redirected to https://cdn\.evil\.example"):
        fetch(_linked_spec(), tmp_path, client=client, backoff=0)
    assert _files_under(tmp_path) == set()
    # the official URL itself is ours, so a redirect from it is the publisher's answer
    spec = dataclasses.replace(
        _linked_spec(),
        files=(FileSpec(pattern="r.csv", url="https://official.example/files/r.csv"),),
    )
    client = httpx.Client(transport=httpx.MockTransport(publisher), follow_redirects=True)
    with client:
        (saved,) = fetch(spec, tmp_path, client=client, backoff=0)
    assert saved.read_bytes() == b"a\n666\n" and saved.parent == tmp_path / "demo"


def test_declared_link_hosts_are_real_hosts() -> None:
    for spec in all_sources().values():
        for fs in spec.files:
            for host in fs.link_hosts:
                assert fs.link, f"{spec.id}: link_hosts without a link pattern"
                assert host == host_of(f"https://{host}/"), f"{spec.id}: {host!r} is not a host"
