"""HTTP safety for the dashboard and the API: security headers with a per-request script nonce,
a request-body size limit and a last-resort handler that answers 500 without a stack trace (its
answers follow the API's one error model, :mod:`rootcauses.api.errors`).

All three are plain ASGI middleware (no per-request task or thread as with
``BaseHTTPMiddleware``), so they cost microseconds on the cached chart-data path.

Inline ``<script>`` blocks in the dashboard templates run under a strict Content-Security-Policy
because :func:`add_script_nonces` rewrites the *template source* (before Jinja compiles it) to
carry the request's nonce; script tags that arrive through rendered data are never given one.
"""

from __future__ import annotations

import json
import logging
import re
import secrets

from jinja2.ext import Extension
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rootcauses.api.errors import new_error_id, public_message

log = logging.getLogger("rootcauses.web")


DEFAULT_MAX_BODY_BYTES = 1024 * 1024
NONCE_KEY = "csp_nonce"  # request.state.csp_nonce

# Plotly sets inline style attributes and injects <style> elements at runtime, hence
# 'unsafe-inline' for styles only; PNG/SVG export draws through data: and blob: images.
_POLICY = {
    "default-src": "'self'",
    "script-src": "'self' 'nonce-{nonce}'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The OpenAPI page (/docs) runs Swagger UI 5 from the package's static files (its bootstrap is
# /assets/docs.js, so no inline script); Swagger UI styles inline and may start a blob: worker.
_DOCS_POLICY = {
    **_POLICY,
    "img-src": "'self' data:",
    "worker-src": "blob:",
}
DOCS_PATHS = ("/docs",)
# A chart on /embed/… may be framed by any site (that is its purpose); it runs the same scripts as
# the dashboard under the same policy. Every other answer keeps frame denial.
_EMBED_POLICY = {**_POLICY, "frame-ancestors": "*"}
EMBED_PATHS = ("/embed/",)
STATIC_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def content_security_policy(nonce: str, path: str = "/") -> str:
    """The CSP header value for a response to ``path`` with this request's script nonce."""
    if path.startswith(DOCS_PATHS):
        policy = _DOCS_POLICY
    elif path.startswith(EMBED_PATHS):
        policy = _EMBED_POLICY
    else:
        policy = _POLICY
    return "; ".join(f"{k} {v}".format(nonce=nonce) for k, v in policy.items())


async def send_json(send: Send, status: int, detail: str, error_id: str | None = None) -> None:
    """A complete error answer in the API's one error model (:class:`ErrorBody`)."""
    body = json.dumps({"detail": detail, "error_id": error_id or new_error_id()}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response and a fresh CSP nonce to every request
    (``request.state.csp_nonce``); headers the app set itself are kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        path = scope.get("path", "/")
        csp = content_security_policy(nonce, path).encode()
        framable = path.startswith(EMBED_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                for name, value in STATIC_HEADERS.items():
                    if framable and name == "x-frame-options":
                        continue
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """A request body went past the limit while it was being read."""


class BodySizeLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413: at once when Content-Length says so,
    else as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"request body too large: the limit is {self.max_bytes:,} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await send_json(send, 400, "Content-Length is not a number")
                return
            if too_big:
                await send_json(send, 413, self._message())
                return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The app may turn the read error into its own answer (FastAPI says 400 "error
            # parsing the body"): the client gets the 413 instead.
            nonlocal started
            if exceeded:
                if not started:
                    started = True
                    await send_json(send, 413, self._message())
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await send_json(send, 413, self._message())


class ErrorTrapMiddleware:
    """Any exception that escapes the app is logged with its traceback and answered as a plain
    500 JSON message with an id to find it in the log; the client never sees the trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            error_id = new_error_id()
            log.exception(
                "unhandled error %s in %s %s", error_id, scope.get("method"), scope.get("path")
            )
            if not started:
                await send_json(send, 500, public_message(500, error_id), error_id)


# ----------------------------------------------------------------------------- template nonces

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src|nonce)\s*=)(?=[\s>])", re.IGNORECASE)
_NONCE_ATTR = '<script nonce="{{ request.state.' + NONCE_KEY + " if request is defined else '' }}\""


class ScriptNonceExtension(Extension):
    """Gives every inline ``<script>`` written in a template's source the request's CSP nonce."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _INLINE_SCRIPT.sub(_NONCE_ATTR, source)


def add_script_nonces(templates: Jinja2Templates) -> None:
    """Install :class:`ScriptNonceExtension` on a template set (idempotent)."""
    templates.env.add_extension(ScriptNonceExtension)
    if templates.env.cache is not None:  # templates compiled before the extension was added
        templates.env.cache.clear()
