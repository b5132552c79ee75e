"""Languages of the dashboard and the brief: English (the default) and Spanish.

Translations live in gettext catalogues (``locale/<language>/LC_MESSAGES/messages.po``, compiled
to ``messages.mo`` beside it and committed, so a fresh clone or wheel has them without a build
step; a test fails when a ``.mo`` is older than its ``.po``). ``scripts/i18n.sh`` extracts,
updates and compiles them (``make i18n``); the README's developer section says how.

The language of the work in hand is a context variable: a page request sets it once
(:mod:`rootcauses.web.i18n`), the brief sets it around its rendering, and everything that
translates or formats below reads it — so the labels computed in Python (:mod:`rootcauses.report.
labels`) and the templates agree without passing a language through every function. Nothing sets
it for the API, which stays English (a machine contract).

Numbers and dates are formatted with Babel in the language's *formatting* locale: Spanish uses
``es_419`` (Latin America), whose decimal point and thousands comma are those of Guatemala,
Honduras and El Salvador (``1,234.5``), not Spain's ``1.234,5``.
"""

from __future__ import annotations

import gettext as _gettext
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale, negotiate_locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from jinja2 import Environment

from rootcauses.errors import ConfigError

DEFAULT = "en"
LANGUAGES = {"en": "English", "es": "Español"}  # each in its own language, for the switch
FORMAT_LOCALES = {"en": "en_US", "es": "es_419"}
DOMAIN = "messages"
LOCALE_DIR = files("rootcauses") / "locale"
MISSING = "—"

_language: ContextVar[str] = ContextVar("rootcauses_language", default=DEFAULT)


def check(language: str) -> str:
    """``language`` if it is one the project speaks, else a :class:`ConfigError` naming them."""
    if language not in LANGUAGES:
        raise ConfigError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    return language


def current() -> str:
    """The language of the work in hand (``en`` unless something set another)."""
    return _language.get()


@contextmanager
def use(language: str) -> Iterator[str]:
    """Translate and format in ``language`` inside the block."""
    token = _language.set(check(language))
    try:
        yield language
    finally:
        _language.reset(token)


def set_language(language: str) -> None:
    """Set the language for the rest of the current context (a request's task)."""
    _language.set(check(language))


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``language`` (English is the source text: no catalogue)."""
    if check(language) == DEFAULT:
        return _gettext.NullTranslations()
    loaded = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    if not isinstance(loaded, Translations):  # babel returns NullTranslations when no .mo
        raise ConfigError(
            f"no compiled catalogue for {language!r} in {LOCALE_DIR}/{language}/LC_MESSAGES/"
            f"{DOMAIN}.mo; run `make i18n`"
        )
    return loaded


def gettext(message: str) -> str:
    """``message`` in the current language (itself when the catalogue lacks it)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (module-level tables are
    built once; they are translated where they are read, with :func:`gettext`)."""
    return message


def catalogue_key(text: str) -> str:
    """``text`` as the catalogue holds it: a literal % written %%, as in the python-format
    messages beside it (``% of population`` is ``%% of population``)."""
    return text.replace("%", "%%")


class Message(str):
    """English text made from a catalogue message and the values filled into it, shown later
    in any language (:func:`translate`).

    It *is* the English text: a ``str`` equal to ``msgid % values``, so the API, CSV and JSON
    see plain English and a result computed once (cached per build) serves every language.
    ``Message(N_("… %(name)s …"), name=value)`` marks the message where it is written (Babel
    extracts the ``N_``; a literal % is %%) and keeps it with its values; a value that is
    itself a :class:`Message` (a marked word: ``Message(N_("average"))``, or a text marked
    elsewhere: :meth:`literal`) is translated with it, any other value (a number, a name from
    the data) is filled in as it is."""

    msgid: str
    values: dict[str, object]
    lowered: bool

    def __new__(cls, msgid: str, /, **values: object) -> Message:
        return cls._make(msgid, values, lowered=False)

    @classmethod
    def literal(cls, text: str) -> Message:
        """A text as it is shown (a label, a unit, a note marked where it is defined)."""
        return cls._make(catalogue_key(text), {}, lowered=False)

    @classmethod
    def _make(cls, msgid: str, values: dict[str, object], lowered: bool) -> Message:
        text = msgid % values
        made = super().__new__(cls, text.lower() if lowered else text)
        made.msgid, made.values, made.lowered = msgid, dict(values), lowered
        return made

    def __reduce__(self) -> tuple[Any, tuple[str, dict[str, object], bool]]:
        return (_remade, (self.msgid, self.values, self.lowered))  # copies and pickles

    def lower(self) -> Message:
        """For use inside a sentence: the English lower-cased as ``str.lower`` does; a
        translation with only its first letter lowered (acronyms such as PIB keep theirs)."""
        return Message._make(self.msgid, self.values, lowered=True)

    def translated(self) -> str:
        """The text in the current language, with its values (translated when messages)."""
        values = {key: translate(value) for key, value in self.values.items()}
        text = contract(gettext(self.msgid) % values)
        if self.lowered:
            text = text.lower() if current() == DEFAULT else text[:1].lower() + text[1:]
        return text


def _remade(msgid: str, values: dict[str, object], lowered: bool) -> Message:
    return Message._make(msgid, values, lowered)


def translate(value: Any) -> Any:
    """``value`` in the current language: a :class:`Message` with its values; other text as
    the catalogue has it (:func:`catalogue_key`; itself when the catalogue lacks it);
    anything else unchanged."""
    if isinstance(value, Message):
        return value.translated()
    if not isinstance(value, str):
        return value
    key = catalogue_key(value)
    found = gettext(key)
    return value if found == key else found.replace("%%", "%")


def negotiate(accept_language: str | None) -> str | None:
    """The project's language that an ``Accept-Language`` header prefers, or None."""
    if not accept_language:
        return None
    wanted: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, i, tag.strip().replace("-", "_")))
    preferred = [tag for _q, _i, tag in sorted(wanted)]
    return negotiate_locale(preferred, list(LANGUAGES), sep="_")


def locale() -> Locale:
    """The Babel locale that formats numbers and dates in the current language."""
    return Locale.parse(FORMAT_LOCALES[current()])


def country(code: str) -> str:
    """A country's name in the current language: the project's own names in English
    (:func:`rootcauses.countries.country_name`), CLDR's in the others (``MEX`` → México), and
    the catalogue's for groups such as ``OTHER``."""
    import pycountry

    from rootcauses.countries import SPECIAL, country_name

    name = country_name(code)
    if current() == DEFAULT:
        return name
    if code in SPECIAL:
        return gettext(name)
    found = pycountry.countries.get(alpha_3=code)
    return str(locale().territories.get(found.alpha_2, name)) if found is not None else name


_CONTRACTIONS = {
    "es": (
        re.compile(r"\b([Dd]e|[Aa]) el\b"),
        lambda m: f"{m.group(1)[0]}{'el' if m.group(1).lower() == 'de' else 'l'}",
    )
}


def contract(text: str) -> str:
    """The current language's contractions where a translation met a substituted name: in
    Spanish "de el Triángulo Norte" → "del Triángulo Norte", "a el" → "al" (only a lowercase
    article: "de El Salvador" keeps the country's own)."""
    rule = _CONTRACTIONS.get(current())
    return text if rule is None else rule[0].sub(rule[1], text)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, digits: int = 0, signed: bool = False) -> str:
    """``1,234`` / ``+1,234.5`` with the current locale's separators; ``—`` when missing."""
    if _missing(value):
        return MISSING
    assert value is not None
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=locale())


def percent(value: float | None, digits: int = 0, signed: bool = False) -> str:
    """A share as ``12%`` / ``+12.5%`` in the current locale; ``—`` when missing."""
    if _missing(value):
        return MISSING
    assert value is not None
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_percent(value, format=pattern, locale=locale())


def month(value: date | None, long: bool = False) -> str:
    """``Sep 2024`` / ``sept 2024`` (``long``: ``September 2024`` / ``septiembre de 2024``)."""
    if value is None:
        return MISSING
    return format_skeleton("yMMMM" if long else "yMMM", value, locale=locale())


def install_jinja(env: Environment) -> None:
    """Jinja's i18n extension bound to the catalogues and the current language
    (``{% trans %}``, ``_()``, ``ngettext``; newstyle, block text trimmed as ``babel.cfg``
    extracts it), ``lang()`` for ``<html lang>``, and the ``number``, ``percent`` and
    ``month`` filters; for the dashboard's and the brief's template sets alike."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} text as one line in the catalogue
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True
    )
    env.globals.update(lang=current, languages=LANGUAGES)
    # `value | translate`: a value from data or code (a label, a status) in the current language;
    # _() is for text written in the template (newstyle: it also %-formats)
    env.filters.update(number=number, percent=percent, month=_month_filter, translate=translate)
    if env.cache is not None:  # templates compiled before the extension was added
        env.cache.clear()


def _month_filter(value: object, long: bool = False) -> str:
    """``month`` for templates: a date, a pandas Timestamp or ``YYYY-MM``/``YYYY-MM-DD``."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value if len(value) > 7 else f"{value}-01")
    as_date = getattr(value, "date", None)  # datetime and pandas Timestamp
    if callable(as_date):
        value = as_date()
    if not isinstance(value, date):
        raise TypeError(f"not a month: {value!r}")
    return month(value, long=long)


__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "Message",
    "_",
    "catalogue_key",
    "check",
    "contract",
    "country",
    "current",
    "gettext",
    "install_jinja",
    "locale",
    "month",
    "negotiate",
    "ngettext",
    "number",
    "percent",
    "set_language",
    "translate",
    "translations",
    "use",
]
