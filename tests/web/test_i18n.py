"""The dashboard in English and Spanish without a browser: ``?lang=`` chooses and is kept in a
cookie and in links, then the cookie, then ``Accept-Language``, then English; ``<html lang>``
follows; the API answers the same in English whatever the page language."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app
from rootcauses.web.i18n import lang_url
from tests.test_i18n import english_pieces

PAGES = ["/", "/sources", "/policy-lab", "/docs", "/forecasts"]
# the page's own words, per language (one heading or label each page always shows)
WORDS = {
    "/": ("What the models can and cannot say", "Lo que los modelos pueden y no pueden decir"),
    "/sources": ("Download this table (CSV)", "Descargar esta tabla (CSV)"),
    # a {% trans %} block with a percent sign (written %% in the catalogue)
    "/policy-lab": ("Pick a scenario, adjust its policy levers", "Elija un escenario, ajuste sus"),
    "/docs": ("OpenAPI document", "Documento OpenAPI"),
    "/forecasts": ("Track record", "Historial de aciertos"),
}


@pytest.fixture
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


def _lang(page: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_in_english_by_default_and_in_spanish_on_request(
    client: TestClient, path: str
) -> None:
    english = client.get(path)
    assert english.status_code == 200 and _lang(english.text) == "en"
    assert WORDS[path][0] in english.text and WORDS[path][1] not in english.text
    assert english.headers["content-language"] == "en"
    spanish = client.get(f"{path}?lang=es")
    assert spanish.status_code == 200 and _lang(spanish.text) == "es"
    assert WORDS[path][1] in spanish.text and WORDS[path][0] not in spanish.text
    assert spanish.headers["content-language"] == "es"
    assert "Cookie" in spanish.headers["vary"] and "Accept-Language" in spanish.headers["vary"]


def test_the_choice_is_kept_in_a_cookie_and_in_links(client: TestClient) -> None:
    chosen = client.get("/sources?lang=es")
    assert "lang=es" in chosen.headers["set-cookie"]
    assert "Max-Age=31536000" in chosen.headers["set-cookie"]
    again = client.get("/")  # the client sends the cookie back; no parameter
    assert _lang(again.text) == "es" and "set-cookie" not in again.headers
    # the navigation carries the language, so a link shared without the cookie stays Spanish
    assert 'href="/drivers?lang=es"' in again.text and 'href="/sources?lang=es"' in again.text
    # the switch offers English for the same page and sets it
    assert 'href="/?lang=en" hreflang="en"' in again.text
    back = client.get("/?lang=en")
    assert _lang(back.text) == "en" and "lang=en" in back.headers["set-cookie"]
    assert _lang(client.get("/").text) == "en"
    assert 'href="/drivers"' in client.get("/").text  # English links carry no parameter


@pytest.mark.parametrize(
    ("header", "expected"),
    [("es-GT,es;q=0.9,en;q=0.5", "es"), ("es-HN", "es"), ("en-US,en", "en"), ("de-DE", "en")],
)
def test_without_a_choice_the_browser_language_decides(
    client: TestClient, header: str, expected: str
) -> None:
    page = client.get("/sources", headers={"Accept-Language": header})
    assert _lang(page.text) == expected


def test_a_cookie_outranks_the_browser_and_a_parameter_outranks_both(
    client: TestClient,
) -> None:
    spanish_browser = {"Accept-Language": "es-SV,es"}
    client.cookies.set("lang", "en")
    assert _lang(client.get("/sources", headers=spanish_browser).text) == "en"
    client.cookies.set("lang", "es")
    assert _lang(client.get("/sources?lang=en", headers=spanish_browser).text) == "en"


def test_an_unknown_language_falls_back_without_a_cookie(client: TestClient) -> None:
    page = client.get("/sources?lang=fr", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and _lang(page.text) == "en"
    assert "set-cookie" not in page.headers
    client.cookies.set("lang", "xx")
    assert _lang(client.get("/sources").text) == "en"


def test_the_api_stays_english(client: TestClient) -> None:
    english = client.get("/api/findings")
    spanish_page = client.get("/?lang=es").text  # findings cached per language, apart
    assert "Los encuentros en la frontera suroeste de ciudadanos de" in spanish_page
    assert "Southwest-border encounters of citizens of" in english.text
    client.cookies.set("lang", "es")
    spanish = client.get("/api/findings?lang=es", headers={"Accept-Language": "es"})
    assert spanish.json() == english.json()
    assert "content-language" not in spanish.headers and "set-cookie" not in spanish.headers
    missing = client.get("/api/nothing-here?lang=es")
    assert missing.status_code == 404 and "Not Found" in missing.text


def test_spanish_pages_format_numbers_and_names_with_the_locale(client: TestClient) -> None:
    page = client.get("/?lang=es").text
    names = re.search(r"const NAMES = (\{.*?\});", page)
    assert names is not None
    assert json.loads(names.group(1)) | {"MEX": "México", "OTHER": "Otros países"} == json.loads(
        names.group(1)
    )
    sources = client.get("/sources?lang=es").text
    caption = re.search(r'<caption class="note">(\d+) conjuntos de datos</caption>', sources)
    assert caption is not None and int(caption.group(1)) > 10
    # Central American grouping (1,234), not Spain's (1.234)
    rows = re.findall(r'data-label="Filas">([\d.,]+)</td>', sources)
    assert rows and any("," in r for r in rows) and not any("." in r for r in rows)


def test_the_chart_toolbar_strings_come_translated(client: TestClient) -> None:
    english = re.search(r'<script[^>]*id="i18n">(\{.*?\})</script>', client.get("/").text)
    assert english is not None
    assert json.loads(english.group(1)) == {"lang": "en", "locale": "en-US", "messages": {}}
    spanish = client.get("/?lang=es").text
    found = re.search(r'<script[^>]*id="i18n">(\{.*?\})</script>', spanish)
    assert found is not None
    assert json.loads(found.group(1))["messages"]["Image (PNG)"] == "Imagen (PNG)"


@pytest.mark.parametrize(
    ("url", "language", "expected"),
    [
        ("/drivers", None, "/drivers"),
        ("/drivers?indicator=homicide_rate", "es", "/drivers?indicator=homicide_rate&lang=es"),
        ("/?lang=es&basis=usbp", "en", "/?basis=usbp&lang=en"),
        ("/drivers#models", "es", "/drivers?lang=es#models"),
    ],
)
def test_links_keep_or_switch_the_language(url: str, language: str | None, expected: str) -> None:
    assert lang_url(url, language) == expected


@pytest.mark.parametrize("path", PAGES)
def test_no_catalogued_english_sentence_is_left_on_a_spanish_page(
    client: TestClient, path: str
) -> None:
    page = client.get(f"{path}?lang=es").text
    page = re.sub(r"<script[^>]*>.*?</script>", " ", page, flags=re.S)  # JSON for the scripts
    # the sources' own titles come with the data, in English: the sources table, and each
    # source line's link to the source ("… per 100,000 population (UNODC via OWID)")
    page = re.sub(r'<table id="sources-table".*?</table>', " ", page, flags=re.S)
    page = re.sub(r'<a href="https?://[^"]*">[^<]*</a>', " ", page)
    # /docs: the API's own words, read from its OpenAPI document, stay English (lang="en")
    page = re.sub(r'<(p|span|td)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    left = [s for s in english_pieces() if s in text]
    assert left == []


def test_commitments_pages_in_spanish(snapshot, tmp_path) -> None:
    from tests.web.test_commitments_pages import seed_tracker

    settings = Settings(home=tmp_path, data=snapshot)
    seed_tracker(settings, snapshot)
    client = TestClient(create_app(settings))
    english = client.get("/commitments").text
    page = client.get("/commitments?lang=es").text
    assert "Compromisos por estado" in page and "Cronología de plazos" in page
    assert re.search(r"Se muestran \d+ de \d+ compromisos\.", page)
    assert "Commitments per status" in english and "Compromisos por estado" not in english
    # the status names on the tiles are translated, the counts the same as in English
    tile = r'<span class="tile-count">(\d+)</span> <span class="tile-label">([^<]+)<'
    tiles = re.findall(tile, page)
    assert [n for n, _ in tiles] == re.findall(r'<span class="tile-count">(\d+)</span>', english)
    assert {label for _, label in tiles} >= {"Cumplido", "En riesgo", "Sin datos recientes"}
    one = client.get("/commitments/C103?lang=es").text
    assert "Informes de avance" in one and "Historial" in one and "Sobre este compromiso" in one
    for html in (page, one):
        text = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
        assert [s for s in english_pieces() if s in text] == []


# --- the policy lab and the outcome scorecard ---------------------------------------------------


def policy_lab_and_scorecard_words() -> dict[str, str]:
    """Every English text the Policy lab page, the outcome scorecard and the brief show from
    the code and the simulation's specs, with where it comes from."""
    from rootcauses.analysis import scorecard
    from rootcauses.sim import history, whatif
    from rootcauses.web.policylab import spec_words

    words = {text: "sim/parameters.yaml or sim/scenarios/*.yaml" for text in spec_words()}
    for cf in whatif.COUNTERFACTUALS:
        words |= {cf.question: f"what-if {cf.id}", cf.caveat: f"what-if {cf.id}"}
    words |= {text: "what-if not computed" for text in whatif.NOT_COMPUTED.values()}
    words |= {
        whatif.label(band): "what-if label" for band in ({"lo": 1, "hi": 2}, {"lo": -1, "hi": 1})
    }
    for passed in (True, False):
        verdict = whatif.validation_verdict({"acceptance": {"all": passed}})
        words[verdict["statement"]] = "what-if validation verdict"
    words |= {text: "validation model" for text in history.MODEL_LABELS.values()}
    for outcome in scorecard.OUTCOMES:
        for text in (outcome.label, outcome.unit, outcome.note):
            words[text] = f"outcome {outcome.id}"
    words |= {text: "scorecard pillar" for text in scorecard.PILLAR_LABELS.values()}
    words |= {text: "scorecard not covered" for text in scorecard.NOT_COVERED.values()}
    words |= {text: "scorecard verdict" for text in scorecard.VERDICT_WORDS.values()}
    words[scorecard.METHOD] = "scorecard method"
    return {text: where for text, where in words.items() if text.strip()}


def without_spanish(words: dict[str, str]) -> list[str]:
    """The texts of ``words`` the Spanish catalogue lacks (absent, empty or fuzzy)."""
    from babel.messages.pofile import read_po

    from rootcauses.i18n import catalogue_key
    from tests.test_i18n import PO

    with open(PO, "rb") as handle:
        catalogue = read_po(handle, locale="es")
    missing = []
    for text, where in words.items():
        entry = catalogue.get(catalogue_key(text))
        if entry is None or entry.fuzzy or not entry.string:
            missing.append(f"{where}: {text!r}")
    return missing


def test_every_lever_scenario_what_if_and_outcome_has_spanish() -> None:
    words = policy_lab_and_scorecard_words()
    assert "violence multiplier" in words and "harris strategy" in words  # from the YAML
    assert "GDP per capita growth" in words and "% of population" in words
    assert words["What if hurricanes Eta and Iota (November 2020) had not struck?"].endswith("iota")
    assert without_spanish(words) == [], "run `make i18n` and translate"
    # the check finds a lever or outcome nobody translated
    new = {"a lever nobody translated": "sim/parameters.yaml"}
    assert without_spanish(new) == ["sim/parameters.yaml: 'a lever nobody translated'"]


def store_policy_lab(settings: Settings) -> None:
    """The what-if histories (every question) and a validation scorecard, as `prepare` stores
    them (made-up numbers)."""
    from rootcauses.sim.history import validation_rows
    from rootcauses.store.results import write_snapshot
    from tests.report.test_i18n import store_whatifs
    from tests.web.test_whatif_page import _validation_report

    store_whatifs(settings)
    write_snapshot(settings, "sim_validation", validation_rows(_validation_report()))


@pytest.fixture(scope="module")
def lab_client(
    built_store: Settings, snapshot, tmp_path_factory: pytest.TempPathFactory
) -> TestClient:
    from rootcauses.store import import_build
    from tests.web.test_commitments_pages import seed_tracker

    home = tmp_path_factory.mktemp("lab-i18n")
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    store_policy_lab(settings)
    seed_tracker(settings, snapshot)  # the Commitments page shows the scorecard with it
    return TestClient(create_app(settings))


def _text(html: str) -> str:
    html = re.sub(r"<script[^>]*>.*?</script>", " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'(?:title|aria-label)="([^"]*)"', html))
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html) + " " + attributes))


def test_the_policy_lab_speaks_spanish(lab_client: TestClient) -> None:
    from rootcauses.sim.whatif import COUNTERFACTUALS

    english, spanish = (_text(lab_client.get(f"/policy-lab?lang={k}").text) for k in ("en", "es"))
    # levers and scenarios (from the YAML specs): names, units, notes, descriptions
    for words, translated in [
        ("violence multiplier", "multiplicador de la violencia"),
        ("factor on the homicide rate", "factor sobre la tasa de homicidios"),
        ("Violence-reduction programmes act here.", "Aquí actúan los programas de reducción"),
        ("smuggler fee multiplier", "multiplicador de la tarifa del coyote"),
        ("harris strategy", "estrategia Harris"),
        ("anti corruption", "anticorrupción"),
        # what-if questions, caveats, readings, the verdict; the validation's forecasts
        (COUNTERFACTUALS[0].question, "¿Qué habría pasado si las expulsiones del Título 42"),
        (COUNTERFACTUALS[2].caveat, "El coeficiente de violencia es una asociación"),
        ("exceeds the spread", "supera la dispersión"),
        ("The model does not yet reproduce", "El modelo aún no reproduce AF2020-AF2024"),
        ("What if the strategy's aid had been delivered", "la ayuda de la estrategia"),
        ("Random walk (last value)", "Paseo aleatorio (último valor)"),
        ("Calibrated model", "Modelo calibrado"),
    ]:
        assert words in english and translated not in english, words
        assert translated in spanish and words not in spanish, words
    # the scenario descriptions the script shows come in the page's language
    lab = re.search(r"const LAB = (\{.*?\});\n", lab_client.get("/policy-lab?lang=es").text)
    assert lab is not None
    described = {s["name"]: s["description"] for s in json.loads(lab.group(1))["scenarios"]}
    assert described["climate_shock"].startswith("Una sequía prolongada en el Corredor Seco")
    assert re.findall(r".{80}FY2020.{20}", spanish) == []  # fiscal years as AF
    assert "AF2020..AF2024" in spanish


def test_policy_lab_and_scorecard_words_stay_english_in_the_api(lab_client: TestClient) -> None:
    lab_client.cookies.set("lang", "es")
    spanish = {"Accept-Language": "es"}
    levers = lab_client.get("/api/sim/parameters?lever=true&lang=es", headers=spanish).json()
    notes = {row["name"]: row["note"] for row in levers["data"]}
    assert notes["violence_multiplier"] == "Violence-reduction programmes act here."
    scenarios = lab_client.get("/api/sim/scenarios?lang=es", headers=spanish).json()["data"]
    assert any(s["description"].startswith("A prolonged Dry Corridor drought") for s in scenarios)
    # the scorecard is computed once per build: a Spanish page first, then the API, in English
    assert "Crecimiento del PIB per cápita" in lab_client.get("/commitments?lang=es").text
    rows = lab_client.get("/api/scorecard?lang=es&limit=500", headers=spanish).json()["data"]
    labels = {row["label"] for row in rows}
    assert "GDP per capita growth" in labels and "Crecimiento del PIB per cápita" not in labels
    caveats = " ".join(c for row in rows for c in row["caveats"])
    assert "Donor pool:" in caveats and "Grupo de donantes" not in caveats
    assert all(isinstance(row["statement"], str) for row in rows)
