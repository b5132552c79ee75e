"""Security headers, the CSP script nonce, closed CORS, the body-size limit and the 500 handler."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient
from pydantic import Field

from rootcauses.config import Settings
from rootcauses.web.app import create_app
from rootcauses.web.security import (
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    add_script_nonces,
    content_security_policy,
)

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


class WebSettings(Settings):
    """Settings with the optional web fields the app reads when they exist."""

    cors_origins: list[str] = Field(default_factory=list)
    max_request_bytes: int = 1024 * 1024


def _nonce(response) -> str:
    found = re.search(
        r"script-src [^;]*'nonce-([^']+)'", response.headers["content-security-policy"]
    )
    assert found, response.headers["content-security-policy"]
    return found.group(1)


@pytest.fixture
def bare(tmp_path: Path) -> TestClient:
    """The app without a store, plus a route that fails, for the error paths."""
    app = create_app(WebSettings(home=tmp_path, max_request_bytes=1000))

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    @app.post("/api/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/api/encounters", 503),
        ("GET", "/api/no-such-endpoint", 404),
        ("GET", "/assets/common.js", 200),
        ("GET", "/api/boom", 500),
        ("POST", "/api/echo", 413),
    ],
)
def test_every_response_carries_the_security_headers(
    bare: TestClient, method: str, path: str, status: int
) -> None:
    response = bare.request(method, path, content=b"x" * 5000 if method == "POST" else None)
    assert response.status_code == status
    for name, value in EXPECTED.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "server" not in response.headers


def test_the_nonce_is_fresh_for_every_request(bare: TestClient) -> None:
    assert _nonce(bare.get("/")) != _nonce(bare.get("/"))


def test_the_api_docs_run_no_inline_script() -> None:
    docs = re.search(r"script-src ([^;]*)", content_security_policy("n", "/docs")).group(1)
    assert "'unsafe-inline'" not in docs and "http" not in docs
    assert "frame-ancestors 'none'" in content_security_policy("n", "/docs")


def test_the_api_docs_are_served_from_the_package(bare: TestClient) -> None:
    page = bare.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"(src|href)=['\"](https?:)?//", page.text)  # works offline
    assets = re.findall(r"(/assets/[0-9a-f]{12}/[\w.-]+)", page.text)
    assert any(a.endswith("/swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert bare.get(asset).status_code == 200, asset
    inline = [t for t in re.findall(r"<script\b[^>]*>", page.text) if "src=" not in t]
    assert inline == []


def test_only_embed_routes_may_be_framed(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    embed = client.get("/embed/encounters?basis=usbp")
    assert embed.status_code == 200
    assert "x-frame-options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", embed.headers["content-security-policy"]).group(1)
    assert "'unsafe-inline'" not in script_src
    for path in ("/", "/drivers", "/docs", "/api/encounters", "/embed"):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
    assert client.get("/embed/no-such-chart").status_code == 404


def test_dashboard_inline_scripts_carry_the_request_nonce(built_store: Settings) -> None:
    client = TestClient(create_app(built_store))
    for path in ("/", "/drivers"):
        response = client.get(path)
        nonce = _nonce(response)
        tags = re.findall(r"<script\b[^>]*>", response.text)
        inline = [t for t in tags if "src=" not in t]
        assert inline, f"{path} has no inline script to check"
        assert all(f'nonce="{nonce}"' in t for t in inline), (path, inline)


def test_scripts_arriving_through_data_get_no_nonce(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<p>{{ payload }}</p><p>{{ payload | safe }}</p><script>let ok = 1;</script>"
        '<script src="/x.js"></script>'
    )
    templates = Jinja2Templates(directory=str(tmp_path))
    add_script_nonces(templates)
    add_script_nonces(templates)  # idempotent
    app = FastAPI()
    app.add_middleware(SecurityHeadersMiddleware)

    @app.get("/")
    def page(request: Request):
        payload = "<script>alert(1)</script>"
        return templates.TemplateResponse(request, "page.html", {"payload": payload})

    response = TestClient(app).get("/")
    nonce = _nonce(response)
    assert response.text.count(f'nonce="{nonce}"') == 1  # the template's own inline script
    assert "<script>alert(1)</script>" in response.text  # the |safe one: still no nonce
    assert '<script src="/x.js"></script>' in response.text


def test_cors_is_closed_by_default(bare: TestClient) -> None:
    origin = {"Origin": "https://evil.example"}
    assert "access-control-allow-origin" not in bare.get("/api/encounters", headers=origin).headers
    preflight = bare.options(
        "/api/encounters", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins(tmp_path: Path) -> None:
    settings = WebSettings(home=tmp_path, cors_origins=["https://news.example"])
    client = TestClient(create_app(settings))
    allowed = client.get("/api/encounters", headers={"Origin": "https://news.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://news.example"
    other = client.get("/api/encounters", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_a_body_over_the_limit_is_a_413_naming_it(bare: TestClient) -> None:
    declared = bare.post("/api/echo", content=b"x" * 1001)
    assert declared.status_code == 413
    assert "1,000 bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(5):
            yield b"y" * 400

    streamed = bare.post("/api/echo", content=chunks())
    assert streamed.status_code == 413
    json_body = bare.post(  # FastAPI's own body parsing must not turn it into a 400
        "/api/tracker/commitments",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert json_body.status_code == 413 and "1,000 bytes" in json_body.json()["detail"]
    assert bare.post("/api/echo", content=b"x" * 1000).json() == {"received": 1000}


def test_body_limit_refuses_a_bad_content_length() -> None:
    app = FastAPI()
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=10)
    client = TestClient(app)
    response = client.post("/", content=b"abc", headers={"Content-Length": "lots"})
    assert response.status_code == 400 and "Content-Length" in response.json()["detail"]


def test_an_unhandled_error_is_a_plain_500_and_is_logged(
    bare: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="rootcauses.web"):
        response = bare.get("/api/boom")
    assert response.status_code == 500
    body = response.json()
    assert "internal server error" in body["detail"]
    assert "secret" not in response.text and "Traceback" not in response.text
    error_id = re.search(r"id ([0-9a-f]+)", body["detail"]).group(1)
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])
