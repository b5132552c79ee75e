"""The dashboard in English and Spanish without a browser: ``?lang=`` chooses and is kept in a
cookie and in links, then the cookie, then ``Accept-Language``, then English; ``<html lang>``
follows; the API answers the same in English whatever the page language."""

from __future__ import annotations

import json
import re

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
    # the sources' own titles come with the data, in English
    page = re.sub(r'<table id="sources-table".*?</table>', " ", page, flags=re.S)
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
