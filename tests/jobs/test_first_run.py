"""The first run: which steps run, which are skipped, and how a step knows its result is stored
for the current build."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from rootcauses.config import Settings
from rootcauses.jobs import first_run
from rootcauses.store import connect
from rootcauses.store.results import current_build, write_results, write_snapshot


def _steps(done: dict[str, bool], ran: list[str]) -> tuple[first_run.Step, ...]:
    return tuple(
        first_run.Step(
            name, f"cmd {name}", lambda s, n=name: done[n], lambda s, n=name: ran.append(n)
        )
        for name in done
    )


def test_only_missing_steps_run_unless_forced(tmp_path):
    settings = Settings(home=tmp_path, data=tmp_path)
    ran: list[str] = []
    messages: list[tuple[str, str]] = []
    steps = _steps({"a": True, "b": False, "c": False}, ran)
    results = first_run.prepare(settings, steps=steps, report=lambda n, m: messages.append((n, m)))
    assert ran == ["b", "c"]
    assert [(r.name, r.ran) for r in results] == [("a", False), ("b", True), ("c", True)]
    assert results[0].seconds == 0.0 and all(r.seconds >= 0 for r in results)
    assert ("a", "already stored for this build") in messages
    ran.clear()
    first_run.prepare(settings, steps=steps, force=True)
    assert ran == ["a", "b", "c"]


def test_a_failing_step_stops_the_run(tmp_path):
    settings = Settings(home=tmp_path, data=tmp_path)

    def boom(s):
        raise RuntimeError("no data")

    ran: list[str] = []
    steps = (first_run.Step("bad", "x", lambda s: False, boom), *_steps({"after": False}, ran))
    with pytest.raises(RuntimeError, match="no data"):
        first_run.prepare(settings, steps=steps)
    assert ran == []


@pytest.fixture
def own_store(built_store, tmp_path) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(built_store.home, home, ignore=shutil.ignore_patterns("*.lock", "results"))
    return Settings(home=home, data=built_store.data)


def test_stored_for_build_looks_at_the_current_build(own_store):
    con = connect(own_store)
    build = current_build(con)
    con.close()
    done = first_run._stored_for_build("driver_models")
    assert not done(own_store)
    write_results(own_store, "driver_models", pd.DataFrame({"build_id": ["old"]}), run_id="r1")
    assert not done(own_store)
    write_results(own_store, "driver_models", pd.DataFrame({"build_id": [build]}), run_id="r2")
    assert done(own_store)


def test_a_snapshot_counts_only_its_latest_write(own_store):
    con = connect(own_store)
    build = current_build(con)
    con.close()
    done = first_run._stored_for_build("sim_whatif", snapshot=True)
    write_snapshot(own_store, "sim_whatif", pd.DataFrame({"build_id": [build, build]}))
    assert done(own_store)
    write_snapshot(own_store, "sim_whatif", pd.DataFrame({"build_id": ["old"]}))
    assert not done(own_store)


# what a page says when a section has nothing stored to show (web/templates)
EMPTY_SECTION = {
    "/": ("Not fitted in this store yet", "None in this store yet"),
    "/drivers": ("No driver models in the store yet",),
    "/forecasts": ("No forecasts in the store yet",),
    "/policy-lab": ("No validation stored yet", "No counterfactual histories stored yet"),
}


def test_after_the_first_run_no_page_shows_an_empty_section(built_store, tmp_path):
    """What `make run` does after the build (`rootcauses prepare`, every step) fills every
    section that says "nothing stored yet" on a fresh store: the pages say it before, not after."""
    from fastapi.testclient import TestClient

    from rootcauses.web.app import create_app
    from rootcauses.web.serving import copy_home

    settings = copy_home(built_store, tmp_path / "home")
    before = TestClient(create_app(settings))
    for path, markers in EMPTY_SECTION.items():
        page = before.get(path).text
        assert all(marker in page for marker in markers), path
    results = first_run.prepare(settings)
    assert [r.ran for r in results] == [True] * len(first_run.STEPS)
    after = TestClient(create_app(settings))
    for path, markers in EMPTY_SECTION.items():
        response = after.get(path)
        assert response.status_code == 200
        assert not [m for m in markers if m in response.text], path
