"""Fixtures for the browser tests: a store with forecasts, the app served by uvicorn in a thread
on 127.0.0.1 and a free port, and Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from rootcauses.config import Settings
from rootcauses.store import import_build
from rootcauses.web.serving import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def served_store(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the built store with a small forecast run in it."""
    from rootcauses.analysis import forecast as fc
    from rootcauses.analysis.runs import run_forecast

    home = tmp_path_factory.mktemp("web-home")
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    config = fc.ForecastConfig(horizon=3, origins=2)
    run_forecast(settings, config, models=["seasonal_naive"], until="2024-06", workers=1)
    return settings


def served(settings: Settings) -> AbstractContextManager[str]:
    """The app on ``settings``, served by uvicorn in a thread on 127.0.0.1 and a free port
    (:func:`rootcauses.web.serving.serve_in_thread`)."""
    return serve_in_thread(settings, start_s=10)


@pytest.fixture(scope="session")
def base_url(served_store: Settings) -> Iterator[str]:
    with served(served_store) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need playwright (pip install playwright)"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url: str):
    """A fresh page that records console errors and failed requests in ``page.problems``."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
