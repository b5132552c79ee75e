"""The brief in Spanish: ``render_html(report, lang="es")`` and ``rootcauses report --lang es``
write the template, the computed sentences, the labels and the months in Spanish — the outcome
scorecard's outcomes, verdicts, statements and caveats and the policy lab's what-if questions
included; the English brief is the default and keeps its words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rootcauses import i18n
from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.report import build_report, render_html
from rootcauses.sim.whatif import (
    COUNTERFACTUALS,
    NOT_COMPUTED,
    label,
    validation_verdict,
    whatif_rows,
)
from rootcauses.store.results import write_snapshot
from tests.report.test_plain import visible_text
from tests.test_i18n import english_pieces

runner = CliRunner()


def store_whatifs(settings: Settings) -> None:
    """Counterfactual histories as ``rootcauses sim whatif`` stores them: every question the
    model asks, its caveat and the validation verdict, in English (made-up numbers)."""
    bands = {  # the three countries' bands exclude zero, their sum's does not
        c: {"median": -100.0, "lo": -200.0, "hi": 50.0 if c == "ALL" else -10.0}
        for c in ("GTM", "HND", "SLV", "ALL")
    }
    payload = {
        "calibration": "latest",
        "window": "FY2020..FY2024",
        "members": 8,
        "households": 1_000,
        "seed": 0,
        "validation": validation_verdict({"acceptance": {"all": False}}),
        "counterfactuals": [
            {
                "id": cf.id,
                "question": cf.question,
                "caveat": cf.caveat,
                "totals": {
                    c: {"difference": band, "history": {"median": 1e5}, "label": label(band)}
                    for c, band in bands.items()
                },
            }
            for cf in COUNTERFACTUALS
        ],
    }
    write_snapshot(settings, "sim_whatif", whatif_rows(payload))


@pytest.fixture(scope="module")
def briefs(results_store: Settings) -> dict[str, str]:
    store_whatifs(results_store)
    out = {}
    for language in ("en", "es"):
        with i18n.use(language):
            report = build_report(results_store, "NT", "2019-10", "2024-09")
            out[language] = render_html(report)
    return out


def test_english_is_the_default(results_store: Settings, briefs: dict[str, str]) -> None:
    default = render_html(build_report(results_store, "NT", "2019-10", "2024-09"))
    assert default == briefs["en"]
    assert '<html lang="en">' in default and "Headline figures" in default


def test_spanish_brief(briefs: dict[str, str]) -> None:
    html = briefs["es"]
    text = visible_text(html)
    assert '<html lang="es">' in html
    assert "Informe sobre migración: el Triángulo Norte" in text
    for heading in ("Cifras principales", "Encuentros por mes", "Factores clave", "Compromisos"):
        assert heading in text
    # the computed sentences, the labels and the months
    assert "Los conteos de encuentros" in text and "septiembre de 2024" in text
    assert "tienen una correlación de r =" in text  # the homicide sentence, computed
    assert "los tres países" in text and "Gobierno de EE. UU." in text
    assert "oct 2019 – sep 2024" in text
    assert "ciudadanos del Triángulo Norte" in text and "de el " not in text
    assert "Hallazgos principales para la región" in text
    assert "Los encuentros en la frontera suroeste de ciudadanos de" in text  # a finding


def test_spanish_brief_keeps_the_figures(briefs: dict[str, str]) -> None:
    """The same numbers in both languages (es_419 writes them as English does)."""

    def figures(html: str) -> list[str]:
        return re.findall(r'data-figure="\w+">([^<]+)<', html)

    assert figures(briefs["es"]) == figures(briefs["en"]) and figures(briefs["en"])


def test_no_catalogued_english_is_left_in_the_spanish_brief(briefs: dict[str, str]) -> None:
    # the sources' titles come with the data, in English ("… per 100,000 population (UNODC …)")
    html = re.sub(r'<a href="https?://[^"]*">[^<]*</a>', " ", briefs["es"])
    text = re.sub(r"\s+", " ", visible_text(html))
    assert [piece for piece in english_pieces() if piece in text] == []


def test_spanish_brief_asks_the_what_ifs_and_names_the_outcomes_in_spanish(
    briefs: dict[str, str],
) -> None:
    english, spanish = (re.sub(r"\s+", " ", visible_text(briefs[k])) for k in ("en", "es"))
    with i18n.use("es"):
        questions = [i18n.gettext(cf.question) for cf in COUNTERFACTUALS]
    assert (
        "¿Qué habría pasado si las expulsiones del Título 42 nunca se hubieran aplicado"
        in (questions[0])
    )
    for cf, question in zip(COUNTERFACTUALS, questions, strict=True):
        assert question in spanish and cf.question not in spanish
        assert cf.question in english and question not in english
    assert "El modelo aún no reproduce AF2020-AF2024" in spanish  # the validation verdict
    assert "supera la dispersión" in spanish and "exceeds the spread" not in spanish
    assert "¿Qué habría pasado si la ayuda de la estrategia" in spanish  # not computed
    assert NOT_COMPUTED["aid_in_full"] in english
    # the outcome scorecard: names, verdicts, statements and caveats
    for outcome, translated in [
        ("GDP per capita growth", "Crecimiento del PIB per cápita"),
        ("Control of corruption (WGI)", "Control de la corrupción (WGI)"),
        ("Political stability and absence of violence (WGI)", "Estabilidad política y"),
    ]:
        assert translated in spanish and outcome not in spanish
        assert outcome in english
    assert "sin cambio detectable" in spanish and "no detectable change" not in spanish
    assert "Control sintético con intercepto" in spanish  # the method
    assert "frente a una comparación sintética de" in spanish  # a flagged row's statement
    assert "Grupo de donantes:" in spanish and "Donor pool:" in english  # a caveat


def test_cli_lang_es(results_store: Settings, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ROOTCAUSES_HOME", str(results_store.home))
    html = tmp_path / "informe.html"
    args = ["report", "--country", "HND", "--start", "2019-10", "--end", "2024-09"]
    result = runner.invoke(app, [*args, "--lang", "es", "--output", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert '<html lang="es">' in text and "Informe sobre migración: Honduras" in text
    bad = runner.invoke(app, [*args, "--lang", "fr", "--output", str(tmp_path / "x.html")])
    assert bad.exit_code == 1 and "unknown language 'fr'; one of en, es" in bad.output
    assert not (tmp_path / "x.html").exists()
