"""The dashboard's language: chosen with ``?lang=es|en`` (kept in a cookie for a year), else the
cookie, else the browser's ``Accept-Language``, else English.

:class:`LanguageMiddleware` sets the language (:mod:`rootcauses.i18n`) for every page request,
so page code, labels computed in Python and templates all read one value; the API (``/api``),
the OpenAPI document and static files are left in English, their machine contract. A page's
answer says ``Content-Language`` and ``Vary: Cookie, Accept-Language``.

:func:`install` gives a template set Jinja's i18n extension (``{% trans %}``, ``_()``,
``ngettext``) bound to the project's catalogues, the current language (``lang``, ``languages``)
for ``<html lang>`` and the switch, ``lang_url`` for links that keep the language, and Babel's
number, percent and month formatting as filters (``number``, ``percent``, ``month``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rootcauses import i18n

COOKIE = "lang"
PARAMETER = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
ENGLISH_ONLY = ("/api", "/openapi.json", "/assets")  # machine contracts and static files


def requested(scope: Scope) -> str | None:
    """The language named by ``?lang=`` when it is one the project speaks."""
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if key == PARAMETER and value in i18n.LANGUAGES:
            return value
    return None


def choose(scope: Scope) -> tuple[str, bool]:
    """The request's language and whether ``?lang=`` chose it (then the cookie is set)."""
    asked = requested(scope)
    if asked is not None:
        return asked, True
    headers = Headers(scope=scope)
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is the client's problem, not a 500
        cookie = SimpleCookie()
    kept = cookie.get(COOKIE)
    if kept is not None and kept.value in i18n.LANGUAGES:
        return kept.value, False
    return i18n.negotiate(headers.get("accept-language")) or i18n.DEFAULT, False


def _english_only(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in ENGLISH_ONLY)


class LanguageMiddleware:
    """Sets the language of each page request (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _english_only(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        language, chosen = choose(scope)
        i18n.set_language(language)  # this request's task and what it runs in threads

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-language", language.encode()),
                    (b"vary", b"Cookie, Accept-Language"),
                ]
                if chosen:
                    cookie = f"{COOKIE}={language}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_language)


def lang_url(url: str, language: str | None = None) -> str:
    """``url`` that keeps the current language (links carry ``?lang=`` unless it is English, the
    default), or that switches to ``language`` (always written, so the cookie follows)."""
    switch = language is not None
    language = language or i18n.current()
    parts = urlsplit(str(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PARAMETER]
    if switch or language != i18n.DEFAULT:
        query.append((PARAMETER, language))
    return urlunsplit(("", "", parts.path or "/", urlencode(query), parts.fragment))


# --- the page scripts' words ------------------------------------------------------------------
# A page script writes each of its words as t("English text") or t("… %(name)s …", {name}) with a
# double-quoted literal (common.js). The literals are read from the script files themselves, by
# babel.cfg for the catalogue (:func:`extract_script`) and here for the page (:func:`script_words`),
# so no list of them is kept by hand; a page gets the translations of the scripts its template
# loads (``asset('x.js')`` in the template or the ones it extends or includes) in
# <script id="i18n"> (base.html), with the locale that formats its numbers and Plotly's words.
STATIC = Path(__file__).parent / "static"
CALL = re.compile(r"""\bt\(\s*("(?:[^"\\\n]|\\.)*")""")
LOADS = re.compile(r"""asset\(\s*['"]([\w.-]+\.js)['"]\s*\)""")
USES = re.compile(r"""\{%-?\s*(?:extends|include)\s+['"]([^'"]+)['"]""")
VENDORED = re.compile(r"(\.min\.js|-bundle\.js)$")  # built from npm (VENDOR.md): not ours
# Plotly's own words on our charts (mode-bar tooltips, hints), given to Plotly as its dictionary.
PLOTLY_WORDS = (
    i18n.N_("Zoom"),
    i18n.N_("Pan"),
    i18n.N_("Zoom in"),
    i18n.N_("Zoom out"),
    i18n.N_("Autoscale"),
    i18n.N_("Reset axes"),
    i18n.N_("Reset"),
    i18n.N_("Reset view"),
    i18n.N_("Box Select"),
    i18n.N_("Lasso Select"),
    i18n.N_("Toggle Spike Lines"),
    i18n.N_("Show closest data on hover"),
    i18n.N_("Compare data on hover"),
    i18n.N_("Double-click to zoom back out"),
    i18n.N_("Double-click on legend to isolate one trace"),
    i18n.N_("trace"),
)


def words_in(source: str) -> Iterator[tuple[int, str]]:
    """``(line, English text)`` of every ``t("…")`` in a script's source."""
    for found in CALL.finditer(source):
        yield source.count("\n", 0, found.start()) + 1, json.loads(found.group(1))


def extract_script(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor of a page script's words (the ``scripts`` method of babel.cfg)."""
    for line, text in words_in(fileobj.read().decode("utf-8")):
        yield line, None, text, []  # None: the message is the first argument


@cache
def script_words(script: str) -> tuple[str, ...]:
    """The English words of the page script ``script`` (a file name under ``static/``)."""
    source = (STATIC / script).read_text(encoding="utf-8")
    return tuple(dict.fromkeys(text for _line, text in words_in(source)))


@cache
def template_scripts(env: Environment, name: str) -> tuple[str, ...]:
    """The scripts template ``name`` loads, with those of the templates it extends or includes."""
    assert env.loader is not None
    source = env.loader.get_source(env, name)[0]
    found = list(LOADS.findall(source))
    for used in USES.findall(source):
        found += template_scripts(env, used)
    return tuple(
        dict.fromkeys(s for s in found if not VENDORED.search(s) and (STATIC / s).is_file())
    )


def _translated(messages: Iterable[str]) -> dict[str, str]:
    return {m: t for m in messages if (t := i18n.gettext(m)) != m}


def plotly_locale() -> dict[str, Any]:
    """Plotly's ``locales`` entry for the current language: its words from the catalogue, month
    and day names and number symbols from CLDR (Babel), as Plotly's locale files spell them."""
    cldr = i18n.locale()
    days = cldr.days["format"]
    months = cldr.months["format"]
    symbols = cldr.number_symbols["latn"]
    sunday_first = (6, 0, 1, 2, 3, 4, 5)  # Babel counts from Monday, Plotly from Sunday
    return {
        "dictionary": _translated(PLOTLY_WORDS),
        "format": {
            "days": [str(days["wide"][d]) for d in sunday_first],
            "shortDays": [str(days["abbreviated"][d]) for d in sunday_first],
            "months": [str(months["wide"][m]) for m in range(1, 13)],
            "shortMonths": [str(months["abbreviated"][m]).rstrip(".") for m in range(1, 13)],
            "date": "%d/%m/%Y",
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
        },
    }


@pass_context
def js_messages(context: Context) -> dict[str, Any]:
    """What a page's scripts read from <script id="i18n">: the language, the locale that
    formats their numbers and dates (``es-419``), the translations of the words of the scripts
    the page loads (English: none, the scripts' own text) and, in a language other than
    English, Plotly's locale."""
    language = i18n.current()
    page: dict[str, Any] = {
        "lang": language,
        "locale": i18n.FORMAT_LOCALES[language].replace("_", "-"),
        "messages": {},
    }
    if language == i18n.DEFAULT or context.name is None:
        return page
    scripts = template_scripts(context.environment, context.name)
    page["messages"] = _translated(w for s in scripts for w in script_words(s))
    page["plotly"] = plotly_locale()
    return page


# Values the templates translate with _(value): marked here so the catalogue has them.
SOURCE_STATUSES = (i18n.N_("official"), i18n.N_("derived"), i18n.N_("transcribed"))
READING_ORIGINS = (i18n.N_("reported"), i18n.N_("derived"))  # a commitment's latest reading


def install(templates: Jinja2Templates) -> None:
    """Jinja's i18n extension with the project's catalogues, and the language's globals and
    filters, on ``templates`` (idempotent)."""
    env = templates.env
    i18n.install_jinja(env)
    env.globals.update(lang_url=lang_url, js_messages=js_messages)


__all__ = [
    "COOKIE",
    "LanguageMiddleware",
    "choose",
    "extract_script",
    "install",
    "js_messages",
    "lang_url",
    "script_words",
]
