"""The policy-lab page: rendered with every lever labelled, and in a real browser (Debian's
chromium via Playwright) a small run completes and draws the difference with its band.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.sim.scenarios import load_parameter_specs, load_scenario
from rootcauses.web.app import create_app
from tests.web.conftest import screenshot

SMALL = "scenario=harris_strategy&households=2000&months=6&members=2"
RUN_TIMEOUT_MS = 180_000  # a bound on waiting for the run on a shared machine


def test_page_renders_every_lever_with_a_label_and_says_a_store_is_needed(tmp_path: Path) -> None:
    page = TestClient(create_app(Settings(home=tmp_path))).get("/policy-lab")
    assert page.status_code == 200
    assert re.search(r"<title>Policy lab — rootcauses</title>", page.text)
    levers = [k for k, s in load_parameter_specs().items() if s.lever]
    for name in levers:
        assert f'<label for="lever-{name}"' in page.text
        assert f'id="lever-{name}-value"' in page.text
    assert "rootcauses data build" in page.text
    assert re.search(r'data-chartlib="/assets/[0-9a-f]{12}/plotly-custom\.min\.js"', page.text)
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", page.text)  # no CDN, nothing remote


def _unlabelled(page) -> list[str]:
    return page.evaluate(
        """[...document.querySelectorAll('input, select, button, progress')].filter(e =>
             !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
             && !(e.tagName === 'BUTTON' && e.textContent.trim()))
           .map(e => e.outerHTML)"""
    )


@pytest.mark.browser
def test_policy_lab_loads_without_console_errors(page) -> None:
    page.goto("/policy-lab")
    page.wait_for_load_state("load")
    assert page.title() == "Policy lab — rootcauses"
    assert _unlabelled(page) == []
    assert page.text_content("#description").strip()
    assert page.problems == []


@pytest.mark.browser
def test_scenario_levers_and_permalink(page) -> None:
    page.goto("/policy-lab")
    page.select_option("#scenario", "deterrence")
    deterrence = load_scenario("deterrence")
    for key, value in deterrence.overrides.items():
        assert float(page.input_value(f"#lever-{key}-value")) == pytest.approx(value)
    page.fill("#lever-violence_multiplier-value", "0.6")
    page.dispatch_event("#lever-violence_multiplier-value", "change")
    assert float(page.input_value("#lever-violence_multiplier")) == pytest.approx(0.6)
    assert "scenario=deterrence" in page.url and "p.violence_multiplier=0.6" in page.url
    page.goto(page.url)  # the permalink restores scenario and lever
    assert page.input_value("#scenario") == "deterrence"
    assert float(page.input_value("#lever-violence_multiplier-value")) == pytest.approx(0.6)
    assert page.problems == []


@pytest.mark.browser
def test_a_small_run_completes_and_the_chart_shows_a_band(page, base_url: str) -> None:
    page.goto(f"/policy-lab?{SMALL}")
    assert page.input_value("#households") == "2000"
    page.click("#run")
    page.locator("#chart").scroll_into_view_if_needed()  # charts are drawn when near the screen
    page.wait_for_function(
        # a function, not an expression string: the page's CSP forbids eval
        "() => { const d = document.getElementById('chart').data;"
        " return !!d && d.some(t => t.fill === 'tonexty'); }",
        timeout=RUN_TIMEOUT_MS,
    )
    bands = page.evaluate(
        """document.getElementById('chart').data.filter(t => t.fill === 'tonexty')
             .map(t => t.name)"""
    )
    assert len(bands) == 3  # one band per citizenship (GTM, HND, SLV)
    assert page.locator("#totals tbody tr").count() == 4  # three countries and all
    assert page.text_content("#status").startswith("Done")
    assert not page.is_disabled("#run") and page.is_disabled("#cancel")
    run_id = re.search(r"run=([0-9a-f]{12})", page.url).group(1)
    href = page.get_attribute("#csv", "href")
    assert href == f"/api/sim/runs/{run_id}/differences?format=csv"
    with page.expect_download() as info:
        page.click("#csv")
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    assert downloaded == httpx.get(base_url + href).text
    assert page.problems == []
    screenshot(page, "policy-lab")


@pytest.mark.browser
def test_validation_chart_draws_observed_and_model(page, served_store: Settings) -> None:
    from rootcauses.sim.history import validation_rows
    from rootcauses.store.results import write_snapshot
    from tests.web.test_whatif_page import _validation_report

    report = _validation_report()
    path = write_snapshot(served_store, "sim_validation", validation_rows(report))
    try:
        page.goto("/policy-lab")
        page.locator("#validation-chart").scroll_into_view_if_needed()
        page.wait_for_function(
            "() => document.querySelector('#validation-chart')?.data?.length === 6", timeout=30_000
        )
        names = page.evaluate("document.querySelector('#validation-chart').data.map(t => t.name)")
        rows = page.locator("#validation-scores tbody tr").count()
    finally:
        path.unlink()
    assert "Guatemala, observed" in names and "Guatemala, model" in names
    assert rows == 4
    assert page.problems == []
