"""The page scripts' words come from the Babel catalogue: the t("…") literals are read from the
scripts (for the catalogue and for the page), each page's <script id="i18n"> holds the Spanish of
the scripts it loads with the number locale and Plotly's locale, and the Drivers page (template and
the sentences computed in Python) is Spanish under ?lang=es."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.frontend import parse_mapping_cfg
from fastapi.testclient import TestClient

from rootcauses import i18n
from rootcauses.analysis.drivers import verdict
from rootcauses.config import Settings
from rootcauses.sources.catalogue import describe
from rootcauses.web import drivers
from rootcauses.web import i18n as web_i18n
from rootcauses.web.app import create_app
from rootcauses.web.pages import TEMPLATES
from tests.test_i18n import ROOT, english_pieces

STATIC = ROOT / "src" / "rootcauses" / "web" / "static"


def _page_language(html: str) -> dict:
    found = re.search(r'<script[^>]*id="i18n">(\{.*?\})</script>', html, flags=re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_words_are_the_double_quoted_literals_of_t_calls() -> None:
    source = (
        'const a = t("Source");\n'
        'x.get("not a word"); el.createElement("div"); obj.list("x");\n'
        '`${t("Latest value up to %(year)s, by country", {year})}`\n'
        't("with \\"quotes\\" and \\u00e9")'
    )
    assert list(web_i18n.words_in(source)) == [
        (1, "Source"),
        (3, "Latest value up to %(year)s, by country"),
        (4, 'with "quotes" and é'),
    ]
    extracted = list(web_i18n.extract_script(io.BytesIO(source.encode()), {}, [], {}))
    assert [(line, text) for line, _f, text, _c in extracted] == [
        (1, "Source"),
        (3, "Latest value up to %(year)s, by country"),
        (4, 'with "quotes" and é'),
    ]


def test_every_page_script_is_read_for_the_catalogue() -> None:
    """babel.cfg lists each of our scripts with the scripts method (a new script must be added,
    or its words would never reach the catalogue)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, _options = parse_mapping_cfg(cfg)
    mapped = {pattern for pattern, method in method_map if method.endswith(":extract_script")}
    scripts = [p.name for p in STATIC.glob("*.js") if not web_i18n.VENDORED.search(p.name)]
    ours = {f"web/static/{name}" for name in scripts}
    assert ours and ours == mapped
    assert all(web_i18n.script_words(Path(m).name) is not None for m in mapped)
    assert "Download this chart" in web_i18n.script_words("common.js")
    assert "Pick at least one country." in web_i18n.script_words("drivers.js")


def test_a_template_loads_its_scripts_and_those_of_its_base() -> None:
    env = TEMPLATES.env
    assert set(web_i18n.template_scripts(env, "drivers.html")) == {"common.js", "drivers.js"}
    assert "commitments.js" in web_i18n.template_scripts(env, "commitment.html")
    assert "policylab.js" in web_i18n.template_scripts(env, "policylab.html")
    assert web_i18n.template_scripts(env, "base.html") == ("common.js",)


@pytest.fixture
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


def test_a_spanish_page_gets_the_translations_of_its_scripts(client: TestClient) -> None:
    english = _page_language(client.get("/drivers").text)
    assert english == {"lang": "en", "locale": "en-US", "messages": {}}
    page = _page_language(client.get("/drivers?lang=es").text)
    assert page["lang"] == "es" and page["locale"] == "es-419"
    messages = page["messages"]
    assert messages["Pick at least one country."] == "Elija al menos un país."
    assert messages["Image (PNG)"] == "Imagen (PNG)"  # common.js, through base.html
    # placeholders survive, in the catalogue's %(name)s form that t() fills
    assert messages["%(shown)s of %(total)s indicators"] == "%(shown)s de %(total)s indicadores"
    # only the scripts this page loads: none of the Forecasts script's own words
    assert "Linear scale." not in messages
    assert set(messages) <= set(web_i18n.script_words("drivers.js")) | set(
        web_i18n.script_words("common.js")
    )
    # every word of the page's scripts is there, in Spanish (none left to English)
    words = set(web_i18n.script_words("drivers.js")) | set(web_i18n.script_words("common.js"))
    kept = {w for w in words if i18n.translations("es").gettext(w) == w}
    assert set(messages) == words - kept
    assert kept <= {"Zoom", "%(stage)s (bilateral)"}  # words Spanish writes the same
    forecasts = _page_language(client.get("/forecasts?lang=es").text)["messages"]
    assert (
        forecasts["Linear scale."] == "Escala lineal."
        and "Pick at least one country." not in forecasts
    )


def test_plotly_gets_spanish_words_months_and_number_symbols() -> None:
    with i18n.use("es"):
        plotly = web_i18n.plotly_locale()
    assert plotly["dictionary"]["Reset axes"] == "Restablecer ejes"
    assert plotly["format"]["months"][8] == "septiembre"
    assert plotly["format"]["shortMonths"][0] == "ene"
    assert plotly["format"]["days"][0] == "domingo"  # Plotly's weeks start on Sunday
    # Central America writes 1,234.5 (es_419), not Spain's 1.234,5
    assert (plotly["format"]["decimal"], plotly["format"]["thousands"]) == (".", ",")


def test_the_drivers_page_in_spanish(client: TestClient) -> None:
    english = client.get("/drivers").text
    page = client.get("/drivers?lang=es").text
    assert "Search indicators" in english and "Buscar indicadores" not in english
    assert (
        "Buscar indicadores" in page
        and "Departamentos de Guatemala, Honduras y El Salvador" in page
    )
    assert 'optgroup label="Violencia y delito"' in page  # themes in Spanish
    assert 'data-frequency="anual' in page  # the frequency the script shows
    assert "México" in page  # country names in the page's language
    assert "Asociación, no causa" in page
    # the indicators' plain names and descriptions, kept by their sources, in Spanish
    assert ">Tasa de homicidios</option>" in page and ">Homicide rate</option>" in english
    assert 'data-about="Homicidios intencionales por cada 100,000 habitantes (UNODC)"' in page
    text = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    assert [s for s in english_pieces() if s in text] == []


def test_driver_models_in_spanish_words() -> None:
    fit = pd.DataFrame(
        [
            {
                "theory": "economic",
                "driver": "gdp_growth",
                "coef": 0.05,
                "lo95": -0.01,
                "hi95": 0.1,
                "rows": 1234,
                "years": "2001-2023",
                "level": "country-year",
                "verdict": verdict(0.2, 0.01),
                "skill_vs_trend": 0.2,
                "dm_p_value": 0.01,
            },
            {
                "theory": "economic",
                "driver": "mpp",
                "coef": -0.14,
                "lo95": -1.05,
                "hi95": 0.79,
                "rows": 1234,
                "years": "2001-2023",
                "level": "country-year",
                "verdict": verdict(0.2, 0.01),
                "skill_vs_trend": 0.2,
                "dm_p_value": 0.01,
            },
        ]
    )
    english = drivers.models_in_words(fit)[0]
    assert english["record"].startswith("It beats the trend out of sample (removes 20%")
    with i18n.use("es"):
        spanish = drivers.models_in_words(fit)[0]
    assert spanish["record"].startswith("La teoría supera a la tendencia fuera de la muestra")
    assert "elimina el 20% del error" in spanish["record"] and "p = 0.01" in spanish["record"]
    assert spanish["fit"] == "1,234 filas, 2001-2023, ajustado con años-país"
    growth, regime = spanish["drivers"]
    assert "era una unidad mayor" in growth and "alrededor de un 5% más" in growth
    assert (
        "intervalo del 95%: de -1% a +11%" in growth and "no permiten saber la dirección" in growth
    )
    assert regime.startswith("Con ") and "menos que sin ella" in regime


def test_the_verdicts_the_analysis_writes_are_catalogued() -> None:
    written = {verdict(-0.1, 0.5), verdict(0.2, 0.01), verdict(0.2, 0.5)}
    assert written == set(drivers.VERDICTS)
    with i18n.use("es"):
        assert all(i18n.gettext(v) != v for v in written)


@pytest.mark.parametrize(
    ("code", "english", "spanish"),
    [
        ("disaster_deaths_storm", "Disasters (storm): deaths", "Desastres (tormenta): muertes"),
        ("remittances_pct_gdp", "Remittances received (% of GDP)", "Remesas recibidas (% del PIB)"),
        (
            "wgi_rule_of_law_pctrank",
            "Governance: rule of law (percentile rank)",
            "Gobernanza: Estado de derecho (percentil)",
        ),
        ("oni_max", "El Niño index, yearly maximum", "Índice de El Niño, máximo anual"),
    ],
)
def test_indicator_names_in_the_page_language(code: str, english: str, spanish: str) -> None:
    """A pattern's name and the words filled into it both come from the catalogue (a literal %
    is %% there); English is the sources' own text."""
    assert describe(code).name == english
    with i18n.use("es"):
        assert describe(code).name == spanish
    assert describe(code).name == english  # nothing kept from the Spanish call


def test_the_forecasts_page_names_series_and_models_in_spanish(served_store: Settings) -> None:
    """The series picker and the leaderboard's models (drawn by forecasts.js from the page's
    data) in the page's language, never the store's codes."""
    client = TestClient(create_app(served_store))
    page = client.get("/forecasts?lang=es").text
    assert '<option value="MEX"' in page and ">México</option>" in page
    found = re.search(r'<script[^>]*id="forecasts-data">(\{.*?\})</script>', page, flags=re.S)
    assert found is not None
    models = json.loads(found.group(1))["models"]
    assert models["seasonal_naive"] == "ingenuo estacional (el mismo mes del año anterior)"
    english = client.get("/forecasts?lang=en").text
    assert ">Mexico</option>" in english and "seasonal naive (same month last year)" in english


def test_the_api_keeps_english_indicator_names(client: TestClient) -> None:
    """Names the API serves come from the same catalogue but stay English, also right after a
    Spanish page was served (and with a Spanish cookie and browser)."""
    english = client.get("/api/departments/indicators").json()
    assert client.get("/drivers?lang=es").status_code == 200  # sets the cookie
    again = client.get("/api/departments/indicators", headers={"Accept-Language": "es"}).json()
    assert again == english
    names = {row["name"] for row in english["data"]}
    assert "Households" in names and "Hogares" not in names
