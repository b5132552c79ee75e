"""The Policy lab in Spanish after its scripts ran (Debian's chromium via Playwright): the levers'
and scenarios' names, units, notes and descriptions, the what-if questions, caveats and readings
and the validation scorecard's forecasts are Spanish — none of their English is left in the
text, the labels or the tooltips — while the English page keeps them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from rootcauses.config import Settings
from rootcauses.sim.whatif import COUNTERFACTUALS, NOT_COMPUTED
from rootcauses.store import import_build
from tests.web.conftest import served
from tests.web.test_browser_i18n_scripts import VISIBLE, show_every_chart
from tests.web.test_i18n import store_policy_lab

pytestmark = pytest.mark.browser

# The English the policy lab takes from the simulation's specs and results (whole-phrase matches)
ENGLISH = (
    "violence multiplier",
    "income growth extra",
    "climate shock add",
    "deterrence add",
    "mx interdiction multiplier",
    "us return multiplier",
    "smuggler fee multiplier",
    "factor on the homicide rate",
    "Violence-reduction programmes act here.",
    "Perceived US enforcement beyond the recorded regimes.",
    "harris strategy",
    "anti corruption",
    "climate shock",
    "status quo",
    "A prolonged Dry Corridor drought",  # the description of the scenario chosen
    "exceeds the spread",
    "within the spread",
    "All three",
    "Calibrated model",
    "Random walk (last value)",
    "Seasonal naive (last year)",
    "Flat (training mean by month)",
    "The model does not yet reproduce",
    *(cf.question for cf in COUNTERFACTUALS),
    *(cf.caveat for cf in COUNTERFACTUALS),
    NOT_COMPUTED["aid_in_full"],
)


@pytest.fixture(scope="module")
def base_url(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a home of its own with the what-if histories and a validation stored."""
    home = tmp_path_factory.mktemp("lab-browser-i18n")
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    store_policy_lab(settings)
    with served(settings) as url:
        yield url


def english_left(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def open_lab(page, language: str) -> str:
    page.goto(f"/policy-lab?lang={language}&scenario=climate_shock")
    show_every_chart(page)
    page.wait_for_selector("#validation-chart .main-svg", timeout=30_000)
    page.wait_for_function("() => document.getElementById('description').textContent.length > 0")
    page.wait_for_load_state("networkidle")
    # the options one by one (the select's text runs them together)
    options = page.eval_on_selector_all("option", "os => os.map(o => o.textContent).join(' | ')")
    return f"{page.evaluate(VISIBLE)} | {options}"


def test_the_english_page_shows_them(page, base_url: str) -> None:
    """The same check on the English page finds every phrase (so it can fail)."""
    assert english_left(open_lab(page, "en")) == list(ENGLISH)
    assert page.problems == []


def test_no_english_lever_scenario_or_what_if_after_the_scripts_ran(page, base_url: str) -> None:
    text = open_lab(page, "es")
    assert english_left(text) == []
    # the script shows the chosen scenario's description, in Spanish
    description = page.text_content("#description") or ""
    assert description.startswith("Una sequía prolongada en el Corredor Seco"), description
    options = page.eval_on_selector_all("#scenario option", "os => os.map(o => o.textContent)")
    assert "estrategia Harris" in options and "choque climático" in options
    label = page.text_content("label[for='lever-smuggler_fee_multiplier']") or ""
    assert label.startswith("multiplicador de la tarifa del coyote"), label
    assert page.get_attribute("label[for='lever-violence_multiplier']", "title") == (
        "Aquí actúan los programas de reducción de la violencia."
    )
    assert "¿Qué habría pasado si los huracanes Eta e Iota" in text
    assert "supera la dispersión" in text and "Modelo calibrado" in text
    assert page.problems == []
