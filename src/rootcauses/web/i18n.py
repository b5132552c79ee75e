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

from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi.templating import Jinja2Templates
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


# What the scripts write (common.js: the export toolbar, image footer and citation on every chart;
# policylab.js: run status and chart words), translated once per page into <script id="i18n">;
# the scripts look their strings up there with t() (common.js).
JS_MESSAGES = (
    i18n.N_("Download this chart"),
    i18n.N_("Image (PNG)"),
    i18n.N_("Vector (SVG)"),
    i18n.N_("Data as shown (CSV)"),
    i18n.N_("Embed or cite this chart"),
    i18n.N_("Citation"),
    i18n.N_("Embed code"),
    i18n.N_("Preview the embedded chart"),
    i18n.N_("Download as PNG image (with title and source)"),
    i18n.N_("Download as SVG vector image (with title and source)"),
    i18n.N_("Source"),
    i18n.N_("Data through"),
    i18n.N_("Data"),
    i18n.N_("through"),
    i18n.N_("accessed"),
    # policylab.js
    i18n.N_("All three"),
    i18n.N_("Cancelled."),
    i18n.N_("Failed."),
    i18n.N_("The run failed"),
    i18n.N_("Submitting…"),
    i18n.N_("Could not start the run"),
    i18n.N_("Cancelling…"),
    i18n.N_("Could not cancel"),
    i18n.N_("5–95% band"),
    i18n.N_("mean difference"),
    i18n.N_("encounters per month"),
    i18n.N_("observed"),
    i18n.N_("model"),
    i18n.N_("validation window"),
    i18n.N_("Calibrated model vs observed encounters"),
)


# Values the templates translate with _(value): marked here so the catalogue has them.
SOURCE_STATUSES = (i18n.N_("official"), i18n.N_("derived"), i18n.N_("transcribed"))
READING_ORIGINS = (i18n.N_("reported"), i18n.N_("derived"))  # a commitment's latest reading


def js_messages() -> dict[str, str]:
    """The strings of :data:`JS_MESSAGES` that the current language translates."""
    if i18n.current() == i18n.DEFAULT:
        return {}
    return {m: t for m in JS_MESSAGES if (t := i18n.gettext(m)) != m}


def install(templates: Jinja2Templates) -> None:
    """Jinja's i18n extension with the project's catalogues, and the language's globals and
    filters, on ``templates`` (idempotent)."""
    env = templates.env
    i18n.install_jinja(env)
    env.globals.update(lang_url=lang_url, js_messages=js_messages)


__all__ = ["COOKIE", "LanguageMiddleware", "choose", "install", "lang_url"]
