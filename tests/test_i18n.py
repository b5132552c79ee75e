"""The translation catalogues and the language helpers: every marked string of the package is
translated into Spanish with the same placeholders, the committed ``.mo`` is the compiled
``.po``, and numbers, dates and country names follow the language."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from rootcauses import i18n
from rootcauses.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "rootcauses"
PO = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}|%%")


def _extracted() -> dict[str | tuple[str, ...], str]:
    """What `scripts/i18n.sh extract` finds, read in-process with the same babel.cfg."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map
    ):
        found[message] = filename
    return found


def english_pieces() -> list[str]:
    """The pieces of the catalogue's English text that a page or brief shows verbatim (between
    markup and placeholders) and that the translation does not keep (names such as "CBP
    Nationwide Encounters" stay as they are): none of them should be left in Spanish output."""
    with open(PO, "rb") as handle:
        catalog = read_po(handle, locale="es")
    pieces = []
    for message in catalog:
        if not isinstance(message.id, str):
            continue
        for piece in re.split(r"<[^>]+>|%\([a-z_]+\)s|\{[a-z_]+\}", message.id.replace("%%", "%")):
            if len(piece.strip()) >= 20 and piece.strip() not in str(message.string):
                pieces.append(re.sub(r"\s+", " ", piece.strip()))
    return pieces


@pytest.fixture(scope="module")
def spanish():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="es")


def test_every_marked_string_has_a_spanish_translation(spanish) -> None:
    untranslated = []
    for message, filename in _extracted().items():
        entry = spanish.get(message)
        strings = () if entry is None else entry.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            untranslated.append(f"{filename}: {message!r}")
    assert not untranslated, "run `make i18n` and translate:\n" + "\n".join(untranslated)


def test_translations_keep_every_placeholder(spanish) -> None:
    for entry in spanish:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, (entry.id, text)


def test_committed_mo_is_the_compiled_po(spanish) -> None:
    with open(MO, "rb") as handle:
        compiled = read_mo(handle)

    def table(catalog) -> dict:
        return {
            tuple(m.id) if isinstance(m.id, list | tuple) else m.id: (
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string
            )
            for m in catalog
            if m.id and not m.fuzzy
        }

    po, mo = table(spanish), table(compiled)
    assert len(po) > 100
    assert mo == po, "the .mo is stale: run `scripts/i18n.sh compile` and commit it"


def test_the_app_reads_the_catalogue() -> None:
    with i18n.use("es"):
        assert i18n.gettext("Other countries") == "Otros países"
        assert i18n.gettext("a string nobody marked") == "a string nobody marked"
    assert i18n.gettext("Other countries") == "Other countries"  # English outside the block


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-GT,es;q=0.9,en;q=0.8", "es"),
        ("es-419", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR,es;q=0.5", "es"),
        ("es;q=0,en;q=0.1", "en"),
        ("de-DE", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


def test_numbers_and_dates_follow_the_language() -> None:
    # Central America writes 1,234.5 (es_419), not Spain's 1.234,5
    assert i18n.number(1234567.891, 1) == "1,234,567.9"
    assert i18n.percent(-0.1234, 1, signed=True) == "-12.3%"
    assert i18n.month(date(2024, 9, 1)) == "Sep 2024"
    assert i18n.month(date(2024, 9, 1), long=True) == "September 2024"
    with i18n.use("es"):
        assert i18n.number(1234567.891, 1) == "1,234,567.9"
        assert i18n.number(16427, signed=True) == "+16,427"
        assert i18n.percent(0.5) == "50%"
        assert i18n.month(date(2024, 9, 1), long=True) == "septiembre de 2024"
        assert i18n.month(date(2024, 1, 1)) == "ene 2024"
    assert i18n.number(None) == i18n.number(float("nan")) == "—"


def test_country_names_follow_the_language() -> None:
    assert [i18n.country(c) for c in ("MEX", "OTHER", "GTM")] == [
        "Mexico",
        "Other countries",
        "Guatemala",
    ]
    with i18n.use("es"):
        assert [i18n.country(c) for c in ("MEX", "OTHER", "PAN")] == [
            "México",
            "Otros países",
            "Panamá",
        ]


def test_spanish_contractions() -> None:
    with i18n.use("es"):
        text = i18n.contract("ciudadanos de el Triángulo Norte y de El Salvador; a el norte")
    assert text == "ciudadanos del Triángulo Norte y de El Salvador; al norte"
    assert i18n.contract("de el") == "de el"  # English text is left alone


def test_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown language 'fr'; one of en, es"), i18n.use("fr"):
        pass
    assert i18n.current() == "en"


def test_a_message_is_its_english_and_translates_later() -> None:
    """A :class:`i18n.Message` is computed once, in English (what the API and caches keep),
    and shown in any language afterwards, its values filled into the translated message."""
    import copy
    import json
    import pickle

    reason = i18n.Message(
        i18n.N_("the store has no %(outcome)s for it"),
        outcome=i18n.Message.literal("GDP per capita growth").lower(),
    )
    with i18n.use("es"):  # made in Spanish: still English
        made = i18n.Message(
            i18n.N_("No verdict for %(outcome)s in %(country)s: %(reason)s"),
            outcome=i18n.Message.literal("Homicide rate").lower(),
            country="Honduras",
            reason=reason,
        )
    english = (
        "No verdict for homicide rate in Honduras: the store has no gdp per capita growth for it"
    )
    assert made == english and json.dumps(made) == json.dumps(english)
    for copied in (copy.deepcopy(made), pickle.loads(pickle.dumps(made))):
        assert copied == english and isinstance(copied, i18n.Message)
        with i18n.use("es"):
            assert i18n.translate(copied) == (
                "Sin veredicto para tasa de homicidios en Honduras: el almacén no tiene datos "
                "de crecimiento del PIB per cápita para este país"
            )  # acronyms keep their case when a Spanish name goes inside a sentence
    assert i18n.translate(made) == english
    with i18n.use("es"):  # a text with a literal % is found as the catalogue writes it (%%)
        assert i18n.translate("% of population") == "% de la población"
        assert i18n.translate("a text nobody marked, 50%") == "a text nobody marked, 50%"
