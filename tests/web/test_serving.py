"""The app over real HTTP (:mod:`rootcauses.web.serving`). ``rootcauses serve`` in its own
process: a copied home answers with the same build and results, the process is gone after the
block, the server sees only the home and data it is given, and a server that fails or is too slow
to start is an error that carries its output. Uvicorn in a thread: it answers until the block
ends, and one that cannot start is an error."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from rootcauses.config import Settings
from rootcauses.store.layout import read_current
from rootcauses.web import serving


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_copied_home_is_served_until_the_block_ends(
    served_store: Settings, tmp_path: Path
) -> None:
    settings = serving.copy_home(served_store, tmp_path / "home")
    source, copy = read_current(served_store), read_current(settings)
    assert source is not None and copy is not None and copy.build_id == source.build_id
    assert copy.path != source.path and copy.path.is_relative_to(tmp_path)
    assert _files(served_store.results_dir)  # the forecast run the fixture stored …
    assert _files(settings.results_dir) == _files(served_store.results_dir)  # … copied
    with serving.serve_process(settings.home, settings.data) as served:
        assert served.url.startswith("http://127.0.0.1:")
        sources = httpx.get(f"{served.url}/api/sources", timeout=30)
        assert sources.status_code == 200 and sources.json()["count"] > 0
        forecasts = httpx.get(f"{served.url}/api/forecasts/leaderboard", timeout=30)
        assert forecasts.status_code == 200, forecasts.text  # the copied results are read
        assert served.process.poll() is None
    assert served.process.poll() is not None  # stopped when the block ended
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{served.url}/api/sources", timeout=5)
    assert served.log == settings.home / "serve.log" and served.log.exists()


def test_the_server_sees_only_the_home_and_data_it_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROOTCAUSES_HOME", "/elsewhere")
    monkeypatch.setenv("ROOTCAUSES_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("KEPT", "yes")
    env = serving._environment(tmp_path / "h", tmp_path / "d", {"ROOTCAUSES_X": "1"})
    assert env["ROOTCAUSES_HOME"] == str(tmp_path / "h")
    assert env["ROOTCAUSES_DATA"] == str(tmp_path / "d")
    assert env["ROOTCAUSES_X"] == "1" and env["KEPT"] == "yes"
    assert "ROOTCAUSES_HTTP_TIMEOUT" not in env and "DATABASE_URL" not in env


def test_a_server_that_exits_before_it_is_ready_is_an_error_with_its_output(
    tmp_path: Path,
) -> None:
    bad = {"ROOTCAUSES_HTTP_TIMEOUT": "not-a-number"}  # the settings refuse it at start-up
    with (
        pytest.raises(RuntimeError, match=r"(?is)exited \(1\).*http_timeout"),
        serving.serve_process(tmp_path, tmp_path / "data", env=bad),
    ):
        pytest.fail("the block ran although the server never answered")


def test_a_server_too_slow_to_start_is_an_error(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match=r"did not answer /api/sources\S* within 0 s"),
        serving.serve_process(tmp_path, tmp_path / "data", start_s=0.0),
    ):
        pytest.fail("the block ran although the server never answered")


def test_the_app_is_served_in_a_thread_until_the_block_ends(served_store: Settings) -> None:
    with serving.serve_in_thread(served_store) as url:
        answer = httpx.get(f"{url}/api/sources", timeout=30)
        assert answer.status_code == 200 and answer.json()["count"] > 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/api/sources", timeout=5)


def test_a_thread_server_that_cannot_start_is_an_error(
    served_store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:  # uvicorn cannot bind a port that is in use
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(serving, "free_port", lambda: taken.getsockname()[1])
        with (
            pytest.raises(RuntimeError, match="uvicorn stopped before it started"),
            serving.serve_in_thread(served_store, log_level="critical"),
        ):
            pytest.fail("the block ran although uvicorn never started")
