from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from rootcauses.errors import FetchError
from rootcauses.sources import all_sources
from rootcauses.sources.base import FileSpec, SourceSpec, load, locate, sha256_bytes
from rootcauses.sources.fetch import download, fetch, make_client
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


def _mirror(spec: SourceSpec, snapshot: Path, server: LocalServer) -> None:
    """Serve the snapshot's files of ``spec`` at the paths of their official URLs."""
    for fs, paths in locate(spec, snapshot).items():
        if not fs.fetchable:
            continue
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


@pytest.mark.parametrize("source_id", FETCHABLE)
def test_every_source_fetches_its_official_url_and_reads_it(
    source_id: str, snapshot: Path, server: LocalServer, tmp_path: Path
) -> None:
    spec = all_sources()[source_id]
    _mirror(spec, snapshot, server)
    saved = fetch(spec, tmp_path, base_url=server.url, backoff=0)
    assert saved
    cached = {f.name: f.sha256 for f in load(spec, tmp_path, "cache")}
    served = {
        p.name: sha256_bytes(p.read_bytes()) for ps in locate(spec, snapshot).values() for p in ps
    }
    for name, digest in cached.items():
        assert served.get(name) == digest, f"{name} differs from the snapshot copy"
    # the build reads the fetched files (unfetchable ones come from the snapshot)
    root = tmp_path
    if any(not f.fetchable for f in spec.files):
        for fs, paths in locate(spec, snapshot).items():
            if not fs.fetchable:
                for p in paths:
                    (root / spec.folder / p.name).write_bytes(p.read_bytes())
    parts = read_source(spec, root, "cache")
    assert parts and all(len(p.frame) for p in parts)
